#!/usr/bin/env bash
# tracefunc.t - tb-tracefunc: exact counts against the workload's truth (count, latency and log, both
# hooks, 4 threads), counts equal to uftrace's, the log's nesting and its ring's losses, errno kept
# in every mode, the filter, latencies of known length, exec, -d, report DIR, bad input
. "$(dirname "$0")/lib.sh"
TF=$OUT/tb-tracefunc
W=$OUT/workload
WF=$OUT/workload-finstrument
X=$OUT/tests

[ "$(id -u)" = 0 ] || skip_all "written for root, like the other technique tests"
command -v cc >/dev/null || skip_all "no C compiler (cc): the test builds a program of its own"

# tf ARGS...: tb-tracefunc ARGS (at most 60 s), stdout and stderr in $TEST_TMP/out and err; rc
tf()
{
	timeout -s KILL 60 "$TF" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
}

# truth_mismatch RESULT TRUTH [latency]: "METHOD GOT WANT" for every method whose calls in RESULT
# (counts, or latency.METHOD.calls) differ from TRUTH's, "extra NAME" for a counted function that
# is no method. Empty when every count is exact.
truth_mismatch()
{
	local m want got
	for m in $(result "$2" methods); do
		want=$(result "$2" "methods.$m.calls")
		if [ "$3" = latency ]; then
			got=$(result "$1" "latency.$m.calls" 2>/dev/null || echo 0)
		else
			got=$(result "$1" "counts.$m" 2>/dev/null || echo 0)
		fi
		[ "$got" = "$want" ] || echo "$m $got $want"
	done
	for m in $(result "$1" counts 2>/dev/null); do
		result "$2" "methods.$m" >/dev/null 2>&1 || echo "extra $m"
	done
}

# counts_of RESULT: "NAME CALLS" per function of RESULT's counts, sorted by name
counts_of()
{
	local k
	for k in $(result "$1" counts 2>/dev/null); do
		echo "$k $(result "$1" "counts.$k")"
	done | sort
}

# count_sum RESULT: the sum of RESULT's counts
count_sum() { counts_of "$1" | awk '{ s += $2 } END { print s + 0 }'; }

# trace_check TRACE: "BAD DEPTH BACK SPLIT OPEN JUNK" for a --trace file: exits that are not of
# the innermost open call, DEPTH fields that are not the number of calls open, times going back
# within a thread, a thread's lines not all together, calls still open at the end of a thread's
# lines, malformed lines. "0 0 0 0 0 0": well nested, thread by thread.
trace_check()
{
	awk 'NF != 5 || $1 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ || ($4 != "enter" && $4 != "exit") {
		junk++; next }
	$2 != cur { if (cur != "") open += sp; if ($2 in seen) split_++
		    seen[$2] = 1; cur = $2; sp = 0; last = 0 }
	{ if ($1 + 0 < last) back++; last = $1 + 0 }
	$4 == "enter" { if ($3 != sp) depth++; st[sp++] = $5; next }
	{ if (!sp || st[sp - 1] != $5) bad++; else sp--; if ($3 != sp) depth++ }
	END { open += sp; print bad + 0, depth + 0, back + 0, split_ + 0, open + 0, junk + 0 }' "$1"
}

# shm_left: tb-tracefunc's temporary directories in /dev/shm, one per line
shm_left() { find /dev/shm -maxdepth 1 -name 'tb-tracefunc.*' | sort; }
shm_left >"$TEST_TMP/shm.before"
# shm_new: the directories that appeared since the test started and that no running process
# records into (another tb-tracefunc, a bench say, may be running beside this test)
shm_new()
{
	local d
	sleep 0.1
	for d in $(shm_left | comm -13 "$TEST_TMP/shm.before" -); do
		grep -qs "$d/" /proc/[0-9]*/maps || echo "$d"
	done
}
# shm_clean NAME: nothing of ours left in /dev/shm since the test started
shm_clean()
{
	local new
	new=$(shm_new | tr '\n' ' ')
	is "$new" "" "$1: nothing left behind in /dev/shm"
	# shellcheck disable=SC2086 # one path per word
	[ -n "$new" ] && rm -rf $new
}

# ---- 1. Exact counts against the workload's truth: 3 modes, 2 hooks, 4 threads -------------------

# 3,000 requests at scale 0 are 102,000 method calls in a few ms. The workload-finstrument's
# methods call the compiler's hooks; the plain workload's call tb_call_hook.
ARGS=(-t 4 -r 3000 -s 0 -q)
"$W" "${ARGS[@]}" -o "$TEST_TMP/base.json"
calls=$(result "$TEST_TMP/base.json" method_calls)
for m in $(result "$TEST_TMP/base.json" methods); do
	c=$(result "$TEST_TMP/base.json" "methods.$m.calls")
	[ "$c" != 0 ] && echo "$m $c"
