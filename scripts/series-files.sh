#!/usr/bin/env bash
# Print the series' patch files, absolute, in order (patches/series, quilt style).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$here/patches/series" ] || exit 0
grep -v -e '^#' -e '^$' "$here/patches/series" | sed "s|^|$here/patches/|"
