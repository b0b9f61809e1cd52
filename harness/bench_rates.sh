# bench_rates.sh - make bench's rates section (sourced by bench.sh): overhead against event rate
#
# The request workload at work scales from about 10^7 down to 10^3 method calls per second, one
# thread, run for a fixed time (-d RATES_SECONDS) untraced and under every technique, tracing one
# method or every method — a surgical probe's cost follows the rate of what it traces, an
# all-or-nothing hook's the rate of every call, filtered or not — and under the two samplers,
# whose cost follows their own rate. Overhead = ns per request traced / untraced (the plain
# build, same scale, same round) - 1.

if [ "${FULL:-0}" = 1 ]; then
	RATES_ROUNDS=${RATES_ROUNDS:-11}
	RATES_SECONDS=${RATES_SECONDS:-1}
elif [ "${TINY:-0}" = 1 ]; then
	RATES_ROUNDS=${RATES_ROUNDS:-1}
	RATES_SECONDS=${RATES_SECONDS:-0.1}
	RATES_SCALES=${RATES_SCALES:-0 100 10000}
else
	RATES_ROUNDS=${RATES_ROUNDS:-3}
	RATES_SECONDS=${RATES_SECONDS:-0.3}
fi
RATES_SCALES=${RATES_SCALES:-0 10 100 1000 10000}
# ptrace stopping every method is the slowest tracer per event; a run lasts RATES_SECONDS like
# every other, so it needs no fewer rounds, but it may be given fewer (the later rounds skip it).
RATES_PTRACE_EVERY_ROUNDS=${RATES_PTRACE_EVERY_ROUNDS:-$RATES_ROUNDS}
RATES_VMREADV_HZ=${RATES_VMREADV_HZ:-1000}
RATES_SIGNAL_HZ=${RATES_SIGNAL_HZ:-250}
# The workload's methods (every native symbol a request calls: 34 calls per request).
RATES_METHODS="handle_request parse parse_header route query render render_row escape respond"

# technique|target|program|what it measures. untraced/baseline on workload is the baseline of
# every other configuration at its scale in its round; untraced on workload-usdt5 is raw data
# only (the idle cost of the 5-byte nops), as technique untraced is not in the summary.
RATES_CONFIGS="untraced|baseline|workload|the baseline: the plain build untraced
untraced|baseline|workload-usdt5|workload-usdt5 untraced: its 5-byte nop USDT sites idle
finstrument_idle|idle|workload-finstrument|workload-finstrument untraced: -finstrument-functions hooks compiled in; empty hooks called on every call; nobody tracing
usdt|one|workload-usdt5|tb-usdt -m count tracebench:request_start: one probe site; hit once per request
usdt|every|workload-usdt5|tb-usdt -m count tracebench:method_entry: every method's entry site (34 hits per request)
ptrace|one|workload|tb-ptrace break query: one breakpoint; hit once per request
ptrace|every|workload|tb-ptrace break on the 9 methods' symbols (34 hits per request)
tracefunc|one|workload-finstrument|tb-tracefunc -m count -f query: records query only; but the hook runs on every call
tracefunc|every|workload-finstrument|tb-tracefunc -m count: every function's entry and exit hooks
method_hook|one|workload|tb-tracefunc --hook method -m count -f query: the TracePoint-style hook on every call; query recorded
method_hook|every|workload|tb-tracefunc --hook method -m count: the TracePoint-style hook; every method recorded
vm_readv|sampled|workload|tb-vmreadv -F $RATES_VMREADV_HZ: the in-memory stack read from outside $RATES_VMREADV_HZ times a second
signal|sampled|workload|tb-signal record -F $RATES_SIGNAL_HZ: SIGPROF $RATES_SIGNAL_HZ times a second of CPU time; the handler unwinds in the workload"

# rates_needed: the programs the section runs
rates_needed()
{
	echo "workload workload-usdt5 workload-finstrument tb-usdt tb-ptrace tb-tracefunc" \
		"libtb-tracefunc.so tb-vmreadv tb-signal libtb-signal.so"
}

