# plot_attach.sh - the attach section's plots (sourced by plot.sh): attach, first event, detach

# attach_data: TMP/attach/{rows.tsv,setup.gp} from attach_summary.csv: a row per technique/config
# (top to bottom in the CSV's order), its median attach, first event and detach times in ns with
# their p25 and p75 (NaN where not measured); 3 if there is nothing to draw
attach_data()
{
	local d=$TMP/attach
	mkdir -p "$d"
	awk -v d="$d" "$CSV_AWK$AWK_PLOT"'
	# ns(COLUMN): the ms value of COLUMN in ns, or "" if empty
	function ns(c,    v) { v = num(csv_get(f, c), ""); return v == "" ? "" : v * 1e6 }
	# see(V): widens the axis to V
	function see(v) {
		if (v == "" || v <= 0) return
		if (vmin == "" || v < vmin) vmin = v
		if (vmax == "" || v > vmax) vmax = v
	}
	FNR == 1 { csv_header($0); next }
	{
		csv_split($0, f)
		if (!ok(f)) next
		how = csv_get(f, "attach_mode")
		how = how == "attach" ? "-p" : how == "restart" ? "restart" : "channel"
		n++
		label[n] = csv_get(f, "technique") "/" csv_get(f, "config") " (" how ")"
		split("attach first_event detach", m, " ")
		line = ""
		for (i = 1; i <= 3; i++) {
			v = ns("median_" m[i] "_ms"); lo = ns("p25_" m[i] "_ms"); hi = ns("p75_" m[i] "_ms")
			if (v != "" && v <= 0) v = ""
			if (lo == "" || lo <= 0) lo = v
			if (hi == "") hi = v
			see(v); see(lo); see(hi)
			line = line "\t" field(v) "\t" field(lo) "\t" field(hi)
		}
		row[n] = line
	}
	END {
		if (!n || vmin == "") exit 3
		for (i = 1; i <= n; i++) printf "%d%s\n", n - i + 1, row[i] >(d "/rows.tsv")
		setup = d "/setup.gp"
		lo = decade(vmin, 0); hi = decade(vmax, 1)
		if (hi <= lo) hi = lo * 10
		print "xmin = " lo "; xmax = " hi "; nrows = " n >setup
		print ns_tics(lo, hi) >setup
		s = ""
		for (i = 1; i <= n; i++) s = s (i > 1 ? ", " : "") ticlabel(label[i]) " " (n - i + 1)
		print "set ytics (" s ")" >setup
	}' "$DIR/attach_summary.csv"
}

# attach_plots: the section's plots
attach_plots()
{
	plot attach attach_summary.csv attach_data
}
