#!/usr/bin/env bash
# Configure (scripts/configure-kernel.sh: tinyconfig + FRAGMENT...) and build a kernel out of
# tree, with its modules and uapi headers (OBJDIR/usr/include). The fragments of our kernels
# are listed in config/fragments.
#
# Usage: scripts/build-kernel.sh WORKTREE OBJDIR FRAGMENT...
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
wt=$(cd "${1:?usage: build-kernel.sh WORKTREE OBJDIR FRAGMENT...}" && pwd)
obj=$2
shift 2
mkdir -p "$obj"
obj=$(cd "$obj" && pwd)
# One build at a time per object directory: two would corrupt each other.
exec 9>"$obj/.build-lock"
if ! flock -n 9; then
	echo "build-kernel: another build of $obj is running; waiting for it" >&2
	flock 9
fi
frags=()
for f in "$@"; do frags+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
jobs=${JOBS:-$(nproc)}
log=$obj/build.log

configure() { "$here/scripts/configure-kernel.sh" "$wt" "$obj" "${frags[@]}"; }

build() {
	if ! make -C "$wt" O="$obj" LOCALVERSION= -j"$jobs" bzImage modules >"$log" 2>&1; then
		grep -E 'error|Error' "$log" | head -30
		tail -20 "$log"
		echo "build: failed; the whole log is $log" >&2
		return 1
	fi
	make -s -C "$wt" O="$obj" headers_install >/dev/null
	grep -E 'warning:' "$log" | sort -u | head -20 || true
}

step "configure $(basename "$obj") (tinyconfig + $(for f in "${frags[@]}"; do printf '%s ' "$(basename "$f")"; done))" configure
step "build $(basename "$obj") with -j$jobs (log: $log)" build
echo "kernel: $obj/arch/x86/boot/bzImage"
