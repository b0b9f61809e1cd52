#!/usr/bin/env bash
# usdt.t - tb-usdt: listing, exact counts, argument values, histograms, ring-buffer losses, nop5
. "$(dirname "$0")/lib.sh"
TB=$OUT/tb-usdt
W=$OUT/workload-usdt
W5=$OUT/workload-usdt5

[ "$(id -u)" = 0 ] || skip_all "tb-usdt needs root (CAP_BPF and CAP_PERFMON)"
"$TB" --check >"$TEST_TMP/check" || skip_all "$(cat "$TEST_TMP/check")"

# ---- listing ----------------------------------------------------------------------------------

"$TB" -l "$W" >"$TEST_TMP/list"
ok $? "-l FILE exits 0"
for p in method_entry method_return request_start request_done loop_probe loop_guarded; do
	grep -q "^tracebench:$p " "$TEST_TMP/list"
	ok $? "-l lists tracebench:$p"
done
# Every site readelf sees, at the same address: an independent reader of the same notes.
readelf -n "$W" | awk '/Location:/ { sub(",", "", $2); print $2 }' | while read -r a; do
	printf '0x%x\n' "$a"
done | sort >"$TEST_TMP/sites.readelf"
awk 'NR > 1 { print $2 }' "$TEST_TMP/list" | sort >"$TEST_TMP/sites.ours"
[ -s "$TEST_TMP/sites.ours" ] && cmp -s "$TEST_TMP/sites.readelf" "$TEST_TMP/sites.ours"
ok $? "-l lists every probe site at the address readelf -n gives ($(wc -l <"$TEST_TMP/sites.ours") sites)"
is "$(grep -c '^tracebench:loop_guarded .* 2  8@' "$TEST_TMP/list")" 1 \
	"-l shows the semaphore and argument specs (loop_guarded: 2 arguments)"
"$TB" -l "$W" 'tracebench:request_*' | awk 'NR > 1 { print $1 }' | sort -u | tr '\n' ' ' \
	>"$TEST_TMP/pattern"
is "$(cat "$TEST_TMP/pattern")" "tracebench:request_done tracebench:request_start " \
	"-l FILE PATTERN lists only the probes that match"

# ---- exact counts: four probes at once, by -- ---------------------------------------------------

# check_counts RESULT TRUTH NAME: the four request probes counted exactly, nothing lost
check_counts()
{
	local calls requests
	calls=$(json_field "$2" method_calls)
	requests=$(json_field "$2" requests)
	is "$(json_field "$1" counts.tracebench:method_entry counts.tracebench:method_return \
		counts.tracebench:request_start counts.tracebench:request_done lost | tr '\n' ' ')" \
		"$calls $calls $requests $requests 0 " "$3: entry, return, start, done = truth; lost 0"
}

PROBES="tracebench:method_entry tracebench:method_return tracebench:request_start
	tracebench:request_done"
for threads in 1 2 4; do
	for scale in 0 1; do
		# shellcheck disable=SC2086
		"$TB" -q -o "$TEST_TMP/r.json" $PROBES -- "$W" -q -r 3000 -t "$threads" -s "$scale" \
			-o "$TEST_TMP/t.json" >/dev/null
		ok $? "-- workload -t $threads -s $scale: exit 0"
		check_counts "$TEST_TMP/r.json" "$TEST_TMP/t.json" "-- -t $threads -s $scale"
	done
done

# ---- exact counts by -p: the workload waits on a FIFO until tb-usdt has attached ----------------

# start_gated ARGS...: starts the workload held at a FIFO gate; sets WPID
start_gated()
{
	rm -f "$TEST_TMP/gate"
	mkfifo "$TEST_TMP/gate"
	"$@" -g 3 3<>"$TEST_TMP/gate" &
	WPID=$!
}

