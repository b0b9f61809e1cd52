# plot_peers.sh - the peers section's plots (sourced by plot.sh): peers.svg/.png from peers_summary.csv
#
# peers: one row per tracebench tracer and per peer (the untraced baselines left out), grouped by
# pair, at its cost per event (median, bars p25 to p75, log ns), tracebench's in one colour and
# the peers' in another, each labelled with what it saw (completeness, or the profile's TVD).

# peers_data: TMP/peers/{rows.tsv,labels.tsv,clamped.tsv,setup.gp} from peers_summary.csv; 3 if
# no row has status ok
peers_data()
{
	local d=$TMP/peers
	mkdir -p "$d"
	awk -v d="$d" "$CSV_AWK$AWK_PLOT"'
	FNR == 1 { csv_header($0); next }
	{
		csv_split($0, f)
		if (csv_get(f, "side") == "untraced" || !ok(f)) next
		m = num(csv_get(f, "cost_ns_per_event"), "")
		if (m == "") next
		n++
		pair[n] = csv_get(f, "pair"); name[n] = csv_get(f, "config"); side[n] = csv_get(f, "side")
		med[n] = m
		lo[n] = num(csv_get(f, "cost_p25_ns_per_event"), m)
		hi[n] = num(csv_get(f, "cost_p75_ns_per_event"), m)
		c = csv_get(f, "completeness"); t = csv_get(f, "profile_tvd")
		seen[n] = t != "" ? sprintf("TVD %.3f", t) : c != "" ? sprintf("seen %.3f", c) : ""
		# the axis from the least median above 0 (a noisy p25 near 0 would stretch it)
		if (m > 0 && (vmin == "" || m < vmin)) vmin = m
		if (hi[n] > vmax) vmax = hi[n]
	}
	END {
		if (!n) exit 3
		# costs at or below 0 (noise) cannot sit on a log axis: drawn a decade below the least
		clamp = vmin == "" ? 1 : decade(vmin, 0) / 10
		if (vmax < clamp * 10) vmax = clamp * 10
		y = 0; clamped = 0
		for (i = n; i >= 1; i--) {
			# a gap between pairs
			if (i < n && pair[i] != pair[i + 1]) y += 0.6
			y++
			m = med[i]; l = lo[i]; h = hi[i]
			if (m <= 0) {
				m = clamp; clamped++; printf "%s\t%s\n", m, y >(d "/clamped.tsv")
				seen[i] = seen[i] "; cost at or below 0 (noise)"
			}
			if (l < clamp || l > m) l = l > m ? m : clamp
			if (h < m) h = m
			col = side[i] == "peer" ? "#D55E00" : "#0072B2"
			printf "%s\t%s\t%s\t%s\t%d\t%d\n", y, m, l, h, rgb(col), side[i] == "peer" ? 5 : 7 \
				>(d "/rows.tsv")
			# a noise row'"'"'s bars may reach across the plot: its label above its own point
			if (med[i] <= 0) printf "%s\t%s\t%s\n", m * 1.5, y + 0.35, seen[i] >(d "/labels.tsv")
			else printf "%s\t%s\t%s\n", h * 1.3, y, seen[i] >(d "/labels.tsv")
			tics = tics (tics == "" ? "" : ", ") ticlabel(pair[i] ": " name[i] \
				(side[i] == "peer" ? " (peer)" : "")) " " y
		}
		if (!clamped) printf "NaN\tNaN\n" >(d "/clamped.tsv")
		setup = d "/setup.gp"
		print "set ytics (" tics ")" >setup
		print "ymax = " y >setup
		print "xmin = " decade(clamp, 0) "; xmax = " decade(vmax, 1) * 10 >setup
		print ns_tics(decade(clamp, 0), decade(vmax, 1) * 10) >setup
		print "clamp = " clamp "; nclamped = " clamped >setup
		print "height = " int(140 + 26 * y) >setup
	}' "$DIR/peers_summary.csv"
}

# peers_plots: the section's plots
peers_plots()
{
	plot peers peers_summary.csv peers_data
}
