#!/usr/bin/env bash
# faults_load.t - load: the workload with 16 threads at its highest call rate (-s 0) under each
# tracer, started: no crash, no hang, events seen + lost = truth; one row each in the fault CSV
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "every tracer on the workload: uprobes and ptrace; run as root"

# `make test` runs 2 s a tracer; `make test-faults` 30 s.
LOAD_SECONDS=${FAULTS_LOAD_SECONDS:-2}
LOAD_THREADS=16
LOAD_TECHNIQUES=${FAULTS_LOAD_TECHNIQUES:-$FAULTS_TECHNIQUES}
# A tracer that is not done this long after the run's end has hung.
LOAD_GRACE=60

# per_request VARIANT: "CALLS PREAD64", the method calls and pread64 calls of one request, from a
# short untraced run of VARIANT (once a build)
declare -A LOAD_PER_REQUEST
per_request()
{
	local t=$TEST_TMP/per-request-$1.json
	if [ -z "${LOAD_PER_REQUEST[$1]:-}" ]; then
		"$OUT/$1" -q -s 0 -r 1000 -o "$t" >/dev/null 2>&1
		LOAD_PER_REQUEST[$1]=$(json_field "$t" method_calls syscalls.pread64 requests |
			tr '\n' ' ' | awk '$3 > 0 { print $1 / $3, $2 / $3 }')
	fi
	echo "${LOAD_PER_REQUEST[$1]}"
}

# truth_sane TRUTH VARIANT: the workload's truth says it did whole requests, each with its calls:
# "ok" or what is wrong
truth_sane()
{
	local requests calls errors pread cpr ppr
	read -r requests calls errors pread < <(json_field "$1" requests method_calls syscall_errors \
		syscalls.pread64 2>/dev/null | tr '\n' ' ')
	read -r cpr ppr < <(per_request "$2")
	if [ -z "$pread" ]; then
		echo "no truth"
	elif [ "$errors" != 0 ]; then
		echo "$errors system calls failed"
	elif [ "$requests" -le 0 ] || [ "$calls" != $((requests * cpr)) ] ||
		[ "$pread" != $((requests * ppr)) ]; then
		echo "$requests requests but $calls method calls and $pread pread64 ($cpr and $ppr each)"
	else
		echo ok
	fi
}

