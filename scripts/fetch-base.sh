#!/usr/bin/env bash
# Obtain pristine upstream Linux at the version in base.version: the orig tarball of
# Debian's source package "linux" (Debian 11: suite bullseye-security of the security
# archive, older 5.10.y in bullseye). The archives are the ones the machine's own apt
# sources name; a private apt configuration under OUTDIR reads them, so nothing in /etc
# changes. apt checks the files against the signed Sources index; the orig tarball is then
# checked once more against base.sha256. Debian's own packaging (the .debian.tar.xz with
# debian/patches) is downloaded beside it, for the check that the series applies onto
# Debian's patched tree (scripts/debian-tree.sh). Cached: a second run downloads nothing.
#
# Usage: scripts/fetch-base.sh OUTDIR   -> prints the path of the verified orig tarball
# Moving to another 5.10.y: change base.version and its line in base.sha256.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
out=${1:?usage: fetch-base.sh OUTDIR}
tarball=linux_$BASE_VERSION.orig.tar.xz
want=$(awk -v f="$tarball" '$2 == f { print $1 }' "$here/base.sha256")
[ -n "$want" ] || die "fetch-base: base.sha256 has no line for $tarball (add: SHA256  $tarball)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
verify() {
	[ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$want" ]
}
# The Debian packaging of that version, if it is already here (linux_5.10.262-1.debian.tar.xz).
debian_tarball() {
	ls "$out"/linux_"$BASE_VERSION"-*.debian.tar.xz 2>/dev/null | sort -V | tail -n 1
}
if verify "$out/$tarball" && [ -n "$(debian_tarball)" ]; then
	echo "$out/$tarball"
	exit 0
fi

# The archives: the Debian and Debian security URIs of the machine's apt sources
# (deb822 .sources files or one-line .list files).
uris=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }'
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { print ($2 ~ /^\[/ ? $3 : $2) }')
main=$(grep -m1 -E '/debian/?$' <<<"$uris" || true)
security=$(grep -m1 -E '/debian-security/?$' <<<"$uris" || true)
if [ -z "$main$security" ]; then
	echo "fetch-base: no Debian archive found in /etc/apt/sources.list{,.d}." >&2
	echo "fetch-base: pass your own tarball or tree instead: make BASE=/path/to/linux-$BASE_VERSION ..." >&2
	exit 1
fi
command -v apt-get >/dev/null || die "fetch-base: apt-get missing; use BASE=/path instead"

apt=$out/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc"
{
	[ -z "$security" ] || echo "deb-src $security bullseye-security main"
	[ -z "$main" ] || echo "deb-src $main bullseye main"
} >"$apt/etc/sources.list"
cat >"$apt/etc/apt.conf" <<CONF
Dir::Etc::SourceList "$apt/etc/sources.list";
Dir::Etc::SourceParts "/nonexistent";
Dir::State::Lists "$apt/lists";
Dir::Cache "$apt/cache";
Debug::NoLocking "true";
CONF
export APT_CONFIG=$apt/etc/apt.conf

echo "fetch-base: reading the bullseye and bullseye-security source indexes (private apt state in $apt)" >&2
apt-get -q update >&2
# Debian's newest revision of that upstream version (5.10.262-1, or -2 after a Debian-only fix).
ver=$(apt-cache showsrc linux 2>/dev/null | awk '/^Version:/ { print $2 }' |
	grep -E "^${BASE_VERSION//./\\.}-[0-9]+$" | sort -V | tail -n 1 || true)
if [ -z "$ver" ]; then
	echo "fetch-base: Debian's archives have no source package linux $BASE_VERSION-*; they have:" >&2
	apt-cache showsrc linux 2>/dev/null | awk '/^Version:/ { print "  " $2 }' >&2
	exit 1
fi
echo "fetch-base: downloading linux $ver" >&2
(cd "$out" && apt-get -q -o APT::Sandbox::User=root source --download-only "linux=$ver" >&2)
if ! verify "$out/$tarball"; then
	echo "fetch-base: $tarball does not match base.sha256 ($want)" >&2
	exit 1
fi
echo "$out/$tarball"
