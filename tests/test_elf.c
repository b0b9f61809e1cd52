/* test_elf.c - tb_elf on the workload builds: symbols, segments, USDT notes, bad files */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "tb_elf.h"
#include "tb_stack.h"

struct file_buf {
	unsigned char *data;
	size_t len;
};

static char tmp_dir[] = "/tmp/tb-test-elf-XXXXXX";

static const char *out_path(const char *name)
{
	static char path[PATH_MAX];
	const char *out = getenv("OUT");

	snprintf(path, sizeof(path), "%s/%s", out && *out ? out : "build", name);
	return path;
}

static const char *tmp_path(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	return path;
}

static int file__load(const char *path, struct file_buf *f)
{
	struct stat st;
	ssize_t n;
	int fd;

	*f = (struct file_buf){ .data = NULL };
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !(f->data = malloc(st.st_size ? st.st_size : 1))) {
		close(fd);
		return -EIO;
	}
	n = pread(fd, f->data, st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		free(f->data);
		return -EIO;
	}
	f->len = st.st_size;
	return 0;
}

static int file__save(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/*
 * A second reading of the headers, straight from the bytes and without
 * libelf, so the library is checked against something it does not share.
 */
static const Elf64_Ehdr *raw__ehdr(const struct file_buf *f)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->data;

	if (f->len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	return eh;
}

static const Elf64_Phdr *raw__phdr(const struct file_buf *f, size_t i)
{
	const Elf64_Ehdr *eh = raw__ehdr(f);

	if (!eh || i >= eh->e_phnum || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (i + 1) * sizeof(Elf64_Phdr) > f->len)
		return NULL;
	return (const Elf64_Phdr *)(f->data + eh->e_phoff) + i;
}

static const Elf64_Phdr *raw__find_load(const struct file_buf *f, uint64_t vaddr)
{
	const Elf64_Phdr *ph;
	size_t i;

	for (i = 0; (ph = raw__phdr(f, i)); i++) {
		if (ph->p_type == PT_LOAD && vaddr >= ph->p_vaddr &&
		    vaddr < ph->p_vaddr + ph->p_memsz)
			return ph;
	}
	return NULL;
}

static uint64_t raw__offset(const struct file_buf *f, uint64_t vaddr)
{
	const Elf64_Phdr *ph = raw__find_load(f, vaddr);

	return ph ? vaddr - ph->p_vaddr + ph->p_offset : UINT64_MAX;
}

static Elf64_Shdr *raw__find_section(const struct file_buf *f, const char *name)
{
	const Elf64_Ehdr *eh = raw__ehdr(f);
	Elf64_Shdr *sh, *strtab;
	size_t i;

	if (!eh || !eh->e_shnum || eh->e_shoff + eh->e_shnum * sizeof(*sh) > f->len ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (Elf64_Shdr *)(f->data + eh->e_shoff);
	strtab = &sh[eh->e_shstrndx];
	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_name < strtab->sh_size &&
		    strtab->sh_offset + strtab->sh_size <= f->len &&
		    !strcmp((const char *)f->data + strtab->sh_offset + sh[i].sh_name, name))
			return &sh[i];
	}
	return NULL;
}

/* File offsets of the note headers in .note.stapsdt; returns how many were found. */
static size_t raw__note_offsets(const struct file_buf *f, size_t *offsets, size_t max)
{
	const Elf64_Shdr *sh = raw__find_section(f, ".note.stapsdt");
	size_t pos, end, n = 0;

	if (!sh)
		return 0;
	pos = sh->sh_offset;
	end = sh->sh_offset + sh->sh_size;
	while (pos + sizeof(Elf64_Nhdr) <= end && n < max) {
		const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(f->data + pos);

		offsets[n++] = pos;
		pos += sizeof(*nh) + ((nh->n_namesz + 3) & ~3u) + ((nh->n_descsz + 3) & ~3u);
	}
	return n;
}

