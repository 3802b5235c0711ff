#!/usr/bin/env bash
# The tables and plots of "make bench", from the CSV files scripts/bench.sh collects (their
# columns, by name: tests/bench/csv.sh). Writes RESULTS/summary.md and puts it into DOC
# between the lines "<!-- bench-report: begin -->" and "<!-- bench-report: end -->" (the text
# around them is kept: it is the template), and the plots beside DOC (gnuplot:
# migrate-cost.png, fastpath.png).
# Usage: scripts/bench-report.sh RESULTS [DOC]   (DOC: docs/results.md)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
r=${1:?usage: bench-report.sh RESULTS [DOC]}
doc=${2:-$here/docs/results.md}
csv=$here/tests/bench/csv.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# q FILE PROGRAM [VAR=VALUE...]: awk on the rows of a CSV of RESULTS, $c["NAME"] its column NAME
q() { "$csv" awk "$r/$1" "$2" "${@:3}"; }
# has FILE: the CSV is there and has rows
has() { [ -f "$r/$1" ] && [ "$(wc -l <"$r/$1")" -gt 1 ]; }
# median FILE: the median of the numbers in FILE, one per line
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The requests that did not get their answer, whatever the reason.
failed='$c["refused"] + $c["reset"] + $c["timeout"] + $c["short"] + $c["other"]'
# cell FILE CONDITION [VAR=VALUE...]: "failed / requests" of the rows where CONDITION, or "-"
cell() {
	q "$1" "$2"' { f += '"$failed"'; t += $c["requests"]; n++ } END { if (n) printf "%d / %d", f, t; else printf "-" }' "${@:3}"
}
modes="base knob0 knob1 bpf"

failures() {
	local e m fam k n row label
	echo "### Failed / total requests"
	echo
	echo "| event | base (unpatched) | knob 0 | knob 1 | BPF policy (knob 0) |"
	echo "|---|---|---|---|---|"
	if has nginx.csv; then
		k=$(q nginx.csv '{ print $c["k"]; exit }')
		for e in reload upgrade shrink; do
			case $e in
			reload) label="nginx -s reload x$k" ;;
			upgrade) label="nginx binary upgrade x$k" ;;
			shrink) label="nginx reload 4 to 2 workers x$k" ;;
			esac
			row="| $label |"
			for m in $modes; do
				row="$row $(cell nginx.csv '$c["mode"] == m && $c["event"] == e' m=$m e=$e) |"
			done
			echo "$row"
		done
	fi
	if has storm.csv; then
		for fam in ipv4 ipv6; do
			n=$(q storm.csv '$c["family"] == f { print $c["replaced"]; exit }' f=$fam)
			row="| storm IPv${fam#ipv}, $n replacements |"
			for m in $modes; do
				row="$row $(cell storm.csv '$c["mode"] == m && $c["family"] == f' m=$m f=$fam) |"
			done
			echo "$row"
		done
	fi
	echo
	echo "nginx: 4 reuseport workers; reload: nginx -s reload; upgrade: a second master on the same port, then kill -QUIT of the old one; shrink: reload to 2 workers and back to 4. storm: 4 listeners, 8 clients, one replaced every 10 ms. Failed = refused + reset + timeout (10 s) + short read + other."
	for f in nginx storm; do
		has $f.csv || continue
		q $f.csv '$c["timeout"] > 0 { printf "%s %s %s: %d timeouts. ", t, $c["mode"], $c["event"] $c["family"], $c["timeout"] }' t=$f
	done
	! has nginx.csv || echo "Slowest successful nginx request (ms): $(q nginx.csv '{ printf "%s%s/%s=%s", sep, $c["mode"], $c["event"], $c["max_ms"]; sep = ", " }')."
	echo
}

# cost_table FILE DAT: the migrate/reset table of a migrate_cost CSV, its medians into DAT
# ("N migrate_ns reset_ns"), and how the cost per child changes from the smallest N to the largest.
cost_table() {
	local f=$1 dat=$2 n m mig res
	echo "| N | migrate | reset | migrate / reset |"
	echo "|---|---|---|---|"
	: >"$dat"
	for n in $(q "$f" '{ print $c["n"] }' | sort -gu); do
		for m in migrate reset; do
			q "$f" '$c["n"] == n && $c["mode"] == m { print $c["ns_per_child"] }' n="$n" m=$m >"$tmp/$m"
		done
		mig=$(median "$tmp/migrate") res=$(median "$tmp/reset")
		printf '| %d | %.0f | %.0f | %.3f |\n' "$n" "$mig" "$res" "$(echo "$mig $res" | awk '{ print $1 / $2 }')"
		echo "$n $mig $res" >>"$dat"
	done
	echo
	awk 'NR == 1 { n0 = $1; m0 = $2; r0 = $3 } { n = $1; m = $2; r = $3 }
		END { if (NR > 1) printf "Per child at N=%d against N=%d: migrate x%.2f, reset x%.2f (1.00 is flat: time linear in N).\n", n, n0, m / m0, r / r0 }' "$dat"
	echo
}
trials() { q "$1" '$c["rep"] > m { m = $c["rep"] } END { print m }'; }

