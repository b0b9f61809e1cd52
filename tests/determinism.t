#!/usr/bin/env bash
# determinism.t - every build variant, given the same options, does exactly the same work
. "$(dirname "$0")/lib.sh"

VARIANTS="workload workload-usdt workload-usdt5 workload-finstrument"
# requests threads scale
CONFIGS="1000 1 1
1200 3 0
333 4 2.5"

while read -r requests threads scale; do
	ref=
	for v in $VARIANTS; do
		truth=$TEST_TMP/$v-$requests-$threads.json
		"$OUT/$v" -q -r "$requests" -t "$threads" -s "$scale" -o "$truth"
		ok $? "$v -r $requests -t $threads -s $scale runs"
		truth_counts "$truth" >"$truth.counts"
		if [ -z "$ref" ]; then
			ref=$truth.counts
			# The call tree has 34 method calls per request.
			is "$(json_field "$truth" method_calls)" "$((34 * requests))" \
				"$v: 34 method calls per request"
			is "$(json_field "$truth" requests)" "$requests" "$v: every request handled"
		else
			cmp -s "$ref" "$truth.counts"
			ok $? "$v: same counts, checksums and result as workload"
		fi
	done
done <<<"$CONFIGS"

# A second run of the same variant gives the same result too (no dependence on timing).
"$OUT/workload" -q -r 1000 -t 2 -o "$TEST_TMP/a.json" &&
	"$OUT/workload" -q -r 1000 -t 2 -o "$TEST_TMP/b.json" &&
	cmp -s <(truth_counts "$TEST_TMP/a.json") <(truth_counts "$TEST_TMP/b.json")
ok $? "two runs with 2 threads agree"

# A different scale changes the self work, but not the calls or argument checksums.
calls_and_args()
{
	local m
	for m in $(json_field "$1" methods); do
		json_field "$1" "methods.$m.calls"
		json_field "$1" "methods.$m.arg_sum"
	done
}
"$OUT/workload" -q -r 1000 -s 3 -o "$TEST_TMP/c.json" &&
	cmp -s <(calls_and_args "$TEST_TMP/a.json") <(calls_and_args "$TEST_TMP/c.json")
ok $? "the scale does not change calls or checksums"
# ... and the work is real: 100 times the units take far more CPU (about 60 times here).
"$OUT/workload" -q -r 300 -s 1 -o "$TEST_TMP/s1.json" &&
	"$OUT/workload" -q -r 300 -s 100 -o "$TEST_TMP/s100.json"
ok $? "runs at scale 1 and 100"
ratio=$(($(json_field "$TEST_TMP/s100.json" hot_cpu_ns) / $(json_field "$TEST_TMP/s1.json" hot_cpu_ns)))
[ "$ratio" -ge 10 ]
ok $? "scale 100 takes at least 10 times the CPU of scale 1 (took $ratio times)"

# Duration mode runs for about as long as asked and still accounts for every call.
"$OUT/workload" -q -d 0.3 -t 2 -o "$TEST_TMP/d.json"
ok $? "-d 0.3 -t 2 runs"
wall=$(json_field "$TEST_TMP/d.json" hot_wall_ns)
req=$(json_field "$TEST_TMP/d.json" requests)
[ "$wall" -ge 300000000 ] && [ "$wall" -lt 1500000000 ]
ok $? "-d 0.3 runs 0.3 s to 1.5 s (ran $wall ns)"
is "$(json_field "$TEST_TMP/d.json" method_calls)" "$((34 * req))" "-d: 34 calls per handled request"

done_testing
