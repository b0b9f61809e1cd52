# bench_floors.sh - make bench's floors section (the cost floors, measured in the same run) and the
# cost-per-event table that sets every section's costs against them (sourced by bench.sh)
#
# floors: function_call (call_floor call), syscall (call_floor syscall), signal_raise
# (signal_floor raise), ptrace_stop same-cpu and cross-cpu (ptrace_floor), process_vm_readv
# (vmreadv_floor read), uprobe_int3 and uprobe_nop5 (the probe loop of workload-usdt and
# workload-usdt5 under tb-usdt -m empty, minus the untraced run of the same round), interleaved
# over FLOORS_ROUNDS rounds. costs_write / costs_report: cost_per_event.csv and its REPORT.md
# table, from whatever *_summary.csv the run wrote.
# shellcheck shell=bash disable=SC2034,SC2154 # bench.sh defines skip_cross, uses GATE_*, total

# Presets: rounds; the uprobe floors' probe-loop calls; the ptrace floor's stops (same-cpu,
# cross-cpu). The other floors time 21 batches of their own default size.
if [ "${FULL:-0}" = 1 ]; then
	FLOORS_ROUNDS=${FLOORS_ROUNDS:-21}
	FLOORS_HITS=${FLOORS_HITS:-5000000}
	FLOORS_STOPS=${FLOORS_STOPS:-200000}
	FLOORS_STOPS_CROSS=${FLOORS_STOPS_CROSS:-20000}
elif [ "${TINY:-0}" = 1 ]; then
	FLOORS_ROUNDS=${FLOORS_ROUNDS:-1}
	FLOORS_HITS=${FLOORS_HITS:-100000}
	FLOORS_STOPS=${FLOORS_STOPS:-2000}
	FLOORS_STOPS_CROSS=${FLOORS_STOPS_CROSS:-500}
else
	FLOORS_ROUNDS=${FLOORS_ROUNDS:-5}
	FLOORS_HITS=${FLOORS_HITS:-1000000}
	FLOORS_STOPS=${FLOORS_STOPS:-50000}
	FLOORS_STOPS_CROSS=${FLOORS_STOPS_CROSS:-5000}
fi

# floor|placement|what it measures (no double quotes: a quoted CSV field). pinned: on BENCH_CPU
# (taskset); same-cpu / cross-cpu: the ptrace tracer on BENCH_CPU / on TRACER_CPU, its tracee on
# BENCH_CPU.
FLOORS_CONFIGS="function_call|pinned|call_floor call: an empty noinline function called through a volatile function pointer in a loop (the median of 21 batches of 10^6)
syscall|pinned|call_floor syscall: syscall(SYS_getppid) in a loop: a real system call (getppid has no vDSO entry) (the median of 21 batches of 20000)
signal_raise|pinned|signal_floor raise: SIGPROF sent to itself (tgkill) and an empty handler: a plain signal round trip (the median of 21 batches of 20000)
ptrace_stop|same-cpu|ptrace_floor: an int3 stop seen by the tracer (waitpid) with PTRACE_GETREGS and PTRACE_CONT; tracer and tracee on one CPU
ptrace_stop|cross-cpu|ptrace_floor: the same with tracer and tracee on two CPUs: every stop and resume wakes the other CPU
process_vm_readv|pinned|vmreadv_floor read: one process_vm_readv of 64 bytes from a waiting child (the median of 21 batches of 20000)
uprobe_int3|pinned|reaching an empty BPF program from a 1-byte-nop USDT site (an int3 trap): the probe loop of workload-usdt under tb-usdt -m empty minus its untraced run in the same round
uprobe_nop5|pinned|reaching an empty BPF program from a 5-byte-nop USDT site (optimised where the kernel can: a call into the uprobe trampoline): the same with workload-usdt5"

# floors_needed: the build/ programs the section runs
floors_needed()
{
	echo "call_floor signal_floor libtb-signal-floor.so ptrace_floor vmreadv_floor workload-usdt" \
		"workload-usdt5 tb-usdt"
}

