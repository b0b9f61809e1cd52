#!/usr/bin/env bash
# cppcheck.t - make cppcheck: no finding in the C sources, and the check finds what it should
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/.." && pwd)
command -v cppcheck >/dev/null || skip_all "cppcheck is not installed (./setup.sh installs it)"

make -s -C "$REPO" --no-print-directory cppcheck >"$TEST_TMP/out" 2>&1
ok $? "make cppcheck: no finding$(sed 's/^/ | /' "$TEST_TMP/out" | head -n 10 | tr '\n' ' ')"

# The same flags catch what they are there for: a null dereference and a leak in a file of ours
flags=$(make -s -C "$REPO" --no-print-directory -pn cppcheck 2>/dev/null |
	sed -n 's/^CPPCHECK_FLAGS := //p' | head -n 1)
[ -n "$flags" ]
ok $? "the Makefile's CPPCHECK_FLAGS read ($flags)"
cat >"$TEST_TMP/bad.c" <<'C'
/* bad.c - two findings cppcheck must report */
#include <stdlib.h>
int deref(void)
{
	int *p = NULL;
	return *p;
}
int leak(void)
{
	char *b = malloc(16);
	if (!b)
		return -1;
	return b[0] = 1;
}
C
# shellcheck disable=SC2086 # flags: one option a word
cppcheck $flags "$TEST_TMP/bad.c" >"$TEST_TMP/bad.out" 2>&1
[ $? != 0 ]
ok $? "make cppcheck's flags fail on a null dereference and a leak"
grep -q nullPointer "$TEST_TMP/bad.out" && grep -q memleak "$TEST_TMP/bad.out"
ok $? "and name both (nullPointer, memleak)"

done_testing
