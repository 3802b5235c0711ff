#!/bin/sh
# Guest side: the bad-input checks, then the migration stress for SECONDS, then the
# leak and isolation checks, as TAP. Meant for the debug kernel (config/debug.config),
# where kmemleak, KASAN and lockdep report into dmesg; works on any kernel of the series.
#   - baseline before: TCP sockstat (inuse, orphan, tw, alloc), request_sock slabs,
#     kmemleak suspects already there (from boot) are listed and cleared, and the line
#     "vm: kmemleak cleared" in the kernel log tells vm/run.sh not to count them either;
#   - migrate_stress's own checks (requests that crossed a group or lost data, migrations
#     that happened, queue counts left, a last rolling restart) in its namespaces, before
#     it tears them down: ss(8) and /proc/net/tcp are read there;
#   - after: the counts are back at the baseline (waiting for RCU, TIME_WAIT, netns
#     cleanup), kmemleak finds nothing new after two scans, dmesg holds no report.
# Usage: tests/stress/run.sh [SECONDS] (default 60). STRESS_ARGS: migrate_stress's options, by
#   default -C, the group churn of closed listeners (-G -Z -A -S: see migrate_stress.c);
#   STRESS_ARGS='' runs without it, '-k 0 -M' is a run where nothing migrates (its migration
#   checks fail).
# Exit 0 if every check passed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
secs=${1:-60}
bin=${STRESS_BIN:-$here/../../build/tests/stress}
kml=/sys/kernel/debug/kmemleak
for p in migrate_stress badinput; do
	[ -x "$bin/$p" ] || { echo "stress: $bin/$p missing: run 'make debug-check' (it builds them)"; exit 2; }
done
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { # check DESCRIPTION CMD...: one TAP line for CMD's status
	d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}

# TCP inuse orphan tw alloc of the init netns (alloc and orphan are global)
tcp_counts() { awk '/^TCP:/ { print $3, $5, $7, $9 }' /proc/net/sockstat; }
# active objects of a slab cache after flushing the per-cpu slabs (SLUB counts those as used):
# "validate" flushes them (flush_all); "shrink" would too, but on 5.10 it takes cpu_hotplug_lock
# under kernfs' active reference, which lockdep reports as a circular dependency.
slab_active() {
	[ -w "/sys/kernel/slab/$1/validate" ] && echo 1 >"/sys/kernel/slab/$1/validate" 2>/dev/null
	awk -v c="$1" '$1 == c { print $2; f = 1 } END { if (!f) print "none" }' /proc/slabinfo 2>/dev/null || echo none
}
counts() { echo "tcp_inuse,orphan,tw,alloc=$(tcp_counts | tr ' ' ,) request_sock_TCP=$(slab_active request_sock_TCP) request_sock_TCPv6=$(slab_active request_sock_TCPv6)"; }
# not_from_boot: kmemleak's report without the suspects that an initcall allocated at boot
# (their backtrace runs through kernel_init_freeable), before any test: with acpi=noirq the
# legacy PCI setup leaves some (pci_add_resource from pci_legacy_init), and kmemleak may
# report them only in a later scan than the one before the run.
not_from_boot() {
	awk 'function flush() { if (rec != "" && rec !~ /kernel_init_freeable/) printf "%s", rec; rec = "" }
		/^unreferenced object/ { flush() }
		{ rec = rec $0 "\n" }
		END { flush() }'
}
# kmemleak_scan [SECONDS]: scan, and with SECONDS scan again after them (what is still
# unreferenced then is listed; transient false positives of the first scan drop out)
kmemleak_scan() {
	echo scan >$kml
	if [ -n "${1:-}" ]; then
		sleep "$1"
		echo scan >$kml
	fi
	cat $kml
}

echo "stress: kernel $(uname -r), $(nproc) CPUs, run of $secs s"
have_kml=0
if [ -w $kml ]; then
	have_kml=1
	boot=$(kmemleak_scan)
	if [ -n "$boot" ]; then
		echo "# kmemleak: suspects from before the run (boot), cleared, not counted:"
		echo "$boot" | grep -E '^unreferenced|^    \[<' | head -20 | sed 's/^/#   /'
	fi
	echo clear >$kml
	echo "vm: kmemleak cleared" >/dev/kmsg
