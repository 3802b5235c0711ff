#!/usr/bin/env bash
# Make DIR/linux anew: Debian's patched tree of the base, as dpkg-source -x makes it: the orig
# tarball of base.version unpacked, Debian's packaging (linux_VERSION-N.debian.tar.xz, the
# newest revision in the cache) unpacked into it and the patches of debian/patches/series
# applied in order; committed and tagged "base"; then patches/ applied with git am
# (scripts/apply-series.sh). The tarballs come from the download cache build/dl
# (scripts/fetch-base.sh downloads both when they are not there yet). Any previous DIR/linux
# is removed.
#
# Usage: scripts/debian-tree.sh DIR   (DIR is a private directory, never build/)
# Exit status: 0 applied; 1 the tree could not be made; 2 Debian's tree is there (tag "base")
# but git am of the series failed.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
dir=$(private_dir debian-tree "${1:?usage: debian-tree.sh DIR}") || exit 1
tmp=$dir/linux.tmp
rm -rf "$dir/linux" "$tmp"
for tool in git patch xz; do
	command -v "$tool" >/dev/null || die "debian-tree: $tool missing: run scripts/deps.sh (make deps)"
done

orig=$("$here/scripts/fetch-base.sh" "$here/build/dl") ||
	die "debian-tree: no orig tarball of $BASE_VERSION (scripts/fetch-base.sh above)"
deb=$(ls "$here"/build/dl/linux_"$BASE_VERSION"-*.debian.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$deb" ] || die "debian-tree: no linux_$BASE_VERSION-*.debian.tar.xz in build/dl (scripts/fetch-base.sh fetches it)"
debver=$(basename "$deb" .debian.tar.xz)
debver=${debver#linux_}
# apt checked the download against the signed index; check the cached file against its .dsc.
dsc=$here/build/dl/linux_$debver.dsc
if [ -f "$dsc" ]; then
	want=$(awk -v f="$(basename "$deb")" '/^Checksums-Sha256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == f { print $1 }' "$dsc")
	[ "$want" = "$(sha256sum "$deb" | cut -d' ' -f1)" ] ||
		die "debian-tree: $deb does not match its sha256 in $(basename "$dsc"); remove both and fetch again"
fi

mkdir -p "$tmp"
echo "debian-tree: unpacking $(basename "$orig") and $(basename "$deb")"
tar xf "$orig" -C "$tmp" --strip-components=1
tar xf "$deb" -C "$tmp"
v=$(make -s -C "$tmp" kernelversion 2>/dev/null)
[ "$v" = "$BASE_VERSION" ] || die "debian-tree: the orig tarball is Linux $v, not $BASE_VERSION (base.version)"

# debian/patches/series, quilt's format: one patch per line, relative to debian/patches,
# optionally followed by -pN (default -p1); "#" starts a comment. Applied as dpkg-source
# does: no fuzz, files left empty removed.
series=$tmp/debian/patches/series
[ -f "$series" ] || die "debian-tree: $(basename "$deb") has no debian/patches/series"
n=0
while read -r name opts; do
	p=1
	for o in $opts; do
		case $o in
		-p[0-9]*) p=${o#-p} ;;
		*) die "debian-tree: debian/patches/series: option $o of $name is not supported (only -pN)" ;;
		esac
	done
	if ! out=$(patch -d "$tmp" -p"$p" -F0 -N -E -t -s --no-backup-if-mismatch -r - \
		-i "$tmp/debian/patches/$name" 2>&1); then
		printf '%s\n' "$out" >&2
		die "debian-tree: Debian's patch $name does not apply onto the orig tarball"
	fi
	n=$((n + 1))
done < <(sed -e 's/\(^\|[[:space:]]\)#.*//' "$series" | grep -v '^[[:space:]]*$')
echo "debian-tree: applied the $n patches of debian/patches/series ($debver)"

# A fixed identity and date, as for the pristine base (scripts/worktree.sh).
export GIT_AUTHOR_NAME="Debian linux $debver" GIT_AUTHOR_EMAIL="base@localhost"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
echo "debian-tree: committing Debian's tree (about a minute)"
git -C "$tmp" init -q -b main
git -C "$tmp" add -f -A .
git -C "$tmp" -c core.autocrlf=false commit -q -m "Debian linux $debver" \
	-m "linux_$BASE_VERSION.orig.tar.xz with $(basename "$deb") and its $n patches applied."
git -C "$tmp" tag base
git -C "$tmp" config user.name "Reuseport Migration"
git -C "$tmp" config user.email "devel@localhost"
mv "$tmp" "$dir/linux"
"$here/scripts/apply-series.sh" "$dir/linux" || exit 2
