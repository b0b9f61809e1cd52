# bench_attach.sh - make bench's attach section (sourced by bench.sh): attaching to a running process
#
# Each out-of-process tool is started with -p PID on a workload already in its hot phase (not
# gated: `workload -d ATTACH_TARGET_S` on BENCH_CPU, the tool on TRACER_CPU), stopped with SIGINT
# once tracing, and the process checked afterwards: still running, no tracer (TracerPid 0 in
# every thread), no thread stopped, on the CPU, and ended by our SIGTERM, not by a trap left
# behind. Per run: the tool's own attach_ns (main's start to probes in place / threads seized /
# sampling started), first_event_ns (main's start to its first recorded event) and detach_ns (the
# SIGINT to every probe removed / PTRACE_DETACH done), and, from outside, SIGINT to the tool's exit
# and its whole wall time. The in-process techniques cannot attach to a process started without
# their library: their rows say attach_mode restart (the launch of `TOOL -- COMMAND` to the
# library's first event), and tb-signal's control channel (a process started by `tb-signal run`)
# attach_mode channel: `tb-signal trace -p PID start` and `stop`, timed from outside.

if [ "${FULL:-0}" = 1 ]; then
	ATTACH_ROUNDS=${ATTACH_ROUNDS:-15}
	ATTACH_HOLD_S=${ATTACH_HOLD_S:-0.2}
elif [ "${TINY:-0}" = 1 ]; then
	ATTACH_ROUNDS=${ATTACH_ROUNDS:-1}
	ATTACH_HOLD_S=${ATTACH_HOLD_S:-0.05}
else
	ATTACH_ROUNDS=${ATTACH_ROUNDS:-7}
	ATTACH_HOLD_S=${ATTACH_HOLD_S:-0.1}
fi
# The running target's -d: longer than any run (it is ended by SIGTERM once checked).
ATTACH_TARGET_S=${ATTACH_TARGET_S:-60}
# How long a running target runs before the tool starts (its threads made, its hot phase on).
ATTACH_SETTLE_S=${ATTACH_SETTLE_S:-0.1}
# The restarted workload's -d (attach_mode restart: the tool starts it).
ATTACH_RESTART_S=${ATTACH_RESTART_S:-0.1}
# The samplers' rate: their first event comes about one period after they start.
ATTACH_SAMPLE_HZ=${ATTACH_SAMPLE_HZ:-1000}
# A tool not tracing within this long, or not gone this long after SIGINT, failed.
ATTACH_TIMEOUT_S=${ATTACH_TIMEOUT_S:-30}

# technique|config|attach_mode|program|what it measures
ATTACH_CONFIGS="usdt|one|attach|workload-usdt5|tb-usdt -m count -p PID tracebench:request_start: load the BPF programs (the verifier), register one uprobe site
usdt|every|attach|workload-usdt5|tb-usdt -m count -p PID tracebench:method_entry: load the BPF programs, register every method's entry site (a uprobe perf event each)
ptrace|break|attach|workload|tb-ptrace break -p PID query: PTRACE_SEIZE and interrupt every thread, write one int3
ptrace|syscall|attach|workload|tb-ptrace syscall -p PID: PTRACE_SEIZE and interrupt every thread, resume them with PTRACE_SYSCALL
ptrace|sample|attach|workload|tb-ptrace sample -F $ATTACH_SAMPLE_HZ -p PID: PTRACE_SEIZE every thread, stop them all and unwind $ATTACH_SAMPLE_HZ times a second
vm_readv|sample|attach|workload|tb-vmreadv -F $ATTACH_SAMPLE_HZ -p PID: find the in-memory stack root, read it $ATTACH_SAMPLE_HZ times a second; nothing attached
signal|record|restart|workload|tb-signal record -F $ATTACH_SAMPLE_HZ -- workload: needs a restart with libtb-signal.so preloaded; launch to its first sample
signal|trace|channel|workload|tb-signal trace -p PID start / stop on a workload started by tb-signal run (library preloaded at its start): the hook switched on and off through the library's control channel
tracefunc|count|restart|workload-finstrument|tb-tracefunc -m count -- workload-finstrument: needs a restart with libtb-tracefunc.so (and a -finstrument-functions build); launch to the hook's first call"
# tb-usdt's probe per config
declare -gA ATTACH_PROBE=([one]=request_start [every]=method_entry)

