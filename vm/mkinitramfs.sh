#!/usr/bin/env bash
# Build the guest's initramfs: a static busybox and an /init that mounts the host's root
# (9p tag "hostroot", read-only) and switch_roots into it, handing over to the guest-side
# init named on the kernel command line (vm.init=PATH).
#
# Usage: vm/mkinitramfs.sh OUTPUT.cpio.gz
set -eu
out=${1:?usage: mkinitramfs.sh OUTPUT.cpio.gz}
bb=$(command -v busybox || true)
if [ -z "$bb" ] || ! file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then
	[ -x /bin/busybox ] && bb=/bin/busybox
fi
if [ -z "$bb" ] || ! ldd "$bb" 2>&1 | grep -q 'not a dynamic'; then
	echo "mkinitramfs: a static busybox is needed: apt-get install busybox-static" >&2
	exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/dev" "$dir/proc" "$dir/newroot"
cp "$bb" "$dir/bin/busybox"
ln -s busybox "$dir/bin/sh"
cat >"$dir/init" <<'INIT'
#!/bin/sh
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t devtmpfs dev /dev 2>/dev/null
for w in $(busybox cat /proc/cmdline); do
	case $w in vm.init=*) init=${w#vm.init=} ;; vm.msize=*) msize=${w#vm.msize=} ;; esac
done
if ! busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=${msize:-262144} hostroot /newroot; then
	echo "initramfs: cannot mount the host root over 9p" >/dev/console
	busybox reboot -f
fi
busybox umount /proc
busybox umount /dev 2>/dev/null
exec busybox switch_root /newroot "${init:?vm.init= missing}"
INIT
chmod +x "$dir/init"
(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