# sampled RESULT TECH: a sampler's own accounting, "accounted: ..." or "wrong: ..."
#   tb-vmreadv: every used stack slot of every tick is a sample, idle, torn after its retries or
#     invalid; a tick whose read failed (failed_reads), that another tracer held (unpaused) or
#     that found the target gone (the last, at most) has none; lost = torn + invalid + failed +
#     unpaused
#   tb-signal record: every timer expiry of the threads' CPU time is a sample, an overrun or a
#     loss (buffer_full, no_buffer; their sum is lost): about the rate per CPU second
#   tb-ptrace sample: at each tick every thread is a sample, idle or an unwind error (lost), and
#     the ticks taken and the late ones make the schedule; the method stacks read are no more
#     than the samples
sampled()
{
	local r=$1 samples idle tar invalid failed unpaused ticks threads lost gap full nobuf over
	local cpu rate late dur msamples mtorn bound
	read -r samples lost dur late < <(json_field "$r" samples lost duration_ns late 2>/dev/null |
		tr '\n' ' ')
	[ "${samples:-0}" -gt 0 ] 2>/dev/null || {
		echo "wrong: no samples"
		return
	}
	case $2 in
	vmreadv*)
		read -r idle tar invalid failed ticks threads < <(json_field "$r" idle \
			torn_after_retries invalid failed_reads ticks threads | tr '\n' ' ')
		unpaused=$(json_field "$r" unpaused 2>/dev/null || echo 0)
		gap=$((threads * (ticks - failed - unpaused) - samples - idle - tar - invalid))
		if { [ "$gap" = 0 ] || [ "$gap" = "$threads" ]; } &&
			[ "$lost" = $((tar + invalid + failed + unpaused)) ]; then
			echo "accounted: $samples samples + $idle idle + $tar torn + $invalid invalid" \
				"+ $threads x ($failed failed + $unpaused unpaused) = $threads x $ticks" \
				"ticks$([ "$gap" = 0 ] || echo " less the one that found the target gone")"
		else
			echo "wrong: $samples samples + $idle idle + $tar torn + $invalid invalid, $failed" \
				"failed and $unpaused unpaused ticks; $threads x $ticks ticks; lost $lost"
		fi
		;;
	signal-*)
		read -r full nobuf over cpu rate < <(json_field "$r" buffer_full no_buffer overruns \
			thread_cpu_ns rate_hz | tr '\n' ' ')
		# signal.t's bound: CPU-time timers fire at the tick, a little under the rate
		if [ "$lost" = $((full + nobuf)) ] && awk -v n=$((samples + full + nobuf + over)) \
			-v c="$cpu" -v hz="$rate" 'BEGIN { r = n / (c / 1e9); exit !(r >= 0.8 * hz &&
			r <= 1.06 * hz) }'; then
			echo "accounted: $samples samples + $over overruns + $full buffer full + $nobuf" \
				"no buffer in $((cpu / 1000000)) ms of thread CPU at $rate Hz"
		else
			echo "wrong: $samples samples + $over overruns + $full buffer full + $nobuf no" \
				"buffer (lost $lost) in $((cpu / 1000000)) ms of thread CPU at $rate Hz"
		fi
		;;
	ptrace-sample)
		read -r idle msamples mtorn < <(json_field "$r" idle method_samples method_torn |
			tr '\n' ' ')
		# the rate asked: tb-ptrace's result does not say it
		rate=$(printf '%s\n' "${F_TOOL[@]}" | awk 'p { print; exit } $0 == "-F" { p = 1 }')
		# ticks taken <= instants in the run - late + 1; each stops the threads + main
		bound=$(awk -v d="$dur" -v hz="$rate" -v l="$late" -v t=$((LOAD_THREADS + 1)) \
			'BEGIN { printf "%d", t * (d / 1e9 * hz - l + 1) }')
		if [ $((samples + idle + lost)) -le "$bound" ] && [ $((msamples + mtorn)) -le "$samples" ]
		then
			echo "accounted: $samples samples + $idle idle + $lost unwind errors <= $bound" \
				"($((LOAD_THREADS + 1)) threads x ticks not late); $msamples method" \
				"stacks + $mtorn torn"
		else
			echo "wrong: $samples samples + $idle idle + $lost unwind errors > $bound, or" \
				"$msamples method stacks + $mtorn torn > samples"
		fi
		;;
	*) echo "wrong: no accounting known for $2" ;;
	esac
}

# seen_events RESULT: the events an exact tracer (F_EXACT) saw: its count, or the sum of its counts
seen_events()
{
	local spec=${F_EXACT#atleast:} n=0 k
	case $spec in
	sampler) json_field "$1" samples 2>/dev/null || echo 0 ;;
	sum=* | sum-records=*)
		for k in $(json_field "$1" counts); do
			n=$((n + $(json_field "$1" "counts.$k")))
		done
		echo "$n"
		;;
	*) json_field "$1" "${spec%%=*}" 2>/dev/null || echo 0 ;;
	esac
}

