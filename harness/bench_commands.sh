# bench_commands.sh - make bench's commands section (sourced by bench.sh): whole commands, hyperfine
#
# The request workload (`workload -q -r COMMANDS_REQUESTS -s 10`: about 0.3 s untraced, one thread)
# timed as a whole command — process start, the tracer's attach, the work, the detach and the exit
# — untraced (the plain, 5-byte-nop USDT and -finstrument-functions builds) and under each tracer
# as a person would run it (`TOOL ... -- PROGRAM ...`), all in one hyperfine call, each command's
# runs back to back. Nothing is pinned. Each command's median is set against the median of its own
# binary untraced (`vs_untraced`); the last run's truth file and tool result are checked (counts
# against the truth, nothing lost, samples taken) and give the hot phase, so the report can say
# what a whole command adds beyond it: loading BPF, attaching and detaching, naming samples.
#
# Environment (presets from FULL / TINY, else quick): COMMANDS_RUNS (hyperfine --runs, after one
# warm-up run), COMMANDS_REQUESTS (the workload's -r), COMMANDS_SCALE (its -s, default 10).
# Uses rates_try and RATES_METHODS of bench_rates.sh (sourced with every section file).

if [ "${FULL:-0}" = 1 ]; then
	COMMANDS_RUNS=${COMMANDS_RUNS:-10}
	COMMANDS_REQUESTS=${COMMANDS_REQUESTS:-15000}
elif [ "${TINY:-0}" = 1 ]; then
	COMMANDS_RUNS=${COMMANDS_RUNS:-2}
	COMMANDS_REQUESTS=${COMMANDS_REQUESTS:-2000}
else
	COMMANDS_RUNS=${COMMANDS_RUNS:-5}
	COMMANDS_REQUESTS=${COMMANDS_REQUESTS:-15000}
fi
COMMANDS_SCALE=${COMMANDS_SCALE:-10}
COMMANDS_WARMUP=1

# id|program|tool (and subcommand)|its options|its probes or sites|check of the last run|what.
# The command a person types is "TOOL OPTIONS SITES -- PROGRAM" (PROGRAM alone untraced); the run
# adds -o RESULT to the tool and -o TRUTH to the workload, which the check reads: truth (the
# workload handled every request), a counts.KEY=TRUTH_PATH pair that must be equal, methods (every
# method's count equal to the truth's calls), samples (above 0); exact tracers must lose nothing.
COMMANDS_CONFIGS="workload|workload||||truth|the plain build untraced: the baseline of tb-ptrace, tb-vmreadv, tb-signal and the method hook
workload_usdt5|workload-usdt5||||truth|the 5-byte-nop USDT build untraced (its sites idle): tb-usdt's baseline
workload_finstrument|workload-finstrument||||truth|the -finstrument-functions build untraced (its empty hooks run on every call): tb-tracefunc's baseline
tb_usdt_one|workload-usdt5|tb-usdt|-q -m count|tracebench:request_start|counts.tracebench:request_start=requests|one USDT probe: the BPF program loaded and one uprobe attached and detached; hit once per request
tb_usdt_every|workload-usdt5|tb-usdt|-q -m count|tracebench:method_entry|counts.tracebench:method_entry=method_calls|every method's entry probe: 10 sites to attach and detach; 34 hits per request
tb_ptrace|workload|tb-ptrace break||query|counts.query=methods.query.calls|one breakpoint (query); the workload seized before its exec; one ptrace stop per request
tb_vmreadv|workload|tb-vmreadv|-F 1000||samples|the in-memory stack read from outside 1000 times a second
tb_signal|workload|tb-signal record|-F 250||samples|SIGPROF 250 times a second of CPU time (libtb-signal.so preloaded); samples named after the exit
tb_tracefunc|workload-finstrument|tb-tracefunc|-m count||methods|the compiler hooks (libtb-tracefunc.so preloaded) count every call; the counts read and named after the exit
tb_tracefunc_method|workload|tb-tracefunc|--hook method -m count||methods|the workload's TracePoint-style tb_call_hook counts every method call; the counts read after the exit"