# rates_try WHAT COMMAND...: empty if COMMAND runs (a short run on the workload), else why not
rates_try()
{
	local what=$1 why
	shift
	if ! why=$("$@" 2>&1 >/dev/null); then
		echo "skipped: $what cannot run the workload here:" \
			"$(oneline <<<"${why:-it failed without saying why}")"
	fi
}

# rates_probe: who can trace here; each technique's rows say skipped: why if it cannot
rates_probe()
{
	local why
	skip_rates_usdt=
	if ! why=$("$OUT/tb-usdt" --check 2>&1); then
		skip_rates_usdt="skipped: tb-usdt --check says: $(oneline <<<"$why")"
	fi
	skip_rates_ptrace=$(rates_try "tb-ptrace break" "$OUT/tb-ptrace" break -o "$TMP/probe.json" \
		query -- "$OUT/workload" -q -r 10)
	rm -rf "$TMP/rates-tf"
	skip_rates_tracefunc=$(rates_try tb-tracefunc "$OUT/tb-tracefunc" -m count -D "$TMP/rates-tf" \
		-o "$TMP/probe.json" -- "$OUT/workload-finstrument" -q -r 10)
	rm -rf "$TMP/rates-tf"
	skip_rates_method_hook=$(rates_try "tb-tracefunc --hook method" "$OUT/tb-tracefunc" --hook \
		method -m count -D "$TMP/rates-tf" -o "$TMP/probe.json" -- "$OUT/workload" -q -r 10)
	rm -rf "$TMP/rates-tf"
	skip_rates_vm_readv=$(rates_try tb-vmreadv "$OUT/tb-vmreadv" -F 100 -o "$TMP/probe.json" -- \
		"$OUT/workload" -q -r 100)
	skip_rates_signal=$(rates_try "tb-signal record" "$OUT/tb-signal" record -F 100 \
		-o "$TMP/probe.json" -- "$OUT/workload" -q -r 100)
}

# rates_skip TECHNIQUE: why that technique cannot run here (empty if it can)
rates_skip()
{
	case $1 in
	usdt) echo "$skip_rates_usdt" ;;
	ptrace) echo "$skip_rates_ptrace" ;;
	tracefunc) echo "$skip_rates_tracefunc" ;;
	method_hook) echo "$skip_rates_method_hook" ;;
	vm_readv) echo "$skip_rates_vm_readv" ;;
	signal) echo "$skip_rates_signal" ;;
	esac
}

# rates_env: the section's env.txt lines
rates_env()
{
	echo "rates_placement=one workload thread on CPU $BENCH_CPU, every tracer on CPU $TRACER_CPU:" \
		"started there with the workload, which waits at its start gate (-g 3) until it is" \
		"moved to CPU $BENCH_CPU (taskset -a -p) and released (untraced runs the same way);" \
		"tb-vmreadv, which must see its own start gate, starts it as" \
		"taskset -c $BENCH_CPU workload and releases it as its schedule starts"
	echo "rates_rounds=$RATES_ROUNDS"
	echo "rates_ptrace_every_rounds=$RATES_PTRACE_EVERY_ROUNDS$([ "$RATES_PTRACE_EVERY_ROUNDS" -ge \
		"$RATES_ROUNDS" ] || echo " (fewer than rates_rounds: ptrace/every skipped in the later rounds)")"
	echo "rates_seconds=$RATES_SECONDS"
	echo "rates_scales=$RATES_SCALES"
	echo "rates_vmreadv_hz=$RATES_VMREADV_HZ"
	echo "rates_signal_hz=$RATES_SIGNAL_HZ"
	echo "rates_tb_usdt=${skip_rates_usdt:-ok}"
	echo "rates_tb_ptrace=${skip_rates_ptrace:-ok}"
	echo "rates_tb_tracefunc=${skip_rates_tracefunc:-ok}"
	echo "rates_tb_tracefunc_method=${skip_rates_method_hook:-ok}"
	echo "rates_tb_vmreadv=${skip_rates_vm_readv:-ok}"
	echo "rates_tb_signal=${skip_rates_signal:-ok}"
}

