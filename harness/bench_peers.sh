# bench_peers.sh - make bench's peers section (sourced by bench.sh): each tracer beside its peer
#
# Five pairs, each on one request-workload configuration of its own (one thread, a fixed number
# of requests, sized so that a traced run takes a fraction of a second: the ptrace-based peers
# stop on every event and get fewer requests), each run gated (run_gated: the tracer or peer on
# TRACER_CPU attaches before the workload's hot phase, the workload runs on BENCH_CPU):
#   usdt       tb-usdt -m count -a 0 tracebench:method_entry | bpftrace counting the same USDT
#              probe per method id (@[arg0] = count()), on workload-usdt5
#   profile    tb-signal record and tb-vmreadv | perf record -g -e cpu-clock, all at
#              PEERS_RATE_HZ, on the plain build at -s 10; perf's samples are named after the
#              innermost method of their call chain (frame pointers), as the others name theirs
#              after the top of the workload's in-memory stack
#   syscall    tb-ptrace syscall | strace -f -c; tb-ptrace syscall --seccomp | strace -f -c
#              --seccomp-bpf, the last two filtered to pread64 and writev
#   break      tb-ptrace break query | gdb (break, commands: silent, continue) | gdb dprintf |
#              ltrace -f -c -L -x query
#   tracefunc  tb-tracefunc -m count and -m log | uftrace record (then uftrace report), on
#              workload-finstrument
# Each pair's untraced run of its binary runs in the same round, beside its traced runs (one block
# per pair, the blocks' order and the order within them rotated each round). Every run's counts are
# checked against its truth file: per method (usdt, tracefunc), query's calls (break), pread64 and
# writev (syscall: the whole process's, so at least the hot phase's and at most PEERS_SYSCALL_SLACK
# more: the loader's); samplers must take samples, and their profile is scored against the
# calibrated self_share of the same round's untraced run (-c) by total variation distance.
#
# Environment (presets from FULL / TINY, else quick): PEERS_ROUNDS, PEERS_USDT_REQUESTS,
# PEERS_PROFILE_REQUESTS, PEERS_SYSCALL_REQUESTS, PEERS_BREAK_REQUESTS, PEERS_TRACEFUNC_REQUESTS,
# PEERS_RATE_HZ (the samplers' rate, default 250).
# Uses RATES_METHODS of bench_rates.sh and jget of bench_precision.sh (sourced with every section
# file), and bench.sh's BPFTRACE_MOUNT, UFTRACE_OPTS and TRACEFUNC_SHM.

# shellcheck disable=SC2034 # GATE_*_CPU and total are read by bench.sh's run_gated and progress
true

if [ "${FULL:-0}" = 1 ]; then
	PEERS_ROUNDS=${PEERS_ROUNDS:-7}
	PEERS_USDT_REQUESTS=${PEERS_USDT_REQUESTS:-40000}
	PEERS_PROFILE_REQUESTS=${PEERS_PROFILE_REQUESTS:-50000}
	PEERS_SYSCALL_REQUESTS=${PEERS_SYSCALL_REQUESTS:-2000}
	PEERS_BREAK_REQUESTS=${PEERS_BREAK_REQUESTS:-1000}
	PEERS_TRACEFUNC_REQUESTS=${PEERS_TRACEFUNC_REQUESTS:-50000}
elif [ "${TINY:-0}" = 1 ]; then
	PEERS_ROUNDS=${PEERS_ROUNDS:-1}
	PEERS_USDT_REQUESTS=${PEERS_USDT_REQUESTS:-3000}
	PEERS_PROFILE_REQUESTS=${PEERS_PROFILE_REQUESTS:-6000}
	PEERS_SYSCALL_REQUESTS=${PEERS_SYSCALL_REQUESTS:-200}
	PEERS_BREAK_REQUESTS=${PEERS_BREAK_REQUESTS:-100}
	PEERS_TRACEFUNC_REQUESTS=${PEERS_TRACEFUNC_REQUESTS:-3000}
else
	PEERS_ROUNDS=${PEERS_ROUNDS:-5}
	PEERS_USDT_REQUESTS=${PEERS_USDT_REQUESTS:-20000}
	PEERS_PROFILE_REQUESTS=${PEERS_PROFILE_REQUESTS:-25000}
	PEERS_SYSCALL_REQUESTS=${PEERS_SYSCALL_REQUESTS:-1000}
	PEERS_BREAK_REQUESTS=${PEERS_BREAK_REQUESTS:-500}
	PEERS_TRACEFUNC_REQUESTS=${PEERS_TRACEFUNC_REQUESTS:-20000}
