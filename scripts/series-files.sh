#!/usr/bin/env bash
# The patch list: the one reader of patches/series (quilt style) and of the patch file names.
# Usage: scripts/series-files.sh            the patches patches/series lists, absolute, in order
#        scripts/series-files.sh --present  the patch files in patches/ (NNNN-*.patch, the
#                                           cover letter 0000-cover-letter.patch left out), by name
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --present ]; then
	(cd "$here/patches" 2>/dev/null && ls [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -vx '0000-cover-letter\.patch') || true
	exit 0
fi
[ -f "$here/patches/series" ] || exit 0
grep -v -e '^#' -e '^[[:space:]]*$' "$here/patches/series" | sed "s|^|$here/patches/|"
