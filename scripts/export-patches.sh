#!/usr/bin/env bash
# Export the series (base..HEAD of the work tree) to patches/: git format-patch with a cover
# letter (text from patches/cover.in), base-commit information, zeroed commit hashes and
# numbered, subject-derived file names, plus patches/series (quilt order). Idempotent: an
# unchanged series rewrites byte-identical files.
#
# Usage: scripts/export-patches.sh WORKTREE
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
wt=${1:?usage: export-patches.sh WORKTREE}
pd=$here/patches
git -C "$wt" rev-parse -q --verify base >/dev/null || { echo "export: $wt has no 'base' tag" >&2; exit 1; }
if [ -n "$(git -C "$wt" status --porcelain --untracked-files=no)" ]; then
	echo "export: $wt has uncommitted changes; commit them (or stash) first:" >&2
	git -C "$wt" status --short --untracked-files=no >&2
	exit 1
fi
n=$(git -C "$wt" rev-list --count base..HEAD)
[ "$n" -gt 0 ] || { echo "export: no commits in base..HEAD" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$wt" -c core.abbrev=12 format-patch -q --cover-letter --base=base --zero-commit \
	--no-signature --thread=shallow -o "$tmp" base..HEAD

# The cover letter: our subject and text instead of git's placeholders, and a fixed date
# (the newest patch's) so that an unchanged series exports to identical files.
cover=$tmp/0000-cover-letter.patch
if [ -f "$pd/cover.in" ]; then
	subject=$(head -n 1 "$pd/cover.in")
	tail -n +3 "$pd/cover.in" >"$tmp/blurb"
	python3 - "$cover" "$subject" "$tmp/blurb" <<'PY'
import sys
path, subject, blurb = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
s = open(path).read()
s = s.replace("*** SUBJECT HERE ***", subject, 1)
s = s.replace("*** BLURB HERE ***\n", blurb, 1)
open(path, "w").write(s)
PY
fi
last_date=$(grep -m1 '^Date: ' "$(ls "$tmp"/0*.patch | tail -n 1)")
sed -i "0,/^Date: .*/s//$last_date/" "$cover"
# Message-Id/In-Reply-To differ on every run; the thread is rebuilt by git send-email.
sed -i -e '/^Message-Id: /d' -e '/^In-Reply-To: /d' -e '/^References: /d' "$tmp"/*.patch

mkdir -p "$pd"
"$here/scripts/series-files.sh" --present | (cd "$pd" && xargs -r rm -f 0000-cover-letter.patch)
cp "$tmp"/*.patch "$pd/"
(echo "# quilt series: apply in this order (git am or quilt push -a)"; "$here/scripts/series-files.sh" --present) >"$pd/series"
echo "export: $n patches + cover letter in patches/"
