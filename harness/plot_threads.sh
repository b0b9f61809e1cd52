# plot_threads.sh - the threads section's plot (sourced by plot.sh): cost per event by thread count

# threads_data: TMP/threads/{series.tsv,clamped.tsv,setup.gp} from threads_summary.csv (and the CPU
# count from env.txt): per technique, its median wall cost per event (bars p25 to p75) and its
# median CPU cost per event against the thread count; 3 if there is nothing to draw
threads_data()
{
	local d=$TMP/threads ncpu
	mkdir -p "$d"
	ncpu=$(sed -n 's/^cpus=\([0-9][0-9]*\).*/\1/p' "$DIR/env.txt")
	awk -v d="$d" -v ncpu="${ncpu:-0}" "$CSV_AWK$AWK_PLOT"'
	# add(SERIES, X, MEDIAN, P25, P75): a point of a series (a technique'"'"'s wall or CPU cost)
	function add(s, x, m, lo, hi,    k, i) {
		if (!(s in si)) { si[s] = ++ns; sname[ns] = s }
		k = si[s]; i = ++np[k]
		px[k, i] = x; pm[k, i] = m; plo[k, i] = lo; phi[k, i] = hi
		if (m > 0 && (vmin == "" || m < vmin)) vmin = m
		if (lo != "" && lo > 0 && (vmin == "" || lo < vmin)) vmin = lo
		if (xmax == "" || x > xmax) xmax = x
	}
	FNR == 1 { csv_header($0); next }
	{
		csv_split($0, f)
		if (!ok(f)) next
		x = num(csv_get(f, "threads"), 0); t = csv_get(f, "technique")
		m = num(csv_get(f, "median_wall_cost_ns_per_event"), "")
		if (x <= 0 || m == "") next
		tech[t] = 1
		add(t " wall", x, m, num(csv_get(f, "p25_wall_cost_ns_per_event"), ""),
		    num(csv_get(f, "p75_wall_cost_ns_per_event"), ""))
		c = num(csv_get(f, "median_cpu_cost_ns_per_event"), "")
		if (c != "") add(t " CPU", x, c, num(csv_get(f, "p25_cpu_cost_ns_per_event"), ""),
		                 num(csv_get(f, "p75_cpu_cost_ns_per_event"), ""))
	}
	END {
		if (!ns) exit 3
		# costs at or below 0 cannot sit on a log axis: drawn a decade below the least above 0
		clamp = vmin == "" ? 1 : decade(vmin, 0) / 10
		clamped = 0; ymax = clamp
		for (k = 1; k <= ns; k++) {
			split(sname[k], g, " ")
			col[k] = color(g[1]); dash[k] = g[2] == "wall" ? 1 : 2
			sname[k] = g[1] (g[2] == "wall" ? ": wall time added per event" : ": CPU time")
			series_out(k, px, pm, plo, phi, np)
		}
		setup = d "/setup.gp"
		series_setup(setup, ns, sname, col, dash)
		lo = decade(clamp, 0); hi = decade(ymax, 1)
		if (hi <= lo) hi = lo * 10
		print "ymin = " lo "; ymax = " hi >setup
		tics = ns_tics(lo, hi); sub(/^set xtics/, "set ytics", tics)
		print tics >setup
		# the thread counts as x tics, on a log-2 axis
		s = ""
		for (x = 1; x <= xmax; x *= 2) s = s (s == "" ? "" : ", ") "\"" x "\" " x
		print "set xtics (" s ")" >setup
		print "xmax = " (xmax > 1 ? xmax : 2) "; ncpu = " ncpu >setup
	}' "$DIR/threads_summary.csv"
}

# threads_plots: the section's plots
threads_plots()
{
	plot threads threads_summary.csv threads_data
}