fi
PEERS_RATE_HZ=${PEERS_RATE_HZ:-250}
# The whole process's pread64 and writev beyond the hot phase's that a system call counter may
# see: the dynamic loader's pread64 of the libraries' headers (2 here).
PEERS_SYSCALL_SLACK=16
# A run whose thread had less than this share of its hot phase on its CPU (hot_cpu_ns /
# hot_wall_ns) is run again, up to PEERS_TRIES runs in all; then it fails as contended (an untraced
# one: the round's runs of its pair with it). Every run is judged so, the untraced and the traced
# alike, but for the ptrace-based (PEERS_STOPPING), whose thread is off its CPU at every stop.
PEERS_MIN_CPU_SHARE=${PEERS_MIN_CPU_SHARE:-0.9}
PEERS_TRIES=3
PEERS_STOPPING="tb-ptrace-syscall strace tb-ptrace-seccomp strace-seccomp tb-ptrace-break gdb-break
gdb-dprintf ltrace"
PEERS_STOPPING=${PEERS_STOPPING//$'\n'/ }

# pair|program|requests|scale: each pair's workload configuration (-q -r REQUESTS -s SCALE)
PEERS_PAIRS="usdt|workload-usdt5|$PEERS_USDT_REQUESTS|1
profile|workload|$PEERS_PROFILE_REQUESTS|10
syscall|workload|$PEERS_SYSCALL_REQUESTS|1
break|workload|$PEERS_BREAK_REQUESTS|1
tracefunc|workload-finstrument|$PEERS_TRACEFUNC_REQUESTS|1"

# pair|config|side (untraced, tracebench, peer)|the command run (shown)|what
PEERS_CONFIGS="usdt|untraced|untraced|workload-usdt5|the 5-byte-nop USDT build, its sites idle: the baseline of the usdt pair
usdt|tb-usdt|tracebench|tb-usdt -q -m count -a 0 tracebench:method_entry|every method entry counted per method id in a BPF hash map (a uprobe per site)
usdt|bpftrace|peer|bpftrace -e 'usdt:PROGRAM:tracebench:method_entry { @[arg0] = count(); }'|the same probe and the same count per method id; bpftrace's own BPF program and map
profile|untraced|untraced|workload -c|the plain build at -s 10: the baseline of the profile pair; -c calibrates the true self time per method after the hot phase (the truth profile)
profile|tb-signal|tracebench|tb-signal record -F $PEERS_RATE_HZ|SIGPROF on the thread's CPU-time clock; the handler (libtb-signal.so preloaded) copies the in-memory stack
profile|tb-vmreadv|tracebench|tb-vmreadv -F $PEERS_RATE_HZ|the in-memory stack read from outside with process_vm_readv on a wall-clock schedule
profile|perf|peer|perf record -g -e cpu-clock -F $PEERS_RATE_HZ|the kernel's cpu-clock hrtimer samples the task's CPU time and walks its frame pointers; each sample named after its innermost method
syscall|untraced|untraced|workload|the plain build at -s 1: the baseline of the syscall pair
syscall|tb-ptrace-syscall|tracebench|tb-ptrace syscall|PTRACE_SYSCALL: a stop at every system call's entry and exit; counts per name
syscall|strace|peer|strace -f -c|PTRACE_SYSCALL as well (a stop at entry and exit); counts and times per name
syscall|tb-ptrace-seccomp|tracebench|tb-ptrace syscall --seccomp -e pread64,writev|a seccomp-bpf filter in the workload stops only pread64 and writev
syscall|strace-seccomp|peer|strace -f -c --seccomp-bpf -e trace=pread64,writev|strace's seccomp-bpf filter stops only pread64 and writev
break|untraced|untraced|workload|the plain build at -s 1: the baseline of the break pair
break|tb-ptrace-break|tracebench|tb-ptrace break query|an int3 at query; each hit a ptrace stop; the replaced instruction executed out of line
break|gdb-break|peer|gdb -batch: break query; commands; silent; continue; end|gdb's breakpoint with commands: each hit stops; gdb runs the commands and continues
break|gdb-dprintf|peer|gdb -batch: dprintf query (a line per hit)|gdb's dynamic printf: each hit stops; gdb prints a line and continues
break|ltrace|peer|ltrace -f -c -L -x query|ltrace's breakpoint at query (and at its return); counts per function
tracefunc|untraced|untraced|workload-finstrument|the -finstrument-functions build (its empty hooks run on every call): the baseline of the tracefunc pair
tracefunc|tb-tracefunc-count|tracebench|tb-tracefunc -m count|the compiler hooks (libtb-tracefunc.so preloaded) count every call per function
tracefunc|tb-tracefunc-log|tracebench|tb-tracefunc -m log|the compiler hooks write every entry and exit with its time to a per-thread ring on /dev/shm
tracefunc|uftrace|peer|uftrace record UFTRACE_OPTS; uftrace report|libmcount's hooks write every entry and exit to its buffers; uftrace report counts the calls"

# pair|tracebench config|peer config: the ratios
PEERS_RATIOS="usdt|tb-usdt|bpftrace
profile|tb-signal|perf
profile|tb-vmreadv|perf
syscall|tb-ptrace-syscall|strace
syscall|tb-ptrace-seccomp|strace-seccomp
break|tb-ptrace-break|gdb-break
break|tb-ptrace-break|gdb-dprintf
break|tb-ptrace-break|ltrace
tracefunc|tb-tracefunc-count|uftrace
tracefunc|tb-tracefunc-log|uftrace"

PEERS_PLOTS="peers|**Peers side by side**: each tracebench tracer's cost per event beside the established tool's doing the same job on the same workload in the same rounds (median, bars p25 to p75, log scale; samplers: per sample), and what each saw (completeness, or the profile's TVD); lower cost is better"

# What the ratio and findings programs (awk, over peers_summary.csv and another CSV) begin with:
# the columns by name (the quoted command and description of the summary come after them all), and
# usable(STATUS): a row measured in most rounds: ok, or fewer than half its runs failed (a ratio
# then pairs the rounds where both sides ran ok, and rounds_paired says how many)
PEERS_AWK_COLUMNS='
FNR == 1 { for (i = 1; i <= NF; i++) h[FILENAME, $i] = i; next }
function v(name) { return $(h[FILENAME, name]) }
function usable(s,    k) {
	if (s == "ok") return 1
	if (s !~ /^failed: [0-9]+ of [0-9]+ runs/) return 0
	split(substr(s, 9), k, " ")
	return 2 * k[1] < k[3]
}
'

# Why a configuration cannot run here, keyed pair/config ("" if it can): peers_probe.
declare -A PEERS_SKIP=()
# The peers' uftrace and tb-tracefunc record directory on /dev/shm (bench.sh's TRACEFUNC_SHM,
# which its exit removes; made here if the tracefunc section did not).
PEERS_SHM=

# peers_needed: the build/ programs the section runs
peers_needed()
{
	echo "workload workload-usdt5 workload-finstrument tb-usdt tb-ptrace tb-vmreadv tb-signal"
	echo "libtb-signal.so tb-tracefunc libtb-tracefunc.so tests/json_get"
}

# peers_gdb_script KIND: the gdb script of gdb-break (break with silent commands) or gdb-dprintf
peers_gdb_script()
{
	echo "set pagination off"
	echo "set confirm off"
	echo "set startup-with-shell off"
	if [ "$1" = break ]; then
		printf 'break query\ncommands\nsilent\ncontinue\nend\n'
	else
		printf '%s\n' 'dprintf query,"tb_query\n"'
	fi
	echo "run"
	echo "info breakpoints"
}

# peers_command PAIR CONFIG PROGRAM RESULT_PREFIX ARGS...: prints nothing; sets peers_cmd to the
# command that runs CONFIG on PROGRAM ARGS, its files named RESULT_PREFIX.*
peers_command()
{
	local pair=$1 config=$2 program=$3 pre=$4
	shift 4
	case $config in
	untraced) peers_cmd=("$program" "$@") ;;
	tb-usdt)
		peers_cmd=("$OUT/tb-usdt" -q -m count -a 0 -o "$pre.result.json" tracebench:method_entry \
			-- "$program" "$@")
		;;
	bpftrace)
		# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
		peers_cmd=(unshare -m sh -c "$BPFTRACE_MOUNT"' && exec bpftrace -e "$1" -c "$2"' sh
			"usdt:$program:tracebench:method_entry { @[arg0] = count(); }" "$program $*")
		;;
	tb-signal)
		peers_cmd=("$OUT/tb-signal" record -F "$PEERS_RATE_HZ" -o "$pre.result.json" -- "$program" "$@")
		;;
	tb-vmreadv)
		peers_cmd=("$OUT/tb-vmreadv" -F "$PEERS_RATE_HZ" -o "$pre.result.json" -- "$program" "$@")
		;;
	perf)
		peers_cmd=(perf record -q -g -e cpu-clock -F "$PEERS_RATE_HZ" -o "$pre.perf" -- "$program" "$@")
		;;
	tb-ptrace-syscall) peers_cmd=("$OUT/tb-ptrace" syscall -o "$pre.result.json" -- "$program" "$@") ;;
	strace) peers_cmd=(strace -f -c -o "$pre.strace" -- "$program" "$@") ;;
	tb-ptrace-seccomp)
		# shellcheck disable=SC2054 # one argument: the list of system calls
		peers_cmd=("$OUT/tb-ptrace" syscall --seccomp -e pread64,writev -o "$pre.result.json" \
			-- "$program" "$@")
		;;
	strace-seccomp)
		# shellcheck disable=SC2054 # one argument: the list of system calls
		peers_cmd=(strace -f -c --seccomp-bpf -e trace=pread64,writev -o "$pre.strace" \
			-- "$program" "$@")
		;;
	tb-ptrace-break) peers_cmd=("$OUT/tb-ptrace" break -o "$pre.result.json" query -- "$program" "$@") ;;
	gdb-break | gdb-dprintf)
		peers_gdb_script "${config#gdb-}" >"$pre.gdb"
		peers_cmd=(gdb -nx -batch -x "$pre.gdb" --args "$program" "$@")
		;;
	ltrace) peers_cmd=(ltrace -f -c -L -x query -o "$pre.ltrace" "$program" "$@") ;;
	tb-tracefunc-count | tb-tracefunc-log)
		rm -rf "$PEERS_SHM/tb-tracefunc"
		peers_cmd=("$OUT/tb-tracefunc" -m "${config#tb-tracefunc-}" -D "$PEERS_SHM/tb-tracefunc" \
			-o "$pre.result.json" -- "$program" "$@")
		;;
	uftrace)
		rm -rf "$PEERS_SHM/uftrace.data"
		peers_cmd=(uftrace record "${UFTRACE_OPTS[@]}" -d "$PEERS_SHM/uftrace.data" "$program" "$@")
		;;
	*) die "peers: no configuration $pair/$config" ;;
	esac
}