for threads in 1 4; do
	start_gated "$W" -q -r 3000 -t "$threads" -s 0 -o "$TEST_TMP/t.json"
	# shellcheck disable=SC2086
	"$TB" -p "$WPID" -o "$TEST_TMP/r.json" $PROBES >/dev/null 2>"$TEST_TMP/err" &
	tpid=$!
	wait_for "$TEST_TMP/err" "tracing 4 probes"
	ok $? "-p: tb-usdt says it is tracing"
	printf g >"$TEST_TMP/gate"
	wait "$WPID"
	ok $? "-p -t $threads: the workload exits 0"
	wait "$tpid"
	ok $? "-p -t $threads: tb-usdt exits 0 when the process it traces ends (no -d)"
	check_counts "$TEST_TMP/r.json" "$TEST_TMP/t.json" "-p -t $threads"
done

# ---- argument values: counts and sums per method id equal the truth's --------------------------

"$TB" -q -a 0 -s 1 -o "$TEST_TMP/r.json" tracebench:method_entry tracebench:method_return -- \
	"$W" -q -r 2000 -t 2 -o "$TEST_TMP/t.json" >/dev/null
ok $? "-a 0 -s 1: exit 0"
for m in $(json_field "$TEST_TMP/t.json" methods); do
	id=$(json_field "$TEST_TMP/t.json" "methods.$m.id")
	calls=$(json_field "$TEST_TMP/t.json" "methods.$m.calls")
	if [ "$calls" = 0 ]; then
		# Never called in a request run: no key, rather than a zero that looks measured.
		json_field "$TEST_TMP/r.json" "values.tracebench:method_entry.$id" 2>/dev/null
		[ $? = 1 ]
		ok $? "$m (arg0 = $id), never called: no value recorded"
		continue
	fi
	want="$(json_field "$TEST_TMP/t.json" "methods.$m.calls" "methods.$m.arg_sum" \
		"methods.$m.calls" "methods.$m.arg_sum" | tr '\n' ' ')"
	got="$(json_field "$TEST_TMP/r.json" "values.tracebench:method_entry.$id.count" \
		"values.tracebench:method_entry.$id.sum" "values.tracebench:method_return.$id.count" \
		"values.tracebench:method_return.$id.sum" 2>&1 | tr '\n' ' ')"
	is "$got" "$want" "$m (arg0 = $id): calls and argument checksum at entry and return = truth"
done

# ---- latency histograms: one pair per call, per method ------------------------------------------

"$TB" -a 0 -m hist -o "$TEST_TMP/r.json" tracebench:method_entry tracebench:method_return -- \
	"$W" -q -r 2000 -t 2 -o "$TEST_TMP/t.json" >"$TEST_TMP/hist.out" 2>"$TEST_TMP/hist.err"
ok $? "-m hist: exit 0"
grep -q "nsecs .*: count .*distribution" "$TEST_TMP/hist.out"
ok $? "-m hist prints BCC-style log2 histograms"
total=0
for m in $(json_field "$TEST_TMP/t.json" methods); do
	id=$(json_field "$TEST_TMP/t.json" "methods.$m.id")
	[ "$(json_field "$TEST_TMP/t.json" "methods.$m.calls")" = 0 ] && continue
	count=$(json_field "$TEST_TMP/r.json" "histograms.$id.count")
	is "$count" "$(json_field "$TEST_TMP/t.json" "methods.$m.calls")" "-m hist: $m has one pair per call"
	total=$((total + count))
done
is "$total" "$(json_field "$TEST_TMP/t.json" method_calls)" "-m hist: the histograms' total = method calls"
is "$(json_field "$TEST_TMP/r.json" counts.tracebench:method_return \
	probes.tracebench:method_return.unpaired lost | tr '\n' ' ')" "$total 0 0 " \
	"-m hist: the histograms' total = return hits; no unpaired return, nothing lost"
# The buckets of each histogram add up to its count.
sums_ok=0
for id in $(json_field "$TEST_TMP/r.json" histograms); do
	n=$(json_field "$TEST_TMP/r.json" "histograms.$id.buckets" | wc -w)
	sum=0
	for ((b = 0; b < n; b++)); do
		sum=$((sum + $(json_field "$TEST_TMP/r.json" "histograms.$id.buckets.$b.count")))
	done
	[ "$sum" = "$(json_field "$TEST_TMP/r.json" "histograms.$id.count")" ] || sums_ok=1
done
ok $sums_ok "-m hist: each histogram's buckets add up to its count"