# rates_json KEY: the value at KEY of the tracer's result (empty if none)
rates_json() { "$OUT/tests/json_get" "$TMP/result.json" "$1" 2>/dev/null || true; }

# rates_one ROUND TECHNIQUE TARGET PROGRAM SCALE: one run of the rates section, appended to
# $TMP/rates_runs.csv (rates_raw.csv without events_per_s, which needs the whole round). A run
# whose exact tracer counted other than the truth, or lost any, failed.
rates_one()
{
	local round=$1 technique=$2 target=$3 program=$4 scale=$5 status=ok log=$TMP/rates prog
	local requests='' calls='' wall='' ns='' traced='' query='' lost='' filtered='' msg='' m i
	local args=() v=() got=() want=()
	if [ "$technique" = ptrace ] && [ "$target" = every ] &&
		[ "$round" -gt "$RATES_PTRACE_EVERY_ROUNDS" ]; then
		return 0
	fi
	rm -rf "$TMP/truth.json" "$TMP/result.json" "$TMP/rates-tf" "$log".*
	prog=$(realpath "$OUT/$program")
	args=(-q -d "$RATES_SECONDS" -s "$scale" -o "$TMP/truth.json")
	GATE_TRACER_CPU=$TRACER_CPU
	GATE_TARGET_CPU=$BENCH_CPU
	run_error=
	run_status=0
	case $technique/$target in
	untraced/* | finstrument_idle/*) run_gated "$prog" "$log" "$prog" "${args[@]}" -g 3 ;;
	usdt/*)
		m=tracebench:request_start
		[ "$target" = one ] || m=tracebench:method_entry
		run_gated "$prog" "$log" "$OUT/tb-usdt" -q -m count -o "$TMP/result.json" "$m" -- \
			"$prog" "${args[@]}" -g 3
		;;
	ptrace/one)
		run_gated "$prog" "$log" "$OUT/tb-ptrace" break -o "$TMP/result.json" query -- \
			"$prog" "${args[@]}" -g 3
		;;
	ptrace/every)
		# shellcheck disable=SC2086 # the methods, one SITE each
		run_gated "$prog" "$log" "$OUT/tb-ptrace" break -o "$TMP/result.json" $RATES_METHODS \
			-- "$prog" "${args[@]}" -g 3
		;;
	tracefunc/* | method_hook/*)
		v=(-m count -D "$TMP/rates-tf" -o "$TMP/result.json")
		[ "$technique" = tracefunc ] || v+=(--hook method)
		[ "$target" = every ] || v+=(-f query)
		run_gated "$prog" "$log" "$OUT/tb-tracefunc" "${v[@]}" -- "$prog" "${args[@]}" -g 3
		;;
	vm_readv/*)
		# tb-vmreadv samples only once its own start gate says ready, so it starts the
		# workload itself, through taskset: the workload runs on BENCH_CPU from its exec on.
		taskset -c "$TRACER_CPU" "$OUT/tb-vmreadv" -F "$RATES_VMREADV_HZ" -o "$TMP/result.json" \
			-- taskset -c "$BENCH_CPU" "$prog" "${args[@]}" >"$log.out" 2>"$log.err" ||
			run_status=$?
		;;
	signal/*)
		run_gated "$prog" "$log" "$OUT/tb-signal" record -F "$RATES_SIGNAL_HZ" \
			-o "$TMP/result.json" -- "$prog" "${args[@]}" -g 3
		;;
	esac
	if [ -n "$run_error" ]; then
		status="failed: $run_error"
	elif [ "$run_status" != 0 ]; then
		status="failed: exited with status $run_status"
	fi
	if mapfile -t v < <("$OUT/tests/json_get" "$TMP/truth.json" requests method_calls \
		hot_wall_ns methods.query.calls 2>/dev/null) && [ "${#v[@]}" -ge 4 ]; then
		requests=${v[0]} calls=${v[1]} wall=${v[2]} query=${v[3]}
		ns=$(awk -v w="$wall" -v n="$requests" 'BEGIN { if (n > 0) printf "%.1f", w / n }')
		[ -n "$ns" ] || [ "$status" != ok ] || status="failed: the workload handled no request"
	elif [ "$status" = ok ]; then
		status="failed: the workload wrote no truth file"
	fi

	# What the tracer counted, against the truth: exact tracers must match it, samplers sample.
	if [ "$technique" != untraced ] && [ "$technique" != finstrument_idle ] && [ -n "$calls" ]; then
		if [ ! -s "$TMP/result.json" ]; then
			[ "$status" != ok ] || status="failed: the tracer wrote no result"
		else
			lost=$(rates_json lost)
			case $technique/$target in
			usdt/one)
				traced=$(rates_json counts.tracebench:request_start)
				[ "$traced" = "$requests" ] ||
					msg="counted ${traced:-nothing} tracebench:request_start; $requests requests"
				;;
			usdt/every)
				traced=$(rates_json counts.tracebench:method_entry)
				[ "$traced" = "$calls" ] ||
					msg="counted ${traced:-nothing} tracebench:method_entry; $calls method calls"
				;;
			ptrace/one | tracefunc/one | method_hook/one)
				traced=$(rates_json counts.query)
				if [ "$traced" != "$query" ]; then
					msg="counted ${traced:-nothing} query calls; the workload made $query"
				elif [ "$technique" != ptrace ]; then
					# The hook ran on every call: the others are filtered out, not lost.
					filtered=$(rates_json filtered_out)
					[ "$filtered" = $((calls - query)) ] ||
						msg="filtered out ${filtered:-nothing} calls; expected $((calls - query))"
				fi
				;;
			*/every)
				# One json_get per file: a count missing from the result shortens its list.
				# shellcheck disable=SC2046,SC2086 # the methods, one path each
				mapfile -t want < <("$OUT/tests/json_get" "$TMP/truth.json" \
					$(printf 'methods.%s.calls ' $RATES_METHODS) 2>/dev/null || true)
				# shellcheck disable=SC2046,SC2086
				mapfile -t got < <("$OUT/tests/json_get" "$TMP/result.json" \
					$(printf 'counts.%s ' $RATES_METHODS) 2>/dev/null || true)
				traced=0
				i=0
				for m in $RATES_METHODS; do
					if [ "${got[i]:-}" != "${want[i]:-}" ] || [ -z "${got[i]:-}" ]; then
						msg="counted ${got[i]:-no} $m calls; the workload made ${want[i]:-?}"
						[ "${#got[@]}" = "${#want[@]}" ] ||
							msg="counted ${#got[@]} of the ${#want[@]} methods"
						traced=
						break
					fi
					traced=$((traced + got[i]))
					i=$((i + 1))
				done
				;;
			*/sampled)
				traced=$(rates_json samples)
				# None read whole is a result at the highest rates (tb-vmreadv across CPUs,
				# a short run: every copy torn); none read at all is a failure.
				[ "${traced:-0}" -gt 0 ] || [ "$(rates_json torn_after_retries)" -gt 0 ] 2>/dev/null ||
					msg="took no samples"
				# For the report: how many of tb-vmreadv's ticks found the stack torn.
				[ "$technique" != vm_readv ] || [ "$status" != ok ] || [ -n "$msg" ] ||
					echo "$scale,$(rates_json ticks),$(rates_json torn_after_retries)" \
						>>"$TMP/rates_vmreadv_torn.csv"
				;;
			esac
			if [ "$status" = ok ] && [ -n "$msg" ]; then
				status="failed: $msg"
			elif [ "$status" = ok ] && [ "$target" != sampled ] && [ "${lost:-0}" != 0 ]; then
				status="failed: the tracer lost $lost events"
			fi
		fi
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $technique/$target $program -s $scale: $status"
			cat "$log".* 2>/dev/null
		} >>"$RESULTS_DIR/rates_failures.txt"
	fi
	printf '%s,' "$round" "$technique" "$target" "$scale" "$program" "$requests" "$calls" "$wall" \
		"$ns" "$traced" >>"$TMP/rates_runs.csv"
	echo "$status" >>"$TMP/rates_runs.csv"
}

