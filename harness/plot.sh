#!/usr/bin/env bash
# plot.sh - draws a results folder's plots, SVG and PNG with gnuplot, from whichever of its CSVs exist
#
# Usage: harness/plot.sh DIR (make plot DIR=results/HOST/STAMP; bench.sh runs it at the end of a run)
#
# Draws into DIR, each as NAME.svg and NAME.png (see results/README.md, "Plots"):
#   cost_per_event   from cost_per_event.csv (and floors_summary.csv): every technique's cost per
#                    event, log ns, beside its floor
#   overhead_vs_rate from rates_summary.csv: overhead % against events per second, log-log
#   precision        from precision_summary.csv: profile TVD against samples, latency error,
#                    completeness and argument fidelity
#   frontier         from precision_summary.csv: overhead against precision, one point per
#                    technique/mode (and rate)
# A plot whose CSV is absent, or has no row with status ok, is not drawn: a line on stderr says
# so. Rows whose status is not ok are left out. Exits 1 with one line on stderr if DIR is not a
# results folder (no env.txt), gnuplot is missing, or gnuplot failed.
#
# The CSVs are read by column name (harness/csv.awk: quoted fields may hold commas); the awk
# below writes tab-separated data and a small generated gnuplot file per plot into a scratch
# folder, and the plot's own program, harness/plot_NAME.gp with harness/plot_style.gp, draws it.
set -euo pipefail

HARNESS=$(cd "$(dirname "$0")" && pwd)

# die MESSAGE: one line on stderr, exit 1
die() { echo "plot.sh: $*" >&2; exit 1; }
# note MESSAGE: one line on stderr
note() { echo "plot.sh: $*" >&2; }

