/* planted.c - fuzz target with a bug planted on purpose: tests/fuzz.t checks the fuzzer finds it */
#include "fuzz.h"

/*
 * A reader of "NAME VALUE" lines in the style of the raw recordings, with
 * an off-by-one left in: a NAME of exactly 16 bytes passes the length
 * check, and its terminating NUL is written one byte past name[]. No input
 * in its corpus has one; the fuzzer must make one up within seconds, or
 * the harness could not be trusted to find the real thing.
 */
static int parse_line(const char *line, size_t len, char name[16], unsigned long *value)
{
	size_t n = 0;
	char *end;

	while (n < len && line[n] != ' ')
		n++;
	if (n > 16 || n == len) /* the planted bug: n must be below 16 */
		return -1;
	memcpy(name, line, n);
	name[n] = '\0';
	*value = strtoul(line + n + 1, &end, 10);
	return *end ? -1 : 0;
}

/* What the lines add up to: kept, so the parsing is not optimised away. */
unsigned long planted_sum;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size), *line, *save = NULL, name[16];
	unsigned long value;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!parse_line(line, strlen(line), name, &value))
			planted_sum += value + name[0];
	free(text);
	return 0;
}
