# plot_overhead_vs_rate.gp - overhead_vs_rate.svg/.png: the workload's slowdown against its event
# rate, log-log, a line per technique and target (every event, one probe, sampled, idle)
#
# Data (plot.sh): series.tsv, a block per technique/target sorted by rate: events per second,
# median, p25, p75 overhead %; clamped.tsv: the points whose overhead was at or below 0, drawn at
# clamp; setup.gp: names, colours, dash types (by target), clamp.
load datadir."/setup.gp"
height = 680
load harness."/plot_style.gp"
series = datadir."/series.tsv"
set title "Overhead against event rate: how much slower the workload runs traced (lower is better)\n" . \
	"median over the rounds, bars p25 to p75; lines: every method traced, dashes: one, " . \
	"dots: sampled, dash-dot: idle"
set xlabel "events per second the untraced workload makes (log scale)"
set ylabel "overhead, % of the untraced run's time (log scale)"
set logscale xy 10
set format x "%.0s%c"
set yrange [ymin:ymax]
cmd = "plot for [i=1:nseries] series index (i-1) using 1:2:3:4 with yerrorlines " . \
	"lc rgb colors[i] dt dashes[i] pt 7 title names[i], " . \
	"1 with lines lc rgb '#999999' dt 3 title '1 % overhead'"
cmd = cmd . (nclamped ? ", datadir.'/clamped.tsv' using 1:2 with points pt 6 ps 2.2 " . \
	"lc rgb 'black' title sprintf('overhead at or below 0 %%, drawn at %g %%', clamp)" : "")
eval cmd
