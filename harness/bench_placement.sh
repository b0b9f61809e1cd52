# bench_placement.sh - make bench's placement section (sourced by bench.sh): tracer and target on one CPU vs on two
#
# Every technique whose tracer is a process of its own, in two placements: same (the tracer and
# the workload both on BENCH_CPU) and cross (the tracer on TRACER_CPU, the workload on BENCH_CPU).
# tb-ptrace break query (one stop a request), tb-ptrace syscall (two stops a system call, two
# calls a request), tb-ptrace sample and tb-vmreadv (non-blocking and --blocking) at
# PLACEMENT_HZ, tb-usdt -m stream (the BPF program runs in the workload's context, its ring
# buffer's consumer is the tool's process) and tb-usdt -m count (nothing in the tool's process
# while it traces: the contrast). The one-thread request workload runs for PLACEMENT_SECONDS at
# scale PLACEMENT_SCALE; each traced run is set against the untraced run of the same build in the
# same round (the plain one calibrated, -c: the samplers' true profile). Measures: the hot
# phase's ns per request and its overhead, the added wall time per event (stop, system call, hit
# or sample), the tracer's CPU, and for the samplers the samples per second and the profile's
# total variation distance to the calibrated one; the exact tracers' counts are checked against
# the truth. The same/cross comparison is paired per round (placement_ratios.csv).
#
# Environment (presets from FULL / TINY, else quick): PLACEMENT_ROUNDS, PLACEMENT_SECONDS,
# PLACEMENT_SCALE, PLACEMENT_HZ, PLACEMENT_MIN_CPU_SHARE, PLACEMENT_TRIES.

# shellcheck disable=SC2034 # GATE_*_CPU and total are read by bench.sh's run_gated and progress
true

if [ "${FULL:-0}" = 1 ]; then
	PLACEMENT_ROUNDS=${PLACEMENT_ROUNDS:-7}
	PLACEMENT_SECONDS=${PLACEMENT_SECONDS:-1}
elif [ "${TINY:-0}" = 1 ]; then
	PLACEMENT_ROUNDS=${PLACEMENT_ROUNDS:-1}
	PLACEMENT_SECONDS=${PLACEMENT_SECONDS:-0.1}
else
	PLACEMENT_ROUNDS=${PLACEMENT_ROUNDS:-3}
	PLACEMENT_SECONDS=${PLACEMENT_SECONDS:-0.5}
fi
PLACEMENT_SCALE=${PLACEMENT_SCALE:-10}
PLACEMENT_HZ=${PLACEMENT_HZ:-1000}
# The system calls tb-ptrace syscall counts beyond the workload's own (the dynamic loader's
# pread64 of the libraries' headers, before the truth's counting starts) may not exceed this.
PLACEMENT_LOADER_SYSCALLS=64
# A run whose CPU share (placement_judged_share) is below this was contended (another process
# ran on BENCH_CPU): it fails, and for a baseline the traced runs set against it with it.
PLACEMENT_MIN_CPU_SHARE=${PLACEMENT_MIN_CPU_SHARE:-0.85}
# A contended run, untraced or traced alike, is run again at once, up to this many runs in all
# (2 at TINY=1: a run of tb-usdt takes 1.3 s, and a busy machine would retry most of them).
if [ "${TINY:-0}" = 1 ]; then
	PLACEMENT_TRIES=${PLACEMENT_TRIES:-2}
else
	PLACEMENT_TRIES=${PLACEMENT_TRIES:-3}
fi

# technique|mode|program|events|what it runs. Technique untraced: the baselines (mode: the build).
# events: what the added time is divided by — query (the calls of query), syscalls (the
# workload's pread64 and writev), samples (the tool's), method_calls (every method's entry).
PLACEMENT_CONFIGS="untraced|plain|workload||the baseline and the truth: workload, nobody attached; calibrated (-c)
untraced|usdt|workload-usdt||the baseline of tb-usdt: workload-usdt (1-byte nop USDT sites), nobody attached
ptrace|break|workload|query|tb-ptrace break query: an int3 stop a request
ptrace|syscall|workload|syscalls|tb-ptrace syscall: a stop at each system call's entry and exit (a pread64 and a writev a request)
ptrace|sample|workload|samples|tb-ptrace sample -F $PLACEMENT_HZ: PTRACE_INTERRUPT; the stopped thread unwound and its in-memory stack read
vm_readv|nonblocking|workload|samples|tb-vmreadv -F $PLACEMENT_HZ: the in-memory stack copied with process_vm_readv while the workload runs
vm_readv|blocking|workload|samples|tb-vmreadv --blocking -F $PLACEMENT_HZ: the workload seized and interrupted for each read
usdt|stream|workload-usdt|method_calls|tb-usdt -m stream tracebench:method_entry: an event a method call through the BPF ring buffer to the tool's process
usdt|count|workload-usdt|method_calls|tb-usdt -m count tracebench:method_entry: counted in a BPF map; the tool's process idle while tracing"

# placement_needed: the build/ programs the section runs
placement_needed() { echo "workload workload-usdt tb-ptrace tb-vmreadv tb-usdt tests/json_get"; }

# Why a technique/mode or a placement cannot run here (keyed technique/mode, or cross; "" if it
# can): placement_probe.
declare -A PLACEMENT_SKIP=()

# placement_try KEY COMMAND...: runs COMMAND (a short traced run, rates_try); on failure records
# why for KEY
placement_try()
{
	local key=$1
	shift
	PLACEMENT_SKIP[$key]=$(rates_try "$(basename "$1")" "$@")
}

