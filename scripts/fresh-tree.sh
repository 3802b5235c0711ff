#!/usr/bin/env bash
# Make DIR/linux anew: pristine upstream Linux (base.version) freshly unpacked, committed and tagged "base", then
# patches/ applied with git am (scripts/worktree.sh). The tarball comes from the download
# cache build/dl (scripts/fetch-base.sh: downloaded only when it is not there yet), so the
# checks that need their own tree never download twice. Any previous DIR/linux is removed.
#
# Usage: scripts/fresh-tree.sh DIR    (DIR is a private directory, never build/: that is the
#                                      lead's work tree)
# Exit status: 0 applied; 1 the tree could not be made; 2 the base is there (tag "base") but
# git am of the series failed.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
dir=$(private_dir fresh-tree "${1:?usage: fresh-tree.sh DIR}") || exit 1

if [ -z "${BASE:-}" ]; then
	BASE=$("$here/scripts/fetch-base.sh" "$here/build/dl") ||
		{ echo "fresh-tree: no base tarball; check the network or pass BASE=/path/to/linux-$BASE_VERSION" >&2; exit 1; }
fi
export BASE
rm -rf "$dir/linux" "$dir/linux.tmp"
if ! "$here/scripts/worktree.sh" "$dir"; then
	git -C "$dir/linux" rev-parse -q --verify base >/dev/null 2>&1 || exit 1
	exit 2
fi