done | sort >"$TEST_TMP/truth.counts.4"
for hook in cyg method; do
	if [ $hook = cyg ]; then prog=$WF; else prog=$W; fi
	for mode in count latency log; do
		name="-m $mode --hook $hook -- $(basename "$prog") -t 4"
		opts=()
		[ $mode = log ] && opts=(--trace "$TEST_TMP/trace.$hook")
		rm -f "$TEST_TMP/r.json" "$TEST_TMP/t.json"
		tf -m $mode --hook $hook "${opts[@]}" -o "$TEST_TMP/r.json" -- "$prog" "${ARGS[@]}" \
			-o "$TEST_TMP/t.json"
		is "$rc $(wc -c <"$TEST_TMP/err")" "0 0" "$name: exit 0, nothing on stderr"
		sed 's/^/#   stderr: /' "$TEST_TMP/err"
		is "$(truth_mismatch "$TEST_TMP/r.json" "$TEST_TMP/t.json" | tr '\n' ' ')" "" \
			"$name: every method's calls equal the truth's"
		is "$(result "$TEST_TMP/r.json" technique mode hook lost threads processes \
			images.0.calls images.0.threads | tr '\n' ' ')" \
			"tracefunc $mode $hook 0 4 1 $calls 4 " \
			"$name: technique, mode, hook; lost 0; 4 threads of 1 image with all $calls calls"
		truth_counts "$TEST_TMP/t.json" | cmp -s <(truth_counts "$TEST_TMP/base.json") -
		ok $? "$name: the traced workload did the work of an untraced one (truth counts equal)"
		case $mode in
		latency)
			is "$(truth_mismatch "$TEST_TMP/r.json" "$TEST_TMP/t.json" latency |
				tr '\n' ' ')" "" "$name: every method's timed calls equal the truth's"
			bad=$(for m in $(result "$TEST_TMP/r.json" latency); do
				result "$TEST_TMP/r.json" "latency.$m.mean_ns" "latency.$m.max_ns" |
					tr '\n' ' ' | awk -v m="$m" '!($1 > 0 && $2 >= $1) { print m }'
			done | tr '\n' ' ')
			is "$bad $(result "$TEST_TMP/r.json" latency_lost)" " 0" \
				"$name: every mean_ns > 0 and <= max_ns; latency_lost 0"
			;;
		log)
			read -r recs depth misn before < <(result "$TEST_TMP/r.json" records max_depth \
				misnested exits_before_start | tr '\n' ' ')
			is "$depth $misn $before" "4 0 0" \
				"$name: deepest 4 (handle_request;render;render_row;escape), misnested 0"
			[ "$recs" -ge $((2 * calls)) ] && [ "$recs" -le $((2 * calls + 16)) ]
			ok $? "$name: records ($recs) = an entry and an exit per call, and time bases"
			;;
		esac
	done
done

# More functions than the report's first table holds (64): tracee_tf_fds calls 66, once each.
# The table grows while the image is read: nothing may point into the old one (once, the counts
# went to freed memory; ASan: heap-use-after-free). -D: a tb-tracefunc that aborted would leave
# no directory in /dev/shm.
for mode in count latency log; do
	rm -rf "$TEST_TMP/r.json" "$TEST_TMP/fds.rec"
	tf -m $mode -D "$TEST_TMP/fds.rec" -o "$TEST_TMP/r.json" -- "$X/tracee_tf_fds" \
		"$TEST_TMP/mine" keep
	n=$(counts_of "$TEST_TMP/r.json" | awk '$2 == 1' | wc -l)
	[ "$rc" = 0 ] && [ "$n" = 66 ] && [ "$(count_sum "$TEST_TMP/r.json")" = 66 ]
	ok $? "-m $mode -- tracee_tf_fds (66 functions): exit 0, each counted once (exit $rc, \
$n of 66)"
done

# noop: the hooks are called and record nothing; the work is the same.
for hook in cyg method; do
	if [ $hook = cyg ]; then prog=$WF; else prog=$W; fi
	rm -f "$TEST_TMP/r.json" "$TEST_TMP/t.json"
	tf -m noop --hook $hook -o "$TEST_TMP/r.json" -- "$prog" "${ARGS[@]}" -o "$TEST_TMP/t.json"
	is "$rc $(wc -c <"$TEST_TMP/err") $(cat "$TEST_TMP/out")" \
		"0 0 noop: the hooks ran and recorded nothing" \
		"-m noop --hook $hook: exit 0, says it recorded nothing"
	truth_counts "$TEST_TMP/t.json" | cmp -s <(truth_counts "$TEST_TMP/base.json") -
	ok $? "-m noop --hook $hook: the workload did the same work"
done

# ---- 2. The counts of uftrace, for a program of the test's own --------------------------------

# Recursion, a static function, a call through a pointer, a second thread.
cat >"$TEST_TMP/peer.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile long sink, sink2;

static long square(long x)
{
	return x * x;
}

