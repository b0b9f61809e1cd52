/* elf.c - fuzz target: tb_elf (symbols, PT_LOAD segments, USDT notes parsed by hand) on any file */
#include "fuzz.h"

#include <errno.h>

#include "tb_elf.h"
#include "tb_spec.h"

/* What the tools look up: the workload's root and hook, and a program's usual symbols. */
static const char *const symbols[] = {
	"main", "_start", "tb_stack_root", "tb_call_hook", "handle_request", "tbtestlib_work",
};

static void check_symbols(struct tb_elf *elf)
{
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		struct tb_elf_symbol sym, at;
		uint64_t offset;

		if (tb_elf__find_symbol(elf, symbols[i], &sym))
			continue;
		fuzz_assert(sym.name && !strcmp(sym.name, symbols[i]));
		fuzz_assert(!tb_elf__vaddr_to_offset(elf, sym.addr, &offset) &&
			    offset == sym.file_offset);
		if (!tb_elf__symbol_at(elf, sym.addr, &at))
			fuzz_assert(at.name && at.addr <= sym.addr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tb_usdt_note *notes;
	struct tb_elf_segment seg;
	struct tb_elf_symbol sym;
	struct tb_elf *elf;
	char path[64], bad[64];
	size_t nr;

	fuzz_memfd(data, size, path, sizeof(path));
	if (tb_elf__open(path, &elf))
		return 0;
	/* Half the inputs read into memory first, as libtb-tracefunc.so does. */
	if (size % 2)
		fuzz_assert(!tb_elf__read_all(elf));
	tb_elf__is_pie(elf);
	tb_elf__is_dynamic(elf);
	for (size_t i = 0; !tb_elf__segment(elf, i, &seg); i++) {
		struct tb_elf_segment found;

		fuzz_assert(seg.filesz <= seg.memsz);
		fuzz_assert(!tb_elf__find_segment(elf, seg.vaddr + seg.memsz / 2, &found) ||
			    !seg.memsz);
		tb_elf__symbol_at(elf, seg.vaddr, &sym);
		tb_elf__symbol_at(elf, seg.vaddr + seg.memsz - 1, &sym);
	}
	check_symbols(elf);
	if (!tb_elf__usdt_notes(elf, &notes, &nr)) {
		for (size_t i = 0; i < nr; i++) {
			uint64_t offset;

			fuzz_assert(notes[i].provider[0] && notes[i].name[0]);
			fuzz_assert(!tb_elf__vaddr_to_offset(elf, notes[i].addr, &offset) &&
				    offset == notes[i].file_offset);
			tb_spec__usdt_nr_args(notes[i].args, NULL);
			tb_spec__usdt_unreadable_arg(notes[i].args, bad, sizeof(bad));
		}
		tb_usdt_notes__free(notes, nr);
	} else {
		fuzz_assert(!notes && !nr);
	}
	tb_elf__close(elf);
	return 0;
}
