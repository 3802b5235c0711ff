#!/usr/bin/env bash
# Build the host-side test tools the guest runs: the rolling-restart load generator
# (tests/tools/reuseport_storm.c) and the out-of-tree ABI proof (tests/abi: a BPF program
# built against the system's headers, loaded through the system's libbpf).
# Usage: scripts/build-tools.sh OUTDIR
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
out=${1:?usage: build-tools.sh OUTDIR}
mkdir -p "$out"
storm() {
	cc -Wall -Wextra -Werror -O2 -o "$out/reuseport_storm" "$here/tests/tools/reuseport_storm.c" -lpthread
}
abi() {
	[ -f /usr/include/bpf/libbpf.h ] || die "tests/abi needs the system libbpf: apt-get install libbpf-dev"
	make -s -C "$here/tests/abi"
}
step "tools: reuseport_storm" storm
step "tools: tests/abi (system clang, headers and libbpf)" abi
