# plot_frontier.gp - frontier.svg/.png: what precision each technique buys for its overhead, one
# point per technique/mode (and per rate for the samplers)
#
# Data (plot.sh): points.tsv, a block per technique/mode sorted by overhead: overhead %, precision
# (completeness, or 1 - TVD for a sampler), overhead p25, p75, precision p25, p75, the rate label;
# clamped.tsv: the points whose overhead was at or below 0, drawn at clamp; setup.gp.
load datadir."/setup.gp"
height = 680
load harness."/plot_style.gp"
points = datadir."/points.tsv"
set title "Overhead against precision: better is up and to the left\n" . \
	"median over the rounds, bars p25 to p75; samplers at each rate asked for"
set xlabel "overhead, % of the untraced run's time (log scale; lower is better)"
set ylabel "precision: completeness (exact tracers) or 1 - TVD (samplers); 1 is exact"
set logscale x 10
set xrange [xmin:xmax]
set yrange [*:1.02]
cmd = "plot for [i=1:nseries] points index (i-1) using 1:2:3:4:5:6 with xyerrorbars " . \
	"pt ptypes[i] lc rgb colors[i] title names[i], " . \
	"for [i=1:nseries] points index (i-1) using 1:2 with lines lc rgb colors[i] notitle, " . \
	"points using 1:2:(strcol(7) eq 'NaN' ? '' : strcol(7)) with labels left offset 0.8,0.7 " . \
	"font ',9' tc rgb '#555555' notitle"
cmd = cmd . (nclamped ? ", datadir.'/clamped.tsv' using 1:2 with points pt 6 ps 2.2 " . \
	"lc rgb 'black' title sprintf('overhead at or below 0 %%, drawn at %g %%', clamp)" : "")
eval cmd
