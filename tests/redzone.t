#!/usr/bin/env bash
# redzone.t - workload-usdt5 under optimised uprobes computes exactly what it computes untraced
. "$(dirname "$0")/lib.sh"
COUNT=$OUT/tests/uprobe_count
UNSAFE=$OUT/tests/workload-usdt5-redzone # the same nop5 build without -mno-red-zone

# uprobe_count prints "sites=N hits=N trampoline=yes|no exit=N" as its last line.
field() { tail -n 1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

[ "$(id -u)" = 0 ] || skip_all "perf uprobes need root (CAP_PERFMON and CAP_SYS_ADMIN)"
[ -e /sys/bus/event_source/devices/uprobe/type ] || skip_all "this kernel has no uprobe PMU"

# Does this kernel optimise uprobes on 5-byte nops (Linux 6.18 and later, x86-64)? The run is
# long enough for uprobe_count, polling every millisecond, to see the trampoline appear.
"$COUNT" tracebench:loop_probe -- "$OUT/workload-usdt5" -q -L 300000 -k probe \
	-o "$TEST_TMP/loop.json" >"$TEST_TMP/loop.out" 2>&1
OPTIMISED=$(field "$TEST_TMP/loop.out" trampoline)
NO_OPT="this kernel does not optimise uprobes on 5-byte nops"

# expect_trampoline FILE NAME: the run in FILE used the optimised path
expect_trampoline()
{
	if [ "$OPTIMISED" = yes ]; then
		is "$(field "$1" trampoline)" yes "$2"
	else
		skip "$NO_OPT" "$2"
	fi
}

# 1. The probe loop's leaf keeps two values in a leaf's stack slots across its probe site.
"$OUT/workload-usdt5" -q -L 300000 -k probe -o "$TEST_TMP/loop-untraced.json"
ok $? "workload-usdt5 probe loop, untraced"
expect_trampoline "$TEST_TMP/loop.out" "loop_probe: the kernel optimised the 5-byte nop (trampoline mapped)"
is "$(field "$TEST_TMP/loop.out" hits)" 300000 "loop_probe: one hit per call"
is "$(json_field "$TEST_TMP/loop.json" result)" "$(json_field "$TEST_TMP/loop-untraced.json" result)" \
	"loop_probe: workload-usdt5 computes the same result traced as untraced"

# 2. The hazard is real: the same build without -mno-red-zone computes wrong values when traced,
#    so the check above would have caught an unsafe workload-usdt5.
"$UNSAFE" -q -L 300000 -k probe -o "$TEST_TMP/unsafe-untraced.json"
is "$(json_field "$TEST_TMP/unsafe-untraced.json" result)" \
	"$(json_field "$TEST_TMP/loop-untraced.json" result)" "the red-zone build, untraced: right result"
"$COUNT" tracebench:loop_probe -- "$UNSAFE" -q -L 300000 -k probe -o "$TEST_TMP/unsafe.json" \
	>"$TEST_TMP/unsafe.out" 2>&1
if [ "$OPTIMISED" = yes ]; then
	[ "$(json_field "$TEST_TMP/unsafe.json" result)" != \
		"$(json_field "$TEST_TMP/loop-untraced.json" result)" ]
	ok $? "the red-zone build, traced: wrong result (the trampoline's call overwrote live data)"
else
	skip "$NO_OPT" "the red-zone build, traced: wrong result"
fi

# Statically: every probe site of workload-usdt5 is in code compiled with -mno-red-zone. The
# sites are all in methods.c; GCC records each unit's flags in DW_AT_producer.
cu_flags() { objdump --dwarf=info "$1" 2>/dev/null | awk -v cu="$2" '
	/DW_AT_producer/ { producer = $0 }
	/DW_AT_name/ && $NF ~ cu { print producer; exit }'; }
cu_flags "$OUT/workload-usdt5" 'methods\.c$' | grep -q -- -mno-red-zone
ok $? "workload-usdt5: methods.c, which holds every probe site, was compiled with -mno-red-zone"
cu_flags "$UNSAFE" 'methods\.c$' | grep -q -- -mno-red-zone
[ $? -ne 0 ]
ok $? "the same check tells the red-zone build apart"

# 3. The request workload under each of its probes: exact hits, same counts, checksums, result.
"$OUT/workload-usdt5" -q -r 20000 -t 2 -o "$TEST_TMP/base.json"
ok $? "workload-usdt5 untraced"
truth_counts "$TEST_TMP/base.json" >"$TEST_TMP/base.counts"
for probe in method_entry method_return request_start request_done; do
	"$COUNT" tracebench:$probe -- "$OUT/workload-usdt5" -q -r 20000 -t 2 \
		-o "$TEST_TMP/$probe.json" >"$TEST_TMP/$probe.out" 2>&1
	is "$(field "$TEST_TMP/$probe.out" exit)" 0 "workload-usdt5 under $probe exits 0"
	expect_trampoline "$TEST_TMP/$probe.out" "$probe: optimised (trampoline mapped)"
	case $probe in
	method_*) want=$(json_field "$TEST_TMP/base.json" method_calls) ;;
	*) want=$(json_field "$TEST_TMP/base.json" requests) ;;
	esac
	is "$(field "$TEST_TMP/$probe.out" hits)" "$want" "$probe: hits equal the truth"
	truth_counts "$TEST_TMP/$probe.json" | cmp -s "$TEST_TMP/base.counts" -
	ok $? "$probe: same counts, checksums and result as untraced"
done

# 4. On the 1-byte nop the kernel cannot optimise: int3, no trampoline, same results.
"$COUNT" tracebench:method_entry -- "$OUT/workload-usdt" -q -r 20000 -t 2 \
	-o "$TEST_TMP/int3.json" >"$TEST_TMP/int3.out" 2>&1
is "$(field "$TEST_TMP/int3.out" trampoline)" no "workload-usdt: 1-byte nops stay int3"
truth_counts "$TEST_TMP/int3.json" | cmp -s "$TEST_TMP/base.counts" -
ok $? "workload-usdt traced: same counts, checksums and result"

done_testing