static const struct tb_usdt_note *notes__find(const struct tb_usdt_note *notes, size_t nr,
					      const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (!strcmp(notes[i].name, name))
			return &notes[i];
	}
	return NULL;
}

static void test_symbols(struct tb_elf *elf, const struct file_buf *f)
{
	static const struct {
		const char *name;
		int type;
		uint32_t segment_flag; /* the segment must have it: code runs, data is written */
	} want[] = {
		{ "escape", STT_FUNC, PF_X },
		{ "handle_request", STT_FUNC, PF_X },
		{ TB_STACK_ROOT_SYMBOL, STT_OBJECT, PF_W },
	};
	struct tb_elf_symbol sym;
	size_t i;
	int err;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const Elf64_Phdr *ph;

		err = tb_elf__find_symbol(elf, want[i].name, &sym);
		if (!tap_is_u64(-err, 0, want[i].name))
			continue;
		tap_ok(!strcmp(sym.name, want[i].name) && sym.type == want[i].type && sym.size > 0,
		       "%s: name, type %d, size %llu", want[i].name, sym.type,
		       (unsigned long long)sym.size);
		tap_is_u64(sym.file_offset, raw__offset(f, sym.addr),
			   "file offset agrees with the program headers read without libelf");
		ph = raw__find_load(f, sym.addr);
		tap_ok(ph && (ph->p_flags & want[i].segment_flag), "%s lies in a %s segment",
		       want[i].name, want[i].segment_flag == PF_X ? "code" : "writable");
	}

	/* The stack root is statically initialised: the file itself holds its magic. */
	err = tb_elf__find_symbol(elf, TB_STACK_ROOT_SYMBOL, &sym);
	if (!err && sym.file_offset + sizeof(uint64_t) <= f->len) {
		uint64_t magic;

		memcpy(&magic, f->data + sym.file_offset, sizeof(magic));
		tap_ok(magic == TB_STACK_MAGIC,
		       "the file at tb_stack_root's offset holds TB_STACK_MAGIC");
		tap_is_u64(sym.size, sizeof(struct tb_stack_root), "tb_stack_root size");
	} else {
		tap_ok(false, "tb_stack_root offset inside the file");
	}

	/* And back: the function that holds an address inside it, as samplers name ips. */
	if (!tb_elf__find_symbol(elf, "handle_request", &sym)) {
		struct tb_elf_symbol at;
		uint64_t start = sym.addr, size = sym.size;

		tap_ok(!tb_elf__symbol_at(elf, start, &at) && !strcmp(at.name, "handle_request"),
		       "symbol_at: handle_request's first byte is in handle_request");
		tap_ok(!tb_elf__symbol_at(elf, start + size - 1, &at) &&
			       !strcmp(at.name, "handle_request") && at.addr == start,
		       "symbol_at: so is its last byte, with its start address");
		tap_ok(tb_elf__symbol_at(elf, start + size, &at) ||
			       strcmp(at.name, "handle_request"),
		       "symbol_at: the byte after it is not");
	}
	if (!tb_elf__find_symbol(elf, TB_STACK_ROOT_SYMBOL, &sym)) {
		struct tb_elf_symbol at;

		tap_is_u64(-tb_elf__symbol_at(elf, sym.addr, &at), ENOENT,
			   "symbol_at: data (tb_stack_root) is in no function: -ENOENT");
	}

	tap_is_u64(-tb_elf__find_symbol(elf, "no_such_symbol_anywhere", &sym), ENOENT,
		   "a missing symbol is -ENOENT");
	/* Undefined references (imported from libc) are not definitions. */
	tap_is_u64(-tb_elf__find_symbol(elf, "getenv", &sym), ENOENT,
		   "an imported (undefined) symbol is -ENOENT");
}

