# plot_placement.sh - the placement section's plots (sourced by plot.sh): placement.svg/.png from placement_summary.csv

# placement_data: TMP/placement/{cost.tsv,tvd.tsv,setup.gp} from placement_summary.csv — per
# technique/mode, the median and p25-p75 of the cost per event and of the samplers' TVD, on one
# CPU (same) and across two (cross); 3 if no row has a cost to draw
placement_data()
{
	local d=$TMP/placement
	mkdir -p "$d"
	awk -v d="$d" "$CSV_AWK$AWK_PLOT"'
	NR == 1 { csv_header($0); next }
	{
		csv_split($0, f)
		if (!ok(f)) next
		k = csv_get(f, "technique") "/" csv_get(f, "mode"); w = csv_get(f, "placement")
		if (!(k in idx)) { idx[k] = ++n; name[n] = k }
		i = idx[k]
		m = num(csv_get(f, "median_cost_per_event_ns"), "")
		if (m != "") {
			cm[i, w] = m; cl[i, w] = num(csv_get(f, "p25_cost_per_event_ns"), m)
			ch[i, w] = num(csv_get(f, "p75_cost_per_event_ns"), m); ncost++
			if (m > 0 && (lo == "" || m < lo)) lo = m
			if (cl[i, w] > 0 && cl[i, w] < lo) lo = cl[i, w]
			if (hi == "" || ch[i, w] > hi) hi = ch[i, w]
		}
		t = num(csv_get(f, "median_tvd"), "")
		if (t != "") {
			if (!(i in tidx)) { tidx[i] = ++nt; tname[nt] = k }
			tm[i, w] = t; tl[i, w] = num(csv_get(f, "p25_tvd"), t)
			th[i, w] = num(csv_get(f, "p75_tvd"), t); tz[i, w] = num(csv_get(f, "median_noise_tvd"), "")
			if (th[i, w] > tmax) tmax = th[i, w]
		}
	}
	# clampv(V): V on the log axis: a cost of 0 or less (the traced run no slower than the
	# untraced one, within the noise) drawn at the bottom
	function clampv(v) { return v == "" ? "NaN" : (v > clamp ? v : clamp) }
	END {
		if (!ncost) exit 3
		if (lo == "") lo = 1
		clamp = decade(lo, 0) / 10 * 3
		if (hi == "" || hi <= clamp) hi = clamp * 10
		for (i = 1; i <= n; i++) {
			printf "%d\t%s", i, field(name[i]) >(d "/cost.tsv")
			for (p = 1; p <= 2; p++) {
				w = p == 1 ? "same" : "cross"
				if ((i, w) in cm) {
					printf "\t%s\t%s\t%s\t%s", clampv(cm[i, w]), clampv(cl[i, w]), clampv(ch[i, w]),
					       (cm[i, w] > 0 ? 0 : 1) >(d "/cost.tsv")
				} else printf "\tNaN\tNaN\tNaN\t0" >(d "/cost.tsv")
			}
			printf "\n" >(d "/cost.tsv")
		}
		for (j = 1; j <= nt; j++) {
			i = idx[tname[j]]
			printf "%d\t%s", j, field(tname[j]) >(d "/tvd.tsv")
			for (p = 1; p <= 2; p++) {
				w = p == 1 ? "same" : "cross"
				if ((i, w) in tm) printf "\t%s\t%s\t%s\t%s", tm[i, w], tl[i, w], th[i, w],
					field(tz[i, w]) >(d "/tvd.tsv")
				else printf "\tNaN\tNaN\tNaN\tNaN" >(d "/tvd.tsv")
			}
			printf "\n" >(d "/tvd.tsv")
		}
		setup = d "/setup.gp"
		print "ncost = " n "; ntvd = " nt >setup
		print "ymin = " decade(clamp, 0) "; ymax = " decade(hi, 1) "; clamp = " clamp >setup
		print "tvdmax = " (tmax > 0 ? tmax * 1.15 : 1) >setup
		s = ""
		for (v = decade(clamp, 0); v <= decade(hi, 1) * 1.001; v *= 10) {
			x = v; u = "ns"
			if (v >= 1e6) { x = v / 1e6; u = "ms" } else if (v >= 1e3) { x = v / 1e3; u = "us" }
			s = s (s == "" ? "" : ", ") "\"" sprintf("%g", x) " " u "\" " v
		}
		print "set ytics (" s ")" >setup
	}' "$DIR/placement_summary.csv"
}

# placement_plots: the section's plots
placement_plots() { plot placement placement_summary.csv placement_data; }
