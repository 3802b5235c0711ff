#!/bin/sh
# Guest side: the demonstration "make run" shows in the VM. Four SO_REUSEPORT listeners
# serve clients that open a new connection per request, while one listener after another
# is replaced (a new one joins, the old one is shut down and closed) every 30 ms: first with
# net.ipv4.tcp_migrate_req=0, the 5.10 behaviour, then with 1. Every failed request is
# counted by kind; with migration there must be none.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
echo "kernel $(uname -r); net.ipv4.tcp_migrate_req = $(cat /proc/sys/net/ipv4/tcp_migrate_req)"
echo "demo: 4 listeners, 8 clients, one listener replaced every 30 ms, 8 s per run"
"$here/storm.sh" 8 30 250
nstat -az TcpExtTCPMigrateReqSuccess TcpExtTCPMigrateReqFailure 2>/dev/null || true
