# Plot of scripts/bench-report.sh: connection rate per run, by kernel and knob.
# Reads fastpath-runs.dat ("INDEX RATE MODE") in the current directory.
set terminal pngcairo size 700,450 noenhanced
set output "fastpath.png"
set title "Fast path: connect/accept/close rate, every run"
set ylabel "connections per second"
set xrange [0.5:3.5]
set yrange [0:*]
set xtics ("unpatched" 1, "patched, knob 0" 2, "patched, knob 1" 3)
set grid ytics
unset key
plot "fastpath-runs.dat" using 1:2 with points pt 7 ps 1.5