long fib(int n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

long apply(long (*fn)(long), long x)
{
	return fn(x);
}

long twice(long x)
{
	return 2 * x;
}

void *second(void *arg)
{
	for (long i = 0, n = (long)arg; i < n; i++)
		sink2 += apply(twice, i);
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100;
	pthread_t th;

	pthread_create(&th, NULL, second, (void *)n);
	for (long i = 0; i < n; i++)
		sink += apply(square, i);
	sink += fib(argc > 2 ? atoi(argv[2]) : 12);
	pthread_join(th, NULL);
	printf("%ld %ld\n", sink, sink2);
	return 0;
}
EOF
PEER=$TEST_TMP/peer
cc -O1 -fno-inline -finstrument-functions -pthread "$TEST_TMP/peer.c" -o "$PEER"
ok $? "cc -finstrument-functions: the test's own program builds"

# uftrace_counts DIR: "NAME CALLS" per function of uftrace's recording, sorted by name (no kernel
# events, which uftrace names with a colon)
uftrace_counts()
{
	uftrace report -d "$1" -f call --no-pager 2>/dev/null |
		awk 'NF == 2 && $1 ~ /^[0-9]+$/ && $2 !~ /:/ { print $2, $1 }' | sort
}

if command -v uftrace >/dev/null; then
	for args in "500 15" "3000 18"; do
		rm -rf "$TEST_TMP/uft"
		# shellcheck disable=SC2086
		timeout -s KILL 60 uftrace record --no-libcall --no-event -d "$TEST_TMP/uft" "$PEER" \
			$args >"$TEST_TMP/uout" 2>"$TEST_TMP/uerr"
		ok $? "uftrace record --no-libcall -- peer $args: exit 0"
		rm -f "$TEST_TMP/r.json"
		# shellcheck disable=SC2086
		tf -o "$TEST_TMP/r.json" -- "$PEER" $args
		is "$rc $(wc -c <"$TEST_TMP/err") $(head -1 "$TEST_TMP/out")" \
			"0 0 $(cat "$TEST_TMP/uout")" "tb-tracefunc -- peer $args: exit 0, same output"
		uftrace_counts "$TEST_TMP/uft" >"$TEST_TMP/u.counts"
		counts_of "$TEST_TMP/r.json" >"$TEST_TMP/t.counts"
		diag "peer $args: uftrace $(tr '\n' ' ' <"$TEST_TMP/u.counts")"
		[ "$(wc -l <"$TEST_TMP/u.counts")" -eq 6 ] &&
			cmp -s "$TEST_TMP/u.counts" "$TEST_TMP/t.counts"
		rc=$?
		ok $rc "peer $args: tb-tracefunc's counts of its 6 functions equal uftrace's"
		[ $rc -eq 0 ] || diff "$TEST_TMP/u.counts" "$TEST_TMP/t.counts" | sed 's/^/#   /'
	done

	# The workload: uftrace, tb-tracefunc and the truth agree.
	rm -rf "$TEST_TMP/uft"
	timeout -s KILL 60 uftrace record --no-libcall --no-event -d "$TEST_TMP/uft" "$WF" -t 2 \
		-r 500 -s 0 -q -o "$TEST_TMP/t.json" >/dev/null 2>&1
	ok $? "uftrace record -- workload-finstrument -t 2 -r 500: exit 0"
	for m in $(result "$TEST_TMP/t.json" methods); do
		c=$(result "$TEST_TMP/t.json" "methods.$m.calls")
		[ "$c" != 0 ] && echo "$m $c"
	done | sort >"$TEST_TMP/truth.counts"
	uftrace_counts "$TEST_TMP/uft" | cmp -s "$TEST_TMP/truth.counts" -
	ok $? "uftrace's counts of workload-finstrument's methods equal the truth's"
	rm -f "$TEST_TMP/r.json"
	tf -o "$TEST_TMP/r.json" -- "$WF" -t 2 -r 500 -s 0 -q
	counts_of "$TEST_TMP/r.json" | cmp -s "$TEST_TMP/truth.counts" -
	ok $? "tb-tracefunc's counts of the same run equal both"

	# Plugins: a library unloaded, another loaded at the same address. The library forgets the
	# unloaded one's functions at dlclose, so b_fn is not counted as a_fn; uftrace tells them apart.
	printf 'int a_fn(int x)\n{\n\treturn x + 1;\n}\n' >"$TEST_TMP/a.c"
	printf 'int b_fn(int x)\n{\n\treturn x + 2;\n}\n' >"$TEST_TMP/b.c"
	cat >"$TEST_TMP/plugins.c" <<'EOF'
#include <dlfcn.h>

int call(const char *lib, const char *sym)
{
	void *h = dlopen(lib, RTLD_NOW);
	int r;

	if (!h)
		return -1;
	r = ((int (*)(int))dlsym(h, sym))(1);
	dlclose(h);
	return r;
}

int main(int argc, char **argv)
{
	(void)argc;
	return call(argv[1], "a_fn") + call(argv[2], "b_fn") + call(argv[1], "a_fn") == 7 ? 0 : 1;
}
EOF
	cc -O1 -fPIC -shared -finstrument-functions "$TEST_TMP/a.c" -o "$TEST_TMP/liba.so" &&
		cc -O1 -fPIC -shared -finstrument-functions "$TEST_TMP/b.c" -o "$TEST_TMP/libb.so" &&
		cc -O1 -finstrument-functions "$TEST_TMP/plugins.c" -o "$TEST_TMP/plugins" -ldl
	ok $? "two instrumented libraries and a program that loads and unloads them build"
	rm -rf "$TEST_TMP/uft"
	timeout -s KILL 60 uftrace record --no-libcall --no-event -d "$TEST_TMP/uft" \
		"$TEST_TMP/plugins" "$TEST_TMP/liba.so" "$TEST_TMP/libb.so" >/dev/null 2>&1
	uftrace_counts "$TEST_TMP/uft" >"$TEST_TMP/u.counts"
	is "$(tr '\n' ' ' <"$TEST_TMP/u.counts")" "a_fn 2 b_fn 1 call 3 main 1 " \
		"plugins (a, b, a; each dlclose'd): uftrace counts a_fn 2, b_fn 1"
	rm -f "$TEST_TMP/r.json"
	tf -o "$TEST_TMP/r.json" -- "$TEST_TMP/plugins" "$TEST_TMP/liba.so" "$TEST_TMP/libb.so"
	counts_of "$TEST_TMP/r.json" | cmp -s "$TEST_TMP/u.counts" -
	ok $? "plugins: tb-tracefunc's counts equal uftrace's (exit $rc, counts: \
$(counts_of "$TEST_TMP/r.json" | tr '\n' ' '))"
else
	skip "uftrace is not installed (setup.sh installs it)" "counts equal to uftrace's"
fi

# ---- 3. The log: nesting per thread, and a full ring's losses ----------------------------------

# The traces of section 1 (both hooks, 4 threads): every line parsed here, not by the tool.
for hook in cyg method; do
	tr=$TEST_TMP/trace.$hook
	is "$(trace_check "$tr")" "0 0 0 0 0 0" "--trace (--hook $hook): every exit closes the innermost \
call, depths and times right, thread by thread, nothing left open"
	is "$(wc -l <"$tr") $(awk '{ print $2 }' "$tr" | sort -u | wc -l)" "$((2 * calls)) 4" \
		"--trace (--hook $hook): an entry and an exit line per call ($((2 * calls))), 4 threads"
	awk '$4 == "enter" { n[$5]++ } END { for (m in n) print m, n[m] }' "$tr" | sort |
		cmp -s "$TEST_TMP/truth.counts.4" -
	ok $? "--trace (--hook $hook): the entries of each method equal the truth's calls"
done

# A 4 KiB ring (512 records) against two threads calling one function as fast as they can: the
# ring fills between two drains and records are dropped, each counted. Every event is either a
# line of the trace or lost (a time base record dropped counts too: at most one per thread here).
rm -f "$TEST_TMP/r.json" "$TEST_TMP/t.json"
tf -m log -b 4 --trace "$TEST_TMP/small.trace" -o "$TEST_TMP/r.json" -- "$WF" -t 2 -L 300000 \
	-k method -q -o "$TEST_TMP/t.json"
truth=$(result "$TEST_TMP/t.json" methods.loop_leaf_method.calls)
read -r lost lbuf misn got < <(result "$TEST_TMP/r.json" lost lost_buffer misnested \
	counts.loop_leaf_method | tr '\n' ' ')
lines=$(wc -l <"$TEST_TMP/small.trace")
diag "-b 4: $truth calls; $lines trace lines, $lbuf records lost, $got entries recorded"
is "$rc $truth" "0 600000" "-m log -b 4 -- workload -t 2 -L 300000 -k method: exit 0"
[ "${lbuf:-0}" -gt 0 ] && [ "$lost" = "$lbuf" ]
ok $? "-b 4: the full ring's drops counted ($lbuf), and in lost ($lost)"
d=$((lines + misn + lbuf - 2 * truth))
[ "$d" -ge 0 ] && [ "$d" -le 2 ]
ok $? "-b 4: trace lines + misnested + lost_buffer = 2 x calls, give or take 2 time bases ($d)"
[ "$got" -lt "$truth" ] && [ "$got" = "$(grep -c ' enter ' "$TEST_TMP/small.trace")" ]
ok $? "-b 4: counts are the entries recorded ($got), fewer than the calls"
grep -q "^lost: $lost (log buffer full $lbuf," "$TEST_TMP/out"
ok $? "-b 4: the summary prints the loss ($(grep '^lost' "$TEST_TMP/out"))"
is "$(trace_check "$TEST_TMP/small.trace" | cut -d' ' -f3,4,6)" "0 0 0" \
	"-b 4: what was kept is still in time order, thread by thread"

# ---- 4. errno kept across every hook, in every mode --------------------------------------------

# tracee_tf_errno checks errno after every call (and on every entry) in main and 3 threads; the
# first call of each thread and of each of its 41 functions does system calls inside the hook.
for mode in count latency log noop; do
	tf -m $mode -- "$X/tracee_tf_errno" 3 50
	is "$rc $(grep '^changed' "$TEST_TMP/out")" "0 changed 0" \
		"-m $mode -- tracee_tf_errno 3 50: errno never changed ($(grep '^checks' "$TEST_TMP/out"))"
done
tf -f 'f1*,try_open' -- "$X/tracee_tf_errno" 3 50
is "$rc $(grep '^changed' "$TEST_TMP/out")" "0 changed 0" \
	"-f 'f1*,try_open' (symbols read inside the hook): errno never changed"
# The library loaded by hand: a log buffer that grows in 2 MiB steps inside the hook.
rm -rf "$TEST_TMP/hand"
LD_PRELOAD=$OUT/libtb-tracefunc.so TB_TRACEFUNC_MODE=log TB_TRACEFUNC_DIR=$TEST_TMP/hand \
	timeout -s KILL 30 "$X/tracee_tf_errno" 2 4000 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
is "$? $(grep '^changed' "$TEST_TMP/out")" "0 changed 0" \
	"LD_PRELOAD by hand, log mode, 2 threads x 4,000 rounds: errno never changed"
big=$(find "$TEST_TMP/hand" -name 'thread.*' -size +2052k | wc -l)
is "$big" 2 "... both workers' buffers grew past their first 2 MiB inside the hook"
tf report -o "$TEST_TMP/r.json" "$TEST_TMP/hand"
is "$rc $(result "$TEST_TMP/r.json" counts.f0 counts.try_open lost misnested | tr '\n' ' ')" \
	"0 8001 8001 0 0 " "report of the hand-made recording: every call of f0 and try_open, nothing lost"

# ---- 5. The filter -------------------------------------------------------------------------------

for hook in cyg method; do
	if [ $hook = cyg ]; then prog=$WF; else prog=$W; fi
	rm -f "$TEST_TMP/r.json" "$TEST_TMP/t.json"
	tf -f 'render*' --hook $hook -o "$TEST_TMP/r.json" -- "$prog" "${ARGS[@]}" \
		-o "$TEST_TMP/t.json"
	read -r r rr < <(result "$TEST_TMP/t.json" methods.render.calls methods.render_row.calls |
		tr '\n' ' ')
	is "$rc $(counts_of "$TEST_TMP/r.json" | tr '\n' ' ')" "0 render $r render_row $rr " \
		"-f 'render*' --hook $hook: exit 0, only render and render_row, with the truth's calls"
	is "$(result "$TEST_TMP/r.json" filtered_out filter lost | tr '\n' ' ')" \
		"$((calls - r - rr)) render* 0 " \
		"-f 'render*' --hook $hook: filtered_out is every other call ($((calls - r - rr)))"
done
rm -f "$TEST_TMP/r.json"
tf -m log -f 'render*,esc?pe' --trace "$TEST_TMP/f.trace" -o "$TEST_TMP/r.json" -- "$WF" \
	"${ARGS[@]}"
read -r e r rr < <(result "$TEST_TMP/base.json" methods.escape.calls methods.render.calls \
	methods.render_row.calls | tr '\n' ' ')
is "$rc $(awk '$4 == "enter" { n[$5]++ } END { for (m in n) print m, n[m] }' "$TEST_TMP/f.trace" |
	sort | tr '\n' ' ')" "0 escape $e render $r render_row $rr " \
	"-m log -f 'render*,esc?pe': the trace holds those three only, every call"
