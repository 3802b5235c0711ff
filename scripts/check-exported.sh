#!/usr/bin/env bash
# Succeed only if nothing in the kernel work tree would be lost by deleting it: no
# uncommitted changes to tracked files, and every commit base..HEAD is in the series
# (scripts/series-files.sh; same "git patch-id --stable", so a re-export that only changed
# dates or hashes counts).
#
# With --pulled, the other way round (make kernel): warn, and fail, if patches/ holds a
# patch that no commit base..HEAD matches, as after a pull that brought a newer series than
# the work tree was made from.
#
# Usage: scripts/check-exported.sh [--pulled] WORKTREE
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
pulled=0
[ "${1:-}" != --pulled ] || { pulled=1; shift; }
wt=${1:?usage: check-exported.sh [--pulled] WORKTREE}
git -C "$wt" rev-parse -q --verify base >/dev/null 2>&1 || exit 0 # no work tree, nothing to lose

if [ $pulled = 1 ]; then
	have=$(git -C "$wt" log -p --format='commit %H' base..HEAD | git patch-id --stable | awk '{ print $1 }' | sort -u)
	newer=
	for p in $("$here/scripts/series-files.sh"); do
		id=$(git patch-id --stable <"$p" | awk '{ print $1 }')
		[ -z "$id" ] || grep -qx "$id" <<<"$have" || newer="$newer  ${p##*/}"$'\n'
	done
	[ -z "$newer" ] && exit 0
	echo "warning: patches/ has changes that $wt lacks (a pull?):" >&2
	printf '%s' "$newer" >&2
	echo "warning: the kernel is built from $wt as it is; to take patches/, run 'make clean' (it refuses if $wt has unexported work) and 'make worktree'" >&2
	exit 1
fi

bad=0
dirty=$(git -C "$wt" status --porcelain --untracked-files=no)
if [ -n "$dirty" ]; then
	echo "$wt has uncommitted changes:" >&2
	echo "$dirty" >&2
	bad=1
fi
# shellcheck disable=SC2046
exported=$(cat /dev/null $("$here/scripts/series-files.sh") | git patch-id --stable | awk '{ print $1 }' | sort -u)
missing=
for c in $(git -C "$wt" rev-list --reverse base..HEAD); do
	id=$(git -C "$wt" show "$c" | git patch-id --stable | awk '{ print $1 }')
	# A commit without a diff has no patch id; it cannot be exported either.
	if [ -z "$id" ] || ! grep -qx "$id" <<<"$exported"; then
		missing="$missing$(git -C "$wt" log -1 --format='  %h %s' "$c")"$'\n'
	fi
done
if [ -n "$missing" ]; then
	echo "$wt has commits that are not in patches/:" >&2
	printf '%s' "$missing" >&2
	bad=1
fi
if [ $bad -ne 0 ]; then
	echo "Commit them and run 'make patches' (then commit patches/), or discard them: make clean FORCE=1" >&2
	exit 1
fi
