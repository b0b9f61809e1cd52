# bench_threads.sh - make bench's threads section (sourced by bench.sh): cost per event at 1 to 8 threads
#
# The request workload (-s THREADS_SCALE) with the same total requests at every thread count (-t
# N: the requests are split over the threads), so the events stay the same and only the
# concurrency changes, untraced and under every technique: tb-usdt -m count on every method's entry
# (uprobes: the trap and the BPF program run in each thread's own context), tb-ptrace break query
# (one tracer process takes every stop of every thread), tb-vmreadv -F (every thread's stack read
# at each tick), tb-signal record -F (a CPU-time timer per thread) and tb-tracefunc -m count
# (per-thread counters in the hooks). Each run is set against the untraced run of its own build at
# the same thread count in the same round, per request: overhead, and the wall and CPU time added
# per event. Everything runs unpinned on every CPU this run may use (8 threads on 2 CPUs cannot be
# pinned one per CPU).
#
# Environment (presets from FULL / TINY, else quick): THREADS_ROUNDS, THREADS_COUNTS ("1 2 4 8"),
# THREADS_REQUESTS (total requests of a run), THREADS_PTRACE_REQUESTS (tb-ptrace's: a stop per
# request is the slowest event), THREADS_SCALE, THREADS_VMREADV_HZ, THREADS_SIGNAL_HZ.

# shellcheck disable=SC2034 # GATE_*_CPU and total are read by bench.sh's run_gated and progress
true

if [ "${FULL:-0}" = 1 ]; then
	THREADS_ROUNDS=${THREADS_ROUNDS:-11}
	THREADS_REQUESTS=${THREADS_REQUESTS:-100000}
	THREADS_PTRACE_REQUESTS=${THREADS_PTRACE_REQUESTS:-20000}
elif [ "${TINY:-0}" = 1 ]; then
	THREADS_ROUNDS=${THREADS_ROUNDS:-1}
	THREADS_REQUESTS=${THREADS_REQUESTS:-20000}
	THREADS_PTRACE_REQUESTS=${THREADS_PTRACE_REQUESTS:-2000}
else
	THREADS_ROUNDS=${THREADS_ROUNDS:-5}
	THREADS_REQUESTS=${THREADS_REQUESTS:-50000}
	THREADS_PTRACE_REQUESTS=${THREADS_PTRACE_REQUESTS:-10000}
fi
THREADS_COUNTS=${THREADS_COUNTS:-1 2 4 8}
THREADS_SCALE=${THREADS_SCALE:-1}
THREADS_VMREADV_HZ=${THREADS_VMREADV_HZ:-1000}
THREADS_SIGNAL_HZ=${THREADS_SIGNAL_HZ:-250}
# The workload's methods: tb-tracefunc's count of each is checked against the truth.
THREADS_METHODS="handle_request parse parse_header route query render render_row escape respond"

# technique|program|what it measures. The untraced rows are the baselines: each traced run is set
# against the untraced run of its program at the same thread count in the same round.
THREADS_CONFIGS="untraced|workload|the plain build untraced: the baseline of ptrace, vm_readv and signal
untraced|workload-usdt5|workload-usdt5 untraced: the baseline of usdt
untraced|workload-finstrument|workload-finstrument untraced (its empty hooks): the baseline of tracefunc
usdt|workload-usdt5|tb-usdt -m count tracebench:method_entry: a uprobe on every method's entry (34 hits per request); the trap and the BPF program run in the hitting thread
ptrace|workload|tb-ptrace break query: one breakpoint hit once per request; one tracer takes every thread's stops
vm_readv|workload|tb-vmreadv -F $THREADS_VMREADV_HZ: every thread's in-memory stack read from outside at each tick
signal|workload|tb-signal record -F $THREADS_SIGNAL_HZ: a CPU-time timer per thread; SIGPROF and the unwind in the thread
tracefunc|workload-finstrument|tb-tracefunc -m count: the compiler's hooks on every call; per-thread counters"

# threads_needed: the build/ programs the section runs
threads_needed()
{
	echo "workload workload-usdt5 workload-finstrument tb-usdt tb-ptrace tb-vmreadv tb-signal" \
		"libtb-signal.so tb-tracefunc libtb-tracefunc.so"
}

