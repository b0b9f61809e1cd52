# plot_threads.gp - threads.svg/.png: the wall time each technique adds per event against the
# workload's thread count (same total requests), log-log, a line per technique; its CPU time dashed
#
# Data (plot.sh's threads_data): series.tsv, a block per technique and measure sorted by thread
# count: threads, median, p25, p75 ns per event; clamped.tsv: the points at or below 0, drawn at
# clamp; setup.gp: names, colours, dash types (1 wall, 2 CPU), y range and tics, x tics, ncpu.
load datadir."/setup.gp"
height = 680
load harness."/plot_style.gp"
set title "Thread scaling: time added per event as the same requests are split over more threads\n" . \
	"median over the rounds, bars p25 to p75; solid: wall time (the run's), dashed: the workload's " . \
	"CPU time; lower is better"
set xlabel sprintf("workload threads (log scale; %d CPUs: right of the grey line no more parallelism)", ncpu)
set ylabel "time added per event (log scale)"
set logscale xy 2
set logscale y 10
set xrange [0.8:xmax * 1.25]
set yrange [ymin:ymax]
if (ncpu > 0 && ncpu < xmax) {
	set arrow from ncpu, ymin to ncpu, ymax nohead lc rgb "#777777" lw 1.5 dt 3
}
cmd = "plot for [i=1:nseries] datadir.'/series.tsv' index (i-1) using 1:2:3:4 with yerrorlines " . \
	"lc rgb colors[i] dt dashes[i] pt 7 title names[i]"
cmd = cmd . (nclamped ? ", datadir.'/clamped.tsv' using 1:2 with points pt 6 ps 2.2 " . \
	"lc rgb 'black' title sprintf('at or below 0, drawn at %g ns', clamp)" : "")
eval cmd