# placement_probe: a short run of every tool and mode; sets PLACEMENT_SKIP
placement_probe()
{
	local w=$OUT/workload r=$TMP/placement_probe.json why
	local small=(-q -r 50 -s 1)
	placement_try ptrace/break "$OUT/tb-ptrace" break -o "$r" query -- "$w" "${small[@]}"
	placement_try ptrace/syscall "$OUT/tb-ptrace" syscall -o "$r" -- "$w" "${small[@]}"
	placement_try ptrace/sample "$OUT/tb-ptrace" sample -F 100 -o "$r" -- "$w" "${small[@]}"
	placement_try vm_readv/nonblocking "$OUT/tb-vmreadv" -F 100 -o "$r" -- "$w" "${small[@]}"
	placement_try vm_readv/blocking "$OUT/tb-vmreadv" --blocking -F 100 -o "$r" -- "$w" "${small[@]}"
	# tb-usdt's own check only: a run of it takes a second or two here (loading the BPF program),
	# too long for the tiny preset twice over; a run that fails then fails its rows.
	if ! why=$("$OUT/tb-usdt" --check 2>&1); then
		PLACEMENT_SKIP[usdt/stream]="skipped: tb-usdt --check says: $(oneline <<<"$why")"
		PLACEMENT_SKIP[usdt/count]=${PLACEMENT_SKIP[usdt/stream]}
	fi
	if [ "$NCPU" -lt 2 ]; then
		PLACEMENT_SKIP[cross]="skipped: one CPU only"
	elif [ "$TRACER_CPU" = "$BENCH_CPU" ]; then
		PLACEMENT_SKIP[cross]="skipped: TRACER_CPU = BENCH_CPU = $BENCH_CPU"
	fi
	rm -f "$r"
}

# placement_env: the section's env.txt lines
placement_env()
{
	local key
	echo "placement_placements=same: tracer and workload on CPU $BENCH_CPU; cross: the tracer on" \
		"CPU $TRACER_CPU; the workload on CPU $BENCH_CPU (moved there at its start gate with" \
		"taskset -a -p and released; tb-vmreadv starts it as taskset -c $BENCH_CPU WORKLOAD)"
	echo "placement_rounds=$PLACEMENT_ROUNDS"
	echo "placement_workload=workload -t 1 -d $PLACEMENT_SECONDS -s $PLACEMENT_SCALE"
	echo "placement_rate_hz=$PLACEMENT_HZ"
	echo "placement_min_cpu_share=$PLACEMENT_MIN_CPU_SHARE (a contended run, baseline or traced," \
		"run again, up to $PLACEMENT_TRIES runs; judged on the workload thread's CPU share:" \
		"untraced, tb-usdt count, tb-usdt stream and tb-vmreadv non-blocking cross; with the" \
		"tracer's CPU added: tb-ptrace and tb-vmreadv same; not judged: tb-ptrace and tb-vmreadv" \
		"--blocking cross, tb-usdt stream same)"
	for key in $(printf '%s\n' "${!PLACEMENT_SKIP[@]}" | sort); do
		[ -z "${PLACEMENT_SKIP[$key]}" ] || echo "placement_${key//\//_}=${PLACEMENT_SKIP[$key]}"
	done
}

# placement_skip_of TECHNIQUE MODE PLACEMENT: why that run cannot be made here ("" if it can)
placement_skip_of()
{
	[ "$1" != untraced ] || return 0
	local why=${PLACEMENT_SKIP[$1/$2]:-}
	[ -n "$why" ] || [ "$3" != cross ] || why=${PLACEMENT_SKIP[cross]:-}
	echo "$why"
}