# rates_run: the section's rounds, rates_raw.csv and rates_summary.csv
rates_run()
{
	local list='' skips='' technique target program scale why nconf
	# Scale by scale, so that each run's baseline (same scale, same round) runs close to it: the
	# rounds rotate the scales and the runs within each scale, never apart (run_rounds' blocks).
	for scale in $RATES_SCALES; do
		while IFS="|" read -r technique target program _; do
			why=$(rates_skip "$technique")
			if [ -n "$why" ]; then
				[ "$scale" != "${RATES_SCALES%% *}" ] ||
					skips+="$technique/$target/$program|$why"$'\n'
				continue
			fi
			list+="$technique|$target|$program|$scale"$'\n'
		done <<<"$RATES_CONFIGS"
	done
	list=${list%$'\n'}
	nconf=$(wc -l <<<"$list")
	total=$((RATES_ROUNDS * nconf))
	: >"$TMP/rates_runs.csv"
	: >"$TMP/rates_vmreadv_torn.csv"
	echo "bench: overhead against event rate: $RATES_ROUNDS interleaved rounds of $nconf" \
		"configurations, workload -d $RATES_SECONDS -s {${RATES_SCALES// /,}} (one thread) on" \
		"CPU $BENCH_CPU, tracers on CPU $TRACER_CPU" >&2
	run_rounds "$RATES_ROUNDS" "$list" 4 rates_one 4

	# events_per_s: the untraced plain build's method calls per second at that scale in that
	# round (its method_calls / hot_wall_ns), on every row of the round.
	{
		echo "round,technique,target,scale,program,requests,method_calls,hot_wall_ns," \
			"ns_per_request,events_per_s,traced_events,status" | tr -d ' '
		awk -F, '
		NR == FNR {
			if ($2 == "untraced" && $5 == "workload" && $11 == "ok" && $8 > 0)
				rate[$1, $4] = sprintf("%.1f", $7 * 1e9 / $8)
			next
		}
		{
			printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9,
			       (($1, $4) in rate) ? rate[$1, $4] : "", $10, $11
		}' "$TMP/rates_runs.csv" "$TMP/rates_runs.csv"
	} >"$RESULTS_DIR/rates_raw.csv"

	# Per configuration and scale: overhead = its ns per request / the untraced plain build's of
	# the same scale and round - 1, in %, median [p25, p75] over the rounds where both ran ok.
	# The untraced rows go to $TMP/rates_all.csv only (for the report: workload-usdt5's idle).
	awk -F, -v configs="$RATES_CONFIGS" -v skips="$skips" -v scales="$RATES_SCALES" "$AWK_STATS"'
	# med(A, KEY): the median over the rounds of A[KEY, round] (empty if none); sets q25, q75, nq
	function med(a, key) { return over_rounds(a, key, nround) }
	function f(v, fmt) { return v == "" ? "" : sprintf(fmt, v) }
	NR == 1 { next }
	{
		key = $2 "/" $3 "/" $5 "/" $4
		runs[key]++
		if ($1 > nround) nround = $1
		if ($12 != "ok") { failed[key]++; next }
		ns[key, $1] = $9
		if ($10 != "") rate[$4, $1] = $10
		if ($11 != "" && $8 > 0) tev[key, $1] = $11 * 1e9 / $8
		if ($2 == "untraced" && $5 == "workload") base[$4, $1] = $9
	}
	END {
		nskip = split(skips, s, "\n")
		for (i = 1; i <= nskip; i++) if (s[i] != "") { split(s[i], g, "|"); skipped[g[1]] = g[2] }
		for (k in ns) {
			split(k, kk, SUBSEP); split(kk[1], nn, "/")
			if ((nn[4], kk[2]) in base && base[nn[4], kk[2]] > 0)
				ovh[kk[1], kk[2]] = 100 * (ns[k] / base[nn[4], kk[2]] - 1)
		}
		print "technique,target,scale,program,rounds,events_per_s,median_overhead_pct," \
		      "p25_overhead_pct,p75_overhead_pct,median_ns_per_request,traced_events_per_s," \
		      "status,description"
		nconf = split(configs, lines, "\n"); nscale = split(scales, sc, " ")
		for (c = 1; c <= nconf; c++) {
			split(lines[c], g, "|")
			name = g[1] "/" g[2] "/" g[3]
			for (j = 1; j <= nscale; j++) {
				key = name "/" sc[j]
				printf "%s,%s,%s,%s,", g[1], g[2], sc[j], g[3]
				ev = 0; for (r = 1; r <= nround; r++) if ((sc[j], r) in rate) evl[++ev] = rate[sc[j], r]
				evs = ev ? sprintf("%.0f", quantile(evl, ev, 0.5)) : ""
				delete evl
				desc = g[4] " (workload -s " sc[j] ")"
				if (name in skipped) {
					printf "0,%s,,,,,,%s,\"%s\"\n", evs, skipped[name], desc
					continue
				}
				m = med(ovh, key); n = nq
				printf "%d,%s,%s,%s,%s,", n, evs, f(m, "%.3f"), f(q25, "%.3f"), f(q75, "%.3f")
				printf "%s,", f(med(ns, key), "%.1f")
				printf "%s,", f(med(tev, key), "%.1f")
				if (failed[key]) status = "failed: " failed[key] " of " runs[key] " runs"
				else if (!runs[key]) status = "no data: not run"
				else if (!n) status = "no data: no round with this run and the baseline both ok"
				else status = "ok"
				printf "%s,\"%s\"\n", status, desc
			}
		}
	}' "$RESULTS_DIR/rates_raw.csv" >"$TMP/rates_all.csv"
	awk -F, 'NR == 1 || $1 != "untraced"' "$TMP/rates_all.csv" >"$RESULTS_DIR/rates_summary.csv"
}