is "$(trace_check "$TEST_TMP/f.trace") $(result "$TEST_TMP/r.json" filtered_out)" \
	"0 0 0 0 0 0 $((calls - e - r - rr))" \
	"-m log -f: well nested (depths count the kept calls only), the rest filtered_out"

# ---- 6. Latency of known length ------------------------------------------------------------------

# nap sleeps 1 ms (nanosleep: at least that), quick does nothing, outer calls both 20 times.
rm -f "$TEST_TMP/r.json"
tf -m latency -o "$TEST_TMP/r.json" -- "$X/tracee_tf_nap" 20 1
L=latency
read -r nc nm nx qc qm oc om dur < <(result "$TEST_TMP/r.json" $L.nap.calls $L.nap.mean_ns \
	$L.nap.max_ns $L.quick.calls $L.quick.mean_ns $L.outer.calls $L.outer.mean_ns duration_ns |
	tr '\n' ' ')
diag "nap: mean $nm ns, max $nx ns; quick: mean $qm ns; outer: $om ns of a $dur ns run"
is "$rc $nc $qc $oc" "0 20 20 1" "-m latency -- tracee_tf_nap 20 1: exit 0, the calls timed"
awk -v m="$nm" -v x="$nx" 'BEGIN { exit !(m >= 1e6 && x >= m && m < 50e6) }'
ok $? "nap (1 ms of nanosleep) measures at least 1 ms on average ($nm ns), max >= mean"
awk -v q="$qm" 'BEGIN { exit !(q > 0 && q < 100000) }'
ok $? "quick measures more than 0 and less than 100 us ($qm ns)"
awk -v o="$om" -v d="$dur" 'BEGIN { exit !(o >= 20e6 && o <= d) }'
ok $? "outer measures at least its 20 naps and at most the run (CLOCK_MONOTONIC): $om ns"
# The histogram: one call per count, the largest in the bucket of max_ns (b: [2^(b-1), 2^b)).
bad=
for f in nap quick outer main; do
	buckets=$(result "$TEST_TMP/r.json" $L.$f.log2_ns | wc -w)
	hist=$(for ((b = 0; b < buckets; b++)); do result "$TEST_TMP/r.json" $L.$f.log2_ns.$b; done |
		tr '\n' ' ')
	read -r c x < <(result "$TEST_TMP/r.json" $L.$f.calls $L.$f.max_ns | tr '\n' ' ')
	echo "$hist" | awk -v c="$c" -v x="$x" '{ for (i = 1; i <= NF; i++) s += $i; b = NF - 1 }
		END { exit !(s == c && $NF > 0 && x >= 2 ^ (b - 1) && x < 2 ^ b) }' || bad="$bad $f"
