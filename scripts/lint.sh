#!/usr/bin/env bash
# The series quality gate: checks patches/ as a reviewer would, and prints one TAP line per
# check ("ok N - ..." / "not ok N - ...", details on "# " lines), then "N passed, N failed".
# Fails if any check fails.
#   series      patches/series lists exactly the patch files, in order;
#   cover       the cover letter has its subject and text, a diffstat, and base-commit: equal
#               to the base commit of a fresh tree;
#   message     per patch: subject "subsystem: Summary" of $MAX_SUBJECT characters at most, a
#               body of at least $MIN_BODY non-empty lines before Signed-off-by, a Signed-off-by;
#   checkpatch  per patch: scripts/checkpatch.pl --strict of the base tree: no ERROR or
#               WARNING, and each CHECK left is explained: its type (--show-types, e.g.
#               COMPARISON_TO_NULL) is named in the message. Its SPDX check runs (python
#               with the modules ply and git: python3-ply, python3-git);
#   git am      the series applies with git am onto the freshly unpacked base (base.version),
#               and with patch -F0 (no fuzz) without offsets; a failure names the first patch
#               that does not apply;
#   Debian      the same onto Debian's patched tree of the base (scripts/debian-tree.sh: the
#               orig tarball with the debian/patches of linux_VERSION-N.debian.tar.xz);
#   sparse/W=1  per .c file of the kernel (not tools/) that the series changes and our config
#               builds: "make C=2 W=1 FILE.o" reports no warning at the head that it does not
#               report at the base (line numbers aside).
# Work directory: build/lint (linux = base + series, base = a clone at the base, obj-head
# and obj-base = their objects, debian/linux = Debian's tree + series); it is made anew on
# every run. The tarballs come from the download cache build/dl.
#
# Usage: scripts/lint.sh [DIR]         (default build/lint)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
dir=$(private_dir lint "${1:-$here/build/lint}")
pd=$here/patches
wt=$dir/linux
bt=$dir/base
jobs=${JOBS:-$(nproc)}
MIN_BODY=${MIN_BODY:-3}
# Documentation/process/submitting-patches.rst: the summary phrase "must be no more than 70-75
# characters".
MAX_SUBJECT=${MAX_SUBJECT:-75}
t0=$(date +%s)

n=0 passed=0 failed=0
# result ok|fail DESCRIPTION [DETAILS]: one TAP line, DETAILS as "# " lines under it.
result() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
	[ -z "${3:-}" ] || sed 's/^/#   /' <<<"$3"
}
skipped=0
skip() {
	n=$((n + 1)) skipped=$((skipped + 1))
	echo "ok $n - $1 # SKIP $2"
}
finish() {
	echo "1..$n"
	echo "# lint: $(($(date +%s) - t0)) s; $skipped skipped; work directory $dir"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] || exit 1
	exit 0
}
info() { echo "# $*"; }

# Tools. checkpatch runs "python scripts/spdxcheck.py" (which needs the modules ply and
# git) and silently skips the SPDX check when "python" is missing, so give it a python
# that has them, first in PATH.
for tool in git perl patch sparse gcc make; do
	command -v "$tool" >/dev/null || die "$tool missing: run scripts/deps.sh (make deps)"
done
mkdir -p "$dir/bin"
py=
for c in python3 /usr/bin/python3 python; do
	c=$(command -v "$c" 2>/dev/null) || continue
	if "$c" -c 'import ply, git' 2>/dev/null; then py=$c; break; fi
done
[ -n "$py" ] || die "no python with the modules ply and git (checkpatch's SPDX check): apt-get install python3-ply python3-git (make deps)"
ln -sf "$py" "$dir/bin/python"
export PATH=$dir/bin:$PATH

echo "TAP version 13"
info "lint of $pd"

# --- series: patches/series lists exactly the patch files, in order.
files=$("$here/scripts/series-files.sh" --present)
listed=$("$here/scripts/series-files.sh" | sed "s|^$pd/||")
if [ -z "$files" ]; then
	result fail "series: patches/ has no patches"
	finish
