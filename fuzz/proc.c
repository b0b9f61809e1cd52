/* proc.c - fuzz target: /proc/PID/status and /proc/PID/stat as tb_target reads them; -p and -d */
#include "fuzz.h"

#include <errno.h>

#include "tb_target.h"

/* The fields the tools read, and their bases. */
static const struct {
	const char *name;
	int base;
} fields[] = {
	{ "Tgid", 10 },	   { "TracerPid", 10 }, { "Uid", 10 },	  { "Gid", 10 },
	{ "Threads", 10 }, { "CapEff", 16 },	{ "SigPnd", 16 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size), state;
	unsigned long long value;
	unsigned long flags;
	double secs;
	pid_t pid;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		int err = tb_target__parse_status((const char *)data, size, fields[i].name,
						  fields[i].base, &value);

		fuzz_assert(!err || err == -ENOENT || err == -EIO);
	}
	if (!tb_target__parse_stat(text, &state, &flags))
		fuzz_assert(strrchr(text, ')'));
	if (!tb_target__parse_pid(text, &pid))
		fuzz_assert(pid >= 1 && pid < (1 << 22));
	if (!tb_target__parse_seconds(text, &secs))
		fuzz_assert(secs >= 1e-3 && secs <= 1e7);
	free(text);
	return 0;
}