# attach_needed: the programs the section runs
attach_needed()
{
	echo "workload workload-usdt5 workload-finstrument tb-usdt tb-ptrace tb-vmreadv tb-signal" \
		"libtb-signal.so tb-tracefunc libtb-tracefunc.so"
}

# attach_probe: who can run here (rates_try of bench_rates.sh: a short run); a technique that
# cannot gives rows with status skipped: why
attach_probe()
{
	local why
	skip_attach_usdt=
	if ! why=$("$OUT/tb-usdt" --check 2>&1); then
		skip_attach_usdt="skipped: tb-usdt --check says: $(oneline <<<"$why")"
	fi
	skip_attach_ptrace=$(rates_try "tb-ptrace syscall" "$OUT/tb-ptrace" syscall \
		-o "$TMP/probe.json" -- "$OUT/workload" -q -r 10)
	skip_attach_vm_readv=$(rates_try tb-vmreadv "$OUT/tb-vmreadv" -F 100 -o "$TMP/probe.json" \
		-- "$OUT/workload" -q -r 100)
	skip_attach_signal=$(rates_try "tb-signal record" "$OUT/tb-signal" record -F 100 \
		-o "$TMP/probe.json" -- "$OUT/workload" -q -r 100)
	rm -rf "$TMP/attach-tf"
	skip_attach_tracefunc=$(rates_try tb-tracefunc "$OUT/tb-tracefunc" -m count \
		-D "$TMP/attach-tf" -o "$TMP/probe.json" -- "$OUT/workload-finstrument" -q -r 10)
	rm -rf "$TMP/attach-tf"
}

# attach_skip TECHNIQUE: why that technique cannot run here (empty if it can)
attach_skip()
{
	case $1 in
	usdt) echo "$skip_attach_usdt" ;;
	ptrace) echo "$skip_attach_ptrace" ;;
	vm_readv) echo "$skip_attach_vm_readv" ;;
	signal) echo "$skip_attach_signal" ;;
	tracefunc) echo "$skip_attach_tracefunc" ;;
	esac
}

# attach_env: the section's env.txt lines
attach_env()
{
	echo "attach_placement=the running workload on CPU $BENCH_CPU (taskset -c, started" \
		"$ATTACH_SETTLE_S s before the tool), the tool on CPU $TRACER_CPU; restarted runs" \
		"(tb-signal record, tb-tracefunc) and tb-signal run on CPU $BENCH_CPU"
	echo "attach_rounds=$ATTACH_ROUNDS"
	echo "attach_hold_s=$ATTACH_HOLD_S"
	echo "attach_settle_s=$ATTACH_SETTLE_S"
	echo "attach_target_s=$ATTACH_TARGET_S"
	echo "attach_restart_s=$ATTACH_RESTART_S"
	echo "attach_sample_hz=$ATTACH_SAMPLE_HZ"
	echo "attach_tb_usdt=${skip_attach_usdt:-ok}"
	echo "attach_tb_ptrace=${skip_attach_ptrace:-ok}"
	echo "attach_tb_vmreadv=${skip_attach_vm_readv:-ok}"
	echo "attach_tb_signal=${skip_attach_signal:-ok}"
	echo "attach_tb_tracefunc=${skip_attach_tracefunc:-ok}"
}

