#!/usr/bin/env bash
# Install the Debian (bookworm) packages the project needs. Quick when they are all there
# (one dpkg-query). As root: "apt-get update" (only when no package lists are present)
# and "apt-get install" of what is missing. Otherwise: prints the apt-get line and fails.
# Not listed: what every Debian system has (Essential or Priority required): coreutils,
# util-linux (flock, unshare, dmesg), tar, gzip, findutils, diffutils, grep, sed, mawk, apt.
#
# Usage: scripts/deps.sh
set -eu

# package         why (the command or file that needs it)
PACKAGES='
build-essential   gcc, make, libc headers: the kernel, its host tools and the selftests
bc                kernel build (timeconst.h)
bison             kernel build (the kconfig parser)
flex              kernel build (the kconfig lexer)
libelf-dev        kernel build (objtool, resolve_btfids), test_progs (-lelf), libbpf
dwarves           pahole: BTF of vmlinux (CONFIG_DEBUG_INFO_BTF), which test_progs needs
rsync             make headers_install (the uapi headers the net selftests build against)
python3           scripts/export-patches.sh; BPF selftests (bpf_helpers_doc.py)
python3-docutils  rst2man: the BPF selftests install the bpftool they build, with its man pages
perl              checkpatch.pl (scripts/lint.sh); kernel build scripts
git               scripts/worktree.sh: the kernel work tree; git am of patches/
xz-utils          unpacking the tarballs of the base (scripts/worktree.sh, scripts/debian-tree.sh)
clang             BPF programs of the selftests and tests/abi (bookworm: clang 14, which tests/abi names)
llvm              BPF selftests: llc, llvm-objcopy, llvm-strip
libcap-dev        test_progs (-lcap)
zlib1g-dev        test_progs and libbpf (-lz)
qemu-system-x86   vm/run.sh: the VM the kernel and the tests run in
busybox-static    vm/mkinitramfs.sh: the initramfs and the guest init
cpio              vm/mkinitramfs.sh: packing the initramfs
file              vm/mkinitramfs.sh: is busybox static; scripts/bench.sh: the kernel version
iproute2          ip (vm/guest-init.sh, scripts/bench.sh), ss (tests/stress, tests/bench), nstat (demo)
procps            sysctl in the guest (tests/bench/guest.sh); uptime (scripts/bench.sh)
bpftool           by hand in the guest (make vm CMD="bpftool prog"); no script: the selftests build theirs
libbpf-dev        tests/abi (make tools, run by make check): loads its program through the system libbpf
nginx-light       make bench (tests/bench/nginx.sh): a real SO_REUSEPORT server reloaded under load
gnuplot-nox       make bench: the plots of scripts/bench-report.sh
sparse            make C=2 W=1 on the files the series touches (scripts/lint.sh)
python3-ply       the SPDX check of checkpatch, scripts/spdxcheck.py (scripts/lint.sh)
python3-git       the same check: spdxcheck.py imports git
patch             scripts/lint.sh: the no-fuzz, no-offset check; scripts/debian-tree.sh: the Debian patches
'
pkgs=$(awk 'NF { print $1 }' <<<"$PACKAGES")

# shellcheck disable=SC2086
missing=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' $pkgs 2>/dev/null |
	awk '$1 == "ii" { print $2 }' | sort | comm -13 - <(sort <<<"$pkgs") | tr '\n' ' ')
if [ -z "$missing" ]; then
	echo "deps: all $(wc -w <<<"$pkgs") packages installed"
	exit 0
fi
line="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: $missing" >&2
	echo "deps: install them as root, then run this again:" >&2
	echo "  sudo $line" >&2
	exit 1
fi
command -v apt-get >/dev/null || { echo "deps: no apt-get; install by hand: $missing" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
	echo "deps: apt-get update (no package lists yet)"
	apt-get -q update
fi
echo "deps: $line"
# shellcheck disable=SC2086
if ! apt-get -q install -y --no-install-recommends $missing; then
	echo "deps: apt-get install failed; if the lists are stale, run apt-get update and retry" >&2
	exit 1
fi
