#!/usr/bin/env bash
# Build the debug kernel (the usual fragments + config/debug.config: KASAN, lockdep, kmemleak,
# debug objects) into build/debug/obj and run the stress of tests/stress/ on it in the VM.
#
# Usage: scripts/debug-check.sh [SECONDS]   (default 45: the short run of "make debug-check",
#        15 minutes at most in the VM with boot and checks; "make stress T=600" the long one)
# Environment: DEBUG_OBJ (build/debug/obj), VM_MEM (4G), VM_TIMEOUT (boot + run + checks),
#   VM_CMDLINE (extra kernel arguments: under a loaded TCG host the guest calibrates its TSC
#   badly and its clock drifts; tsc_early_khz=<the host's TSC kHz> keeps SECONDS real),
#   VM_CPUS (2).
# The kernel always gets acpi=noirq: under TCG the debug kernel stalls at boot while ACPI
# evaluates the PCI interrupt routing. The legacy PCI setup that then runs leaves kmemleak
# suspects from boot (pci_add_resource from pci_legacy_init): tests/stress/run.sh clears
# those before its run, and neither it nor vm/run.sh counts them.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
cd "$here"
secs=${1:-45}
obj=${DEBUG_OBJ:-build/debug/obj}
out=build/debug/vm-out
bz=$obj/arch/x86/boot/bzImage
configs="config/qemu.config config/net.config config/bpf.config config/bpf-selftests.config config/debug.config"
[ -d build/linux/.git ] || die "no work tree build/linux: run 'make worktree' first"

# Rebuild only when the tree, the fragments or this script changed.
state="$(git -C build/linux rev-parse HEAD) $(git -C build/linux diff HEAD | sha1sum) $(cat $configs | sha1sum)"
if [ ! -f "$bz" ] || [ "$state" != "$(cat "$obj/source-state" 2>/dev/null)" ]; then
	step "build the debug kernel in $obj" scripts/build-kernel.sh build/linux "$obj" $configs
	echo "$state" >"$obj/source-state"
else
	echo ">>> debug kernel $bz is up to date"
fi
step "build tests/stress against $obj/usr/include" make -s -C tests/stress UAPI="$(cd "$obj" && pwd)/usr/include"
mkdir -p "$out"
# KASAN wants memory; TCG is ~10x slower. Short run: 15 minutes for boot + run + checks (it took
# 294 and 483 s on 2 vCPUs with the host busy); a long
# one needs more for its kmemleak scans (over 3 minutes after 10 minutes of stress).
rc=0
step "stress ${secs}s on the debug kernel (VM output: $out)" \
	vm/run.sh -k "$bz" -o "$out" -m "${VM_MEM:-4G}" -c "acpi=noirq ${VM_CMDLINE:-}" -t "${VM_TIMEOUT:-$((secs < 60 ? 900 : secs + 900))}" -- tests/stress/run.sh "$secs" || rc=$?
exit "$rc"
