#!/usr/bin/env bash
# Configure a kernel out of tree: tinyconfig, then the fragments merged with the tree's
# scripts/kconfig/merge_config.sh, then olddefconfig; fail if any requested option did not
# end up as asked. Used by scripts/build-kernel.sh and scripts/lint.sh.
#
# Usage: scripts/configure-kernel.sh WORKTREE OBJDIR FRAGMENT...
set -eu
wt=$(cd "${1:?usage: configure-kernel.sh WORKTREE OBJDIR FRAGMENT...}" && pwd)
obj=$2
shift 2
mkdir -p "$obj"
obj=$(cd "$obj" && pwd)
frags=()
for f in "$@"; do frags+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done

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

make -s -C "$wt" O="$obj" tinyconfig >/dev/null
"$wt/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >"$obj/merge.log"
make -s -C "$wt" O="$obj" olddefconfig >/dev/null
check_config "$obj/.config" "${frags[@]}" "$wt/tools/testing/selftests/bpf/config"
