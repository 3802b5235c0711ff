#!/bin/sh
# Guest side: PID 1 inside the VM, started by the initramfs after switch_root into the
# host's root (read-only 9p). Makes the usual places writable, runs the command the host
# left in the output share (vm.out=DIR), records its exit status and the kernel log there,
# and powers the VM off. It never returns: PID 1 exiting would panic the guest.
bb=/bin/busybox
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb

# busybox first: util-linux mount would read the host's /proc through the share.
$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
$bb mount -t devtmpfs dev /dev
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts devpts /dev/pts
$bb mount -t tmpfs tmpfs /dev/shm
$bb mount -t tmpfs -o mode=1777 tmpfs /run
# /tmp: the host's contents (the project may be a clone under /tmp), writable in a tmpfs
# overlay like /var below; a plain tmpfs if there is no overlayfs.
$bb mkdir -p /run/tmp/upper /run/tmp/work
$bb chmod 1777 /run/tmp/upper
if ! $bb mount -t overlay overlay -o lowerdir=/tmp,upperdir=/run/tmp/upper,workdir=/run/tmp/work /tmp 2>/dev/null; then
	$bb mount -t tmpfs -o mode=1777 tmpfs /tmp
fi
$bb mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
$bb mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
$bb mount -t bpf bpf /sys/fs/bpf 2>/dev/null
# /var: the host's contents, writable in a tmpfs overlay (tmpfs mounts if no overlayfs).
$bb mkdir -p /run/var/upper /run/var/work
if ! $bb mount -t overlay overlay -o lowerdir=/var,upperdir=/run/var/upper,workdir=/run/var/work /var 2>/dev/null; then
	for d in /var/tmp /var/log /var/cache /var/lib/nginx; do
		[ -d "$d" ] && $bb mount -t tmpfs tmpfs "$d"
	done
fi

for w in $($bb cat /proc/cmdline); do
	case $w in
	vm.out=*) out=${w#vm.out=} ;;
	vm.cpus=*) cpus=${w#vm.cpus=} ;;
	vm.interactive=*) interactive=${w#vm.interactive=} ;;
	esac
done
$bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmout "$out"
$bb hostname vm
$bb ip link set lo up 2>/dev/null || ip link set lo up

# Every vCPU the host gave (vm/run.sh -s, vm.cpus=N) must be online: a kernel that finds fewer
# (without ACPI, QEMU's MP table lists only the boot CPU) would run the tests with less
# concurrency than asked for, silently. Otherwise the command does not run (status 123).
list=$($bb cat /sys/devices/system/cpu/online 2>/dev/null)
online=0
for r in $(echo "$list" | $bb tr , ' '); do
	case $r in
	*-*) online=$((online + ${r#*-} - ${r%-*} + 1)) ;;
	*) online=$((online + 1)) ;;
	esac
done
[ "$online" -gt 0 ] || online=$($bb nproc)

cd "$($bb cat "$out/cwd")" 2>/dev/null || cd /
rc=0
if [ -n "${cpus:-}" ] && [ "$online" -lt "$cpus" ]; then
	echo "$online of $cpus CPUs online (cpu/online: ${list:-missing})" >"$out/too-few-cpus"
	echo "vm: $online of $cpus CPUs online (${list:-?}): the command does not run" >/dev/console
	rc=123
elif [ "${interactive:-0}" = 1 ]; then
	# the console as controlling terminal, so that ^C reaches the shell's children
	$bb setsid $bb cttyhack /bin/sh "$out/cmd.sh" </dev/console >/dev/console 2>&1 || rc=$?
else
	/bin/sh "$out/cmd.sh" </dev/null >/dev/console 2>&1 || rc=$?
fi

$bb dmesg >"$out/dmesg.txt" 2>/dev/null
echo "$rc" >"$out/status"
$bb sync
$bb umount "$out" 2>/dev/null
$bb reboot -f