static void test_segments(struct tb_elf *elf, const struct file_buf *f)
{
	uint64_t offset, end = 0;
	const Elf64_Phdr *ph;
	size_t i, loads = 0;
	bool same = true;

	for (i = 0; (ph = raw__phdr(f, i)); i++) {
		if (ph->p_type != PT_LOAD)
			continue;
		loads++;
		if (tb_elf__vaddr_to_offset(elf, ph->p_vaddr, &offset) || offset != ph->p_offset)
			same = false;
		if (tb_elf__vaddr_to_offset(elf, ph->p_vaddr + ph->p_memsz - 1, &offset) ||
		    offset != ph->p_offset + ph->p_memsz - 1)
			same = false;
		if (ph->p_vaddr + ph->p_memsz > end)
			end = ph->p_vaddr + ph->p_memsz;
	}
	tap_ok(loads >= 2 && same,
	       "first and last byte of all %zu PT_LOAD segments map as computed", loads);
	tap_is_u64(-tb_elf__vaddr_to_offset(elf, end, &offset), ERANGE,
		   "the address past the last segment is -ERANGE");
	tap_is_u64(-tb_elf__vaddr_to_offset(elf, 0xffffffff00000000ull, &offset), ERANGE,
		   "a wild address is -ERANGE");
}

/*
 * Every site of every probe names its semaphore, and the note agrees with the
 * symbol table on where it is: the kernel's reference counter lands there.
 */
static void check_semaphores(const char *variant, struct tb_elf *elf,
			     const struct tb_usdt_note *notes, size_t nr)
{
	static const char *const probes[] = { "method_entry", "method_return", "request_start",
					      "request_done", "loop_probe",    "loop_guarded" };
	char symbol[64];

	for (size_t p = 0; p < sizeof(probes) / sizeof(probes[0]); p++) {
		struct tb_elf_symbol sem = { 0 };
		size_t sites = 0;
		bool ok;

		snprintf(symbol, sizeof(symbol), "tracebench_%s_semaphore", probes[p]);
		ok = tb_elf__find_symbol(elf, symbol, &sem) == 0;
		for (size_t i = 0; i < nr; i++) {
			if (strcmp(notes[i].name, probes[p]))
				continue;
			sites++;
			if (notes[i].semaphore != sem.addr ||
			    notes[i].semaphore_offset != sem.file_offset || !sem.addr)
				ok = false;
		}
		tap_ok(ok && sites > 0, "%s: all %zu sites of %s use the semaphore %s", variant,
		       sites, probes[p], symbol);
	}
}

static void test_usdt_notes(struct tb_elf *elf, const struct file_buf *f)
{
	static const char *const names[] = { "method_entry", "method_return", "request_start",
					     "request_done", "loop_probe",    "loop_guarded" };
	const struct tb_usdt_note *entry;
	struct tb_usdt_note *notes;
	bool provider_ok = true, nop_ok = true, offset_ok = true;
	struct tb_elf_symbol sem;
	size_t nr, i;
	int err;

	err = tb_elf__usdt_notes(elf, &notes, &nr);
	if (!tap_ok(!err && nr >= 6, "workload-usdt has USDT notes (err %d, %zu notes)", err, nr))
		return;
	for (i = 0; i < nr; i++) {
		if (strcmp(notes[i].provider, "tracebench"))
			provider_ok = false;
		if (notes[i].file_offset >= f->len || f->data[notes[i].file_offset] != 0x90) {
			nop_ok = false;
			tap_diag("%s at offset %#llx is not a 1-byte nop", notes[i].name,
				 (unsigned long long)notes[i].file_offset);
		}
		if (notes[i].file_offset != raw__offset(f, notes[i].addr))
			offset_ok = false;
	}
	tap_ok(provider_ok, "every note's provider is \"tracebench\"");
	tap_ok(nop_ok, "every probe site in the file is 0x90");
	tap_ok(offset_ok, "every probe's file offset agrees with the program headers");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		tap_ok(notes__find(notes, nr, names[i]), "probe %s is present", names[i]);

	entry = notes__find(notes, nr, "method_entry");
	if (entry) {
		tap_ok(entry->semaphore && entry->semaphore_offset,
		       "method_entry has a semaphore (%#llx, offset %#llx)",
		       (unsigned long long)entry->semaphore,
		       (unsigned long long)entry->semaphore_offset);
		/* The note and the symbol table are written by different tools: they must agree. */
		err = tb_elf__find_symbol(elf, "tracebench_method_entry_semaphore", &sem);
		tap_ok(!err && sem.addr == entry->semaphore &&
			       sem.file_offset == entry->semaphore_offset,
		       "the semaphore is the symbol tracebench_method_entry_semaphore");
		tap_ok(entry->args[0] != '\0' && strchr(entry->args, '@'),
		       "method_entry has an argument spec (\"%s\")", entry->args);
	}
	check_semaphores("workload-usdt", elf, notes, nr);
	tb_usdt_notes__free(notes, nr);
}

