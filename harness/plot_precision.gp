# plot_precision.gp - precision.svg/.png: how much of what happened each technique sees, in up to
# three panels: a sampled profile's distance to the true one against the samples taken; the error
# of the latencies measured; completeness and argument fidelity of the exact tracers
#
# Data (plot.sh): tvd.tsv (a block per sampler: samples, median, p25, p75 TVD), latency.tsv (x,
# median, p25, p75, colour), completeness.tsv and arg_fidelity.tsv (x, median, p25, p75), the x
# tics of the last two panels, and setup.gp (which panels have data, names, colours, unit).
load datadir."/setup.gp"
height = 380 * panels + 40
load harness."/plot_style.gp"
set multiplot layout panels, 1 title "Precision: what each technique sees of what happened " . \
	"(median over the rounds, bars p25 to p75)"
if (has_tvd) {
	set title "Sampled profile against the true one: total variation distance (lower is better)"
	set xlabel "samples in the profile (log scale)"
	set ylabel "TVD (0 = the true profile, 1 = disjoint)"
	set logscale x 10
	set format x "%g"
	set yrange [0:*]
	set key inside top right vertical box lc rgb "#cccccc"
	plot for [i=1:nseries] datadir."/tvd.tsv" index (i-1) using 1:2:3:4 with yerrorlines \
		lc rgb colors[i] pt ptypes[i] title names[i]
	unset logscale x
	set yrange [*:*]
}
if (has_latency) {
	set title "Latency measured against the true latency: the observer effect (closer to 0 is better)"
	unset key
	set xlabel ""
	set ylabel "|error|, ".latency_unit." (log scale; open: below the truth)"
	set logscale y 10
	set format y "%g"
	set xrange [0.5:nlat + 0.5]
	load datadir."/latency_tics.gp"
	set xtics rotate by -20 scale 0
	plot datadir."/latency.tsv" using 1:($6 > 0 ? NaN : $2):3:4:5 with yerrorbars pt 7 ps 1.4 \
		lc rgb variable notitle, \
	     datadir."/latency.tsv" using 1:($6 > 0 ? $2 : NaN):3:4:5 with yerrorbars pt 6 ps 1.4 \
		lc rgb variable notitle
	unset logscale y
	set xrange [*:*]
	set xtics autofreq norotate
}
if (has_seen) {
	set title "Exact tracers: events seen, and methods whose argument sum is exact (1 is exact; higher is better)"
	set xlabel ""
	set ylabel "fraction of the truth"
	set xrange [0.5:nseen + 0.5]
	set yrange [(seenmin < 0.9 ? seenmin - 0.05 : 0.9):1.02]
	load datadir."/seen_tics.gp"
	set xtics rotate by -20 scale 0
	set key inside bottom left vertical box lc rgb "#cccccc"
	cmd = "plot 1 with lines lc rgb '#999999' dt 3 title 'exact'"
	cmd = cmd . (has_completeness ? ", datadir.'/completeness.tsv' using 1:2:3:4 with " . \
		"yerrorbars pt 7 ps 1.4 lc rgb '#0072B2' title 'completeness: events seen / events made'" : "")
	cmd = cmd . (has_arg ? ", datadir.'/arg_fidelity.tsv' using 1:2:3:4 with yerrorbars " . \
		"pt 5 ps 1.4 lc rgb '#D55E00' title 'argument fidelity: methods whose argument sum is right / methods'" : "")
	eval cmd
}
unset multiplot
