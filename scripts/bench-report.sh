#!/usr/bin/env bash
# Tables and plots from the CSV files of scripts/bench.sh: prints the tables, writes them
# to RESULTS/summary.md and the plots to RESULTS/*.png (gnuplot).
# Usage: scripts/bench-report.sh RESULTS
set -eu
r=${1:?usage: bench-report.sh RESULTS}
here=$(cd "$(dirname "$0")/.." && pwd)
plots=$here/tests/bench

# median FILE: the median of the numbers in FILE, one per line
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed_cell() { # CSV KEYCOLS...: failed/requests for the rows whose first columns match
	awk -F, -v key="$2" 'NR > 1 && ($2 "," $3) == key { req += $5; fail += $7 + $8 + $9 + $10 + $11; n++ }
		END { if (n) printf "%d / %d", fail, req; else printf "-" }' "$1"
}

{
echo "## Machine"
echo
sed 's/^/    /' "$r/machine.txt"
echo

if [ "$(wc -l <"$r/nginx.csv")" -gt 1 ]; then
	echo "## nginx under load: failed / total requests (K=$(awk -F, 'NR == 2 { print $4 }' "$r/nginx.csv") events each)"
	echo
	echo "| event | base (unpatched) | knob 0 | knob 1 | BPF policy (knob 0) |"
	echo "|---|---|---|---|---|"
	for e in reload upgrade shrink; do
		row="| $e |"
		for m in base knob0 knob1 bpf; do
			row="$row $(awk -F, -v m=$m -v e=$e 'NR > 1 && $2 == m && $3 == e { printf "%d / %d", $7 + $8 + $9 + $10 + $11, $5; if ($9) printf " (%d timeouts)", $9; found = 1 } END { if (!found) printf "-" }' "$r/nginx.csv") |"
		done
		echo "$row"
	done
	echo
	echo "reload: nginx -s reload (4 workers); upgrade: a second master on the same port, then kill -QUIT of the old one; shrink: reload to 2 workers and back to 4. Failed = refused + reset + timeout (10 s) + short read + other. Slowest successful request (ms): $(awk -F, 'NR > 1 { printf "%s%s/%s=%s", sep, $2, $3, $12; sep = ", " }' "$r/nginx.csv")"
	echo
fi

if [ "$(wc -l <"$r/storm.csv")" -gt 1 ]; then
	echo "## Rolling-restart storm: failed / total requests (4 listeners, 8 clients, one replaced every 10 ms)"
	echo
	echo "| family | replacements | base (unpatched) | knob 0 | knob 1 | BPF policy (knob 0) |"
	echo "|---|---|---|---|---|---|"
	for fam in ipv4 ipv6; do
		row="| $fam | $(awk -F, -v f=$fam 'NR > 1 && $3 == f { print $4; exit }' "$r/storm.csv") |"
		for m in base knob0 knob1 bpf; do
			row="$row $(awk -F, -v m=$m -v f=$fam 'NR > 1 && $2 == m && $3 == f { printf "%d / %d", $7 + $8 + $9 + $10 + $11, $5; if ($7 + $8 + $9 + $10 + $11) printf " (reset %d, timeout %d)", $8, $9; found = 1 } END { if (!found) printf "-" }' "$r/storm.csv") |"
		done
		echo "$row"
	done
	echo
fi

# trials CSV: the trials per cell of a migrate_cost CSV (its highest rep number)
trials() { awk -F, 'NR > 1 && $4 > m { m = $4 } END { print m }' "$1"; }

# cost_table CSV DAT: the migrate/reset table of a migrate_cost CSV, its medians into DAT
# ("N migrate_ns reset_ns"), and how the cost per child changes from the smallest N to the largest.
cost_table() {
	local csv=$1 dat=$2 n m mig res moved
	echo "| N | migrate: ms | migrate: ns/child | reset: ms | reset: ns/child | migrate / reset | children moved (min) |"
	echo "|---|---|---|---|---|---|---|"
	: >"$dat"
	for n in $(awk -F, 'NR > 1 { print $2 }' "$csv" | sort -gu); do
		for m in migrate reset; do
			awk -F, -v n=$n -v m=$m 'NR > 1 && $2 == n && $3 == m { print $6 }' "$csv" >"$tmp/$m"
			awk -F, -v n=$n -v m=$m 'NR > 1 && $2 == n && $3 == m { print $5 / 1e6 }' "$csv" >"$tmp/$m.ms"
		done
		mig=$(median "$tmp/migrate") res=$(median "$tmp/reset")
		moved=$(awk -F, -v n=$n 'NR > 1 && $2 == n && $3 == "migrate" { if (min == "" || $7 < min) min = $7 } END { print min }' "$csv")
		printf '| %d | %.1f | %.0f | %.1f | %.0f | %.3f | %s of %d |\n' "$n" "$(median "$tmp/migrate.ms")" "$mig" \
			"$(median "$tmp/reset.ms")" "$res" "$(echo "$mig $res" | awk '{ print $1 / $2 }')" "$moved" "$n"
		echo "$n $mig $res" >>"$dat"
	done
	echo
	awk 'NR == 1 { n0 = $1; m0 = $2; r0 = $3 } { n = $1; m = $2; r = $3 }
		END { if (NR > 1) printf "Per child at N=%d against N=%d: migrate x%.2f, reset x%.2f (1.00 is flat: time linear in N).\n", n, n0, m / m0, r / r0 }' "$dat"
	echo
}

if [ "$(wc -l <"$r/migrate-cost.csv")" -gt 1 ]; then
	echo "## close() of a listener holding N children (patched kernel in the VM; medians of $(trials "$r/migrate-cost.csv") runs per cell)"
	echo
	cost_table "$r/migrate-cost.csv" "$r/migrate-cost-medians.dat"
fi

if [ -f "$r/migrate-cost-host.csv" ] && [ "$(wc -l <"$r/migrate-cost-host.csv")" -gt 1 ]; then
	echo "## Reference: mainline's migration natively, $(awk -F, 'NR == 2 { print $1 }' "$r/migrate-cost-host.csv") (the host's kernel, no VM; same tool, medians of $(trials "$r/migrate-cost-host.csv") runs)"
	echo
	cost_table "$r/migrate-cost-host.csv" "$tmp/host.dat"
fi

if [ "$(wc -l <"$r/fastpath.csv")" -gt 1 ]; then
	echo "## Fast path: connections per second (connect/accept/close, 2 client + 2 accept threads, 5 s per run)"
	echo
	echo "| kernel | mode | runs | median conn/s | min | max | median / base |"
	echo "|---|---|---|---|---|---|---|"
	awk -F, 'NR > 1 && $2 == "base" { print $6 }' "$r/fastpath.csv" >"$tmp/base"
	b=$(median "$tmp/base")
	: >"$tmp/fast.dat"
	i=0
	for m in base knob0 knob1; do
		awk -F, -v m=$m 'NR > 1 && $2 == m { print $6 }' "$r/fastpath.csv" >"$tmp/$m"
		[ -s "$tmp/$m" ] || continue
		med=$(median "$tmp/$m")
		printf '| %s | %s | %d | %.0f | %.0f | %.0f | %s |\n' "$([ $m = base ] && echo unpatched || echo patched)" \
			"$([ $m = base ] && echo - || echo "tcp_migrate_req=${m#knob}")" "$(wc -l <"$tmp/$m")" "$med" \
			"$(sort -g "$tmp/$m" | head -1)" "$(sort -g "$tmp/$m" | tail -1)" \
			"$(echo "$med $b" | awk '$2 == "-" { print "-"; exit } { printf "%.3f", $1 / $2 }')"
		i=$((i + 1))
		awk -v i=$i -v m=$m '{ print i, $1, m }' "$tmp/$m" >>"$tmp/fast.dat"
	done
	cp "$tmp/fast.dat" "$r/fastpath-runs.dat"
	echo
fi
} | tee "$r/summary.md"

cd "$r"
if [ -s migrate-cost-medians.dat ]; then
	gnuplot "$plots/migrate-cost.gp" && echo "plot: $r/migrate-cost.png"
fi
if [ -s fastpath-runs.dat ]; then
	gnuplot "$plots/fastpath.gp" && echo "plot: $r/fastpath.png"
fi
