# Shared helpers for the harness scripts (sourced, not run).
# step NAME CMD...: run CMD, saying what is being done and how long it took.
step() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	echo ">>> $name"
	rc=0
	"$@" || rc=$?
	echo ">>> $name: $([ $rc -eq 0 ] && echo done || echo "FAILED (exit $rc)") in $(($(date +%s) - t0)) s"
	return $rc
}
die() {
	echo "error: $*" >&2
	exit 1
}
# The upstream version the series is based on: one line in base.version (its tarball's
# sha256 is in base.sha256).
BASE_VERSION=$(cat "$(dirname "${BASH_SOURCE[0]}")/../base.version")
# fragments: the kernel's config fragments (config/fragments), absolute, in merge order.
fragments() {
	local root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$root/config/fragments" | sed "s|^|$root/|"
}
# private_dir NAME DIR: make DIR and print its absolute path. The checks that make trees of
# their own (fresh-tree.sh, debian-tree.sh) must not use build/: build/linux is the work tree.
private_dir() {
	local d
	mkdir -p "$2"
	d=$(cd "$2" && pwd)
	[ "$d" != "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build" ] ||
		die "$1: $d/linux is the work tree; use a directory of your own"
	echo "$d"
}
