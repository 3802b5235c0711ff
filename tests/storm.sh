#!/bin/sh
# Guest side: rolling listener replacement under load, knob off then on, IPv4 and IPv6.
# Each run: 4 listeners, 8 clients opening a connection per request, one listener
# replaced every REPLACE_MS ms, at most N replacements. Prints one line per run and a
# summary; exits non-zero if migration (knob 1) lost a single request, if a run made no
# request, or if a run without migration (knob 0) lost none (it did not test anything).
# Usage: tests/storm.sh [SECONDS] [REPLACE_MS] [N]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
secs=${1:-10}
ms=${2:-30}
n=${3:-250}
bin=${STORM_BIN:-$here/../build/tests/tools/reuseport_storm}
[ -x "$bin" ] || { echo "storm: $bin missing: run 'make tools'" >&2; exit 2; }
. "$here/storm-line.sh"
knob=/proc/sys/net/ipv4/tcp_migrate_req
old=$(cat $knob)
lost_with_migration=0
bad_runs=0
for k in 0 1; do
	for fam in 4 6; do
		echo "$k" >$knob
		flag=; [ "$fam" = 6 ] && flag=-6
		line=$("$bin" $flag -t "$secs" -r "$ms" -n "$n")
		echo "tcp_migrate_req=$k $line"
		failed=$(storm_failed "$line")
		requests=$(storm_field "$line" requests)
		if [ "$requests" -le 0 ]; then
			echo "storm: the run above made no request"
			bad_runs=$((bad_runs + 1))
		fi
		# Without migration a replacement resets what its listener held: a run with the
		# knob off that lost nothing never reached the window the knob is for.
		if [ "$k" = 0 ] && [ "$failed" -eq 0 ]; then
			echo "storm: no request failed with migration off: the load did not reach the window"
			bad_runs=$((bad_runs + 1))
		fi
		[ "$k" = 1 ] && lost_with_migration=$((lost_with_migration + failed))
	done
done
echo "$old" >$knob
[ "$bad_runs" -eq 0 ] || exit 1
if [ "$lost_with_migration" -ne 0 ]; then
	echo "storm: $lost_with_migration requests failed with migration on"
	exit 1
fi
echo "storm: no request failed with migration on"
