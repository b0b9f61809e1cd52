/* signal_samples.c - fuzz target: read_samples, tb-signal's sample file and a dump's reply */
#include "fuzz.h"

#include "methods.h"
#include "tb_signal_samples.h"

static char *method_names[] = {
#define NAME(id, name, base_units, per_parent, parent) [id] = #name,
	TB_METHODS(NAME)
#undef NAME
};

static void report_free(struct report *r)
{
	tb_tally__free(&r->leaves);
	tb_tally__free(&r->stacks);
	tb_tally__free(&r->method_leaves);
	tb_tally__free(&r->method_stacks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned int runs;
	struct report r = { .pid = 0 };
	char *copy;

	/* The tool reads a malloc'd copy of the file: aligned, exactly size bytes long. */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	/* A recording (every sample tallied), then the same bytes as a dump (printed). */
	if (!read_samples(copy, size, "fuzz", &r, method_names,
			  sizeof(method_names) / sizeof(method_names[0]), false))
		fuzz_assert(r.leaves.total <= r.samples && r.method_samples <= r.samples);
	report_free(&r);
	r = (struct report){ .pid = 0 };
	read_samples(copy, size, "fuzz", &r, method_names,
		     sizeof(method_names) / sizeof(method_names[0]), true);
	report_free(&r);
	free(copy);
	/* The files opened to name addresses stay open between runs, as in one tool run. */
	if (++runs % 1024 == 0)
		close_modules();
	return 0;
}
