#!/bin/sh
# The layout of the CSV files of "make bench", in one place: the columns of each table (the
# list below), read by the guest's writers (tests/bench/guest.sh, scripts/bench.sh's native
# reference), by scripts/bench.sh for the header of build/results/TABLE.csv, and through
# that header by scripts/bench-report.sh, which finds every column by its name.
# Usage: tests/bench/csv.sh header TABLE
#        tests/bench/csv.sh row TABLE KEY=VALUE...   a row: the values in TABLE's order (keys
#                                                    TABLE has not are left out; a missing one fails)
#        tests/bench/csv.sh rows TABLE KEY=VALUE... <CSV   the same for each line of a CSV with a
#                                                    header line (migrate_cost's), plus the KEYs
#        tests/bench/csv.sh awk FILE PROGRAM [VAR=VALUE...]   awk -F, PROGRAM on the rows of FILE
#                                                    (a CSV with a header), where $c["NAME"] is
#                                                    the column NAME
set -eu
columns() {
	case $1 in
	fastpath) echo kernel,mode,rep,conns,seconds,rate,errors ;;
	nginx) echo kernel,mode,event,k,requests,ok,refused,reset,timeout,short,other,max_ms ;;
	storm) echo kernel,mode,family,replaced,requests,ok,refused,reset,timeout,short,other ;;
	cost | reference) echo kernel,n,mode,rep,close_ns,ns_per_child,moved ;;
	guest) echo kernel,release,cpus,mem_kb ;;
	*) echo "csv.sh: no table $1 (fastpath nginx storm cost reference guest)" >&2; exit 2 ;;
	esac
}
# pairs_to_row TABLE: KEY=VALUE lines on stdin, a record ending at each empty line, to rows
pairs_to_row() {
	awk -v cols="$(columns "$1")" -v t="$1" '
		BEGIN { n = split(cols, c, ",") }
		function flush(  i, row) {
			if (!have) return
			for (i = 1; i <= n; i++) {
				if (!(c[i] in v)) { printf "csv.sh: %s: no %s in the row\n", t, c[i] > "/dev/stderr"; exit 1 }
				row = row (i > 1 ? "," : "") v[c[i]]
			}
			print row
			split("", v); have = 0
		}
		/^$/ { flush(); next }
		{ k = $0; sub(/=.*/, "", k); val = substr($0, length(k) + 2); v[k] = val; have = 1 }
		END { flush() }'
}
usage="usage: csv.sh header|row|rows TABLE [KEY=VALUE...], csv.sh awk FILE PROGRAM [VAR=VALUE...]"
what=${1:?$usage}
table=${2:?$usage}
shift 2
case $what in
awk)
	prog=${1:?$usage}
	shift
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } '"$prog" "$@" "$table" ;;
header) columns "$table" ;;
row) printf '%s\n' "$@" | pairs_to_row "$table" ;;
rows)
	fixed=$(printf '%s\n' "$@")
	awk -F, -v fixed="$fixed" 'NR == 1 { split($0, h, ","); next }
		{ print fixed; for (i = 1; i <= NF; i++) print h[i] "=" $i; print "" }' | pairs_to_row "$table" ;;
*) echo "$usage" >&2; exit 2 ;;
esac
