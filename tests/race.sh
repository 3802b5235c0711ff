#!/bin/sh
# Guest side: the rolling-restart race load of "make race". 4 SO_REUSEPORT listeners, 32
# clients opening a connection per request; every REPLACE_MS a new listener joins and the
# oldest stops accepting for BUSY_MS, then is shut down and closed. Runs until at least
# N replacements for each of: knob 1 IPv4, knob 1 IPv6, SELECT_OR_MIGRATE policy (knob 0)
# IPv4 and IPv6. Prints the client counts and, beside them, the deltas of the kernel's
# counters over the same runs. Fails if a single request failed, if a migration failed
# (TCPMigrateReqFailure), or if nothing migrated.
# Usage: tests/race.sh [N] [REPLACE_MS] [BUSY_MS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-5000}
ms=${2:-10}
busy=${3:-5}
bin=${STORM_BIN:-$here/../build/tests/tools/reuseport_storm}
[ -x "$bin" ] || { echo "race: $bin missing: run 'make tools'" >&2; exit 2; }
. "$here/storm-line.sh"
knob=/proc/sys/net/ipv4/tcp_migrate_req
old=$(cat $knob)
echo "race: $(nproc) CPUs, $n replacements per line, one every $ms ms, busy $busy ms, 32 clients"

# TcpExt and Tcp counters, one "name value" per line
counters() {
	awk '/^(TcpExt|Tcp):/ { if (!(($1) in h)) { h[$1] = $0; next } split(h[$1], n); for (i = 2; i <= NF; i++) print (($1 == "Tcp:") ? "Tcp" : "") n[i], $i }' \
		/proc/net/netstat /proc/net/snmp
}
bad=0
for mode in knob bpf; do
	for fam in 4 6; do
		if [ $mode = knob ]; then echo 1 >$knob; flags=; else echo 0 >$knob; flags=-b; fi
		[ $fam = 6 ] && flags="$flags -6"
		counters >/tmp/race.before
		replaced=0 requests=0 failed=0
		while [ "$replaced" -lt "$n" ]; do
			# shellcheck disable=SC2086
			line=$("$bin" $flags -c 32 -r "$ms" -B "$busy" -t 60 -n $((n - replaced)))
			r=$(storm_field "$line" replaced)
			[ "$r" -gt 0 ] || { echo "race: a run replaced no listener: $line"; exit 1; }
			replaced=$((replaced + r))
			requests=$((requests + $(storm_field "$line" requests)))
			failed=$((failed + $(storm_failed "$line")))
		done
		counters >/tmp/race.after
		deltas=$(awk 'NR == FNR { a[$1] = $2; next } { d[$1] = $2 - a[$1] }
			END { printf "TCPMigrateReqSuccess=%d TCPMigrateReqFailure=%d ListenDrops=%d ListenOverflows=%d TcpEstabResets=%d TcpAttemptFails=%d EmbryonicRsts=%d",
				d["TCPMigrateReqSuccess"], d["TCPMigrateReqFailure"], d["ListenDrops"], d["ListenOverflows"],
				d["TcpEstabResets"], d["TcpAttemptFails"], d["EmbryonicRsts"] }' /tmp/race.before /tmp/race.after)
		echo "race: $mode ipv$fam replaced=$replaced requests=$requests failed=$failed | $deltas"
		mig_fail=$(echo "$deltas" | sed -n 's/.*TCPMigrateReqFailure=\([0-9-]*\).*/\1/p')
		mig_ok=$(echo "$deltas" | sed -n 's/.*TCPMigrateReqSuccess=\([0-9-]*\).*/\1/p')
		if [ "$failed" -ne 0 ] || [ "$mig_fail" -ne 0 ] || [ "$mig_ok" -le 0 ] || [ "$requests" -le 0 ]; then
			echo "race: FAILED: $mode ipv$fam: $failed requests failed, $mig_fail migrations failed, $mig_ok migrated"
			bad=$((bad + 1))
		fi
	done
done
echo "$old" >$knob
[ "$bad" -eq 0 ] || { echo "race: $bad of 4 lines failed"; exit 1; }
echo "race: no request lost in 4 lines of $n replacements"
