# bench_precision.sh - make bench's precision section: how much of what happened each technique saw (sourced by bench.sh)
#
# Four measures, each scored against the workload's truth file of the run (or, for calibrated
# quantities, of the untraced run of the same configuration in the same round):
#   completeness   the exact tracers' events seen per method / the calls the workload made, with
#                  what they reported lost (tb-usdt count and stream, tb-ptrace break,
#                  tb-tracefunc count with the compiler hooks and with the method hook);
#   arg_fidelity   the share of methods whose sum of arguments, as the tracer read them, equals
#                  the truth's arg_sum exactly (tb-usdt count -s 1 and stream, tb-ptrace break);
#   profile_tvd    the samplers' leaf-method profile against the calibrated self_share: total
#                  variation distance against samples and rate (tb-vmreadv, tb-signal, tb-ptrace
#                  sample);
#   latency_error  the mean latency of query (a leaf: its self time is its latency) as measured by
#                  tb-usdt hist, tb-ptrace break -L and tb-tracefunc latency (both hooks) against
#                  its calibrated self_ns_per_call, for a short (~1 us) and a long (~100 us) query.
# Every measurement also records its run's overhead: ns per method call in the hot phase against
# the untraced run of the same configuration in the same round.
#
# Environment (presets from FULL / TINY, else quick): PRECISION_ROUNDS, PRECISION_REQUESTS
# (completeness: requests of the 2-thread workload), PRECISION_COUNT_SCALE, PRECISION_PROFILE_SCALE,
# PRECISION_PROFILE_POINTS ("RATE:SECONDS ..."), PRECISION_SHORT_SCALE, PRECISION_LONG_SCALE,
# PRECISION_SHORT_REQUESTS, PRECISION_LONG_REQUESTS.

# shellcheck disable=SC2034 # GATE_*_CPU and total are read by bench.sh's run_gated and progress
true

if [ "${FULL:-0}" = 1 ]; then
	PRECISION_ROUNDS=${PRECISION_ROUNDS:-7}
	PRECISION_REQUESTS=${PRECISION_REQUESTS:-20000}
	PRECISION_PROFILE_POINTS=${PRECISION_PROFILE_POINTS:-100:1 100:10 1000:0.1 1000:1 1000:10 10000:0.1 10000:1}
	PRECISION_SHORT_REQUESTS=${PRECISION_SHORT_REQUESTS:-20000}
	PRECISION_LONG_REQUESTS=${PRECISION_LONG_REQUESTS:-3000}
elif [ "${TINY:-0}" = 1 ]; then
	PRECISION_ROUNDS=${PRECISION_ROUNDS:-1}
	PRECISION_REQUESTS=${PRECISION_REQUESTS:-1000}
	PRECISION_PROFILE_POINTS=${PRECISION_PROFILE_POINTS:-1000:0.1 10000:0.1}
	PRECISION_SHORT_REQUESTS=${PRECISION_SHORT_REQUESTS:-1000}
	PRECISION_LONG_REQUESTS=${PRECISION_LONG_REQUESTS:-200}
else
	PRECISION_ROUNDS=${PRECISION_ROUNDS:-3}
	PRECISION_REQUESTS=${PRECISION_REQUESTS:-5000}
	PRECISION_PROFILE_POINTS=${PRECISION_PROFILE_POINTS:-100:1 1000:0.1 1000:1 10000:0.1 10000:1}
	PRECISION_SHORT_REQUESTS=${PRECISION_SHORT_REQUESTS:-5000}
	PRECISION_LONG_REQUESTS=${PRECISION_LONG_REQUESTS:-1000}
fi
PRECISION_COUNT_SCALE=${PRECISION_COUNT_SCALE:-1}
PRECISION_COUNT_THREADS=2
PRECISION_PROFILE_SCALE=${PRECISION_PROFILE_SCALE:-10}
PRECISION_PROFILE_THREADS=1
# query's calibrated self time here: 1.1 us at scale 0.6, 83 us at 60 (build/workload -r 300 -s S -c)
PRECISION_SHORT_SCALE=${PRECISION_SHORT_SCALE:-0.55}
PRECISION_LONG_SCALE=${PRECISION_LONG_SCALE:-73}
# The one method whose latency is measured, and where the same-CPU ptrace sample point lies.
PRECISION_LATENCY_METHOD=query
# A latency run whose workload thread had less than this share of its hot phase on the CPU fails.
PRECISION_MIN_CPU_SHARE=${PRECISION_MIN_CPU_SHARE:-0.9}
PRECISION_SAME_CPU_POINT=${PRECISION_SAME_CPU_POINT:-$([ "${TINY:-0}" = 1 ] && echo 1000:0.2 || echo 1000:1)}

# precision_needed: the build/ programs the section runs
precision_needed()
{
	echo "workload workload-usdt workload-finstrument tb-usdt tb-ptrace tb-vmreadv tb-signal"
	echo "libtb-signal.so tb-tracefunc libtb-tracefunc.so tests/json_get"
}

# Why a technique/mode cannot run here (keyed technique/mode, "" if it can): precision_probe.
declare -A PRECISION_SKIP=()

# precision_try KEY COMMAND...: runs COMMAND (a short traced run); on failure records why for KEY
precision_try()
{
	local key=$1 why
	shift
	if ! why=$("$@" 2>&1 >/dev/null); then
		PRECISION_SKIP[$key]="skipped: $(basename "$1") cannot run here: $(oneline <<<"${why:-it failed without saying why}")"
	fi
}

