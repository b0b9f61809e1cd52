#!/usr/bin/env bash
# bench_peers.t - the bench's peers section: its rows in the shared tiny run (every tracer and peer
# ran, counted exactly what the workload did, sampled a profile, has a ratio to its peer), and
# each peer's parser on a run of its own, against the truth, so that a parser bug cannot hide
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench_lib.sh"

not_for_sanitizers "bench_peers.t" && { done_testing; exit; }

# Everything the section needs from bench.sh, to call its functions here (OUT is absolute).
# shellcheck disable=SC2034 # read by bench_peers.sh
peers_source()
{
	TMP=$TEST_TMP
	BENCH_CPU=1
	TRACER_CPU=0
	HARNESS=$REPO/harness
	TRACEFUNC_SHM=
	BPFTRACE_MOUNT='mount -t tracefs nodev /sys/kernel/tracing'
	UFTRACE_OPTS=(--no-libcall --no-event)
	AWK_STATS=$(cat "$REPO/harness/stats.awk")
	oneline() { tr '\n,' ' ;' | sed 's/ *$//'; }
	die() { echo "bench: $*" >&2; exit 1; }
	# shellcheck source=../harness/bench_rates.sh
	. "$REPO/harness/bench_rates.sh"
	# shellcheck source=../harness/bench_precision.sh
	. "$REPO/harness/bench_precision.sh"
	# shellcheck source=../harness/bench_peers.sh
	. "$REPO/harness/bench_peers.sh"
	PEERS_SHM=$TEST_TMP/shm
	mkdir -p "$PEERS_SHM"
}

# ---- the shared tiny run -------------------------------------------------------------------

tiny_run
is "$BENCH_RC" 0 "TINY=1 harness/bench.sh exits 0 ($BENCH_DIR)"
D=$BENCH_DIR
S=$D/peers_summary.csv
R=$D/peers_ratios.csv
if [ ! -s "$S" ]; then
	ok 1 "peers_summary.csv is in the tiny run"
