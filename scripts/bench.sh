#!/usr/bin/env bash
# Host side of "make bench": boot the unpatched base kernel and the patched one under QEMU,
# run the benchmarks of tests/bench/ in them (built by "make tools"), collect the raw CSV in
# build/results/, and regenerate the tables and plots of docs/results.md
# (scripts/bench-report.sh).
#   nginx     failed requests through reloads, binary upgrades, 4->2 worker reloads
#   storm     failed requests through >= 1000 rolling listener replacements, IPv4 and IPv6
#   cost      close() of a listener holding N children: migration vs reset (patched kernel)
#   fastpath  connection rate, base vs patched with the knob 0 and 1, boots interleaved
#   reference mainline's own migration, natively: migrate_cost on the host's kernel in a
#             network namespace, when that kernel has tcp_migrate_req (5.14 and later)
# Modes: base (unpatched), knob0/knob1 (net.ipv4.tcp_migrate_req), bpf (knob 0 and a
# BPF_SK_REUSEPORT_SELECT_OR_MIGRATE program attached to the group).
#
# Usage: scripts/bench.sh        (variables, with their defaults:)
#   BENCH_KERNEL=build/obj/arch/x86/boot/bzImage   the patched kernel ("make kernel")
#   BENCH_ROUNDS=5 BENCH_FAST_REPS=2   fast-path boots per kernel, runs per boot and mode
#   BENCH_K=10 BENCH_STORM_N=1000 BENCH_COST_REPS=5 BENCH_COST_N=1024,4096,16384,65536
#   BENCH_ONLY="nginx storm cost fastpath reference"   a subset; BENCH_KERNELS="base series" likewise
#   BENCH_MEM=3G; BENCH_REPORT_ONLY=1 only remakes the tables and plots from the last runs
# Every boot keeps its output in build/bench/runs/KERNEL-WHAT; a partial run replaces only
# its own boots, and the report uses all of them.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
cd "$here"
bench=build/bench
results=build/results
bin=build/tests/bench   # the benchmark programs ("make tools")
patched=${BENCH_KERNEL:-build/obj/arch/x86/boot/bzImage}
base_kernel=$bench/obj-base/arch/x86/boot/bzImage
rounds=${BENCH_ROUNDS:-5}
fast_reps=${BENCH_FAST_REPS:-2}
k=${BENCH_K:-10}
storm_n=${BENCH_STORM_N:-1000}
cost_reps=${BENCH_COST_REPS:-5}
cost_n=${BENCH_COST_N:-1024,4096,16384,65536}
only=" ${BENCH_ONLY:-nginx storm cost fastpath reference} "
kernels=" ${BENCH_KERNELS:-base series} "
mem=${BENCH_MEM:-3G}
mapfile -t configs < <(fragments)
runs=$bench/runs

wants() { [[ $only == *" $1 "* ]]; }
on() { [[ $kernels == *" $1 "* ]]; }

check_host() {
	local c
	for c in nginx ss gnuplot qemu-system-x86_64; do
		command -v $c >/dev/null || die "$c missing: apt-get install $(case $c in
			nginx) echo nginx-light ;; ss) echo iproute2 ;; gnuplot) echo gnuplot-nox ;;
			qemu-system-x86_64) echo qemu-system-x86 ;; *) echo $c ;; esac)"
	done
	[ -f "$patched" ] || die "no patched kernel at $patched: run 'make kernel' (or set BENCH_KERNEL)"
	for c in "$bin/migrate_cost" "$bin/tsc_khz" build/tests/tools/reuseport_storm; do
		[ -x "$c" ] || die "$c missing: run 'make tools'"
	done
}

# The unpatched kernel: the "base" tag of build/linux, same config fragments.
build_base() {
	if [ ! -d $bench/linux-base/.git ]; then
		git -C build/linux rev-parse -q --verify base >/dev/null || die "no build/linux with a 'base' tag: run 'make worktree'"
		git clone -q build/linux $bench/linux-base
		git -C $bench/linux-base checkout -q base
	fi
	scripts/build-kernel.sh $bench/linux-base $bench/obj-base "${configs[@]}"
}

# vm KERNEL LABEL TASK...: boot KERNEL, run tests/bench/guest.sh with the tasks, keep the
# output in $runs/LABEL. A guest that dies at boot (TCG's IO-APIC timer check, rarely)
# is booted again, twice at most. The kernel gets the host's TSC frequency: without ACPI
# it cannot calibrate the TSC and would keep time in jiffies (4 ms steps).
vm() {
	local kernel=$1 label=$2 try rc out=$runs/$2
	shift 2
	for try in 1 2 3; do
		rm -rf "$out"
		mkdir -p "$out"
		rc=0
		VM_KVM_PROBE=0 vm/run.sh -k "$kernel" -o "$out" -m "$mem" -t 5400 \
			-c "no_timer_check tsc_early_khz=$tsc_khz tsc=reliable" -- \
			tests/bench/guest.sh "${label%%-*}" "$here/$out" "$@" >"$out/log" 2>&1 || rc=$?
		grep '^bench:\|^vm:\|error\|rror:' "$out/log" | grep -v '^\.\.' || true
		[ $rc = 0 ] && return 0
		[ $rc = 125 ] && [ ! -s "$out/guest.csv" ] && { echo "vm: $label died at boot; again"; continue; }
		echo "vm: $label failed (exit $rc); see $out/log" >&2
		return 1
	done
	return 1
}

