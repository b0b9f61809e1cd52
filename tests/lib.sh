# tests/lib.sh - TAP helpers and paths shared by the shell tests (sourced, not run)

OUT=${OUT:-build}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
TEST_TMP=$(mktemp -d /tmp/tracebench-test.XXXXXX)
# Whatever a test started in the background dies with it, even when the test fails half-way.
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
tap_n=0
tap_failed=0

# ok STATUS NAME: a check passes when STATUS (usually $?) is 0
ok()
{
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT WANT NAME
is()
{
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		# on stderr too: prove shows it without -v, so a failure in CI's log says what it got
		echo "#   got:  '$1'" | tee /dev/stderr
		echo "#   want: '$2'" | tee /dev/stderr
	fi
}

diag() { echo "# $*"; }

# skip REASON NAME: a check that cannot run here, with the reason. Where nothing may be
# skipped (CI sets TB_NO_SKIP=1), it fails instead.
skip()
{
	if [ "${TB_NO_SKIP:-0}" != 0 ]; then
		ok 1 "$2: skipped where TB_NO_SKIP forbids it: $1"
	else
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # SKIP $1: $2"
	fi
}

# skip_all REASON: the whole file cannot run here (fails under TB_NO_SKIP=1 too)
skip_all()
{
	if [ "${TB_NO_SKIP:-0}" != 0 ]; then
		ok 1 "skipped where TB_NO_SKIP forbids it: $1"
		done_testing
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

done_testing()
{
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# json_field FILE PATH...: values of a JSON file (truth or result), one per line, exact
# (tests/json_get.c)
json_field()
{
	"$OUT/tests/json_get" "$@"
}

# truth_counts FILE: the parts of a truth file that must not depend on timing or build variant
truth_counts()
{
	local paths="requests method_calls self_units_total result syscall_errors threads scale
		syscalls.pread64 syscalls.writev" m
	for m in $("$OUT/tests/json_get" "$1" methods); do
		paths="$paths methods.$m.calls methods.$m.arg_sum methods.$m.self_units_per_call"
	done
	# shellcheck disable=SC2086
	"$OUT/tests/json_get" "$1" $paths
}

# wait_until SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds (0) or SECONDS pass (1)
wait_until()
{
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# wait_for FILE PATTERN: up to 10 s for PATTERN to appear in FILE
wait_for() { wait_until 10 grep -qs "$2" "$1"; }

# result FILE KEY...: values from a tracer's result file (json_get)
result() { "$OUT/tests/json_get" "$@"; }

# states PID: the state letter of every thread of PID, on one line
states()
{
	local f
	for f in /proc/"$1"/task/*/stat; do
		sed 's/.*) //; s/ .*//' "$f" 2>/dev/null
	done | tr '\n' ' '
}

# running_untraced PID: no thread of PID stopped (T) or in a tracing stop (t), no tracer
running_untraced()
{
	local s
	s=$(states "$1")
	[ -n "$s" ] && [ -z "$(echo "$s" | tr -d ' RSDI')" ] &&
		grep -q '^TracerPid:[[:space:]]*0$' "/proc/$1/status"
}

# start_workload ARGS...: the workload in the background ($wpid), once its text is mapped
start_workload()
{
	"$W" "$@" &
	wpid=$!
	wait_until 10 grep -q workload "/proc/$wpid/maps"
}

# wait_threads PID N: until PID has N threads, each with its stack slot filled in (a moment after)
wait_threads()
{
	wait_until 10 sh -c "[ \$(ls /proc/$1/task | wc -l) -eq $2 ]"
	sleep 0.05
}

# bad_paths RAW: the stacks of a raw recording that the request call tree cannot produce, one per
# line as names ("-" is an idle thread). A path is possible when it starts at handle_request and
# each method's parent, as methods.h gives it, is the frame before it.
bad_paths()
{
	awk -v methods_h="$(dirname "${BASH_SOURCE[0]}")/../workload/methods.h" '
	BEGIN {
		while ((getline l < methods_h) > 0)
			if (l ~ /^[ \t]*TB_METHOD\(/) {
				gsub(/.*TB_METHOD\(|\).*/, "", l)
				gsub(/[ \t]/, "", l)
				split(l, f, ",")
				parent[f[2]] = f[5]
			}
	}
	$1 == "method" { name[$2] = $3 }
	$1 == "s" {
		if ($4 == "-")
			next
		n = split($4, id, ",")
		path = ""; good = 1
		for (i = 1; i <= n; i++) {
			m = (id[i] in name) ? name[id[i]] : "?" id[i]
			path = path (i > 1 ? ";" : "") m
			if (i == 1 ? m != "handle_request" : parent[m] != prev)
				good = 0
			prev = m
		}
		if (!good)
			print path
	}' "$1"
}

# rejected NAME PATTERN COMMAND...: COMMAND fails (non-zero) with one line on stderr that
# matches PATTERN (case-insensitive, extended), as every tool must on bad input
rejected()
{
	local name=$1 pattern=$2 rc
	shift 2
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	is "$([ "$rc" -ne 0 ] && echo fails || echo "exits 0") $(wc -l <"$TEST_TMP/err")" \
		"fails 1" "$name: non-zero exit, one line on stderr"
	grep -qiE -- "$pattern" "$TEST_TMP/err"
	rc=$?
	ok $rc "$name: the line names the cause ($pattern)"
	[ "$rc" -eq 0 ] && [ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] ||
		sed 's/^/#   stderr: /' "$TEST_TMP/err"
}

# start_zombie: a zombie ($zombie) whose parent ($zparent, kill it when done) never reaps it
start_zombie()
{
	local end=$((SECONDS + 10)) children
	sh -c 'sleep 0.01 & exec sleep 60' &
	zparent=$!
	zombie=
	# /proc/PID/task/TID/children is "PID " (a trailing blank): take the first word
	until [ -n "$zombie" ] && grep -qs '^State:[[:space:]]*Z' "/proc/$zombie/status"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.02
		children=$(cat "/proc/$zparent/task/$zparent/children" 2>/dev/null)
		zombie=${children%% *}
	done
}

# no_lsan COMMAND...: COMMAND with LeakSanitizer off, for a sanitizer build of a tool run under
# strace or another tracer (LeakSanitizer cannot work under ptrace); harmless otherwise
no_lsan() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$@"; }