# threads_probe: who can trace here (rates_try: a short run); each technique's rows say skipped:
# why if it cannot. Sets THREADS_CPUS, the CPUs every run may use.
threads_probe()
{
	local why
	THREADS_CPUS=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
	skip_threads_usdt=
	if ! why=$("$OUT/tb-usdt" --check 2>&1); then
		skip_threads_usdt="skipped: tb-usdt --check says: $(oneline <<<"$why")"
	fi
	skip_threads_ptrace=$(rates_try "tb-ptrace break" "$OUT/tb-ptrace" break \
		-o "$TMP/probe.json" query -- "$OUT/workload" -q -t 2 -r 10)
	skip_threads_vm_readv=$(rates_try tb-vmreadv "$OUT/tb-vmreadv" -F 100 -o "$TMP/probe.json" \
		-- "$OUT/workload" -q -t 2 -r 100)
	skip_threads_signal=$(rates_try "tb-signal record" "$OUT/tb-signal" record -F 100 \
		-o "$TMP/probe.json" -- "$OUT/workload" -q -t 2 -r 100)
	rm -rf "$TMP/threads-tf"
	skip_threads_tracefunc=$(rates_try tb-tracefunc "$OUT/tb-tracefunc" -m count \
		-D "$TMP/threads-tf" -o "$TMP/probe.json" -- "$OUT/workload-finstrument" -q -t 2 -r 10)
	rm -rf "$TMP/threads-tf"
}

# threads_skip TECHNIQUE: why that technique cannot run here (empty if it can)
threads_skip()
{
	case $1 in
	usdt) echo "$skip_threads_usdt" ;;
	ptrace) echo "$skip_threads_ptrace" ;;
	vm_readv) echo "$skip_threads_vm_readv" ;;
	signal) echo "$skip_threads_signal" ;;
	tracefunc) echo "$skip_threads_tracefunc" ;;
	esac
}

# threads_env: the section's env.txt lines
threads_env()
{
	echo "threads_placement=unpinned: the workload's threads and every tracer may run on CPUs" \
		"$THREADS_CPUS (all this run may use; $NCPU CPUs: more threads than CPUs cannot be pinned" \
		"one per CPU). Each command starts there with the workload waiting at its start gate" \
		"(-g 3), which is released once the tracer is attached (untraced runs the same way);" \
		"tb-vmreadv starts the workload itself and releases it as its schedule starts"
	echo "threads_rounds=$THREADS_ROUNDS"
	echo "threads_counts=$THREADS_COUNTS"
	echo "threads_requests=$THREADS_REQUESTS"
	echo "threads_ptrace_requests=$THREADS_PTRACE_REQUESTS"
	echo "threads_scale=$THREADS_SCALE"
	echo "threads_vmreadv_hz=$THREADS_VMREADV_HZ"
	echo "threads_signal_hz=$THREADS_SIGNAL_HZ"
	echo "threads_tb_usdt=${skip_threads_usdt:-ok}"
	echo "threads_tb_ptrace=${skip_threads_ptrace:-ok}"
	echo "threads_tb_vmreadv=${skip_threads_vm_readv:-ok}"
	echo "threads_tb_signal=${skip_threads_signal:-ok}"
	echo "threads_tb_tracefunc=${skip_threads_tracefunc:-ok}"
}