declare -A COMMANDS_SKIP=()
# hyperfine's option for running a command without a shell (-N); empty if it has none (its default
# shell then starts each command, and hyperfine subtracts the shell's own start time)
COMMANDS_SHELL_OPT=()

# commands_needed: the programs the section runs
commands_needed()
{
	echo "workload workload-usdt5 workload-finstrument tb-usdt tb-ptrace tb-vmreadv tb-signal" \
		"libtb-signal.so tb-tracefunc libtb-tracefunc.so"
}

# commands_name PROGRAM TOOL OPTIONS SITES: the command as a person types it, without paths and
# the workload's arguments (hyperfine's name for it, and the CSV's command)
commands_name()
{
	if [ -z "$2" ]; then
		echo "$1"
	else
		echo "$2 $3 $4 -- $1" | tr -s ' '
	fi
}

# commands_probe: whether hyperfine and each command can run here (a short run of each); sets
# COMMANDS_SKIP[id] to "skipped: why" for those that cannot
commands_probe()
{
	local id program tool options sites why all='' help
	local -a t
	if ! command -v hyperfine >/dev/null; then
		all="skipped: hyperfine not installed (./setup.sh installs it)"
	else
		help=$(hyperfine --help 2>&1 || true)
		! grep -qE '^ *-N' <<<"$help" || COMMANDS_SHELL_OPT=(-N)
	fi
	while IFS='|' read -r id program tool options sites _; do
		if [ -n "$all" ]; then
			COMMANDS_SKIP[$id]=$all
			continue
		fi
		if [ "$tool" = tb-usdt ] && ! why=$("$OUT/tb-usdt" --check 2>&1); then
			COMMANDS_SKIP[$id]="skipped: tb-usdt --check says: $(oneline <<<"$why")"
			continue
		fi
		read -r -a t <<<"$tool"
		rm -f "$TMP/probe.json"
		# shellcheck disable=SC2086 # options and sites: words
		if [ -z "$tool" ]; then
			why=$(rates_try "$program" "$OUT/$program" -q -r 100 -s "$COMMANDS_SCALE")
		else
			why=$(rates_try "${t[*]}" "$OUT/${t[0]}" "${t[@]:1}" $options -o "$TMP/probe.json" \
				$sites -- "$OUT/$program" -q -r 100 -s "$COMMANDS_SCALE")
		fi
		[ -z "$why" ] || COMMANDS_SKIP[$id]=$why
	done <<<"$COMMANDS_CONFIGS"
}

# commands_env: the section's env.txt lines
commands_env()
{
	local id
	echo "commands_placement=unpinned: hyperfine, each tool and the workload run wherever the" \
		"scheduler puts them; each tool starts the workload itself (-- COMMAND), so its start," \
		"attach, detach and exit are all in the time"
	echo "commands_order=one hyperfine call: the commands one after another, each command's" \
		"warm-up and runs back to back"
	echo "commands_runs=$COMMANDS_RUNS"
	echo "commands_warmup=$COMMANDS_WARMUP"
	echo "commands_requests=$COMMANDS_REQUESTS"
	echo "commands_scale=$COMMANDS_SCALE"
	echo "commands_shell=$([ "${#COMMANDS_SHELL_OPT[@]}" -gt 0 ] && echo "none (hyperfine -N)" ||
		echo "hyperfine's default shell (this hyperfine has no -N)")"
	while IFS='|' read -r id _; do
		echo "commands_$id=${COMMANDS_SKIP[$id]:-ok}"
	done <<<"$COMMANDS_CONFIGS"
}

# commands_json FILE KEY: the value at KEY of a JSON file (empty if none)
commands_json() { "$OUT/tests/json_get" "$1" "$2" 2>/dev/null || true; }