# placement_measure ROUND TECHNIQUE MODE PLACEMENT: one run; its truth, result and output in
# TMP/placement/ROUND-TECHNIQUE-MODE-PLACEMENT.*, its exit status and error in .status
placement_measure()
{
	local round=$1 tech=$2 mode=$3 where=$4 pre program tcpu=$TRACER_CPU cmd=() args=()
	pre=$TMP/placement/$round-$tech-$mode-$where
	program=$(realpath "$OUT/$(placement_program "$tech" "$mode")")
	[ "$where" != same ] || tcpu=$BENCH_CPU
	args=(-q -t 1 -d "$PLACEMENT_SECONDS" -s "$PLACEMENT_SCALE" -o "$pre.truth.json")
	[ "$tech/$mode" != untraced/plain ] || args+=(-c)
	case $tech/$mode in
	untraced/*) cmd=() ;;
	ptrace/break) cmd=("$OUT/tb-ptrace" break query) ;;
	ptrace/syscall) cmd=("$OUT/tb-ptrace" syscall -e "pread64,writev") ;;
	ptrace/sample) cmd=("$OUT/tb-ptrace" sample -F "$PLACEMENT_HZ") ;;
	vm_readv/nonblocking) cmd=("$OUT/tb-vmreadv" -F "$PLACEMENT_HZ") ;;
	vm_readv/blocking) cmd=("$OUT/tb-vmreadv" --blocking -F "$PLACEMENT_HZ") ;;
	usdt/*) cmd=("$OUT/tb-usdt" -q -m "$mode" tracebench:method_entry) ;;
	esac
	[ "$tech" = untraced ] || cmd+=(-o "$pre.result.json" --)
	local try=1
	placement_once "$tech" "$pre" "$tcpu" "$program" "${#cmd[@]}" "${cmd[@]}" "${args[@]}"
	# A contended run (another process had the workload's CPU), untraced or traced, is run again,
	# up to PLACEMENT_TRIES runs in all, wherever contention can be told from the run's own
	# numbers (placement_judged_share): the same test for the baselines and the runs set against
	# them, so that neither side keeps its contended runs while the other drops them.
	while [ "$try" -lt "$PLACEMENT_TRIES" ] && [ "$run_status" = 0 ] && [ -z "$run_error" ] &&
		placement_contended "$tech" "$mode" "$where" "$pre"; do
		try=$((try + 1))
		placement_once "$tech" "$pre" "$tcpu" "$program" "${#cmd[@]}" "${cmd[@]}" "${args[@]}"
	done
	echo "$try" >"$pre.tries"
	echo "$run_status|$run_error" >"$pre.status"
	echo "$round|$tech|$mode|$where" >>"$TMP/placement/runs"
}

# placement_once TECHNIQUE PRE TRACER_CPU PROGRAM N TOOL... ARGS...: one run of the N words TOOL
# (none untraced) on PROGRAM ARGS into PRE.*; sets run_status and run_error
placement_once()
{
	local tech=$1 pre=$2 tcpu=$3 program=$4 cmd=()
	cmd=("${@:6:$5}")
	shift $((5 + $5))
	rm -f "$pre".*
	run_error=
	run_status=0
	if [ "$tech" = vm_readv ]; then
		# tb-vmreadv samples once its own start gate says ready: it starts the workload itself,
		# through taskset, on BENCH_CPU from its exec on.
		taskset -c "$tcpu" "${cmd[@]}" taskset -c "$BENCH_CPU" "$program" "$@" \
			>"$pre.out" 2>"$pre.err" || run_status=$?
	else
		GATE_TRACER_CPU=$tcpu
		GATE_TARGET_CPU=$BENCH_CPU
		run_gated "$program" "$pre" "${cmd[@]}" "$program" "$@" -g 3
	fi
}

# placement_judged_share TECHNIQUE MODE PLACEMENT PRE: the share of the hot phase the CPU
# BENCH_CPU gave this run's own processes (about 1 when nothing else ran there; less when another
# process did), or nothing where that cannot be told. Untraced, tb-usdt count (the tool idle
# while it traces), tb-usdt stream and tb-vmreadv non-blocking cross (the tool's work on the other
# CPU; a uprobe's work is charged to the thread): the thread's hot_cpu_ns / hot_wall_ns. tb-ptrace
# and tb-vmreadv same: (hot_cpu_ns + the tool's tracer_cpu_ns) / hot_wall_ns, the two sharing one
# CPU (the tool's start counted too: it can only hide contention, never make it up). Not judged:
# tb-ptrace and tb-vmreadv --blocking cross (a stopped thread waits off its CPU while the tool
# works on the other) and tb-usdt stream same (its tracer_cpu_ns is mostly the BPF program's load).
placement_judged_share()
{
	local tech=$1 mode=$2 where=$3 pre=$4 v=() tcpu=0
	case $tech/$mode/$where in
	untraced/* | usdt/count/* | usdt/stream/cross | vm_readv/nonblocking/cross) ;;
	ptrace/*/same | vm_readv/*/same)
		tcpu=$(placement_get "$pre.result.json" tracer_cpu_ns)
		[ -n "$tcpu" ] || return 0
		;;
	*) return 0 ;;
	esac
	mapfile -t v < <(placement_get "$pre.truth.json" hot_cpu_ns hot_wall_ns)
	[ "${#v[@]}" = 2 ] || return 0
	awk -v c="${v[0]}" -v t="$tcpu" -v w="${v[1]}" 'BEGIN { if (w > 0) printf "%.3f", (c + t) / w }'
}

# placement_contended TECHNIQUE MODE PLACEMENT PRE: whether the run's judged share
# (placement_judged_share) is below PLACEMENT_MIN_CPU_SHARE
placement_contended()
{
	local share
	share=$(placement_judged_share "$@")
	[ -n "$share" ] && awk -v s="$share" -v m="$PLACEMENT_MIN_CPU_SHARE" 'BEGIN { exit !(s < m) }'
}

# placement_program TECHNIQUE MODE: the workload build a configuration runs
placement_program()
{
	case $1/$2 in
	usdt/* | untraced/usdt) echo workload-usdt ;;
	*) echo workload ;;
	esac
}

# placement_get FILE PATH...: the values at PATHs of the JSON FILE, one a line (nothing if absent)
placement_get() { "$OUT/tests/json_get" "$@" 2>/dev/null || true; }

# placement_score ROUND TECHNIQUE MODE PLACEMENT: the run's row of placement_raw.csv, checked
# against its truth file and set against the untraced run of its build in the same round
placement_score()
{
	local round=$1 tech=$2 mode=$3 where=$4 pre bpre truth r status=ok rs re program events_of
	local requests='' wall='' ns='' bns='' overhead='' events='' counted='' lost='' cost=''
	local cpu='' cpu_per='' share='' sps='' tvdv='' noise='' tcpu='' dur samples key skey m q
	local judged='' tries check=ok
	pre=$TMP/placement/$round-$tech-$mode-$where
	program=$(placement_program "$tech" "$mode")
	bpre=$TMP/placement/$round-untraced-$([ "$program" = workload ] && echo plain || echo usdt)-none
	truth=$pre.truth.json r=$pre.result.json
	events_of=$(awk -F'|' -v t="$tech" -v m="$mode" '$1 == t && $2 == m { print $4 }' \
		<<<"$PLACEMENT_CONFIGS")
	case $where in
	same) tcpu=$BENCH_CPU ;;
	cross) tcpu=$TRACER_CPU ;;
	esac
	IFS='|' read -r rs re <"$pre.status"
	if [ -n "$re" ]; then
		status="failed: $re"
	elif [ "$rs" != 0 ]; then
		status="failed: exited with status $rs"
	fi
	{ read -r requests; read -r wall; read -r m; } < <(placement_get "$truth" requests hot_wall_ns \
		hot_cpu_ns) || true
	if [ -z "$wall" ] || [ "${requests:-0}" = 0 ]; then
		[ "$status" != ok ] || status="failed: the workload wrote no truth file or handled no request"
	else
		ns=$(awk -v w="$wall" -v n="$requests" 'BEGIN { printf "%.3f", w / n }')
		share=$(awk -v c="$m" -v w="$wall" 'BEGIN { if (c != "") printf "%.3f", c / w }')
	fi
	tries=$(cat "$pre.tries" 2>/dev/null || echo 1)
	judged=$(placement_judged_share "$tech" "$mode" "$where" "$pre")
	if [ "$status" = ok ] && [ -n "$judged" ] &&
		awk -v s="$judged" -v m="$PLACEMENT_MIN_CPU_SHARE" 'BEGIN { exit !(s < m) }'; then
		status="failed: contended: its processes had $judged of CPU $BENCH_CPU over the hot phase"
		status+=" (below $PLACEMENT_MIN_CPU_SHARE: another process ran there; $tries runs)"
	fi
	if [ "$tech" != untraced ]; then
		local brs bre bw bn bshare
		IFS='|' read -r brs bre <"$bpre.status" 2>/dev/null || brs=missing
		{ read -r bn; read -r bw; } < <(placement_get "$bpre.truth.json" requests hot_wall_ns) || true
		bshare=$(awk -v c="$(placement_get "$bpre.truth.json" hot_cpu_ns)" -v w="$bw" \
			'BEGIN { if (w > 0 && c != "") printf "%.3f", c / w }')
		if [ -n "$bre" ] || [ "$brs" != 0 ] || [ -z "$bw" ] || [ "${bn:-0}" = 0 ]; then
			[ "$status" != ok ] || status="failed: its baseline (untraced $program; the same round) failed"
		elif [ "$status" = ok ] && [ -n "$bshare" ] && awk -v s="$bshare" \
			-v m="$PLACEMENT_MIN_CPU_SHARE" 'BEGIN { exit !(s < m) }'; then
			status="failed: contended: its baseline's thread had $bshare of CPU $BENCH_CPU over its"
			status+=" hot phase (below $PLACEMENT_MIN_CPU_SHARE: another process ran there)"
		else
			bns=$(awk -v w="$bw" -v n="$bn" 'BEGIN { printf "%.3f", w / n }')
			[ -z "$ns" ] ||
				overhead=$(awk -v a="$ns" -v b="$bns" 'BEGIN { printf "%.2f", (a / b - 1) * 100 }')
		fi
		if [ -s "$r" ]; then
			{ read -r cpu; read -r lost; read -r dur; } < <(placement_get "$r" tracer_cpu_ns lost \
				duration_ns) || true
		elif [ "$status" = ok ]; then
			status="failed: $tech wrote no result"
		fi
	fi
	# The events the added time is divided by, and the tool's count of them against the truth:
	# read for every run that left its files (a failed run's row shows them too), checked
	# (check) and used only for a run still ok. A value missing on either side fails the check.
	case $events_of in
	query)
		events=$(placement_get "$truth" methods.query.calls)
		counted=$(placement_get "$r" counts.query)
		[ -n "$events" ] && [ "$events" -gt 0 ] && [ "$counted" = "$events" ] ||
			check="failed: tb-ptrace counted ${counted:-no} query calls; the workload made ${events:-none (no truth)}"
		;;
	syscalls)
		local tr tw cr cw
		{ read -r tr; read -r tw; } < <(placement_get "$truth" syscalls.pread64 \
			syscalls.writev) || true
		cr=$(placement_get "$r" counts.pread64)
		cw=$(placement_get "$r" counts.writev)
		if [ -n "$tr" ] && [ -n "$tw" ]; then
			events=$((tr + tw))
		fi
		if [ -n "$cr" ] && [ -n "$cw" ]; then
			counted=$((cr + cw))
		fi
		# Its writev are the workload's; its pread64 also the dynamic loader's few.
		[ -n "$events" ] && [ "$events" -gt 0 ] && [ -n "$counted" ] && [ "$cw" = "$tw" ] &&
			[ "$counted" -ge "$events" ] && [ "$counted" -le $((events + PLACEMENT_LOADER_SYSCALLS)) ] ||
			check="failed: tb-ptrace counted ${counted:-no} pread64 and writev calls (writev ${cw:-none}); the workload made ${events:-no truth of them} (writev ${tw:-none})"
		;;
	method_calls)
		events=$(placement_get "$truth" method_calls)
		counted=$(placement_get "$r" counts.tracebench:method_entry)
		if [ -z "$events" ] || [ "$events" -le 0 ] || [ -z "$counted" ] || [ -z "$lost" ]; then
			check="failed: tb-usdt counted ${counted:-no} method entries (lost ${lost:-?}); the workload made ${events:-none (no truth)}"
		elif [ "$mode" = count ] && { [ "$counted" != "$events" ] || [ "$lost" != 0 ]; }; then
			check="failed: tb-usdt counted $counted of $events method entries (lost $lost)"
		elif [ "$mode" = stream ] && [ $((counted + lost)) != "$events" ]; then
			check="failed: tb-usdt saw $counted + lost $lost method entries of $events (a silent miscount)"
		fi
		;;
	samples)
		events=$(placement_get "$r" samples)
		key=method_profile skey=method_samples
		[ "$tech" != vm_readv ] || key=profile skey=samples
		counted=$(placement_get "$r" "$skey")
		[ -n "$events" ] && [ "$events" -gt 0 ] || check="failed: $tech took no samples"
		;;
	esac
	[ "$status" != ok ] || status=$check
	if [ "$status" = ok ]; then
		case $events_of in
		samples)
			sps=$(awk -v n="$events" -v d="$dur" 'BEGIN { if (d > 0) printf "%.1f", n * 1e9 / d }')
			# The profile against the calibrated self_share of the untraced run of this round.
			: >"$pre.shares"
			for m in $(placement_get "$bpre.truth.json" methods); do
				q=$(placement_get "$bpre.truth.json" "methods.$m.self_share")
				[ -z "$q" ] || echo "truth $m $q" >>"$pre.shares"
			done
			for m in $(placement_get "$r" "$key"); do
				echo "sampled $m $(placement_get "$r" "$key.$m")" >>"$pre.shares"
			done
			IFS='|' read -r status tvdv noise < <(awk -v n="${counted:-0}" "$AWK_STATS"'
			$1 == "truth" { q[$2] = $3; nq++ }
			$1 == "sampled" { p[$2] = $3; sp += $3; np++ }
			END {
				st = "ok"
				if (!nq) st = "failed: the baseline has no calibrated self_share"
				else if (!np || n <= 0) st = "failed: no samples with a method"
				else if (sp < 0.999 || sp > 1.001) st = "failed: the profile shares sum to " sp
				d = st == "ok" ? tvd(p, q) : ""
				if (d != "" && d < 0) { st = "failed: an empty or negative profile"; d = "" }
				# sampling noise alone: 1/2 sum E|p - q| ~ 1/2 sum sqrt(2 q (1 - q) / (pi n))
				for (k in q) if (n > 0) z += sqrt(2 * q[k] * (1 - q[k]) / (3.14159265 * n))
				printf "%s|%s|%s\n", st, (d == "" ? "" : sprintf("%.6f", d)),
				       (n > 0 ? sprintf("%.6f", z / 2) : "")
			}' "$pre.shares")
			;;
		esac
	fi
	if [ "$status" = ok ] && [ -n "$events" ] && [ "$events" -gt 0 ] && [ -n "$bns" ]; then
		cost=$(awk -v a="$ns" -v b="$bns" -v n="$requests" -v e="$events" \
			'BEGIN { printf "%.1f", (a - b) * n / e }')
		[ -z "$cpu" ] || cpu_per=$(awk -v c="$cpu" -v e="$events" 'BEGIN { printf "%.1f", c / e }')
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $tech/$mode/$where: $status"
			cat "$pre.out" "$pre.err" 2>/dev/null
		} >>"$RESULTS_DIR/placement_failures.txt"
	fi
	printf '%s,' "$round" "$tech" "$mode" "$where" "$tcpu" "$BENCH_CPU" "$program" \
		"$([ "$events_of" = samples ] && echo "$PLACEMENT_HZ")" "$PLACEMENT_SCALE" \
		"$PLACEMENT_SECONDS" "$requests" "$wall" "$ns" "$bns" "$overhead" "$events" "$counted" \
		"$lost" "$cost" "$cpu" "$cpu_per" "$share" "$sps" "$tvdv" "$noise" "$tries" "$judged" \
		>>"$RESULTS_DIR/placement_raw.csv"
	echo "$status" >>"$RESULTS_DIR/placement_raw.csv"
}

# placement_run: the rounds, then every run's row, placement_summary.csv and placement_ratios.csv
placement_run()
{
	local run='' skips='' tech mode where why nrun round
	while IFS='|' read -r tech mode _; do
		if [ "$tech" = untraced ]; then
			run+="$tech|$mode|none"$'\n'
			continue
		fi
		for where in same cross; do
			why=$(placement_skip_of "$tech" "$mode" "$where")
			if [ -n "$why" ]; then
				skips+="$tech|$mode|$where|$why"$'\n'
			else
				run+="$tech|$mode|$where"$'\n'
			fi
		done
	done <<<"$PLACEMENT_CONFIGS"
	run=${run%$'\n'}
	mkdir -p "$TMP/placement"
	: >"$TMP/placement/runs"
	nrun=$(wc -l <<<"$run")
	total=$((PLACEMENT_ROUNDS * nrun))
	echo "bench: placement: $PLACEMENT_ROUNDS interleaved rounds of $nrun runs, workload -t 1 -d" \
		"$PLACEMENT_SECONDS -s $PLACEMENT_SCALE on CPU $BENCH_CPU, the tracer on CPU $BENCH_CPU" \
		"(same) or $TRACER_CPU (cross)" >&2
	run_rounds "$PLACEMENT_ROUNDS" "$run" 3 placement_measure

	echo "round,technique,mode,placement,tracer_cpu,target_cpu,program,rate_hz,scale,duration_s," \
		"requests,hot_wall_ns,ns_per_request,baseline_ns_per_request,overhead_pct,events," \
		"events_counted,lost,cost_per_event_ns,tracer_cpu_ns,tracer_cpu_per_event_ns," \
		"workload_cpu_share,samples_per_s,tvd,noise_tvd,tries,judged_cpu_share,status" | tr -d ' ' \
		>"$RESULTS_DIR/placement_raw.csv"
	while IFS='|' read -r round tech mode where; do
		placement_score "$round" "$tech" "$mode" "$where"
	done < <(sort -s -t'|' -k1,1n "$TMP/placement/runs")
	placement_summary "$skips" >"$RESULTS_DIR/placement_summary.csv"
	placement_ratios "$skips" >"$RESULTS_DIR/placement_ratios.csv"
}

# placement_summary SKIPS: placement_summary.csv from placement_raw.csv — per technique, mode and
# placement, the median [p25, p75] over the ok runs of each measure
placement_summary()
{
	awk -F, -v configs="$PLACEMENT_CONFIGS" -v skips="$1" -v bench="$BENCH_CPU" \
		-v tracer="$TRACER_CPU" "$AWK_STATS"'
	# q3(NAME, COL): "median,p25,p75" of column COL over the ok runs of NAME (empty if none)
	function q3(name, c,    i, k, v) {
		k = 0
		for (i = 1; i <= n[name]; i++) if (val[name, i, c] != "") v[++k] = val[name, i, c]
		if (!k) return ",,"
		return fmt(quantile(v, k, 0.5)) "," fmt(quantile(v, k, 0.25)) "," fmt(quantile(v, k, 0.75))
	}
	# q1(NAME, COL): the median of column COL over the ok runs of NAME (empty if none)
	function q1(name, c,    s) { s = q3(name, c); sub(/,.*/, "", s); return s }
	function fmt(x) { return sprintf("%.6g", x) }
	NR == 1 { next }
	$2 == "untraced" { next }
	{
		name = $2 "/" $3 "/" $4
		runs[name]++
		if ($28 != "ok") {
			failed[name]++
			if (!(name in why)) { why[name] = $28; sub(/^failed: /, "", why[name]) }
			next
		}
		k = ++n[name]
		for (c = 1; c <= NF; c++) val[name, k, c] = $c
	}
	END {
		nskip = split(skips, sl, "\n")
		for (i = 1; i <= nskip; i++) if (sl[i] != "") {
			split(sl[i], f, "|"); skipped[f[1] "/" f[2] "/" f[3]] = f[4]
		}
		print "technique,mode,placement,tracer_cpu,target_cpu,rate_hz,runs,runs_failed," \
		      "median_overhead_pct,p25_overhead_pct,p75_overhead_pct,median_cost_per_event_ns," \
		      "p25_cost_per_event_ns,p75_cost_per_event_ns,median_tracer_cpu_per_event_ns," \
		      "median_workload_cpu_share,median_events_per_run,median_samples_per_s,median_tvd," \
		      "p25_tvd,p75_tvd,median_noise_tvd,status,description"
		nconf = split(configs, cl, "\n")
		for (c = 1; c <= nconf; c++) {
			split(cl[c], f, "|")
			if (f[1] == "untraced") continue
			desc = f[5]; gsub(/"/, "\"\"", desc)
			for (p = 1; p <= 2; p++) {
				where = p == 1 ? "same" : "cross"
				name = f[1] "/" f[2] "/" where
				if (name in skipped) status = skipped[name]
				else if (!runs[name]) status = "failed: no run"
				else if (!n[name]) status = "failed: " runs[name] " of " runs[name] " runs (" why[name] ")"
				else if (failed[name]) status = "failed: " failed[name] " of " runs[name] " runs (" why[name] ")"
				else status = "ok"
				printf "%s,%s,%s,%s,%s,%s,%d,%d,", f[1], f[2], where,
				       where == "same" ? bench : tracer, bench,
				       f[4] == "samples" ? (val[name, 1, 8] != "" ? val[name, 1, 8] : "") : "",
				       n[name], failed[name]
				printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,\"%s\"\n", q3(name, 15), q3(name, 19),
				       q1(name, 21), q1(name, 22), q1(name, 16), q1(name, 23), q3(name, 24),
				       q1(name, 25), status, desc " [" where "]"
			}
		}
	}' "$RESULTS_DIR/placement_raw.csv"
}

