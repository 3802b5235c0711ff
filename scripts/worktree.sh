#!/usr/bin/env bash
# Create build/linux: pristine upstream Linux at base.version committed as a git repository
# and tagged "base", with the series in patches/ applied on top by "git am".
#
# Usage: scripts/worktree.sh BUILDDIR
# BASE=/path may name your own tarball, unpacked tree, or git tree of that version (any
# commit of it); otherwise Debian's orig tarball is fetched (scripts/fetch-base.sh).
# An existing work tree is left alone: it is where development happens.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
build=${1:?usage: worktree.sh BUILDDIR}
wt=$build/linux

if git -C "$wt" rev-parse -q --verify base >/dev/null 2>&1; then
	echo "worktree: $wt exists (base $(git -C "$wt" rev-parse --short base)); leaving it alone"
	exit 0
fi
[ ! -e "$wt" ] || { echo "worktree: $wt exists but has no 'base' tag; remove it (make clean)" >&2; exit 1; }

# A fixed identity and date make the base commit the same on every machine, so the
# base-commit line of the exported series can be checked anywhere.
export GIT_AUTHOR_NAME="Linux v$BASE_VERSION" GIT_AUTHOR_EMAIL="base@localhost"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"

tmp=$build/linux.tmp
rm -rf "$tmp"
src=${BASE:-}
if [ -z "$src" ]; then
	src=$("$here/scripts/fetch-base.sh" "$build/dl")
fi
if [ -d "$src" ] && [ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$src" && pwd -P)" ]; then
	echo "worktree: cloning your git tree $src"
	git clone -q --no-checkout "$src" "$tmp"
	git -C "$tmp" checkout -q -B main HEAD
	git -C "$tmp" tag base
elif [ -d "$src" ]; then
	echo "worktree: copying your unpacked tree $src"
	mkdir -p "$tmp"
	(cd "$src" && tar cf - --exclude=.git .) | (cd "$tmp" && tar xf -)
elif [ -f "$src" ]; then
	echo "worktree: unpacking $(basename "$src")"
	mkdir -p "$tmp"
	tar xf "$src" -C "$tmp" --strip-components=1
else
	echo "worktree: BASE=$src is neither a tarball nor a tree" >&2
	exit 1
fi

v=$(make -s -C "$tmp" kernelversion 2>/dev/null)
if [ "$v" != "$BASE_VERSION" ]; then
	echo "worktree: the base is Linux $v, not $BASE_VERSION (base.version)" >&2
	exit 1
fi
if ! git -C "$tmp" rev-parse -q --verify base >/dev/null 2>&1; then
	echo "worktree: committing the base tree (about a minute)"
	git -C "$tmp" init -q -b main
	git -C "$tmp" add -f -A .
	git -C "$tmp" -c core.autocrlf=false commit -q -m "Linux $BASE_VERSION" \
		-m "Pristine upstream v$BASE_VERSION (Debian linux_$BASE_VERSION.orig.tar.xz)."
	git -C "$tmp" tag base
fi
git -C "$tmp" config user.name >/dev/null || git -C "$tmp" config user.name "Reuseport Migration"
git -C "$tmp" config user.email >/dev/null || git -C "$tmp" config user.email "devel@localhost"
mv "$tmp" "$wt"
"$here/scripts/apply-series.sh" "$wt"