# exactly RESULT TRUTH: an exact tracer's data (F_EXACT): "exact: ..." or "wrong: ..."
exactly()
{
	local spec=$F_EXACT tkey=${F_EXACT#*=} lost want seen
	lost=$(json_field "$1" lost 2>/dev/null || echo 0)
	seen=$(seen_events "$1")
	want=$(json_field "$2" "$tkey" 2>/dev/null || echo '?')
	# tb-ptrace syscall counts from the execve: the loader's pread64 calls come on top
	if [ $((seen + lost)) = "$want" ] || { [[ $spec == atleast:* ]] &&
		[ $((seen + lost)) -ge "$want" ] && [ $((seen + lost)) -le $((want + 64)) ]; }; then
		echo "exact: $seen seen + $lost lost = $want (${tkey})"
	else
		echo "wrong: $seen seen + $lost lost, truth $want (${tkey})"
	fi
}

# logged RESULT TRUTH: tb-tracefunc -m log's data: its lost counts records (an entry and an exit
# a call, and a time base record a thread), its counts the entries kept: every call is two
# records kept or lost, give or take the time bases; "exact: ..." or "wrong: ..."
logged()
{
	local records lost threads calls seen d
	read -r records lost threads < <(json_field "$1" records lost threads | tr '\n' ' ')
	calls=$(json_field "$2" method_calls 2>/dev/null || echo '?')
	seen=$(seen_events "$1")
	d=$((records + lost - 2 * calls))
	if [ "$d" -ge 0 ] && [ "$d" -le $((2 * (threads + 1))) ] && [ "$seen" -le "$calls" ] &&
		[ $((calls - seen)) -le "$lost" ]; then
		echo "exact: $records records + $lost lost = 2 x $calls calls + $d time bases;" \
			"$seen entries kept"
	else
		echo "wrong: $records records + $lost lost, 2 x $calls calls; $seen entries kept"
	fi
}

# load_case TECH: the workload -t 16 -s 0 -d LOAD_SECONDS under TECH; appends its row; returns 0
# when the tracer and the workload exited 0 in time with a sane truth and exact or accounted data
load_case()
{
	local tech=$1 dir tool args tpid wpid texit target detail='' data t0 secs rate
	fault_technique "$tech" || return 1
	dir=$TEST_TMP/load-$tech
	mkdir -p "$dir"
	tool=("${F_TOOL[@]}" -o "$dir/r.json")
	args=(-q -s 0 -t "$LOAD_THREADS" -d "$LOAD_SECONDS" -o "$dir/truth.json")
	t0=$(date +%s%N)
	"${tool[@]}" -- "$OUT/$F_VARIANT" "${args[@]}" >"$dir/out" 2>"$dir/err" &
	tpid=$!
	wait_until 10 descendant "$tpid" "$F_VARIANT" >/dev/null
	wpid=$(descendant "$tpid" "$F_VARIANT")
	if ! wait_gone "$tpid" $((${LOAD_SECONDS%.*} + LOAD_GRACE)); then
		target="hung: tracer $(states "$tpid"), workload $(states "$wpid")"
		kill -KILL "$tpid" "$wpid" 2>/dev/null
	fi
	wait "$tpid"
	texit=$?
	secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	if [ -z "${target:-}" ]; then
		target=$(truth_sane "$dir/truth.json" "$F_VARIANT")
		if [ "$texit" != 0 ]; then
			target="tracer exit $texit"
		elif [ "$target" = ok ]; then
			target=survived
		else
			target="insane truth: $target"
		fi
	fi
	if ! json_field "$dir/r.json" technique >/dev/null 2>&1; then
		data="lost: no result"
	elif [ "$F_EXACT" = sampler ]; then
		data=$(sampled "$dir/r.json" "$tech")
	elif [ "$tech" = tracefunc-log ]; then
		data=$(logged "$dir/r.json" "$dir/truth.json")
	else
		data=$(exactly "$dir/r.json" "$dir/truth.json")
	fi
	# The rate reached: what the tracer took in per second of the workload's hot phase.
	rate=$(awk -v n="$(seen_events "$dir/r.json")" \
		-v ns="$(json_field "$dir/truth.json" hot_wall_ns 2>/dev/null)" \
		'BEGIN { printf "%.0f", (ns > 0 ? n / (ns / 1e9) : 0) }')
	detail="rate $rate $([ "$F_EXACT" = sampler ] && echo samples || echo events)/s;"
	detail+=" workload $(json_field "$dir/truth.json" method_calls_per_s 2>/dev/null |
		awk '{ printf "%.0f", $1 }') method calls/s, $(json_field "$dir/truth.json" requests \
		2>/dev/null) requests in $LOAD_SECONDS s, $LOAD_THREADS threads, -s 0;"
	detail+="${data#*: };run $secs s"
	grep -q . "$dir/err" && detail+=";stderr: $(grep -v '^tb-[a-z]*: tracing' "$dir/err" |
		tail -2 | tr '\n' ' ' | cut -c1-160)"
	fault_row load "$tech" started 1 - "$target" "${data%%:*}" "$texit" "$detail"
	[ "$target" = survived ] && [[ $data == exact:* || $data == accounted:* ]]
}

start=$SECONDS
for tech in $LOAD_TECHNIQUES; do
	load_case "$tech"
	rc=$?
	row=$(tail -1 "$FAULTS_CSV")
	name="load $tech, $LOAD_THREADS threads, -s 0, $LOAD_SECONDS s"
	ok $rc "$name: $(echo "$row" | cut -d, -f6-8)"
	[ $rc = 0 ] || diag "$row"
	diag "$tech: $(echo "$row" | awk -F'"' '{ print $2 }' | cut -d';' -f1-2)"
done
diag "$((SECONDS - start)) s for $(echo "$LOAD_TECHNIQUES" | wc -w) tracers"
[ -n "${FAULTS_KEEP:-}" ] && cp "$FAULTS_CSV" "$FAULTS_KEEP"
done_testing