static void test_nop5(void)
{
	static const unsigned char nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	const char *path = out_path("workload-usdt5");
	struct tb_usdt_note *notes = NULL;
	struct tb_elf *elf = NULL;
	struct file_buf f;
	size_t nr = 0, i;
	bool ok = true;
	int err;

	err = file__load(path, &f);
	if (!err)
		err = tb_elf__open(path, &elf);
	if (!err)
		err = tb_elf__usdt_notes(elf, &notes, &nr);
	if (tap_ok(!err && nr >= 6, "workload-usdt5 has USDT notes (err %d, %zu)", err, nr)) {
		for (i = 0; i < nr; i++) {
			if (notes[i].file_offset > f.len - sizeof(nop5) ||
			    memcmp(f.data + notes[i].file_offset, nop5, sizeof(nop5)))
				ok = false;
		}
		tap_ok(ok, "every probe site in workload-usdt5 is 0f 1f 44 00 00");
		check_semaphores("workload-usdt5", elf, notes, nr);
	}
	tb_usdt_notes__free(notes, nr);
	tb_elf__close(elf);
	free(f.data);
}

static void test_plain(void)
{
	struct tb_usdt_note *notes = (struct tb_usdt_note *)1;
	struct tb_elf *elf;
	size_t nr = 99;
	int err;

	err = tb_elf__open(out_path("workload"), &elf);
	if (!tap_is_u64(-err, 0, "open the plain workload"))
		return;
	err = tb_elf__usdt_notes(elf, &notes, &nr);
	tap_ok(!err && nr == 0 && !notes, "the plain workload has no notes, and that is no error");
	tb_elf__close(elf);
}

/* Writes a modified copy of the file and returns what opening it and reading its notes gave. */
static int notes_of_copy(const struct file_buf *f, const char *name, struct tb_usdt_note **notes,
			 size_t *nr)
{
	struct tb_elf *elf;
	int err;

	*notes = NULL;
	*nr = 0;
	err = file__save(tmp_path(name), f->data, f->len);
	if (err)
		return err;
	err = tb_elf__open(tmp_path(name), &elf);
	if (err)
		return err;
	err = tb_elf__usdt_notes(elf, notes, nr);
	tb_elf__close(elf);
	return err;
}

static void test_prelink_adjustment(const struct file_buf *orig)
{
	struct tb_usdt_note *before = NULL, *after = NULL;
	size_t nr_before = 0, nr_after = 0, i;
	struct file_buf f = { .len = orig->len };
	Elf64_Shdr *base;
	bool ok;
	int err;

	f.data = malloc(f.len);
	if (!f.data)
		return;
	memcpy(f.data, orig->data, f.len);
	err = notes_of_copy(&f, "unmoved", &before, &nr_before);
	/* As if prelink had moved the file by 16 bytes after the notes were written. */
	base = raw__find_section(&f, ".stapsdt.base");
	if (base)
		base->sh_addr += 16;
	if (!err && base)
		err = notes_of_copy(&f, "prelinked", &after, &nr_after);
	ok = !err && base && nr_before && nr_before == nr_after;
	for (i = 0; ok && i < nr_before; i++) {
		ok = after[i].addr == before[i].addr + 16 &&
		     after[i].file_offset == before[i].file_offset + 16 &&
		     (!before[i].semaphore || after[i].semaphore == before[i].semaphore + 16);
	}
	tap_ok(ok, "a moved .stapsdt.base moves every probe and semaphore with it");
	tb_usdt_notes__free(before, nr_before);
	tb_usdt_notes__free(after, nr_after);
	free(f.data);
}

