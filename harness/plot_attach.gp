# plot_attach.gp - attach.svg/.png: per technique, bars of the time to attach, to the first event, to detach
#
# Data (plot_attach.sh): rows.tsv (y, then median, p25, p75 in ns of attach, first event and
# detach; NaN where not measured) and setup.gp (xmin, xmax, nrows, the x and y tics).
load datadir."/setup.gp"
height = 160 + 46 * nrows
load harness."/plot_style.gp"
set title "Attach and detach per technique (median, bars p25 to p75)"
set logscale x 10
set xrange [xmin:xmax]
set yrange [0.4:nrows + 0.6]
set xlabel "time (log scale)"
set ytics scale 0
set grid xtics noytics
set style fill solid 0.85 border -1
set key maxcols 3 maxrows 1
h = 0.13
# every bar runs from the left end of the axis to its median (NaN: no bar), its p25-p75 on it
plot datadir."/rows.tsv" using (xmin):($1 + 0.27):(xmin):($2):($1 + 0.27 - h):($1 + 0.27 + h) \
		with boxxyerror lc rgb "#0072B2" title "attach", \
	'' using 2:($1 + 0.27):3:4 with xerrorbars pt -1 lc rgb "#333333" notitle, \
	'' using (xmin):($1):(xmin):($5):($1 - h):($1 + h) with boxxyerror lc rgb "#009E73" \
		title "first event", \
	'' using 5:1:6:7 with xerrorbars pt -1 lc rgb "#333333" notitle, \
	'' using (xmin):($1 - 0.27):(xmin):($8):($1 - 0.27 - h):($1 - 0.27 + h) with boxxyerror \
		lc rgb "#D55E00" title "detach", \
	'' using 8:($1 - 0.27):9:10 with xerrorbars pt -1 lc rgb "#333333" notitle
