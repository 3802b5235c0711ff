# Plot of scripts/bench-report.sh: close() cost per queued child, migration vs reset.
# Reads migrate-cost-medians.dat ("N migrate_ns reset_ns") in the current directory.
set terminal pngcairo size 800,560 noenhanced
set output "migrate-cost.png"
set title "close() of a listener holding N children: time per child (median)"
set xlabel "N (children in the accept queue)"
set ylabel "ns per child"
set logscale x 2
set logscale y 10
set key outside below
set grid
plot "migrate-cost-medians.dat" using 1:2 with linespoints lw 2 pt 7 title "migrate to a live sibling (tcp_migrate_req=1)", \
     "" using 1:3 with linespoints lw 2 pt 5 title "reset (tcp_migrate_req=0)"