# attach_now: CLOCK_REALTIME in ns, at the µs bash gives (its decimal point is the locale's: . or ,)
attach_now() { local t=${EPOCHREALTIME//[.,]/}; echo "${t}000"; }

# attach_json KEY: the value at KEY of the tool's result (empty if none)
attach_json() { "$OUT/tests/json_get" "$TMP/attach_result.json" "$1" 2>/dev/null || true; }

# attach_wait_exec PID PROGRAM: waits (up to 5 s) until PID runs PROGRAM; 1 if it never does
attach_wait_exec()
{
	local i
	for ((i = 0; i < 500; i++)); do
		[ "$(readlink "/proc/$1/exe" 2>/dev/null)" != "$2" ] || return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# attach_wait_line FILE PID: waits until FILE says "Ctrl-C to stop" (the tool traces), PID ends
# or ATTACH_TIMEOUT_S pass; 1 unless the line came
attach_wait_line()
{
	local i
	for ((i = 0; i < ATTACH_TIMEOUT_S * 200; i++)); do
		! grep -q 'Ctrl-C to stop' "$1" 2>/dev/null || return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.005
	done
	return 1
}

# attach_wait_tool PID: waits for the tool PID (started under timeout -s KILL); sets tool_rc
attach_wait_tool()
{
	tool_rc=0
	wait "$1" || tool_rc=$?
}

# attach_oncpu PID: the ns its threads have spent on a CPU (/proc/PID/task/*/schedstat)
attach_oncpu()
{
	cat "/proc/$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# attach_clean PID: empty if PID runs on untraced (no tracer, no thread stopped, on a CPU within
# a second: the CPU may be busy with other work), else why not
attach_clean()
{
	local pid=$1 t tracer state c0 c1 i
	[ -d "/proc/$pid" ] || { echo "the target is gone"; return; }
	for t in /proc/"$pid"/task/*; do
		tracer=$(awk '$1 == "TracerPid:" { print $2 }' "$t/status" 2>/dev/null)
		state=$(sed 's/.*) //' "$t/stat" 2>/dev/null | cut -d' ' -f1)
		if [ "${tracer:-0}" != 0 ]; then
			echo "thread ${t##*/} still traced (TracerPid $tracer)"
			return
		elif [ "$state" = t ] || [ "$state" = T ]; then
			echo "thread ${t##*/} left stopped (state $state)"
			return
		fi
	done
	c0=$(attach_oncpu "$pid")
	for ((i = 0; i < 20; i++)); do
		sleep 0.05
		c1=$(attach_oncpu "$pid")
		[ "$c1" -le "$c0" ] || return 0
	done
	echo "the target did not run in the second after the tool ended"
}

# attach_end_target PID: ends the running target PID (a child of this shell) with SIGTERM; sets
# end_why empty if it died of that, else to how it ended (a trap left behind kills it with
# SIGTRAP first)
attach_end_target()
{
	local rc=0
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" || rc=$?
	bench_pid_drop "$1"
	end_why=
	if [ "$rc" = 127 ]; then
		end_why="the target's end could not be learnt (wait: status 127)"
	elif [ "$rc" != 143 ]; then
		end_why="the target ended with status $rc; not by our SIGTERM (143)"
	fi
}

# attach_live TECHNIQUE CONFIG PROGRAM LOG: one run of a tool attaching with -p to a running
# workload; sets the a_* values and status
attach_live()
{
	local technique=$1 config=$2 prog=$3 log=$4 wpid tpid t0 t1 t2 why
	local -a cmd
	taskset -c "$BENCH_CPU" "$prog" -q -d "$ATTACH_TARGET_S" >"$log.target" 2>&1 &
	wpid=$!
	bench_pid_add "$wpid"
	if ! attach_wait_exec "$wpid" "$prog"; then
		status="failed: the workload did not start"
		kill -KILL "$wpid" 2>/dev/null || true
		wait "$wpid" 2>/dev/null || true
		bench_pid_drop "$wpid"
		return
	fi
	sleep "$ATTACH_SETTLE_S"
	case $technique/$config in
	usdt/one) cmd=("$OUT/tb-usdt" -m count -o "$TMP/attach_result.json" -p "$wpid" \
		tracebench:request_start) ;;
	usdt/every) cmd=("$OUT/tb-usdt" -m count -o "$TMP/attach_result.json" -p "$wpid" \
		tracebench:method_entry) ;;
	ptrace/break) cmd=("$OUT/tb-ptrace" break -o "$TMP/attach_result.json" -p "$wpid" query) ;;
	ptrace/syscall) cmd=("$OUT/tb-ptrace" syscall -o "$TMP/attach_result.json" -p "$wpid") ;;
	ptrace/sample) cmd=("$OUT/tb-ptrace" sample -F "$ATTACH_SAMPLE_HZ" \
		-o "$TMP/attach_result.json" -p "$wpid") ;;
	vm_readv/sample) cmd=("$OUT/tb-vmreadv" -F "$ATTACH_SAMPLE_HZ" \
		-o "$TMP/attach_result.json" -p "$wpid") ;;
	esac
	t0=$(attach_now)
	# timeout passes the SIGINT on to the tool, and ends a tool that hangs
	timeout -s KILL "$ATTACH_TIMEOUT_S" taskset -c "$TRACER_CPU" "${cmd[@]}" >"$log.out" \
		2>"$log.err" &
	tpid=$!
	bench_pid_add "$tpid"
	# tb-usdt and tb-ptrace say when they trace; tb-vmreadv says nothing (and has nothing to set up)
	if [ "$technique" = vm_readv ] || attach_wait_line "$log.err" "$tpid"; then
		sleep "$ATTACH_HOLD_S"
	fi
	t1=$(attach_now)
	kill -INT "$tpid" 2>/dev/null || true
	attach_wait_tool "$tpid"
	t2=$(attach_now)
	bench_pid_drop "$tpid"
	a_stop=$((t2 - t1))
	a_wall=$((t2 - t0))
	why=$(attach_clean "$wpid")
	a_clean=${why:-yes}
	attach_end_target "$wpid"
	why+=$end_why
	[ -z "$why" ] || status="failed: not a clean detach: $why"
	[ "$status" != ok ] || [ "$tool_rc" = 0 ] || status="failed: the tool exited with status $tool_rc"
	[ "$status" != ok ] || [ -s "$TMP/attach_result.json" ] ||
		status="failed: the tool wrote no result"
	[ "$status" = ok ] || return 0
	a_attach=$(attach_json attach_ns)
	a_first=$(attach_json first_event_ns)
	a_detach=$(attach_json detach_ns)
	case $technique/$config in
	usdt/one) a_events=$(attach_json counts.tracebench:request_start) ;;
	usdt/every) a_events=$(attach_json counts.tracebench:method_entry) ;;
	ptrace/break) a_events=$(attach_json counts.query) ;;
	ptrace/syscall) a_events=$(attach_json counts.pread64) ;;
	*/sample) a_events=$(attach_json samples) ;;
	esac
	if [ "$technique" = usdt ]; then
		a_sites=$(attach_json "probes.tracebench:${ATTACH_PROBE[$config]}.sites")
	fi
	if [ "${a_events:-0}" -le 0 ]; then
		status="failed: the tool recorded no event"
	elif [ -z "$a_attach" ] || [ -z "$a_first" ] || [ -z "$a_detach" ]; then
		status="failed: the result lacks attach_ns; first_event_ns or detach_ns"
	elif [ "$config" != sample ] && [ "$(attach_json lost)" != 0 ]; then
		status="failed: the tool lost $(attach_json lost) events"
	fi
}