# ---- ring buffer: a small one overflows, and every event is seen or counted lost ----------------

"$TB" -m stream -q -b 4096 -o "$TEST_TMP/r.json" tracebench:method_entry -- \
	"$W" -q -r 3000 -t 2 -s 0 -o "$TEST_TMP/t.json" >"$TEST_TMP/stream.out"
ok $? "-m stream -b 4096: exit 0"
seen=$(json_field "$TEST_TMP/r.json" counts.tracebench:method_entry)
lost=$(json_field "$TEST_TMP/r.json" lost)
[ "$lost" -gt 0 ]
ok $? "-m stream -b 4096: a 4 KiB ring buffer overflows and the drops are counted (lost $lost)"
is "$((seen + lost))" "$(json_field "$TEST_TMP/t.json" method_calls)" "-m stream: seen + lost = truth"
grep -q "^lost: $lost; ring buffer full: $lost$" "$TEST_TMP/stream.out"
ok $? "-m stream: the drops are printed in the summary"

"$TB" -m stream -o "$TEST_TMP/r.json" tracebench:request_done -- \
	"$W" -q -r 500 -t 1 -o "$TEST_TMP/t.json" >"$TEST_TMP/stream.out" 2>"$TEST_TMP/stream.err"
is "$(grep -c ' tracebench:request_done ' "$TEST_TMP/stream.out") $(json_field "$TEST_TMP/r.json" lost)" \
	"$(json_field "$TEST_TMP/t.json" requests) 0" "-m stream: one printed event per request, none lost"
awk '$5 == "tracebench:request_done" { print $6 }' "$TEST_TMP/stream.out" | sort -n | uniq |
	awk '$1 != NR - 1 { bad = 1 } END { exit bad || NR != 500 }'
ok $? "-m stream: the events carry the request ids 0..499, each once"

# ---- nop5: the optimised path, and the program computes what it computes untraced ---------------

"$W5" -q -r 3000 -t 2 -o "$TEST_TMP/base5.json"
truth_counts "$TEST_TMP/base5.json" >"$TEST_TMP/base5.counts"
# shellcheck disable=SC2086
"$TB" -q -o "$TEST_TMP/r.json" $PROBES -- "$W5" -q -r 3000 -t 2 -o "$TEST_TMP/t.json" >/dev/null
ok $? "workload-usdt5 traced: exit 0"
check_counts "$TEST_TMP/r.json" "$TEST_TMP/t.json" "workload-usdt5"
truth_counts "$TEST_TMP/t.json" | cmp -s "$TEST_TMP/base5.counts" -
ok $? "workload-usdt5 traced: same counts, checksums and result as untraced"

"$TB" -q -o "$TEST_TMP/r.json" tracebench:loop_probe -- "$W5" -q -L 2000000 -k probe \
	-o "$TEST_TMP/t.json" >/dev/null
"$OUT/tests/uprobe_count" tracebench:loop_probe -- "$W5" -q -L 2000000 -k probe \
	-o "$TEST_TMP/witness.json" >"$TEST_TMP/witness.out" 2>&1
if tail -n 1 "$TEST_TMP/witness.out" | grep -q "trampoline=yes"; then
	is "$(json_field "$TEST_TMP/r.json" probes.tracebench:loop_probe.sites_optimised \
		uprobes_trampoline | tr '\n' ' ')" "1 true " \
		"nop5: the site took the optimised path, and tb-usdt reports it"
else
	skip "this kernel does not optimise uprobes on 5-byte nops" "nop5: optimised path reported"
fi
is "$(json_field "$TEST_TMP/r.json" counts.tracebench:loop_probe)" 2000000 "nop5: every hit counted"
"$TB" -q -o "$TEST_TMP/r.json" tracebench:loop_probe -- "$W" -q -L 300000 -k probe \
	-o "$TEST_TMP/t.json" >/dev/null
is "$(json_field "$TEST_TMP/r.json" probes.tracebench:loop_probe.sites_int3 \
	probes.tracebench:loop_probe.sites_optimised | tr '\n' ' ')" "1 0 " \
	"nop1: the site is an int3, and tb-usdt says so"

done_testing