[ $# -eq 1 ] || die "usage: plot.sh DIR, DIR a results folder (results/HOST/STAMP)"
DIR=$1
[ -d "$DIR" ] || die "$DIR: no such folder: give a results folder (results/HOST/STAMP)"
[ -f "$DIR/env.txt" ] ||
	die "$DIR is not a results folder (no env.txt): give one, e.g. results/HOST/STAMP"
command -v gnuplot >/dev/null || die "gnuplot is missing: install it (./setup.sh)"

TMP=$(mktemp -d /tmp/tracebench-plot.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

CSV_AWK=$(cat "$HARNESS/csv.awk")
# awk helpers of the plots: a colour per technique (the same in every plot), gnuplot arrays and
# strings, numbers, log-axis bounds, sorting
AWK_PLOT='
function color(name) {
	if (name ~ /^floor/) return "#555555"
	if (name ~ /idle/) return "#999933"
	if (name ~ /^peer/) return "#56B4E9"
	if (name ~ /bpftrace/) return "#56B4E9"
	if (name ~ /gdb/) return "#882255"
	if (name ~ /strace/) return "#332288"
	if (name ~ /uftrace/) return "#117733"
	if (name ~ /usdt/) return "#0072B2"
	if (name ~ /ptrace/) return "#D55E00"
	if (name ~ /vm_?readv/) return "#009E73"
	if (name ~ /signal/) return "#CC79A7"
	if (name ~ /method_hook/) return "#8C564B"
	if (name ~ /tracefunc|finstrument/) return "#E69F00"
	return "#000000"
}
# rgb(COLOR): "#RRGGBB" as the integer gnuplot'"'"'s "lc rgb variable" reads
function rgb(c,    i, v) {
	v = 0
	for (i = 2; i <= 7; i++) v = v * 16 + index("0123456789ABCDEF", toupper(substr(c, i, 1))) - 1
	return v
}
# str(S): S as a gnuplot string
function str(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
# ptype(TECHNIQUE): a point type per series of one technique (one colour): the Nth gets the Nth
function ptype(t) { return substr("07050911130406081012", 2 * (seen_tech[t]++ % 10) + 1, 2) + 0 }
# ticlabel(S): S as the label of an explicit tic, which gnuplot reads as a format
function ticlabel(s) { gsub(/%/, "%%", s); return str(s) }
# garray(NAME, LIST, N): "array NAME[N] = [...]" of the strings LIST[1..N] (one blank at least)
function garray(name, list, n,    i, s) {
	if (n < 1) { list[1] = ""; n = 1 }
	for (i = 1; i <= n; i++) s = s (i > 1 ? ", " : "") str(list[i])
	return "array " name "[" n "] = [" s "]"
}
# field(S): S as a tab-separated field: no tabs, "" becomes the missing value
function field(s) { gsub(/\t/, " ", s); return s == "" ? "NaN" : s }
function isnum(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
# num(S, ELSE): S as a number (csv_split gives strings, which compare as strings), or ELSE
function num(s, other) { return isnum(s) ? s + 0 : other }
function log10(x) { return log(x) / log(10) }
# decade(X, UP): the power of ten at or below X (UP: at or above)
function decade(x, up,    e) {
	e = log10(x); e = int(e) - (e < int(e) ? 1 : 0)
	if (up && 10 ^ e < x) e++
	return 10 ^ e
}
# ok(F): whether the row F is one to draw: status ok, or no status column, or a row some of whose
# runs failed ("failed: K of N runs") whose median comes from the rest (a median column not empty)
function ok(f,    st) {
	if (!("status" in COL)) return 1
	st = csv_get(f, "status")
	if (st == "ok") return 1
	return st ~ /^failed: [0-9]+ of [0-9]+/ && has_median(f)
}
# has_median(F): whether the row F has a median: the first column named median_* not empty
function has_median(f,    c) {
	for (c in COL) if (c ~ /^median_/ && csv_get(f, c) != "") return 1
	return 0
}
# sort_by(KEY, K, N): ord[1..N], the points 1..N of series K in order of KEY[K, i]
function sort_by(key, k, n,    i, j, t) {
	for (i = 1; i <= n; i++) ord[i] = i
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && key[k, ord[j - 1]] > key[k, ord[j]]; j--) {
			t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t
		}
}
# series_out(K, PX, PM, PLO, PHI, NP): line K of a plot of lines (overhead_vs_rate, threads) into
# d "/series.tsv", its points in order of x (PX[K, i], median PM, p25 PLO, p75 PHI, NP[K] points)
# as x, median, low, high and a blank block after it; a median at or below 0 is drawn at clamp,
# listed in d "/clamped.tsv" and counted in clamped; ymax rises to the highest high
function series_out(k, px, pm, plo, phi, np,    i, p, m, l, h) {
	sort_by(px, k, np[k])
	for (i = 1; i <= np[k]; i++) {
		p = ord[i]; m = pm[k, p]; l = plo[k, p]; h = phi[k, p]
		if (m <= 0) {
			m = clamp; clamped++
			printf "%s\t%s\n", px[k, p], m >(d "/clamped.tsv")
		}
		if (l == "" || l <= 0 || l > m) l = l != "" && l > m ? m : clamp
		if (h == "" || h < m) h = m
		if (h > ymax) ymax = h
		printf "%s\t%s\t%s\t%s\n", px[k, p], m, l, h >(d "/series.tsv")
	}
	printf "\n\n" >(d "/series.tsv")
}
# series_setup(SETUP, NS, NAMES, COLORS, DASHES): the NS lines of such a plot to its gnuplot file
# SETUP: their number, names, colours and dash types, the clamp and how many points it took
function series_setup(setup, ns, sname, col, dash,    k, s) {
	print "nseries = " ns >setup
	print garray("names", sname, ns) >setup
	print garray("colors", col, ns) >setup
	for (k = 1; k <= ns; k++) s = s (k > 1 ? ", " : "") dash[k]
	print "array dashes[" ns "] = [" s "]" >setup
	print "clamp = " clamp "; nclamped = " clamped >setup
}
# ns_tics(LO, HI): "set xtics (...)" at each power of ten from LO to HI, labelled in ns, µs, ms, s
function ns_tics(lo, hi,    v, s, u, x) {
	for (v = lo; v <= hi * 1.001; v *= 10) {
		x = v; u = "ns"
		if (v >= 1e9) { x = v / 1e9; u = "s" }
		else if (v >= 1e6) { x = v / 1e6; u = "ms" }
		else if (v >= 1e3) { x = v / 1e3; u = "µs" }
		s = s (s == "" ? "" : ", ") "\"" sprintf("%g", x) " " u "\" " v
	}
	return "set xtics (" s ")"
}
# pct_tics(AXIS, LO, HI): "set AXIStics (...)" at each power of ten from LO to HI, labelled in %
# (a tic label is a format: its % doubled)
function pct_tics(axis, lo, hi,    v, s) {
	for (v = lo; v <= hi * 1.001; v *= 10)
		s = s (s == "" ? "" : ", ") "\"" sprintf("%.10g", v) " %%\" " v
	return "set " axis "tics (" s ")"
}
# times(X): "N.Nx" (two significant digits below 1)
function times(x) { return (x < 1 && x > -1 ? sprintf("%.2g", x) : sprintf("%.1f", x)) "x" }
'

# draw NAME: runs harness/plot_NAME.gp for SVG and PNG with the data in TMP/NAME; 1 on failure
draw()
{
	local name=$1 fmt ext
	for fmt in svg pngcairo; do
		ext=${fmt%cairo}
		if ! gnuplot -e "fmt='$fmt'; outfile='$DIR/$name.$ext'; datadir='$TMP/$name';" \
			-e "harness='$HARNESS'" "$HARNESS/plot_$name.gp" >"$TMP/$name.out" 2>&1; then
			note "$name.$ext: gnuplot failed: $(grep -v '^ *$' "$TMP/$name.out" | tail -n 3 |
				tr '\n' ' ')"
			return 1
		fi
	done
}

# ---- cost_per_event: a row per technique/variant/event, its p25-p75, its floor, the floors ----

# cost_data: TMP/cost_per_event/{rows.tsv,marks.tsv,setup.gp} from cost_per_event.csv (and
# floors_summary.csv if present); 1 if there is nothing to draw
cost_data()
{
	local d=$TMP/cost_per_event floors=/dev/null
	mkdir -p "$d"
	[ -f "$DIR/floors_summary.csv" ] && floors=$DIR/floors_summary.csv
	awk -v d="$d" -v floors="$floors" "$CSV_AWK$AWK_PLOT"'
	# add(GROUP, LABEL, MEDIAN, P25, P75, FLOOR, X_FLOOR): a row of the plot, in GROUP
	function add(g, lab, m, lo, hi, fl, xf) {
		m = num(m); lo = num(lo, ""); hi = num(hi, ""); fl = num(fl, ""); xf = num(xf, "")
		if (!(g in gi)) { gi[g] = ++ng; gname[ng] = g }
		n++; rg[n] = gi[g]; rl[n] = lab; rm[n] = m; rlo[n] = lo; rhi[n] = hi
		rfl[n] = fl; rxf[n] = xf
		if (m > 0 && (vmin == "" || m < vmin)) vmin = m
		if (lo != "" && lo > 0 && (vmin == "" || lo < vmin)) vmin = lo
		if (fl != "" && fl > 0 && (vmin == "" || fl < vmin)) vmin = fl
		if (hi != "" && hi > vmax) vmax = hi
		if (m > vmax) vmax = m
		if (fl != "" && fl > vmax) vmax = fl
	}
	FNR == 1 { csv_header($0); file = FILENAME; next }
	{
		csv_split($0, f)
		if (!ok(f)) next
		m = csv_get(f, "median_ns_per_event")
		if (!isnum(m)) next
		if (file == floors) {
			lab = csv_get(f, "floor")
			p = csv_get(f, "placement")
			add("floors", lab (p == "" ? "" : " (" p ")"), m, csv_get(f, "p25_ns_per_event"),
			    csv_get(f, "p75_ns_per_event"), "", "")
			next
		}
		t = csv_get(f, "technique"); v = csv_get(f, "variant"); e = csv_get(f, "event")
		add(t, t (v == "" ? "" : " " v) (e == "" ? "" : ": " e), m,
		    csv_get(f, "p25_ns_per_event"), csv_get(f, "p75_ns_per_event"),
		    csv_get(f, "floor_ns_per_event"), csv_get(f, "x_floor"))
		techrows++
	}
	END {
		if (!techrows) exit 3
		if (vmin == "") vmin = 1
		lo = decade(vmin, 0); hi = decade(vmax > 0 ? vmax : 10, 1) * 10
		# the floors group last, at the bottom
		if ("floors" in gi && gi["floors"] != ng) {
			k = gi["floors"]
			for (i = 1; i <= n; i++) rg[i] = rg[i] == k ? ng : rg[i] > k ? rg[i] - 1 : rg[i]
			for (i = k; i < ng; i++) gname[i] = gname[i + 1]
			gname[ng] = "floors"
		}
		# rows from the top, group by group, a blank row between groups
		y = n + ng - 1; tics = ""; clamped = 0; nm = 0; floormarks = 0
		for (g = 1; g <= ng; g++) {
			title[g] = gname[g] == "floors" ? "floors, measured on their own" : gname[g]
			col[g] = color(gname[g] == "floors" ? "floor" : gname[g])
			for (i = 1; i <= n; i++) {
				if (rg[i] != g) continue
				m = rm[i]; l = rlo[i]; h = rhi[i]
				if (m <= 0) {
					m = lo; clamped++
					printf "%s\t%s\n", m, y >(d "/clamped.tsv")
				}
				if (l == "" || l <= 0 || l > m) l = l != "" && l > m ? m : lo
				if (h == "" || h < m) h = m
				fl = rfl[i] != "" && rfl[i] > 0 ? rfl[i] : ""
				if (fl != "") floormarks++
				printf "%s\t%s\t%s\t%s\t%s\n", y, m, l, h, field(fl) >(d "/rows.tsv")
				if (rxf[i] != "") {
					nm++
					printf "%s\t%s\t%s\n", (fl == "" || h > fl ? h : fl) * 1.3, y,
					       times(rxf[i]) " its floor" >(d "/marks.tsv")
				}
				tics = tics (tics == "" ? "" : ", ") ticlabel(rl[i]) " " y
				y--
			}
			printf "\n\n" >(d "/rows.tsv")
			y--
		}
		setup = d "/setup.gp"
		print "nseries = " ng >setup
		print garray("names", title, ng) >setup
		print garray("colors", col, ng) >setup
		print "floors_series = " ("floors" in gi ? ng : 0) >setup
		print "has_marks = " (nm > 0) "; has_floor_marks = " (floormarks > 0) >setup
		print "xmin = " lo "; xmax = " hi >setup
		print "ymax = " (n + ng - 1) >setup
		print "height = " int(170 + 24 * (n + ng)) >setup
		print "clamp = " lo "; nclamped = " clamped >setup
		print ns_tics(lo, hi) >setup
		print "set ytics (" tics ")" >setup
	}' "$DIR/cost_per_event.csv" "$floors"
}

# ---- overhead_vs_rate: overhead % against events per second, a line per technique/target ------

# rates_data: TMP/overhead_vs_rate/{series.tsv,clamped.tsv,setup.gp} from rates_summary.csv
rates_data()
{
	local d=$TMP/overhead_vs_rate
	mkdir -p "$d"
	awk -v d="$d" "$CSV_AWK$AWK_PLOT"'
	FNR == 1 { csv_header($0); next }
	{
		csv_split($0, f)
		if (!ok(f)) next
		x = num(csv_get(f, "events_per_s"), 0); m = num(csv_get(f, "median_overhead_pct"), "")
		if (m == "" || x <= 0) next
		s = csv_get(f, "technique") "/" csv_get(f, "target")
		if (!(s in si)) {
			si[s] = ++ns; sname[ns] = s; tech[ns] = csv_get(f, "technique")
			target[ns] = csv_get(f, "target")
		}
		k = si[s]; i = ++np[k]
		px[k, i] = x; pm[k, i] = m
		plo[k, i] = num(csv_get(f, "p25_overhead_pct"), "")
		phi[k, i] = num(csv_get(f, "p75_overhead_pct"), "")
		if (m > 0 && (vmin == "" || m < vmin)) vmin = m
		if (plo[k, i] != "" && plo[k, i] > 0 && (vmin == "" || plo[k, i] < vmin)) vmin = plo[k, i]
	}
	END {
		if (!ns) exit 3
		# overheads at or below 0 cannot sit on a log axis: drawn a decade below the least above 0
		clamp = vmin == "" ? 0.01 : decade(vmin, 0) / 10
		clamped = 0
		for (k = 1; k <= ns; k++) {
			col[k] = color(tech[k])
			t = target[k]
			dash[k] = t == "every" ? 1 : t == "one" ? 2 : t == "sampled" ? 3 : t == "idle" ? 4 : 5
			series_out(k, px, pm, plo, phi, np)
		}
		setup = d "/setup.gp"
		series_setup(setup, ns, sname, col, dash)
		lo = decade(clamp, 0); hi = decade(ymax > 1 ? ymax : 1, 1)
		print "ymin = " lo "; ymax = " hi >setup
		print pct_tics("y", lo, hi) >setup
	}' "$DIR/rates_summary.csv"
}

# ---- precision: profile TVD against samples, latency error, completeness, argument fidelity ----

# precision_data: TMP/precision/{tvd,latency,completeness,arg_fidelity}.tsv, the x tics of the
# latency and completeness panels, and setup.gp, from precision_summary.csv
precision_data()
{
	local d=$TMP/precision
	mkdir -p "$d"
	awk -v d="$d" "$CSV_AWK$AWK_PLOT"'
	FNR == 1 { csv_header($0); next }
	{
		csv_split($0, f)
		if (!ok(f)) next
		kind = csv_get(f, "kind"); v = num(csv_get(f, "median_value"), "")
		if (v == "") next
		t = csv_get(f, "technique"); name = t (csv_get(f, "mode") == "" ? "" : "/" csv_get(f, "mode"))
		lo = num(csv_get(f, "p25_value"), v); hi = num(csv_get(f, "p75_value"), v)
		if (kind == "profile_tvd") {
			x = num(csv_get(f, "median_samples"), 0)
			if (x <= 0) next
			if (!(name in ti)) {
				ti[name] = ++nt; tname[nt] = name; tcol[nt] = color(t); tpt[nt] = ptype(t)
			}
			k = ti[name]; i = ++np[k]
			px[k, i] = x; pv[k, i] = v; plo[k, i] = lo; phi[k, i] = hi
		} else if (kind == "latency_error") {
			# drawn as |error| on a log axis, an open marker when measured below the truth
			nl++; m = csv_get(f, "method")
			lv[nl] = v; llo[nl] = lo; lhi[nl] = hi; lcol[nl] = rgb(color(t))
			ltics = ltics (ltics == "" ? "" : ", ") ticlabel(name (m == "" ? "" : " " m)) " " nl
			u = csv_get(f, "unit")
			if (unit == "") unit = u
			else if (u != unit && index(unit, u) == 0) unit = unit ", " u
			for (i = 0; i < 3; i++) {
				a = i == 0 ? v : i == 1 ? lo : hi; a = a < 0 ? -a : a
				if (a > 0 && (latmin == "" || a < latmin)) latmin = a
			}
		} else if (kind == "completeness" || kind == "arg_fidelity") {
			if (!(name in ci)) {
				ci[name] = ++nc
				ctics = ctics (ctics == "" ? "" : ", ") ticlabel(name) " " nc
			}
			nk[kind]++
			printf "%s\t%s\t%s\t%s\n", ci[name] + (kind == "completeness" ? -0.1 : 0.1), v, lo,
			       hi >(d "/" kind ".tsv")
			if (seenmin == "" || lo < seenmin) seenmin = lo
		}
	}
	END {
		if (!nt && !nl && !nc) exit 3
		for (k = 1; k <= nt; k++) {
			sort_by(px, k, np[k])
			for (i = 1; i <= np[k]; i++) {
				p = ord[i]
				printf "%s\t%s\t%s\t%s\n", px[k, p], pv[k, p], plo[k, p], phi[k, p] >(d "/tvd.tsv")
			}
			printf "\n\n" >(d "/tvd.tsv")
		}
		latclamp = latmin == "" ? 0.01 : decade(latmin, 0) / 10
		for (i = 1; i <= nl; i++) {
			v = lv[i] < 0 ? -lv[i] : lv[i]; a = llo[i] < 0 ? -llo[i] : llo[i]
			b = lhi[i] < 0 ? -lhi[i] : lhi[i]
			lo = llo[i] < 0 && lhi[i] > 0 ? 0 : a < b ? a : b; hi = a < b ? b : a
			if (v < lo) lo = v
			if (v > hi) hi = v
			printf "%d\t%s\t%s\t%s\t%d\t%d\n", i, (v > 0 ? v : latclamp),
			       (lo > 0 ? lo : latclamp), (hi > 0 ? hi : latclamp), lcol[i],
			       (lv[i] < 0) >(d "/latency.tsv")
		}
		if (nl) print "set xtics (" ltics ")" >(d "/latency_tics.gp")
		if (nc) print "set xtics (" ctics ")" >(d "/seen_tics.gp")
		setup = d "/setup.gp"
		print "has_tvd = " (nt > 0) "; has_latency = " (nl > 0) "; has_seen = " (nc > 0) >setup
		print "has_completeness = " (nk["completeness"] > 0) "; has_arg = " (nk["arg_fidelity"] > 0) >setup
		print "panels = " ((nt > 0) + (nl > 0) + (nc > 0)) >setup
		print "nseries = " nt >setup
		print garray("names", tname, nt) >setup
		print garray("colors", tcol, nt) >setup
		s = ""
		for (k = 1; k <= nt; k++) s = s (k > 1 ? ", " : "") tpt[k]
		print "array ptypes[" (nt ? nt : 1) "] = [" (nt ? s : 7) "]" >setup
		print "nlat = " nl "; latency_clamp = " latclamp >setup
		print "latency_unit = " str(unit == "" ? "unit not given" : unit == "pct" ? "%" : unit) >setup
		print "nseen = " nc "; seenmin = " (seenmin == "" ? 0 : seenmin) >setup
	}' "$DIR/precision_summary.csv"
}

# ---- frontier: overhead against precision, a point per technique/mode (and rate) --------------

# frontier_data: TMP/frontier/{points.tsv,clamped.tsv,setup.gp} from precision_summary.csv
frontier_data()
{
	local d=$TMP/frontier
	mkdir -p "$d"
	awk -v d="$d" "$CSV_AWK$AWK_PLOT"'
	FNR == 1 { csv_header($0); next }
	{
		csv_split($0, f)
		if (!ok(f)) next
		kind = csv_get(f, "kind")
		if (kind != "completeness" && kind != "profile_tvd") next
		v = num(csv_get(f, "median_value"), ""); o = num(csv_get(f, "median_overhead_pct"), "")
		if (v == "" || o == "") next
		lo = num(csv_get(f, "p25_value"), v); hi = num(csv_get(f, "p75_value"), v)
		# a sampler: precision is 1 - TVD, so the p75 of its TVD is the low end
		if (kind == "profile_tvd") { v = 1 - v; t = 1 - hi; hi = 1 - lo; lo = t }
		t = csv_get(f, "technique"); name = t (csv_get(f, "mode") == "" ? "" : "/" csv_get(f, "mode"))
		if (!(name in si)) { si[name] = ++ns; sname[ns] = name; col[ns] = color(t); spt[ns] = ptype(t) }
		k = si[name]; i = ++np[k]
		px[k, i] = o; pxl[k, i] = num(csv_get(f, "p25_overhead_pct"), o)
		pxh[k, i] = num(csv_get(f, "p75_overhead_pct"), o)
		py[k, i] = v; pyl[k, i] = lo; pyh[k, i] = hi
		r = num(csv_get(f, "rate_hz"), 0)
		plab[k, i] = r > 0 ? r " Hz" : ""; prate[k, i] = r
		if (o > 0 && (vmin == "" || o < vmin)) vmin = o
		if (pxl[k, i] > 0 && (vmin == "" || pxl[k, i] < vmin)) vmin = pxl[k, i]
	}
	END {
		if (!ns) exit 3
		clamp = vmin == "" ? 0.01 : decade(vmin, 0) / 10
		clamped = 0
		for (k = 1; k <= ns; k++) {
			# a sampler'"'"'s points in order of rate: the line is its sweep
			sort_by(prate, k, np[k])
			for (i = 1; i <= np[k]; i++) {
				p = ord[i]; x = px[k, p]; l = pxl[k, p]; h = pxh[k, p]
				if (x <= 0) {
					x = clamp; clamped++
					printf "%s\t%s\n", x, py[k, p] >(d "/clamped.tsv")
				}
				if (l <= 0 || l > x) l = l > x ? x : clamp
				if (h < x) h = x
				if (h > xmax) xmax = h
				printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x, py[k, p], l, h, pyl[k, p], pyh[k, p],
				       field(plab[k, p]) >(d "/points.tsv")
			}
			printf "\n\n" >(d "/points.tsv")
		}
		setup = d "/setup.gp"
		print "nseries = " ns >setup
		print garray("names", sname, ns) >setup
		print garray("colors", col, ns) >setup
		s = ""
		for (k = 1; k <= ns; k++) s = s (k > 1 ? ", " : "") spt[k]
		print "array ptypes[" ns "] = [" s "]" >setup
		print "clamp = " clamp "; nclamped = " clamped >setup
		lo = decade(clamp, 0); hi = decade(xmax > 1 ? xmax : 1, 1)
		print "xmin = " lo "; xmax = " hi >setup
		print pct_tics("x", lo, hi) >setup
	}' "$DIR/precision_summary.csv"
}

# ---- draw what there is ------------------------------------------------------------------------

failed=0
# plot NAME CSV DATAFN: draws NAME from DIR/CSV if it exists and DATAFN finds rows to draw
plot()
{
	local name=$1 csv=$2 fn=$3
	if [ ! -f "$DIR/$csv" ]; then
		note "$name not drawn: $DIR/$csv is absent"
	elif "$fn"; then
		draw "$name" || failed=1
	elif [ $? = 3 ]; then
		note "$name not drawn: $DIR/$csv has no row with status ok to draw"
	else
		note "$name not drawn: reading $DIR/$csv failed (above)"
		failed=1
	fi
}
plot cost_per_event cost_per_event.csv cost_data
[ -f "$DIR/cost_per_event.csv" ] && [ ! -f "$DIR/floors_summary.csv" ] &&
	note "cost_per_event drawn without the floors measured alone: $DIR/floors_summary.csv is absent"
plot overhead_vs_rate rates_summary.csv rates_data
plot precision precision_summary.csv precision_data
plot frontier precision_summary.csv frontier_data
# The plots of the sections in files of their own: harness/plot_NAME.sh defines NAME_plots, which
# calls plot (above) for each of the section's plots.
for name in peers threads attach placement; do
	# shellcheck source=/dev/null
	. "$HARNESS/plot_$name.sh"
	"${name}_plots"
done
exit "$failed"
