#!/usr/bin/env bash
# Host side: boot a kernel under QEMU with the host's root shared read-only over 9p, run a
# command inside as root, print its output, and exit with the command's status.
#   123  the guest saw fewer CPUs online than it was given (-s CPUS); the command did not run
#   124  the guest hung and was killed at the timeout
#   125  the guest died without reporting a status (panic, oops=panic, triple fault)
#   126  the command succeeded but the kernel logged a report (vm/kernel-reports)
# kmemleak's reports of suspects that were there before the command began do not count: a
# command that clears them (echo clear >/sys/kernel/debug/kmemleak, as tests/stress/run.sh
# does) then writes this line to /dev/kmsg, and kmemleak's reports above it are left out:
#   vm: kmemleak cleared
#
# Usage: vm/run.sh [-k BZIMAGE] [-t SECONDS] [-o OUTDIR] [-m MEM] [-s CPUS] [-a tcg|kvm|auto]
#                  [-c 'KERNEL ARGS'] [-i] -- COMMAND...
# -i: interactive ("make shell"): the guest's console is this terminal, COMMAND (default: a
# shell) reads from it; the timeout and the report checks still apply when it exits.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
kernel=$build/obj/arch/x86/boot/bzImage
timeout=${VM_TIMEOUT:-900}
out=$build/vm-out
mem=${VM_MEM:-2G}
cpus=${VM_CPUS:-2}
accel=${VM_ACCEL:-auto}
cmdline_extra=
interactive=0
while getopts k:t:o:m:s:a:c:i opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	t) timeout=$OPTARG ;;
	o) out=$OPTARG ;;
	m) mem=$OPTARG ;;
	s) cpus=$OPTARG ;;
	a) accel=$OPTARG ;;
	c) cmdline_extra=$OPTARG ;;
	i) interactive=1 ;;
	*) sed -n '2,/^set -eu/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || [ $interactive = 1 ] || { echo "vm: no command given (vm/run.sh -- COMMAND)" >&2; exit 2; }
[ $# -gt 0 ] || set -- 'PS1="vm# " exec /bin/sh -i'
[ -f "$kernel" ] || { echo "vm: no kernel at $kernel: run 'make kernel' first" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "vm: qemu-system-x86_64 missing: apt-get install qemu-system-x86" >&2; exit 2; }

initrd=$build/initramfs.cpio.gz
if [ ! -f "$initrd" ] || [ "$here/vm/mkinitramfs.sh" -nt "$initrd" ]; then
	mkdir -p "$build"
	"$here/vm/mkinitramfs.sh" "$initrd"
fi

# KVM only where a quick probe has shown it to work (it hangs on some hosts): the result is
# remembered in $build/kvm-probe. Everything else runs under TCG.
if [ "$accel" = auto ]; then
	accel=tcg
	if [ -w /dev/kvm ] && [ "${VM_KVM_PROBE:-1}" = 1 ]; then
		if [ ! -f "$build/kvm-probe" ]; then
			echo "vm: probing KVM (20 s at most, once)" >&2
			if VM_ACCEL=kvm VM_KVM_PROBE=0 timeout -k 5 40 "$0" -k "$kernel" -t 20 -o "$build/kvm-probe.d" -s "$cpus" -a kvm -- true >/dev/null 2>&1; then
				echo ok >"$build/kvm-probe"
			else
				echo hangs-or-fails >"$build/kvm-probe"
			fi
			echo "vm: KVM probe: $(cat "$build/kvm-probe")" >&2
		fi
		[ "$(cat "$build/kvm-probe")" = ok ] && accel=kvm
	fi
fi
case $accel in
kvm) accel_args=(-accel kvm -cpu host) ;;
tcg) accel_args=(-accel tcg,thread=multi -cpu max) ;;
*) echo "vm: -a takes tcg, kvm or auto" >&2; exit 2 ;;
esac

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/status" "$out/dmesg.txt" "$out/console.log" "$out/too-few-cpus"
printf '%s\n' "$*" >"$out/cmd.sh"
pwd >"$out/cwd"

# vm.cpus: the guest checks that it sees them all (vm/guest-init.sh).
append="console=ttyS0 quiet no_timer_check panic=-1 oops=panic vm.init=$here/vm/guest-init.sh vm.out=$out vm.cpus=$cpus vm.interactive=$interactive $cmdline_extra"
qemu=(timeout -k 10 "$timeout" qemu-system-x86_64 "${accel_args[@]}" -m "$mem" -smp "$cpus"
	-nodefaults -no-user-config -display none -no-reboot -monitor none
	-chardev stdio,id=con,signal=off -serial chardev:con
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
	-fsdev local,id=vmout,path="$out",security_model=none,multidevs=remap
	-device virtio-9p-pci,fsdev=vmout,mount_tag=vmout)
rc=0
if [ $interactive = 1 ]; then
	# timeout(1) would put QEMU in the background, where it cannot read the terminal
	"${qemu[@]:0:3}" --foreground "${qemu[@]:3}" || rc=$?
else
	"${qemu[@]}" </dev/null 2>&1 | tr -d '\r' | tee "$out/console.log" || true
	rc=${PIPESTATUS[0]}
fi

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "vm: the guest hung and was killed after $timeout s; console tail:" >&2
	tail -n 30 "$out/console.log" >&2
	exit 124
fi
if [ ! -f "$out/status" ]; then
	echo "vm: the guest died without reporting a status (qemu exit $rc); console tail:" >&2
	tail -n 40 "$out/console.log" >&2
	exit 125
fi
status=$(cat "$out/status")
if [ -f "$out/too-few-cpus" ]; then
	echo "vm: only $(cat "$out/too-few-cpus") in the guest: the kernel did not bring up the $cpus vCPUs of -s $cpus; the command did not run" >&2
	echo "vm: the kernel finds them through ACPI (CONFIG_ACPI in config/qemu.config); its boot log says:" >&2
	grep -E 'smpboot|smp: |Processors:|ACPI: LAPIC' "$out/dmesg.txt" | head -n 10 >&2 || true
	status=123
fi
reports=$(grep -v '^#' "$here/vm/kernel-reports" | paste -sd'|')
# kmemleak's reports from before the command cleared its suspects (see the top) are not its.
cleared=$(grep -n -F 'vm: kmemleak cleared' "$out/dmesg.txt" | tail -n 1 | cut -d: -f1)
before=$(head -n "${cleared:-0}" "$out/dmesg.txt" | grep -c -E 'kmemleak: [0-9]+ new' || true)
[ "$before" = 0 ] ||
	echo "vm: $before kmemleak report(s) from before the command cleared kmemleak's suspects: not counted" >&2
checked=$(awk -v cut="${cleared:-0}" 'NR > cut || !/kmemleak: [0-9]+ new/' "$out/dmesg.txt")
if grep -E -q "$reports" <<<"$checked"; then
	echo "vm: the kernel logged a report during the run ($out/dmesg.txt):" >&2
	grep -E -A 25 "$reports" <<<"$checked" | head -80 >&2
	[ "$status" = 0 ] && status=126
fi
exit "$status"
