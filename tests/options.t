#!/usr/bin/env bash
# options.t - the workload rejects bad options with one clear line and exit status 2
. "$(dirname "$0")/lib.sh"
W=$OUT/workload

bad()
{
	local want=$1
	shift
	"$W" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	local status=$? lines
	lines=$(wc -l <"$TEST_TMP/err")
	if [ "$status" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$want" "$TEST_TMP/err" &&
		[ ! -s "$TEST_TMP/out" ]; then
		ok 0 "rejects $* ($want)"
	else
		ok 1 "rejects $* ($want)"
		diag "status $status, stderr: $(cat "$TEST_TMP/err")"
	fi
}

bad "invalid --threads" -t 0
bad "invalid --threads" -t 65
bad "invalid --threads" -t abc
bad "invalid --requests" -r -5
bad "invalid --requests" -r 10x
bad "invalid --scale" -s -1
bad "invalid --scale" -s nan
bad "invalid --scale" -s 1e9
bad "invalid --duration" -d 0
bad "invalid --leaf" -L 10 -k bogus
bad "--leaf needs --loop" -k probe
bad "cannot be combined" -L 10 -r 5
bad "exclude each other" -r 10 -d 1
bad "fewer than --threads" -r 2 -t 4
bad "unexpected argument" extra
bad "unknown option .--no-such-option." --no-such-option
bad "unknown option .-x." -x
bad "needs a value" --threads
TB_GATE_FD=xyz bad "invalid \$TB_GATE_FD" -r 1

"$W" -h >"$TEST_TMP/help" 2>&1
ok $? "-h exits 0"
grep -q -- "--scale" "$TEST_TMP/help"
ok $? "-h documents --scale"

bad "invalid --gate 57: not an open file descriptor" -r 1 -g 57
TB_GATE_FD=58 bad "invalid \$TB_GATE_FD 58: not an open file descriptor" -r 1

# A gate that sends the wrong byte is not ours: status 1, one line.
echo x | "$W" -q -r 1 -g 0 >/dev/null 2>"$TEST_TMP/err"
is "$?:$(wc -l <"$TEST_TMP/err")" "1:1" "a gate that sends the wrong byte fails with one line"
grep -q "expected 'g'" "$TEST_TMP/err"
ok $? "the message says what was expected"
echo g | "$W" -q -r 1 -g 0
ok $? "a pipe that sends 'g' opens the gate"

# An unwritable truth file: one line naming the file, status 1.
"$W" -r 1 -o /proc/nonexistent/truth.json >/dev/null 2>"$TEST_TMP/err"
is "$?:$(wc -l <"$TEST_TMP/err")" "1:1" "an unwritable truth file fails with one line"

done_testing
