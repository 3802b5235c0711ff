#!/usr/bin/env bash
# Make the source tree of the inject kernel ("make inject-check"): the kernel work tree as it
# is (HEAD, its uncommitted changes and its untracked files, as "make kernel" builds it) with
# the test-only patches of tests/inject/ applied on top. It is a git worktree of WORKTREE,
# checked out detached at a snapshot commit of WORKTREE's files, so that an update rewrites
# only the files that changed and the build (out of tree) stays incremental.
#
# Usage: scripts/inject-tree.sh WORKTREE INJECT_TREE PATCH...
set -eu
wt=$(cd "${1:?usage: inject-tree.sh WORKTREE INJECT_TREE PATCH...}" && pwd)
mkdir -p "$(dirname "$2")"
it=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
shift 2
[ $# -gt 0 ] || { echo "inject-tree: no patch given" >&2; exit 2; }

# A worktree of another (since recreated) WORKTREE is made again.
common=$(git -C "$wt" rev-parse --path-format=absolute --git-common-dir)
if [ -e "$it" ] && [ "$(git -C "$it" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)" != "$common" ]; then
	echo "inject-tree: $it is not a worktree of $wt; making it again"
	rm -rf "$it"
fi
git -C "$wt" worktree prune
[ -e "$it" ] || git -C "$wt" worktree add -q --detach "$it" HEAD

# WORKTREE's files as a commit: its index copied (so that unchanged files are not read
# again), then everything added to the copy.
idx=$(mktemp)
trap 'rm -f "$idx"' EXIT
cp "$(git -C "$wt" rev-parse --absolute-git-dir)/index" "$idx"
GIT_INDEX_FILE=$idx git -C "$wt" add -A
tree=$(GIT_INDEX_FILE=$idx git -C "$wt" write-tree)
snap=$(git -C "$wt" rev-parse HEAD)
if [ "$tree" != "$(git -C "$wt" rev-parse 'HEAD^{tree}')" ]; then
	echo "inject-tree: with the uncommitted changes and untracked files of $wt"
	snap=$(git -C "$wt" -c user.name=inject-tree -c user.email=inject-tree@localhost \
		commit-tree -p HEAD -m "inject-tree: snapshot of $wt" "$tree")
fi
# Back to that snapshot: what the last patches changed or added is restored or removed.
git -C "$it" checkout -q -f --detach "$snap"
git -C "$it" clean -q -f -d
for p in "$@"; do
	p=$(cd "$(dirname "$p")" && pwd)/$(basename "$p")
	if ! git -C "$it" apply "$p"; then
		echo "inject-tree: $p does not apply to $wt (HEAD $(git -C "$wt" rev-parse --short HEAD)); update it to the series" >&2
		exit 1
	fi
	echo "inject-tree: applied $(basename "$p")"
done
