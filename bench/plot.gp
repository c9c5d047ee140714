# Report time and the shim's extra memory against live threads at exit.
# Usage: gnuplot -e "data='scaling.dat'; out='scaling.svg'" bench/plot.gp
set terminal svg size 720,420 dynamic enhanced font "sans,12" background "white"
set output out
set title "namspill: exit report and memory vs. live threads (10% spilled)"
set logscale x 10
set xlabel "live threads at exit"
set ylabel "report at exit (s)"
set y2label "shim extra RSS (MB)"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key top left
set grid xtics ytics
plot data using 1:2 with linespoints pt 7 lw 2 title "report time (s)", \
     data using 1:3 axes x1y2 with linespoints pt 5 lw 2 dt 2 title "extra RSS (MB)"