# peers_counts CONFIG PREFIX: what CONFIG counted in its run's files (PREFIX.*), one "name count"
# a line: per method (usdt, tracefunc), pread64 and writev (syscall), query (break); samplers:
# "samples N" (every sample taken: what the cost is divided by), "profile_samples N" (those named
# after a method: what the profile is of) and one "share METHOD FRACTION" per method of the profile
peers_counts()
{
	local config=$1 pre=$2 r=$2.result.json m id k
	case $config in
	tb-usdt)
		for m in $RATES_METHODS; do
			id=$(jget "$pre.truth.json" "methods.$m.id")
			[ -z "$id" ] || echo "$m $(jget "$r" "values.tracebench:method_entry.$id.count")"
		done
		;;
	bpftrace)
		for m in $RATES_METHODS; do
			id=$(jget "$pre.truth.json" "methods.$m.id")
			[ -z "$id" ] || echo "$m $(sed -n "s/^@\\[$id\\]: \\([0-9]*\\)\$/\\1/p" "$pre.out")"
		done
		;;
	tb-signal | tb-vmreadv)
		# tb-signal: every SIGPROF handled, and those with a method on the stack; tb-vmreadv:
		# every tick (one read of the one thread's stack), and the reads with a method on it
		local key=method_profile all=samples named=method_samples
		[ "$config" = tb-signal ] || key=profile all=ticks named=samples
		echo "samples $(jget "$r" "$all")"
		echo "profile_samples $(jget "$r" "$named")"
		for k in $(jget "$r" "$key"); do
			echo "share $k $(jget "$r" "$key.${k//./\\.}")"
		done
		;;
	perf)
		# Each sample a block of frames, innermost first; named after its first method.
		perf script -i "$pre.perf" -F ip,sym 2>/dev/null | awk -v methods="$RATES_METHODS" '
		BEGIN { n = split(methods, l, " "); for (i = 1; i <= n; i++) is[l[i]] = 1 }
		NF == 0 { if (inblock) { samples++; if (m != "") c[m]++ } inblock = 0; m = ""; next }
		{ inblock = 1; if (m == "" && ($2 in is)) m = $2 }
		END {
			if (inblock) { samples++; if (m != "") c[m]++ }
			for (k in c) named += c[k]
			print "samples", samples + 0
			print "profile_samples", named + 0
			for (k in c) printf "share %s %.9f\n", k, c[k] / named
		}'
		;;
	tb-ptrace-syscall | tb-ptrace-seccomp)
		echo "pread64 $(jget "$r" counts.pread64)"
		echo "writev $(jget "$r" counts.writev)"
		;;
	strace | strace-seccomp)
		[ ! -s "$pre.strace" ] ||
			awk '$NF == "pread64" || $NF == "writev" { print $NF, $4 }' "$pre.strace"
		;;
	tb-ptrace-break) echo "query $(jget "$r" counts.query)" ;;
	gdb-break) echo "query $(sed -n 's/.*breakpoint already hit \([0-9]*\) time.*/\1/p' "$pre.out")" ;;
	gdb-dprintf) echo "query $(grep -cx tb_query "$pre.out")" ;;
	ltrace) [ ! -s "$pre.ltrace" ] || awk '$NF == "query" { print "query", $4 }' "$pre.ltrace" ;;
	tb-tracefunc-count | tb-tracefunc-log)
		for m in $RATES_METHODS; do
			echo "$m $(jget "$r" "counts.$m")"
		done
		;;
	uftrace)
		# uftrace report: TOTAL UNIT SELF UNIT CALLS FUNCTION, after a line of "="
		[ ! -s "$pre.uftrace" ] || awk '/====/ { on = 1; next } on && NF >= 6 { print $NF, $(NF - 1) }' \
			"$pre.uftrace"
		;;
	esac
}

# peers_check PAIR CONFIG PREFIX: scores a run's counts (PREFIX.counts, from peers_counts) against
# its truth (PREFIX.truth.json); prints "status|events counted|truth's count" (status ok or why not)
peers_check()
{
	local pair=$1 config=$2 pre=$3 truth=$3.truth.json m want got line
	local -A counts=()
	while read -r m got _; do
		[ "$m" = share ] || counts[$m]=$got
	done <"$pre.counts"
	case $pair in
	usdt | tracefunc)
		local seen=0 all=0
		for m in $RATES_METHODS; do
			want=$(jget "$truth" "methods.$m.calls")
			got=${counts[$m]:-}
			all=$((all + ${want:-0}))
			if [ -z "$got" ]; then
				echo "failed: $config counted no $m calls; the workload made ${want:-?}|$seen|$all"
				return
			elif [ "$got" != "$want" ]; then
				echo "failed: $config counted $got $m calls; the workload made ${want:-?}|$seen|$all"
				return
			fi
			seen=$((seen + got))
		done
		echo "ok|$seen|$all"
		;;
	syscall)
		want=$(($(jget "$truth" syscalls.pread64) + $(jget "$truth" syscalls.writev)))
		if [ -z "${counts[pread64]:-}" ] || [ -z "${counts[writev]:-}" ]; then
			echo "failed: $config counted no pread64 or no writev calls|0|$want"
			return
		fi
		got=$((counts[pread64] + counts[writev]))
		if [ "$got" -lt "$want" ] || [ "$got" -gt $((want + PEERS_SYSCALL_SLACK)) ]; then
			line="failed: $config counted $got pread64 and writev calls; the hot phase made $want"
			echo "$line (the whole process at most $PEERS_SYSCALL_SLACK more)|$got|$want"
			return
		fi
		echo "ok|$got|$want"
		;;
	break)
		want=$(jget "$truth" methods.query.calls)
		got=${counts[query]:-}
		if [ -z "$got" ] || [ "$got" != "$want" ]; then
			echo "failed: $config counted ${got:-no} query calls; the workload made ${want:-?}|${got:-0}|$want"
			return
		fi
		echo "ok|$got|$want"
		;;
	profile)
		got=${counts[samples]:-0}
		if [ "$got" -le 0 ]; then
			echo "failed: $config took no samples|0|"
		elif ! grep -q '^share ' "$pre.counts"; then
			echo "failed: $config named no sample after a method|$got|"
		else
			echo "ok|$got|"
		fi
		;;
	esac
}

# peers_try KEY COMMAND...: a short run of COMMAND; if it fails, PEERS_SKIP[KEY] says why
peers_try()
{
	local key=$1 why
	shift
	if ! why=$("$@" 2>&1 >/dev/null); then
		PEERS_SKIP[$key]="skipped: $(basename "$1") cannot run the workload here:"
		PEERS_SKIP[$key]+=" $(oneline <<<"${why:-it failed without saying why}" | cut -c1-300)"
	fi
}

