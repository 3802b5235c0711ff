#!/bin/sh
# Guest side: the demonstration "make run" shows in the VM. A placeholder until the series
# brings the real one (listeners closed under load, with and without migration).
set -eu
echo "net.ipv4.tcp_migrate_req = $(cat /proc/sys/net/ipv4/tcp_migrate_req)"
echo "demo: kernel $(uname -r); the demonstration of request migration comes with the series"
