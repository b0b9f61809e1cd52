#!/usr/bin/env bash
# signal.t - tb-signal record: the sampled profile (native and in-memory) against the calibrated
# one, a known proportion from native stacks alone, no EINTR for the workload, a full buffer
# counted, achieved and asked rates, programs that are not the workload (and a static one),
# folded output, the command's exit status, bad input
. "$(dirname "$0")/lib.sh"
S=$OUT/tb-signal
W=$OUT/workload

[ "$(id -u)" = 0 ] || skip_all "written for root, like the other technique tests"
command -v cc >/dev/null || skip_all "no C compiler (cc): the test builds its own programs"

# tvd RESULT KEY: the total-variation distance between RESULT's KEY (profile: native leaf
# functions; method_profile: leaf methods) and calibrated.json's self shares. Shares of leaves
# that are not methods (a libc function, [vdso], an unnamed address) count as distance.
tvd()
{
	for m in $(json_field "$TEST_TMP/calibrated.json" methods); do
		echo "$m $(result "$1" "$2.$m" 2>/dev/null || echo 0)" \
			"$(result "$TEST_TMP/calibrated.json" "methods.$m.self_share" 2>/dev/null || echo 0)"
	done | awk '{ P[$1] = $2; Q[$1] = $3; sp += $2; sq += $3 }
		END { for (m in P) { x = P[m] - Q[m] / sq; d += x < 0 ? -x : x }
		      d += 1 - sp; print d / 2 }'
}

# is_number_below X LIMIT: X is a number (not empty, not "nan") and X < LIMIT
is_number_below()
{
	awk -v x="$1" -v l="$2" 'BEGIN { exit !(x ~ /^[0-9.]+(e-?[0-9]+)?$/ && x < l) }'
}

# between X LO HI: LO <= X <= HI (numbers, fractions allowed)
between()
{
	awk -v x="$1" -v lo="$2" -v hi="$3" \
		'BEGIN { exit !(x ~ /^[0-9.]+(e[-+]?[0-9]+)?$/ && x >= lo && x <= hi) }'
}

# count_sum RESULT: the sum of RESULT's counts (keys may hold dots: libc.so.6+0x...)
count_sum()
{
	local k
	for k in $(result "$1" counts); do
		result "$1" "counts.${k//./\\.}"
	done | awk '{ s += $1 } END { print s + 0 }'
}

# folded_check FILE: "SUM BAD" of a folded file: the counts' sum, and the lines that are not
# "frame;frame COUNT" (a positive count, no empty frame) or repeat a stack
folded_check()
{
	awk 'NF != 2 || $2 !~ /^[1-9][0-9]*$/ || $1 ~ /(^;|;;|;$)/ { bad++ } { n += $2; seen[$1]++ }
		END { for (s in seen) if (seen[s] > 1) bad++; print n + 0, bad + 0 }' "$1"
}

# ---- 1. The workload's profile against the calibrated truth, folded output ---------------------

# Two workers at scale 1000 for about 4.5 s of wall time: some 9 s of CPU, 2,200 samples at the
# 250 Hz tick. Over 10 runs on the noisy 2-CPU VM the distance was 0.008 to 0.016 for the native
# profile (every leaf counted) and 0.006 to 0.012 for the method profile.
CAL=(-r 4800 -t 2 -s 1000)
"$W" -q "${CAL[@]}" -c -o "$TEST_TMP/calibrated.json"
timeout -s KILL 60 "$S" record -F 250 -o "$TEST_TMP/r.json" --folded "$TEST_TMP/native.folded" \
	--folded-methods "$TEST_TMP/methods.folded" -- "$W" -q "${CAL[@]}" -o "$TEST_TMP/t.json" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"
is "$? $(wc -c <"$TEST_TMP/err")" "0 0" \
	"record -F 250 -- workload ${CAL[*]}: exit 0, nothing on stderr"
