/* vmreadv_raw.c - fuzz target: read_raw, the raw recording `tb-vmreadv report RAW` reads back */
#include "fuzz.h"

#include "tb_vmreadv_raw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p = { .reader = "process_vm_readv" };
	struct tb_tally_entry *top;
	FILE *f;

	/* fmemopen refuses a buffer of 0 bytes: an empty file reads as one empty string. */
	f = fmemopen(size ? (void *)data : "", size ? size : 1, "r");
	if (!f)
		abort();
	if (!read_raw(f, "fuzz", &p)) {
		fuzz_assert(p.reader);
		/* What report prints and writes from it: every leaf is a counted stack's. */
		top = tb_tally__sorted(&p.self);
		fuzz_assert(p.self.total == p.samples && (top || !p.samples));
		for (size_t i = 0; top && i < p.self.nr_keys; i++)
			fuzz_assert(top[i].count <= p.samples);
		free(top);
	}
	fclose(f);
	profile_free(&p);
	return 0;
}
