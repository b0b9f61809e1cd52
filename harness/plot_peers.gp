# plot_peers.gp - peers.svg/.png: each tracebench tracer's cost per event beside its peer's, log ns
#
# Data (plot_peers.sh): rows.tsv (y, median, p25, p75, colour, point type), labels.tsv (x, y, what
# the row saw), clamped.tsv (the medians at or below 0, drawn at clamp), setup.gp (the y tics:
# pair: tracer, the x range and tics, the height).
load datadir."/setup.gp"
load harness."/plot_style.gp"
set title "Tracebench's tracers beside their peers: what one event costs (lower is better)\n" . \
	"median over the rounds, bars p25 to p75; samplers: per sample\n" . \
	"right, what each saw: seen = events counted / events made; TVD = its profile against the true one" . \
	(nclamped ? sprintf("\nan open circle: a median at or below 0 (noise), drawn at %g ns", clamp) : "")
set xlabel "time per event (log scale)"
set logscale x 10
set xrange [xmin:xmax]
set yrange [0.4:ymax + 0.6]
set grid xtics noytics
set ytics scale 0 font ",10"
set rmargin 4
plot datadir."/rows.tsv" using 2:1:3:4:5 with xerrorbars pt 7 ps 1.3 lc rgb variable notitle, \
	datadir."/labels.tsv" using 1:2:3 with labels left font ",9" tc rgb "#555555" notitle, \
	datadir."/clamped.tsv" using 1:2 with points pt 6 ps 2.2 lc rgb "black" notitle, \
	NaN with points pt 7 lc rgb "#0072B2" title "tracebench", \
	NaN with points pt 7 lc rgb "#D55E00" title "peer"