samples=$(result "$TEST_TMP/r.json" samples)
[ "${samples:-0}" -ge 2000 ]
ok $? "-F 250: at least 2,000 samples ($samples)"
d=$(tvd "$TEST_TMP/r.json" profile)
dm=$(tvd "$TEST_TMP/r.json" method_profile)
diag "total-variation distance to the calibrated self shares: native leaf functions $d," \
	"leaf methods $dm ($samples samples, $(result "$TEST_TMP/r.json" method_samples) with a method," \
	"$(result "$TEST_TMP/r.json" torn) torn)"
is_number_below "$d" 0.05
ok $? "profile (native leaf functions, every other leaf counted against it) within 0.05 ($d)"
is_number_below "$dm" 0.05
ok $? "method_profile (the in-memory stack's leaf) within 0.05 ($dm)"
is "$(count_sum "$TEST_TMP/r.json")" "$samples" "the leaf counts add up to the samples"
is "$(result "$TEST_TMP/r.json" technique mode lost buffer_full no_buffer | tr '\n' ' ')" \
	"signal cpu 0 0 0 " "the result names the technique and mode; nothing lost"
truth_counts "$TEST_TMP/t.json" | cmp -s <(truth_counts "$TEST_TMP/calibrated.json") -
ok $? "the sampled workload did exactly the work of the calibrated one (truth counts equal)"

# Folded stacks: native ones root first, through the workload's real C functions; the in-memory
# ones are paths of the call tree (bad_paths, with the method ids of the truth file).
is "$(folded_check "$TEST_TMP/native.folded")" "$samples 0" \
	"--folded: 'frame;frame COUNT' lines, one per stack, counts adding up to the samples"
grep -q ';handle_request;render;render_row;escape [0-9]*$' "$TEST_TMP/native.folded"
ok $? "--folded: the native stacks reach the deepest path, handle_request;render;render_row;escape"
is "$(folded_check "$TEST_TMP/methods.folded")" \
	"$(result "$TEST_TMP/r.json" method_samples) 0" \
	"--folded-methods: well formed, counts adding up to method_samples"
for m in $(json_field "$TEST_TMP/calibrated.json" methods); do
	echo "method $(result "$TEST_TMP/calibrated.json" "methods.$m.id") $m"
done >"$TEST_TMP/methods.ids"
awk 'NR == FNR { id[$3] = $2; next }
	{ n = split($1, f, ";"); ids = ""
	  for (i = 1; i <= n; i++) ids = ids (i > 1 ? "," : "") (f[i] in id ? id[f[i]] : "x" f[i])
	  print "s 0 0 " ids }' "$TEST_TMP/methods.ids" "$TEST_TMP/methods.folded" |
	cat "$TEST_TMP/methods.ids" - >"$TEST_TMP/methods.raw"
is "$(bad_paths "$TEST_TMP/methods.raw" | head -3 | tr '\n' ' ')" "" \
	"--folded-methods: every in-memory stack is a path of the call tree"

# ---- 2. A program of the test's own: a known proportion from native stacks alone ---------------

