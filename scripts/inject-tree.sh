#!/usr/bin/env bash
# Make the source tree of the inject kernel ("make inject-check"): the kernel work tree as it
# is (HEAD and its uncommitted changes to tracked files) with the test-only patches of
# tests/inject/ applied on top. It is a git worktree of WORKTREE, checked out detached, so
# that an update rewrites only the files that changed and the build stays incremental.
#
# Usage: scripts/inject-tree.sh WORKTREE INJECT_TREE PATCH...
set -eu
wt=${1:?usage: inject-tree.sh WORKTREE INJECT_TREE PATCH...}
it=$2
shift 2
[ $# -gt 0 ] || { echo "inject-tree: no patch given" >&2; exit 2; }
head=$(git -C "$wt" rev-parse HEAD)
if [ ! -e "$it/.git" ]; then
	rm -rf "$it"
	git -C "$wt" worktree prune
	git -C "$wt" worktree add -q --detach "$(cd "$(dirname "$it")" && pwd)/$(basename "$it")" "$head"
fi
# Back to WORKTREE's HEAD: files the last patches changed are restored, the others untouched.
git -C "$it" checkout -q -f --detach "$head"
git -C "$it" diff --quiet HEAD || git -C "$it" reset -q --hard
if ! git -C "$wt" diff --quiet HEAD; then
	echo "inject-tree: with the uncommitted changes of $wt"
	git -C "$wt" diff --binary HEAD | git -C "$it" apply
fi
for p in "$@"; do
	p=$(cd "$(dirname "$p")" && pwd)/$(basename "$p")
	if ! git -C "$it" apply "$p"; then
		echo "inject-tree: $p does not apply to $wt (HEAD $(git -C "$wt" rev-parse --short HEAD)); update it to the series" >&2
		exit 1
	fi
	echo "inject-tree: applied $(basename "$p")"
done