# threads_check TECHNIQUE: sets check_msg to why the tracer's result ($TMP/result.json) disagrees
# with the truth ($TMP/truth.json, read into calls and events), empty if it agrees; sets traced
# (its count), samples, lost and torn
threads_check()
{
	local m i n want=() got=()
	traced='' samples='' lost='' torn='' check_msg=''
	if [ ! -s "$TMP/result.json" ]; then
		check_msg="the tracer wrote no result"
		return
	fi
	lost=$(rates_json lost)
	case $1 in
	usdt)
		traced=$(rates_json counts.tracebench:method_entry)
		[ "$traced" = "$calls" ] ||
			check_msg="counted ${traced:-nothing} tracebench:method_entry; $calls method calls"
		;;
	ptrace)
		traced=$(rates_json counts.query)
		[ "$traced" = "$events" ] ||
			check_msg="counted ${traced:-nothing} query calls; the workload made $events"
		;;
	tracefunc)
		# One json_get per file: a count missing from the result shortens its list.
		# shellcheck disable=SC2046,SC2086 # the methods, one path each
		mapfile -t want < <("$OUT/tests/json_get" "$TMP/truth.json" \
			$(printf 'methods.%s.calls ' $THREADS_METHODS) 2>/dev/null || true)
		# shellcheck disable=SC2046,SC2086
		mapfile -t got < <("$OUT/tests/json_get" "$TMP/result.json" \
			$(printf 'counts.%s ' $THREADS_METHODS) 2>/dev/null || true)
		n=$(wc -w <<<"$THREADS_METHODS")
		if [ "${#want[@]}" != "$n" ] || [ "${#got[@]}" != "$n" ]; then
			check_msg="counted ${#got[@]} of the $n methods; the truth has ${#want[@]}"
			return
		fi
		traced=0
		i=0
		for m in $THREADS_METHODS; do
			if [ -z "${got[i]:-}" ] || [ "${got[i]:-}" != "${want[i]:-}" ]; then
				check_msg="counted ${got[i]:-no} $m calls; the workload made ${want[i]:-?}"
				traced=
				return
			fi
			traced=$((traced + got[i]))
			i=$((i + 1))
		done
		;;
	vm_readv | signal)
		samples=$(rates_json samples)
		[ "$1" != vm_readv ] || torn=$(rates_json torn)
		[ "${samples:-0}" -gt 0 ] || check_msg="took no samples"
		return
		;;
	esac
	[ "${lost:-0}" = 0 ] || check_msg="the tracer lost $lost events"
}

# threads_one ROUND TECHNIQUE PROGRAM THREADS: one run, appended to $TMP/threads_runs.csv
# (threads_raw.csv without the columns set against the baseline). A run whose exact tracer counted
# other than the truth, lost events, or whose sampler took no sample, failed.
threads_one()
{
	local round=$1 technique=$2 program=$3 threads=$4 status=ok log=$TMP/threads prog
	local requests='' calls='' wall='' cpu='' events='' tcpu='' nreq=$THREADS_REQUESTS args=() v=()
	local traced='' samples='' lost='' torn='' check_msg=''
	[ "$technique" != ptrace ] || nreq=$THREADS_PTRACE_REQUESTS
	rm -rf "$TMP/truth.json" "$TMP/result.json" "$TMP/threads-tf" "$log".*
	prog=$(realpath "$OUT/$program")
	args=(-q -t "$threads" -r "$nreq" -s "$THREADS_SCALE" -o "$TMP/truth.json")
	GATE_TRACER_CPU=$THREADS_CPUS
	GATE_TARGET_CPU=$THREADS_CPUS
	run_error=
	run_status=0
	case $technique in
	untraced) run_gated "$prog" "$log" "$prog" "${args[@]}" -g 3 ;;
	usdt)
		run_gated "$prog" "$log" "$OUT/tb-usdt" -q -m count -o "$TMP/result.json" \
			tracebench:method_entry -- "$prog" "${args[@]}" -g 3
		;;
	ptrace)
		run_gated "$prog" "$log" "$OUT/tb-ptrace" break -o "$TMP/result.json" query -- \
			"$prog" "${args[@]}" -g 3
		;;
	vm_readv)
		# tb-vmreadv samples only once its own start gate says ready: it starts the workload.
		taskset -c "$THREADS_CPUS" "$OUT/tb-vmreadv" -F "$THREADS_VMREADV_HZ" \
			-o "$TMP/result.json" -- "$prog" "${args[@]}" >"$log.out" 2>"$log.err" ||
			run_status=$?
		;;
	signal)
		run_gated "$prog" "$log" "$OUT/tb-signal" record -F "$THREADS_SIGNAL_HZ" \
			-o "$TMP/result.json" -- "$prog" "${args[@]}" -g 3
		;;
	tracefunc)
		run_gated "$prog" "$log" "$OUT/tb-tracefunc" -m count -D "$TMP/threads-tf" \
			-o "$TMP/result.json" -- "$prog" "${args[@]}" -g 3
		;;
	esac
	if [ -n "$run_error" ]; then
		status="failed: $run_error"
	elif [ "$run_status" != 0 ]; then
		status="failed: exited with status $run_status"
	fi
	if mapfile -t v < <("$OUT/tests/json_get" "$TMP/truth.json" requests method_calls \
		hot_wall_ns hot_cpu_ns methods.query.calls 2>/dev/null) && [ "${#v[@]}" -ge 5 ]; then
		requests=${v[0]} calls=${v[1]} wall=${v[2]} cpu=${v[3]}
		# The events a run's cost is set against: what an exact tracer traces (ptrace: query's
		# calls); for the samplers the samples they took (set below).
		events=$calls
		[ "$technique" != ptrace ] || events=${v[4]}
		[ "${requests:-0}" -gt 0 ] || [ "$status" != ok ] ||
			status="failed: the workload handled no request"
	elif [ "$status" = ok ]; then
		status="failed: the workload wrote no truth file"
	fi
	if [ "$technique" != untraced ] && [ -n "$calls" ]; then
		threads_check "$technique"
		case $technique in vm_readv | signal) events=$samples ;; esac
		tcpu=$(rates_json tracer_cpu_ns)
		[ "$status" != ok ] || [ -z "$check_msg" ] || status="failed: $check_msg"
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $technique $program -t $threads: $status"
			cat "$log".* 2>/dev/null
		} >>"$RESULTS_DIR/threads_failures.txt"
	fi
	printf '%s,' "$round" "$technique" "$program" "$threads" "$requests" "$calls" "$events" \
		"$wall" "$cpu" "$traced" "$samples" "$lost" "$torn" "$tcpu" >>"$TMP/threads_runs.csv"
	echo "$status" >>"$TMP/threads_runs.csv"
}

