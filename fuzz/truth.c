/* truth.c - fuzz target: tb_truth__parse, the workload's truth file, and its lookups */
#include "fuzz.h"

#include "tb_truth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tb_truth t;

	if (tb_truth__parse("fuzz", (const char *)data, size, &t)) {
		/* On failure the struct is zeroed: freeing it is harmless. */
		fuzz_assert(!t.methods && !t.syscalls && !t.program && !t.nr_methods);
		tb_truth__free(&t);
		return 0;
	}
	fuzz_assert(t.program && t.variant && t.run_mode);
	fuzz_assert(!t.has_loop || t.loop_leaf);
	for (size_t i = 0; i < t.nr_methods; i++) {
		const struct tb_truth_method *m = tb_truth__method(&t, t.methods[i].name);

		/* Names are unique: each finds its own method. */
		fuzz_assert(m == &t.methods[i]);
	}
	for (size_t i = 0; i < t.nr_syscalls; i++)
		fuzz_assert(tb_truth__syscall(&t, t.syscalls[i].name) == t.syscalls[i].count);
	tb_truth__free(&t);
	fuzz_assert(!t.methods && !t.nr_methods);
	return 0;
}