# precision_probe: a short run of every traced configuration's tool and mode; sets PRECISION_SKIP
precision_probe()
{
	local w=$OUT/workload r=$TMP/precision_probe.json why
	local small=(-q -r 50 -s 1)
	if ! why=$("$OUT/tb-usdt" --check 2>&1); then
		why="skipped: tb-usdt --check says: $(oneline <<<"$why")"
		PRECISION_SKIP[usdt/count]=$why
		PRECISION_SKIP[usdt/stream]=$why
		PRECISION_SKIP[usdt/hist]=$why
	else
		precision_try usdt/count "$OUT/tb-usdt" -m count -a 0 -s 1 -o "$r" \
			tracebench:method_entry -- "$OUT/workload-usdt" "${small[@]}"
		precision_try usdt/stream "$OUT/tb-usdt" -m stream -q -o "$r" tracebench:method_entry \
			-- "$OUT/workload-usdt" "${small[@]}"
		precision_try usdt/hist "$OUT/tb-usdt" -m hist -a 0 -o "$r" tracebench:method_entry \
			tracebench:method_return -- "$OUT/workload-usdt" "${small[@]}"
	fi
	precision_try ptrace/break "$OUT/tb-ptrace" break -o "$r" query -- "$w" "${small[@]}"
	PRECISION_SKIP[ptrace/break-L]=${PRECISION_SKIP[ptrace/break]:-}
	[ -n "${PRECISION_SKIP[ptrace/break-L]}" ] ||
		precision_try ptrace/break-L "$OUT/tb-ptrace" break -L -o "$r" query -- "$w" "${small[@]}"
	precision_try ptrace/sample "$OUT/tb-ptrace" sample -F 100 -o "$r" -- "$w" "${small[@]}"
	PRECISION_SKIP[ptrace/sample-same-cpu]=${PRECISION_SKIP[ptrace/sample]:-}
	precision_try vm_readv/nonblocking "$OUT/tb-vmreadv" -F 100 -o "$r" -- "$w" "${small[@]}"
	PRECISION_SKIP[vm_readv/nonblocking-same-cpu]=${PRECISION_SKIP[vm_readv/nonblocking]:-}
	precision_try vm_readv/blocking "$OUT/tb-vmreadv" --blocking -F 100 -o "$r" -- "$w" "${small[@]}"
	precision_try signal/cpu "$OUT/tb-signal" record -F 100 -o "$r" -- "$w" "${small[@]}"
	precision_try signal/wall "$OUT/tb-signal" record --wall -F 100 -o "$r" -- "$w" "${small[@]}"
	precision_try tracefunc/count "$OUT/tb-tracefunc" -m count -o "$r" \
		-- "$OUT/workload-finstrument" "${small[@]}"
	precision_try tracefunc/latency "$OUT/tb-tracefunc" -m latency -o "$r" \
		-- "$OUT/workload-finstrument" "${small[@]}"
	precision_try method_hook/count "$OUT/tb-tracefunc" --hook method -m count -o "$r" \
		-- "$w" "${small[@]}"
	precision_try method_hook/latency "$OUT/tb-tracefunc" --hook method -m latency -o "$r" \
		-- "$w" "${small[@]}"
	rm -f "$r"
}

# precision_env: the section's env.txt lines
precision_env()
{
	local key
	echo "precision_placement=completeness: unpinned (the workload's 2 threads and the tracer" \
		"wherever the scheduler puts them; each tool starts the workload and releases it at its" \
		"start gate); profile and latency: the tracer on CPU $TRACER_CPU, the workload on CPU" \
		"$BENCH_CPU (moved there at its start gate with taskset -a -p and released; tb-vmreadv" \
		"starts it as taskset -c $BENCH_CPU WORKLOAD); the *-same-cpu rows: tracer and workload" \
		"on CPU $BENCH_CPU"
	echo "precision_rounds=$PRECISION_ROUNDS"
	echo "precision_count=workload -t $PRECISION_COUNT_THREADS -r $PRECISION_REQUESTS -s $PRECISION_COUNT_SCALE"
	echo "precision_profile=workload -t $PRECISION_PROFILE_THREADS -d SECONDS -s $PRECISION_PROFILE_SCALE;" \
		"RATE_HZ:SECONDS $PRECISION_PROFILE_POINTS; ptrace sample-same-cpu $PRECISION_SAME_CPU_POINT"
	echo "precision_latency=workload -t 1 -s $PRECISION_SHORT_SCALE -r $PRECISION_SHORT_REQUESTS" \
		"(query-short) and -s $PRECISION_LONG_SCALE -r $PRECISION_LONG_REQUESTS (query-long)"
	echo "precision_min_cpu_share=$PRECISION_MIN_CPU_SHARE"
	for key in $(printf '%s\n' "${!PRECISION_SKIP[@]}" | sort); do
		[ -z "${PRECISION_SKIP[$key]}" ] || echo "precision_${key//\//_}=${PRECISION_SKIP[$key]}"
	done
}