# light() does 1 unit, heavy() 3 units of the same loop, alternating; 2 threads for 3 s. Over
# 10 runs light's share of the two was 0.245 to 0.262 (1,500 samples: one sigma is 0.011).
cat >"$TEST_TMP/ratio.c" <<'EOF'
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#define UNIT 100000
static volatile uint64_t sink;
static double secs;
void light(void)
{
	uint64_t x = sink;
	for (long i = 0; i < 1 * UNIT; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}
void heavy(void)
{
	uint64_t x = sink;
	for (long i = 0; i < 3 * UNIT; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}
static void *run(void *arg)
{
	struct timespec t0, t;
	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 20; i++) {
			light();
			heavy();
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	return NULL;
}
/* ratio SECONDS THREADS [STATUS] */
int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 1;
	pthread_t th[16];
	secs = argc > 1 ? atof(argv[1]) : 3;
	for (int i = 1; i < n && i < 16; i++)
		pthread_create(&th[i], NULL, run, NULL);
	run(NULL);
	for (int i = 1; i < n && i < 16; i++)
		pthread_join(th[i], NULL);
	return argc > 3 ? atoi(argv[3]) : 0;
}
EOF
RATIO=$TEST_TMP/ratio
cc -O1 -fno-omit-frame-pointer -fno-inline -pthread "$TEST_TMP/ratio.c" -o "$RATIO"
ok $? "cc -O1 -fno-omit-frame-pointer -fno-inline: the test's own program builds"
readelf -l "$RATIO" | grep -q 'Requesting program interpreter'
ok $? "... dynamically linked (it has a program interpreter)"
rm -f "$TEST_TMP/r.json"
timeout -s KILL 30 "$S" record -F 250 -o "$TEST_TMP/r.json" -- "$RATIO" 3 2 >"$TEST_TMP/out" \
	2>"$TEST_TMP/err"
ok $? "record -F 250 -- ratio 3 2: exit 0"
read -r light heavy samples < <(result "$TEST_TMP/r.json" counts.light counts.heavy samples |
	tr '\n' ' ')
share=$(awk -v l="${light:-0}" -v h="${heavy:-0}" 'BEGIN { if (l + h) printf "%.4f", l / (l + h) }')
diag "light $light, heavy $heavy of $samples samples: light's share of the two $share (1:3 is 0.25)"
between "$share" 0.20 0.30
ok $? "light's share of light + heavy within 5 points of 0.25 ($share)"
[ $(((${light:-0} + ${heavy:-0}) * 100)) -ge $((95 * ${samples:-1})) ]
ok $? "light and heavy are at least 95% of all samples (the rest: the loop in run, the clock)"
grep -q '^ *[0-9]* *[0-9.]*%  heavy$' "$TEST_TMP/out"
ok $? "the summary prints heavy among the leaf functions"
! result "$TEST_TMP/r.json" method_profile >/dev/null 2>&1
ok $? "no in-memory stack in this program: no method_profile in the result"

# ---- 3. Other programs: a shell, and a statically linked one -----------------------------------

# bash: a busy loop in the shell itself.
# shellcheck disable=SC2016 # expanded by the shell under test
LOOP='i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo done $i'
rm -f "$TEST_TMP/r.json"
timeout -s KILL 30 "$S" record -F 250 -o "$TEST_TMP/r.json" -- bash -c "$LOOP" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
is "$rc $(grep -c '^done 100000$' "$TEST_TMP/out")" "0 1" \
	"record -- bash -c 'a busy loop': exit 0, the loop ran"
[ "$(result "$TEST_TMP/r.json" samples 2>/dev/null || echo 0)" -gt 0 ]
ok $? "record -- bash -c: samples taken ($(result "$TEST_TMP/r.json" samples 2>/dev/null))"

# /bin/sh (dash here): the same loop. dash leaves by _exit(), whatever the script does.
rm -f "$TEST_TMP/r.json"
timeout -s KILL 30 "$S" record -F 250 -o "$TEST_TMP/r.json" -- /bin/sh -c "$LOOP" \
	>"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
is "$rc $(grep -c '^done 100000$' "$TEST_TMP/out")" "0 1" \
	"record -- /bin/sh -c 'a busy loop' ($(readlink -f /bin/sh)): exit 0, the loop ran"
sed 's/^/#   stderr: /' "$TEST_TMP/err"
[ "$(result "$TEST_TMP/r.json" samples 2>/dev/null || echo 0)" -gt 0 ]
ok $? "record -- /bin/sh -c: samples taken"

# A statically linked program ignores LD_PRELOAD: the tool must say so, not report nothing.
if cc -static -O1 -fno-omit-frame-pointer -fno-inline -pthread "$TEST_TMP/ratio.c" \
	-o "$TEST_TMP/ratio-static" 2>"$TEST_TMP/cc.err"; then
	rejected "record -- a statically linked program" "statically linked" \
		timeout -s KILL 30 "$S" record -F 250 -- "$TEST_TMP/ratio-static" 0.2 1
else
	skip "cc -static fails here (no static C library?): $(head -1 "$TEST_TMP/cc.err")" \
		"a statically linked program named as such"
fi

# ---- 4. The workload's system calls never fail with EINTR --------------------------------------

# pread64 and writev on regular files, futexes for the threads; a signal every millisecond of
# CPU (capped at the tick) and of real time, to every thread, main included.
"$W" -q -r 3000 -t 2 -s 200 -o "$TEST_TMP/base.json"
for opts in "-F 1000" "--wall -F 1000"; do
	rm -f "$TEST_TMP/r.json" "$TEST_TMP/t.json"
	# shellcheck disable=SC2086
	timeout -s KILL 60 "$S" record $opts -o "$TEST_TMP/r.json" -- "$W" -q -r 3000 -t 2 -s 200 \
		-o "$TEST_TMP/t.json" >/dev/null 2>"$TEST_TMP/err"
	ok $? "record $opts -- workload -r 3000 -t 2 -s 200: exit 0"
	is "$(result "$TEST_TMP/t.json" syscall_errors)" 0 \
		"record $opts: the workload saw no failed system call (syscall_errors 0)"
	truth_counts "$TEST_TMP/t.json" | cmp -s <(truth_counts "$TEST_TMP/base.json") -
	ok $? "record $opts: the truth's counts equal an unsampled run's"
	diag "record $opts: $(result "$TEST_TMP/r.json" samples) samples," \
		"$(result "$TEST_TMP/r.json" achieved_hz) Hz achieved"
done

# ---- 5. A full buffer is counted, not silent ---------------------------------------------------

# 4 KiB per thread holds a few dozen samples; 2 threads for 2 s at 250 Hz of CPU time ask for
# about 1,000. Every expiry is a sample, a loss or an overrun.
rm -f "$TEST_TMP/r.json"
timeout -s KILL 60 "$S" record -F 250 --buffer-kb 4 -o "$TEST_TMP/r.json" -- "$W" -q -d 2 -t 2 \
	-s 200 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
ok $? "record -F 250 --buffer-kb 4 -- workload -d 2 -t 2: exit 0"
read -r samples full nobuf lost over cpu ach < <(result "$TEST_TMP/r.json" samples buffer_full \
	no_buffer lost overruns thread_cpu_ns achieved_hz | tr '\n' ' ')
diag "--buffer-kb 4: $samples samples, $full buffer full, $over overruns," \
	"$((cpu / 1000000)) ms of thread CPU, achieved $ach Hz"
[ "${full:-0}" -gt 0 ] && [ "$lost" -eq $((full + nobuf)) ]
ok $? "--buffer-kb 4: the full buffer counted ($full), in lost too ($lost)"
[ "${samples:-999}" -lt 200 ]
ok $? "--buffer-kb 4: only a few dozen samples per thread kept ($samples)"
between "$(awk -v n=$((samples + full + over)) -v c="$cpu" 'BEGIN { print n / (c / 1e9) }')" 200 265
ok $? "--buffer-kb 4: samples + buffer_full + overruns come to about 250 per CPU second"
between "$(awk -v a="$ach" -v s="$samples" -v c="$cpu" 'BEGIN { print a * c / 1e9 / s }')" 0.98 1.02
ok $? "--buffer-kb 4: achieved_hz ($ach) is the kept samples' rate, not the asked one"
grep -q "lost: $full buffer full" "$TEST_TMP/out"
ok $? "--buffer-kb 4: the summary line prints the loss ($(head -1 "$TEST_TMP/out"))"

# ---- 6. Asked and achieved rates ---------------------------------------------------------------

# rates OPTS... -- COMMAND: one record; sets samples over ach cpu threads
rates()
{
	rm -f "$TEST_TMP/r.json"
	timeout -s KILL 30 "$S" record -o "$TEST_TMP/r.json" "$@" >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	read -r samples over ach cpu threads < <(result "$TEST_TMP/r.json" samples overruns \
		achieved_hz thread_cpu_ns threads | tr '\n' ' ')
}

# CPU-time timers are checked at the 250 Hz tick: -F 250 is reached, -F 1000 is not, and the
# expirations between two ticks are merged into one signal and counted as overruns (late).
rates -F 250 -- "$RATIO" 1.5 2
diag "-F 250, 2 threads: $samples samples, $ach Hz achieved, $over overruns"
between "$ach" 200 262
ok $? "-F 250 (CPU time): achieved_hz close to 250 ($ach)"
rates -F 1000 -- "$RATIO" 1.5 2
late=$(result "$TEST_TMP/r.json" late)
diag "-F 1000, 2 threads: $samples samples, $ach Hz achieved, $over overruns" \
	"(CPU-time timers fire at most at the tick, CONFIG_HZ: 250 here)"
between "$ach" 150 300
ok $? "-F 1000 (CPU time): achieved_hz capped near the 250 Hz tick ($ach)"
[ "${over:-0}" -gt 0 ] && [ "$late" = "$over" ]
ok $? "-F 1000 (CPU time): the merged expirations counted as overruns and late ($over)"
between "$(awk -v n=$((samples + over)) -v c="$cpu" 'BEGIN { print n / (c / 1e9) }')" 850 1100
ok $? "-F 1000 (CPU time): samples + overruns come to about 1,000 per CPU second"

# Wall-clock timers are high-resolution: a sleeping thread is sampled at the rate asked.
rates --wall -F 1000 -- sleep 1
diag "--wall -F 1000 -- sleep 1: $samples samples, $ach Hz achieved, $over overruns; the" \
	"handler cost $((cpu / (samples > 0 ? samples : 1) / 1000)) us of CPU per sample"
dur=$(result "$TEST_TMP/r.json" duration_ns)
is "$rc $threads" "0 1" "--wall -F 1000 -- sleep 1: exit 0, one thread sampled"
between "$ach" 800 1050
ok $? "--wall -F 1000 -- sleep 1: achieved_hz near 1,000 per second of the thread's life ($ach)"
between "$(awk -v n=$((samples + over)) -v d="$dur" 'BEGIN { print n / (d / 1e9) }')" 900 1100
ok $? "--wall -F 1000 -- sleep 1: samples + overruns come to about 1,000 per second"
rates --wall -F 1000 -- "$RATIO" 1.5 2
dur=$(result "$TEST_TMP/r.json" duration_ns)
diag "--wall -F 1000, 2 busy threads on 2 CPUs: $samples samples, $ach Hz achieved, $over" \
	"overruns (a thread that is not running when its timer fires takes the signal late)"
is "$rc $threads" "0 2" "--wall -F 1000 -- ratio 1.5 2: exit 0, two threads sampled"
between "$(awk -v n=$((samples + over)) -v d="$dur" 'BEGIN { print n / (2 * d / 1e9) }')" 850 1100
ok $? "--wall -F 1000: samples + overruns come to about 1,000 per thread per second"

# ---- 7. The command's exit status --------------------------------------------------------------

timeout -s KILL 30 "$S" record -- "$RATIO" 0.2 1 3 >/dev/null 2>"$TEST_TMP/err"
is "$?" 3 "the command exits 3 (return from main): tb-signal exits 3"
timeout -s KILL 30 "$S" record -- bash -c 'exit 3' >/dev/null 2>"$TEST_TMP/err"
is "$?" 3 "bash -c 'exit 3': tb-signal exits 3"
timeout -s KILL 30 "$S" record -- /bin/sh -c 'exit 3' >/dev/null 2>"$TEST_TMP/err"
is "$?" 3 "/bin/sh -c 'exit 3' (dash: _exit): tb-signal exits 3"
sed 's/^/#   stderr: /' "$TEST_TMP/err"
timeout -s KILL 30 "$S" record -- bash -c 'kill -TERM $$' >/dev/null 2>"$TEST_TMP/err"
is "$?" 143 "the command killed by SIGTERM: tb-signal exits 128 + 15"
sed 's/^/#   stderr: /' "$TEST_TMP/err"
timeout -s KILL 30 "$S" record -- "$RATIO" 0.2 1 0 >/dev/null 2>"$TEST_TMP/err"
is "$?" 0 "the command exits 0: tb-signal exits 0"

# ---- 8. Bad input ------------------------------------------------------------------------------

rm -f "$TEST_TMP/ran"
# bash, not dash: dash leaves by _exit, which writes no samples (section 7)
RUN=(bash -c "touch '$TEST_TMP/ran'; exit 0")
rejected "no mode" "mode" "$S"
rejected "no mode, a command" "mode" "$S" -- "${RUN[@]}"
rejected "an unknown mode" "mode" "$S" sample -- "${RUN[@]}"
rejected "record without a command" "COMMAND" "$S" record
rejected "record -- and nothing after" "COMMAND" "$S" record --
rejected "-F 0" "-F 0" "$S" record -F 0 -- "${RUN[@]}"
rejected "-F 1e6" "-F 1e6" "$S" record -F 1e6 -- "${RUN[@]}"
rejected "-F abc" "-F abc" "$S" record -F abc -- "${RUN[@]}"
rejected "--buffer-kb 1" "--buffer-kb 1" "$S" record --buffer-kb 1 -- "${RUN[@]}"
rejected "-o in a directory that does not exist" "nodir" \
	"$S" record -o "$TEST_TMP/nodir/r.json" -- "${RUN[@]}"
rejected "-o a directory" "$TEST_TMP" "$S" record -o "$TEST_TMP" -- "${RUN[@]}"
rejected "a command that does not exist" "nosuchcommand-tracebench" \
	"$S" record -- nosuchcommand-tracebench
[ ! -e "$TEST_TMP/ran" ]
ok $? "no bad input ran the command"
rejected "--folded in a directory that does not exist" "nodir" \
	"$S" record --folded "$TEST_TMP/nodir/f" -- "${RUN[@]}"
[ ! -e "$TEST_TMP/ran" ]
ok $? "--folded in a directory that does not exist: refused before the command runs"
rm -f "$TEST_TMP/ran"
rejected "--folded-methods in a directory that does not exist" "nodir" \
	"$S" record --folded-methods "$TEST_TMP/nodir/f" -- "${RUN[@]}"
[ ! -e "$TEST_TMP/ran" ]
ok $? "--folded-methods in a directory that does not exist: refused before the command runs"

# ---- 9. The sample file is removed, however the run ends --------------------------------------

# tb-signal makes /tmp/tb-signal.XXXXXX for the library: strace tells its name. (A tb-signal
# SIGKILLed cannot remove it, and is not tried here.)
if command -v strace >/dev/null; then
	# gone NAME COMMAND...: the sample file COMMAND's tb-signal made no longer exists
	gone()
	{
		local name=$1 f
		shift
		no_lsan timeout -s KILL 30 strace -f -qq -e trace=openat -o "$TEST_TMP/strace" "$@" \
			>/dev/null 2>&1
		f=$(sed -n 's|.*"\(/tmp/tb-signal\.[^"]*\)".*O_CREAT.*|\1|p' "$TEST_TMP/strace" | head -1)
		[ -n "$f" ] && [ ! -e "$f" ]
		ok $? "$name: the sample file ${f:-(none seen)} is removed"
	}
	gone "a normal run" "$S" record -- "$RATIO" 0.1 1
	gone "the command exits by _exit (dash)" "$S" record -- /bin/sh -c 'exit 0'
	gone "the command killed by a signal" "$S" record -- bash -c 'kill -TERM $$'
	[ -x "$TEST_TMP/ratio-static" ] &&
		gone "a statically linked command" "$S" record -- "$TEST_TMP/ratio-static" 0.1 1
	gone "a command that does not exist" "$S" record -- nosuchcommand-tracebench
	# Refused before anything is created or run.
	no_lsan timeout -s KILL 30 strace -f -qq -e trace=openat -o "$TEST_TMP/strace" "$S" record \
		--folded "$TEST_TMP/nodir/f" -- "$RATIO" 0.1 1 >/dev/null 2>&1
	grep -q '/tmp/tb-signal\.' "$TEST_TMP/strace"
	ok $((!$?)) "--folded that cannot be written: refused before a sample file is made"
else
	skip "strace is not installed (setup.sh installs it)" "the sample file removed"
fi

done_testing
