#!/usr/bin/env bash
# Check that the series is bisectable: build the kernel at the base and after each prefix of
# patches/, incrementally in one object directory, and from the patch that adds them on, the
# selftests of the series, each by scripts/build-selftests.sh once its source is in the tree
# ("absent" before that):
#   tcp_migrate_req  tools/testing/selftests/net/tcp_migrate_req.c;
#   test_progs       with tools/testing/selftests/bpf/prog_tests/reuseport_select_or_migrate.c.
# Prints one line per prefix: patch number, subject, results, seconds. Logs: DIR/logs/NN.log.
# Fails if any prefix fails (it goes on with the next one, to list them all).
#
# Usage: scripts/bisect-build.sh [DIR]     (default build/bisect: DIR/linux is a fresh tree
#                                           made by scripts/fresh-tree.sh, DIR/obj the objects)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
dir=$(private_dir bisect-build "${1:-$here/build/bisect}")
mkdir -p "$dir/logs"
wt=$dir/linux
obj=$dir/obj
out=$dir/selftests
mapfile -t frags < <(fragments)
NET_TEST=tools/testing/selftests/net/tcp_migrate_req.c
BPF_TEST=tools/testing/selftests/bpf/prog_tests/reuseport_select_or_migrate.c

t0=$(date +%s)
echo "bisect-build: a fresh tree in $wt"
"$here/scripts/fresh-tree.sh" "$dir" >"$dir/logs/tree.log" 2>&1 ||
	{ tail -n 20 "$dir/logs/tree.log"; die "could not make $wt with the series applied (log: $dir/logs/tree.log); run make lint"; }
commits=$(git -C "$wt" rev-list --reverse base..HEAD)
echo "bisect-build: $(echo "$commits" | wc -w) patches; kernel objects in $obj; logs in $dir/logs"
# shellcheck disable=SC2046
if ! grep -q -e "^+++ b/$BPF_TEST\$" $("$here/scripts/series-files.sh"); then
	echo "bisect-build: no patch adds $BPF_TEST: test_progs is not built (\"absent\" below)"
fi

# The selftests one prefix has: each is built once its source is in the tree.
net_test() { "$here/scripts/build-selftests.sh" "$wt" "$obj" "$out" net/tcp_migrate_req; }
bpf_test() { "$here/scripts/build-selftests.sh" "$wt" "$obj" "$out" bpf; }

# build_prefix NN COMMIT: check out COMMIT, build, print the line of the table.
failed=0
table=
build_prefix() {
	local nn=$1 c=$2 log=$dir/logs/$1.log t subject k n b
	t=$(date +%s)
	subject=$(git -C "$wt" log -1 --format=%s "$c")
	[ "$nn" != 00 ] || subject="(base) $subject"
	git -C "$wt" checkout -q --detach "$c"
	k=ok n=- b=absent
	"$here/scripts/build-kernel.sh" "$wt" "$obj" "${frags[@]}" >"$log" 2>&1 || k=FAILED
	if [ -f "$wt/$NET_TEST" ]; then
		n=skipped
		[ $k != ok ] || { net_test >>"$log" 2>&1 && n=ok || n=FAILED; }
	fi
	if [ -f "$wt/$BPF_TEST" ]; then
		b=skipped
		[ $k != ok ] || { bpf_test >>"$log" 2>&1 && b=ok || b=FAILED; }
	fi
	local line
	line=$(printf '%s  %-62.62s  kernel=%-6s tcp_migrate_req=%-7s test_progs=%-7s %4d s' \
		"$nn" "$subject" "$k" "$n" "$b" $(($(date +%s) - t)))
	echo "$line"
	table="$table$line"$'\n'
	case "$k $n $b" in *FAILED*) failed=$((failed + 1)) ;; esac
}

i=0
build_prefix 00 base
for c in $commits; do
	i=$((i + 1))
	build_prefix "$(printf %02d $i)" "$c"
done
git -C "$wt" checkout -q main

echo
echo "bisect-build: summary (kernel: tinyconfig + config/fragments)"
printf '%s' "$table"
echo "bisect-build: $((i + 1)) builds in $(($(date +%s) - t0)) s; $failed failed"
if [ $failed -ne 0 ]; then
	echo "bisect-build: see $dir/logs/NN.log of each FAILED line; fix the patch that breaks the build" >&2
	exit 1
fi