# placement_ratios SKIPS: placement_ratios.csv from placement_raw.csv — per technique and mode,
# cross against same paired per round (both ok in that round): the workload's ns per request,
# the cost per event and the samplers' TVD, the median [p25, p75] of the rounds' ratios. A
# measure's ratios are given only when every paired round gives one (both values above 0): a
# median over the rounds that happened to stay above 0 would lean whichever way the noise did.
# Fewer than half the rounds paired: status no data.
placement_ratios()
{
	awk -F, -v configs="$PLACEMENT_CONFIGS" -v skips="$1" "$AWK_STATS"'
	# q3(NAME, M, PAIRS): "median,p25,p75" of the ratios M of NAME (empty unless all PAIRS gave one)
	function q3(name, m, pairs,    i, v) {
		if (!nr[name, m] || nr[name, m] < pairs) return ",,"
		for (i = 1; i <= nr[name, m]; i++) v[i] = rt[name, m, i]
		return sprintf("%.4g,%.4g,%.4g", quantile(v, nr[name, m], 0.5),
			       quantile(v, nr[name, m], 0.25), quantile(v, nr[name, m], 0.75))
	}
	# add(NAME, M, CROSS, SAME): a ratio, if both are numbers above 0
	function add(name, m, x, s) {
		if (x != "" && s != "" && x + 0 > 0 && s + 0 > 0) rt[name, m, ++nr[name, m]] = x / s
	}
	NR == 1 || $2 == "untraced" { next }
	{
		name = $2 "/" $3
		ran[name, $1] = 1
		if ($28 != "ok") {
			if (!(name in why)) { why[name] = $28; sub(/^failed: /, "", why[name]) }
			next
		}
		ns[name, $1, $4] = $13; cost[name, $1, $4] = $19; tv[name, $1, $4] = $24
		rounds[$1] = 1
	}
	END {
		nskip = split(skips, sl, "\n")
		for (i = 1; i <= nskip; i++) if (sl[i] != "") {
			split(sl[i], f, "|")
			if (!((f[1] "/" f[2]) in skipped)) skipped[f[1] "/" f[2]] = f[4]
		}
		print "technique,mode,rounds,rounds_paired,median_wall_ratio_x,p25_wall_ratio_x," \
		      "p75_wall_ratio_x,median_cost_ratio_x,p25_cost_ratio_x,p75_cost_ratio_x," \
		      "median_tvd_ratio_x,p25_tvd_ratio_x,p75_tvd_ratio_x,status,description"
		nconf = split(configs, cl, "\n")
		for (c = 1; c <= nconf; c++) {
			split(cl[c], f, "|")
			if (f[1] == "untraced") continue
			name = f[1] "/" f[2]; pairs = 0; nrun = 0
			for (k in ran) { split(k, kk, SUBSEP); if (kk[1] == name) nrun++ }
			for (r in rounds) if (((name, r, "same") in ns) && ((name, r, "cross") in ns)) {
				pairs++
				add(name, "wall", ns[name, r, "cross"], ns[name, r, "same"])
				add(name, "cost", cost[name, r, "cross"], cost[name, r, "same"])
				add(name, "tvd", tv[name, r, "cross"], tv[name, r, "same"])
			}
			if (name in skipped) status = skipped[name]
			else if (!pairs) status = "no data: no round of " nrun " with both placements ok (" why[name] ")"
			else if (2 * pairs < nrun)
				status = "no data: only " pairs " of " nrun " rounds with both placements ok (" why[name] ")"
			else status = "ok"
			desc = f[5] ": cross / same"; gsub(/"/, "\"\"", desc)
			if (status != "ok") printf "%s,%s,%d,%d,,,,,,,,,,%s,\"%s\"\n", f[1], f[2], nrun, pairs,
			       status, desc
			else printf "%s,%s,%d,%d,%s,%s,%s,%s,\"%s\"\n", f[1], f[2], nrun, pairs,
			       q3(name, "wall", pairs), q3(name, "cost", pairs), q3(name, "tvd", pairs), status, desc
		}
	}' "$RESULTS_DIR/placement_raw.csv"
}