# floors_probe: a short run of each floor program; sets the skip_floors_* reasons
floors_probe()
{
	local why
	skip_floors_call=
	skip_floors_syscall=
	skip_floors_raise=
	skip_floors_ptrace=
	skip_floors_read=
	skip_floors_uprobe=
	why=$("$OUT/call_floor" call -n 1000 -b 1 2>&1 >/dev/null) ||
		skip_floors_call="skipped: $(oneline <<<"${why:-call_floor call failed}")"
	why=$("$OUT/call_floor" syscall -n 100 -b 1 2>&1 >/dev/null) ||
		skip_floors_syscall="skipped: $(oneline <<<"${why:-call_floor syscall failed}")"
	why=$("$OUT/signal_floor" raise -n 100 -b 1 2>&1 >/dev/null) ||
		skip_floors_raise="skipped: $(oneline <<<"${why:-signal_floor raise failed}")"
	why=$("$OUT/ptrace_floor" -n 10 -w 1 -t "$BENCH_CPU" -c "$BENCH_CPU" 2>&1 >/dev/null) ||
		skip_floors_ptrace="skipped: $(oneline <<<"${why:-ptrace_floor failed}")"
	why=$("$OUT/vmreadv_floor" read -n 100 -b 1 2>&1 >/dev/null) ||
		skip_floors_read="skipped: $(oneline <<<"${why:-vmreadv_floor read failed}")"
	why=$("$OUT/tb-usdt" --check 2>&1) ||
		skip_floors_uprobe="skipped: tb-usdt --check says: $(oneline <<<"$why")"
}

# floors_skip FLOOR PLACEMENT: why that floor cannot be measured here (empty if it can)
floors_skip()
{
	case $1 in
	function_call) echo "$skip_floors_call" ;;
	syscall) echo "$skip_floors_syscall" ;;
	signal_raise) echo "$skip_floors_raise" ;;
	ptrace_stop)
		if [ -n "$skip_floors_ptrace" ]; then
			echo "$skip_floors_ptrace"
		elif [ "$2" = cross-cpu ]; then
			echo "$skip_cross"
		fi
		;;
	process_vm_readv) echo "$skip_floors_read" ;;
	uprobe_*) echo "$skip_floors_uprobe" ;;
	esac
}

# floors_env: the section's env.txt lines (floors_*)
floors_env()
{
	echo "floors_placement=call_floor, signal_floor raise, vmreadv_floor read (and its child)" \
		"pinned to CPU $BENCH_CPU (taskset); ptrace_floor same-cpu: tracer and tracee on CPU" \
		"$BENCH_CPU, cross-cpu: ${skip_cross:-tracer on CPU $TRACER_CPU, tracee on CPU $BENCH_CPU}" \
		"(ptrace_floor -t -c); uprobe floors: the workload started on CPU $TRACER_CPU with" \
		"tb-usdt, moved to CPU $BENCH_CPU (taskset -a -p) at its start gate, then released"
	echo "floors_rounds=$FLOORS_ROUNDS"
	echo "floors_hits=$FLOORS_HITS"
	echo "floors_stops=$FLOORS_STOPS"
	echo "floors_stops_cross=$FLOORS_STOPS_CROSS"
	echo "floors_call_floor=${skip_floors_call:-${skip_floors_syscall:-ok}}"
	echo "floors_signal_floor=${skip_floors_raise:-ok}"
	echo "floors_ptrace_floor=${skip_floors_ptrace:-ok}"
	echo "floors_ptrace_cross=${skip_cross:-ok}"
	echo "floors_vmreadv_floor=${skip_floors_read:-ok}"
	echo "floors_tb_usdt=${skip_floors_uprobe:-ok}"
}

# floors_line FILE KEY: the number of KEY=NUMBER on the line a floor program printed into FILE
floors_line() { sed -n "s/.*\(^\|[[:space:]]\)$2=\([0-9.]*\).*/\2/p" "$1" | head -n1; }