# attach_restart TECHNIQUE PROGRAM LOG: one launch of an in-process tool with the workload; sets
# the a_* values and status
attach_restart()
{
	local technique=$1 prog=$2 log=$3 t0 t2 want
	local -a args=(-q -d "$ATTACH_RESTART_S" -o "$TMP/attach_truth.json")
	rm -rf "$TMP/attach-tf"
	t0=$(attach_now)
	tool_rc=0
	case $technique in
	signal) taskset -c "$BENCH_CPU" "$OUT/tb-signal" record -F "$ATTACH_SAMPLE_HZ" \
		-o "$TMP/attach_result.json" -- "$prog" "${args[@]}" >"$log.out" 2>"$log.err" ||
		tool_rc=$? ;;
	tracefunc) taskset -c "$BENCH_CPU" "$OUT/tb-tracefunc" -m count -D "$TMP/attach-tf" \
		-o "$TMP/attach_result.json" -- "$prog" "${args[@]}" >"$log.out" 2>"$log.err" ||
		tool_rc=$? ;;
	esac
	t2=$(attach_now)
	rm -rf "$TMP/attach-tf"
	a_wall=$((t2 - t0))
	[ "$tool_rc" = 0 ] || { status="failed: the tool exited with status $tool_rc"; return 0; }
	[ -s "$TMP/attach_result.json" ] || { status="failed: the tool wrote no result"; return 0; }
	a_attach=$(attach_json attach_ns)
	a_first=$(attach_json first_event_ns)
	if [ "$technique" = signal ]; then
		a_events=$(attach_json samples)
		[ "${a_events:-0}" -gt 0 ] || status="failed: the tool took no sample"
	else
		a_events=$(attach_json counts.query)
		want=$("$OUT/tests/json_get" "$TMP/attach_truth.json" methods.query.calls 2>/dev/null ||
			true)
		[ -n "$a_events" ] && [ "$a_events" = "$want" ] ||
			status="failed: counted ${a_events:-no} query calls; the workload made ${want:-?}"
	fi
	if [ "$status" = ok ] && { [ -z "$a_attach" ] || [ -z "$a_first" ]; }; then
		status="failed: the result lacks attach_ns or first_event_ns"
	fi
}