# commands_check ID CHECK: what is wrong with the last run of command ID (its truth file and its
# tool's result), empty if nothing
commands_check()
{
	local id=$1 check=$2 truth=$TMP/commands/$1.truth.json result=$TMP/commands/$1.result.json
	local requests got want lost m i
	local -a got_l want_l
	requests=$(commands_json "$truth" requests)
	if [ -z "$requests" ]; then
		echo "the workload wrote no truth file"
		return
	elif [ "$requests" != "$COMMANDS_REQUESTS" ]; then
		echo "the workload handled $requests requests of $COMMANDS_REQUESTS"
		return
	fi
	[ "$check" != truth ] || return 0
	if [ ! -s "$result" ]; then
		echo "the tool wrote no result"
		return
	fi
	case $check in
	samples)
		got=$(commands_json "$result" samples)
		[ "${got:-0}" -gt 0 ] || echo "took no samples"
		return
		;;
	methods)
		# One json_get per file: a count missing from the result shortens its list.
		# shellcheck disable=SC2046,SC2086 # the methods, one path each
		mapfile -t want_l < <("$OUT/tests/json_get" "$truth" \
			$(printf 'methods.%s.calls ' $RATES_METHODS) 2>/dev/null || true)
		# shellcheck disable=SC2046,SC2086
		mapfile -t got_l < <("$OUT/tests/json_get" "$result" \
			$(printf 'counts.%s ' $RATES_METHODS) 2>/dev/null || true)
		if [ "${#got_l[@]}" != "${#want_l[@]}" ]; then
			echo "counted ${#got_l[@]} of the ${#want_l[@]} methods"
			return
		fi
		i=0
		for m in $RATES_METHODS; do
			if [ -z "${got_l[i]:-}" ] || [ "${got_l[i]:-}" != "${want_l[i]:-}" ]; then
				echo "counted ${got_l[i]:-no} $m calls; the workload made ${want_l[i]:-?}"
				return
			fi
			i=$((i + 1))
		done
		;;
	*=*)
		got=$(commands_json "$result" "${check%%=*}")
		want=$(commands_json "$truth" "${check#*=}")
		if [ -z "$got" ] || [ "$got" != "$want" ]; then
			echo "counted ${got:-nothing} ${check%%=*}; the workload made ${want:-?}"
			return
		fi
		;;
	esac
	lost=$(commands_json "$result" lost)
	[ "${lost:-0}" = 0 ] || echo "the tool lost $lost events"
}

