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
# System calls dominate at scale 0 and their cost wanders on a shared VM: median of 3 runs.
for config in "0 50000" "1 20000" "20 3000" "100 400"; do
	set -- $config
	ratios=
	for run in 1 2 3; do
		"$OUT/workload" -q -t 1 -s "$1" -r "$2" -c -o "$TEST_TMP/c$1.json"
		ratios="$ratios $(accounted "$TEST_TMP/c$1.json")"
	done
	ratio=$(tr ' ' '\n' <<<"$ratios" | sed '/^$/d' | sort -n | sed -n 2p)
	awk -v r="$ratio" 'BEGIN { exit !(r >= 0.7 && r <= 1.3) }'
	ok $? "scale $1: calibrated self time is $ratio of the measured CPU time (median of$ratios; 0.7 to 1.3)"
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