# attach_channel PROGRAM LOG: one tb-signal trace start / stop on a workload started by tb-signal
# run; sets the a_* values and status
attach_channel()
{
	local prog=$1 log=$2 rpid wpid='' t0 t1 t2 t3 i why
	taskset -c "$BENCH_CPU" "$OUT/tb-signal" run -- "$prog" -q -d "$ATTACH_TARGET_S" \
		>"$log.target" 2>&1 &
	rpid=$!
	bench_pid_add "$rpid"
	for ((i = 0; i < 500; i++)); do
		wpid=$(pgrep -P "$rpid" | head -n 1) || true
		[ -z "$wpid" ] || break
		sleep 0.01
	done
	# the workload (tb-signal run's child) is ended first: tb-signal run then exits with its status
	[ -z "$wpid" ] || bench_pid_add "$wpid"
	if [ -z "$wpid" ] || ! attach_wait_exec "$wpid" "$prog"; then
		status="failed: tb-signal run did not start the workload"
		kill -TERM "$rpid" ${wpid:+"$wpid"} 2>/dev/null || true
		wait "$rpid" 2>/dev/null || true
		bench_pid_drop "$rpid"
		[ -z "$wpid" ] || bench_pid_drop "$wpid"
		return
	fi
	sleep "$ATTACH_SETTLE_S"
	t0=$(attach_now)
	tool_rc=0
	taskset -c "$TRACER_CPU" "$OUT/tb-signal" trace -p "$wpid" start >"$log.out" 2>"$log.err" ||
		tool_rc=$?
	t1=$(attach_now)
	sleep "$ATTACH_HOLD_S"
	t2=$(attach_now)
	[ "$tool_rc" != 0 ] || taskset -c "$TRACER_CPU" "$OUT/tb-signal" trace -p "$wpid" stop \
		>"$log.stop" 2>>"$log.err" || tool_rc=$?
	t3=$(attach_now)
	a_attach=$((t1 - t0))
	a_detach=$((t3 - t2))
	a_stop=$a_detach
	a_wall=$((t3 - t0))
	# trace stop prints a line per method: name, entries, returns, ns
	a_events=$(awk 'NF == 4 && $2 ~ /^[0-9]+$/ { s += $2 } END { print s + 0 }' \
		"$log.stop" 2>/dev/null || echo 0)
	why=$(attach_clean "$wpid")
	a_clean=${why:-yes}
	kill -TERM "$wpid" 2>/dev/null || true
	i=0
	wait "$rpid" || i=$?
	bench_pid_drop "$wpid"
	bench_pid_drop "$rpid"
	[ "$i" = 143 ] || why+="tb-signal run ended with status $i; not by our SIGTERM (143)"
	if [ -n "$why" ]; then
		status="failed: $why"
	elif [ "$tool_rc" != 0 ]; then
		status="failed: tb-signal trace exited with status $tool_rc"
	elif [ "$a_events" -le 0 ]; then
		status="failed: trace stop reported no method entry"
	fi
}

# attach_one ROUND TECHNIQUE CONFIG MODE PROGRAM: one run, appended to attach_raw.csv; a failed
# run's output goes to attach_failures.txt
attach_one()
{
	local round=$1 technique=$2 config=$3 mode=$4 program=$5 log=$TMP/attach prog
	local a_attach='' a_first='' a_detach='' a_stop='' a_wall='' a_events='' a_sites='' a_clean=''
	status=ok
	rm -f "$TMP/attach_result.json" "$TMP/attach_truth.json" "$log".*
	prog=$(realpath "$OUT/$program")
	case $mode in
	attach) attach_live "$technique" "$config" "$prog" "$log" ;;
	restart) attach_restart "$technique" "$prog" "$log" ;;
	channel) attach_channel "$prog" "$log" ;;
	esac
	# attach <= first event <= the tool's whole time, or the times are not what they say
	if [ "$status" = ok ] && [ -n "$a_first" ] &&
		{ [ "$a_attach" -gt "$a_first" ] || [ "$a_first" -gt "$a_wall" ]; }; then
		status="failed: inconsistent times: attach $a_attach; first event $a_first; wall $a_wall ns"
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $technique/$config ($mode) $program: $status"
			cat "$log".* "$TMP/attach_result.json" 2>/dev/null
		} >>"$RESULTS_DIR/attach_failures.txt"
		a_attach='' a_first='' a_detach='' a_stop='' a_events=''
	fi
	printf '%s,' "$round" "$technique" "$config" "$mode" "$program" "$a_attach" "$a_first" \
		"$a_detach" "$a_stop" "$a_wall" "$a_events" "$a_sites" "${a_clean//,/;}" \
		>>"$RESULTS_DIR/attach_raw.csv"
	echo "$status" >>"$RESULTS_DIR/attach_raw.csv"
}

