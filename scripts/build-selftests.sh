#!/usr/bin/env bash
# Build the tests the suite runs, out of the source tree and against the kernel we built:
#   OUTDIR/bpf  test_progs (tools/testing/selftests/bpf), BPF objects compiled by clang/llc
#               with vmlinux.h generated from OBJDIR/vmlinux's BTF;
#   OUTDIR/net  the C kselftests in NET_TESTS below (tools/testing/selftests/net), compiled
#               against OBJDIR/usr/include (the uapi headers of that kernel).
# Both are incremental: make rebuilds only what changed (all BPF objects when vmlinux did).
# Logs: OUTDIR/bpf.log and OUTDIR/net.log.
#
# Usage: scripts/build-selftests.sh WORKTREE OBJDIR OUTDIR [PART...]
#   PART: bpf, net (all of NET_TESTS) or net/NAME (that one); default: bpf net
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"

# The net kselftests we build (and tests/suite.sh runs): one name per line. Each is
# tools/testing/selftests/net/NAME.c, built by that directory's own Makefile rules, so
# extra libraries it declares there (LDLIBS) are used.
NET_TESTS=(
	reuseport_bpf
	reuseport_bpf_cpu
	reuseport_dualstack
	reuseport_addr_any
	tcp_migrate_req
)

usage="usage: build-selftests.sh WORKTREE OBJDIR OUTDIR [bpf|net|net/NAME]..."
wt=$(cd "${1:?$usage}" && pwd)
obj=$(cd "${2:?$usage}" && pwd)
out=${3:?$usage}
shift 3
[ $# -gt 0 ] || set -- bpf net
mkdir -p "$out/bpf" "$out/net"
out=$(cd "$out" && pwd)
jobs=${JOBS:-$(nproc)}
CLANG=${CLANG:-clang}
LLC=${LLC:-llc}

for tool in "$CLANG" "$LLC" pahole; do
	command -v "$tool" >/dev/null || die "$tool missing: run scripts/deps.sh (make deps)"
done
[ -f "$obj/vmlinux" ] || die "no $obj/vmlinux: build the kernel first (make kernel)"
grep -qx CONFIG_DEBUG_INFO_BTF=y "$obj/.config" ||
	die "$obj/vmlinux has no BTF (CONFIG_DEBUG_INFO_BTF); add it to config/bpf.config"
[ -f "$obj/usr/include/linux/bpf.h" ] || die "no uapi headers in $obj/usr/include: make kernel"

# Run "make ARGS..." quietly, appending to LOG; on failure show the errors and the tail of the log.
make_logged() {
	local log=$1
	shift
	if ! make "$@" >>"$log" 2>&1; then
		grep -E 'error:|Error [0-9]|FAILED' "$log" | head -20
		echo "--- last lines of $log:"
		tail -n 25 "$log"
		echo "selftests: build failed; the whole log is $log" >&2
		return 1
	fi
}

bpf() {
	local src=$wt/tools/testing/selftests/bpf
	local vars=(OUTPUT="$out/bpf" VMLINUX_BTF="$obj/vmlinux" CLANG="$CLANG" LLC="$LLC")
	: >"$out/bpf.log"
	# v5.10's test runner rule calls "resolve_btfids --btf btf_data.o" relative to the
	# source directory, so an out-of-tree build fails at the last step ("load BTF from
	# .../test_progs: Unknown error -2"). Until the tree names $(TRUNNER_OUTPUT)/btf_data.o,
	# build the tool first, then have make call it through a wrapper that runs it from
	# OUTDIR/bpf (made after the tool, so that make does not try to rebuild it).
	if grep -q -- '--btf btf_data\.o ' "$src/Makefile"; then
		local real=$out/bpf/tools/build/resolve_btfids/resolve_btfids
		local wrap=$out/bpf/resolve_btfids-in-output
		make_logged "$out/bpf.log" -C "$src" -j"$jobs" "${vars[@]}" "$real" || return 1
		printf '#!/bin/sh\n# made by scripts/build-selftests.sh: see the comment there\ncd "%s" && exec "%s" "$@"\n' \
			"$out/bpf" "$real" >"$wrap"
		chmod +x "$wrap"
		vars+=(RESOLVE_BTFIDS="$wrap")
	fi
	make_logged "$out/bpf.log" -C "$src" -j"$jobs" "${vars[@]}" test_progs
}

# net [NAME...]: the net kselftests NAME (default: NET_TESTS)
net() {
	local targets=() t
	[ $# -gt 0 ] || set -- "${NET_TESTS[@]}"
	for t in "$@"; do targets+=("$out/net/$t"); done
	: >"$out/net.log"
	# Named targets only: "all" would also install headers into the source tree.
	make_logged "$out/net.log" -C "$wt/tools/testing/selftests/net" -j"$jobs" \
		OUTPUT="$out/net" KSFT_KHDR_INSTALL_DONE=1 USERCFLAGS="-I$obj/usr/include" "${targets[@]}" ||
		return 1
}

for part in "$@"; do
	case $part in
	bpf) step "selftests: test_progs with $($CLANG --version | head -n 1) (log: $out/bpf.log)" bpf ;;
	net) step "selftests: net ${NET_TESTS[*]} (log: $out/net.log)" net ;;
	net/*) step "selftests: net ${part#net/} (log: $out/net.log)" net "${part#net/}" ;;
	*) die "build-selftests: no part $part ($usage)" ;;
	esac
done
