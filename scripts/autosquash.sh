#!/usr/bin/env bash
# Squash fixup! commits into the series (git rebase -i --autosquash base) without making
# make rebuild the world: a rebase rewrites every file that later commits touch, even when
# its final content is unchanged; this puts back the old mtime of each such file.
# Usage: scripts/autosquash.sh [WORKTREE]   (default build/linux)
set -eu
wt=${1:-build/linux}
cd "$wt"
[ -z "$(git status --porcelain --untracked-files=no)" ] || { echo "autosquash: commit or stash your changes first" >&2; exit 1; }
state=$(mktemp)
trap 'rm -f "$state"' EXIT
git diff --name-only base HEAD | while read -r f; do
	[ -f "$f" ] && printf '%s %s %s\n' "$(git hash-object "$f")" "$(stat -c %Y "$f")" "$f"
done >"$state"
GIT_SEQUENCE_EDITOR=${SEQ_EDITOR:-true} git rebase -q -i --autosquash base
kept=0
while read -r hash mtime f; do
	if [ -f "$f" ] && [ "$(git hash-object "$f")" = "$hash" ]; then
		touch -d "@$mtime" "$f"
		kept=$((kept + 1))
	fi
done <"$state"
echo "autosquash: $(git rev-list --count base..HEAD) patches; kept the mtime of $kept unchanged files"
