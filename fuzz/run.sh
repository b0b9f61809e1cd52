#!/usr/bin/env bash
# fuzz/run.sh - runs fuzz targets one at a time for a bounded time; fails if any finds a bug
#
# Usage: fuzz/run.sh DIR SECONDS TARGET...
#
# DIR is where make put the targets ($(OUT)/fuzz, by make fuzz). Each runs for SECONDS on a scratch
# corpus, DIR/corpus/TARGET, that keeps what earlier runs found; fuzz/corpus/TARGET, committed,
# is read, never written. A crash, a leak, a timeout (an input taking over 10 s) or running out of
# memory (2 GB) fails the target: its input is in DIR/crashes/TARGET/, its log in DIR/TARGET.log.
# FUZZ_MERGE=1: afterwards, the inputs of the scratch corpus that reach code the committed corpus
# does not are copied into fuzz/corpus/TARGET (libFuzzer's -merge).
set -u

dir=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
failed=()

# stat LOG NAME: a number libFuzzer printed at the end (-print_final_stats), 0 if absent
stat()
{
	sed -n "s/^stat::$2: *\([0-9]*\).*/\1/p" "$1" | tail -n 1 | grep . || echo 0
}

for t in "$@"; do
	work=$dir/corpus/$t
	crashes=$dir/crashes/$t
	log=$dir/$t.log
	dict=()
	seeds=()
	if [ ! -x "$dir/$t" ]; then
		echo "fuzz: $t: no target $dir/$t: build it first (make fuzz-build)" >&2
		failed+=("$t")
		continue
	fi
	mkdir -p "$work" "$crashes"
	# truth files are JSON: the truth target takes json's dictionary
	d=$t
	[ "$t" = truth ] && d=json
	[ -f "$here/$d.dict" ] && dict=(-dict="$here/$d.dict")
	[ -d "$here/corpus/$t" ] && seeds=("$here/corpus/$t")
	before=$(find "$crashes" -type f | wc -l)
	# -close_fd_mask=3: the parsers' own messages are not wanted; the sanitizers' still go to the log
	"$dir/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=3 \
		-print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" \
		"$work" "${seeds[@]}" >"$log" 2>&1
	status=$?
	runs=$(stat "$log" number_of_executed_units)
	speed=$(stat "$log" average_exec_per_sec)
	if [ "$status" -ne 0 ] || [ "$(find "$crashes" -type f | wc -l)" -gt "$before" ]; then
		failed+=("$t")
		found=$(find "$crashes" -type f -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
		echo "fuzz: $t: FAILED (exit $status) after $runs runs:" \
			"$(grep -m 1 -E '^SUMMARY|ERROR: libFuzzer|fuzz_assert' "$log" || tail -n 1 "$log")"
		echo "fuzz: $t: the input: ${found:-none saved}; the log: $log;" \
			"reproduce: $dir/$t ${found:-INPUT}"
	else
		echo "fuzz: $t: ok, $runs runs in $seconds s ($speed/s)," \
			"$(find "$work" -type f | wc -l) inputs in the scratch corpus"
	fi
	if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "$status" -eq 0 ] && [ ${#seeds[@]} -gt 0 ]; then
		n=$(find "$here/corpus/$t" -type f | wc -l)
		"$dir/$t" -merge=1 -close_fd_mask=3 "$here/corpus/$t" "$work" >>"$log" 2>&1
		echo "fuzz: $t: merged $(($(find "$here/corpus/$t" -type f | wc -l) - n)) new inputs" \
			"into fuzz/corpus/$t"
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: found bugs in ${failed[*]}: fix them, then add each input to fuzz/corpus/TARGET/" >&2
	exit 1
fi
