# Report time and the shim's extra memory against live threads at exit.
# Usage: gnuplot -e "data='scaling.dat'; out='scaling.svg'" bench/plot.gp
set terminal svg size 720,420 dynamic enhanced font "sans,12" background "white"
set output out
set title "namspill: exit report and memory vs. live threads (10% spilled)"
set logscale x 10
set xlabel "live threads at exit (log scale)"
set ylabel "report at exit (s)"
set y2label "shim extra RSS (MB)"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key top left
set grid xtics ytics
# The target for the report with 10,000 threads.
set arrow from graph 0, first 0.25 to graph 1, first 0.25 nohead dt 3 lc "gray40"
set label "report target 0.25 s" at graph 0.02, first 0.25 offset 0, 0.6 tc "gray40"
plot data using 1:2 with linespoints pt 7 lw 2 title "report time (s)", \
     data using 1:3 axes x1y2 with linespoints pt 5 lw 2 dt 2 title "extra RSS (MB)"
