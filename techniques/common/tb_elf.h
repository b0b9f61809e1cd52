/* tb_elf.h - symbols, load segments and USDT probe notes of an x86-64 ELF file, read with libelf */
#ifndef TB_ELF_H
#define TB_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Addresses here are link-time virtual addresses as the file states them;
 * file offsets are what uprobes take. Where the file is mapped in a process
 * is tb_maps' business.
 */

struct tb_elf;

struct tb_elf_symbol {
	const char *name; /* points into the file's string table: valid until tb_elf__close() */
	uint64_t addr; /* st_value */
	uint64_t size;
	uint64_t file_offset; /* of addr, through the PT_LOAD segment that holds it */
	int type; /* STT_FUNC, STT_OBJECT, STT_GNU_IFUNC or STT_NOTYPE */
};

/* One PT_LOAD program header. */
struct tb_elf_segment {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz; /* bytes past filesz are zero-filled memory (.bss), not in the file */
	uint32_t flags; /* PF_R, PF_W, PF_X */
};

struct tb_usdt_note {
	char *provider;
	char *name;
	char *args; /* the argument spec string, e.g. "4@$7 8@%r13"; "" when the probe has none */
	uint64_t addr; /* link-time vaddr of the probe site, prelink-adjusted via .stapsdt.base */
	uint64_t file_offset; /* file offset of the probe site (what a uprobe needs) */
	uint64_t semaphore; /* link-time vaddr of the semaphore, 0 if none */
	uint64_t semaphore_offset; /* its file offset (the uprobe ref_ctr_offset), 0 if none */
};

/*
 * Opens an executable or shared object. Returns 0 or -ENOENT, -EACCES (from
 * open), -ENOEXEC (not a regular file, not ELF, not a 64-bit little-endian
 * x86-64 executable or shared object, or a broken program header table),
 * -ENOMEM.
 */
int tb_elf__open(const char *path, struct tb_elf **elf);

/* Accepts NULL. */
void tb_elf__close(struct tb_elf *elf);

/*
 * Reads the whole file into memory and closes its descriptor: for a user
 * that keeps the ELF open inside another program, whose descriptors it must
 * not hold. Call it right after tb_elf__open(): libelf never frees what a
 * lookup read before it (seen by fuzz/elf.c under LeakSanitizer). Returns 0
 * or -EIO.
 */
int tb_elf__read_all(struct tb_elf *elf);

/* ET_DYN: a PIE or a shared library, loaded at an address chosen at run time. */
bool tb_elf__is_pie(const struct tb_elf *elf);

/*
 * Has a program interpreter (PT_INTERP): a dynamically linked program, which
 * LD_PRELOAD can load a library into. A static program (static PIE too) has
 * none, and neither has a shared library.
 */
bool tb_elf__is_dynamic(const struct tb_elf *elf);

/*
 * Looks up a defined symbol by exact name: .symtab first, then .dynsym.
 * Global and weak symbols win over local ones and, in .dynsym, the default
 * version (foo@@V) over older ones (foo@V). Section, file and TLS symbols
 * are never returned. Returns 0, -ENOENT, -ERANGE if the symbol lies in
 * no PT_LOAD segment, -ENOEXEC if a symbol table cannot be read.
 */
int tb_elf__find_symbol(struct tb_elf *elf, const char *name, struct tb_elf_symbol *sym);

/* The index-th PT_LOAD segment in file order. Returns 0 or -ERANGE past the last. */
int tb_elf__segment(const struct tb_elf *elf, size_t index, struct tb_elf_segment *seg);

/*
 * The function symbol (STT_FUNC, from .symtab, else .dynsym) whose extent
 * holds the link-time address vaddr: for naming a sampled instruction
 * pointer. Returns 0, -ENOENT (no such function: stripped, or not code), or
 * -ENOEXEC.
 */
int tb_elf__symbol_at(struct tb_elf *elf, uint64_t vaddr, struct tb_elf_symbol *sym);

/*
 * The PT_LOAD segment whose memory image [vaddr, vaddr + memsz) holds vaddr.
 * Returns 0 or -ERANGE.
 */
int tb_elf__find_segment(const struct tb_elf *elf, uint64_t vaddr, struct tb_elf_segment *seg);

/*
 * File offset that vaddr is loaded from, through its PT_LOAD segment. For an
 * address in the zero-filled tail (.bss) this is where the byte would be if
 * the segment continued in the file, as the kernel computes uprobe and
 * ref_ctr offsets. Returns 0 or -ERANGE if vaddr is in no segment.
 */
int tb_elf__vaddr_to_offset(const struct tb_elf *elf, uint64_t vaddr, uint64_t *offset);

/*
 * Every note of owner "stapsdt", type 3, in .note.stapsdt sections, in file
 * order; *notes is NULL when there are none (not an error). Free with
 * tb_usdt_notes__free(). Returns 0, -ENOMEM, or -ENOEXEC if a note is
 * malformed or points outside every loadable segment.
 */
int tb_elf__usdt_notes(struct tb_elf *elf, struct tb_usdt_note **notes, size_t *nr);

/* Accepts NULL. */
void tb_usdt_notes__free(struct tb_usdt_note *notes, size_t nr);

#endif /* TB_ELF_H */