/* Each case damages one copy of workload-usdt; the library must refuse it, not read past it. */
static void test_malformed_notes(const struct file_buf *orig)
{
	size_t offsets[256], nr_notes, nr;
	struct file_buf f = { .len = orig->len };
	struct tb_usdt_note *notes;
	Elf64_Nhdr *nh;
	uint64_t wild_pc = 0x00007fff00000000ull;
	unsigned char *desc;
	int err;

	f.data = malloc(f.len);
	if (!f.data)
		return;
	nr_notes = raw__note_offsets(orig, offsets, sizeof(offsets) / sizeof(offsets[0]));
	if (!tap_ok(nr_notes >= 2, "found the note headers in the file (%zu)", nr_notes))
		goto out;

	memcpy(f.data, orig->data, f.len);
	nh = (Elf64_Nhdr *)(f.data + offsets[0]);
	nh->n_descsz = 0xfffffff0;
	err = notes_of_copy(&f, "huge-descsz", &notes, &nr);
	tap_ok(err == -ENOEXEC && !notes && !nr,
	       "a descriptor size past the section: -ENOEXEC (%d)", err);
	tb_usdt_notes__free(notes, nr);

	memcpy(f.data, orig->data, f.len);
	nh = (Elf64_Nhdr *)(f.data + offsets[0]);
	nh->n_descsz = 20;
	err = notes_of_copy(&f, "short-desc", &notes, &nr);
	tap_ok(err == -ENOEXEC && !notes,
	       "a descriptor shorter than its three addresses: -ENOEXEC (%d)", err);
	tb_usdt_notes__free(notes, nr);

	/* The last note ends where the section's data ends: no terminator must mean no read past.
	 */
	memcpy(f.data, orig->data, f.len);
	nh = (Elf64_Nhdr *)(f.data + offsets[nr_notes - 1]);
	desc = (unsigned char *)nh + sizeof(*nh) + ((nh->n_namesz + 3) & ~3u);
	memset(desc + 24, 'A', nh->n_descsz - 24);
	err = notes_of_copy(&f, "unterminated", &notes, &nr);
	tap_ok(err == -ENOEXEC && !notes, "strings without a terminator: -ENOEXEC (%d)", err);
	tb_usdt_notes__free(notes, nr);

	memcpy(f.data, orig->data, f.len);
	nh = (Elf64_Nhdr *)(f.data + offsets[0]);
	desc = (unsigned char *)nh + sizeof(*nh) + ((nh->n_namesz + 3) & ~3u);
	memcpy(desc, &wild_pc, sizeof(wild_pc));
	err = notes_of_copy(&f, "wild-pc", &notes, &nr);
	tap_ok(err == -ENOEXEC && !notes, "a probe address in no segment: -ENOEXEC (%d)", err);
	tb_usdt_notes__free(notes, nr);

	/* Cut short, the section table is gone: that is no file without probes. */
	f.len = orig->len / 2;
	memcpy(f.data, orig->data, f.len);
	err = notes_of_copy(&f, "truncated", &notes, &nr);
	tap_ok(err == -ENOEXEC && !nr, "a file cut in half: -ENOEXEC (%d, %zu notes)", err, nr);
	tb_usdt_notes__free(notes, nr);

	f.len = 100;
	err = notes_of_copy(&f, "header-only", &notes, &nr);
	tap_ok(err == -ENOEXEC, "a file cut after the ELF header: -ENOEXEC (%d)", err);
	tb_usdt_notes__free(notes, nr);
out:
	free(f.data);
}

