#!/usr/bin/env bash
# faults_report.t - the safety matrix's judge (tests/faults_report.sh) on rows made up here: a
# survival, an explained property, a pair, an unknown outcome and an unexplained harm
. "$(dirname "$0")/lib.sh"

REPORT=$(cd "$(dirname "$0")" && pwd)/faults_report.sh
dir=$TEST_TMP/report
mkdir -p "$dir"
header=fault,technique,how,trial,delay_ms,target,data,tracer_exit,detail
fine='tracer-sigint,usdt-count,started,1,100,survived,accounted,0,""
tracer-sigkill,ptrace-break,attached,1,242,died: SIGTRAP,lost: killed (SIGKILL cannot be caught),SIG9,""
tracer-sigkill,ptrace-break,attached,2,17,survived,lost: killed (SIGKILL cannot be caught),SIG9,""
target-sigkill,usdt-stream,attached,1,1,killed by the test,none: the target was gone before tracing began (said so in one line),1,""
pair:signal-record,signal-record,started,1,50,survived,n/a; second accounted,0/-,""'

# report ROWS: the report of ROWS; its exit status in $status, its table in $dir/REPORT.md
report()
{
	{
		echo "$header"
		echo "$1"
	} >"$dir/faults_raw.csv"
	echo "stamp=test" >"$dir/env.txt"
	"$REPORT" "$dir" 2>"$dir/err"
	status=$?
}
cell() { grep "^| $1 | $2 |" "$dir/REPORT.md"; }

report "$fine"
is "$status" 0 "survivals, an explained property, a target gone before tracing: exit 0"
grep -q '0 failed cells' "$dir/err"
ok $? "... and it says 0 failed cells"
worst=$(cell tracer-sigkill attached | grep -o 'died SIGTRAP / lost (SIGKILL) (1/2) \[1\]')
ok $? "the worst of two trials, with how many came out so, and its reason: $worst"
grep -q '^\[1\] an int3 stays in the text' "$dir/REPORT.md"
ok $? "the reason, from faults_explained.txt, under the table"
cell pair:signal-record started | grep -q 'ok / n/a; 2nd accounted'
ok $? "a pair whose first tracer has no data of its own: n/a, not an empty cell"
! grep -q '\*\*!\*\*' "$dir/REPORT.md"
ok $? "no cell marked a failure"

report "$fine
target-exit,vmreadv,started,1,-,left stopped (T T),accounted,0,\"\""
is "$status" 1 "a target left stopped, not explained: exit 1"
cell target-exit started | grep -q 'left stopped / accounted \*\*!\*\*'
ok $? "... its cell marked **!**"
grep -q '1 cells are failures' "$dir/REPORT.md"
ok $? "... and counted under the table"

report "$fine
target-exec,usdt-count,started,1,-,survived,something new,0,\"\""
is "$status" 1 "an outcome the report does not know: a failure, to be looked at"

report "$fine
tracer-sigkill,ptrace-break,started,1,90,survived,wrong: a result from a killed tracer,SIG9,\"\""
is "$status" 1 "wrong data from a surviving target: a failure"
done_testing