done
is "$bad" "" "log2_ns: adds up to the calls, the last bucket holds max_ns"

# ---- 8. exec, -d, report DIR ---------------------------------------------------------------------

# Two execs: tracee_tf_exec (5 calls) -> tracee_tf_exec (7) -> tracee_tf_end (9 work, exit 4).
rm -rf "$TEST_TMP/D" "$TEST_TMP/r.json"
tf -D "$TEST_TMP/D" -o "$TEST_TMP/r.json" -- "$X/tracee_tf_exec" 5 "$X/tracee_tf_exec" 7 \
	"$X/tracee_tf_end" return 9 4
pid=$(result "$TEST_TMP/r.json" pid)
is "$rc $(result "$TEST_TMP/r.json" processes)" "4 3" \
	"exec, exec: exit 4 (the last program's), 3 process images"
is "$(cd "$TEST_TMP/D" && echo *)" "$pid $pid.1 $pid.2" "exec: the images are PID, PID.1, PID.2"
is "$(for i in 0 1 2; do result "$TEST_TMP/r.json" images.$i.pid images.$i.calls \
	images.$i.exe | sed 's|.*/||'; done | tr '\n' ' ')" \
	"$pid 6 tracee_tf_exec $pid 8 tracee_tf_exec $pid 20 tracee_tf_end " \
	"exec: each image's own program and calls (1 + 5, 1 + 7, 1 + 1 + 9 + 9)"