# commands_run: every command that can run here in one hyperfine call (hyperfine_commands.json),
# the last run of each checked, and commands_summary.csv
commands_run()
{
	local id program tool options sites check what name i n ref status hf_status=0 hf_error=''
	local stats why f vs json=$RESULTS_DIR/hyperfine_commands.json
	local -a hf=() cmd=() t=() times=() codes=() ran=()
	local -A median=() index=() line=()
	rm -rf "$TMP/commands"
	mkdir -p "$TMP/commands"
	while IFS='|' read -r id program tool options sites _; do
		[ -z "${COMMANDS_SKIP[$id]:-}" ] || continue
		read -r -a t <<<"$tool"
		cmd=()
		if [ -n "$tool" ]; then
			# shellcheck disable=SC2206 # options and sites: words
			cmd=("$(realpath "$OUT/${t[0]}")" "${t[@]:1}" $options -o "$TMP/commands/$id.result.json"
				$sites --)
		fi
		cmd+=("$(realpath "$OUT/$program")" -q -r "$COMMANDS_REQUESTS" -s "$COMMANDS_SCALE" -o
			"$TMP/commands/$id.truth.json")
		name=$(commands_name "$program" "$tool" "$options" "$sites")
		index[$id]=${#ran[@]}
		ran+=("$id")
		# One string per command, each word quoted for hyperfine's own word splitting (-N).
		line[$id]=$(printf '%q ' "${cmd[@]}" | sed 's/ $//')
		hf+=(-n "$name" "${line[$id]}")
	done <<<"$COMMANDS_CONFIGS"

	if [ "${#ran[@]}" -gt 0 ]; then
		echo "bench: whole commands: hyperfine, ${#ran[@]} commands, $COMMANDS_RUNS runs each after" \
			"$COMMANDS_WARMUP warm-up, one after another; workload -q -r $COMMANDS_REQUESTS -s" \
			"$COMMANDS_SCALE, unpinned" >&2
		# -i: a command that fails is kept in the JSON (its exit codes) and its row says so.
		hyperfine "${COMMANDS_SHELL_OPT[@]}" -i --style basic --output=null \
			--warmup "$COMMANDS_WARMUP" --runs "$COMMANDS_RUNS" --export-json "$json" "${hf[@]}" \
			2>&1 | tee "$TMP/hyperfine_commands.txt" >&2 || hf_status=$?
		if [ "$hf_status" != 0 ] || [ ! -s "$json" ]; then
			hf_error="failed: hyperfine failed (status $hf_status; commands_failures.txt)"
			{
				echo "==== hyperfine: $hf_error"
				printf '%q ' hyperfine "${COMMANDS_SHELL_OPT[@]}" -i --style basic \
					--output=null --warmup "$COMMANDS_WARMUP" --runs "$COMMANDS_RUNS" \
					--export-json "$json" "${hf[@]}"
				echo
				cat "$TMP/hyperfine_commands.txt"
			} >>"$RESULTS_DIR/commands_failures.txt"
		fi
	fi

	echo "command,program,runs,mean_ms,stddev_ms,median_ms,min_ms,max_ms,vs_untraced," \
		"untraced_reference,status,description" | tr -d ' ' >"$RESULTS_DIR/commands_summary.csv"
	: >"$TMP/commands_last.csv"
	while IFS='|' read -r id program tool options sites check what; do
		name=$(commands_name "$program" "$tool" "$options" "$sites")
		# Against its own binary untraced; the untraced builds against the plain build.
		ref=$program
		[ -n "$tool" ] || ref=workload
		stats=
		times=()
		status=${COMMANDS_SKIP[$id]:-}
		if [ -z "$status" ] && [ -n "$hf_error" ]; then
			status=$hf_error
		elif [ -z "$status" ]; then
			i=${index[$id]}
			status=ok
			if [ "$(commands_json "$json" "results.$i.command")" != "$name" ]; then
				status="failed: not in hyperfine's JSON"
			else
				# An array prints one "-" per element, on one line.
				n=$({ "$OUT/tests/json_get" "$json" "results.$i.times" 2>/dev/null || true; } | wc -w)
				mapfile -t times < <("$OUT/tests/json_get" "$json" \
					$(seq -f "results.$i.times.%g" 0 $((n - 1))) 2>/dev/null || true)
				mapfile -t codes < <("$OUT/tests/json_get" "$json" \
					$(seq -f "results.$i.exit_codes.%g" 0 $((n - 1))) 2>/dev/null || true)
				n=0
				[ "${#codes[@]}" = 0 ] || n=$(printf '%s\n' "${codes[@]}" | grep -cvx 0 || true)
				if [ "${#times[@]}" = 0 ]; then
					status="failed: no times in hyperfine's JSON"
				elif [ "$n" != 0 ]; then
					status="failed: $n of ${#times[@]} runs exited with a status other than 0"
				else
					why=$(commands_check "$id" "$check")
					[ -z "$why" ] || status="failed: last run: $why"
				fi
			fi
			if [ "$status" = ok ]; then
				# runs, mean, stddev (n - 1, as hyperfine's), median, min, max, ms
				stats=$(printf '%s\n' "${times[@]}" | awk "$AWK_STATS"'
				{ t[++n] = $1 * 1e3; s += t[n]; if (n == 1 || t[n] < mn) mn = t[n]
				  if (n == 1 || t[n] > mx) mx = t[n] }
				END {
					m = s / n
					for (i = 1; i <= n; i++) ss += (t[i] - m) ^ 2
					printf "%d,%.3f,%s,%.3f,%.3f,%.3f", n, m,
					       (n > 1 ? sprintf("%.3f", sqrt(ss / (n - 1))) : ""), quantile(t, n, 0.5),
					       mn, mx
				}')
				median[$program/$tool]=$(cut -d, -f4 <<<"$stats")
				# The last run (hyperfine's times are in run order; its files are the last
				# run's): its whole time, its hot phase and the tool's own attach time, ms.
				echo "$name|$(awk -v t="${times[${#times[@]} - 1]}" 'BEGIN { printf "%.3f", t * 1e3 }')|$(
					commands_json "$TMP/commands/$id.truth.json" hot_wall_ns)|$(
					commands_json "$TMP/commands/$id.result.json" attach_ns)" \
					>>"$TMP/commands_last.csv"
			else
				{
					echo "==== $name: $status"
					echo "run as: ${line[$id]}"
					for f in "$TMP/commands/$id".*.json; do
						[ -e "$f" ] || continue
						echo "-- $(basename "$f"):"
						cat "$f"
					done
				} >>"$RESULTS_DIR/commands_failures.txt"
			fi
		fi
		[ -n "$stats" ] || stats=$(if [ -n "$hf_error" ] || [[ $status == skipped* ]]; then
			echo 0; else echo "${#times[@]}"; fi),,,,,
		status=${status//,/;}
		vs=$(awk -v a="${median[$program/$tool]:-}" -v b="${median[$ref/]:-}" \
			'BEGIN { if (a != "" && b > 0) printf "%.3f", a / b }')
		printf '%s,%s,%s,%s,%s,%s,"%s"\n' "$name" "$program" "$stats" "$vs" "$ref" "$status" \
			"$what" >>"$RESULTS_DIR/commands_summary.csv"
	done <<<"$COMMANDS_CONFIGS"
}

# commands_report: the section's part of REPORT.md: the table, and what whole commands add to the
# hot phase, in numbers from this run
commands_report()
{
	echo "## Whole commands (hyperfine): start, attach, work, detach, exit"
	echo
	cat <<EOF
Each command run whole, as a person would run it, by hyperfine
(\`hyperfine ${COMMANDS_SHELL_OPT[*]:-(default shell)} --warmup $COMMANDS_WARMUP \
--runs $COMMANDS_RUNS\`, all the commands in one call, each command's runs back to back, its output to /dev/null): the
request workload \`PROGRAM -q -r $COMMANDS_REQUESTS -s $COMMANDS_SCALE\` (one thread) untraced
and under each tracer, which starts it itself (\`TOOL ... -- PROGRAM ...\`). The time is
everything: starting the tool and the workload, loading and attaching (BPF programs and
uprobes, ptrace, the preloaded libraries), the work, detaching, writing and naming the results,
and the exit. Nothing pinned: tool and workload run wherever the scheduler puts them. Each run
also wrote the workload's truth file and the tool's result (\`-o\`); the last run's are
checked (the counts equal to the truth, nothing lost, samples taken) and give its hot phase
(\`hot_wall_ns\`), shown beside that run's whole time: the rest of it is outside the hot phase.
vs untraced: the median over the median of the same binary untraced (the untraced builds: over
the plain build's).

| command | runs | median ms | mean ± σ ms | min – max ms | vs untraced | last run ms | its hot phase ms | outside it ms | status |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---|
EOF
	awk -F, '
	FILENAME == ARGV[1] { split($0, g, "|"); last[g[1]] = g[2]; hot[g[1]] = g[3]; next }
	FNR == 1 { next }
	{
		if ($6 == "") {
			printf "| `%s` | %s | | | | | | | | %s |\n", $1, $3, $11
			next
		}
		w = h = o = ""
		if ($1 in last) w = sprintf("%.1f", last[$1])
		if (($1 in hot) && hot[$1] != "") {
			h = sprintf("%.1f", hot[$1] / 1e6); o = sprintf("%.1f", last[$1] - hot[$1] / 1e6)
		}
		printf "| `%s` | %d | %.1f | %.1f ± %s | %.1f – %.1f | %s | %s | %s | %s | %s |\n", $1, $3,
		       $6, $4, ($5 == "" ? "n/a" : sprintf("%.1f", $5)), $7, $8,
		       ($9 == "" ? "" : sprintf("%.2fx", $9)), w, h, o, $11
	}' "$TMP/commands_last.csv" "$RESULTS_DIR/commands_summary.csv"
	echo
	commands_findings
	echo
}

# commands_findings: the paragraph on what whole commands add to the hot-phase numbers, every
# number from this run (the summary's medians; the last runs' whole times, hot phases and the tools'
# attach times)
commands_findings()
{
	awk -F, '
	FILENAME == ARGV[1] {
		split($0, g, "|")
		if (g[3] == "") next
		whole[g[1]] = g[2]; hot[g[1]] = g[3] / 1e6; att[g[1]] = g[4] == "" ? "" : g[4] / 1e6
		next
	}
	FNR == 1 { next }
	$6 != "" && ($1 in hot) { med[$1] = $6; ref[$1] = $10; order[++n] = $1 }
	# out(NAME): its last run'"'"'s whole time outside its hot phase, ms
	function out(c) { return whole[c] - hot[c] }
	END {
		if (!("workload" in med)) { print "No data: the untraced plain build did not run."; exit }
		printf "What the whole command adds, in this run'"'"'s numbers. Untraced, the plain build took\n"
		printf "%.1f ms (median); its last run %.1f ms, of which %.1f ms in its hot phase: %.1f ms to\n",
		       med["workload"], whole["workload"], hot["workload"], out("workload")
		printf "start the process, load it, write its truth file and exit. Under each tracer, the time\n"
		printf "it added to its binary untraced (median against median), and in the last runs where it\n"
		printf "went: into the hot phase (what the other sections measure) or outside it (the whole\n"
		printf "command only: loading BPF or a library, attaching, detaching, writing and naming\n"
		printf "results after the exit):\n\n"
		for (i = 1; i <= n; i++) {
			c = order[i]; r = ref[c]
			if (c == r || !(r in med) || c ~ /^workload/) continue
			inh = hot[c] - hot[r]; rest = out(c) - out(r)
			printf "- `%s`: %+.1f ms (%.2fx); last runs: %+.1f ms in the hot phase, %+.1f ms outside it",
			       c, med[c] - med[r], med[c] / med[r], inh, rest
			if (att[c] != "" && att[c] > 0) printf " (the tool'"'"'s own `attach_ns`: %.1f ms)", att[c]
			print "."
			if (maxc == "" || rest > maxrest) { maxrest = rest; maxc = c }
			outside[c] = rest
			ntr++
			if (rest > inh) nout++
		}
		one = "tb-usdt -q -m count tracebench:request_start -- workload-usdt5"
		every = "tb-usdt -q -m count tracebench:method_entry -- workload-usdt5"
		print ""
		if (maxc != "")
			printf "The most outside the hot phase: `%s`, %+.1f ms, which no hot-phase\noverhead shows. ",
			       maxc, maxrest
		if ((one in outside) && (every in outside)) {
			printf "tb-usdt added %.1f ms outside the hot phase with one probe site and %.1f ms with the\n" \
			       "10 sites of `tracebench:method_entry`: about %.1f ms per further site.", outside[one],
			       outside[every], (outside[every] - outside[one]) / 9
			if (att[one] != "" && att[every] != "")
				printf " Its own `attach_ns`\n(from its `main`: its set-up, the workload" \
				       " launched, the BPF program loaded and attached) was %.1f and\n%.1f ms;" \
				       " the added time outside the hot phase less that, %.1f and %.1f ms, is" \
				       " mostly\nthe detach, the result and the exit (the tool\047s own exec" \
				       " before its `main` adds to it; the\nworkload\047s launch, which the" \
				       " untraced run has too, is in `attach_ns` and takes from it).",
				       att[one], att[every], outside[one] - att[one],
				       outside[every] - att[every]
			print ""
		}
		if (ntr)
			printf "For %d of the %d tracers the part outside the hot phase was the larger (the\n" \
			       "command takes %.0f ms untraced); on a long-running process it is paid once, at the\n" \
			       "start and at the end. ", nout + 0, ntr, med["workload"]
		printf "The split is the last runs'"'"' only, and hyperfine runs each command'"'"'s runs back\n"
		printf "to back, unpinned: a difference of a few ms is within the noise (compare the σ and the\n"
		printf "min – max).\n"
	}' "$TMP/commands_last.csv" "$RESULTS_DIR/commands_summary.csv"
}
