#!/usr/bin/env bash
# Configure and build a kernel out of tree: tinyconfig, then our fragments merged with
# scripts/kconfig/merge_config.sh; fail if any requested option did not end up as asked.
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

configure() {
	make -s -C "$wt" O="$obj" tinyconfig >/dev/null
	"$wt/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >"$obj/merge.log"
	make -s -C "$wt" O="$obj" olddefconfig >/dev/null
	check_config "$obj/.config" "${frags[@]}" "$wt/tools/testing/selftests/bpf/config"
}

# Every CONFIG_X=v asked for must be in .config as asked ("=n": not set).
check_config() {
	local cfg=$1 bad=0 line sym val
	shift
	while IFS= read -r line; do
		sym=${line%%=*}
		val=${line#*=}
		if [ "$val" = n ]; then
			grep -q "^$sym=" "$cfg" && { echo "config: $sym=n requested, but it is set"; bad=1; }
		elif [ "$val" = m ] && grep -qx "$sym=y" "$cfg"; then
			: # asked as a module, built in: just as good for the tests
		elif ! grep -qx "$sym=$val" "$cfg"; then
			echo "config: $sym=$val requested, got: $(grep -E "^$sym=|^# $sym is not set" "$cfg" || echo 'not offered (a dependency is missing)')"
			bad=1
		fi
	done < <(cat "$@" | grep -E '^CONFIG_[A-Za-z0-9_]+=' | sort -u)
	if [ $bad -ne 0 ]; then
		echo "config: some requested options did not end up set; add their dependencies to config/*.config" >&2
		return 1
	fi
}

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
