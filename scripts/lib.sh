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