else
	CONFIGS="usdt/untraced usdt/tb-usdt usdt/bpftrace profile/untraced profile/tb-signal
		profile/tb-vmreadv profile/perf syscall/untraced syscall/tb-ptrace-syscall syscall/strace
		syscall/tb-ptrace-seccomp syscall/strace-seccomp break/untraced break/tb-ptrace-break
		break/gdb-break break/gdb-dprintf break/ltrace tracefunc/untraced
		tracefunc/tb-tracefunc-count tracefunc/tb-tracefunc-log tracefunc/uftrace"
	# shellcheck disable=SC2086 # CONFIGS: words
	is "$(csv_rows "$S" 1 'get("pair") "/" get("config")' | sort | tr '\n' ' ')" \
		"$(printf '%s\n' $CONFIGS | sort | tr '\n' ' ')" \
		"peers_summary.csv: one row per tracer, peer and baseline"
	# A contended run (another process had the workload's CPU, in each of its tries) is the
	# machine's doing: said, and excused below, but only up to half the section's runs, so that a
	# harness bug marking every run contended cannot pass with no numbers.
	RAW=$D/peers_raw.csv
	busy=$(csv_rows "$RAW" 'get("status") ~ /contended/' 'get("pair") "/" get("config")' | tr '\n' ' ')
	[ -z "$busy" ] || diag "the machine was busy: contended runs, kept out of the numbers: $busy"
	nbusy=$(csv_rows "$RAW" 'get("status") ~ /contended/' 1 | wc -l)
	nraw=$(csv_rows "$RAW" 1 1 | wc -l)
	[ "$nraw" -gt 0 ] && [ $((2 * nbusy)) -le "$nraw" ]
	ok $? "peers_raw.csv: at most half the runs contended ($nbusy of $nraw)"
	if [ "$(id -u)" = 0 ]; then
		is "$(csv_rows "$S" 'get("status") != "ok" && get("status") !~ /contended/' \
			'get("pair") "/" get("config") ": " get("status")' | head -n 5)" "" \
			"peers_summary.csv: every row ok as root (none skipped, none failed)"
		# every tracer and peer ran and was checked, in the raw rows whatever its baseline did (a
		# contended run's counts are checked too; contended runs are capped above)
		is "$(csv_rows "$S" 'get("side") != "untraced"' 'get("pair") "," get("config")' |
			while IFS=, read -r pair config; do
				csv_rows "$D/peers_raw.csv" "get(\"pair\") == \"$pair\" && get(\"config\") == \"$config\" &&
					(get(\"status\") == \"ok\" || get(\"status\") ~ /^failed: contended:/)" 1 |
					grep -q . || echo "$pair/$config"
			done)" "" "peers_raw.csv: an ok (or contended) run of every tracer and peer as root"
	else
		skip "not root: bpftrace, perf and tracefs need it" "every peer row ok"
	fi
	# The counters, on every run of every tracer and peer whatever its status (a contended run's
	# counts are checked too), against what the workload makes per request, not the truth file
	# the section checks them against: 34 method calls (usdt, tracefunc), one query (break), one
	# pread64 and one writev (syscall: the whole process's, the loader's few more)
	is "$(csv_rows "$RAW" 'get("side") != "untraced" && (get("pair") == "usdt" || get("pair") == "tracefunc") &&
		!(get("events_counted") == 34 * num("requests") && get("truth_count") == 34 * num("requests") &&
		  get("events") == get("truth_count") && num("completeness") == 1)' \
		'get("round") " " get("config") ": " get("events_counted") " of " 34 * num("requests")')" "" \
		"usdt, tracefunc: every run of every tracer and peer counted 34 method calls per request"
	is "$(csv_rows "$RAW" 'get("side") != "untraced" && get("pair") == "break" &&
		!(get("events_counted") == get("requests") && get("truth_count") == get("requests"))' \
		'get("round") " " get("config") ": " get("events_counted") " of " get("requests")')" "" \
		"break: every run of every tracer and peer counted one query call per request"
	is "$(csv_rows "$RAW" 'get("side") != "untraced" && get("pair") == "syscall" &&
		!(get("truth_count") == 2 * num("requests") && get("events_counted") != "" &&
		  num("events_counted") >= 2 * num("requests") && num("events_counted") <= 2 * num("requests") + 16)' \
		'get("round") " " get("config") ": " get("events_counted") " of " 2 * num("requests")')" "" \
		"syscall: every run saw a pread64 and a writev per request (and at most 16 more)"
	is "$(csv_rows "$RAW" 'get("pair") == "profile" && get("side") != "untraced" &&
		!(num("samples") > 0 && num("profile_samples") > 0 && num("profile_samples") <= num("samples") &&
		  get("events") == get("samples") && num("profile_tvd") >= 0 && num("profile_tvd") <= 1)' \
		'get("round") " " get("config") ": " get("samples") " samples, " get("profile_samples") \
		" with a method, TVD " get("profile_tvd")')" "" \
		"profile: every run of perf, tb-signal, tb-vmreadv took samples, its cost per sample taken, its TVD in [0, 1]"
	# ptrace stops cost 10 us and more each, beyond what noise can take away; the others' costs
	# (hundreds of ns or less, over a hot phase of a few ms at TINY=1) only have to be there
	is "$(csv_rows "$S" 'get("status") == "ok" && get("side") != "untraced" &&
		(get("pair") == "syscall" || get("pair") == "break") && !(num("cost_ns_per_event") > 1000)' \
		'get("config") ": " get("cost_ns_per_event")')" "" \
		"syscall and break: every tracer and peer costs more than 1 us per event"
	is "$(csv_rows "$S" 'get("status") == "ok" && get("side") != "untraced" &&
		num("cost_ns_per_event") == -1e300' 'get("config")')" "" \
		"every tracer and peer has a cost per event"
	is "$(csv_rows "$R" 1 'get("tracer") "/" get("peer")' | tr '\n' ' ')" \
		"tb-usdt/bpftrace tb-signal/perf tb-vmreadv/perf tb-ptrace-syscall/strace tb-ptrace-seccomp/strace-seccomp tb-ptrace-break/gdb-break tb-ptrace-break/gdb-dprintf tb-ptrace-break/ltrace tb-tracefunc-count/uftrace tb-tracefunc-log/uftrace " \
		"peers_ratios.csv: every tracebench tracer against its peer"
	# The samplers' costs at 250 Hz, and at TINY=1 those of a few ms of uprobes or hooks, are
	# within the noise: their ratio may be "no data" (said so); the ptrace pairs' may not.
	is "$(csv_rows "$R" '!(get("status") == "ok" && num("ratio_to_peer") > 0 && num("paired_median") > 0) &&
		!(get("pair") !~ /^(syscall|break)$/ && get("status") ~ /^no data: (a cost per event within noise|only [0-9]+ of [0-9]+ rounds pair)/) &&
		get("status") !~ /contended/' \
		'get("tracer") "/" get("peer") ": " get("status")')" "" \
		"peers_ratios.csv: every ratio above 0 (but for the cheap pairs within noise, said so; contended: capped above)"
	# a ratio stands on at least half the rounds run, in which both costs were above 0
	is "$(csv_rows "$R" '!(num("rounds") >= 1 && num("rounds_paired") <= num("rounds") &&
		(get("status") != "ok" || 2 * num("rounds_paired") >= num("rounds")))' \
		'get("tracer") "/" get("peer") ": " get("rounds_paired") " of " get("rounds") ", " get("status")')" "" \
		"peers_ratios.csv: an ok ratio pairs at least half the rounds run"
	grep -q '^## Peers side by side' "$D/REPORT.md"
	ok $? "REPORT.md has the peers section"
	head -c 300 "$D/peers.svg" 2>/dev/null | grep -q '<svg' && [ -s "$D/peers.png" ]
	ok $? "peers.svg and peers.png drawn"