# The same migrate_cost, natively on the host's kernel, in a network namespace of its own
# (the knob, somaxconn and the SYN backlog are per namespace): what mainline's migration
# costs against its reset on this machine, without QEMU. N is limited by the open-file limit.
reference() {
	local out=$runs/host-reference ns lim
	rm -rf "$out"
	mkdir -p "$out"
	if [ ! -e /proc/sys/net/ipv4/tcp_migrate_req ] || ! unshare -n true 2>/dev/null; then
		echo "bench: the host's kernel $(uname -r) has no tcp_migrate_req, or no network namespace can be made: no native reference"
		return 0
	fi
	lim=$(ulimit -Hn)
	[ "$lim" != unlimited ] || lim=1000000000
	ns=$(echo "$cost_n" | tr , '\n' | awk -v l="$lim" '$1 + 1024 <= l + 0' | paste -sd' ')
	[ -n "$ns" ] || { echo "bench: open-file limit $lim: too low for a native reference"; return 0; }
	echo "bench: host $(uname -r): migrate_cost -r $cost_reps $ns ($(date +%T))"
	unshare -n sh -c "ip link set lo up && echo 262144 >/proc/sys/net/core/somaxconn &&
		echo 262144 >/proc/sys/net/ipv4/tcp_max_syn_backlog &&
		$bin/migrate_cost -r $cost_reps $ns" >"$out/raw.csv" ||
		{ echo "bench: the native reference failed (above); the report goes on without it"; return 0; }
	tests/bench/csv.sh rows reference kernel="host $(uname -r)" <"$out/raw.csv" >"$out/reference.csv"
}

# The fast path in boots of their own, alternating kernels; then one boot per kernel for
# the failure counts and the migration cost.
run_all() {
	local r what
	tsc_khz=$($bin/tsc_khz)
	! wants reference || reference
	if wants fastpath; then
		for r in $(seq "$rounds"); do
			! on base || vm "$base_kernel" base-fast$r fastpath:$fast_reps
			! on series || vm "$patched" series-fast$r fastpath:$fast_reps
		done
	fi
	for what in nginx storm cost; do
		wants $what || continue
		case $what in
		nginx)
			! on base || vm "$base_kernel" base-nginx nginx:$k:base
			! on series || vm "$patched" series-nginx nginx:$k:knob0,knob1,bpf ;;
		storm)
			! on base || vm "$base_kernel" base-storm storm:$storm_n:base
			! on series || vm "$patched" series-storm storm:$storm_n:knob0,knob1,bpf ;;
		cost)
			# on the patched kernel only: both paths, the knob flipped between trials
			! on series || vm "$patched" series-cost cost:$cost_reps:$cost_n ;;
		esac
	done
}

collect() {
	mkdir -p $results
	local f
	for f in fastpath nginx storm cost guest reference; do
		{ tests/bench/csv.sh header $f; cat $runs/*/$f.csv 2>/dev/null || true; } >$results/$f.csv
	done
	mv $results/cost.csv $results/migrate-cost.csv
	mv $results/reference.csv $results/migrate-cost-host.csv
	{
		echo "host: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
		echo "guest: QEMU TCG (no KVM), $(tests/bench/csv.sh awk $results/guest.csv '{ print $c["cpus"] " vCPU seen by the kernel, " int($c["mem_kb"] / 1024) " MB"; exit }'), loopback only"
		echo "base kernel: $(tests/bench/csv.sh awk $results/guest.csv '$c["kernel"] == "base" { print $c["release"]; exit }') from tag 'base' ($(git -C $bench/linux-base rev-parse --short HEAD 2>/dev/null)), $base_kernel"
		echo "patched kernel: $(file -bL "$patched" | grep -o 'version [^,]*'), $patched"
		echo "config: tinyconfig + ${configs[*]#"$here/"}; kernel command line: no_timer_check tsc_early_khz=<host TSC kHz> tsc=reliable (clocksource tsc)"
		echo "reps: fast path 5 s per run, $rounds boots per kernel alternating between the kernels, $fast_reps runs per boot and mode (runs column); cost: the count under its table; nginx: K per event; storm: replacements per run"
	} >$results/machine.txt
}

step "check the host" check_host
# Always through build-kernel.sh: a base kernel left from older config fragments is rebuilt.
! on base || step "build the unpatched base kernel into $bench/obj-base" build_base
if [ "${BENCH_REPORT_ONLY:-0}" != 1 ]; then
	step "run the benchmarks in the VM (uptime: $(uptime | sed 's/.*load/load/'))" run_all
fi
step "collect the results into $results" collect
scripts/bench-report.sh $results docs/results.md