/* Files that are not what tb_elf reads: the error must say so. */
static void test_refused(const struct file_buf *orig)
{
	unsigned char hdr[sizeof(Elf64_Ehdr)];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)hdr;
	static const char text[] = "# Makefile - not an ELF file\nall:\n\ttrue\n";
	struct tb_elf *elf = (struct tb_elf *)1;
	struct file_buf f = { .data = hdr, .len = sizeof(hdr) };
	struct tb_usdt_note *notes;
	size_t nr;

	tap_is_u64(-tb_elf__open(tmp_path("no-such-file"), &elf), ENOENT,
		   "a missing file: -ENOENT");
	tap_ok(elf == NULL, "a failed open leaves NULL");
	file__save(tmp_path("Makefile"), text, sizeof(text) - 1);
	tap_is_u64(-tb_elf__open(tmp_path("Makefile"), &elf), ENOEXEC, "a text file: -ENOEXEC");
	file__save(tmp_path("empty"), "", 0);
	tap_is_u64(-tb_elf__open(tmp_path("empty"), &elf), ENOEXEC, "an empty file: -ENOEXEC");
	tap_is_u64(-tb_elf__open(tmp_dir, &elf), ENOEXEC, "a directory: -ENOEXEC");
	/* Without a writer, a plain open of a FIFO would never return. */
	if (!mkfifo(tmp_path("fifo"), 0600))
		tap_is_u64(-tb_elf__open(tmp_path("fifo"), &elf), ENOEXEC, "a FIFO: -ENOEXEC");

	/* Headers of the real binary with one field changed: everything else stays believable. */
	memcpy(hdr, orig->data, sizeof(hdr));
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	tap_is_u64(-notes_of_copy(&f, "class32", &notes, &nr), ENOEXEC, "ELFCLASS32: -ENOEXEC");
	memcpy(hdr, orig->data, sizeof(hdr));
	eh->e_machine = EM_AARCH64;
	tap_is_u64(-notes_of_copy(&f, "aarch64", &notes, &nr), ENOEXEC, "EM_AARCH64: -ENOEXEC");
	memcpy(hdr, orig->data, sizeof(hdr));
	eh->e_type = ET_REL;
	tap_is_u64(-notes_of_copy(&f, "rel", &notes, &nr), ENOEXEC, "ET_REL: -ENOEXEC");
}

static void cleanup_tmp(void)
{
	static const char *const names[] = {
		"unmoved", "prelinked", "huge-descsz", "short-desc", "unterminated",
		"wild-pc", "truncated", "header-only", "Makefile",   "empty",
		"class32", "aarch64",	"rel",	       "fifo",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tmp_path(names[i]));
	rmdir(tmp_dir);
}

int main(void)
{
	const char *path = out_path("workload-usdt");
	struct tb_elf *elf = NULL;
	struct file_buf f;
	int err;

	if (!mkdtemp(tmp_dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	err = file__load(path, &f);
	if (err) {
		printf("Bail out! cannot read %s: %s - run make first\n", path, strerror(-err));
		rmdir(tmp_dir);
		return 1;
	}
	err = tb_elf__open(path, &elf);
	if (tap_is_u64(-err, 0, "open workload-usdt")) {
		tap_ok(tb_elf__is_pie(elf), "workload-usdt is PIE");
		test_symbols(elf, &f);
		test_segments(elf, &f);
		test_usdt_notes(elf, &f);
	}
	tb_elf__close(elf);
	tb_elf__close(NULL);
	tb_usdt_notes__free(NULL, 0);
	test_nop5();
	test_plain();
	test_prelink_adjustment(&f);
	test_malformed_notes(&f);
	test_refused(&f);
	free(f.data);
	cleanup_tmp();
	return tap_done();
}
