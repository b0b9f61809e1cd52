/* stack_reader.c - fuzz target: tb_stack_reader on in-memory stacks the input makes up */
#include "fuzz.h"

#include <errno.h>
#include <stddef.h>

#include "methods.h"
#include "tb_stack_reader.h"

/*
 * tb-vmreadv and tb-ptrace sample read the root, the method names and the
 * threads' stacks out of another process: whatever it holds there is input.
 * Here the process is this one, which exports a root of its own, and an
 * input is what its memory holds:
 *
 *   struct tb_stack_root
 *   1 byte of flags: POINTERS_AS_GIVEN, the root's two addresses taken from
 *     the input (anything: unmapped, or our own memory) instead of set to
 *     this process's name table and stacks
 *   8 bytes: the mask of slots to read
 *   the first PACKED_SLOTS stacks (struct tb_thread_stack), the others zero
 *   the rest: the method names, each ended by a NUL, laid out to end where
 *     an unreadable page begins (a name without its NUL runs into it); the
 *     table points at them in order, entries past the last at its end
 *
 * Built with -DTB_FUZZ_PACK, a program that writes such an input for the
 * workload's methods (fuzz/seeds.sh).
 */
#define POINTERS_AS_GIVEN 1
#define PACKED_SLOTS 2
#define MAX_NAMES 4096
#define NAMES_ROOM (64 << 10)
#define FIXED (sizeof(struct tb_stack_root) + 1 + 8 + PACKED_SLOTS * sizeof(struct tb_thread_stack))

#ifndef TB_FUZZ_PACK

/* The root tb_stack_reader__open finds in this program's symbol table. */
struct tb_stack_root tb_stack_root;

static struct tb_thread_stack threads[TB_STACK_MAX_THREADS];
static uint64_t name_table[MAX_NAMES];
static char *names_end; /* NAMES_ROOM bytes before it, then an unreadable page */

static void setup(struct tb_stack_reader *r)
{
	long page = sysconf(_SC_PAGESIZE);
	char *room = mmap(NULL, NAMES_ROOM + page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (room == MAP_FAILED || mprotect(room + NAMES_ROOM, page, PROT_NONE))
		abort();
	names_end = room + NAMES_ROOM;
	if (tb_stack_reader__open(r, getpid())) {
		fprintf(stderr, "stack_reader: cannot find %s in this program\n",
			TB_STACK_ROOT_SYMBOL);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tb_stack_reader r = TB_STACK_READER_INIT;
	uint8_t fixed[FIXED] = { 0 }, flags;
	size_t names_len = size > FIXED ? size - FIXED : 0, at = 0;
	char *names;
	uint64_t mask;
	int err;

	if (!names_end)
		setup(&r);
	memcpy(fixed, data, size < FIXED ? size : FIXED);
	memcpy(&tb_stack_root, fixed, sizeof(tb_stack_root));
	flags = fixed[sizeof(tb_stack_root)];
	memcpy(&mask, fixed + sizeof(tb_stack_root) + 1, sizeof(mask));
	memset(threads, 0, sizeof(threads));
	memcpy(threads, fixed + sizeof(tb_stack_root) + 1 + 8, PACKED_SLOTS * sizeof(*threads));
	if (names_len > NAMES_ROOM)
		names_len = NAMES_ROOM;
	names = names_end - names_len;
	memcpy(names, data + FIXED, names_len);
	for (size_t m = 0; m < MAX_NAMES; m++) {
		name_table[m] = (uint64_t)(uintptr_t)(names + at);
		if (at < names_len)
			at += strnlen(names + at, names_len - at) + 1;
	}
	if (!(flags & POINTERS_AS_GIVEN)) {
		tb_stack_root.method_names = (uint64_t)(uintptr_t)name_table;
		tb_stack_root.threads = (uint64_t)(uintptr_t)threads;
	}

	err = tb_stack_reader__load(&r);
	if (err) {
		fuzz_assert(err == -EPROTO || err == -EAGAIN || err == -ENOMEM);
		return 0;
	}
	fuzz_assert(r.root.nr_methods > 0 && r.nr_slots <= TB_STACK_MAX_THREADS);
	/* Names are safe in folded stacks and line formats: printable, no blank, no ';'. */
	for (uint32_t m = 0; m < r.root.nr_methods; m++) {
		const char *name = tb_stack_reader__method_name(&r, m);

		fuzz_assert(name[0]);
		for (const char *c = name; *c; c++)
			fuzz_assert(*c > ' ' && *c <= '~' && *c != ';');
	}
	err = tb_stack_reader__read(&r, mask);
	if (err) {
		fuzz_assert(err == -EFAULT);
		return 0;
	}
	for (uint32_t i = 0; i < TB_STACK_MAX_THREADS; i++) {
		const struct tb_thread_stack *st = &r.stacks[i];

		if (r.state[i] != TB_SLOT_OK)
			continue;
		fuzz_assert(st->tid && !(st->seq & 1));
		for (uint32_t d = 0; d < st->depth && d < TB_STACK_MAX_DEPTH; d++)
			fuzz_assert(st->frames[d].method_id < r.root.nr_methods);
	}
	return 0;
}

#else /* TB_FUZZ_PACK: [truncated] > INPUT */

static const char *const method_names[] = {
#define NAME(id, name, base_units, per_parent, parent) [id] = #name,
	TB_METHODS(NAME)
#undef NAME
};

#define NR_METHODS (sizeof(method_names) / sizeof(method_names[0]))

/*
 * The workload's root: two threads, one in the middle of a request, one
 * writing its stack (an odd counter). With "truncated", the first is deeper
 * than the stored frames and the last name lacks its NUL.
 */
int main(int argc, char **argv)
{
	bool truncated = argc > 1 && !strcmp(argv[1], "truncated");
	struct tb_stack_root root = {
		.magic = TB_STACK_MAGIC,
		.version = TB_STACK_VERSION,
		.nr_methods = NR_METHODS,
		.max_threads = TB_STACK_MAX_THREADS,
		.max_depth = TB_STACK_MAX_DEPTH,
		.nr_threads = 2,
		.thread_stack_size = sizeof(struct tb_thread_stack),
	};
	struct tb_thread_stack slots[PACKED_SLOTS] = {
		{ .seq = 4, .tid = 1001, .depth = truncated ? TB_STACK_MAX_DEPTH + 3 : 3 },
		{ .seq = 7, .tid = 1002, .depth = 1 },
	};
	uint64_t mask = ~0ull;

	for (uint32_t d = 0; d < TB_STACK_MAX_DEPTH; d++)
		slots[0].frames[d] = (struct tb_frame){ .method_id = d % NR_METHODS, .arg = d };
	fwrite(&root, sizeof(root), 1, stdout);
	putchar(0);
	fwrite(&mask, sizeof(mask), 1, stdout);
	fwrite(slots, sizeof(slots), 1, stdout);
	for (size_t m = 0; m < NR_METHODS; m++)
		fwrite(method_names[m], 1,
		       strlen(method_names[m]) + (!truncated || m + 1 < NR_METHODS), stdout);
	return fflush(stdout) ? 1 : 0;
}

#endif /* TB_FUZZ_PACK */
