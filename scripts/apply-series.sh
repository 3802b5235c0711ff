#!/usr/bin/env bash
# Apply patches/ (the series, in patches/series order) onto the work tree with "git am".
# Usage: scripts/apply-series.sh WORKTREE
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
wt=${1:?usage: apply-series.sh WORKTREE}
list=$("$here/scripts/series-files.sh")
if [ -z "$list" ]; then
	echo "apply-series: patches/ is empty; the work tree is the base"
	exit 0
fi
n=$(echo "$list" | wc -l)
echo "apply-series: git am of $n patches"
# shellcheck disable=SC2086
if ! git -C "$wt" am -q --whitespace=error-all $list; then
	echo "apply-series: git am failed; resolve in $wt (git am --show-current-patch) or git am --abort" >&2
	exit 1
fi
