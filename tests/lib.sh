# tests/lib.sh - TAP helpers and paths shared by the shell tests (sourced, not run)

OUT=${OUT:-build}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
TEST_TMP=$(mktemp -d /tmp/tracebench-test.XXXXXX)
trap 'rm -rf "$TEST_TMP"' EXIT
tap_n=0
tap_failed=0

# ok CONDITION-EXIT-STATUS NAME: run as `check NAME -- command...` or `ok $? NAME`
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
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

diag() { echo "# $*"; }

done_testing()
{
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# json_field FILE KEY: the value of the first "KEY": line of a truth or result file
json_field()
{
	sed -n "s/^ *\"$2\": \\([^,]*\\),\\{0,1\\}\$/\\1/p" "$1" | head -n 1
}

# truth_counts FILE: the parts of a truth file that must not depend on timing or build variant
truth_counts()
{
	grep -E '"(requests|method_calls|self_units|result|syscall_errors|threads|scale)":|"calls":|"pread64"' "$1" |
		sed 's/, "self_ns_per_call".*//'
}