is "$(counts_of "$TEST_TMP/r.json" | tr '\n' ' ')" \
	"before_exec 12 leaf 9 main 3 outer 1 work 9 " "exec: counts over the three images"
# report DIR reads the same recording again.
grep -v '"tracer_cpu_ns"\|"attach_ns"\|"first_event_ns"' "$TEST_TMP/r.json" >"$TEST_TMP/live.json"
tf report -o "$TEST_TMP/r2.json" "$TEST_TMP/D"
grep -v '"tracer_cpu_ns"\|"attach_ns"\|"first_event_ns"' "$TEST_TMP/r2.json" | cmp -s "$TEST_TMP/live.json" -
ok $? "report -o DIR (count mode, 3 images): the live result again (but tracer_cpu_ns, attach_ns, first_event_ns)"

# Log mode across forks: the trace too.
rm -rf "$TEST_TMP/D"
tf -m log -D "$TEST_TMP/D" --trace "$TEST_TMP/live.trace" -o "$TEST_TMP/r.json" -- \
	"$X/tracee_tf_fork" 2 500
is "$rc $(result "$TEST_TMP/r.json" processes)" "0 5" "-m log -D -- tracee_tf_fork 2 500: 5 images"
grep -v '"tracer_cpu_ns"\|"attach_ns"\|"first_event_ns"' "$TEST_TMP/r.json" >"$TEST_TMP/live.json"
tf report --trace "$TEST_TMP/report.trace" -o "$TEST_TMP/r2.json" "$TEST_TMP/D"
grep -v '"tracer_cpu_ns"\|"attach_ns"\|"first_event_ns"' "$TEST_TMP/r2.json" | cmp -s "$TEST_TMP/live.json" -
ok $? "report DIR (log mode, 5 images): the live result again (but the same three)"
cmp -s "$TEST_TMP/live.trace" "$TEST_TMP/report.trace"
ok $? "report --trace: the live trace again, line for line ($(wc -l <"$TEST_TMP/live.trace") lines)"

# -D naming a directory that holds an earlier recording (the fork run above, log mode): the old
# images must not be read with the new ones; the result must be this run's alone, or -D refused
# before the command runs.
tf -D "$TEST_TMP/D" -m log -o "$TEST_TMP/r.json" -- "$X/tracee_tf_end" return 10
{ [ "$rc" = 0 ] && [ "$(result "$TEST_TMP/r.json" processes counts.work | tr '\n' ' ')" = "1 10 " ]; } ||
	{ [ "$rc" != 0 ] && [ "$(wc -l <"$TEST_TMP/err")" = 1 ] &&
		[ "$(find "$TEST_TMP/D" -mindepth 1 -maxdepth 1 | wc -l)" = 5 ]; }
ok $? "-D with an earlier recording in it: this run's result alone, or refused (exit $rc, \
$(result "$TEST_TMP/r.json" processes 2>/dev/null) images)"

# -D as a relative path, and a command that changes directory before its program starts: the
# path must be made absolute before it is passed on, or the records go under the new directory
# (sub/rel) and the report finds nothing.
mkdir -p "$TEST_TMP/sub"
rm -rf "$TEST_TMP/rel"
# shellcheck disable=SC2016 # $0 is the shell's
(cd "$TEST_TMP" && timeout -s KILL 60 "$TF" -D rel -o "$TEST_TMP/r.json" -- /bin/sh -c \
	'cd sub && exec "$0" return 10' "$X/tracee_tf_end" >"$TEST_TMP/out" 2>"$TEST_TMP/err")
rc=$?
[ "$rc" = 0 ] && [ "$(result "$TEST_TMP/r.json" counts.work 2>/dev/null)" = 10 ]
ok $? "-D rel -- sh -c 'cd sub && exec PROGRAM': the records found (exit $rc: \
$(head -1 "$TEST_TMP/err"))"

# -d 0.5: tb-tracefunc reports and leaves; the workload (1.5 s) runs on to its end, counting the
# calls after the stop as stopped: then every call is counted or stopped, exactly.
rm -rf "$TEST_TMP/D" "$TEST_TMP/r.json" "$TEST_TMP/t.json"
start=$(date +%s%N)
tf -d 0.5 -D "$TEST_TMP/D" -o "$TEST_TMP/r.json" -- "$WF" -d 1.5 -t 2 -s 100 -q \
	-o "$TEST_TMP/t.json"
