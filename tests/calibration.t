#!/usr/bin/env bash
# calibration.t - the calibrated self times account for the CPU time the run really took
. "$(dirname "$0")/lib.sh"

# sum of calls x self_ns_per_call over the methods, divided by the hot phase's CPU time
accounted()
{
	local m sum=0
	for m in $(json_field "$1" methods); do
		[ "$(json_field "$1" "methods.$m.calls")" = 0 ] && continue
		sum=$(awk -v a="$sum" -v b="$(json_field "$1" "methods.$m.self_ns")" 'BEGIN { print a + b }')
	done
	awk -v s="$sum" -v c="$(json_field "$1" hot_cpu_ns)" 'BEGIN { printf "%.3f", s / c }'
}

# One thread, so CPU time is the workload's own; scales from bookkeeping-bound to work-bound.
# System calls and timestamps dominate at low scales and their cost wanders on a shared VM:
# the median of 5 runs there, with wider bounds (leaving out the per-method bookkeeping
# would give 0.4 at scale 0 and 0.66 at scale 1, so the bounds still catch that).
# scale requests runs low high
for config in "0 50000 5 0.6 1.5" "1 20000 5 0.7 1.3" "20 3000 3 0.8 1.2" "100 400 3 0.8 1.2"; do
	set -- $config
	ratios=
	for run in $(seq 1 "$3"); do
		"$OUT/workload" -q -t 1 -s "$1" -r "$2" -c -o "$TEST_TMP/c$1.json"
		ratios="$ratios $(accounted "$TEST_TMP/c$1.json")"
	done
	ratio=$(tr ' ' '\n' <<<"$ratios" | sed '/^$/d' | sort -n | sed -n "$((($3 + 1) / 2))p")
	awk -v r="$ratio" -v lo="$4" -v hi="$5" 'BEGIN { exit !(r >= lo && r <= hi) }'
	ok $? "scale $1: calibrated self time is $ratio of the measured CPU time (median of$ratios; $4 to $5)"
done

# The short and the long method: query does 100 times escape's self work.
ratio=$(awk -v q="$(json_field "$TEST_TMP/c100.json" methods.query.self_ns_per_call)" \
	-v e="$(json_field "$TEST_TMP/c100.json" methods.escape.self_ns_per_call)" \
	'BEGIN { printf "%.1f", q / e }')
awk -v r="$ratio" 'BEGIN { exit !(r >= 50 && r <= 150) }'
ok $? "scale 100: query takes $ratio times as long as escape (50 to 150)"

# Shares sum to 1 and follow the work: at scale 100, query dominates.
share=$(json_field "$TEST_TMP/c100.json" methods.query.self_share)
awk -v s="$share" 'BEGIN { exit !(s > 0.5 && s < 0.9) }'
ok $? "scale 100: query's share is $share (0.5 to 0.9)"

done_testing
