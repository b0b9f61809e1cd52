#!/usr/bin/env bash
# bench_plot.t - harness/plot.sh on hand-made results folders (tests/data/bench): every plot drawn
# as SVG and PNG, rows not ok left out, quoted commas read right, absent CSVs and bad folders said
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench_lib.sh"

PLOT=$REPO/harness/plot.sh
FIXTURE=$TESTS_DIR/data/bench
PLOTS="cost_per_event overhead_vs_rate precision frontier peers threads attach placement"

command -v gnuplot >/dev/null || skip_all "gnuplot is not installed (./setup.sh installs it)"

# The fixtures have exactly the columns results/README.md documents for those files.
for f in "$FIXTURE"/*.csv; do
	name=$(basename "$f")
	is "$(csv_columns "$f" | tr '\n' ' ')" "$(doc_columns "$name" | tr '\n' ' ')" \
		"fixture $name: the columns of results/README.md"
done

# png_size FILE: "WIDTHxHEIGHT" from the PNG header, or why it is not a PNG
png_size()
{
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "not a PNG"; return; }
	od -An -tu1 -j 16 -N 8 "$1" | awk '{ printf "%dx%d", $3 * 256 + $4, $7 * 256 + $8 }'
}

# svg_ok FILE: an SVG document, whole
svg_ok() { head -c 300 "$1" | grep -q '<svg' && tail -c 20 "$1" | grep -q '</svg>'; }

d=$TEST_TMP/all
cp -r "$FIXTURE" "$d"
"$PLOT" "$d" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "plot.sh draws the fixture folder"
is "$(cat "$TEST_TMP/out" "$TEST_TMP/err")" "" "plot.sh says nothing when every CSV is there"
for p in $PLOTS; do
	svg_ok "$d/$p.svg"
	ok $? "$p.svg is an SVG document"
	size=$(png_size "$d/$p.png")
	[[ $size =~ ^[0-9]+x[0-9]+$ ]] && [ "${size%x*}" -ge 800 ] && [ "${size#*x}" -ge 400 ]
	ok $? "$p.png is a PNG, at least 800x400 ($size)"
done

# The sections in files of their own: skipped rows left out, the others drawn
grep -q 'gdb-break (peer)' "$d/peers.svg" && ! grep -qi 'ltrace' "$d/peers.svg"
ok $? "peers: the ok rows drawn, the skipped one (ltrace) left out"
grep -q 'ptrace/break (-p)' "$d/attach.svg" && ! grep -q 'vm_readv' "$d/attach.svg"
ok $? "attach: the ok rows drawn, the skipped one (vm_readv) left out"

# Rows whose status is not ok are left out; the ok rows are in, named.
grep -q 'tb-ptrace break same-cpu' "$d/cost_per_event.svg" &&
	grep -q 'tracefunc tb-tracefunc count: call' "$d/cost_per_event.svg"
ok $? "cost_per_event: the ok rows are drawn, labelled technique variant: event"
! grep -q 'tb-ptrace syscall\|uftrace record' "$d/cost_per_event.svg"
ok $? "cost_per_event: the failed and the skipped row are left out"
grep -q 'tb-ptrace sample' "$d/cost_per_event.svg"
ok $? "cost_per_event: a row some of whose runs failed is drawn from the rest (its median)"
grep -q 'ptrace_stop\|ptrace stop (cross-cpu)' "$d/cost_per_event.svg" &&
	! grep -q 'perf uprobe' "$d/cost_per_event.svg"
ok $? "cost_per_event: the floors measured alone are drawn, the skipped one is not"
grep -q '23.2x its floor' "$d/cost_per_event.svg" && grep -q '0.23x its floor' "$d/cost_per_event.svg"
ok $? "cost_per_event: each row says how many floors it costs"
grep -q 'drawn at' "$d/cost_per_event.svg"
ok $? "cost_per_event: a median at or below 0 is drawn clamped, and the title says so"
grep -q '1 µs' "$d/cost_per_event.svg" && grep -q 'lower is better' "$d/cost_per_event.svg"
ok $? "cost_per_event: the axis is labelled in ns and µs, the title says lower is better"
grep -q 'tracefunc/every' "$d/overhead_vs_rate.svg" && grep -q 'usdt/idle' "$d/overhead_vs_rate.svg"
ok $? "overhead_vs_rate: a line per technique/target, the one with a failed row too"
grep -q 'overhead at or below 0 %, drawn at' "$d/overhead_vs_rate.svg"
ok $? "overhead_vs_rate: overheads at or below 0 are clamped, and the key says so"
grep -q 'events per second' "$d/overhead_vs_rate.svg" && grep -q 'lower is better' "$d/overhead_vs_rate.svg"
ok $? "overhead_vs_rate: axes with units, lower is better"
grep -q 'usdt/count' "$d/frontier.svg"
ok $? "frontier: a row whose method field holds a quoted comma is read, not dropped"
! grep -q 'ptrace/sample' "$d/frontier.svg" "$d/precision.svg"
ok $? "precision and frontier: the skipped row is left out"
for title in 'total variation distance' 'observer effect' 'argument sum is exact'; do
	grep -q "$title" "$d/precision.svg"
	ok $? "precision: a panel on '$title'"
done
grep -q 'method_hook/latency query-short' "$d/precision.svg"
ok $? "precision: a latency row is named technique/mode method"
grep -q 'up and to the left' "$d/frontier.svg" && grep -q '2500 Hz' "$d/frontier.svg"
ok $? "frontier: says which way is better, labels the samplers' rates"

# Plots are redrawn over old ones.
touch -d '2000-01-01' "$d"/*.svg
"$PLOT" "$d" 2>/dev/null && [ -z "$(find "$d" -name '*.svg' ! -newer "$d/env.txt")" ]
ok $? "plot.sh draws again over the plots already there"

# Without the optional method column of precision_summary.csv, and columns found by name.
d=$TEST_TMP/nomethod
cp -r "$FIXTURE" "$d"
awk "$CSV_AWK"'{ n = csv_split($0, f); s = ""
	for (i = 1; i <= n; i++) if (i != 15) s = s (s == "" ? "" : ",") (f[i] ~ /[, ]/ ? "\"" f[i] "\"" : f[i])
	print s }' "$FIXTURE/precision_summary.csv" >"$d/precision_summary.csv"
head -n 1 "$d/precision_summary.csv" | grep -q ',unit,median_overhead_pct,p25_overhead_pct,p75_overhead_pct,status,' &&
	"$PLOT" "$d" 2>/dev/null && svg_ok "$d/precision.svg" && grep -q 'usdt/hist' "$d/precision.svg"
ok $? "precision_summary.csv without its method column: still drawn"

# Absent CSVs: each missing plot is one line on stderr, the rest drawn, exit 0.
d=$TEST_TMP/part
cp -r "$FIXTURE" "$d"
rm "$d/rates_summary.csv" "$d/floors_summary.csv" "$d/precision_summary.csv"
"$PLOT" "$d" 2>"$TEST_TMP/err"
ok $? "plot.sh exits 0 when some CSVs are absent"
is "$(grep -c 'not drawn' "$TEST_TMP/err")" 3 "one line per plot not drawn"
grep -q "overhead_vs_rate not drawn: .*rates_summary.csv is absent" "$TEST_TMP/err" &&
	grep -q "drawn without the floors measured alone: .*floors_summary.csv is absent" "$TEST_TMP/err"
ok $? "the lines name the absent CSV (and the floors' absence)"
[ -s "$d/cost_per_event.svg" ] && [ ! -e "$d/overhead_vs_rate.svg" ] && [ ! -e "$d/frontier.png" ]
ok $? "cost_per_event drawn without the floors; nothing for the absent CSVs"

# A CSV with no row to draw: said, not drawn.
d=$TEST_TMP/notok
mkdir "$d"
cp "$FIXTURE/env.txt" "$d"
head -n 1 "$FIXTURE/rates_summary.csv" >"$d/rates_summary.csv"
grep ',failed: \|skipped: ' "$FIXTURE/rates_summary.csv" >>"$d/rates_summary.csv"
"$PLOT" "$d" 2>"$TEST_TMP/err"
ok $? "plot.sh exits 0 on a CSV with no row with status ok"
grep -q 'overhead_vs_rate not drawn: .*no row with status ok' "$TEST_TMP/err" &&
	[ ! -e "$d/overhead_vs_rate.svg" ]
ok $? "... and says so, drawing nothing"

# gnuplot failing is a failure, with its message.
mkdir -p "$TEST_TMP/bin"
printf '#!/bin/sh\necho "fake gnuplot: line 1: no such terminal" >&2\nexit 1\n' >"$TEST_TMP/bin/gnuplot"
chmod +x "$TEST_TMP/bin/gnuplot"
d=$TEST_TMP/fail
cp -r "$FIXTURE" "$d"
PATH=$TEST_TMP/bin:$PATH "$PLOT" "$d" 2>"$TEST_TMP/err"
[ $? -eq 1 ] && grep -q 'gnuplot failed: .*no such terminal' "$TEST_TMP/err"
ok $? "a gnuplot that fails: exit 1, its message on stderr"

# Not a results folder: one line, exit 1.
mkdir "$TEST_TMP/empty"
rejected "a folder without env.txt" "not a results folder" "$PLOT" "$TEST_TMP/empty"
rejected "a folder that does not exist" "no such folder" "$PLOT" "$TEST_TMP/nothing"
rejected "no folder given" "usage" "$PLOT"
make -s -C "$REPO" plot DIR="$TEST_TMP/empty" >/dev/null 2>"$TEST_TMP/err"
[ $? -ne 0 ] && grep -q '^plot.sh: .*not a results folder' "$TEST_TMP/err"
ok $? "make plot DIR=<not a results folder> fails with plot.sh's line"

done_testing
