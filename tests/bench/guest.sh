#!/bin/sh
# Guest side of "make bench": run the benchmarks named on the command line in this VM
# and append their CSV lines to OUT/*.csv (OUT is the host directory vm/run.sh shares), in
# the layout of tests/bench/csv.sh.
# Usage: tests/bench/guest.sh KERNEL OUT TASK...   where TASK is one of
#   fastpath:REPS            connrate, REPS times (patched: knob 0 and 1 alternating)
#   nginx:K:MODE,...         tests/bench/nginx.sh for each MODE
#   storm:N:MODE,...         reuseport_storm, N replacements, IPv4 and IPv6, each MODE
#   cost:REPS:N,...          migrate_cost, knob 1 vs 0 interleaved
# MODE is base (unpatched kernel), knob0, knob1 or bpf (knob 0 + SELECT_OR_MIGRATE policy).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../../build/tests/bench
storm=$here/../../build/tests/tools/reuseport_storm
csv=$here/csv.sh
kernel=$1 out=$2
shift 2
knob=/proc/sys/net/ipv4/tcp_migrate_req
# The base (base.version) has the sysctl without the feature: on the base kernel the knob is no mode.
patched() { [ "$kernel" != base ]; }
set_knob() { [ ! -w $knob ] || echo "$1" >$knob; }
modes_of() { echo "$1" | tr , ' '; }

# Room for 64k queued children and their clients.
sysctl -qw net.core.somaxconn=262144 net.ipv4.tcp_max_syn_backlog=262144 \
	net.ipv4.ip_local_port_range="1024 65535" fs.nr_open=1048576 >/dev/null
"$csv" row guest kernel="$kernel" release="$(uname -r)" cpus="$(grep -c ^processor /proc/cpuinfo)" \
	mem_kb="$(awk '/MemTotal/ { print $2 }' /proc/meminfo)" >>"$out/guest.csv"

for task in "$@"; do
	name=${task%%:*} args=${task#*:}
	a1=${args%%:*} a2=${args#*:}
	echo "bench: $kernel: $task ($(date +%T))"
	case $name in
	fastpath)
		for r in $(seq "$a1"); do
			for m in $(patched && { [ $((r % 2)) = 1 ] && echo "knob0 knob1" || echo "knob1 knob0"; } || echo base); do
				! patched || set_knob "${m#knob}"
				line=$("$bin/connrate" -l 2 -c 2 -t 5)
				# shellcheck disable=SC2086
				"$csv" row fastpath kernel="$kernel" mode="$m" rep="$r" $line >>"$out/fastpath.csv"
			done
		done
		;;
	nginx)
		for m in $(modes_of "$a2"); do
			"$here/nginx.sh" "$kernel" "$m" "$a1" >>"$out/nginx.csv"
		done
		;;
	storm)
		for fam in 4 6; do
			for m in $(modes_of "$a2"); do
				flags=
				[ $fam = 6 ] && flags=-6
				[ $m = bpf ] && flags="$flags -b"
				case $m in knob1) set_knob 1 ;; *) set_knob 0 ;; esac
				line=$("$storm" $flags -l 4 -c 8 -r 10 -t 300 -n "$a1")
				echo "$kernel,$m,$line" >&2
				# shellcheck disable=SC2086
				"$csv" row storm kernel="$kernel" mode="$m" $line >>"$out/storm.csv"
			done
		done
		;;
	cost)
		"$bin/migrate_cost" -r "$a1" $(echo "$a2" | tr , ' ') | "$csv" rows cost kernel="$kernel" >>"$out/cost.csv"
		;;
	*)
		echo "bench: unknown task $task" >&2
		exit 2
		;;
	esac
done
set_knob 0