fastpath() {
	local b m med i=0
	echo "### Fast path: connections per second"
	echo
	echo "connect/accept/close, 2 client + 2 accept threads, 5 s per run."
	echo
	echo "| kernel | mode | runs | median conn/s | min | max | median / base |"
	echo "|---|---|---|---|---|---|---|"
	q fastpath.csv '$c["kernel"] == "base" { print $c["rate"] }' >"$tmp/base"
	b=$(median "$tmp/base")
	: >"$tmp/fastpath-runs.dat"
	for m in base knob0 knob1; do
		q fastpath.csv '$c["mode"] == m { print $c["rate"] }' m=$m >"$tmp/$m"
		[ -s "$tmp/$m" ] || continue
		med=$(median "$tmp/$m")
		printf '| %s | %s | %d | %.0f | %.0f | %.0f | %s |\n' "$([ $m = base ] && echo unpatched || echo patched)" \
			"$([ $m = base ] && echo - || echo "tcp_migrate_req=${m#knob}")" "$(wc -l <"$tmp/$m")" "$med" \
			"$(sort -g "$tmp/$m" | head -1)" "$(sort -g "$tmp/$m" | tail -1)" \
			"$(echo "$med $b" | awk '$2 == "-" { print "-"; exit } { printf "%.3f", $1 / $2 }')"
		i=$((i + 1))
		awk -v i=$i -v m=$m '{ print i, $1, m }' "$tmp/$m" >>"$tmp/fastpath-runs.dat"
	done
	echo
}

{
	echo "Generated by \`make bench\` (scripts/bench-report.sh) from $(basename "$r")/*.csv on $(date -u +%Y-%m-%d); edits between the markers are lost."
	echo
	if [ -f "$r/machine.txt" ]; then
		sed 's/^/    /' "$r/machine.txt"
		echo
	fi
	if has nginx.csv || has storm.csv; then failures; fi
	if has migrate-cost.csv; then
		echo "### close() of a listener holding N children: ns per child (patched kernel in the VM, medians of $(trials migrate-cost.csv) runs)"
		echo
		cost_table migrate-cost.csv "$tmp/migrate-cost-medians.dat"
	fi
	if has migrate-cost-host.csv; then
		echo "### Reference: mainline's migration natively, $(q migrate-cost-host.csv '{ print $c["kernel"]; exit }') (the host's kernel, no VM; medians of $(trials migrate-cost-host.csv) runs)"
		echo
		cost_table migrate-cost-host.csv "$tmp/host.dat"
	fi
	if has fastpath.csv; then fastpath; fi
	for p in migrate-cost fastpath; do
		[ -s "$tmp/$p$([ $p = fastpath ] && echo -runs || echo -medians).dat" ] || continue
		if (cd "$tmp" && gnuplot "$here/tests/bench/$p.gp") 2>"$tmp/$p.err"; then
			mkdir -p "$(dirname "$doc")"
			mv "$tmp/$p.png" "$(dirname "$doc")/$p.png"
			echo "![$p]($p.png)"
			echo
		else
			echo "bench-report: no plot $p.png: $(cat "$tmp/$p.err") (gnuplot: apt-get install gnuplot-nox)" >&2
		fi
	done
} >"$r/summary.md"
cat "$r/summary.md"

# DOC: the text outside the markers kept, the summary between them (after the text if DOC
# has no markers yet).
begin='<!-- bench-report: begin -->' end='<!-- bench-report: end -->'
[ -f "$doc" ] || { mkdir -p "$(dirname "$doc")"; : >"$doc"; }
grep -qxF "$begin" "$doc" || printf '\n%s\n%s\n' "$begin" "$end" >>"$doc"
awk -v begin="$begin" -v end="$end" -v summary="$r/summary.md" '
	$0 == begin { print; while ((getline line <summary) > 0) print line; skip = 1; next }
	$0 == end { skip = 0 }
	!skip' "$doc" >"$tmp/doc"
cp "$tmp/doc" "$doc"
echo "bench-report: $doc"