# attach_run: the section's rounds, attach_raw.csv and attach_summary.csv
attach_run()
{
	local list='' skips='' technique config mode program why nconf
	while IFS="|" read -r technique config mode program _; do
		why=$(attach_skip "$technique")
		if [ -n "$why" ]; then
			skips+="$technique/$config|$why"$'\n'
			continue
		fi
		list+="$technique|$config|$mode|$program"$'\n'
	done <<<"$ATTACH_CONFIGS"
	# Run in the order 1 3 5 ... 2 4 6 ... of the configurations: the rotation keeps their
	# cyclic order, and in the listed one tb-usdt every would always follow tb-usdt one, warm
	# (its first run after other tools takes 10 to 15 ms more to attach here).
	list=$(awk 'NR % 2' <<<"${list%$'\n'}"; awk 'NR % 2 == 0' <<<"${list%$'\n'}")
	nconf=$(grep -c . <<<"$list" || true)
	total=$((ATTACH_ROUNDS * nconf))
	echo "round,technique,config,attach_mode,program,attach_ns,first_event_ns,detach_ns," \
		"stop_to_exit_ns,tool_wall_ns,events,sites,clean_detach,status" | tr -d ' ' \
		>"$RESULTS_DIR/attach_raw.csv"
	echo "bench: attach and detach: $ATTACH_ROUNDS rounds of $nconf configurations, a running" \
		"workload on CPU $BENCH_CPU, the tools on CPU $TRACER_CPU" >&2
	[ "$nconf" = 0 ] || run_rounds "$ATTACH_ROUNDS" "$list" 2 attach_one

	# Per configuration: median, p25, p75 over its ok runs, in ms
	awk -F, -v configs="$ATTACH_CONFIGS" -v skips="$skips" "$AWK_STATS"'
	function put(a, key,    n, x, r) {
		n = 0
		for (r = 1; r <= nround; r++) if ((key, r) in a) x[++n] = a[key, r] / 1e6
		if (!n) return ",,"
		return sprintf("%.3f,%.3f,%.3f", quantile(x, n, 0.5), quantile(x, n, 0.25),
			       quantile(x, n, 0.75))
	}
	function med(a, key,    n, x, r) {
		n = 0
		for (r = 1; r <= nround; r++) if ((key, r) in a) x[++n] = a[key, r] / 1e6
		return n ? sprintf("%.3f", quantile(x, n, 0.5)) : ""
	}
	NR == 1 { next }
	{
		key = $2 "/" $3
		runs[key]++
		if ($1 > nround) nround = $1
		if ($14 != "ok") { failed[key]++; next }
		good[key]++
		if ($6 != "") att[key, $1] = $6
		if ($7 != "") fev[key, $1] = $7
		if ($8 != "") det[key, $1] = $8
		if ($9 != "") stp[key, $1] = $9
		if ($10 != "") wall[key, $1] = $10
	}
	END {
		n = split(skips, s, "\n")
		for (i = 1; i <= n; i++) if (s[i] != "") { split(s[i], g, "|"); skipped[g[1]] = g[2] }
		print "technique,config,attach_mode,rounds,median_attach_ms,p25_attach_ms,p75_attach_ms," \
		      "median_first_event_ms,p25_first_event_ms,p75_first_event_ms,median_detach_ms," \
		      "p25_detach_ms,p75_detach_ms,median_stop_to_exit_ms,p25_stop_to_exit_ms," \
		      "p75_stop_to_exit_ms,median_tool_wall_ms,status,description"
		nconf = split(configs, lines, "\n")
		for (c = 1; c <= nconf; c++) {
			split(lines[c], g, "|")
			key = g[1] "/" g[2]
			printf "%s,%s,%s,", g[1], g[2], g[3]
			desc = g[5]
			gsub(/"/, "\"\"", desc)
			if (key in skipped) {
				printf "0,,,,,,,,,,,,,,%s,\"%s\"\n", skipped[key], desc
				continue
			}
			printf "%d,%s,%s,%s,%s,%s,", good[key] + 0, put(att, key), put(fev, key),
			       put(det, key), put(stp, key), med(wall, key)
			if (failed[key]) status = "failed: " failed[key] " of " runs[key] " runs"
			else if (!runs[key]) status = "no data: not run"
			else status = "ok"
			printf "%s,\"%s\"\n", status, desc
		}
	}' "$RESULTS_DIR/attach_raw.csv" >"$RESULTS_DIR/attach_summary.csv"
}