# floors_one ROUND FLOOR PLACEMENT RUN: one run of the floors section, appended to floors_raw.csv.
# RUN is floor (a floor program's own timing), untraced or traced (the uprobe floors' probe loop).
floors_one()
{
	local round=$1 floor=$2 placement=$3 run=$4 log=$TMP/fl status=ok program='' ns='' p25='' p75=''
	local events='' tracer_cpu='' int3='' optimised='' trampoline='' calls batches variant unit mode
	local args=()
	rm -f "$log".* "$TMP/truth.json" "$TMP/result.json"
	run_error=
	run_status=0
	case $floor in
	function_call | syscall)
		program=call_floor
		mode=call
		[ "$floor" = syscall ] && mode=syscall
		taskset -c "$BENCH_CPU" "$OUT/call_floor" "$mode" >"$log.out" 2>"$log.err" ||
			run_status=$?
		;;
	signal_raise)
		program=signal_floor
		taskset -c "$BENCH_CPU" "$OUT/signal_floor" raise >"$log.out" 2>"$log.err" ||
			run_status=$?
		;;
	process_vm_readv)
		program=vmreadv_floor
		taskset -c "$BENCH_CPU" "$OUT/vmreadv_floor" read >"$log.out" 2>"$log.err" ||
			run_status=$?
		;;
	ptrace_stop)
		program=ptrace_floor
		tracer_cpu=$BENCH_CPU
		events=$FLOORS_STOPS
		if [ "$placement" = cross-cpu ]; then
			tracer_cpu=$TRACER_CPU
			events=$FLOORS_STOPS_CROSS
		fi
		"$OUT/ptrace_floor" -n "$events" -t "$tracer_cpu" -c "$BENCH_CPU" >"$log.out" \
			2>"$log.err" || run_status=$?
		;;
	uprobe_*)
		variant=usdt
		[ "$floor" = uprobe_nop5 ] && variant=usdt5
		program=workload-$variant
		events=$FLOORS_HITS
		args=(-q -L "$FLOORS_HITS" -k probe -o "$TMP/truth.json" -g 3)
		GATE_TRACER_CPU=$TRACER_CPU
		GATE_TARGET_CPU=$BENCH_CPU
		if [ "$run" = traced ]; then
			tracer_cpu=$TRACER_CPU
			run_gated "$(realpath "$OUT/$program")" "$log" "$OUT/tb-usdt" -m empty \
				-o "$TMP/result.json" tracebench:loop_probe -- "$(realpath "$OUT/$program")" \
				"${args[@]}"
		else
			run_gated "$(realpath "$OUT/$program")" "$log" "$(realpath "$OUT/$program")" \
				"${args[@]}"
		fi
		;;
	esac
	if [ -n "$run_error" ]; then
		status="failed: $program $run_error"
	elif [ "$run_status" != 0 ]; then
		status="failed: $program exited with status $run_status"
	fi
	case $floor in
	uprobe_*)
		if [ "$status" = ok ] && ! ns=$("$OUT/tests/json_get" "$TMP/truth.json" loop.ns_per_call \
			2>/dev/null); then
			ns=
			status="failed: the workload wrote no loop.ns_per_call"
		fi
		if [ "$run" = traced ] && [ -s "$TMP/result.json" ]; then
			int3=$("$OUT/tests/json_get" "$TMP/result.json" \
				'probes.tracebench:loop_probe.sites_int3' 2>/dev/null) || int3=
			optimised=$("$OUT/tests/json_get" "$TMP/result.json" \
				'probes.tracebench:loop_probe.sites_optimised' 2>/dev/null) || optimised=
			trampoline=$("$OUT/tests/json_get" "$TMP/result.json" uprobes_trampoline \
				2>/dev/null) || trampoline=
			# A probe tb-usdt never placed would make a floor of nothing.
			if [ "$status" = ok ] && [ "${int3:-0}" = 0 ] && [ "${optimised:-0}" = 0 ]; then
				status="failed: tb-usdt reports the site neither an int3 nor optimised"
			fi
		elif [ "$run" = traced ] && [ "$status" = ok ]; then
			status="failed: tb-usdt wrote no result"
		fi
		;;
	ptrace_stop)
		ns=$(floors_line "$log.out" ns_per_stop)
		[ "$status" != ok ] || [ -n "$ns" ] || status="failed: ptrace_floor printed no ns_per_stop"
		;;
	*)
		case $floor in
		function_call) unit=call ;;
		syscall) unit=syscall ;;
		signal_raise) unit=signal ;;
		process_vm_readv) unit="read" ;;
		esac
		ns=$(floors_line "$log.out" "ns_per_$unit")
		p25=$(floors_line "$log.out" "p25_ns_per_$unit")
		p75=$(floors_line "$log.out" "p75_ns_per_$unit")
		calls=$(floors_line "$log.out" calls_per_batch)
		batches=$(floors_line "$log.out" batches)
		[ -z "$calls" ] || [ -z "$batches" ] || events=$((calls * batches))
		[ "$status" != ok ] || [ -n "$ns" ] ||
			status="failed: $program printed no ns_per_$unit"
		;;
	esac
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $floor/$placement/$run: $status"
			cat "$log".* 2>/dev/null
		} >>"$RESULTS_DIR/floors_failures.txt"
	fi
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$round" "$floor" "$placement" "$run" \
		"$program" "$tracer_cpu" "$BENCH_CPU" "$events" "$ns" "$p25" "$p75" "$int3" "$optimised" \
		"$trampoline" "$status" >>"$RESULTS_DIR/floors_raw.csv"
}

