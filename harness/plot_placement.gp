# plot_placement.gp - placement.svg/.png: each out-of-process technique with its tracer on the workload's CPU (same) and on another (cross)
#
# Data (plot.sh's placement_data): cost.tsv (x, technique/mode, then for same and for cross: median,
# p25, p75 of the cost per event, and 1 where the median was 0 or less, drawn at the bottom),
# tvd.tsv (x, technique/mode, then for same and cross: median, p25, p75 TVD and the noise-only
# TVD), setup.gp (counts, the log axis' bounds and tics).
load datadir."/setup.gp"
panels = ntvd > 0 ? 2 : 1
height = 440 * panels + 40
load harness."/plot_style.gp"
set multiplot layout panels, 1 title "CPU placement: tracer and workload on one CPU (same) or on two (cross) " . \
	"(median over the rounds, bars p25 to p75)"
set style fill solid 0.85 border -1
set boxwidth 0.36
set title "Added wall time of the workload per event: per stop, system call, sample or probe hit (log; lower is better)"
set ylabel "cost per event"
set logscale y 10
set yrange [ymin:ymax]
set xrange [0.4:ncost + 0.6]
set xtics scale 0 rotate by -20
plot datadir."/cost.tsv" using ($1 - 0.19):3:xtic(2) with boxes lc rgb "#E69F00" title "same: tracer on the workload's CPU", \
     "" using ($1 - 0.19):3:4:5 with yerrorbars lc rgb "#444444" pt 7 ps 0 notitle, \
     "" using ($1 + 0.19):7 with boxes lc rgb "#0072B2" title "cross: tracer on another CPU", \
     "" using ($1 + 0.19):7:8:9 with yerrorbars lc rgb "#444444" pt 7 ps 0 notitle, \
     "" using ($1 - 0.19):($6 > 0 ? clamp : NaN):("<= 0") with labels offset 0, 0.8 notitle, \
     "" using ($1 + 0.19):($10 > 0 ? clamp : NaN):("<= 0") with labels offset 0, 0.8 notitle
if (ntvd > 0) {
	unset logscale y
	set ytics autofreq
	set format y "%g"
	set title "Samplers: the profile's distance to the true one (TVD; lower is better; dashes: sampling noise alone)"
	set ylabel "TVD"
	set yrange [0:tvdmax]
	set xrange [0.4:ntvd + 0.6]
	set key inside top left vertical box lc rgb "#cccccc"
	plot datadir."/tvd.tsv" using ($1 - 0.19):3:xtic(2) with boxes lc rgb "#E69F00" title "same", \
	     "" using ($1 - 0.19):3:4:5 with yerrorbars lc rgb "#444444" pt 7 ps 0 notitle, \
	     "" using ($1 + 0.19):7 with boxes lc rgb "#0072B2" title "cross", \
	     "" using ($1 + 0.19):7:8:9 with yerrorbars lc rgb "#444444" pt 7 ps 0 notitle, \
	     "" using ($1 - 0.19):6:(0.18):(0) with vectors nohead lc rgb "#000000" dt 2 lw 2 notitle, \
	     "" using ($1 + 0.19):10:(0.18):(0) with vectors nohead lc rgb "#000000" dt 2 lw 2 notitle
}
unset multiplot
