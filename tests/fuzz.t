#!/usr/bin/env bash
# fuzz.t - the libFuzzer targets of fuzz/: a short make fuzz, every committed input, a planted bug
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=${TB_FUZZ_SECONDS:-2}

case $OUT in
*-san)
	# The targets are sanitizer builds of their own, whatever OUT holds.
	ok 0 "fuzz.t: not run on the sanitizer build $OUT: make test runs it on the plain build"
	done_testing
	exit
	;;
esac
command -v clang >/dev/null || skip_all "clang is not installed (./setup.sh installs it)"
[ -f "$(clang --print-runtime-dir)/libclang_rt.fuzzer-$(uname -m).a" ] ||
	skip_all "clang has no libFuzzer here (./setup.sh installs libclang-rt-dev)"

# targets: what make fuzz runs (its FUZZ_TARGETS)
targets()
{
	make -s -C "$REPO" --no-print-directory -pn fuzz OUT="$OUT" 2>/dev/null |
		sed -n 's/^FUZZ_TARGETS = //p' | head -n 1
}

make -j2 -s -C "$REPO" --no-print-directory fuzz-build OUT="$OUT" >"$TEST_TMP/build" 2>&1
ok $? "make fuzz-build$(sed 's/^/ | /' "$TEST_TMP/build" | head -n 5 | tr '\n' ' ')"

# Every fuzz/*.c is run by make fuzz, but the planted bug
read -r -a run <<<"$(targets)"
sources=("$REPO"/fuzz/*.c)
have=$(printf '%s\n' "${sources[@]##*/}" | sed 's/\.c$//' | grep -vx planted | sort | tr '\n' ' ')
is "$(printf '%s\n' "${run[@]}" | sort | tr '\n' ' ')" "$have" \
	"make fuzz runs every target in fuzz/ (${#run[@]}) but planted"

# A short make fuzz: each target SECONDS_EACH, one line each, nothing found
start=$SECONDS
make -s -C "$REPO" --no-print-directory fuzz OUT="$OUT" FUZZ_SECONDS="$SECONDS_EACH" \
	>"$TEST_TMP/fuzz" 2>&1
ok $? "make fuzz FUZZ_SECONDS=$SECONDS_EACH: no crash, leak or timeout in $((SECONDS - start)) s"
for t in "${run[@]}"; do
	line=$(grep "^fuzz: $t: " "$TEST_TMP/fuzz" | head -n 1)
	case $line in
	"fuzz: $t: ok, "*) ok 0 "$t: ${line#fuzz: "$t": }" ;;
	*) ok 1 "$t: ${line:-no line}; log: $OUT/fuzz/$t.log" ;;
	esac
	# libFuzzer's own count: every run made progress beyond the corpus
	[ "$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/fuzz/$t.log")" -gt 100 ] 2>/dev/null
	ok $? "$t: over 100 inputs tried"
done

# Every committed input, the regression inputs of bugs fixed (crash-*) among them, runs clean
for t in "${run[@]}"; do
	inputs=("$REPO/fuzz/corpus/$t"/*)
	[ -e "${inputs[0]}" ]
	ok $? "$t: has a committed corpus (fuzz/corpus/$t: ${#inputs[@]} inputs)"
	"$OUT/fuzz/$t" -close_fd_mask=3 "${inputs[@]}" >"$TEST_TMP/replay" 2>&1
	ok $? "$t: each committed input read without a crash$(grep -m 1 SUMMARY "$TEST_TMP/replay")"
done

# The harness can fail: planted.c's off-by-one, in none of its seeds, is found, its input named
# and kept, and that input crashes the target again
mkdir -p "$TEST_TMP/seed"
printf 'method 12\nrate 100\n' >"$TEST_TMP/seed/lines"
rm -rf "$OUT/fuzz/crashes/planted" "$OUT/fuzz/corpus/planted"
mkdir -p "$OUT/fuzz/corpus/planted"
cp "$TEST_TMP/seed/lines" "$OUT/fuzz/corpus/planted/"
start=$SECONDS
"$REPO/fuzz/run.sh" "$OUT/fuzz" 30 planted >"$TEST_TMP/planted" 2>&1
[ $? != 0 ]
ok $? "fuzz/run.sh fails on planted.c, in $((SECONDS - start)) s (30 allowed)"
input=$(sed -n 's/.*the input: \([^;]*\);.*/\1/p' "$TEST_TMP/planted")
[ -f "$input" ]
ok $? "and names the input it kept ($input)"
grep -q 'stack-buffer-overflow.*planted.c:[0-9]*.* in parse_line' "$OUT/fuzz/planted.log"
ok $? "AddressSanitizer's report names the planted bug (stack-buffer-overflow in parse_line)"
"$OUT/fuzz/planted" "$input" >/dev/null 2>&1
[ $? != 0 ]
ok $? "that input crashes the target again, as the line printed says"
rm -rf "$OUT/fuzz/crashes/planted"

done_testing