# precision_configs: the configurations, one a line: part|technique|mode|rate_hz|scale|length|what.
# part is count (completeness and argument fidelity), profile or latency; technique untraced is
# a baseline, its mode the build variant (plain, usdt, finstrument); length is requests (count,
# latency) or seconds (profile).
precision_configs()
{
	local rate secs point s scale req variant
	local c=$PRECISION_COUNT_SCALE r=$PRECISION_REQUESTS
	for variant in plain usdt finstrument; do
		echo "count|untraced|$variant||$c|$r|the baseline: $(precision_program untraced "$variant") -t $PRECISION_COUNT_THREADS, nobody attached"
	done
	echo "count|usdt|count||$c|$r|tb-usdt -m count -a 0 -s 1 tracebench:method_entry: hits and sum of arg 1 per method id (BPF hash map)"
	echo "count|usdt|stream||$c|$r|tb-usdt -m stream tracebench:method_entry: an event per hit through the ring buffer; printed, tallied per method id"
	echo "count|ptrace|break||$c|$r|tb-ptrace break on the 9 method symbols: hits and sum of rdi (the argument) per symbol"
	echo "count|tracefunc|count||$c|$r|tb-tracefunc -m count on workload-finstrument: calls per function (compiler hooks)"
	echo "count|method_hook|count||$c|$r|tb-tracefunc --hook method -m count: calls per method (the workload's tb_call_hook)"
	s=$PRECISION_PROFILE_SCALE
	for secs in $(tr ' ' '\n' <<<"$PRECISION_PROFILE_POINTS ${PRECISION_SAME_CPU_POINT}" | cut -d: -f2 | sort -gu); do
		echo "profile|untraced|plain||$s|$secs|the baseline and the truth: workload -t $PRECISION_PROFILE_THREADS -d $secs -c, nobody attached"
	done
	for point in $PRECISION_PROFILE_POINTS; do
		rate=${point%%:*} secs=${point#*:}
		echo "profile|vm_readv|nonblocking|$rate|$s|$secs|tb-vmreadv -F $rate (-d $secs): the in-memory stack copied with process_vm_readv; torn copies read again"
		echo "profile|vm_readv|blocking|$rate|$s|$secs|tb-vmreadv --blocking -F $rate (-d $secs): every thread seized and interrupted for each read"
		# CPU-time timers fire at most at the kernel tick: beyond 1000 Hz asked, nothing changes.
		[ "$rate" -gt 1000 ] ||
			echo "profile|signal|cpu|$rate|$s|$secs|tb-signal record -F $rate (-d $secs): CPU-time timers (at most CONFIG_HZ a second)"
		echo "profile|signal|wall|$rate|$s|$secs|tb-signal record --wall -F $rate (-d $secs): real-time timers"
		echo "profile|ptrace|sample|$rate|$s|$secs|tb-ptrace sample -F $rate (-d $secs): PTRACE_INTERRUPT; the stopped thread's in-memory stack"
	done
	rate=${PRECISION_SAME_CPU_POINT%%:*} secs=${PRECISION_SAME_CPU_POINT#*:}
	echo "profile|vm_readv|nonblocking-same-cpu|$rate|$s|$secs|tb-vmreadv -F $rate (-d $secs) with sampler and workload on one CPU ($BENCH_CPU): the workload never runs during a read"
	echo "profile|ptrace|sample-same-cpu|$rate|$s|$secs|tb-ptrace sample -F $rate (-d $secs) with tracer and workload on one CPU ($BENCH_CPU): the workload is not running when interrupted"
	for scale in "$PRECISION_SHORT_SCALE" "$PRECISION_LONG_SCALE"; do
		req=$PRECISION_SHORT_REQUESTS
		[ "$scale" = "$PRECISION_SHORT_SCALE" ] || req=$PRECISION_LONG_REQUESTS
		for variant in plain usdt finstrument; do
			echo "latency|untraced|$variant||$scale|$req|the baseline and the truth: $(precision_program untraced "$variant") -t 1 -c, nobody attached"
		done
		echo "latency|usdt|hist||$scale|$req|tb-usdt -m hist -a 0 tracebench:method_entry tracebench:method_return: entry to return in BPF, per method id"
		echo "latency|ptrace|break-L||$scale|$req|tb-ptrace break -L query: a stop at the entry and one at the return address"
		echo "latency|tracefunc|latency||$scale|$req|tb-tracefunc -m latency on workload-finstrument: TSC at the entry and exit hooks"
		echo "latency|method_hook|latency||$scale|$req|tb-tracefunc --hook method -m latency: TSC in tb_call_hook at call and return"
	done
}

# precision_program TECHNIQUE MODE: the workload build a configuration runs
precision_program()
{
	case $1/$2 in
	usdt/* | untraced/usdt) echo workload-usdt ;;
	tracefunc/* | untraced/finstrument) echo workload-finstrument ;;
	*) echo workload ;;
	esac
}

# precision_name PART TECHNIQUE MODE RATE SCALE LENGTH: a configuration's name, also a file name
precision_name()
{
	local IFS=_
	echo "$*"
}

# precision_baseline PART TECHNIQUE SCALE LENGTH: the name of its baseline configuration
precision_baseline()
{
	local variant=plain
	case $2 in
	usdt) variant=usdt ;;
	tracefunc) variant=finstrument ;;
	esac
	[ "$1" != profile ] || variant=plain
	precision_name "$1" untraced "$variant" "" "$3" "$4"
}

# precision_measure ROUND PART TECHNIQUE MODE RATE SCALE LENGTH: one run; its truth, result and
# output kept in TMP/precision as ROUND-NAME.*, its exit status and error in ROUND-NAME.status
precision_measure()
{
	local round=$1 part=$2 tech=$3 mode=$4 rate=$5 scale=$6 len=$7 program base cmd=() args=()
	local pre gated tcpu=$TRACER_CPU
	[[ "$mode" != *-same-cpu ]] || tcpu=$BENCH_CPU
	pre=$TMP/precision/$round-$(precision_name "$part" "$tech" "$mode" "$rate" "$scale" "$len")
	program=$(realpath "$OUT/$(precision_program "$tech" "$mode")")
	case $part in
	count) args=(-q -t "$PRECISION_COUNT_THREADS" -r "$len" -s "$scale") ;;
	profile) args=(-q -t "$PRECISION_PROFILE_THREADS" -d "$len" -s "$scale") ;;
	latency) args=(-q -t 1 -r "$len" -s "$scale") ;;
	esac
	# Started at the workload's own start gate and moved (run_gated), but for the count runs and
	# tb-vmreadv, which releases the workload itself as its schedule starts.
	gated=yes
	[ "$part" != count ] && [ "$tech" != vm_readv ] || gated=
	[ -z "$gated" ] || args+=(-g 3)
	args+=(-o "$pre.truth.json")
	[ "$tech" != untraced ] || [ "$part" = count ] || args+=(-c)
	case $tech/$mode in
	untraced/*) cmd=() ;;
	usdt/count) cmd=("$OUT/tb-usdt" -m count -a 0 -s 1 tracebench:method_entry) ;;
	usdt/stream) cmd=("$OUT/tb-usdt" -m stream tracebench:method_entry) ;;
	usdt/hist)
		cmd=("$OUT/tb-usdt" -m hist -a 0 tracebench:method_entry tracebench:method_return)
		;;
	ptrace/break)
		cmd=("$OUT/tb-ptrace" break -a 1 handle_request parse parse_header route query render
			render_row escape respond)
		;;
	ptrace/break-L) cmd=("$OUT/tb-ptrace" break -L "$PRECISION_LATENCY_METHOD") ;;
	ptrace/sample*) cmd=("$OUT/tb-ptrace" sample -F "$rate") ;;
	vm_readv/nonblocking*) cmd=(taskset -c "$tcpu" "$OUT/tb-vmreadv" -F "$rate") ;;
	vm_readv/blocking) cmd=(taskset -c "$tcpu" "$OUT/tb-vmreadv" --blocking -F "$rate") ;;
	signal/cpu) cmd=("$OUT/tb-signal" record -F "$rate") ;;
	signal/wall) cmd=("$OUT/tb-signal" record --wall -F "$rate") ;;
	tracefunc/*) cmd=("$OUT/tb-tracefunc" -m "$mode") ;;
	method_hook/*) cmd=("$OUT/tb-tracefunc" --hook method -m "$mode") ;;
	esac
	[ "$tech" = untraced ] || cmd+=(-o "$pre.result.json" --)
	rm -f "$pre".*
	run_error=
	run_status=0
	if [ -n "$gated" ]; then
		GATE_TRACER_CPU=$tcpu
		GATE_TARGET_CPU=$BENCH_CPU
		run_gated "$program" "$pre" "${cmd[@]}" "$program" "${args[@]}"
	elif [ "$tech" = vm_readv ]; then
		# tb-vmreadv starts the workload through taskset: on BENCH_CPU from its exec on.
		"${cmd[@]}" taskset -c "$BENCH_CPU" "$program" "${args[@]}" >"$pre.out" 2>"$pre.err" ||
			run_status=$?
	else
		"${cmd[@]}" "$program" "${args[@]}" >"$pre.out" 2>"$pre.err" || run_status=$?
	fi
	echo "$run_status|$run_error" >"$pre.status"
	# The stream's events, tallied per method id (count and sum of arg 1), then let go.
	if [ "$mode" = stream ] && [ -f "$pre.out" ]; then
		awk '$5 == "tracebench:method_entry" && NF >= 7 { n[$6]++; s[$6] += $7 }
		END { for (k in n) printf "%s %d %.0f\n", k, n[k], s[k] }' "$pre.out" >"$pre.tally"
		: >"$pre.out"
	fi
	base=
	[ "$tech" = untraced ] || base=$(precision_baseline "$part" "$tech" "$scale" "$len")
	echo "$round|$part|$tech|$mode|$rate|$scale|$len|$base" >>"$TMP/precision/runs"
}

# jget FILE PATH: the value at PATH of the JSON FILE, or nothing
jget() { "$OUT/tests/json_get" "$1" "$2" 2>/dev/null || true; }

# precision_counts PRE TECHNIQUE MODE TRUTH: "method truth_calls seen truth_arg_sum arg_sum" per
# method the workload called (arg_sum "-" where the tool reads no argument), from the result
precision_counts()
{
	local pre=$1 tech=$2 mode=$3 truth=$4 r=$1.result.json m id calls tsum seen sum
	for m in $(jget "$truth" methods); do
		calls=$(jget "$truth" "methods.$m.calls")
		[ "${calls:-0}" != 0 ] || continue
		tsum=$(jget "$truth" "methods.$m.arg_sum")
		id=$(jget "$truth" "methods.$m.id")
		sum=-
		case $tech/$mode in
		usdt/count)
			seen=$(jget "$r" "values.tracebench:method_entry.$id.count")
			sum=$(jget "$r" "values.tracebench:method_entry.$id.sum")
			;;
		usdt/stream)
			read -r seen sum < <(awk -v id="$id" '$1 == id { print $2, $3 }' "$pre.tally") ||
				true
			;;
		ptrace/break)
			seen=$(jget "$r" "counts.$m")
			sum=$(jget "$r" "sites.$m.arg_sums.0")
			;;
		*) seen=$(jget "$r" "counts.$m") ;;
		esac
		echo "$m $calls ${seen:-0} $tsum ${sum:-0}"
	done
}

# precision_shares FILE KEY: "name share" per entry of the object KEY (a profile) of FILE
precision_shares()
{
	local k
	for k in $(jget "$1" "$2"); do
		echo "$k $(jget "$1" "$2.${k//./\\.}")"
	done
}

# precision_score ROUND PART TECHNIQUE MODE RATE SCALE LENGTH BASELINE: the run's row(s) of
# precision_raw.csv, scored against its truth file and its baseline's of the same round
precision_score()
{
	local round=$1 part=$2 tech=$3 mode=$4 rate=$5 scale=$6 len=$7 base=$8 pre bpre status=ok
	local truth bt r rs re wall calls ns bns overhead='' cpu='' lost='' samples='' achieved=''
	local share
	local program threads requests='' secs='' placement=unpinned m tq tm tcount id
	pre=$TMP/precision/$round-$(precision_name "$part" "$tech" "$mode" "$rate" "$scale" "$len")
	bpre=$TMP/precision/$round-$base
	truth=$pre.truth.json bt=$bpre.truth.json r=$pre.result.json
	program=$(precision_program "$tech" "$mode")
	IFS='|' read -r rs re <"$pre.status"
	case $part in
	count) threads=$PRECISION_COUNT_THREADS requests=$len ;;
	profile) threads=$PRECISION_PROFILE_THREADS secs=$len ;;
	latency) threads=1 requests=$len ;;
	esac
	[ "$part" = count ] || placement="tracer CPU $TRACER_CPU; workload CPU $BENCH_CPU"
	[[ "$mode" != *-same-cpu ]] || placement="tracer and workload CPU $BENCH_CPU"
	[ "$tech" != untraced ] || [ "$part" = count ] || placement="workload CPU $BENCH_CPU"
	if [ -n "$re" ]; then
		status="failed: $re"
	elif [ "$rs" != 0 ]; then
		status="failed: exited with status $rs"
	fi
	wall=$(jget "$truth" hot_wall_ns)
	calls=$(jget "$truth" method_calls)
	[ "$status" != ok ] || [ -n "$wall" ] || status="failed: the workload wrote no truth file"
	ns=$(awk -v w="$wall" -v n="$calls" 'BEGIN { if (n > 0) printf "%.3f", w / n }')
	share=$(awk -v c="$(jget "$truth" hot_cpu_ns)" -v w="$wall" -v t="$threads" \
		'BEGIN { if (w > 0 && t > 0 && c != "") printf "%.3f", c / w / t }')
	# A latency is wall-clock time: a thread that did not have its CPU to itself (another
	# process ran there) measures the other's time too. A ptrace stop is not the thread's CPU
	# time, so its runs cannot be checked this way.
	if [ "$status" = ok ] && [ "$part" = latency ] && [ "$tech" != ptrace ] && [ -n "$share" ] &&
		awk -v s="$share" -v m="$PRECISION_MIN_CPU_SHARE" 'BEGIN { exit !(s < m) }'; then
		status="failed: contended: the workload's thread ran $share of its hot phase on CPU"
		status+=" $BENCH_CPU (below $PRECISION_MIN_CPU_SHARE: another process ran there)"
	fi
	# The baseline supplies the truth a traced run is scored against (its calibration, its ns
	# per call): a failed one, or a contended one for a latency, leaves nothing to score against.
	if [ "$status" = ok ] && [ "$tech" != untraced ]; then
		local brs bre bshare
		IFS='|' read -r brs bre <"$bpre.status" 2>/dev/null || brs=missing
		if [ -n "$bre" ] || [ "$brs" != 0 ] || [ ! -s "$bt" ]; then
			status="failed: its baseline (untraced, the same round) failed"
		elif [ "$part" = latency ]; then
			bshare=$(awk -v c="$(jget "$bt" hot_cpu_ns)" -v w="$(jget "$bt" hot_wall_ns)" \
				'BEGIN { if (w > 0 && c != "") printf "%.3f", c / w }')
			if [ -n "$bshare" ] && awk -v s="$bshare" -v m="$PRECISION_MIN_CPU_SHARE" \
				'BEGIN { exit !(s < m) }'; then
				status="failed: contended: its baseline's thread ran $bshare of its hot phase"
				status+=" on CPU $BENCH_CPU (below $PRECISION_MIN_CPU_SHARE)"
			fi
		fi
	fi
	if [ "$tech" != untraced ]; then
		bns=$(awk -v w="$(jget "$bt" hot_wall_ns)" -v n="$(jget "$bt" method_calls)" \
			'BEGIN { if (n > 0) printf "%.3f", w / n }')
		[ -z "$ns" ] || [ -z "$bns" ] ||
			overhead=$(awk -v a="$ns" -v b="$bns" 'BEGIN { printf "%.2f", (a / b - 1) * 100 }')
		if [ -s "$r" ]; then
			cpu=$(jget "$r" tracer_cpu_ns)
			lost=$(jget "$r" lost)
		elif [ "$status" = ok ]; then
			status="failed: $tech wrote no result"
		fi
	fi
	# columns after the run's: samples value unit truth seen lost methods methods_exact worst
	# worst_value noise_tvd truth_ns measured_ns error_ns achieved_hz
	local rows=() line
	case $part/$tech in
	*/untraced) rows=("baseline|||||||||||||||") ;;
	count/*)
		[ "$status" != ok ] || precision_counts "$pre" "$tech" "$mode" "$truth" >"$pre.counts"
		[ -s "$pre.counts" ] || : >"$pre.counts"
		line=$(awk -v lost="${lost:-0}" -v status="$status" '
		{ n++; truth += $2; seen += $3; c = $2 > 0 ? $3 / $2 : 0
		  if ($3 == $2) exact++
		  if ($3 > $2) over = over " " $1 "(" $3 " of " $2 ")"
		  if (n == 1 || c < worst) { worst = c; wname = $1 }
		  if ($5 != "-") { sums++; if (($4 "") == ($5 "")) sumok++ } }
		END {
			if (status == "ok" && !n) status = "failed: no method counted"
			else if (status == "ok" && over != "") status = "failed: more events than calls:" over
			else if (status == "ok" && seen + lost != truth)
				status = "failed: seen " seen " + lost " lost " != " truth " calls (a silent miscount)"
			printf "%s|%s|%s|%s|%s|%s|%s|%s", status, truth, seen, n + 0, exact + 0, wname,
			       n ? sprintf("%.6f", worst) : "", truth ? sprintf("%.6f", seen / truth) : ""
			printf "|%s|%s\n", sums + 0, sums ? sprintf("%.6f", sumok / sums) : ""
		}' "$pre.counts")
		local tt ts nm ex wn wv comp ns_sums fid
		IFS='|' read -r status tt ts nm ex wn wv comp ns_sums fid <<<"$line"
		rows=("completeness|$ts|$comp|ratio|$tt|$ts|${lost:-}|$nm|$ex|$wn|$wv|||||")
		[ "$ns_sums" = 0 ] ||
			rows+=("arg_fidelity|$ts|$fid|ratio|$tt|$ts|${lost:-}|$nm|$(awk '$5 != "-" && ($4 "") == ($5 "")' \
				"$pre.counts" | wc -l)||||||||")
		;;
	profile/*)
		local key=method_profile skey=method_samples
		[ "$tech" != vm_readv ] || key=profile skey=samples
		samples=$(jget "$r" "$skey")
		achieved=$(jget "$r" achieved_hz)
		[ "$tech" != ptrace ] || achieved=$(awk -v n="$(jget "$r" samples)" \
			-v d="$(jget "$r" duration_ns)" 'BEGIN { if (d > 0) printf "%.1f", n * 1e9 / d }')
		: >"$pre.shares"
		for m in $(jget "$bt" methods); do
			tq=$(jget "$bt" "methods.$m.self_share")
			[ -z "$tq" ] || echo "truth $m $tq" >>"$pre.shares"
		done
		[ "$status" != ok ] || precision_shares "$r" "$key" | sed 's/^/sampled /' >>"$pre.shares"
		line=$(awk -v n="${samples:-0}" -v status="$status" "$AWK_STATS"'
		$1 == "truth" { q[$2] = $3; nq++ }
		$1 == "sampled" { p[$2] = $3; sp += $3; np++ }
		END {
			if (status == "ok" && !nq) status = "failed: the baseline has no calibrated self_share"
			else if (status == "ok" && (!np || n <= 0)) status = "failed: no samples with a method"
			else if (status == "ok" && (sp < 0.999 || sp > 1.001))
				status = "failed: the profile shares sum to " sp
			d = status == "ok" ? tvd(p, q) : ""
			# what sampling noise alone gives: 1/2 sum E|p - q| ~ 1/2 sum sqrt(2 q (1 - q) / (pi n))
			for (k in q) if (n > 0) noise += sqrt(2 * q[k] * (1 - q[k]) / (3.14159265 * n))
			if (d != "" && d < 0) { status = "failed: an empty or negative profile"; d = "" }
			# the method most off: the largest |sampled - true share|, signed
			for (k in q) all[k] = 1
			for (k in p) all[k] = 1
			for (k in all) {
				x = ((k in p) ? p[k] : 0) - ((k in q) ? q[k] : 0)
				if (w == "" || (x < 0 ? -x : x) > (wv < 0 ? -wv : wv)) { wv = x; w = k }
			}
			printf "%s|%s|%s|%s|%s\n", status, (d == "" ? "" : sprintf("%.6f", d)),
			       (n > 0 ? sprintf("%.6f", noise / 2) : ""), w, (w == "" ? "" : sprintf("%+.6f", wv))
		}' "$pre.shares")
		local tvdv noise off offv
		IFS='|' read -r status tvdv noise off offv <<<"$line"
		rows=("profile_tvd|$samples|$tvdv|tvd|||${lost:-}|||$off|$offv|$noise||||$achieved")
		;;
	latency/*)
		m=$PRECISION_LATENCY_METHOD
		tq=$(jget "$bt" "methods.$m.self_ns_per_call")
		tcount=$(jget "$truth" "methods.$m.calls")
		local measured='' timed=''
		case $tech in
		usdt)
			id=$(jget "$truth" "methods.$m.id")
			timed=$(jget "$r" "histograms.$id.count")
			measured=$(awk -v s="$(jget "$r" "histograms.$id.sum_ns")" -v n="$timed" \
				'BEGIN { if (n > 0) printf "%.3f", s / n }')
			;;
		*)
			timed=$(jget "$r" "latency.$m.calls")
			measured=$(jget "$r" "latency.$m.mean_ns")
			;;
		esac
		if [ "$status" = ok ] && [ -z "$tq" ]; then
			status="failed: the baseline has no calibrated self_ns_per_call for $m"
		elif [ "$status" = ok ] && [ "$timed" != "$tcount" ]; then
			status="failed: $tech timed ${timed:-no} calls of $m; the workload made $tcount"
		fi
		line=$(awk -v t="$tq" -v x="$measured" 'BEGIN {
			if (t > 0 && x != "") printf "%.3f|%.3f|%.3f|%.2f", t, x, x - t, (x - t) / t * 100 }')
		local tns mns ens epct
		IFS='|' read -r tns mns ens epct <<<"$line"
		tm=query-short
		[ "$scale" = "$PRECISION_SHORT_SCALE" ] || tm=query-long
		rows=("latency_error|$timed|$epct|pct|$tcount|$timed|${lost:-}||||||$tns|$mns|$ens||$tm")
		;;
	esac
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $part/$tech/$mode${rate:+/$rate Hz}/s$scale/$len: $status"
			cat "$pre.out" "$pre.err" 2>/dev/null
		} >>"$RESULTS_DIR/precision_failures.txt"
	fi
	local kind f
	for line in "${rows[@]}"; do
		IFS='|' read -r -a f <<<"$line"
		kind=${f[0]}
		# the method column: latency's query-short / query-long (the 17th field), else empty
		printf '%s,' "$round" "$kind" "$tech" "$mode" "$rate" "$scale" "$threads" "$requests" \
			"$secs" "${f[16]:-}" "$program" "$placement" "${f[1]:-}" "${f[2]:-}" "${f[3]:-}" \
			"${f[4]:-}" "${f[5]:-}" "${f[6]:-}" "${f[7]:-}" "${f[8]:-}" "${f[9]:-}" \
			"${f[10]:-}" "${f[11]:-}" "${f[12]:-}" "${f[13]:-}" "${f[14]:-}" "${f[15]:-}" \
			"$wall" "$calls" "$ns" "${bns:-}" "$overhead" "$cpu" "$share"
		echo "$status"
	done >>"$RESULTS_DIR/precision_raw.csv"
}

# precision_skip_of TECHNIQUE MODE: why that configuration cannot run here ("" if it can)
precision_skip_of() { [ "$1" = untraced ] || echo "${PRECISION_SKIP[$1/$2]:-}"; }

# precision_run: the rounds, then the scoring of every run, then precision_summary.csv
precision_run()
{
	local configs run='' skips='' part tech mode rate scale len nrun round base why
	configs=$(precision_configs)
	while IFS='|' read -r part tech mode rate scale len _; do
		why=$(precision_skip_of "$tech" "$mode")
		if [ -n "$why" ]; then
			skips+="$part|$tech|$mode|$rate|$scale|$len|$why"$'\n'
		else
			run+="$part|$tech|$mode|$rate|$scale|$len"$'\n'
		fi
	done <<<"$configs"
	run=${run%$'\n'}
	mkdir -p "$TMP/precision"
	: >"$TMP/precision/runs"
	nrun=$(wc -l <<<"$run")
	total=$((PRECISION_ROUNDS * nrun))
	echo "bench: precision: $PRECISION_ROUNDS interleaved rounds of $nrun configurations" \
		"(completeness: -t $PRECISION_COUNT_THREADS -r $PRECISION_REQUESTS; profiles: -t 1 -s" \
		"$PRECISION_PROFILE_SCALE, $PRECISION_PROFILE_POINTS; latency: query at -s" \
		"$PRECISION_SHORT_SCALE and -s $PRECISION_LONG_SCALE)" >&2
	# In blocks by part (count, profile, latency): each run near the baseline it is scored against.
	run_rounds "$PRECISION_ROUNDS" "$run" 6 precision_measure 1

	echo "round,kind,technique,mode,rate_hz,scale,threads,requests,duration_s,method,program," \
		"placement,samples,value,unit,truth_events,seen_events,lost,methods,methods_exact," \
		"worst_method,worst_method_value,noise_tvd,truth_ns,measured_ns,error_ns,achieved_hz," \
		"hot_wall_ns,method_calls,ns_per_call,baseline_ns_per_call,overhead_pct,tracer_cpu_ns," \
		"workload_cpu_share,status" | tr -d ' ' >"$RESULTS_DIR/precision_raw.csv"
	echo "bench: precision: scoring $(wc -l <"$TMP/precision/runs") runs" >&2
	while IFS='|' read -r round part tech mode rate scale len base; do
		precision_score "$round" "$part" "$tech" "$mode" "$rate" "$scale" "$len" "$base"
	done <"$TMP/precision/runs"

	precision_summary "$configs" "$skips" >"$RESULTS_DIR/precision_summary.csv"
}

# precision_summary CONFIGS SKIPS: precision_summary.csv from precision_raw.csv — per
# configuration and measure, the median [p25, p75] over the rounds of the value and the overhead
precision_summary()
{
	awk -F, -v configs="$1" -v skips="$2" -v rounds="$PRECISION_ROUNDS" \
		-v short="$PRECISION_SHORT_SCALE" "$AWK_STATS"'
	# add(NAME, V, O, S): one ok run of NAME: its value, overhead and samples
	function add(name, v, o, s) {
		n[name]++; val[name, n[name]] = v; smp[name, n[name]] = s
		if (o != "") { no[name]++; ovh[name, no[name]] = o }
	}
	# row(KIND, F, NAME, UNIT, METHOD, STATUS, DESC): a summary line
	function row(kind, f, name, unit, method, status, desc,    i, k, v, o, s) {
		k = n[name] + 0
		for (i = 1; i <= k; i++) { v[i] = val[name, i]; s[i] = smp[name, i] }
		for (i = 1; i <= no[name]; i++) o[i] = ovh[name, i]
		printf "%s,%s,%s,%s,%s,%d,", kind, f[2], f[3], f[4], f[5], k
		if (k) printf "%.0f,%s,%s,%s,", quantile(s, k, 0.5), fmt(quantile(v, k, 0.5)),
			fmt(quantile(v, k, 0.25)), fmt(quantile(v, k, 0.75))
		else printf ",,,,"
		printf "%s,", unit
		if (no[name]) printf "%.2f,%.2f,%.2f,", quantile(o, no[name], 0.5),
			quantile(o, no[name], 0.25), quantile(o, no[name], 0.75)
		else printf ",,,"
		printf "%s,%s,\"%s\"\n", method, status, desc
	}
	function fmt(x) { return sprintf("%.6g", x) }
	NR == 1 { next }
	$2 == "baseline" { next }
	{
		name = $2 "/" $3 "/" $4 "/" $5 "/" $6 "/" ($8 != "" ? $8 : $9)
		runs[name]++
		# A contended run (another process had the CPU of the workload) is left out of the numbers;
		# the row fails only if no run is left. Any other failure fails the row.
		if ($35 ~ /^failed: contended/) { contended[name]++; if (!(name in cwhy)) cwhy[name] = $35; next }
		if ($35 != "ok") { failed[name]++; if (!(name in why)) why[name] = $35; next }
		if ($14 != "") add(name, $14, $32, $13)
	}
	END {
		nskip = split(skips, sl, "\n")
		for (i = 1; i <= nskip; i++) if (sl[i] != "") {
			split(sl[i], f, "|"); skipped[f[1] "|" f[2] "|" f[3] "|" f[4] "|" f[5] "|" f[6]] = f[7]
		}
		print "kind,technique,mode,rate_hz,scale,rounds,median_samples,median_value,p25_value," \
		      "p75_value,unit,median_overhead_pct,p25_overhead_pct,p75_overhead_pct,method," \
		      "status,description"
		nconf = split(configs, cl, "\n")
		for (c = 1; c <= nconf; c++) {
			split(cl[c], f, "|")
			if (f[2] == "untraced") continue
			desc = f[7]; gsub(/"/, "\"\"", desc)
			key = f[1] "|" f[2] "|" f[3] "|" f[4] "|" f[5] "|" f[6]
			nk = 0
			if (f[1] == "count") {
				kinds[++nk] = "completeness"
				if (f[2] == "usdt" || f[2] == "ptrace") kinds[++nk] = "arg_fidelity"
			} else if (f[1] == "profile") kinds[++nk] = "profile_tvd"
			else kinds[++nk] = "latency_error"
			for (j = 1; j <= nk; j++) {
				unit = kinds[j] == "profile_tvd" ? "tvd" : kinds[j] == "latency_error" ? "pct" : "ratio"
				method = kinds[j] == "latency_error" ? (f[5] == short ? "query-short" : "query-long") : ""
				name = kinds[j] "/" f[2] "/" f[3] "/" f[4] "/" f[5] "/" f[6]
				if (key in skipped) status = skipped[key]
				else if (failed[name]) status = "failed: " failed[name] " of " runs[name] " runs (" why[name] ")"
				else if (contended[name] >= runs[name] && runs[name])
					status = "failed: " contended[name] " of " runs[name] " runs (" cwhy[name] ")"
				else if (!runs[name]) status = "failed: no run"
				else status = "ok"
				d = desc (f[1] == "profile" ? " [" f[6] " s]" : "")
				row(kinds[j], f, name, unit, method, status, d)
			}
		}
	}' "$RESULTS_DIR/precision_raw.csv"
}

# precision_report: the section's part of REPORT.md
precision_report()
{
	local raw=$RESULTS_DIR/precision_raw.csv sum=$RESULTS_DIR/precision_summary.csv
	echo "## Precision: what each technique saw of what happened"
	echo
	echo "$PRECISION_ROUNDS interleaved rounds (the order rotated each round). Every measure is scored"
	echo "against the workload's truth file: the counts and argument sums of the run itself; the"
	echo "calibrated self time (\`-c\`) of the untraced run of the same configuration in the same round."
	echo "Overhead: the hot phase's ns per method call against that untraced run, in %. Median [p25, p75]"
	echo "over the rounds; failed runs are left out and listed in \`precision_failures.txt\`."
	echo
	echo "**Completeness and argument fidelity** on \`workload -t $PRECISION_COUNT_THREADS -r $PRECISION_REQUESTS -s"
	echo "$PRECISION_COUNT_SCALE\` (each build as its tool needs), unpinned: completeness = events seen / calls made"
	echo "(all methods), with the tool's own \`lost\`; a run whose seen + lost differs from the calls made is a"
	echo "silent miscount and fails. Fidelity = the share of methods whose argument sum, as read, equals"
	echo "the truth's \`arg_sum\` exactly."
	echo
	echo "| technique/mode | measure | runs ok | events seen (median) | value (median [p25, p75]) | lost (median) | overhead, % | status |"
	echo "|---|---|---:|---:|---:|---:|---:|---|"
	awk -F, "$AWK_STATS"'
	FILENAME ~ /raw/ {
		if (FNR > 1 && ($2 == "completeness" || $2 == "arg_fidelity") && $35 == "ok") {
			k = $2 "/" $3 "/" $4; nl[k]++; l[k, nl[k]] = $18 + 0
		}
		next
	}
	FNR > 1 && ($1 == "completeness" || $1 == "arg_fidelity") {
		k = $1 "/" $2 "/" $3
		for (i = 1; i <= nl[k]; i++) x[i] = l[k, i]
		st = $0; sub(/,"[^"]*"$/, "", st); sub(/.*,/, "", st)
		printf "| %s/%s | %s | %d | %s | %s | %s | %s | %s |\n", $2, $3, $1, $6, $7,
		       $8 == "" ? "-" : sprintf("%.4f [%.4f, %.4f]", $8, $9, $10),
		       nl[k] ? quantile(x, nl[k], 0.5) : "-",
		       $12 == "" ? "-" : sprintf("%+.1f [%+.1f, %+.1f]", $12, $13, $14), st
	}' "$raw" "$sum"
	echo
	echo "**Profile distance** on \`workload -t $PRECISION_PROFILE_THREADS -d SECONDS -s $PRECISION_PROFILE_SCALE\` on CPU $BENCH_CPU,"
	echo "the sampler on CPU $TRACER_CPU (the \`*-same-cpu\` rows: both on CPU $BENCH_CPU; one worker thread,"
	echo "the main thread waiting for it): the total variation distance"
	echo "(½ Σ |p − q| over the methods) between the sampled leaf-method profile (tb-vmreadv's \`profile\`,"
	echo "tb-signal's and tb-ptrace's \`method_profile\`) and the truth's calibrated \`self_share\`. Samples:"
	echo "those with a method on the stack. \"Noise only\" is what sampling noise alone would give with"
	echo "that many samples from the true profile (½ Σ √(2q(1 − q)/(πn))): a TVD well above it is bias."
	echo
	echo "| technique/mode | rate, Hz | seconds | runs ok | samples (median) | TVD (median [p25, p75]) | noise only | achieved Hz | most off: sampled − true share | overhead, % | status |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"
	awk -F, "$AWK_STATS"'
	NR > 1 && $2 == "profile_tvd" {
		k = $3 "/" $4 "/" $5 "/" $9
		if (!(k in runs)) order[++nk] = k
		runs[k]++; st[k] = $35
		if ($35 != "ok") { bad[k]++; next }
		c = ++n[k]; t[k, c] = $14; s[k, c] = $13; z[k, c] = $23; h[k, c] = $27
		o[k, c] = $32; u[k, $21]++; uv[k, $21] += $22
	}
	END {
		for (i = 1; i <= nk; i++) {
			k = order[i]; split(k, f, "/"); m = n[k] + 0
			for (j = 1; j <= m; j++) { a[j] = t[k, j]; b[j] = s[k, j]; e[j] = z[k, j]
				g[j] = h[k, j]; w[j] = o[k, j] }
			# the method most often most off, and its mean signed error in those runs
			off = ""; best = 0
			for (x in u) { split(x, y, SUBSEP); if (y[1] == k && u[x] > best && y[2] != "") {
				best = u[x]; off = sprintf("%s %+.3f", y[2], uv[x] / u[x]) } }
			if (!m) { printf "| %s/%s | %s | %s | 0 of %d | | | | | | | %s |\n", f[1], f[2],
				f[3], f[4], runs[k], st[k]; continue }
			printf "| %s/%s | %s | %s | %d of %d | %.0f | %.3f [%.3f, %.3f] | %.3f | %s | %s | %s | %s |\n",
			       f[1], f[2], f[3], f[4], m, runs[k], quantile(b, m, 0.5), quantile(a, m, 0.5),
			       quantile(a, m, 0.25), quantile(a, m, 0.75), quantile(e, m, 0.5),
			       g[1] == "" ? "-" : sprintf("%.0f", quantile(g, m, 0.5)), off == "" ? "-" : off,
			       w[1] == "" ? "-" : sprintf("%+.1f", quantile(w, m, 0.5)),
			       bad[k] ? "failed: " bad[k] " of " runs[k] : "ok"
		}
	}' "$raw"
	echo
	echo "**Latency error** (the observer effect) of \`$PRECISION_LATENCY_METHOD\`, a leaf, on \`workload -t 1\` at"
	echo "\`-s $PRECISION_SHORT_SCALE -r $PRECISION_SHORT_REQUESTS\` (query-short) and \`-s $PRECISION_LONG_SCALE -r"
	echo "$PRECISION_LONG_REQUESTS\` (query-long); the tracer on CPU $TRACER_CPU, the workload moved to CPU"
	echo "$BENCH_CPU at its start gate: the mean latency each tool measured against the calibrated"
	echo "\`self_ns_per_call\` of the untraced run of the same build, scale and round. Every call must be timed,"
	echo "and a run whose workload thread ran less than $PRECISION_MIN_CPU_SHARE of its hot phase (another process"
	echo "shared CPU $BENCH_CPU) fails — but for ptrace, whose stops are not CPU time: its rows are unchecked."
	echo
	echo "| technique/mode | method | runs ok | true, ns | measured, ns | error, ns | error, % (median [p25, p75]) | overhead, % | status |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
	awk -F, "$AWK_STATS"'
	NR > 1 && $2 == "latency_error" {
		k = $3 "/" $4 "/" $10
		if (!(k in runs)) order[++nk] = k
		runs[k]++; st[k] = $35
		if ($35 != "ok") { bad[k]++; next }
		c = ++n[k]; tr[k, c] = $24; me[k, c] = $25; er[k, c] = $26; pc[k, c] = $14; o[k, c] = $32
	}
	END {
		for (i = 1; i <= nk; i++) {
			k = order[i]; split(k, f, "/"); m = n[k] + 0
			if (!m) { printf "| %s/%s | %s | 0 of %d | | | | | | %s |\n", f[1], f[2], f[3],
				runs[k], st[k]; continue }
			for (j = 1; j <= m; j++) { a[j] = tr[k, j]; b[j] = me[k, j]; e[j] = er[k, j]
				p[j] = pc[k, j]; w[j] = o[k, j] }
			printf "| %s/%s | %s | %d of %d | %.0f | %.0f | %+.0f | %+.1f [%+.1f, %+.1f] | %s | %s |\n",
			       f[1], f[2], f[3], m, runs[k], quantile(a, m, 0.5), quantile(b, m, 0.5),
			       quantile(e, m, 0.5), quantile(p, m, 0.5), quantile(p, m, 0.25),
			       quantile(p, m, 0.75), w[1] == "" ? "-" : sprintf("%+.1f", quantile(w, m, 0.5)),
			       bad[k] ? "failed: " bad[k] " of " runs[k] : "ok"
		}
	}' "$raw"
	echo
	precision_findings "$raw"
	echo
}

# precision_findings RAW: a paragraph of what the tables show, from their numbers
precision_findings()
{
	awk -F, "$AWK_STATS"'
	NR == 1 || $35 != "ok" { next }
	$2 == "completeness" {
		k = $3 "/" $4; if (!(k in cn)) corder[++nc] = k
		cn[k]++; cv[k, cn[k]] = $14; cl[k] += $18
	}
	$2 == "arg_fidelity" { k = $3 "/" $4; fn[k]++; if ($14 + 0 == 1) fok[k]++ }
	$2 == "profile_tvd" {
		k = $3 "/" $4; if (!(k in pn)) porder[++np] = k
		pn[k] = 1
		c = k "/" $5 "/" $9; if (!(c in cfg)) { cfg[c] = k; ncfg++ }
		m = ++cn2[c]; cs[c, m] = $13; ct[c, m] = $14; cz[c, m] = $23
	}
	$2 == "latency_error" {
		k = $3 "/" $4 "/" $10; if (!(k in ln)) lorder[++nl] = k
		ln[k]++; lp[k, ln[k]] = $14; le[k, ln[k]] = $26
	}
	END {
		printf "What they show. "
		exact = ""; short = ""
		for (i = 1; i <= nc; i++) {
			k = corder[i]; all = 1
			for (j = 1; j <= cn[k]; j++) if (cv[k, j] + 0 != 1) all = 0
			if (all && cl[k] == 0) exact = exact (exact == "" ? "" : ", ") k
			else {
				m = cv[k, 1]; for (j = 2; j <= cn[k]; j++) if (cv[k, j] < m) m = cv[k, j]
				short = short (short == "" ? "" : "; ") sprintf("%s saw as little as %.4f of the calls (%d lost over %d runs, all accounted for)", k, m, cl[k], cn[k])
			}
		}
		if (exact != "") printf "Exact tracers: %s saw every call in every run, nothing lost. ", exact
		if (short != "") printf "%s. ", short
		fid = ""
		for (k in fn) fid = fid (fid == "" ? "" : ", ") sprintf("%s %d of %d runs", k, fok[k] + 0, fn[k])
		if (fid != "") printf "Every argument sum right (fidelity 1): %s. ", fid
		# per configuration (rate and seconds), the medians over the rounds
		for (c in cfg) {
			m = cn2[c]
			for (j = 1; j <= m; j++) { a[j] = cs[c, j]; b[j] = ct[c, j]; e[j] = cz[c, j] }
			ms[c] = quantile(a, m, 0.5); mt[c] = quantile(b, m, 0.5); mz[c] = quantile(e, m, 0.5)
		}
		for (i = 1; i <= np; i++) {
			k = porder[i]; lo = ""; hi = ""
			# the configuration with the fewest samples and the one with the most
			for (c in cfg) if (cfg[c] == k) {
				if (lo == "" || ms[c] < ms[lo]) lo = c
				if (hi == "" || ms[c] > ms[hi]) hi = c
			}
			if (lo == hi) printf "%s: TVD %.3f at %d samples (noise alone %.3f)", k, mt[hi], ms[hi], mz[hi]
			else printf "%s: TVD %.3f at %d samples (noise alone %.3f), %.3f at %d (noise %.3f)", k,
			       mt[lo], ms[lo], mz[lo], mt[hi], ms[hi], mz[hi]
			if (mt[hi] > 3 * mz[hi] && mt[hi] - mz[hi] > 0.02)
				printf ": a bias of about %.2f that more samples do not remove. ", mt[hi] - mz[hi]
			else printf ": within a few times the sampling noise. "
		}
		for (i = 1; i <= nl; i++) {
			k = lorder[i]; m = ln[k]
			for (j = 1; j <= m; j++) { a[j] = lp[k, j]; b[j] = le[k, j] }
			printf "%s%s measures %s %+.0f ns (%+.1f%%)", i == 1 ? "Latency: " : "; ", k,
			       "query", quantile(b, m, 0.5), quantile(a, m, 0.5)
		}
		if (nl) printf "."
		printf "\n"
	}' "$1"
}