# floors_run: every floor over FLOORS_ROUNDS rounds into floors_raw.csv, then floors_summary.csv
floors_run()
{
	local floor placement why list='' skips='' nfloors
	while IFS='|' read -r floor placement _; do
		why=$(floors_skip "$floor" "$placement")
		if [ -n "$why" ]; then
			skips+="$floor/$placement|$why"$'\n'
		elif [[ $floor == uprobe_* ]]; then
			list+="$floor|$placement|untraced"$'\n'"$floor|$placement|traced"$'\n'
		else
			list+="$floor|$placement|floor"$'\n'
		fi
	done <<<"$FLOORS_CONFIGS"
	list=${list%$'\n'}
	echo "round,floor,placement,run,program,tracer_cpu,target_cpu,events,ns_per_event," \
		"batch_p25_ns_per_event,batch_p75_ns_per_event,sites_int3,sites_optimised,uprobes_trampoline," \
		"status" |
		tr -d ' ' >"$RESULTS_DIR/floors_raw.csv"
	if [ -n "$list" ]; then
		nfloors=$(wc -l <<<"$list")
		total=$((FLOORS_ROUNDS * nfloors))
		echo "bench: floors: $FLOORS_ROUNDS interleaved rounds of $nfloors runs, on CPU $BENCH_CPU" \
			"(ptrace cross-cpu and the uprobe floors' tb-usdt: CPU $TRACER_CPU)" >&2
		run_rounds "$FLOORS_ROUNDS" "$list" 3 floors_one
	fi

	# Summary: per floor, the median [p25, p75] over the rounds of its ns per event; the uprobe
	# floors' is the traced run's ns per call minus the untraced run's of the same round.
	awk -F, -v configs="$FLOORS_CONFIGS" -v skips="$skips" "$AWK_STATS"'
	NR == 1 { next }
	{
		name = $2 "/" $3
		if ($1 > nround) nround = $1
		if ($4 == "untraced") {
			runs_base[name]++
			if ($15 == "ok") base[name, $1] = $9
			else failed_base[name]++
			next
		}
		runs[name]++
		if ($15 != "ok") { failed[name]++; next }
		ns[name, $1] = $9
		if ($4 == "traced") {
			traced[name]++
			if ($12 + 0 > 0) int3[name]++
			if ($13 + 0 > 0 && $14 == "true") optimised[name]++
		}
	}
	END {
		nskip = split(skips, s, "\n")
		for (i = 1; i <= nskip; i++) if (s[i] != "") {
			split(s[i], f, "|"); skipped[f[1]] = f[2]
		}
		print "floor,placement,rounds,median_ns_per_event,p25_ns_per_event,p75_ns_per_event," \
		      "status,description"
		nconf = split(configs, lines, "\n")
		for (c = 1; c <= nconf; c++) {
			split(lines[c], f, "|")
			name = f[1] "/" f[2]
			desc = f[3]
			if (name in skipped) {
				printf "%s,%s,0,,,,%s,\"%s\"\n", f[1], f[2], skipped[name], desc
				continue
			}
			uprobe = f[1] ~ /^uprobe_/
			n = 0
			for (r = 1; r <= nround; r++) {
				if (!((name, r) in ns) || (uprobe && !((name, r) in base))) continue
				v[++n] = ns[name, r] - (uprobe ? base[name, r] : 0)
			}
			if (f[1] == "uprobe_int3")
				desc = desc sprintf("; tb-usdt read the site back as an int3 in %d of %d traced runs",
				                    int3[name], traced[name])
			else if (uprobe)
				desc = desc sprintf("; the site ran optimised (tb-usdt read it back as a call into" \
				                    " [uprobes-trampoline]) in %d of %d traced runs%s", optimised[name],
				                    traced[name], optimised[name] < traced[name] ? \
				                    " (the others trapped: an int3 floor)" : "")
			nfail = failed[name] + failed_base[name]
			status = nfail ? "failed: " nfail " of " runs[name] + runs_base[name] " runs" : "ok"
			if (n)
				printf "%s,%s,%d,%.3f,%.3f,%.3f,%s,\"%s\"\n", f[1], f[2], n, quantile(v, n, 0.5),
				       quantile(v, n, 0.25), quantile(v, n, 0.75), status, desc
			else
				printf "%s,%s,0,,,,%s,\"%s\"\n", f[1], f[2], status == "ok" ? "failed: no run" : status, desc
		}
	}' "$RESULTS_DIR/floors_raw.csv" >"$RESULTS_DIR/floors_summary.csv"
}

# ns_fmt(X): a time in ns for a report, to a precision that suits its size ("-" if empty)
AWK_FLOORS_FORMAT='
function ns_fmt(x,    a) {
	if (x == "") return "-"
	x += 0
	a = x < 0 ? -x : x
	return a < 10 ? sprintf("%.2f", x) : a < 1000 ? sprintf("%.1f", x) : sprintf("%.0f", x)
}'