else
	echo "# kmemleak: $kml missing (not the debug kernel): no leak scan"
fi
dmesg_before=$(dmesg | wc -l)
base=$(counts)
echo "# baseline: $base"

echo "# bad input"
"$bin/badinput" | sed "s/^ok [0-9]*/ok/; s/^not ok [0-9]*/not ok/" >/tmp/badinput.tap || true
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok - }" ;;
	"not ok "*) notok "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done </tmp/badinput.tap
grep -q '^1\.\.' /tmp/badinput.tap || notok "badinput ran to its end"

args=${STRESS_ARGS--C}
echo "# stress: $bin/migrate_stress -t $secs $args"
t0=$(date +%s)
# Its checks (TAP, numbered after ours with -T) are seen as they come and counted after.
# shellcheck disable=SC2086
{
	st=0
	"$bin/migrate_stress" -T "$n" -t "$secs" $args 2>&1 || st=$?
	echo "migrate_stress: exit status $st"
} | tee /tmp/migrate_stress.out
k=$(grep -c '^ok [0-9]' /tmp/migrate_stress.out || true)
f=$(grep -c '^not ok [0-9]' /tmp/migrate_stress.out || true)
n=$((n + k + f))
failed=$((failed + f))
st=$(sed -n 's/^migrate_stress: exit status //p' /tmp/migrate_stress.out)
case $st in
0 | 1) check "migrate_stress ran to its end ($((k + f)) checks, exit status $st)" [ $((k + f)) -gt 0 ] ;;
*) notok "migrate_stress ran to its end (exit status $st)" ;;
esac
echo "# stress took $(($(date +%s) - t0)) s"

# Back at the baseline: netns cleanup, RCU and SLUB take a while under TCG.
echo "# waiting for the counts to come back to the baseline (120 s at most)"
i=0
while now=$(counts) && [ "$now" != "$base" ] && [ $i -lt 60 ]; do
	sleep 2
	i=$((i + 1))
done
echo "# after $((i * 2)) s: $now"
b=$(echo "$base" | sed 's/ .*//')
a=$(echo "$now" | sed 's/ .*//')
check "sockstat TCP inuse/orphan/tw/alloc back to the baseline ($b -> $a)" [ "$a" = "$b" ]
for c in request_sock_TCP request_sock_TCPv6; do
	b=$(echo "$base" | sed "s/.* $c=\([^ ]*\).*/\1/")
	a=$(echo "$now" | sed "s/.* $c=\([^ ]*\).*/\1/")
	check "slab $c active objects back to the baseline ($b -> $a)" [ "$a" = "$b" ]
done

if [ $have_kml = 1 ]; then
	t1=$(date +%s)
	leaks=$(kmemleak_scan 5)
	ours=$(echo "$leaks" | not_from_boot)
	if [ -z "$ours" ]; then
		ok "kmemleak: no new suspected leak after two scans"
		if [ -n "$leaks" ]; then
			echo "# kmemleak: $(echo "$leaks" | grep -c '^unreferenced') suspect(s) allocated by boot initcalls, not counted:"
			echo "$leaks" | grep -E '^unreferenced|^    \[<' | head -20 | sed 's/^/#   /'
			echo clear >$kml
			echo "vm: kmemleak cleared" >/dev/kmsg
		fi
	else
		notok "kmemleak: suspected leaks"
		echo "$ours" | head -60 | sed 's/^/#   /'
	fi
	echo "# kmemleak scans took $(($(date +%s) - t1)) s"
fi
# kmemleak is judged above, by the suspects it lists (boot's are not counted)
reports=$(grep -v -e '^#' -e '^kmemleak' "$here/../../vm/kernel-reports" | paste -sd'|')
new=$(dmesg | tail -n +"$((dmesg_before + 1))")
if echo "$new" | grep -E -q "$reports"; then
	notok "dmesg: a kernel report during the run"
	echo "$new" | grep -E -A 30 "$reports" | head -100 | sed 's/^/#   /'
else
	ok "dmesg: no KASAN, lockdep, kmemleak, ODEBUG, WARN or BUG report during the run"
fi
echo "1..$n"
echo "stress: $failed of $n checks failed"
[ $failed = 0 ]
