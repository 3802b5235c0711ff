#!/usr/bin/env bash
# Guest side: the regression suite, run as root inside the VM
# (vm/run.sh -- tests/suite.sh; "make check" does that). Runs each test of the table below
# in its directory and reports TAP version 13: "ok N - name"
# or "not ok N - name", the test's own output as "# " lines after it, then a last line
# "P passed, F failed". Exits 1 if any test failed.
#
# Environment: TEST_TIMEOUT=SECONDS per test (300).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
per_test=${TEST_TIMEOUT:-300}

# One test per line:  NAME | DIR | RETRY-IF | COMMAND
#   DIR       where COMMAND runs, in the project: build/selftests/* (make selftests),
#             build/tests/* (make tools), or tests (the scripts)
#   RETRY-IF  "-", or "SUBTESTS&MUST&MUST...": SUBTESTS are extended regexes separated by
#             commas, MUST extended regexes. When every failed test_progs subtest matches
#             one of SUBTESTS and the output matches every MUST (the flake's signature),
#             the test is a known flake and runs once more (FLAKE below); a pass on
#             the retry is reported as ok with both outputs, anything else stays a failure.
TESTS='
select_reuseport    | build/selftests/bpf | /TCP [A-Z]+ test_pass:&errno:111&mismatch on DROP_ERR_SKB_DATA | ./test_progs -t select_reuseport
test_global_funcs   | build/selftests/bpf | - | ./test_progs -t test_global_funcs
reuseport_bpf       | build/selftests/net | - | ./reuseport_bpf
reuseport_bpf_cpu   | build/selftests/net | - | ./reuseport_bpf_cpu
reuseport_dualstack | build/selftests/net | - | ./reuseport_dualstack
reuseport_addr_any  | build/selftests/net | - | ./reuseport_addr_any
tcp_migrate_req     | build/selftests/net | - | ./tcp_migrate_req '!limit:'
tcp_migrate_limit   | build/selftests/net | - | ./tcp_migrate_req limit:
reuseport_select_or_migrate | build/selftests/bpf | - | ./test_progs -t reuseport_select_or_migrate
abi_system_libbpf   | build/tests/abi     | - | ./migrate_abi
storm_rolling       | tests               | - | ./storm.sh 4 30 100
'
# FLAKE: select_reuseport's known flake on a busy host, its two signatures and why only the
# second is retried: README.md, "Known flake: select_reuseport on a busy host".

strip() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# run_one DIR COMMAND LOG: run it with a timeout, output to LOG; return its status.
run_one() {
	local rc=0
	(cd "$here/$1" && timeout -k 10 "$per_test" sh -c "$2") >"$3" 2>&1 </dev/null || rc=$?
	[ $rc -ne 124 ] || echo "suite: killed after $per_test s (TEST_TIMEOUT)" >>"$3"
	return $rc
}

# known_flake LOG SPEC: true if LOG shows failed subtests, each matching one of SPEC's
# SUBTESTS, and LOG matches each of SPEC's MUST regexes (see RETRY-IF above).
known_flake() {
	local failed spec=$2 must
	[ "$spec" != - ] || return 1
	failed=$(grep -E '^#[0-9]+/[0-9]+ .*:FAIL$' "$1" || true)
	[ -n "$failed" ] || return 1
	if grep -vqE "$(printf '%s' "${spec%%&*}" | tr , '|')" <<<"$failed"; then
		return 1
	fi
	while [ "$spec" != "${spec#*&}" ]; do
		spec=${spec#*&}
		must=${spec%%&*}
		grep -qE -- "$must" "$1" || return 1
	done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=$(grep -c '|' <<<"$TESTS")
echo "TAP version 13"
echo "1..$n"
i=0 pass=0 fail=0
while IFS='|' read -r name dir retry cmd; do
	[ -n "$(strip "${cmd:-}")" ] || continue
	name=$(strip "$name") dir=$(strip "$dir") retry=$(strip "$retry") cmd=$(strip "$cmd")
	i=$((i + 1))
	log=$tmp/$i.log
	t0=$(date +%s)
	rc=0
	run_one "$dir" "$cmd" "$log" || rc=$?
	note=
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && known_flake "$log" "$retry"; then
		mv "$log" "$log.first"
		rc=0
		run_one "$dir" "$cmd" "$log" || rc=$?
		note=" (known flake: failed, then the retry $([ $rc -eq 0 ] && echo passed || echo failed too))"
		{ echo "--- first run, failed:"; cat "$log.first"; echo "--- retry:"; cat "$log"; } >"$log.both"
		mv "$log.both" "$log"
	fi
	if [ $rc -eq 0 ]; then
		echo "ok $i - $name$note"
		pass=$((pass + 1))
	else
		echo "not ok $i - $name$note"
		fail=$((fail + 1))
	fi
	sed 's/^/# /' "$log"
	echo "# $name: exit $rc, $(($(date +%s) - t0)) s"
done <<<"$TESTS"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