# floors_report: the floors section of REPORT.md
floors_report()
{
	echo "## Floors: what the cheapest event of each kind costs here"
	echo
	echo "$FLOORS_ROUNDS interleaved rounds (the order rotated each round), measured in this run."
	echo "\`call_floor\`, \`signal_floor raise\` and \`vmreadv_floor read\` ran pinned to CPU"
	echo "$BENCH_CPU (\`taskset\`), each printing the median of 21 batches after a warm-up batch;"
	echo "\`ptrace_floor\` pins itself ($FLOORS_STOPS stops same-cpu, $FLOORS_STOPS_CROSS cross-cpu;"
	echo "tracer on CPU $BENCH_CPU or $TRACER_CPU, tracee on CPU $BENCH_CPU). The uprobe floors are"
	echo "the probe loop (\`-L $FLOORS_HITS -k probe\`) of \`workload-usdt\` (int3) and \`workload-usdt5\`"
	echo "(nop5) under \`tb-usdt -m empty tracebench:loop_probe\` minus the untraced run of the same"
	echo "variant in the same round, started as the per-hit section starts them (tb-usdt on CPU"
	echo "$TRACER_CPU, the workload moved to CPU $BENCH_CPU at its start gate). Median [p25, p75] over"
	echo "the rounds; failed runs are left out and listed in \`floors_failures.txt\`."
	echo
	echo "| floor | placement | ns per event, median [p25, p75] | rounds | status | what it is |"
	echo "|---|---|---:|---:|---|---|"
	awk "$AWK_CSV$AWK_FLOORS_FORMAT"'
	FNR == 1 { for (k in COL) delete COL[k]; csv_header($0); next }
	{
		csv_split($0, f)
		ns = csv_get(f, "median_ns_per_event") == "" ? "-" : ns_fmt(csv_get(f, "median_ns_per_event")) \
		     " [" ns_fmt(csv_get(f, "p25_ns_per_event")) ", " ns_fmt(csv_get(f, "p75_ns_per_event")) "]"
		printf "| %s | %s | %s | %s | %s | %s |\n", csv_get(f, "floor"), csv_get(f, "placement"), ns,
		       csv_get(f, "rounds"), csv_get(f, "status"), csv_get(f, "description")
	}' "$RESULTS_DIR/floors_summary.csv"
	echo
	# The optimised path, as the per-hit section checks it: what tb-usdt read back at the site.
	awk -F, 'NR > 1 && $4 == "traced" && $15 == "ok" {
		n[$2]++
		if ($12 + 0 > 0) int3[$2]++
		if ($13 + 0 > 0 && $14 == "true") opt[$2]++
	}
	END {
		if (n["uprobe_nop5"])
			printf "The nop5 site ran optimised (tb-usdt read it back as a call into" \
			       " `[uprobes-trampoline]`) in %d of %d traced runs%s.\n", opt["uprobe_nop5"],
			       n["uprobe_nop5"], opt["uprobe_nop5"] < n["uprobe_nop5"] ? \
			       "; in the others it trapped, so that floor is partly an int3 one" : ""
		if (n["uprobe_int3"])
			printf "The int3 site was read back as an `int3` in %d of %d traced runs.\n",
			       int3["uprobe_int3"], n["uprobe_int3"]
		if (n["uprobe_nop5"] || n["uprobe_int3"]) print ""
	}' "$RESULTS_DIR/floors_raw.csv"
}

# ---- cost per event: every section's costs against their floors ----------------------------

# The CSVs are read by column name with harness/csv.awk (csv_split, csv_header, csv_get): quoted
# descriptions hold commas. Each file's header replaces the last one's names (COL is cleared).
AWK_CSV=$(cat "$HARNESS/csv.awk")