# threads_run: the section's rounds, threads_raw.csv and threads_summary.csv
threads_run()
{
	local list='' skips='' technique program threads why nconf
	# Thread count by thread count: a run's baseline (same build, same thread count, same round)
	# runs beside it; the rounds rotate the blocks and the runs within each (run_rounds' blocks).
	for threads in $THREADS_COUNTS; do
		while IFS="|" read -r technique program _; do
			why=$(threads_skip "$technique")
			if [ -n "$why" ]; then
				[ "$threads" != "${THREADS_COUNTS%% *}" ] || skips+="$technique|$why"$'\n'
				continue
			fi
			list+="$technique|$program|$threads"$'\n'
		done <<<"$THREADS_CONFIGS"
	done
	list=${list%$'\n'}
	nconf=$(wc -l <<<"$list")
	total=$((THREADS_ROUNDS * nconf))
	: >"$TMP/threads_runs.csv"
	echo "bench: thread scaling: $THREADS_ROUNDS interleaved rounds of $nconf configurations," \
		"workload -t {${THREADS_COUNTS// /,}} -r $THREADS_REQUESTS (tb-ptrace" \
		"$THREADS_PTRACE_REQUESTS) -s $THREADS_SCALE, unpinned on CPUs $THREADS_CPUS" >&2
	run_rounds "$THREADS_ROUNDS" "$list" 3 threads_one 3

	# Against the untraced run of the same build, thread count and round, per request (tb-ptrace
	# runs fewer requests than its baseline): overhead in %, and the wall and CPU time added per
	# event (the difference per request times requests / events).
	{
		echo "round,technique,program,threads,requests,method_calls,events,hot_wall_ns," \
			"hot_cpu_ns,traced_events,samples,lost,torn,tracer_cpu_ns,overhead_pct," \
			"wall_cost_ns_per_event,cpu_cost_ns_per_event,status" | tr -d ' '
		awk -F, '
		NR == FNR {
			if ($2 == "untraced" && $15 == "ok" && $5 > 0) {
				bw[$1, $3, $4] = $8 / $5; bc[$1, $3, $4] = $9 / $5
			}
			next
		}
		{
			o = w = c = ""
			if ($2 != "untraced" && $15 == "ok" && (($1, $3, $4) in bw) && bw[$1, $3, $4] > 0 &&
			    $7 > 0) {
				o = sprintf("%.3f", 100 * ($8 / $5 / bw[$1, $3, $4] - 1))
				w = sprintf("%.1f", ($8 / $5 - bw[$1, $3, $4]) * $5 / $7)
				c = sprintf("%.1f", ($9 / $5 - bc[$1, $3, $4]) * $5 / $7)
			}
			for (i = 1; i <= 14; i++) printf "%s,", $i
			printf "%s,%s,%s,%s\n", o, w, c, $15
		}' "$TMP/threads_runs.csv" "$TMP/threads_runs.csv"
	} >"$RESULTS_DIR/threads_raw.csv"

	# Per technique and thread count: median, p25, p75 over the rounds where the run and its
	# baseline were both ok.
	awk -F, -v configs="$THREADS_CONFIGS" -v skips="$skips" -v counts="$THREADS_COUNTS" "$AWK_STATS"'
	# med(A, KEY): the median over the rounds of A[KEY, round] (empty if none); sets q25, q75, nq
	function med(a, key) { return over_rounds(a, key, nround) }
	function f(v, fmt) { return v == "" ? "" : sprintf(fmt, v) }
	NR == 1 { next }
	{
		key = $2 "/" $3 "/" $4
		runs[key]++
		if ($1 > nround) nround = $1
		if ($18 != "ok") { failed[key]++; next }
		nsr[key, $1] = $8 / $5
		if ($2 == "untraced") { base[$3 "/" $4, $1] = $8 / $5; next }
		if ($15 == "") next
		ovh[key, $1] = $15; wc[key, $1] = $16; cc[key, $1] = $17
		if ($14 != "" && $7 > 0) tc[key, $1] = $14 / $7
		if ($11 != "") smp[key, $1] = $11
	}
	END {
		nskip = split(skips, s, "\n")
		for (i = 1; i <= nskip; i++) if (s[i] != "") { split(s[i], g, "|"); skipped[g[1]] = g[2] }
		print "technique,program,threads,rounds,median_overhead_pct,p25_overhead_pct," \
		      "p75_overhead_pct,median_wall_cost_ns_per_event,p25_wall_cost_ns_per_event," \
		      "p75_wall_cost_ns_per_event,median_cpu_cost_ns_per_event," \
		      "p25_cpu_cost_ns_per_event,p75_cpu_cost_ns_per_event," \
		      "median_tracer_cpu_ns_per_event,median_ns_per_request," \
		      "median_untraced_ns_per_request,median_samples,status,description"
		nconf = split(configs, lines, "\n"); nt = split(counts, tc_, " ")
		for (c = 1; c <= nconf; c++) {
			split(lines[c], g, "|")
			if (g[1] == "untraced") continue
			for (j = 1; j <= nt; j++) {
				key = g[1] "/" g[2] "/" tc_[j]
				desc = g[3] " (workload -t " tc_[j] ")"
				printf "%s,%s,%s,", g[1], g[2], tc_[j]
				if (g[1] in skipped) {
					printf "0,,,,,,,,,,,,,,%s,\"%s\"\n", skipped[g[1]], desc
					continue
				}
				m = med(ovh, key); n = nq
				printf "%d,%s,%s,%s,", n, f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
				m = med(wc, key)
				printf "%s,%s,%s,", f(m, "%.1f"), f(q25, "%.1f"), f(q75, "%.1f")
				m = med(cc, key)
				printf "%s,%s,%s,", f(m, "%.1f"), f(q25, "%.1f"), f(q75, "%.1f")
				printf "%s,", f(med(tc, key), "%.1f")
				printf "%s,", f(med(nsr, key), "%.1f")
				printf "%s,", f(med(base, g[2] "/" tc_[j]), "%.1f")
				printf "%s,", f(med(smp, key), "%.0f")
				if (failed[key]) status = "failed: " failed[key] " of " runs[key] " runs"
				else if (!runs[key]) status = "no data: not run"
				else if (!n) status = "no data: no round with this run and its baseline both ok"
				else status = "ok"
				printf "%s,\"%s\"\n", status, desc
			}
		}
	}' "$RESULTS_DIR/threads_raw.csv" >"$RESULTS_DIR/threads_summary.csv"
}

