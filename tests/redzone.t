#!/usr/bin/env bash
# redzone.t - workload-usdt5 under optimised uprobes computes exactly what it computes untraced
. "$(dirname "$0")/lib.sh"
COUNT=$OUT/tests/uprobe_count

# uprobe_count prints "sites=N hits=N trampoline=yes|no exit=N" as its last line.
field() { tail -n 1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# 1. The hazard is real: with the red zone, the optimised uprobe corrupts live data.
"$OUT/tests/redzone-nop5-unsafe" 200000 >/dev/null
ok $? "red-zone program, untraced: no mismatch"
"$COUNT" tracebench:loop_probe -- "$OUT/tests/redzone-nop5-unsafe" 200000 >"$TEST_TMP/unsafe" 2>&1
is "$(field "$TEST_TMP/unsafe" trampoline)" yes "the kernel optimised the 5-byte nop (trampoline mapped)"
is "$(field "$TEST_TMP/unsafe" hits)" 200000 "every hit counted"
grep -q '^mismatches=0$' "$TEST_TMP/unsafe"
[ $? -ne 0 ]
ok $? "with the red zone, the traced program computes wrong values ($(grep mismatches "$TEST_TMP/unsafe"))"

# 2. The same source built with -mno-red-zone is safe.
"$COUNT" tracebench:loop_probe -- "$OUT/tests/redzone-nop5-safe" 200000 >"$TEST_TMP/safe" 2>&1
is "$(field "$TEST_TMP/safe" trampoline)" yes "-mno-red-zone build: trampoline used too"
grep -q '^mismatches=0$' "$TEST_TMP/safe"
ok $? "-mno-red-zone build: no mismatch under the optimised uprobe"

# Statically: no instruction of workload-usdt5 touches memory below %rsp.
below_rsp() { objdump -d --no-show-raw-insn "$1" | grep -cE -- '-0x[0-9a-f]+\(%rsp\)'; }
is "$(below_rsp "$OUT/workload-usdt5")" 0 "workload-usdt5 never addresses memory below %rsp"
[ "$(below_rsp "$OUT/tests/redzone-nop5-unsafe")" -gt 0 ]
ok $? "the same check finds the red-zone accesses of the unsafe build"

# 3. workload-usdt5 is built that way: traced results equal untraced, on every kind of probe.
"$OUT/workload-usdt5" -q -r 20000 -t 2 -o "$TEST_TMP/base.json"
ok $? "workload-usdt5 untraced"
truth_counts "$TEST_TMP/base.json" >"$TEST_TMP/base.counts"
for probe in method_entry method_return request_start request_done; do
	"$COUNT" tracebench:$probe -- "$OUT/workload-usdt5" -q -r 20000 -t 2 \
		-o "$TEST_TMP/$probe.json" >"$TEST_TMP/$probe.out" 2>&1
	is "$(field "$TEST_TMP/$probe.out" exit)" 0 "workload-usdt5 under $probe exits 0"
	is "$(field "$TEST_TMP/$probe.out" trampoline)" yes "$probe: optimised (trampoline mapped)"
	case $probe in
	method_*) want=$(json_field "$TEST_TMP/base.json" method_calls) ;;
	*) want=$(json_field "$TEST_TMP/base.json" requests) ;;
	esac
	is "$(field "$TEST_TMP/$probe.out" hits)" "$want" "$probe: hits equal the truth"
	truth_counts "$TEST_TMP/$probe.json" | cmp -s "$TEST_TMP/base.counts" -
	ok $? "$probe: same counts, checksums and result as untraced"
done

# 4. The probe loop with its bare (unguarded) site.
"$COUNT" tracebench:loop_probe -- "$OUT/workload-usdt5" -q -L 300000 -k probe \
	-o "$TEST_TMP/loop.json" >"$TEST_TMP/loop.out" 2>&1
is "$(field "$TEST_TMP/loop.out" hits)" 300000 "loop_probe: one hit per iteration"
is "$(json_field "$TEST_TMP/loop.json" result)" "$("$OUT/workload-usdt5" -q -L 300000 -k probe \
	-o /dev/stdout | sed -n 's/^ *"result": \([0-9]*\),/\1/p')" "loop_probe: same result as untraced"

# 5. On the 1-byte nop the kernel cannot optimise: int3, no trampoline, same results.
"$COUNT" tracebench:method_entry -- "$OUT/workload-usdt" -q -r 20000 -t 2 \
	-o "$TEST_TMP/int3.json" >"$TEST_TMP/int3.out" 2>&1
is "$(field "$TEST_TMP/int3.out" trampoline)" no "workload-usdt: 1-byte nops stay int3"
truth_counts "$TEST_TMP/int3.json" | cmp -s "$TEST_TMP/base.counts" -
ok $? "workload-usdt traced: same counts, checksums and result"

done_testing
