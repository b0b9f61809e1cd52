#!/usr/bin/env bash
# bench_stats.t - the bench's statistics (harness/stats.awk) and CSV reader (harness/csv.awk) on
# vectors whose answers are worked out by hand below, under mawk and under gawk where installed
. "$(dirname "$0")/lib.sh"

HARNESS=$(dirname "$0")/../harness
STATS=$(cat "$HARNESS/stats.awk")
CSV=$(cat "$HARNESS/csv.awk")

# calc AWK PROGRAM: runs the BEGIN-only PROGRAM after stats.awk, as bench.sh does ("$AWK_STATS"...)
calc() { "$1" "$STATS"'
BEGIN { '"$2"' }' </dev/null 2>&1; }

awks=
for a in mawk gawk; do
	command -v "$a" >/dev/null && awks+=" $a"
done
[ -n "$awks" ] || awks="awk"
diag "awks:$awks (stats.awk must work under mawk, Debian's awk, and gawk)"

for a in $awks; do
	# quantile: position 1 + (n - 1) q in the sorted list, interpolated linearly
	is "$(calc "$a" 'for (i = 1; i <= 5; i++) l[i] = i
		printf "%s %s %s %s %s", quantile(l, 5, 0), quantile(l, 5, 0.25), quantile(l, 5, 0.5),
		       quantile(l, 5, 0.75), quantile(l, 5, 1)')" "1 2 3 4 5" \
		"$a: quantiles of 1..5 fall on the values"
	# 1..4: p25 at position 1.75 -> 1.75, the median at 2.5 -> 2.5, p75 at 3.25 -> 3.25
	is "$(calc "$a" 'for (i = 1; i <= 4; i++) l[i] = i
		printf "%s %s %s", quantile(l, 4, 0.25), quantile(l, 4, 0.5), quantile(l, 4, 0.75)')" \
		"1.75 2.5 3.25" "$a: quantiles of 1..4 interpolate between neighbours"
	# even list 10 2 7 4, sorted 2 4 7 10: p25 = 2 + 0.75 * 2 = 3.5, median = (4 + 7) / 2 = 5.5,
	# p75 = 7 + 0.25 * 3 = 7.75; and the caller's list keeps its order
	is "$(calc "$a" 'l[1] = 10; l[2] = 2; l[3] = 7; l[4] = 4
		printf "%s %s %s %s %s %s %s", quantile(l, 4, 0.25), median(l, 4), quantile(l, 4, 0.75),
		       l[1], l[2], l[3], l[4]')" "3.5 5.5 7.75 10 2 7 4" \
		"$a: an unsorted even list: p25, median, p75; the list left as it was"
	# odd list 9 1 5, sorted 1 5 9: p25 at 1.5 -> 3, median 5, p75 at 2.5 -> 7
	is "$(calc "$a" 'l[1] = 9; l[2] = 1; l[3] = 5
		printf "%s %s %s", quantile(l, 3, 0.25), median(l, 3), quantile(l, 3, 0.75)')" "3 5 7" \
		"$a: an odd list: p25, median, p75"
	is "$(calc "$a" 'l[1] = 42
		printf "%s %s %s %s", quantile(l, 1, 0), quantile(l, 1, 0.25), median(l, 1),
		       quantile(l, 1, 1)')" "42 42 42 42" "$a: one value is every quantile"
	is "$(calc "$a" 'printf "[%s] [%s]", quantile(l, 0, 0.5), median(l, 0)')" "[] []" \
		"$a: no values: an empty quantile, never 0"
	is "$(calc "$a" 'l[1] = -1.5; l[2] = 0.5; l[3] = -0.25
		printf "%s %s", median(l, 3), median(l, 2)')" "-0.25 -0.5" \
		"$a: negative and fractional values (median of 3, and of the first 2)"
	# median of 1..n is (n + 1) / 2
	is "$(calc "$a" 'for (n = 1; n <= 6; n++) { l[n] = n; printf "%s ", median(l, n) }')" \
		"1 1.5 2 2.5 3 3.5 " "$a: the median of 1..n for n = 1 to 6"
	# numbers that compare wrongly as strings ("10" < "9") are compared as numbers
	is "$(calc "$a" 'split("10 9 100", l, " "); printf "%s", median(l, 3)')" "10" \
		"$a: values from split() sort as numbers"
	# over_rounds: rounds 1, 2 and 4 of "x" (round 3 missing, round 5 beyond nround, "y" another
	# key): 4 8 6 -> sorted 4 6 8: median 6, p25 5, p75 7, three rounds; none: empty
	is "$(calc "$a" 'v["x", 1] = 4; v["x", 2] = 8; v["x", 4] = 6; v["x", 5] = 100; v["y", 1] = 50
		printf "%s %s %s %s ", over_rounds(v, "x", 4), q25, q75, nq
		printf "[%s] [%s] %s", over_rounds(v, "z", 4), q25, nq')" "6 5 7 3 [] [] 0" \
		"$a: over_rounds: the median and quartiles over the rounds present, and none"

	is "$(calc "$a" 'printf "%d%d%d%d%d%d%d%d", meets(1, "<=", 1), meets(1, "<", 1),
		meets(2, ">=", 2), meets(2, ">", 2), meets(0.5, "<", 1), meets(3, ">", 2),
		meets(1, "", 1), meets(1.1, "", 1)')" "10101110" \
		"$a: meets with <=, <, >=, > (and <= when none is given)"

	# paired_verdict: PASS if the quartile farther from the target meets it (p75 for <=), FAIL if
	# even the nearer one misses it. 1.04 0.92 1.08 1.0, sorted 0.92 1.0 1.04 1.08: p25 at 1.75 =
	# 0.92 + 0.75 * 0.08 = 0.98, median 1.02, p75 at 3.25 = 1.04 + 0.25 * 0.04 = 1.05 <= 1.1
	is "$(calc "$a" 'split("1.04 0.92 1.08 1.0", q, " ")
		v = paired_verdict(q, 4, "<=", 1.1); printf "%s %s %s %s", v, pm, p25, p75')" \
		"PASS 1.020 0.980 1.050" "$a: paired_verdict <= 1.1: PASS, with pm, p25, p75 set"
	# 1.2 1.3 1.4: p25 = 1.25 > 1.1
	is "$(calc "$a" 'split("1.2 1.3 1.4", q, " "); printf "%s", paired_verdict(q, 3, "<=", 1.1)')" \
		"FAIL" "$a: paired_verdict <= 1.1: FAIL when even p25 misses"
	# 1.0 1.1 1.2 1.3: p25 = 1.075 meets, p75 = 1.225 misses, median 1.15
	is "$(calc "$a" 'split("1.0 1.1 1.2 1.3", q, " "); printf "%s", paired_verdict(q, 4, "<=", 1.1)')" \
		"within noise: the paired median is 1.150" "$a: paired_verdict <= 1.1: within noise"
	# >= 3 looks at p25 first: 2.5 3.5 4 5 has p25 = 2.5 + 0.75 = 3.25
	is "$(calc "$a" 'split("2.5 3.5 4 5", q, " "); printf "%s", paired_verdict(q, 4, ">=", 3)')" \
		"PASS" "$a: paired_verdict >= 3: PASS on p25"
	# 1 2 2.5: p75 = 2.25 < 3
	is "$(calc "$a" 'split("1 2 2.5", q, " "); printf "%s", paired_verdict(q, 3, ">=", 3)')" \
		"FAIL" "$a: paired_verdict >= 3: FAIL when even p75 misses"
	# 2 3 4: p25 2.5 misses, p75 3.5 meets
	is "$(calc "$a" 'split("2 3 4", q, " "); printf "%s", paired_verdict(q, 3, ">=", 3)')" \
		"within noise: the paired median is 3.000" "$a: paired_verdict >= 3: within noise"
	# strict <: 0.5 1 1 has p25 0.75 < 1 but p75 1, not < 1
	is "$(calc "$a" 'split("0.5 1 1", q, " "); printf "%s", paired_verdict(q, 3, "<", 1)')" \
		"within noise: the paired median is 1.000" "$a: paired_verdict < 1 is strict"
	is "$(calc "$a" 'q[1] = 0.7; printf "%s", paired_verdict(q, 1, "<", 1)')" "PASS" \
		"$a: paired_verdict on one round"

	# tvd: 1/2 sum |p - q| over the union of names, each side normalised to sum 1
	is "$(calc "$a" 'p["a"] = 1; p["b"] = 1; q["a"] = 2; q["b"] = 2; printf "%.6f", tvd(p, q)')" \
		"0.000000" "$a: tvd of the same distribution (scaled) is 0"
	is "$(calc "$a" 'p["a"] = 1; q["b"] = 5; printf "%.6f", tvd(p, q)')" "1.000000" \
		"$a: tvd of disjoint distributions is 1"
	# {a .5, b .5} against {b .5, c .5}: (.5 + 0 + .5) / 2
	is "$(calc "$a" 'p["a"] = 0.5; p["b"] = 0.5; q["b"] = 0.5; q["c"] = 0.5
		printf "%.6f", tvd(p, q)')" "0.500000" "$a: tvd of half-overlapping distributions is 0.5"
	# {a 3, b 1} -> (.75, .25) against {a 1, b 1} -> (.5, .5): (.25 + .25) / 2
	is "$(calc "$a" 'p["a"] = 3; p["b"] = 1; q["a"] = 1; q["b"] = 1; printf "%.6f", tvd(p, q)')" \
		"0.250000" "$a: tvd normalises counts (3:1 against 1:1 is 0.25)"
	# {a 2, b 3, c 5} -> (.2, .3, .5, 0) against {a 5, b 3, d 2} -> (.5, .3, 0, .2):
	# (.3 + 0 + .5 + .2) / 2 = 0.5, either way round
	is "$(calc "$a" 'p["a"] = 2; p["b"] = 3; p["c"] = 5; q["a"] = 5; q["b"] = 3; q["d"] = 2
		printf "%.6f %.6f", tvd(p, q), tvd(q, p)')" "0.500000 0.500000" \
		"$a: tvd over the union of names, symmetric"
	# shares: {x .1, y .9} against {x .3, y .7}: (.2 + .2) / 2
	is "$(calc "$a" 'p["x"] = 0.1; p["y"] = 0.9; q["x"] = 0.3; q["y"] = 0.7
		printf "%.6f", tvd(p, q)')" "0.200000" "$a: tvd of two sets of shares"
	is "$(calc "$a" 'p["a"] = 1; q["a"] = 1; q["b"] = 1; tvd(p, q); tvd(q, p)
		for (k in p) np++; for (k in q) nq++; printf "%d %d", np, nq')" "1 2" \
		"$a: tvd adds no names to its arguments"
	is "$(calc "$a" 'q["a"] = 1; printf "%s", tvd(p, q)')" "-1" "$a: tvd of an empty p is -1"
	is "$(calc "$a" 'p["a"] = 1; q["a"] = 0; q["b"] = 0; printf "%s", tvd(p, q)')" "-1" \
		"$a: tvd of an all-zero q is -1"
	is "$(calc "$a" 'p["a"] = 2; p["b"] = -1; q["a"] = 1; printf "%s", tvd(p, q)')" "-1" \
		"$a: tvd with a negative weight is -1"
	# weights read from a file (strings that look like numbers) are numbers
	is "$(printf 'a 10\nb 30\n' | "$a" "$STATS"'
		{ p[$1] = $2 } END { q["a"] = 9; q["b"] = 1; printf "%.6f", tvd(p, q) }')" "0.650000" \
		"$a: tvd of fields read from input ({a .25, b .75} against {a .9, b .1})"

	# csv.awk: quoted fields with commas and quotes, empty fields, columns by name
	is "$(printf '%s\n' 'x,status,description' '1,ok,"a, b and ""c"""' ',"failed: 1, 2",' |
		"$a" "$CSV"'
		NR == 1 { n = csv_header($0); next }
		{ k = csv_split($0, f); printf "%d:%d:[%s][%s][%s]\n", n, k, csv_get(f, "x"),
		  csv_get(f, "status"), csv_get(f, "description") }' | tr '\n' ' ')" \
		'3:3:[1][ok][a, b and "c"] 3:3:[][failed: 1, 2][] ' \
		"$a: csv_split keeps commas and quotes inside quoted fields, and empty fields"
	is "$(printf 'a,b\n1,2\nb,c\n3,4\n' | "$a" "$CSV"'
		FNR == 1 || /^b/ { csv_header($0); next }
		{ csv_split($0, f); printf "[%s][%s][%s]", csv_get(f, "a"), csv_get(f, "b"),
		  csv_get(f, "c") }')" "[1][2][][][3][4]" \
		"$a: csv_header forgets the previous header's columns"
done

# bench.sh takes its statistics from stats.awk, nowhere else.
grep -q '^AWK_STATS=$(cat "$HARNESS/stats.awk")$' "$HARNESS/bench.sh"
ok $? "bench.sh reads AWK_STATS from harness/stats.awk"
! grep -q '^function quantile' "$HARNESS/bench.sh" "$HARNESS"/bench_*.sh
ok $? "no other copy of quantile in the bench's scripts"

done_testing