took=$((($(date +%s%N) - start) / 1000000))
wpid=$(result "$TEST_TMP/r.json" pid)
alive=$([ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null && echo alive)
is "$rc $alive $(wc -l <"$TEST_TMP/err")" "0 alive 1" \
	"-d 0.5 -- workload -d 1.5: exit 0, the workload still runs, one line on stderr"
grep -q "stopped recording after 0.5 s; .*workload-finstrument (pid $wpid) runs on" "$TEST_TMP/err"
ok $? "-d 0.5: the line says so ($(cat "$TEST_TMP/err"))"
[ "$took" -ge 450 ] && [ "$took" -lt 1300 ]
ok $? "-d 0.5: tb-tracefunc returned after about 0.5 s ($took ms)"
live=$(count_sum "$TEST_TMP/r.json")
wait_until 10 test -s "$TEST_TMP/t.json"
ok $? "-d 0.5: the workload ran on to its end (its truth written)"
[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
wait_until 5 sh -c "! kill -0 $wpid 2>/dev/null"
tf report -o "$TEST_TMP/r2.json" "$TEST_TMP/D"
later=$(count_sum "$TEST_TMP/r2.json")
stopped=$(result "$TEST_TMP/r2.json" stopped)
diag "-d 0.5: $live calls counted live, $later after the end, $stopped stopped, of" \
	"$(result "$TEST_TMP/t.json" method_calls)"
[ "$live" -gt 0 ] && [ "$later" -ge "$live" ] && [ "$later" -le $((live + 16)) ]
ok $? "-d 0.5: nothing counted after the stop (a call in flight at most per thread)"
is "$((later + stopped))" "$(result "$TEST_TMP/t.json" method_calls)" \
	"-d 0.5: counts + stopped (report DIR after the end) = the truth's method calls"

# SIGTERM does what -d does.
rm -f "$TEST_TMP/r.json"
"$TF" -o "$TEST_TMP/r.json" -- "$WF" -d 3 -t 1 -s 100 -q >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
tpid=$!
sleep 0.3
kill -TERM $tpid
wait $tpid
rc=$?
wpid=$(result "$TEST_TMP/r.json" pid 2>/dev/null)
is "$rc $(grep -c 'Terminated: stopped recording; .* runs on' "$TEST_TMP/err")" "0 1" \
	"SIGTERM: tb-tracefunc reports, exit 0, says the command runs on"
[ "$(count_sum "$TEST_TMP/r.json")" -gt 0 ] && kill -0 "$wpid" 2>/dev/null
ok $? "SIGTERM: the result holds the calls so far; the workload still runs"
[ -n "$wpid" ] && kill "$wpid" 2>/dev/null

# After -d the command runs on, and a program it starts later loads the library again: that one
# must not make the removed directory again and record where nobody reads (8 MiB per thread).
tf -d 0.3 -m log -- sh -c '"$0" -r 10 -q; sleep 1; exec "$0" -r 100 -q' "$WF"
sleep 1.5
is "$rc $(shm_new | wc -l)" "0 0" 	"-d 0.3, then the command execs an instrumented program: nothing made in /dev/shm again"
shm_clean "-d and SIGTERM without -D"

# Ctrl-C is for the command: tb-tracefunc ignores SIGINT itself, but the command starts with it
# at its default, or a Ctrl-C could not stop it (an ignored signal stays ignored across execve).
# Checked from /proc/PID/status: SigIgn's bit 1 is SIGINT.
for tool in "$TF" "$OUT/tb-signal record"; do
	# shellcheck disable=SC2086 # "tb-signal record" is two words
	ign=$(env --default-signal=INT $tool -- sed -n 's/^SigIgn:[[:space:]]*//p' /proc/self/status \
		2>/dev/null | grep -E '^[0-9a-f]{16}$')
	[ -n "$ign" ] && [ $((0x$ign & 2)) = 0 ]
	ok $? "$(basename "${tool%% *}") -- COMMAND: SIGINT not ignored in the command (SigIgn $ign)"
done

# ---- 9. Bad input --------------------------------------------------------------------------------

printf '#!/bin/sh\nexit 0\n' >"$TEST_TMP/script.sh"
chmod +x "$TEST_TMP/script.sh"
cc -O1 "$(dirname "$0")/tracee_tf_end.c" -o "$TEST_TMP/plain"
rm -f "$TEST_TMP/ran"
RUN=(bash -c "touch '$TEST_TMP/ran'")
E=("$X/tracee_tf_end" return 10)
rejected "-p PID" "-p.*-- COMMAND" "$TF" -p $$
rejected "-p PID -- COMMAND" "-p" "$TF" -p $$ -- "${RUN[@]}"
rejected "-m bogus" "-m bogus" "$TF" -m bogus -- "${RUN[@]}"
rejected "--hook bogus" "--hook bogus" "$TF" --hook bogus -- "${RUN[@]}"
for b in 3 0 6 2147483648 99999999999999999999999 -4 abc; do
	rejected "-m log -b $b" "-b $b.*power of two" "$TF" -m log -b "$b" -- "${RUN[@]}"
done
rejected "-b without -m log" "-b.*-m log" "$TF" -b 8 -- "${RUN[@]}"
rejected "--trace without -m log" "--trace.*-m log" "$TF" --trace "$TEST_TMP/tr" -- "${RUN[@]}"
rejected "no command" "COMMAND" "$TF"
rejected "-- and nothing after" "COMMAND" "$TF" --
rejected "-m log, no command" "COMMAND" "$TF" -m log
rejected "a command that does not exist" "nosuchcommand-tracebench" \
	"$TF" -- nosuchcommand-tracebench
rejected "a shell script" "script.sh.*not an x86-64 ELF" "$TF" -- "$TEST_TMP/script.sh"
if cc -static -finstrument-functions "$(dirname "$0")/tracee_tf_end.c" -o "$TEST_TMP/static" \
	2>"$TEST_TMP/cc.err"; then
	rejected "a statically linked program" "statically linked" \
		"$TF" -- "$TEST_TMP/static" return 10
else
	skip "cc -static fails here: $(head -1 "$TEST_TMP/cc.err")" "a static program refused"
fi
rejected "--hook method on a program without tb_call_hook" "no tb_call_hook" \
	"$TF" --hook method -- "${E[@]}"
rejected "-o in a directory that does not exist" "nodir" \
	"$TF" -o "$TEST_TMP/nodir/r.json" -- "${RUN[@]}"
rejected "-o a directory" "result.*$TEST_TMP" "$TF" -o "$TEST_TMP" -- "${RUN[@]}"
rejected "--trace in a directory that does not exist" "nodir" \
	"$TF" -m log --trace "$TEST_TMP/nodir/t" -- "${RUN[@]}"
rejected "-d 0" "-d 0" "$TF" -d 0 -- "${RUN[@]}"
rejected "-d abc" "-d abc" "$TF" -d abc -- "${RUN[@]}"
rejected "-n 0" "-n 0" "$TF" -n 0 -- "${RUN[@]}"
rejected "-f ''" "-f" "$TF" -f '' -- "${RUN[@]}"
rejected "-D in a directory that does not exist" "nodir" \
	"$TF" -D "$TEST_TMP/nodir/d" -- "${RUN[@]}"
rejected "an unknown option" "-x" "$TF" -x -- "${RUN[@]}"
rejected "-m without a value" "-m.*value" "$TF" -m
[ ! -e "$TEST_TMP/ran" ]
ok $? "no bad option ran the command"

# -D naming a regular file: refused before the command runs (mkdir's EEXIST and access(W_OK)
# alone would pass it).
"$TF" -D "$TEST_TMP/script.sh" -- "${RUN[@]}" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] && [ ! -e "$TEST_TMP/ran" ]
ok $? "-D a regular file: one line, non-zero, the command not run (exit $rc, \
$(wc -l <"$TEST_TMP/err") lines)"
rm -f "$TEST_TMP/ran"

# A program without hooks, or without -finstrument-functions: it runs, nothing is recorded.
rejected "a program built without -finstrument-functions" "holds no recording" \
	"$TF" -- "$TEST_TMP/plain" return 10

# Closed stdout: the command runs, the result is written, the summary cannot be: one line.
rm -f "$TEST_TMP/r.json"
"$TF" -o "$TEST_TMP/r.json" -- "${E[@]}" >&- 2>"$TEST_TMP/err"
rc=$?
is "$rc $(wc -l <"$TEST_TMP/err") $(result "$TEST_TMP/r.json" counts.work)" "1 1 10" \
	"stdout closed (>&-): exit 1, one line, the result still written"
grep -q "stdout" "$TEST_TMP/err"
ok $? "stdout closed: the line names it ($(cat "$TEST_TMP/err"))"
"$TF" -o "$TEST_TMP/r.json" -- "${E[@]}" >/dev/full 2>"$TEST_TMP/err"
is "$? $(wc -l <"$TEST_TMP/err")" "1 1" "stdout full (/dev/full): exit 1, one line"
shm_clean "bad input, closed and full stdout"
# stdout a pipe closed by its reader: a write error, not a SIGPIPE that kills tb-tracefunc before
# it removes its directory in /dev/shm.
"$TF" -- "${E[@]}" 2>"$TEST_TMP/err" | true
rc=${PIPESTATUS[0]}
new=$(shm_new | tr '\n' ' ')
[ -z "$new" ] && [ "$rc" -ne 141 ]
ok $? "stdout a pipe closed by its reader (| true): exit $rc, left in /dev/shm: '$new'"
# shellcheck disable=SC2086
[ -n "$new" ] && rm -rf $new

# report on what is not a recording.
mkdir -p "$TEST_TMP/empty" "$TEST_TMP/junk/123" "$TEST_TMP/notdir"
head -c 5000 /dev/urandom >"$TEST_TMP/junk/123/functions"
rejected "report on an empty directory" "holds no recording" "$TF" report "$TEST_TMP/empty"
rejected "report on a directory that does not exist" "nodir" "$TF" report "$TEST_TMP/nodir"
rejected "report on a file" "script.sh" "$TF" report "$TEST_TMP/script.sh"
rejected "report on garbage" "damaged" "$TF" report "$TEST_TMP/junk"
rejected "report without DIR" "DIR" "$TF" report
rejected "report with two DIRs" "DIR" "$TF" report "$TEST_TMP/empty" "$TEST_TMP/empty"
rejected "report -o in a directory that does not exist" "nodir" \
	"$TF" report -o "$TEST_TMP/nodir/r.json" "$TEST_TMP/D"
# An image directory without its function file (a process killed between the two), or an empty
# one: one line, naming the cause.
mkdir -p "$TEST_TMP/junk2/77" "$TEST_TMP/junk3/88"
: >"$TEST_TMP/junk3/88/functions"
for j in junk2 junk3; do
	"$TF" report "$TEST_TMP/$j" >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	[ "$rc" -ne 0 ] && [ "$(wc -l <"$TEST_TMP/err")" -eq 1 ]
	ok $? "report on an image without its function file ($j): one line, non-zero (exit \
$rc: $(tr '\n' '|' <"$TEST_TMP/err"))"
done
shm_clean "report"

done_testing