# The cost-per-event table, from the summaries: for each row its technique, variant and event, the
# cost (median, p25, p75), the floor it is set against, its source and status. The sections' own
# floor rows (hit's tb-usdt -m empty, ptrace's ptrace_floor, signal's raise, vmreadv's read
# floor) are floors here, used when the floors section did not run; they are not rows.
AWK_COSTS=$(
	cat <<'EOF'
function base(path) { sub(/.*\//, "", path); return path }
# add(...): one row; its floor is resolved at the end
function add(tech, variant, event, med, p25, p75, floor, src, status, desc) {
	nrow++
	r_tech[nrow] = tech; r_variant[nrow] = variant; r_event[nrow] = event
	r_med[nrow] = med; r_p25[nrow] = p25; r_p75[nrow] = p75; r_floor[nrow] = floor
	r_src[nrow] = src; r_status[nrow] = status == "" ? "ok" : status; r_desc[nrow] = desc
}
# own_floor(NAME, VALUE, SOURCE): a section's own measure of floor NAME
function own_floor(name, value, src) {
	if (value == "" || (name in own)) return
	own[name] = value; own_src[name] = src
}
# raw quartiles (vmreadv): the q-quantile of the ok runs' values of KEY
function raw_q(key, q,    n, i, x) {
	n = 0
	for (i = 1; i <= raw_n[key]; i++) x[++n] = raw_v[key, i]
	return n ? sprintf("%.1f", quantile(x, n, q)) : ""
}
function raw_add(key, value) {
	if (value == "") return
	raw_v[key, ++raw_n[key]] = value + 0
}
FNR == 1 { file = base(FILENAME); for (k in COL) delete COL[k]; csv_header($0); next }
{ csv_split($0, f); status = csv_get(f, "status") }
file == "floors_summary.csv" {
	name = csv_get(f, "floor")
	if (csv_get(f, "placement") ~ /-cpu$/) name = name "/" csv_get(f, "placement")
	if (csv_get(f, "median_ns_per_event") != "") {
		floor[name] = csv_get(f, "median_ns_per_event")
		floor_src[name] = file ":" csv_get(f, "floor") "/" csv_get(f, "placement")
	}
	next
}
file == "idle_raw.csv" {
	idle_ns[csv_get(f, "round"), csv_get(f, "variant") "/" csv_get(f, "leaf")] = \
		csv_get(f, "ns_per_call")
	if (csv_get(f, "round") + 0 > idle_rounds) idle_rounds = csv_get(f, "round") + 0
	next
}
file == "idle_summary.csv" {
	name = csv_get(f, "variant") "/" csv_get(f, "leaf")
	label = name == "usdt/probe" ? "1-byte nop" : name == "usdt5/probe" ? "5-byte nop" : \
		name == "usdt/guarded" ? "semaphore" : name == "finstrument/empty" ? "empty hooks" : ""
	if (label == "") next
	med = csv_get(f, "idle_cost_ns_per_call"); p25 = csv_get(f, "idle_cost_p25_ns_per_call")
	p75 = csv_get(f, "idle_cost_p75_ns_per_call"); base_name = csv_get(f, "baseline")
	# The 5-byte nop against its own build without a probe (usdt5/empty, built -mno-red-zone as
	# it is), paired by round from the raw runs: the nop, not the build flag.
	if (name == "usdt5/probe" && base_name != "usdt5/empty") {
		idle_n = 0
		for (idle_r = 1; idle_r <= idle_rounds; idle_r++)
			if ((idle_r, name) in idle_ns && (idle_r, "usdt5/empty") in idle_ns)
				idle_d[++idle_n] = idle_ns[idle_r, name] - idle_ns[idle_r, "usdt5/empty"]
		med = p25 = p75 = ""
		if (idle_n) {
			med = sprintf("%.3f", quantile(idle_d, idle_n, 0.5))
			p25 = sprintf("%.3f", quantile(idle_d, idle_n, 0.25))
			p75 = sprintf("%.3f", quantile(idle_d, idle_n, 0.75))
		}
		base_name = "usdt5/empty"
	}
	add("idle", label, "call", med, p25, p75, "function_call", file ":" name, status,
	    csv_get(f, "description") " (against " base_name ")")
	next
}
file == "hit_summary.csv" {
	variant = csv_get(f, "variant"); tracer = csv_get(f, "tracer"); mode = csv_get(f, "mode")
	name = variant "/" tracer "/" mode
	path = variant == "usdt5" ? "nop5" : "int3"
	if (tracer == "untraced") next
	if (tracer == "tb-usdt" && mode == "empty") {
		own_floor("uprobe_" path, csv_get(f, "per_hit_cost_ns"), file ":" name)
		next
	}
	desc = csv_get(f, "description")
	if (csv_get(f, "hits_per_call") + 0 > 1)
		desc = desc " (per hit: the cost of a call over its " csv_get(f, "hits_per_call") " sites)"
	if (tracer == "tb-usdt" && variant == "usdt5" && status !~ /^skipped/)
		desc = desc "; site optimised in " csv_get(f, "runs_sites_optimised") + 0 " of " \
		       csv_get(f, "runs") - csv_get(f, "runs_failed") " runs"
	add(tracer == "tb-usdt" ? "usdt" : "peer", (tracer == "tb-usdt" ? "" : tracer " ") mode " " path,
	    "hit", csv_get(f, "per_hit_cost_ns"), csv_get(f, "per_hit_cost_p25_ns"),
	    csv_get(f, "per_hit_cost_p75_ns"),
	    "uprobe_" path, file ":" name, status, desc)
	next
}
file == "ptrace_summary.csv" {
	measure = csv_get(f, "measure"); tracer = csv_get(f, "tracer"); placement = csv_get(f, "placement")
	name = measure "/" tracer "/" placement
	if (measure == "floor") {
		own_floor("ptrace_stop/" placement, csv_get(f, "cost_ns_per_event"), file ":" name)
		next
	}
	if (tracer == "untraced") next
	ours = tracer ~ /^tb-ptrace/
	how = tracer; sub(/^tb-ptrace-?/, "", how)
	if (measure == "syscall" && how == "seccomp") { how = "--seccomp"; fl = "syscall" }
	else fl = "ptrace_stop/" placement
	if (ours) label = measure (how == "" ? "" : " " how) " " placement
	else label = tracer (tracer == "strace" ? " -c" : "") " " measure " " placement
	add(ours ? "ptrace" : "peer", label, measure == "syscall" ? "system call" : "hit",
	    csv_get(f, "cost_ns_per_event"), csv_get(f, "cost_p25_ns_per_event"),
	    csv_get(f, "cost_p75_ns_per_event"), fl, file ":" name, status, csv_get(f, "description"))
	next
}
file == "vmreadv_raw.csv" {
	if (status != "ok") next
	name = csv_get(f, "tracer") "/" csv_get(f, "mode") "/" csv_get(f, "rate_hz")
	raw_add(name SUBSEP "sample", csv_get(f, "tracer_cpu_ns_per_sample"))
	raw_add(name SUBSEP "tick", csv_get(f, "tracer_cpu_ns_per_tick"))
	next
}
file == "vmreadv_summary.csv" {
	tracer = csv_get(f, "tracer"); mode = csv_get(f, "mode"); rate = csv_get(f, "rate_hz")
	name = tracer "/" mode "/" rate
	if (tracer == "read_floor") {
		own_floor("process_vm_readv", csv_get(f, "ns_per_read"), file ":" tracer)
		next
	}
	if (tracer != "tb-vmreadv" && tracer != "timer_floor") next
	label = (tracer == "timer_floor" ? "timer floor " : "") (mode == "" ? "" : mode " ") "-F " rate
	src = file ":" tracer (mode == "" ? "" : "/" mode) (rate == "" ? "" : "/" rate)
	if (tracer == "tb-vmreadv")
		add("vm_readv", label, "sample", csv_get(f, "tracer_cpu_ns_per_sample"),
		    raw_q(name SUBSEP "sample", 0.25), raw_q(name SUBSEP "sample", 0.75),
		    "process_vm_readv", src, status, csv_get(f, "description") \
		    " (per sample: the sampler's CPU time per thread stack read; wakeups included)")
	add("vm_readv", label, "tick", csv_get(f, "tracer_cpu_ns_per_tick"),
	    raw_q(name SUBSEP "tick", 0.25), raw_q(name SUBSEP "tick", 0.75),
	    "process_vm_readv", src, status, csv_get(f, "description") \
	    " (per tick: the sampler's CPU time per tick; its wakeup included)")
	next
}
file == "signal_summary.csv" {
	measure = csv_get(f, "measure"); tracer = csv_get(f, "tracer"); clock = csv_get(f, "clock")
	rate = csv_get(f, "rate_hz")
	name = measure "/" tracer (clock == "" ? "" : "/" clock) (rate == "" ? "" : "/" rate)
	if (measure == "raise") {
		own_floor("signal_raise", csv_get(f, "ns_per_signal"), file ":" name)
		next
	}
	if (measure != "probe" || tracer == "untraced") next
	label = (tracer == "tb-signal" ? "record" : "timer floor") (clock == "wall" ? " --wall" : "") \
		" -F " rate
	add("signal", label, tracer == "tb-signal" ? "sample" : "tick", csv_get(f, "cost_ns_per_signal"),
	    csv_get(f, "cost_p25_ns_per_signal"), csv_get(f, "cost_p75_ns_per_signal"), "signal_raise",
	    file ":" name, status, csv_get(f, "description"))
	next
}
file == "tracefunc_summary.csv" {
	measure = csv_get(f, "measure"); tracer = csv_get(f, "tracer"); mode = csv_get(f, "mode")
	name = measure "/" tracer (mode == "" ? "" : "/" mode)
	if ((measure != "probe" && measure != "method") || tracer == "plain") next
	# The compiler hooks (technique tracefunc) against the build with empty hooks (probe/noop);
	# the TracePoint-style hook (method_hook) beyond its empty hook, as the compiler hooks are:
	# the cost of being called is the noop rows, against the build without hooks.
	if (tracer == "uftrace") { tech = "peer"; label = "uftrace " mode }
	else {
		tech = measure == "probe" ? "tracefunc" : "method_hook"
		label = tracer == "floor" ? "TSC floor" : tracer == "noop" ? "noop" : mode
	}
	sfx = "_ns_per_call"; against = csv_get(f, "baseline")
	pre = "cost"
	if (measure == "method" && mode != "noop" && csv_get(f, "noop_reference") != "") {
		pre = "beyond_noop"; against = csv_get(f, "noop_reference")
	}
	add(tech, label, "call", csv_get(f, pre sfx), csv_get(f, pre "_p25" sfx),
	    csv_get(f, pre "_p75" sfx), "function_call", file ":" name, status,
	    csv_get(f, "description") " (cost per call against " against ")")
	next
}
END {
	if (!nrow) exit
	print "technique,variant,event,median_ns_per_event,p25_ns_per_event,p75_ns_per_event,floor," \
	      "floor_ns_per_event,x_floor,source,status,description"
	for (i = 1; i <= nrow; i++) {
		fl = r_floor[i]; fv = ""; src = r_src[i]
		if (fl in floor) { fv = floor[fl]; src = src " " floor_src[fl] }
		else if (fl in own) { fv = own[fl]; src = src " " own_src[fl] }
		x = r_med[i] != "" && fv != "" && fv + 0 > 0 ? sprintf("%.3f", r_med[i] / fv) : ""
		desc = r_desc[i]; gsub(/"/, "\"\"", desc)
		printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,\"%s\"\n", r_tech[i], r_variant[i], r_event[i],
		       r_med[i], r_p25[i], r_p75[i], fl, fv, x, src, r_status[i], desc
	}
}
EOF
)

# costs_write: cost_per_event.csv from the *_summary.csv files in RESULTS_DIR (nothing when no
# section with costs ran)
costs_write()
{
	local name files=()
	for name in floors_summary idle_raw idle_summary hit_summary ptrace_summary vmreadv_raw \
		vmreadv_summary signal_summary tracefunc_summary; do
		[ ! -s "$RESULTS_DIR/$name.csv" ] || files+=("$RESULTS_DIR/$name.csv")
	done
	rm -f "$RESULTS_DIR/cost_per_event.csv"
	[ "${#files[@]}" -gt 0 ] || return 0
	awk "$AWK_STATS$AWK_CSV$AWK_COSTS" "${files[@]}" >"$TMP/cost_per_event.csv"
	[ ! -s "$TMP/cost_per_event.csv" ] ||
		mv "$TMP/cost_per_event.csv" "$RESULTS_DIR/cost_per_event.csv"
}

# costs_report: the cost-per-event table of REPORT.md (nothing without cost_per_event.csv)
costs_report()
{
	[ -s "$RESULTS_DIR/cost_per_event.csv" ] || return 0
	echo "## Cost per event"
	echo
	echo "Every cost per event this run measured, one row per technique and variant, beside its floor:"
	echo "the cheapest event of the kind the technique rests on, measured on this machine"
	if [ -s "$RESULTS_DIR/floors_summary.csv" ]; then
		echo "by the floors section of this run (a floor it skipped: the section's own floor row)."
	else
		echo "by the section's own floor row (no floors section ran, so \`function_call\` and \`syscall\`"
		echo "are empty)."
	fi
	echo "The costs are the sections' own: median [p25, p75] over their rounds of a traced run minus"
	echo "its baseline of the same round (\`cost_per_event.csv\`'s \`source\` names the row of each)."
	echo "\"x floor\" is the median cost over the floor's median: near 1, the technique adds next to"
	echo "nothing to the mechanism under it; far above, its own work dominates. The floors: a USDT hit"
	echo "against an empty BPF program reached the same way (int3 or nop5); a ptrace breakpoint hit"
	echo "against one ptrace stop in the same placement, and a system call under tb-ptrace or strace"
	echo "too, though it stops twice (entry and exit: about 2x is its floor); with \`--seccomp\` the"
	echo "untraced system calls' cost against a system call; a signal sample against a raised signal"
	echo "(the timer floor rows show what a timer's signal costs beyond that); a process_vm_readv"
	echo "sample or tick, the sampler's CPU with its wakeups, against one 64-byte read; a per-call"
	echo "hook and an idle probe against one empty function call. An idle cost whose p25 is below 0"
	echo "is within the noise."
	echo
	echo "| technique | variant | event | ns per event, median [p25, p75] | floor | floor, ns |" \
		"x floor | what it is |"
	echo "|---|---|---|---:|---|---:|---:|---|"
	awk "$AWK_CSV$AWK_FLOORS_FORMAT"'
	function x_fmt(x) {
		if (x == "") return "-"
		x += 0
		return x < 10 ? sprintf("%.2f", x) : x < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x)
	}
	FNR == 1 { for (k in COL) delete COL[k]; csv_header($0); next }
	{
		csv_split($0, f)
		status = csv_get(f, "status")
		med = csv_get(f, "median_ns_per_event")
		if (med == "") ns = status == "ok" ? "-" : status
		else ns = ns_fmt(med) (csv_get(f, "p25_ns_per_event") == "" ? "" : " [" \
			ns_fmt(csv_get(f, "p25_ns_per_event")) ", " ns_fmt(csv_get(f, "p75_ns_per_event")) "]") \
			(status == "ok" ? "" : " (" status ")")
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", csv_get(f, "technique"),
		       csv_get(f, "variant"), csv_get(f, "event"), ns, csv_get(f, "floor"),
		       ns_fmt(csv_get(f, "floor_ns_per_event")), x_fmt(csv_get(f, "x_floor")),
		       csv_get(f, "description")
	}' "$RESULTS_DIR/cost_per_event.csv"
	echo
}