# peers_probe: whether each tracer and peer is installed and can run here (a short run of each:
# of the workload, but for the two whose attach alone takes a second or more here, tb-usdt (its
# --check) and bpftrace (a BEGIN probe in its private mount namespace), and gdb dprintf, which
# gdb break's run stands for); sets PEERS_SKIP for those that cannot
peers_probe()
{
	local pair config side tool why w pre=$TMP/peers_probe small=(-q -r 20 -s 1)
	local -a peers_cmd
	if [ -n "${TRACEFUNC_SHM:-}" ]; then
		PEERS_SHM=$TRACEFUNC_SHM
	else
		TRACEFUNC_SHM=$(mktemp -d /dev/shm/tracebench-bench.XXXXXX 2>/dev/null) ||
			TRACEFUNC_SHM=$(mktemp -d "$TMP/shm.XXXXXX")
		PEERS_SHM=$TRACEFUNC_SHM
	fi
	while IFS='|' read -r pair config side _; do
		[ "$side" != untraced ] || continue
		case $config in
		tb-*) tool=$config ;;
		gdb-*) tool=gdb ;;
		strace*) tool=strace ;;
		*) tool=$config ;;
		esac
		if [[ $tool != tb-* ]] && ! command -v "$tool" >/dev/null; then
			PEERS_SKIP[$pair/$config]="skipped: $tool not installed (./setup.sh installs it)"
			continue
		fi
		case $config in
		tb-usdt)
			why=$("$OUT/tb-usdt" --check 2>&1) ||
				PEERS_SKIP[$pair/$config]="skipped: tb-usdt --check says: $(oneline <<<"$why")"
			continue
			;;
		bpftrace)
			if ! command -v unshare >/dev/null || ! unshare -m sh -c "$BPFTRACE_MOUNT" 2>/dev/null; then
				PEERS_SKIP[$pair/$config]="skipped: cannot mount tracefs in a private mount"
				PEERS_SKIP[$pair/$config]+=" namespace (unshare -m), which bpftrace 0.17 needs to detach"
			else
				# shellcheck disable=SC2016 # the inner shell's $1
				peers_try "$pair/$config" unshare -m sh -c "$BPFTRACE_MOUNT"' && exec bpftrace -e "$1"' \
					sh 'BEGIN { exit(); }'
			fi
			continue
			;;
		gdb-dprintf)
			PEERS_SKIP[$pair/$config]=${PEERS_SKIP[$pair/gdb-break]:-}
			continue
			;;
		esac
		w=$OUT/workload
		case $pair in
		usdt) w=$OUT/workload-usdt5 ;;
		tracefunc) w=$OUT/workload-finstrument ;;
		esac
		rm -f "$pre".*
		peers_command "$pair" "$config" "$(realpath "$w")" "$pre" "${small[@]}" -o "$pre.truth.json"
		peers_try "$pair/$config" "${peers_cmd[@]}"
		if [ -z "${PEERS_SKIP[$pair/$config]:-}" ] && [ "$config" = perf ] &&
			! why=$(perf script -i "$pre.perf" -F ip,sym 2>&1 >/dev/null); then
			PEERS_SKIP[$pair/$config]="skipped: perf script cannot read perf record's file here:"
			PEERS_SKIP[$pair/$config]+=" $(oneline <<<"$why" | cut -c1-300)"
		fi
		rm -rf "$PEERS_SHM/tb-tracefunc" "$PEERS_SHM/uftrace.data"
	done <<<"$PEERS_CONFIGS"
	rm -f "$pre".*
}

# peers_env: the section's env.txt lines
peers_env()
{
	local key pair program requests scale
	echo "peers_placement=the workload on CPU $BENCH_CPU (moved there at its start gate, every" \
		"thread, and released), each tracer and peer on CPU $TRACER_CPU (it starts the workload," \
		"which waits at its gate until the tracer is attached)"
	echo "peers_rounds=$PEERS_ROUNDS"
	while IFS='|' read -r pair program requests scale; do
		echo "peers_$pair=$program -q -t 1 -r $requests -s $scale"
	done <<<"$PEERS_PAIRS"
	echo "peers_rate_hz=$PEERS_RATE_HZ"
	echo "peers_min_cpu_share=$PEERS_MIN_CPU_SHARE (a run below it is run again, up to" \
		"$PEERS_TRIES runs; the untraced and the traced alike, but for the ptrace-based:" \
		"$PEERS_STOPPING)"
	for key in bpftrace perf strace gdb ltrace uftrace; do
		if command -v "$key" >/dev/null; then
			echo "peers_version_$key=$(case $key in
				perf) perf version 2>&1 ;;
				uftrace) uftrace --version 2>&1 ;;
				ltrace) ltrace -V 2>&1 ;;
				*) "$key" --version 2>&1 ;;
				esac | head -n 1 | oneline)"
		else
			echo "peers_version_$key=not installed"
		fi
	done
	for key in $(printf '%s\n' "${!PEERS_SKIP[@]}" | sort); do
		[ -z "${PEERS_SKIP[$key]}" ] || echo "peers_${key//[\/-]/_}=${PEERS_SKIP[$key]}"
	done
}

# peers_on_cpu TRUTH: whether the workload of that truth file ran at least PEERS_MIN_CPU_SHARE of
# its hot phase on its CPU (hot_cpu_ns / hot_wall_ns): a run that did not was contended (for the
# configurations peers_judged judges)
peers_on_cpu()
{
	awk -v c="$(jget "$1" hot_cpu_ns)" -v w="$(jget "$1" hot_wall_ns)" -v m="$PEERS_MIN_CPU_SHARE" \
		'BEGIN { exit !(w > 0 && c / w >= m) }'
}

# peers_attempt PAIR CONFIG PROGRAM PREFIX ARGS...: one run of CONFIG on PROGRAM ARGS, gated;
# sets run_status and run_error (run_gated's), peers_cmd, and PREFIX.out and PREFIX.err
peers_attempt()
{
	local pair=$1 config=$2 program=$3 pre=$4
	shift 4
	rm -rf "$PEERS_SHM/tb-tracefunc" "$PEERS_SHM/uftrace.data" "$pre.perf" "$pre.result.json" \
		"$pre.truth.json"
	if [ "$config" = tb-vmreadv ]; then
		# tb-vmreadv gates the workload itself (TB_GATE_FD) and releases it as its schedule
		# starts: started through taskset, on BENCH_CPU from its exec on.
		peers_command "$pair" "$config" taskset "$pre" -c "$BENCH_CPU" "$program" "$@"
		run_error=
		run_status=0
		taskset -c "$TRACER_CPU" "${peers_cmd[@]}" >"$pre.out" 2>"$pre.err" || run_status=$?
	else
		peers_command "$pair" "$config" "$program" "$pre" "$@" -g 3
		run_gated "$program" "$pre" "${peers_cmd[@]}"
	fi
}

# peers_judged CONFIG: whether a run of CONFIG whose thread was off its CPU was contended. Not for
# the ptrace-based (PEERS_STOPPING): their thread is off its CPU at every stop by design, so its
# share cannot tell a stop from another process having the CPU.
peers_judged()
{
	[[ " $PEERS_STOPPING " != *" $1 "* ]]
}