elif [ "$listed" = "$files" ]; then
	result ok "series: patches/series lists the $(wc -l <<<"$files") patch files in order"
else
	result fail "series: patches/series does not list exactly the patch files in order (run make patches)" \
		"$(diff <(echo "$files") <(echo "$listed") | grep '^[<>]' | sed -e 's/^</missing or out of order:/' -e 's/^>/listed but wrong:/')"
fi
patches=()
while IFS= read -r f; do patches+=("$f"); done <<<"$files"

# --- message: subject, body, Signed-off-by (git mailinfo parses the mail as git am does).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
word='[A-Za-z0-9_][A-Za-z0-9_./+-]*'
for f in "${patches[@]}"; do
	nn=${f%%-*}
	git mailinfo -k "$tmp/$nn.msg" /dev/null <"$pd/$f" >"$tmp/$nn.info"
	subject=$(sed -n 's/^Subject: //p' "$tmp/$nn.info" | sed -E 's/^\[[^]]*\] *//')
	printf '%s\n' "$subject" >"$tmp/$nn.subject"
	bad=
	if ! grep -qE "^$word(, $word)*: ($word: )*[A-Za-z0-9\"'(_]|^Revert \"" <<<"$subject"; then
		bad="${bad}subject is not \"subsystem: Summary\": $subject"$'\n'
	fi
	case $subject in *.) bad="${bad}subject ends with a period"$'\n' ;; esac
	[ ${#subject} -le "$MAX_SUBJECT" ] || bad="${bad}subject is ${#subject} characters long; submitting-patches.rst: $MAX_SUBJECT at most"$'\n'
	body=$(awk '/^Signed-off-by:/ { exit } { print }' "$tmp/$nn.msg" |
		grep -vE '^(Fixes|Link|Cc|Reported-by|Suggested-by|Acked-by|Reviewed-by|Tested-by|Co-developed-by|Closes): ' |
		grep -c '[^[:space:]]' || true)
	[ "$body" -ge "$MIN_BODY" ] ||
		bad="${bad}the body has $body non-empty lines before Signed-off-by; say why, in $MIN_BODY lines at least"$'\n'
	grep -qE '^Signed-off-by: [^<]+ <[^>@ ]+@[^> ]+>$' "$tmp/$nn.msg" || bad="${bad}no Signed-off-by: Name <email>"$'\n'
	if [ -z "$bad" ]; then
		result ok "message $f: subject, $body lines of body, Signed-off-by"
	else
		result fail "message $f" "${bad%$'\n'}"
	fi
done

# --- the trees: the pristine base (base.version) and Debian's patched tree of it, each made
# anew with the series applied by git am; side by side (mostly unpacking and git's I/O).
# debian/linux: scripts/debian-tree.sh; its clone at the base: debian/base (removed after).
dt=$dir/debian/linux
t=$(date +%s)
info "fresh tree: v$BASE_VERSION unpacked, committed, series applied with git am (log: $dir/tree.log)"
info "Debian's tree: the same orig tarball with debian/patches applied, then git am (log: $dir/debian-tree.log)"
fresh_tree() { "$here/scripts/fresh-tree.sh" "$dir" >"$dir/tree.log" 2>&1; }
debian_tree() { "$here/scripts/debian-tree.sh" "$dir/debian" >"$dir/debian-tree.log" 2>&1; }
# Both read the download cache build/dl: fill it first, so that two downloads never run at once.
if "$here/scripts/fetch-base.sh" "$here/build/dl" >"$dir/fetch.log" 2>&1 || [ -n "${BASE:-}" ]; then
	debian_tree &
	dpid=$!
	fresh_tree && am=0 || am=$?
	wait $dpid && dam=0 || dam=$?
else
	fresh_tree && am=0 || am=$?
	debian_tree && dam=0 || dam=$?
fi
info "both trees in $(($(date +%s) - t)) s"

# am_result TREE LOG STATUS ONTO: the TAP line of "git am" of the series onto TREE, made with
# STATUS by fresh-tree.sh or debian-tree.sh (0 applied, 1 no tree, 2 git am failed). git am
# stops at the first patch that does not apply: the commits base..HEAD are those before it.
# Returns 1 when TREE is not the base with the whole series (STATUS 1 or 2).
am_result() {
	local tree=$1 log=$2 st=$3 onto=$4 applied first
	if [ "$st" -eq 1 ]; then
		result fail "git am onto $onto: could not make the tree $tree" "$(grep -v '^>>>' "$log" | tail -n 15)"
		return 1
	fi
	applied=$(git -C "$tree" rev-list --count base..HEAD)
	if [ "$st" -eq 2 ]; then
		first=$("$here/scripts/series-files.sh" | sed -n "$((applied + 1))p")
		result fail "git am onto $onto: ${first##*/} does not apply, the first that fails ($applied applied before it)" \
			"$(grep -E '^(error|fatal):' "$log" || true; echo "(git am --show-current-patch=diff in $tree)")"
		return 1
	fi
	if [ "$applied" -eq ${#patches[@]} ]; then
		result ok "git am onto $onto: the ${#patches[@]} patches apply (base $(git -C "$tree" rev-parse --short=12 base))"
	else
		result fail "git am onto $onto: $applied commits from ${#patches[@]} patches"
	fi
}

# exact_apply TREE CLONE ONTO FIX: git am takes a hunk where its context is, even some lines
# away from where the patch says; patch -F0 (no fuzz) says so as an offset. Applies the series
# with it, in order, onto CLONE: a clone of TREE checked out at the base. FIX: what to do.
exact_apply() {
	local tree=$1 clone=$2 onto=$3 fix=$4 out='' f o
	rm -rf "$clone"
	git clone -q --shared --no-checkout "$tree" "$clone"
	git -C "$clone" checkout -q --detach base
	for f in "${patches[@]}"; do
		if ! o=$(cd "$clone" && patch -p1 -F0 -N --no-backup-if-mismatch <"$pd/$f" 2>&1); then
			out="$out$f: does not apply with patch -p1 -F0:"$'\n'"$o"$'\n'
			break
		fi
		o=$(grep -E 'offset|fuzz' <<<"$o" || true)
		[ -z "$o" ] || out="$out$f:"$'\n'"$o"$'\n'
	done
	if [ -z "$out" ]; then
		result ok "patch -F0 onto $onto: every hunk applies exactly where the patch says (no fuzz, no offset)"
	else
		result fail "patch -F0 onto $onto: hunks apply only with fuzz or offsets ($fix)" "${out%$'\n'}"
	fi
	git -C "$clone" reset -q --hard base
	git -C "$clone" clean -q -fdx
}

# The pristine tree at the base ($bt) stays: the sparse comparison builds it.
pristine=0
am_result "$wt" "$dir/tree.log" "$am" "v$BASE_VERSION" || pristine=1
[ $pristine -ne 0 ] || exact_apply "$wt" "$bt" "v$BASE_VERSION" "re-export the series: make patches"
if am_result "$dt" "$dir/debian-tree.log" "$dam" "Debian's patched v$BASE_VERSION"; then
	exact_apply "$dt" "$dir/debian/base" "Debian's patched v$BASE_VERSION" \
		"where the pristine tree has none, Debian's patches moved those lines: see $dt"
	rm -rf "$dir/debian/base"
fi
# The checks below need the pristine tree with the series.
[ $pristine -eq 0 ] || finish

# --- cover: subject and text filled in, a diffstat, base-commit of the fresh tree.
cover=$pd/0000-cover-letter.patch
if [ ! -f "$cover" ]; then
	result fail "cover: no patches/0000-cover-letter.patch (make patches)"
else
	bad=
	grep -q '\*\*\* \(SUBJECT\|BLURB\) HERE \*\*\*' "$cover" && bad="${bad}git's placeholder text is left: write patches/cover.in"$'\n'
	grep -qE '^ [0-9]+ files? changed(, [0-9]+ insertions?\(\+\))?(, [0-9]+ deletions?\(-\))?$' "$cover" ||
		bad="${bad}no diffstat (\" N files changed, ...\")"$'\n'
	want=$(git -C "$wt" rev-parse base)
	got=$(sed -n 's/^base-commit: //p' "$cover")
	if [ -z "$got" ]; then
		bad="${bad}no base-commit: line (git format-patch --base)"$'\n'
	elif [ "$got" != "$want" ]; then
		bad="${bad}base-commit: $got, but the fresh tree's base is $want"$'\n'
	fi
	grep -q "^Subject: \[PATCH 0*0/0*${#patches[@]}\]" "$cover" ||
		bad="${bad}the subject is not [PATCH 00/${#patches[@]}] (stale cover letter?)"$'\n'
	if [ -z "$bad" ]; then
		result ok "cover: subject [PATCH 00/${#patches[@]}], text, diffstat, base-commit: ${want:0:12} (the fresh base)"
	else
		result fail "cover letter" "${bad%$'\n'}"
	fi
fi

# --- checkpatch --strict, with the base tree's checkpatch and spelling lists.
# All patches at once, $jobs at a time; then the verdicts, in order.
printf '%s\n' "${patches[@]}" | (cd "$wt" && xargs -P "$jobs" -I{} sh -c \
	'perl scripts/checkpatch.pl --strict --show-types --terse --no-summary --root="$1" "$2/$3" >"$4/$(echo "$3" | cut -d- -f1).cp" 2>&1' \
	sh "$wt" "$pd" {} "$tmp") || true
for f in "${patches[@]}"; do
	nn=${f%%-*}
	errors=$(grep -c ': ERROR:' "$tmp/$nn.cp" || true)
	warnings=$(grep -c ': WARNING:' "$tmp/$nn.cp" || true)
	types=$(sed -n 's/.*: CHECK:\([A-Z0-9_]*\):.*/\1/p' "$tmp/$nn.cp" | sort -u)
	checks=$(grep -c ': CHECK:' "$tmp/$nn.cp" || true)
	other=$(grep -vE ': (ERROR|WARNING|CHECK):' "$tmp/$nn.cp" || true)
	unexplained=
	for t in $types; do grep -qw -- "$t" "$tmp/$nn.msg" || unexplained="$unexplained $t"; done
	summary="$errors errors, $warnings warnings, $checks checks"
	[ -z "$types" ] || summary="$summary ($(echo $types | tr ' ' ,))"
	if [ "$errors" -eq 0 ] && [ "$warnings" -eq 0 ] && [ -z "$unexplained" ] && [ -z "$other" ]; then
		result ok "checkpatch --strict $f: $summary${types:+, each explained in the message}"
	else
		[ -z "$unexplained" ] || summary="$summary; CHECK not explained in the message (name its type there, or fix it):$unexplained"
		[ -z "$other" ] || summary="$summary; checkpatch itself complained"
		result fail "checkpatch --strict $f: $summary" "$(cat "$tmp/$nn.cp")"
	fi
done

# --- sparse (C=2) and W=1: no new warnings in the .c files the series changes.
# configure OBJ TREE: the kernel's configuration (scripts/configure-kernel.sh), then prepare.
configure() {
	local obj=$1 src=$2 frags
	mapfile -t frags < <(fragments)
	rm -rf "$obj"
	"$here/scripts/configure-kernel.sh" "$src" "$obj" "${frags[@]}" >"$obj.configure.log" 2>&1 ||
		{ tail -n 20 "$obj.configure.log"; return 1; }
	make -s -C "$src" O="$obj" -j"$jobs" W=1 prepare >"$obj/prepare.log" 2>&1 ||
		{ tail -n 20 "$obj/prepare.log"; return 1; }
}
# warnings LOG TREE: the warnings of LOG, without line numbers and the tree's path; sparse's
# "expected/got" lines are joined to their warning.
warnings() {
	awk -v root="$2/" '
		function flush() { if (w != "") print w; w = "" }
		/^[^ ]+:[0-9]+(:[0-9]+)?: (warning|error): / {
			flush(); w = $0
			i = index(w, root); if (i) w = substr(w, 1, i - 1) substr(w, i + length(root))
			match(w, /:[0-9]+(:[0-9]+)?: /)
			w = substr(w, 1, RSTART - 1) ": " substr(w, RSTART + RLENGTH)
			next
		}
		/^ +(expected|got) / && w != "" { x = $0; sub(/^ +/, "", x); w = w " | " x; next }
		{ flush() }
		END { flush() }' "$1" | sort
}
# side_build SIDE FILE...: "make C=2 W=1 FILE.o" one after the other in the tree of SIDE;
# writes the normalized warnings to $tmp/SIDE/FILE.w, or the errors to $tmp/SIDE/FILE.err.
side_build() {
	local side=$1 src=$wt obj=$dir/obj-head f o log
	shift
	[ "$side" = head ] || src=$bt obj=$dir/obj-base
	for f in "$@"; do
		o=${f%.c}.o log=$obj/${o//\//_}.log
		mkdir -p "$tmp/$side/$(dirname "$f")"
		if [ ! -f "$src/$f" ]; then # a file the series adds: nothing at the base
			: >"$tmp/$side/$f.w"
		elif make -C "$src" O="$obj" C=2 W=1 "$o" >"$log" 2>&1; then
			warnings "$log" "$src" >"$tmp/$side/$f.w"
		else
			grep -E 'error' "$log" | head -n 10 >"$tmp/$side/$f.err"
			echo "(the whole log: $log)" >>"$tmp/$side/$f.err"
		fi
	done
}
# The two trees are configured and built side by side (two O= directories): one file
# compiles on one CPU, so on two CPUs this halves the time.
sparse_check() {
	local f d built=() new
	configure "$dir/obj-base" "$bt" >"$tmp/configure-base.log" 2>&1 &
	configure "$dir/obj-head" "$wt" >"$tmp/configure-head.log" 2>&1 || { wait; echo "head: configure/prepare failed"; return 1; }
	wait $! || { echo "base: configure/prepare failed"; return 1; }
	# Only the files our config builds: those with a compile command in a dry run of their
	# directories (one run: each costs a pass through the prepare steps).
	make -s -C "$wt" O="$dir/obj-head" -n $(for f in $1; do dirname "$f"; done | sort -u | sed 's|$|/|') \
		>"$tmp/dry-run" 2>&1 || true
	for f in $1; do
		if grep -q -- "-o ${f%.c}.o " "$tmp/dry-run"; then
			built+=("$f")
		else
			skip "sparse/W=1 $f" "not built by our config"
		fi
	done
	[ ${#built[@]} -gt 0 ] || return 0
	side_build base "${built[@]}" &
	side_build head "${built[@]}"
	wait $!
	for f in "${built[@]}"; do
		if [ -f "$tmp/base/$f.err" ] || [ -f "$tmp/head/$f.err" ]; then
			result fail "sparse/W=1 $f: make ${f%.c}.o fails" "$(cat "$tmp"/*/"$f.err")"
			continue
		fi
		new=$(awk 'FILENAME == ARGV[1] { base[$0]++; next } base[$0]-- <= 0' "$tmp/base/$f.w" "$tmp/head/$f.w")
		if [ -z "$new" ]; then
			result ok "sparse/W=1 $f: no new warnings ($(wc -l <"$tmp/base/$f.w") at base, $(wc -l <"$tmp/head/$f.w") at head)"
		else
			result fail "sparse/W=1 $f: $(wc -l <<<"$new") new warnings (fix them in the patch that adds them)" "$new"
		fi
	done
}
cfiles=$(git -C "$wt" diff --name-only --diff-filter=AM base HEAD -- '*.c' ':!tools/' ':!samples/' ':!Documentation/')
if [ -z "$cfiles" ]; then
	skip "sparse/W=1" "the series changes no .c file of the kernel"
else
	t=$(date +%s)
	sparse_check "$cfiles" || result fail "sparse/W=1: could not configure the trees" "see $dir/obj-{base,head}/prepare.log"
	info "sparse/W=1 in $(($(date +%s) - t)) s"
fi
finish