# attach_report: the section's part of REPORT.md: the table and why it comes out that way, in
# numbers from this run
attach_report()
{
	echo "## Attach and detach: from starting the tool on a running process to its first event, and back"
	echo
	cat <<EOF
Each out-of-process tool was started with \`-p PID\` on a workload already running (\`workload
-q -d $ATTACH_TARGET_S\`, one thread, not gated, on CPU $BENCH_CPU, started $ATTACH_SETTLE_S s
before; the tool on CPU $TRACER_CPU), given SIGINT $ATTACH_HOLD_S s after it said it was
tracing, and the process checked afterwards: still running, TracerPid 0 and no thread stopped,
on a CPU within the next second, and ended by our SIGTERM (a breakpoint left behind would have
killed it with SIGTRAP first). $ATTACH_ROUNDS rounds, the order rotated each round. **attach**:
the tool's \`attach_ns\`, from its \`main\` to probes in place / threads seized / the sampler
started; **first event**: its \`first_event_ns\`, from its \`main\` to its first recorded event
(tb-usdt: the BPF program's \`bpf_ktime_get_ns()\` at its first hit); **detach**: its
\`detach_ns\`, from the SIGINT (received) to every probe removed / every thread detached;
**SIGINT to exit**: the same seen from outside, to the tool's exit (results written); **wall**:
the tool's whole run. Samplers at $ATTACH_SAMPLE_HZ Hz. The in-process techniques cannot attach
to a process started without their library: **restart** rows time \`TOOL -- COMMAND\`
(\`workload -d $ATTACH_RESTART_S\`) from the tool's \`main\` to the command exec'd and released
from its start gate (attach: the loader and the library's start come after) and to its first event; tb-signal's **channel** row times \`tb-signal trace -p PID start\` and \`stop\`
from outside, on a workload that \`tb-signal run\` started with the library preloaded (what
rbtrace does: attaching without a restart needs the library there from the start).
Median [p25, p75] over the rounds, ms.

| technique | how | attach ms | first event ms | detach ms | SIGINT to exit ms | wall ms | status |
|---|---|---:|---:|---:|---:|---:|---|
EOF
	# the description, quoted, is the last field: the fields before it hold no comma
	awk -F, '
	function cell(m, lo, hi) { return m == "" ? "-" : sprintf("%s [%s, %s]", m, lo, hi) }
	NR == 1 { next }
	{
		how = $3 == "attach" ? "-p PID" : $3 == "restart" ? "needs a restart" : "control channel"
		printf "| %s/%s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, how, cell($5, $6, $7),
		       cell($8, $9, $10), cell($11, $12, $13), cell($14, $15, $16), $17 == "" ? "-" : $17,
		       $18
	}' "$RESULTS_DIR/attach_summary.csv"
	echo
	attach_findings
	echo
}

# attach_findings: the paragraph on why, every number from this run's summary and raw rows
attach_findings()
{
	awk -F, -v hz="$ATTACH_SAMPLE_HZ" '
	FILENAME == ARGV[1] {
		# raw: the usdt sites per config (the last ok run says)
		if (FNR > 1 && $2 == "usdt" && $14 == "ok" && $12 != "") sites[$3] = $12
		next
	}
	FNR == 1 { next }
	{
		k = $1 "/" $2
		if ($18 !~ /^(ok|failed: [0-9]+ of)/) next
		att[k] = $5; fev[k] = $8; det[k] = $11; stp[k] = $14; det25[k] = $12; det75[k] = $13
	}
	function ms(v) {
		if (v == "") return "?"
		return v < 0.01 ? sprintf("%.1f µs", v * 1000) : v < 1 ? sprintf("%.2f ms", v) : \
		       sprintf("%.1f ms", v)
	}
	END {
		s = "Why: "
		if (att["usdt/one"] != "")
			s = s sprintf("tb-usdt needs %s to attach one site and %s for %d sites: it reads " \
			    "the ELF notes, loads its BPF programs (the verifier checks every one) and " \
			    "registers a uprobe per site through a perf event (%s); its first event comes " \
			    "at %s (%s with every site); ", ms(att["usdt/one"]), ms(att["usdt/every"]),
			    sites["every"], att["usdt/every"] < 1.5 * att["usdt/one"] ||
			    sites["every"] <= sites["one"] ? "the site count " \
			    "barely matters: the fixed cost of loading is most of it" : sprintf("about " \
			    "%s per site more", ms((att["usdt/every"] - att["usdt/one"]) / \
			    (sites["every"] - sites["one"]))), ms(fev["usdt/one"]), ms(fev["usdt/every"]))
		if (att["ptrace/break"] != "")
			s = s sprintf("tb-ptrace attaches in %s (break; %s syscall): it reads the symbol " \
			    "table, then PTRACE_SEIZE and PTRACE_INTERRUPT of each thread and a wait for " \
			    "its stop, and one int3 written with PTRACE_POKEDATA: a few system calls per " \
			    "thread, no program to check; ",
			    ms(att["ptrace/break"]), ms(att["ptrace/syscall"]))
		if (att["vm_readv/sample"] != "")
			s = s sprintf("tb-vmreadv attaches to nothing: it finds the stack root (%s) and its " \
			    "first read is its first sample (%s); the first event of a sampler is about one " \
			    "period (%.1f ms at %d Hz) after it starts (tb-ptrace sample: %s). ",
			    ms(att["vm_readv/sample"]), ms(fev["vm_readv/sample"]), 1000 / hz, hz,
			    ms(fev["ptrace/sample"]))
		# the per-site detach cost, told only when it stands out: every site p25 above one site p75
		if (det["usdt/one"] != "" && det["usdt/every"] != "" && sites["every"] > sites["one"] &&
		    det25["usdt/every"] <= det75["usdt/one"])
			s = s sprintf("tb-usdt detaches in %s with %d site and %s with %d sites: in this " \
			    "run no clear cost per site (their [p25, p75] overlap). ", ms(det["usdt/one"]),
			    sites["one"], ms(det["usdt/every"]), sites["every"])
		else if (det["usdt/one"] != "" && det["usdt/every"] != "" && sites["every"] > sites["one"]) {
			per = (det["usdt/every"] - det["usdt/one"]) / (sites["every"] - sites["one"])
			s = s sprintf("Detaching is where they differ most: tb-usdt takes %s for its %d " \
			    "site and %s for %d sites, %s per site more. libbpf 1.1 attaches each site as " \
			    "a uprobe perf event with a BPF link of its own, and closing them waits in the " \
			    "kernel for no CPU to be running the probe any more: closing the link waits for " \
			    "an RCU tasks-trace grace period (perf_event_detach_bpf_prog), closing the perf " \
			    "event for two more (uprobe_unregister_sync, perf_trace_event_unreg), site after " \
			    "site; a uprobe_multi link (libbpf 1.3+, kernel 6.6+) would wait once for all. ",
			    ms(det["usdt/one"]), sites["one"], ms(det["usdt/every"]), sites["every"],
			    ms(per))
		}
		if (det["ptrace/break"] != "")
			s = s sprintf("tb-ptrace detaches in %s (break: stop every thread, put the byte " \
			    "back, PTRACE_DETACH) and tb-vmreadv in %s (it only stops reading). ",
			    ms(det["ptrace/break"]), ms(det["vm_readv/sample"]))
		if (att["signal/record"] != "")
			s = s sprintf("The in-process tools cannot attach to a running process at all: " \
			    "their library must be in it from its start, so a run needs a restart " \
			    "(tb-signal record: the command exec\047d and released at %s, first sample " \
			    "at %s; tb-tracefunc: %s and %s, and a -finstrument-functions build)",
			    ms(att["signal/record"]),
			    ms(fev["signal/record"]), ms(att["tracefunc/count"]), ms(fev["tracefunc/count"]))
		if (att["signal/trace"] != "")
			s = s sprintf("; once there, switching tracing on through the library control " \
			    "channel takes %s (tb-signal trace start: a new process, a signal, the library " \
			    "thread answers) and off %s", ms(att["signal/trace"]), ms(det["signal/trace"]))
		print s "."
	}' "$RESULTS_DIR/attach_raw.csv" "$RESULTS_DIR/attach_summary.csv"
}

ATTACH_PLOTS="attach|**Attach and detach**: per technique, log time, from the tool's start to probes in place (attach) and to its first recorded event, and from the stop request to every probe removed (detach); median, bars p25 to p75. Restart rows: the in-process tools launch the workload with their library; channel: tb-signal trace start/stop on a process started with the library."