fi

# ---- each peer's parser on a run of its own ------------------------------------------------

# parse PAIR CONFIG REQUESTS: runs CONFIG on its pair's workload (-r REQUESTS, ungated, unpinned),
# then the section's parser and check; prints the check's "status|counted|truth"
parse()
{
	local pair=$1 config=$2 n=$3 program pre=$TEST_TMP/$1-$2
	local -a peers_cmd
	program=$OUT/workload
	[ "$pair" != usdt ] || program=$OUT/workload-usdt5
	[ "$pair" != tracefunc ] || program=$OUT/workload-finstrument
	peers_command "$pair" "$config" "$program" "$pre" -q -r "$n" -s 1 -o "$pre.truth.json"
	"${peers_cmd[@]}" >"$pre.out" 2>"$pre.err" || echo "# $config exited with status $?" >&2
	if [ "$config" = uftrace ]; then
		uftrace report -d "$PEERS_SHM/uftrace.data" >"$pre.uftrace" 2>>"$pre.err"
	fi
	peers_counts "$config" "$pre" >"$pre.counts"
	peers_check "$pair" "$config" "$pre"
}

peers_source
if [ "$(id -u)" != 0 ]; then
	skip "not root" "each peer's parser on its own run"
else
	while read -r pair config n; do
		tool=$config
		case $config in gdb-*) tool=gdb ;; strace-*) tool=strace ;; esac
		if ! command -v "$tool" >/dev/null; then
			skip "$tool not installed (./setup.sh installs it)" "$config's parser"
			continue
		fi
		line=$(parse "$pair" "$config" "$n")
		IFS='|' read -r status counted want <<<"$line"
		case $pair in
		syscall)
			[ "$status" = ok ] && [ "$counted" -ge $((2 * n)) ] && [ "$want" = $((2 * n)) ]
			ok $? "$config: parsed $counted pread64 and writev calls of the $want the workload made ($status)"
			;;
		*)
			[ "$status" = ok ] && [ "$counted" = "$want" ] && [ -n "$want" ] && [ "$want" != 0 ]
			ok $? "$config: parsed $counted events of the $want the workload made ($status)"
			;;
		esac
	done <<'EOF'
usdt bpftrace 200
syscall strace 100
syscall strace-seccomp 100
break gdb-break 50
break gdb-dprintf 50
break ltrace 50
tracefunc uftrace 200
EOF
	# perf: samples named after methods, a profile that sums to 1
	pre=$TEST_TMP/profile-perf
	peers_command profile perf "$OUT/workload" "$pre" -q -r 10000 -s 10 -o "$pre.truth.json"
	"${peers_cmd[@]}" >"$pre.out" 2>"$pre.err"
	peers_counts perf "$pre" >"$pre.counts"
	IFS='|' read -r status samples _ <<<"$(peers_check profile perf "$pre")"
	[ "$status" = ok ] && [ "$samples" -gt 0 ] &&
		awk '$1 == "share" { s += $3 } END { exit !(s > 0.999 && s < 1.001) }' "$pre.counts"
	ok $? "perf: $samples samples parsed, their method shares sum to 1 ($status)"
	grep -q '^share query ' "$pre.counts"
	ok $? "perf: query, where the workload spends most of its time, has samples"

	# The check can fail: one method's count off by one, a missing count, too many system calls
	pre=$TEST_TMP/tracefunc-uftrace
	if [ -s "$pre.counts" ]; then
		awk '$1 == "escape" { $2 = $2 - 1 } { print }' "$pre.counts" >"$pre.counts.new"
		mv "$pre.counts.new" "$pre.counts"
		[[ $(peers_check tracefunc uftrace "$pre") == "failed: uftrace counted "*" escape calls"* ]]
		ok $? "a per-method count one short fails the check"
	fi
	pre=$TEST_TMP/break-ltrace
	if [ -s "$pre.truth.json" ]; then
		: >"$pre.counts"
		[[ $(peers_check break ltrace "$pre") == "failed: ltrace counted no query calls"* ]]
		ok $? "a count missing fails the check"
	fi
	pre=$TEST_TMP/syscall-strace
	if [ -s "$pre.truth.json" ]; then
		printf 'pread64 100\nwritev 200\n' >"$pre.counts"
		[[ $(peers_check syscall strace "$pre") == "failed: strace counted 300 "* ]]
		ok $? "more system calls than the whole process can have made fails the check"
	fi
fi

done_testing
