#!/usr/bin/env bash
# Obtain pristine upstream Linux v5.10.223: the orig tarball of Debian's source package
# "linux" 5.10.223-1 (bullseye/main). Uses the Debian mirror already configured on this
# machine, through a private apt configuration under build/, so nothing in /etc changes.
# The tarball is verified against base.sha256 and cached: a second run downloads nothing.
#
# Usage: scripts/fetch-base.sh OUTDIR      -> prints the path of the verified tarball
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: fetch-base.sh OUTDIR}
pkg=linux
ver=5.10.223-1
tarball=linux_5.10.223.orig.tar.xz
want=$(awk -v f="$tarball" '$2 == f { print $1 }' "$here/base.sha256")

mkdir -p "$out"
out=$(cd "$out" && pwd)
verify() {
	[ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$want" ]
}
if verify "$out/$tarball"; then
	echo "$out/$tarball"
	exit 0
fi

# The mirror: the first Debian URI in the machine's own apt sources (deb822 or one-line).
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '/^URIs:/ && $2 ~ /\/debian\/?$/ { print $2; exit }')
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	awk '$1 == "deb" && $2 ~ /\/debian\/?$/ { print $2; exit }')
if [ -z "$mirror" ]; then
	echo "fetch-base: no Debian mirror found in /etc/apt/sources.list{,.d}." >&2
	echo "fetch-base: pass your own tarball or tree instead: make BASE=/path/to/linux-5.10.223 ..." >&2
	exit 1
fi
command -v apt-get >/dev/null || { echo "fetch-base: apt-get missing; use BASE=/path instead" >&2; exit 1; }

apt=$out/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc"
echo "deb-src $mirror bullseye main" >"$apt/etc/sources.list"
cat >"$apt/etc/apt.conf" <<CONF
Dir::Etc::SourceList "$apt/etc/sources.list";
Dir::Etc::SourceParts "/nonexistent";
Dir::State::Lists "$apt/lists";
Dir::Cache "$apt/cache";
Debug::NoLocking "true";
CONF
export APT_CONFIG=$apt/etc/apt.conf

echo "fetch-base: reading bullseye sources index (private apt state in $apt)" >&2
apt-get -q update >&2
echo "fetch-base: downloading $pkg $ver" >&2
# apt verifies the files against the signed index; we verify the tarball once more below.
(cd "$out" && apt-get -q -o APT::Sandbox::User=root source --download-only "$pkg=$ver" >&2)
if ! verify "$out/$tarball"; then
	echo "fetch-base: $tarball does not match base.sha256 ($want)" >&2
	exit 1
fi
echo "$out/$tarball"
