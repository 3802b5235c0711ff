#!/usr/bin/env bash
# Run the stress of tests/stress/ in the VM on the debug kernel ("make debug-check", "make
# stress T=..."; the Makefile builds that kernel, config/debug.config on top of the usual
# fragments, and the stress programs into build/tests/stress).
#
# Usage: scripts/debug-check.sh BZIMAGE [SECONDS]   (default 45: the short run of "make
#        debug-check", 15 minutes at most in the VM with boot and checks)
# Environment: VM_MEM (4G), VM_TIMEOUT (boot + run + checks),
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
bz=${1:?usage: debug-check.sh BZIMAGE [SECONDS]}
secs=${2:-45}
out=build/debug/vm-out
[ -f "$bz" ] || die "no debug kernel at $bz: run 'make debug-check'"
mkdir -p "$out"
# KASAN wants memory; TCG is ~10x slower. Short run: 15 minutes for boot + run + checks (it took
# 294 and 483 s on 2 vCPUs with the host busy); a long
# one needs more for its kmemleak scans (over 3 minutes after 10 minutes of stress).
step "stress ${secs}s on the debug kernel (VM output: $out)" \
	vm/run.sh -k "$bz" -o "$out" -m "${VM_MEM:-4G}" -c "acpi=noirq ${VM_CMDLINE:-}" -t "${VM_TIMEOUT:-$((secs < 60 ? 900 : secs + 900))}" -- tests/stress/run.sh "$secs"