# threads_report: the section's part of REPORT.md: wall cost per event by technique and thread
# count, with overhead and CPU cost, and what it shows in this run's numbers
threads_report()
{
	local t head='' rule=''
	echo "## Thread scaling: cost per event at $(awk '{ for (i = 1; i <= NF; i++)
		printf "%s%s", i == 1 ? "" : i == NF ? " and " : ", ", $i }' <<<"$THREADS_COUNTS") threads"
	echo
	cat <<EOF
The request workload (\`workload -q -t N -r $THREADS_REQUESTS -s $THREADS_SCALE\`, tb-ptrace's
runs \`-r $THREADS_PTRACE_REQUESTS\`) with the same total requests at every thread count, split
over the threads: the events stay the same, only the concurrency changes. $THREADS_ROUNDS
interleaved rounds, thread count by thread count (the order rotated each round). Every run
is unpinned on CPUs $THREADS_CPUS ($NCPU CPUs: above $NCPU threads there is no more
parallelism, only more threads sharing them), tracer included. Each traced run is set
against the untraced run of its own build (usdt: workload-usdt5; tracefunc:
workload-finstrument; the others the plain build) at the same thread count in the same
round, per request. **Wall cost per event** = (traced - untraced hot-phase wall time per
request) x requests / events: the time the whole run took longer, per event, which shrinks
when the tracing work runs in parallel on the threads' CPUs. **CPU cost per event**: the
same with the workload's CPU time (\`hot_cpu_ns\`, all its threads): what the tracing
made the threads themselves run. A uprobe's trap and BPF program and a hook run in the
thread and are charged to it; of a ptrace stop only the thread's own kernel work (the trap,
the stop, the switches), not its waiting for the tracer; tb-vmreadv's reads run in the
sampler and are not charged at all. Events: usdt and
tracefunc every method call (34 per request), ptrace the calls of query (one per request);
for the samplers (tb-vmreadv \`-F $THREADS_VMREADV_HZ\`, tb-signal \`record -F $THREADS_SIGNAL_HZ\`)
the samples they took (tb-vmreadv: a consistent stack read per thread per tick), so their cost per event
is their cost per sample. Every exact
tracer's count was checked against the workload's truth (usdt \`method_calls\`, ptrace
\`methods.query.calls\`, tracefunc each method's calls, none lost), every sampler took
samples; failed runs are left out and listed in \`threads_failures.txt\`. Cells: wall cost
per event, ns, median [p25, p75] over the rounds; overhead %; CPU cost per event, ns; the
tracer process's own CPU time per event, ns (\`tracer_cpu_ns\` / events: its start and
attach included, so a few ns per event for tools that do their work elsewhere).

EOF
	for t in $THREADS_COUNTS; do
		head+=" | $t thread$([ "$t" = 1 ] || echo s)"
		rule+="|---:"
	done
	echo "| technique$head |"
	echo "|---$rule|"
	awk -F, -v counts="$THREADS_COUNTS" '
	# r(X): X rounded to ns, never "-0"
	function r(x) { x = sprintf("%.0f", x); return x == "-0" ? "0" : x }
	NR == 1 { next }
	{
		name = $1
		if (!(name in seen)) { seen[name] = 1; order[++n] = name }
		if ($18 ~ /^skipped/) cell[name, $3] = "skipped"
		else if ($8 == "") cell[name, $3] = "no data" ($18 == "ok" ? "" : " (" $18 ")")
		else cell[name, $3] = sprintf("%s ns [%s, %s]; %+.0f%%; CPU %s ns; tracer %s ns%s", r($8),
		                              r($9), r($10), $5, r($11), r($14),
		                              $18 == "ok" ? "" : " (" $18 ")")
		if ($16 != "") base[$2, $3] = $16
	}
	END {
		nt = split(counts, tc, " ")
		for (i = 1; i <= n; i++) {
			printf "| %s", order[i]
			for (j = 1; j <= nt; j++) printf " | %s", cell[order[i], tc[j]]
			print " |"
		}
		for (p = 1; p <= 3; p++) {
			prog = p == 1 ? "workload" : p == 2 ? "workload-usdt5" : "workload-finstrument"
			printf "| untraced %s, ns per request", prog
			for (j = 1; j <= nt; j++)
				printf " | %s", (prog, tc[j]) in base ? sprintf("%.0f", base[prog, tc[j]]) : "no data"
			print " |"
		}
	}' "$RESULTS_DIR/threads_summary.csv"
	echo
	threads_findings
	echo
}

# threads_findings: the paragraph on why the numbers come out this way, every number from this
# run's summary
threads_findings()
{
	awk -F, -v counts="$THREADS_COUNTS" -v ncpu="$NCPU" '
	NR == 1 { next }
	{
		if ($8 != "") w[$1, $3] = $8
		if ($11 != "") c[$1, $3] = $11
		if ($5 != "") o[$1, $3] = $5
		if ($6 != "" && $7 != "") { o25[$1, $3] = $6; o75[$1, $3] = $7; rd[$1, $3] = $4 }
		if ($17 != "") s[$1, $3] = $17
		if ($14 != "") tr[$1, $3] = $14
		if ($15 != "") nr[$1, $3] = $15
		if ($16 != "") base[$2, $3] = $16
	}
	# th(N): "N thread" or "N threads"
	function th(n) { return n " thread" (n == 1 ? "" : "s") }
	# v(A, T, N, FMT): the value of technique T at N threads in A, formatted, or n/a
	function v(a, t, n, fmt) { return (t, n) in a ? sprintf(fmt, a[t, n]) : "n/a" }
	function ns(a, t, n) { return v(a, t, n, "%.0f ns") }
	# noise(T, N): whether the overhead of T at N threads stands out of its rounds [p25, p75]
	function noise(t, n,    r) {
		if (!((t, n) in o25)) return ""
		r = sprintf("[%+.1f%%, %+.1f%%]", o25[t, n], o75[t, n])
		if (rd[t, n] < 3)
			return sprintf(" %s%s overhead at %s comes from %d round%s: too few to tell it from " \
			               "noise.", t, "\047s", th(n), rd[t, n], rd[t, n] == 1 ? "" : "s")
		if (o25[t, n] <= 0 && o75[t, n] >= 0)
			return sprintf(" %s%s overhead at %s is within this run%ss noise: its %s spans 0.", t,
			               "\047s", th(n), "\047", r)
		if (o25[t, n] > 0)
			return sprintf(" %s%s overhead at %s stands out of the noise: all of its %s is above 0.",
			               t, "\047s", th(n), r)
		return sprintf(" %s%s overhead at %s is below 0 over its whole %s: the untraced runs were " \
		               "slower, which tracing does not cause, so this run%ss noise is larger than " \
		               "its cost.", t, "\047s", th(n), r, "\047")
	}
	# trend(A, T, FROM, TO, WANT): how A (wall or CPU cost per event) of T moved from FROM threads
	# to TO, and whether that is what WANT (fell, flat, "not fell") says its mechanism predicts
	function trend(a, t, x, y, want,    r, got) {
		if (!((t, x) in a) || !((t, y) in a)) return "could not be compared"
		if (a[t, x] <= 0 || a[t, y] <= 0)
			return sprintf("could not be compared as a ratio from %s to %s (at or below 0: " \
			               "noise larger than the cost)", th(x), th(y))
		r = a[t, y] / a[t, x]
		got = r < 0.75 ? "fell" : r > 1.33 ? "rose" : "flat"
		return sprintf("%s (x%.2f from %s to %s)%s", got == "flat" ? "stayed within a third" : got,
		               r, th(x), th(y), want == "" ? "" : \
		               (want == got || (want == "not fell" && got != "fell")) ? ", as expected" : \
		               ", not what that predicts: see the [p25, p75] for noise")
	}
	END {
		nt = split(counts, tc, " "); lo = tc[1]; hi = tc[nt]
		# the largest count up to the CPU count: where parallelism ends
		par = lo
		for (j = 1; j <= nt; j++) if (tc[j] <= ncpu) par = tc[j]
		if (!((("workload", lo) in base)) || !((("workload", hi) in base))) {
			print "No data: the untraced baseline did not run successfully."
			exit
		}
		printf "What it shows, in this run'"'"'s numbers. Untraced, a request took %.0f ns of wall time at %s,\n",
		       base["workload", lo], th(lo)
		printf "%.0f ns at %s%s: the workload itself runs in parallel on the %s CPUs and\n",
		       base["workload", par], par, par == hi ? "" : sprintf(" and %.0f ns at %s",
		       base["workload", hi], hi), ncpu
		printf "no further. **usdt**: the uprobe trap and the BPF program run in the hitting thread, on\n"
		printf "its own CPU, in parallel with the other threads'"'"' hits, so the wall cost per event should\n"
		printf "fall up to the CPU count, then stay: it was %s at %s, %s at %s, %s at %s; it %s,\n",
		       ns(w, "usdt", lo), th(lo), ns(w, "usdt", par), par, ns(w, "usdt", hi), hi,
		       trend(w, "usdt", lo, par, "fell")
		printf "while its CPU cost per event, the per-hit work itself charged to the threads, %s\n",
		       trend(c, "usdt", lo, hi, "flat")
		printf "(%s, %s, %s). **tracefunc**: the hooks also run in each thread and count into its\n",
		       ns(c, "usdt", lo), ns(c, "usdt", par), ns(c, "usdt", hi)
		printf "own counters; its wall cost per event (%s, %s, %s) %s.\n",
		       ns(w, "tracefunc", lo), ns(w, "tracefunc", par), ns(w, "tracefunc", hi),
		       trend(w, "tracefunc", lo, par, "fell")
		printf "**ptrace**: every stop is a round\n"
		printf "trip through one tracer process: %s at %s, %s at %s, %s at %s; it %s.\n",
		       ns(w, "ptrace", lo), th(lo), ns(w, "ptrace", par), par, ns(w, "ptrace", hi), hi,
		       trend(w, "ptrace", lo, hi, "")
		printf "Two things move it. With one thread the whole round trip is exposed: the thread waits\n"
		printf "through the tracer'"'"'s wakeup and its own, across CPUs; with more threads the others run\n"
		printf "while one is stopped and hide that wait, leaving the work: the stopped thread'"'"'s own\n"
		printf "kernel time (the trap, the stop, the switches: %s per stop at %s, %s at %s,\n",
		       ns(c, "ptrace", lo), th(lo), ns(c, "ptrace", hi), hi
		printf "charged to it) and the tracer'"'"'s. And the one tracer takes the stops one after another:\n"
		printf "its CPU time per stop (%s at %s, %s at %s) is a floor that no number of threads\n",
		       ns(tr, "ptrace", lo), th(lo), ns(tr, "ptrace", hi), hi
		printf "or CPUs lowers under the time per stop, here a request'"'"'s (one stop each), which at %s\n",
		       th(hi)
		printf "was %s traced, %s (uprobes have no such floor: their work runs in the\n",
		       ns(nr, "ptrace", hi), ((("ptrace", hi) in tr) && (("ptrace", hi) in nr) && \
		       tr["ptrace", hi] > 0) ? sprintf("%.1f times it", nr["ptrace", hi] / tr["ptrace", hi]) : "n/a"
		printf "threads). **signal**: each thread\n"
		printf "has its own CPU-time timer, so the samples follow the CPU time used, not the threads (%s\n",
		       v(s, "signal", lo, "%d")
		printf "at %s, %s at %s), and the cost is one sample'"'"'s times the rate whatever the threads:\n",
		       th(lo), v(s, "signal", hi, "%d"), hi
		printf "overhead %s at %s, %s at %s. **vm_readv** reads every thread'"'"'s stack at each tick,\n",
		       v(o, "signal", lo, "%+.1f%%"), th(lo), v(o, "signal", hi, "%+.1f%%"), hi
		printf "so its samples grow with the threads (%s at %s, %s at %s) and so does its sampler'"'"'s\n",
		       v(s, "vm_readv", lo, "%d"), th(lo), v(s, "vm_readv", hi, "%d"), hi
		printf "work, which once the threads fill every CPU takes a CPU from them: overhead %s at %s,\n",
		       v(o, "vm_readv", lo, "%+.1f%%"), th(lo)
		printf "%s at %s. The samplers%s cost per event is their cost per sample.%s%s\n",
		       v(o, "vm_readv", hi, "%+.1f%%"), hi, "\047", noise("signal", hi), noise("vm_readv", hi)
	}' "$RESULTS_DIR/threads_summary.csv"
}

THREADS_PLOTS="threads|**Thread scaling**: the time each technique adds per event (per sample for the samplers) against the workload's thread count (the same total requests split over the threads), log-log, one colour per technique: solid the run's wall time, dashed the workload's CPU time; lower is better"