# peers_one ROUND PAIR CONFIG: one gated run; its counts checked; one line of $TMP/peers/rows
# (round|pair|config|hot_wall_ns|events counted|truth's count|tracer_cpu_ns|lost|status), its
# profile shares kept for peers_score
peers_one()
{
	local round=$1 pair=$2 config=$3 program requests scale pre status=ok wall='' line
	local counted='' truth_count='' cpu='' lost='' tries=0
	local -a peers_cmd args
	IFS='|' read -r _ program requests scale < <(grep "^$pair|" <<<"$PEERS_PAIRS")
	program=$(realpath "$OUT/$program")
	pre=$TMP/peers/$round-$pair-$config
	rm -rf "$pre".*
	args=(-q -r "$requests" -s "$scale" -o "$pre.truth.json")
	[ "$pair/$config" != profile/untraced ] || args+=(-c)
	GATE_TRACER_CPU=$TRACER_CPU
	GATE_TARGET_CPU=$BENCH_CPU
	# A run whose thread was off its CPU for part of the hot phase (another process had it) is
	# run again at once, up to PEERS_TRIES runs: the untraced runs and every traced run whose
	# thread keeps its CPU when traced alike (peers_judged), so that neither side of an overhead
	# is cleaned of the machine's contention and the other not.
	while :; do
		peers_attempt "$pair" "$config" "$program" "$pre" "${args[@]}"
		if [ -n "$run_error" ] || [ "$run_status" != 0 ] || ! peers_judged "$config" ||
			[ "$((tries += 1))" -ge "$PEERS_TRIES" ] || peers_on_cpu "$pre.truth.json"; then
			break
		fi
	done
	if [ "$config" = uftrace ] && [ -d "$PEERS_SHM/uftrace.data" ]; then
		uftrace report -d "$PEERS_SHM/uftrace.data" >"$pre.uftrace" 2>>"$pre.err" || true
		rm -rf "$PEERS_SHM/uftrace.data"
	fi
	rm -rf "$PEERS_SHM/tb-tracefunc"
	if [ -n "$run_error" ]; then
		status="failed: $config $run_error"
	elif [ "$run_status" != 0 ]; then
		status="failed: $config exited with status $run_status"
	elif ! wall=$("$OUT/tests/json_get" "$pre.truth.json" hot_wall_ns 2>/dev/null); then
		wall=
		status="failed: the workload wrote no hot_wall_ns"
	elif [ "$(jget "$pre.truth.json" requests)" != "$requests" ]; then
		status="failed: the workload handled $(jget "$pre.truth.json" requests) requests of $requests"
	fi
	if [ "$status" = ok ] && [ "$config" != untraced ]; then
		peers_counts "$config" "$pre" >"$pre.counts" 2>>"$pre.err" || true
		IFS='|' read -r status counted truth_count <<<"$(peers_check "$pair" "$config" "$pre")"
		if [ -s "$pre.result.json" ]; then
			cpu=$(jget "$pre.result.json" tracer_cpu_ns)
			lost=$(jget "$pre.result.json" lost)
			# An exact tracer must lose nothing; a sampler's lost samples (tb-vmreadv: copies
			# still torn after its retries) are reported, and its profile is of the rest.
			[ "$status" != ok ] || [ "$pair" = profile ] || [ "${lost:-0}" = 0 ] ||
				status="failed: $config lost $lost events"
		fi
	fi
	# Counts checked first: a contended run still counted what it had to.
	if [ "$status" = ok ] && peers_judged "$config" && ! peers_on_cpu "$pre.truth.json"; then
		status="failed: contended: the workload ran $(awk -v c="$(jget "$pre.truth.json" \
			hot_cpu_ns)" -v w="$wall" 'BEGIN { printf "%.2f", c / w }') of its hot phase on its CPU"
		status+=" in each of $PEERS_TRIES runs (at least $PEERS_MIN_CPU_SHARE wanted)"
	fi
	status=${status//,/;}
	if [ "$status" != ok ]; then
		{
			echo "==== round $round $pair/$config: $status"
			printf '%q ' "${peers_cmd[@]}"
			echo
			for line in "$pre".out "$pre".err "$pre".counts "$pre".strace "$pre".ltrace "$pre".uftrace \
				"$pre".result.json; do
				[ -s "$line" ] || continue
				echo "-- $(basename "$line"):"
				head -c 20000 "$line"
			done
		} >>"$RESULTS_DIR/peers_failures.txt"
	fi
	echo "$round|$pair|$config|$wall|$counted|$truth_count|$cpu|$lost|$status" >>"$TMP/peers/rows"
	rm -f "$pre.perf" "$pre.out" "$pre.result.json"
}

# peers_score: peers_raw.csv from the runs' rows, the samplers' profiles scored against the
# calibrated self_share of the untraced run of the same round
peers_score()
{
	local round pair config wall counted truth_count cpu lost status tvd pre bt m s side
	echo "round,pair,config,side,program,requests,scale,hot_wall_ns,events,events_counted," \
		"truth_count,completeness,samples,profile_samples,profile_tvd,tracer_cpu_ns,events_lost,status" |
		tr -d ' ' >"$RESULTS_DIR/peers_raw.csv"
	while IFS='|' read -r round pair config wall counted truth_count cpu lost status; do
		local program requests scale events='' samples='' psamples='' comp=''
		IFS='|' read -r _ program requests scale < <(grep "^$pair|" <<<"$PEERS_PAIRS")
		side=$(awk -F'|' -v p="$pair" -v c="$config" '$1 == p && $2 == c { print $3 }' <<<"$PEERS_CONFIGS")
		pre=$TMP/peers/$round-$pair-$config
		tvd=
		if [ "$pair" = profile ] && [ "$config" != untraced ]; then
			samples=$counted
			events=$counted
			counted=
			[ ! -s "$pre.counts" ] || psamples=$(awk '$1 == "profile_samples" { print $2 }' "$pre.counts")
			bt=$TMP/peers/$round-profile-untraced.truth.json
			# scored for a contended run too (its numbers stay out of the summary all the same)
			if [ "$status" = ok ] || [[ $status == "failed: contended"* ]]; then
				{
					for m in $RATES_METHODS; do
						s=$(jget "$bt" "methods.$m.self_share")
						[ -z "$s" ] || echo "truth $m $s"
					done
					sed -n 's/^share /sampled /p' "$pre.counts"
				} >"$pre.shares"
				tvd=$(awk "$AWK_STATS"'
				$1 == "truth" { q[$2] = $3; nq++ }
				$1 == "sampled" { p[$2] = $3; np++ }
				END { if (nq && np) { d = tvd(p, q); if (d >= 0) printf "%.6f", d } }' "$pre.shares")
				[ -n "$tvd" ] || [ "$status" != ok ] ||
					status="failed: no calibrated profile in the untraced run of round $round to score against"
			fi
		elif [ "$config" != untraced ]; then
			events=$truth_count
			[ -z "$counted" ] || [ -z "$truth_count" ] || [ "$truth_count" = 0 ] ||
				comp=$(awk -v a="$counted" -v b="$truth_count" 'BEGIN { printf "%.6f", a / b }')
		fi
		printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$round" "$pair" "$config" \
			"$side" "$program" "$requests" "$scale" "$wall" "$events" "$counted" "$truth_count" \
			"$comp" "$samples" "$psamples" "$tvd" "$cpu" "$lost" "$status" >>"$RESULTS_DIR/peers_raw.csv"
	done <"$TMP/peers/rows"
}

# peers_summarise: peers_summary.csv (one row per configuration: its medians over the rounds,
# overhead and cost per event against its pair's untraced run of the same round) and
# peers_ratios.csv (each tracebench tracer against its peer, paired per round)
peers_summarise()
{
	local skips='' key
	for key in "${!PEERS_SKIP[@]}"; do
		[ -z "${PEERS_SKIP[$key]}" ] || skips+="$key=${PEERS_SKIP[$key]//|/;}"$'\n'
	done
	# bench.sh sets UFTRACE_OPTS after sourcing this file: the uftrace command is named here
	awk -F, -v configs="${PEERS_CONFIGS//UFTRACE_OPTS/${UFTRACE_OPTS[*]}}" -v pairs="$PEERS_PAIRS" \
		-v skips="${skips//\\//}" "$AWK_STATS"'
	function q3(list, n, fmt) {
		if (!n) return ",,"
		return sprintf(fmt "," fmt "," fmt, quantile(list, n, 0.5), quantile(list, n, 0.25),
		               quantile(list, n, 0.75))
	}
	function med(list, n, fmt) { return n ? sprintf(fmt, quantile(list, n, 0.5)) : "" }
	NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	function v(name) { return $(h[name]) }
	{
		key = v("pair") "/" v("config"); r = v("round")
		runs[key]++
		if (r > nround) nround = r
		if (v("status") != "ok") { failed[key]++; if (why[key] == "") why[key] = v("status"); next }
		wall[key, r] = v("hot_wall_ns"); ev[key, r] = v("events"); comp[key, r] = v("completeness")
		smp[key, r] = v("samples"); psmp[key, r] = v("profile_samples"); tv[key, r] = v("profile_tvd")
		cpu[key, r] = v("tracer_cpu_ns"); lost[key, r] = v("events_lost")
	}
	END {
		ns = split(skips, sl, "\n")
		for (i = 1; i <= ns; i++) if (sl[i] != "") { j = index(sl[i], "="); skip[substr(sl[i], 1, j - 1)] = substr(sl[i], j + 1) }
		np = split(pairs, pl, "\n")
		for (i = 1; i <= np; i++) { split(pl[i], f, "|"); prog[f[1]] = f[2]; req[f[1]] = f[3]; sc[f[1]] = f[4] }
		print "pair,config,side,program,requests,scale,rounds,runs_failed,median_hot_wall_ns," \
		      "overhead_pct,overhead_p25_pct,overhead_p75_pct,cost_ns_per_event," \
		      "cost_p25_ns_per_event,cost_p75_ns_per_event,events,completeness,samples," \
		      "profile_samples,profile_tvd,profile_tvd_p25,profile_tvd_p75,tracer_cpu_ns,events_lost,status,command," \
		      "description"
		nc = split(configs, cl, "\n")
		for (c = 1; c <= nc; c++) {
			split(cl[c], f, "|")
			p = f[1]; key = p "/" f[2]; base = p "/untraced"
			delete W; delete O; delete C; delete E; delete M; delete S; delete PS; delete T; delete U
			delete L
			nw = no = ncost = ne = nm = nsm = nps = nt = nu = nl = 0
			for (r = 1; r <= nround; r++) {
				if (!((key, r) in wall)) continue
				W[++nw] = wall[key, r]
				if (ev[key, r] != "") E[++ne] = ev[key, r]
				if (comp[key, r] != "") M[++nm] = comp[key, r]
				if (smp[key, r] != "") S[++nsm] = smp[key, r]
				if (psmp[key, r] != "") PS[++nps] = psmp[key, r]
				if (tv[key, r] != "") T[++nt] = tv[key, r]
				if (cpu[key, r] != "") U[++nu] = cpu[key, r]
				if (lost[key, r] != "") L[++nl] = lost[key, r]
				if (f[3] == "untraced" || !((base, r) in wall) || wall[base, r] <= 0) continue
				O[++no] = (wall[key, r] / wall[base, r] - 1) * 100
				if (ev[key, r] > 0) C[++ncost] = (wall[key, r] - wall[base, r]) / ev[key, r]
			}
			if (key in skip) status = skip[key]
			else if (!runs[key]) status = "no data: not run"
			else if (!nw) status = "failed: " failed[key] " of " runs[key] " runs; the first: " why[key]
			else if (failed[key]) status = "failed: " failed[key] " of " runs[key] " runs (peers_failures.txt)"
			else if (f[3] != "untraced" && !no)
				status = "no data: no round with an untraced run of " p " to set it against (" \
				         (failed[base] ? why[base] : "none ran") ")"
			else status = "ok"
			gsub(/,/, ";", status)
			desc = f[5]; gsub(/"/, "\"\"", desc)
			cmd = f[4]; gsub(/"/, "\"\"", cmd)
			printf "%s,%s,%s,%s,%s,%s,%d,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,\"%s\",\"%s\"\n", p, f[2],
			       f[3], prog[p], req[p], sc[p], nw, failed[key], med(W, nw, "%.0f"),
			       q3(O, no, "%.3f"), q3(C, ncost, "%.1f"), med(E, ne, "%.0f"), med(M, nm, "%.6f"),
			       med(S, nsm, "%.0f"), med(PS, nps, "%.0f"), q3(T, nt, "%.6f"), med(U, nu, "%.0f"), med(L, nl, "%.0f"),
			       status, cmd, desc
		}
	}' "$RESULTS_DIR/peers_raw.csv" >"$RESULTS_DIR/peers_summary.csv"

	awk -F, -v ratios="$PEERS_RATIOS" -v rounds="$PEERS_ROUNDS" "$AWK_STATS$PEERS_AWK_COLUMNS"'
	FILENAME ~ /peers_summary/ {
		key = v("pair") "/" v("config")
		cost[key] = v("cost_ns_per_event"); over[key] = v("overhead_pct")
		comp[key] = v("completeness"); tv[key] = v("profile_tvd"); st[key] = v("status")
		next
	}
	v("status") == "ok" {
		key = v("pair") "/" v("config")
		wall[key, v("round")] = v("hot_wall_ns"); ev[key, v("round")] = v("events")
	}
	function c(key, r,    b) {
		b = substr(key, 1, index(key, "/")) "untraced"
		if (!((key, r) in wall) || !((b, r) in wall) || ev[key, r] <= 0) { ok = 0; return 0 }
		return (wall[key, r] - wall[b, r]) / ev[key, r]
	}
	END {
		print "pair,tracer,peer,tracer_cost_ns_per_event,peer_cost_ns_per_event,tracer_overhead_pct," \
		      "peer_overhead_pct,ratio_to_peer,paired_median,paired_p25,paired_p75,rounds,rounds_paired," \
		      "tracer_completeness,peer_completeness,tracer_profile_tvd,peer_profile_tvd,status"
		nr = split(ratios, rl, "\n")
		for (i = 1; i <= nr; i++) {
			split(rl[i], f, "|")
			a = f[1] "/" f[2]; b = f[1] "/" f[3]
			# a round pairs when both sides ran ok beside a baseline and both costs are above 0 (a
			# ratio of costs at or below 0 means nothing); too few pairing rounds: no ratio
			n = both = 0
			for (r = 1; r <= rounds; r++) {
				ok = 1; x = c(a, r); y = c(b, r)
				if (ok) both++
				if (ok && x > 0 && y > 0) q[++n] = x / y
			}
			value = pm = p25 = p75 = ""
			if (!usable(st[a])) status = st[a] ~ /^skipped/ ? st[a] : "no data: " f[2] " " st[a]
			else if (!usable(st[b])) status = st[b] ~ /^skipped/ ? st[b] : "no data: " f[3] " " st[b]
			else if (cost[a] <= 0 || cost[b] <= 0)
				status = "no data: a cost per event within noise (" cost[a] " and " cost[b] " ns)"
			else if (2 * n < rounds)
				status = "no data: only " n " of " rounds " rounds pair (" both " with both sides" \
				         " measured; in the others a cost at or below 0: within noise)"
			else {
				status = "ok"
				value = sprintf("%.4f", cost[a] / cost[b])
				pm = sprintf("%.4f", quantile(q, n, 0.5)); p25 = sprintf("%.4f", quantile(q, n, 0.25))
				p75 = sprintf("%.4f", quantile(q, n, 0.75))
			}
			gsub(/,/, ";", status)
			printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%d,%s,%s,%s,%s,%s\n", f[1], f[2], f[3],
			       cost[a], cost[b], over[a], over[b], value, pm, p25, p75, rounds, n, comp[a], comp[b],
			       tv[a], tv[b], status
		}
	}' "$RESULTS_DIR/peers_summary.csv" "$RESULTS_DIR/peers_raw.csv" >"$RESULTS_DIR/peers_ratios.csv"
}

# peers_run: the rounds (each pair's runs in a block beside its untraced run, the blocks and the
# runs within them rotated each round), then peers_raw.csv, peers_summary.csv, peers_ratios.csv
peers_run()
{
	local list pair config side n
	rm -rf "$TMP/peers"
	mkdir -p "$TMP/peers"
	: >"$TMP/peers/rows"
	list=
	while IFS='|' read -r pair config side _; do
		[ -z "${PEERS_SKIP[$pair/$config]:-}" ] || continue
		list+="$pair|$config"$'\n'
	done <<<"$PEERS_CONFIGS"
	list=${list%$'\n'}
	n=$(wc -l <<<"$list")
	total=$((PEERS_ROUNDS * n))
	echo "bench: peers side by side: $PEERS_ROUNDS interleaved rounds of $n runs (5 pairs, each" \
		"beside its untraced run), workload on CPU $BENCH_CPU, tracers and peers on CPU $TRACER_CPU" >&2
	run_rounds "$PEERS_ROUNDS" "$list" 2 peers_one 1
	peers_score
	peers_summarise
}

# peers_report: the section's part of REPORT.md: per pair a table, the ratios, and why
peers_report()
{
	local pair program requests scale
	echo "## Peers side by side: bpftrace, perf, strace, gdb, ltrace, uftrace"
	echo
	cat <<EOF
Each tracebench tracer beside the established tool that does the same job, on the same workload
configuration, in the same $PEERS_ROUNDS interleaved round(s): each pair's runs in a block beside
the untraced run of its binary (the blocks' order and the order within each rotated every round).
Every run gated: the tracer or peer (on CPU $TRACER_CPU) starts the workload, attaches, and only
then is the workload moved to CPU $BENCH_CPU and released into its hot phase, whose wall time
(\`hot_wall_ns\`) is the measure. Overhead: against the untraced run of the same round; cost per
event: the time added over the events (samplers: over every sample taken, whether or not a method
was on the stack; the profile is of those with one). What each side saw is
checked against the workload's truth file: the counts must be exact (system calls: the whole
process's, at least the hot phase's $((2 * PEERS_SYSCALL_REQUESTS)) and at most
$PEERS_SYSCALL_SLACK more, the loader's), a profile is scored by its total variation distance
(TVD) to the true one, calibrated by the untraced run (\`-c\`). A run whose thread was on its CPU
less than $PEERS_MIN_CPU_SHARE of its hot phase (another process had it) is run again, up to
$PEERS_TRIES runs, then fails as contended: the untraced runs and the traced alike, so that neither
side of an overhead is cleaned of the machine's contention and the other not; but for the
ptrace-based tracers and peers (syscall and break pairs), whose thread is off its CPU at every stop,
so that contention cannot be told from a stop: their runs are kept as they come, and their costs
may carry contention that their baselines were cleaned of (upward only; their ratios to each other
are treated alike). A ratio needs at least half the rounds to pair (both costs above 0). The
workloads:
EOF
	echo
	while IFS='|' read -r pair program requests scale; do
		echo "- $pair: \`$program -q -t 1 -r $requests -s $scale\`"
	done <<<"$PEERS_PAIRS"
	echo
	echo "| pair | tracer or peer | command | overhead % (p25 – p75) | cost per event ns (p25 – p75) | events | completeness | profile TVD | status |"
	echo "|---|---|---|---:|---:|---:|---:|---:|---|"
	awk -F, "$(cat "$HARNESS/csv.awk")"'
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		n = csv_split($0, f)
		cmd = f[col["command"]]
		who = f[col["side"]] == "peer" ? f[col["config"]] " (peer)" : f[col["config"]]
		o = f[col["overhead_pct"]] == "" ? "" : sprintf("%+.1f (%+.1f – %+.1f)", f[col["overhead_pct"]],
		    f[col["overhead_p25_pct"]], f[col["overhead_p75_pct"]])
		c = f[col["cost_ns_per_event"]] == "" ? "" : sprintf("%.0f (%.0f – %.0f)", f[col["cost_ns_per_event"]],
		    f[col["cost_p25_ns_per_event"]], f[col["cost_p75_ns_per_event"]])
		e = f[col["events"]]
		if (f[col["samples"]] != "")
			e = f[col["samples"]] " samples (" f[col["profile_samples"]] " with a method)"
		printf "| %s | %s | `%s` | %s | %s | %s | %s | %s | %s |\n", f[col["pair"]], who, cmd, o, c, e,
		       f[col["completeness"]], f[col["profile_tvd"]], f[col["status"]]
	}' "$RESULTS_DIR/peers_summary.csv"
	echo
	echo "Each tracebench tracer against its peer: the ratio of their costs per event (below 1:"
	echo "tracebench's is the cheaper), of the medians and paired (the median of the rounds' ratios)."
	echo
	echo "| tracebench | peer | cost per event ns | ratio to peer | paired median (p25 – p75) | rounds paired | completeness | profile TVD | status |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
	awk -F, '
	NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	function v(name) { return $(h[name]) }
	{
		printf "| %s | %s | %s vs %s | %s | %s | %s of %s | %s | %s | %s |\n", v("tracer"), v("peer"),
		       v("tracer_cost_ns_per_event"), v("peer_cost_ns_per_event"),
		       (v("ratio_to_peer") == "" ? "" : sprintf("%.3fx", v("ratio_to_peer"))),
		       (v("paired_median") == "" ? "" : sprintf("%.3fx (%.3f – %.3f)", v("paired_median"),
		        v("paired_p25"), v("paired_p75"))), v("rounds_paired"), v("rounds"),
		       (v("tracer_completeness") v("peer_completeness") == "" ? "" : \
		        v("tracer_completeness") " vs " v("peer_completeness")),
		       (v("tracer_profile_tvd") == "" ? "" : v("tracer_profile_tvd") " vs " v("peer_profile_tvd")),
		       v("status")
	}' "$RESULTS_DIR/peers_ratios.csv"
	echo
	peers_findings
	echo
}

# peers_findings: the paragraph on why the pairs come out as they do, in this run's numbers; a
# comparison's explanation only when both of its sides have numbers, a cost only called one when
# it lies outside the spread between rounds
peers_findings()
{
	awk -F, -v hz="$PEERS_RATE_HZ" "$PEERS_AWK_COLUMNS"'
	FILENAME ~ /peers_summary/ {
		key = v("pair") "/" v("config"); cost[key] = v("cost_ns_per_event"); over[key] = v("overhead_pct")
		op25[key] = v("overhead_p25_pct"); op75[key] = v("overhead_p75_pct"); nr[key] = v("rounds")
		tv[key] = v("profile_tvd"); st[key] = v("status"); psmp[key] = v("profile_samples")
		next
	}
	{
		k = v("pair") "/" v("tracer") "/" v("peer")
		r[k] = v("paired_median") != "" ? v("paired_median") : v("ratio_to_peer"); rst[k] = v("status")
	}
	# ok(K): whether configuration K has numbers (from most of its rounds)
	function ok(k) { return usable(st[k]) && cost[k] != "" }
	# ns(K): the cost per event of configuration K, readable
	function ns(k,    c) {
		if (!ok(k)) return "no number (" (st[k] == "" ? "not run" : st[k]) ")"
		c = cost[k] + 0
		return c >= 10000 ? sprintf("%.0f us", c / 1000) : sprintf("%.0f ns", c)
	}
	# x(K): the paired ratio of pair/tracer/peer K, readable
	function x(k) {
		if ((k in r) && r[k] != "") return sprintf("%.2fx", r[k])
		return "no ratio (" (rst[k] == "" ? "not run" : rst[k]) ")"
	}
	# has(K): whether pair/tracer/peer K has a ratio
	function has(k) { return (k in r) && r[k] != "" }
	# without(A, B): why configurations A and B cannot be compared in this run
	function without(a, b) {
		return sprintf("No comparison in this run: %s %s, %s %s.\n", substr(a, index(a, "/") + 1),
		               ok(a) ? "has numbers" : "has " ns(a), substr(b, index(b, "/") + 1),
		               ok(b) ? "has numbers" : "has " ns(b))
	}
	# pct(K): the overhead of K with its spread between rounds, and what it says against it
	function pct(k) {
		if (!ok(k) || over[k] == "") return "no number"
		return sprintf("%+.1f%% (%+.1f – %+.1f), %s", over[k], op25[k], op75[k], noise(k))
	}
	# noise(K): what the overhead of K says against its spread between rounds
	function noise(k) {
		if (nr[k] < 3) return "too few rounds (" nr[k] ") to tell from the noise between runs"
		if (op25[k] <= 0 && op75[k] >= 0) return "0 within its spread between rounds: no cost measurable"
		if (op25[k] > 0) return sprintf("a cost: above 0 in at least three rounds of four (p25 %+.1f%%)", op25[k])
		return sprintf("below untraced in most rounds (p75 %+.1f%%): the untraced runs were the slower", op75[k])
	}
	function t3(k) { return tv[k] == "" ? "?" : sprintf("%.3f", tv[k]) }
	# near(K): whether the paired ratio K lies within 0.8 to 1.25
	function near(k) { return has(k) && r[k] >= 0.8 && r[k] <= 1.25 }
	END {
		printf "Why it comes out this way. **USDT counting**: tb-usdt and bpftrace pay for the same\n"
		printf "thing, a uprobe on each method-entry site (an int3 trap, or a call where the kernel\n"
		printf "optimises the 5-byte nop) that runs a BPF program adding one to a map entry keyed by the\n"
		printf "method id. "
		if (!ok("usdt/tb-usdt") || !ok("usdt/bpftrace"))
			printf "%s", without("usdt/tb-usdt", "usdt/bpftrace")
		else {
			printf "%s against %s per event, tb-usdt at %s of bpftrace. ", ns("usdt/tb-usdt"),
			       ns("usdt/bpftrace"), x("usdt/tb-usdt/bpftrace")
			if (!has("usdt/tb-usdt/bpftrace"))
				printf "\n"
			else if (near("usdt/tb-usdt/bpftrace"))
				printf "About the same, as the same mechanism should be.\n"
			else
				printf "The mechanism is the same; what differs is the program each generates (bpftrace:\n" \
				       "a per-CPU map and its own reading of the argument) and how many hits each run spends\n" \
				       "at a site before the kernel optimises it (a short run weighs those more).\n"
		}
		printf "**Sampling at %d Hz**: perf'"'"'s cpu-clock event is an hrtimer in the kernel that records the\n", hz
		printf "interrupted task'"'"'s frame-pointer chain without the task noticing; tb-signal sends a SIGPROF\n"
		printf "whose handler copies the in-memory stack; tb-vmreadv reads that stack from the other CPU.\n"
		printf "Their overheads, median (p25 – p75 over the rounds): perf %s; tb-signal %s;\n" \
		       "tb-vmreadv %s. ", pct("profile/perf"), pct("profile/tb-signal"), pct("profile/tb-vmreadv")
		if (ok("profile/perf"))
			printf "Per sample taken, against perf'"'"'s: tb-signal %s, tb-vmreadv %s. ",
			       x("profile/tb-signal/perf"), x("profile/tb-vmreadv/perf")
		if (tv["profile/perf"] != "" || tv["profile/tb-signal"] != "" || tv["profile/tb-vmreadv"] != "")
			printf "What they see: the profile'"'"'s TVD to the true one is %s (perf), %s (tb-signal), %s\n" \
			       "(tb-vmreadv), over %s, %s and %s samples with a method on the stack, where sampling noise\n" \
			       "alone is of order 0.5 sqrt(k / n) for k methods and n samples.\n", t3("profile/perf"),
			       t3("profile/tb-signal"), t3("profile/tb-vmreadv"), psmp["profile/perf"] + 0,
			       psmp["profile/tb-signal"] + 0, psmp["profile/tb-vmreadv"] + 0
		else
			printf "No profile was scored in this run.\n"
		if (tv["profile/tb-vmreadv"] != "" && tv["profile/tb-signal"] != "" &&
		    tv["profile/tb-vmreadv"] > 1.5 * tv["profile/tb-signal"])
			printf "tb-vmreadv'"'"'s is the farther: its wall-clock schedule reads the stack whenever its\n" \
			       "timer fires, the workload running or not, and a copy torn by the workload'"'"'s own\n" \
			       "update is read again and, still torn, left out; the CPU-time clocks of perf and\n" \
			       "tb-signal fire only while the thread runs, at the instruction it is at.\n"
		printf "**System calls**: tb-ptrace syscall and strace -c are one mechanism, a ptrace stop at each\n"
		printf "call'"'"'s entry and exit, each a round trip through the scheduler to the tracer on the other\n"
		printf "CPU. "
		if (ok("syscall/tb-ptrace-syscall") && ok("syscall/strace"))
			printf "%s against %s per call (%s). ", ns("syscall/tb-ptrace-syscall"), ns("syscall/strace"),
			       x("syscall/tb-ptrace-syscall/strace")
		else
			printf "%s", without("syscall/tb-ptrace-syscall", "syscall/strace")
		printf "With a seccomp-bpf filter the kernel stops only at the chosen calls (and both tools then\n"
		printf "still take the exit stop); the hot phase makes no other calls, so here the filter has nothing\n"
		printf "to skip. "
		if (ok("syscall/tb-ptrace-seccomp") && ok("syscall/strace-seccomp"))
			printf "%s against %s (%s).\n", ns("syscall/tb-ptrace-seccomp"), ns("syscall/strace-seccomp"),
			       x("syscall/tb-ptrace-seccomp/strace-seccomp")
		else
			printf "%s", without("syscall/tb-ptrace-seccomp", "syscall/strace-seccomp")
		printf "**Breakpoints**: tb-ptrace break takes one stop per hit and executes the replaced\n"
		printf "instruction out of line: %s per call of query. ", ns("break/tb-ptrace-break")
		if (ok("break/tb-ptrace-break") && (ok("break/gdb-break") || ok("break/gdb-dprintf"))) {
			printf "gdb takes the same trap but, in its all-stop mode, stops\n"
			printf "every thread, reads the registers, runs the commands, then puts the original byte back,\n"
			printf "single-steps it and re-inserts the breakpoint: %s (break and commands, tb-ptrace at\n",
			       ns("break/gdb-break")
			printf "%s of it) and %s (dprintf, %s). ", x("break/tb-ptrace-break/gdb-break"),
			       ns("break/gdb-dprintf"), x("break/tb-ptrace-break/gdb-dprintf")
		} else
			printf "%s", without("break/tb-ptrace-break", "break/gdb-break")
		if (ok("break/tb-ptrace-break") && ok("break/ltrace"))
			printf "ltrace -c also stops at the return address to time the call, single-stepping over\n" \
			       "both: %s (%s).\n", ns("break/ltrace"), x("break/tb-ptrace-break/ltrace")
		else
			printf "%s", without("break/tb-ptrace-break", "break/ltrace")
		printf "**Per-call hooks**: tb-tracefunc count adds one to a per-thread counter, log writes a\n"
		printf "16-byte record with the TSC to a per-thread ring: %s and %s per call. ",
		       ns("tracefunc/tb-tracefunc-count"), ns("tracefunc/tb-tracefunc-log")
		if (ok("tracefunc/uftrace") && (ok("tracefunc/tb-tracefunc-count") || ok("tracefunc/tb-tracefunc-log")))
			printf "uftrace record\n(libmcount, through the same compiler hooks) keeps its own stack of" \
			       " the calls per thread,\nreads clock_gettime at entry and exit and writes its records to" \
			       " buffers that a recorder\ndrains: %s (log at %s of it, count at %s).\n",
			       ns("tracefunc/uftrace"), x("tracefunc/tb-tracefunc-log/uftrace"),
			       x("tracefunc/tb-tracefunc-count/uftrace")
		else
			printf "%s", without("tracefunc/tb-tracefunc-log", "tracefunc/uftrace")
	}' "$RESULTS_DIR/peers_summary.csv" "$RESULTS_DIR/peers_ratios.csv"
}
