#!/usr/bin/env bash
# The patch list: the one reader of patches/series (quilt style) and of the patch file names.
# Usage: scripts/series-files.sh            the patches patches/series lists, absolute, in order
#        scripts/series-files.sh --present  the patch files in patches/ (NNNN-*.patch, the
#                                           cover letter 0000-cover-letter.patch left out), by name
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --present ]; then
	for f in "$here"/patches/[0-9][0-9][0-9][0-9]-*.patch; do
		f=${f##*/}
		[ -f "$here/patches/$f" ] && [ "$f" != 0000-cover-letter.patch ] && echo "$f"
	done
	exit 0
fi
[ -f "$here/patches/series" ] || exit 0
grep -v -e '^#' -e '^[[:space:]]*$' "$here/patches/series" | sed "s|^|$here/patches/|"