# placement_report: the section's part of REPORT.md
placement_report()
{
	local sum=$RESULTS_DIR/placement_summary.csv rat=$RESULTS_DIR/placement_ratios.csv
	local floors=/dev/null
	[ ! -f "$RESULTS_DIR/floors_summary.csv" ] || floors=$RESULTS_DIR/floors_summary.csv
	echo "## Placement: tracer and target on one CPU or on two"
	echo
	echo "Every technique whose tracer is a process of its own, on \`workload -t 1 -d $PLACEMENT_SECONDS -s"
	echo "$PLACEMENT_SCALE\` (one worker thread) on CPU $BENCH_CPU: **same**, the tracer on CPU $BENCH_CPU too;"
	echo "**cross**, the tracer on CPU $TRACER_CPU. $PLACEMENT_ROUNDS interleaved rounds (the order rotated each"
	echo "round); each traced run against the untraced run of the same build in the same round."
	echo "Overhead: the hot phase's ns per request against it; cost per event: the added wall time"
	echo "over the events (tb-ptrace break: query calls; syscall: pread64 and writev calls; samplers:"
	echo "samples taken; tb-usdt: method entries); tracer CPU: the tool's \`tracer_cpu_ns\` (attach"
	echo "included) per event; workload on CPU: its thread's CPU time over its hot phase. TVD: the"
	echo "samplers' method profile against the calibrated self time of the untraced run (noise only:"
	echo "what sampling that many samples from the true profile would give). Cross/same: the ratio"
	echo "of the cross run's value to the same run's of the same round, median over the rounds."
	echo "Median [p25, p75]; failed runs left out and listed in \`placement_failures.txt\`. Contended"
	echo "(another process had CPU $BENCH_CPU): a run whose own processes had less than"
	echo "$PLACEMENT_MIN_CPU_SHARE of it over the hot phase, judged for baselines and traced runs alike"
	echo "where that can be told (not for tb-ptrace and tb-vmreadv --blocking across CPUs, whose stopped"
	echo "thread waits off its CPU, nor tb-usdt stream on one CPU), run again up to $PLACEMENT_TRIES times, then failed."
	echo
	echo "| technique/mode | placement | runs ok | overhead, % | cost per event | tracer CPU per event | workload on CPU | samples/s | TVD (noise only) | cross/same: wall, cost, TVD | status |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
	awk -F, '
	function t(ns) {
		if (ns == "") return "-"
		if (ns < 0) return "-" t(-ns)
		if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
		if (ns >= 1e3) return sprintf("%.1f us", ns / 1e3)
		return sprintf("%.0f ns", ns)
	}
	FILENAME ~ /ratios/ {
		if (FNR > 1 && $4 > 0) rat[$1 "/" $2] = sprintf("%s, %s, %s (%d of %d rounds)",
			$5 == "" ? "-" : sprintf("%.2fx", $5), $8 == "" ? "-" : sprintf("%.2fx", $8),
			$11 == "" ? "-" : sprintf("%.2fx", $11), $4, $3)
		next
	}
	FNR > 1 {
		st = $0; sub(/,"[^"]*"$/, "", st); sub(/.*,/, "", st)
		k = $1 "/" $2
		printf "| %s | %s (CPU %s) | %d of %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", k, $3, $4,
		       $7, $7 + $8, $9 == "" ? "-" : sprintf("%+.1f [%+.1f, %+.1f]", $9, $10, $11),
		       $12 == "" ? "-" : sprintf("%s [%s, %s]", t($12), t($13), t($14)), t($15),
		       $16 == "" ? "-" : sprintf("%.2f", $16), $18 == "" ? "-" : sprintf("%.0f", $18),
		       $19 == "" ? "-" : sprintf("%.3f [%.3f, %.3f] (%.3f)", $19, $20, $21, $22),
		       $3 == "cross" && (k in rat) ? rat[k] : "", st
	}' "$rat" "$sum"
	echo
	placement_findings "$sum" "$rat" "$floors"
	echo
}

