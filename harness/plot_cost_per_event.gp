# plot_cost_per_event.gp - cost_per_event.svg/.png: what one event costs under each technique,
# log ns, median and p25-p75 over the rounds, beside its floor and the floors measured alone
#
# Data (plot.sh): rows.tsv, a block per group (technique, then the floors): y, median, p25, p75,
# the row's floor (NaN if none); marks.tsv: x, y, "N.Nx its floor"; setup.gp: the groups' names
# and colours, the y tics (the row labels), the x range, the plot's height.
load datadir."/setup.gp"
load harness."/plot_style.gp"
rows = datadir."/rows.tsv"
marks = datadir."/marks.tsv"
set title "What one event costs under each technique, beside its floor (lower is better)\n" . \
	"median over the rounds, bars p25 to p75; an open diamond marks the row's floor" . \
	(nclamped ? sprintf("\nan open circle: a median at or below 0 ns (noise), drawn at %g ns", clamp) : "")
unset key
set xlabel "time per event (log scale)"
set logscale x 10
set xrange [xmin:xmax]
set yrange [0.4:ymax + 0.6]
set grid xtics noytics
set ytics scale 0 font ",10"
cmd = "plot for [i=1:nseries] rows index (i-1) using 2:1:3:4 with xerrorbars " . \
	"pt (i == floors_series ? 13 : 7) lc rgb colors[i] title names[i]"
cmd = cmd . (has_floor_marks ? ", rows using 5:1 with points pt 12 ps 1.6 lc rgb '#555555' " . \
	"notitle" : "")
cmd = cmd . (has_marks ? ", marks using 1:2:3 with labels left font ',9' tc rgb '#555555' " . \
	"notitle" : "")
cmd = cmd . (nclamped ? ", datadir.'/clamped.tsv' using 1:2 with points pt 6 ps 2.2 " . \
	"lc rgb 'black' notitle" : "")
eval cmd