# rates_report: the section's part of REPORT.md: the overhead table (technique/target by scale)
# and what it shows, in numbers from this run
rates_report()
{
	local scale head='' rule=''
	echo "## Overhead against event rate: one method traced vs every method"
	echo
	cat <<EOF
The request workload (\`workload -q -d $RATES_SECONDS -s SCALE\`, one thread, 34 method
calls per request) at scales $RATES_SCALES, untraced and under each technique,
$RATES_ROUNDS interleaved rounds (scale by scale, the order rotated each round). Every run
lasts $RATES_SECONDS s of hot phase, whatever the tracer costs. The workload ran on CPU
$BENCH_CPU, every tracer on CPU $TRACER_CPU (started with the workload at its start gate;
tb-vmreadv starts it through \`taskset\`). **one**: a single method traced, hit once per
request (tb-usdt \`tracebench:request_start\` on workload-usdt5, tb-ptrace \`break query\`,
tb-tracefunc \`-f query\`); **every**: every method (tb-usdt \`tracebench:method_entry\`,
tb-ptrace on the 9 methods' symbols, tb-tracefunc without \`-f\`); **sampled**: tb-vmreadv
\`-F $RATES_VMREADV_HZ\` and tb-signal \`record -F $RATES_SIGNAL_HZ\` (CPU time); **idle**:
workload-finstrument untraced (its empty hooks run on every call). tracefunc runs on
workload-finstrument (the compiler's hooks), method_hook on the plain build
(\`--hook method\`). Overhead = a run's ns per request (hot-phase wall time / requests) /
the untraced plain build's of the same scale and round - 1, in %: median [p25, p75] over
the rounds. Every exact tracer's count was checked against the workload's truth file (one:
its query calls or requests; every: each method's calls; \`-f query\`: also that every
other call reached the hook and was filtered out); a run that failed is left out and listed
in \`rates_failures.txt\`. The column heads give the untraced method calls per second.

EOF
	for scale in $RATES_SCALES; do
		head+=" | -s $scale: $(awk -F, -v s="$scale" 'NR > 1 && $3 == s && $6 != "" {
			printf "%.2g calls/s", $6; exit }' "$RESULTS_DIR/rates_summary.csv")"
		rule+="|---:"
	done
	echo "| technique/target$head |"
	echo "|---$rule|"
	awk -F, -v scales="$RATES_SCALES" '
	NR == 1 { next }
	{
		name = $1 "/" $2
		if (!(name in seen)) { seen[name] = 1; order[++n] = name }
		if ($12 ~ /^skipped/) cell[name, $3] = "skipped"
		else if ($7 == "") cell[name, $3] = "no data"
		else cell[name, $3] = sprintf("%+.1f%% [%+.1f, %+.1f]%s", $7, $8, $9,
		                              $12 == "ok" ? "" : " (" $12 ")")
	}
	END {
		ns = split(scales, sc, " ")
		for (i = 1; i <= n; i++) {
			printf "| %s", order[i]
			for (j = 1; j <= ns; j++) printf " | %s", cell[order[i], sc[j]]
			print " |"
		}
	}' "$RESULTS_DIR/rates_summary.csv"
	echo
	rates_findings
	echo
}

# rates_findings: the paragraph on what the table shows, every number from this run's summary
# (and workload-usdt5's untraced rows, kept in $TMP/rates_all.csv)
rates_findings()
{
	awk -F, -v vmhz="$RATES_VMREADV_HZ" -v sighz="$RATES_SIGNAL_HZ" '
	# tb-vmreadv ticks and stacks still torn after the re-reads, per scale, over its runs
	FILENAME == ARGV[1] { ticks[$1] += $2; torn[$1] += $3; next }
	FNR == 1 { next }
	{
		name = $1 "/" $2 ($1 == "untraced" ? "/" $4 : "")
		if ($7 != "") { o[name, $3] = $7; nsr[name, $3] = $10 }
		if ($11 != "") tev[name, $3] = $11
		if ($6 == "") next
		rate[$3] = $6
		if (hi == "" || $6 + 0 > rate[hi]) hi = $3
		if (lo == "" || $6 + 0 < rate[lo]) lo = $3
	}
	# pct(NAME, SCALE): its median overhead, or n/a
	function pct(name, s) { return (name, s) in o ? sprintf("%+.1f%%", o[name, s]) : "n/a" }
	# per_event(NAME, SCALE, EVENTS): ns per request beyond the baseline (traced / (1 +
	# overhead)), per event, from the medians
	function per_event(name, s, events) {
		if (!((name, s) in nsr) || !((name, s) in o)) return "n/a"
		return sprintf("%.0f", (nsr[name, s] - nsr[name, s] / (1 + o[name, s] / 100)) / events)
	}
	function list(target, s,    out, i, n, techs) {
		n = split("usdt ptrace tracefunc method_hook", techs, " ")
		for (i = 1; i <= n; i++) out = out (i > 1 ? ", " : "") techs[i] " " pct(techs[i] "/" target, s)
		return out
	}
	# removed(TECHNIQUE, SCALE): the share of its every-method overhead that one method saves
	function removed(t, s) {
		if (!((t "/every", s) in o) || !((t "/one", s) in o) || o[t "/every", s] <= 0) return "n/a"
		return sprintf("%.0f%%", 100 * (o[t "/every", s] - o[t "/one", s]) / o[t "/every", s])
	}
	function range(name,    k, kk, mn, mx) {
		mn = ""
		for (k in o) {
			split(k, kk, SUBSEP)
			if (kk[1] != name) continue
			if (mn == "" || o[k] + 0 < mn) mn = o[k] + 0
			if (mx == "" || o[k] + 0 > mx) mx = o[k] + 0
		}
		return mn == "" ? "n/a" : sprintf("%+.1f%% to %+.1f%%", mn, mx)
	}
	function rate_range(name,    k, kk, mn, mx) {
		mn = ""
		for (k in tev) {
			split(k, kk, SUBSEP)
			if (kk[1] != name) continue
			if (mn == "" || tev[k] + 0 < mn) mn = tev[k] + 0
			if (mx == "" || tev[k] + 0 > mx) mx = tev[k] + 0
		}
		return mn == "" ? "n/a" : sprintf("%.0f to %.0f", mn, mx)
	}
	END {
		if (hi == "") { print "No data: no untraced baseline ran successfully."; exit }
		printf "What it shows, in this run'"'"'s numbers. At the highest rate, %.2g method calls/s\n", rate[hi]
		printf "untraced (`-s %s`), tracing one method cost %s;\n", hi, list("one", hi)
		printf "every method %s. At the lowest, %.2g calls/s (`-s %s`): one method\n", list("every", hi),
		       rate[lo], lo
		printf "%s; every method %s.\n", list("one", lo), list("every", lo)
		print ""
		printf "Tracing one method instead of every method removed %s of usdt'"'"'s overhead at\n",
		       removed("usdt", hi)
		printf "`-s %s`, %s of ptrace'"'"'s, %s of tracefunc'"'"'s and %s of method_hook'"'"'s. A probe site\n",
		       hi, removed("ptrace", hi), removed("tracefunc", hi), removed("method_hook", hi)
		printf "or a breakpoint costs only where it is hit; a hook runs on every call whether `-f`\n"
		printf "keeps it or not (each `-f query` run checked that every call but query'"'"'s reached the\n"
		printf "hook and was filtered out): the filter only skips the recording.\n"
		print ""
		printf "Cost per traced event, ns (the median ns per request beyond the baseline'"'"'s, over the 34\n"
		printf "calls of a request; over 1 for usdt and ptrace one), at `-s %s` and at `-s %s`: usdt every\n",
		       hi, lo
		printf "%s and %s, one %s and %s; ptrace every %s and %s, one %s and %s; tracefunc every %s and\n",
		       per_event("usdt/every", hi, 34), per_event("usdt/every", lo, 34),
		       per_event("usdt/one", hi, 1), per_event("usdt/one", lo, 1),
		       per_event("ptrace/every", hi, 34), per_event("ptrace/every", lo, 34),
		       per_event("ptrace/one", hi, 1), per_event("ptrace/one", lo, 1),
		       per_event("tracefunc/every", hi, 34)
		printf "%s, one %s and %s; method_hook every %s and %s, one %s and %s. Where an event costs the\n",
		       per_event("tracefunc/every", lo, 34), per_event("tracefunc/one", hi, 34),
		       per_event("tracefunc/one", lo, 34), per_event("method_hook/every", hi, 34),
		       per_event("method_hook/every", lo, 34), per_event("method_hook/one", hi, 34),
		       per_event("method_hook/one", lo, 34)
		printf "same at both rates, the overhead is that cost times the event rate. At the low rates that\n"
		printf "cost is a small part of a request, and the figures per event there carry the noise of the\n"
		printf "whole request (compare the [p25, p75] in the table).\n"
		print ""
		printf "The samplers take their own rate, whatever the program does: vm_readv (`-F %s`) recorded\n", vmhz
		printf "%s samples/s over the scales at an overhead of %s, signal (`-F %s` of CPU\n",
		       rate_range("vm_readv/sampled"), range("vm_readv/sampled"), sighz
		printf "time) %s samples/s at %s.", rate_range("signal/sampled"), range("signal/sampled")
		if (ticks[hi] > 0 && ticks[lo] > 0)
			printf " tb-vmreadv found the stack still torn after its re-reads at %.0f%% of its\n" \
			       "ticks at `-s %s` and %.0f%% at `-s %s`: those ticks give no sample.", \
			       100 * torn[hi] / ticks[hi], hi, 100 * torn[lo] / ticks[lo], lo
		printf "\nHooks compiled in with nobody tracing\n"
		printf "(finstrument_idle) cost %s at `-s %s` and %s at `-s %s`; the 5-byte nop USDT sites of\n",
		       pct("finstrument_idle/idle", hi), hi, pct("finstrument_idle/idle", lo), lo
		printf "workload-usdt5, untraced, %s and %s. An overhead of a few %% either way is within this\n",
		       pct("untraced/baseline/workload-usdt5", hi), pct("untraced/baseline/workload-usdt5", lo)
		printf "run'"'"'s noise: compare it with its [p25, p75].\n"
	}' "$TMP/rates_vmreadv_torn.csv" "$TMP/rates_all.csv"
}