# placement_findings SUMMARY RATIOS FLOORS: a paragraph of why the table comes out as it does,
# from its numbers (and the ptrace stop floors of this run, if the floors section ran)
placement_findings()
{
	awk -F, '
	function t(ns) {
		if (ns < 0) return "-" t(-ns)
		if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
		if (ns >= 1e3) return sprintf("%.1f us", ns / 1e3)
		return sprintf("%.0f ns", ns)
	}
	FILENAME ~ /floors/ {
		if ($1 == "ptrace_stop" && $7 == "ok") floor[$2] = $4
		next
	}
	FILENAME ~ /ratios/ {
		if (FNR > 1 && $4 > 0 && $14 == "ok") {
			k = $1 "/" $2; wr[k] = $5; cr[k] = $8; cl[k] = $9; ch[k] = $10; tr[k] = $11
		}
		next
	}
	FNR > 1 && $7 > 0 {
		k = $1 "/" $2 "/" $3
		cost[k] = $12; ovh[k] = $9; cpu[k] = $15; share[k] = $16; sps[k] = $18; tv[k] = $19; nz[k] = $22
		have[k] = 1
	}
	# both(K): whether both placements of K have numbers
	function both(k) { return ((k "/same") in have) && ((k "/cross") in have) }
	END {
		printf "Why. "
		s = ""; nv = 0; up = 0; down = 0
		for (i = 1; i <= 2; i++) {
			k = i == 1 ? "ptrace/break" : "ptrace/syscall"
			if (!both(k)) continue
			s = s (s == "" ? "" : "; ") sprintf("%s %s a %s on one CPU, %s across two%s",
				k, t(cost[k "/same"]), i == 1 ? "stop" : "system call (two stops)", t(cost[k "/cross"]),
				cr[k] != "" ? sprintf(" (%.2fx the cost across, p25 to p75 %.2fx to %.2fx, paired per round)",
						      cr[k], cl[k], ch[k]) : " (no paired ratio)")
			# the verdict of the paired ratio: clearly above 1, clearly below, or neither
			nv++
			if (cr[k] != "" && cl[k] > 1) up++
			else if (cr[k] != "" && ch[k] < 1) down++
		}
		if (s != "") {
			said = 1
			printf "A ptrace stop is a context switch to the tracer and back: %s.", s
			if (("same-cpu" in floor) && ("cross-cpu" in floor))
				printf " The bare stop (ptrace_floor, this run) takes %s on one CPU and %s across two.",
				       t(floor["same-cpu"]), t(floor["cross-cpu"])
			printf " On one CPU the stopped thread hands the CPU straight to the tracer it woke, and"
			printf " back, but the tracer'"'"'s work is then the workload'"'"'s lost time; across CPUs every"
			printf " stop and every restart is a wake-up of a thread on the other CPU (an inter-processor"
			printf " interrupt), and each side idles while it waits."
			if (up == nv)
				printf " Here the cross-CPU wake-ups cost more than the tracer'"'"'s work: that short work is cheaper to share a CPU with than to wait for. "
			else if (down == nv)
				printf " Here the stops cost less across CPUs: the tracer'"'"'s work on the workload'"'"'s own CPU cost more than the wake-ups on another. "
			else
				printf " In this run the paired ratio does not put one placement clearly above the other (its p25 to p75 spans 1, the modes disagree, or no round paired): which one costs more is not settled by these numbers. "
		}
		s = ""
		for (i = 1; i <= 3; i++) {
			k = i == 1 ? "ptrace/sample" : i == 2 ? "vm_readv/nonblocking" : "vm_readv/blocking"
			if (!both(k)) continue
			s = s (s == "" ? "" : "; ") sprintf("%s TVD %.3f on one CPU, %.3f across (noise alone %.3f, %.3f), %.0f and %.0f samples/s, workload slowed %+.1f%% and %+.1f%%",
				k, tv[k "/same"], tv[k "/cross"], nz[k "/same"], nz[k "/cross"],
				sps[k "/same"], sps[k "/cross"], ovh[k "/same"], ovh[k "/cross"])
		}
		if (s != "") {
			said = 1
			printf "The samplers: %s. ", s
			printf "On one CPU a sampler runs only when the scheduler takes the CPU from the"
			printf " workload (its timer wakes it and it preempts), so the workload is never running"
			printf " while it is read, and the sampler'"'"'s whole CPU time is taken from the workload;"
			printf " across CPUs the non-blocking reader copies a stack that is changing under it"
			printf " (torn copies read again, a skew toward what changes slowly), and a stopping"
			printf " sampler pays the cross-CPU wake-ups of every stop. "
		}
		s = ""
		for (i = 1; i <= 2; i++) {
			k = i == 1 ? "usdt/count" : "usdt/stream"
			if (!both(k)) continue
			s = s (s == "" ? "" : "; ") sprintf("%s %s a hit on one CPU, %s across%s", k,
				t(cost[k "/same"]), t(cost[k "/cross"]),
				wr[k] != "" ? sprintf(" (the workload %.2fx as long across as on one CPU)", wr[k]) : "")
		}
		if (s != "") {
			said = 1
			printf "The BPF path runs its program in the workload'"'"'s own context, wherever the tool is: %s.", s
			k = "usdt/stream"
			if (both(k)) {
				printf " Only the stream has work in the tool'"'"'s process, draining the ring buffer"
				printf " after its wake-ups: %s of its CPU per event on one CPU, %s across", t(cpu[k "/same"]),
				       t(cpu[k "/cross"])
				if (cost[k "/same"] > 1.2 * cost[k "/cross"] && cost[k "/cross"] > 0)
					printf "; on the workload'"'"'s CPU that work is the workload'"'"'s loss."
				else
					printf ", small beside the hit'"'"'s own cost in the workload, so where it runs hardly shows."
			}
		}
		if (!said)
			printf "No technique was measured in both placements in this run (see the status column): nothing to compare."
		# Where the workload ran less of its hot phase than it would alone although the tool
		# never stops it nor takes its CPU (tb-usdt count is idle while it traces), another
		# process had its CPU during the runs.
		s = ""
		for (i = 1; i <= 3; i++) {
			k = i == 1 ? "usdt/count/same" : i == 2 ? "usdt/count/cross" : "vm_readv/nonblocking/cross"
			if ((k in have) && share[k] < 0.9) s = s (s == "" ? "" : ", ") sprintf("%s %.2f", k, share[k])
		}
		if (s != "")
			printf " This run was not alone on its CPUs: where no tracer stops the workload or takes its CPU, its thread still ran only part of its hot phase (%s), so some of the time above is other processes'"'"', and the medians carry that noise.", s
		printf "\n"
	}' "$3" "$2" "$1"
}

# The section's plots (plot.sh draws them; bench.sh lists them under REPORT.md's plots).
PLACEMENT_PLOTS="placement|**Tracer and workload on one CPU or on two**: the workload's added wall time per event of each out-of-process technique with its tracer on the workload's CPU (same) and on another (cross), median with p25 to p75, log scale; below, the samplers' profile distance to the truth (TVD) beside what sampling noise alone gives; lower is better"
