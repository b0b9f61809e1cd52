/* tb_elf.c - symbols, load segments and USDT probe notes of an x86-64 ELF file, read with libelf */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb_elf.h"

/* The systemtap SDT note: owner "stapsdt", type 3, descriptor pc, base, semaphore, 3 strings. */
#define STAPSDT_NOTE_OWNER "stapsdt"
#define STAPSDT_NOTE_TYPE 3
#define STAPSDT_NOTE_WORDS 3

/* In .gnu.version: the entry is an older, non-default version of the symbol (foo@V). */
#define VERSYM_HIDDEN 0x8000

struct tb_elf {
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t nr_segments;
	struct tb_elf_segment *segments; /* the PT_LOAD headers, in file order */
	bool dynamic; /* has a program interpreter (PT_INTERP) */
};

static int elf__load_segments(struct tb_elf *elf)
{
	size_t nr_phdrs, i;

	if (elf_getphdrnum(elf->elf, &nr_phdrs))
		return -ENOEXEC;
	elf->segments = calloc(nr_phdrs ? nr_phdrs : 1, sizeof(*elf->segments));
	if (!elf->segments)
		return -ENOMEM;
	for (i = 0; i < nr_phdrs; i++) {
		GElf_Phdr phdr;

		if (!gelf_getphdr(elf->elf, i, &phdr))
			return -ENOEXEC;
		if (phdr.p_type == PT_INTERP)
			elf->dynamic = true;
		if (phdr.p_type != PT_LOAD)
			continue;
		/* Reject headers whose ranges wrap, so lookups never have to think about it. */
		if (phdr.p_filesz > phdr.p_memsz || phdr.p_vaddr + phdr.p_memsz < phdr.p_vaddr ||
		    phdr.p_offset + phdr.p_filesz < phdr.p_offset)
			return -ENOEXEC;
		elf->segments[elf->nr_segments++] = (struct tb_elf_segment){
			.vaddr = phdr.p_vaddr,
			.offset = phdr.p_offset,
			.filesz = phdr.p_filesz,
			.memsz = phdr.p_memsz,
			.flags = phdr.p_flags,
		};
	}
	/* Nothing of it would be in memory: not something a process runs. */
	return elf->nr_segments ? 0 : -ENOEXEC;
}

/*
 * libelf quietly shortens a header table that runs past the end of the file,
 * so a truncated file would read as one without segments or sections, and
 * "no USDT probes" would be a lie.
 */
static bool table__fits(uint64_t offset, uint64_t count, uint64_t entry_size, uint64_t file_size)
{
	return offset <= file_size && count <= (file_size - offset) / (entry_size ? entry_size : 1);
}

static int elf__check_header(struct tb_elf *elf, uint64_t file_size)
{
	const char *ident;
	size_t nr_sections;

	if (elf_kind(elf->elf) != ELF_K_ELF)
		return -ENOEXEC;
	ident = elf_getident(elf->elf, NULL);
	if (!ident || ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	if (!gelf_getehdr(elf->elf, &elf->ehdr))
		return -ENOEXEC;
	if (elf->ehdr.e_machine != EM_X86_64)
		return -ENOEXEC;
	/* Objects and core files have no load addresses a probe could use. */
	if (elf->ehdr.e_type != ET_EXEC && elf->ehdr.e_type != ET_DYN)
		return -ENOEXEC;
	if (elf->ehdr.e_phentsize != sizeof(Elf64_Phdr) ||
	    !table__fits(elf->ehdr.e_phoff, elf->ehdr.e_phnum, sizeof(Elf64_Phdr), file_size))
		return -ENOEXEC;
	if (!elf->ehdr.e_shoff)
		return 0; /* no section table: allowed, it just has no symbols or notes */
	/* With 0xff00 sections or more, e_shnum is 0 and the count is in section 0. */
	if (elf->ehdr.e_shentsize != sizeof(Elf64_Shdr) ||
	    !table__fits(elf->ehdr.e_shoff, elf->ehdr.e_shnum ? elf->ehdr.e_shnum : 1,
			 sizeof(Elf64_Shdr), file_size) ||
	    elf_getshdrnum(elf->elf, &nr_sections) || !nr_sections ||
	    !table__fits(elf->ehdr.e_shoff, nr_sections, sizeof(Elf64_Shdr), file_size))
		return -ENOEXEC;
	return 0;
}

/*
 * Opens path for reading if it is a regular file. Paths can come from files
 * a traced program wrote (tb-signal's sample file, tb-tracefunc's recording),
 * and merely opening a device can act (a watchdog starts, a tape rewinds) or
 * a FIFO block: the file is looked at through O_PATH first, which opens
 * nothing, and then opened through that descriptor, so it cannot be swapped
 * in between. Returns the descriptor or -errno (-ENOEXEC: not a regular file).
 */
static int open_regular(const char *path, struct stat *st)
{
	char fd_path[32];
	int pfd, fd;

	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, st)) {
		fd = -errno;
	} else if (!S_ISREG(st->st_mode)) {
		fd = -ENOEXEC;
	} else {
		snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", pfd);
		fd = open(fd_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	close(pfd);
	return fd;
}

int tb_elf__open(const char *path, struct tb_elf **elfp)
{
	struct tb_elf *elf;
	struct stat st;
	int err;

	*elfp = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	elf = calloc(1, sizeof(*elf));
	if (!elf)
		return -ENOMEM;
	elf->fd = open_regular(path, &st);
	if (elf->fd < 0) {
		err = elf->fd;
		goto err_free;
	}
	/*
	 * ELF_C_READ, not ELF_C_READ_MMAP: a mapping of the file would show up in
	 * our own /proc/self/maps as one more mapping of it at offset 0, which
	 * tb_maps could not tell from the loader's; and a file truncated under a
	 * mapping raises SIGBUS instead of a read error.
	 */
	elf->elf = elf_begin(elf->fd, ELF_C_READ, NULL);
	if (!elf->elf) {
		err = -ENOEXEC;
		goto err_close;
	}
	err = elf__check_header(elf, st.st_size);
	if (!err)
		err = elf__load_segments(elf);
	if (err) {
		tb_elf__close(elf);
		return err;
	}
	*elfp = elf;
	return 0;

err_close:
	close(elf->fd);
err_free:
	free(elf);
	return err;
}

int tb_elf__read_all(struct tb_elf *elf)
{
	if (elf->fd < 0)
		return 0;
	if (elf_cntl(elf->elf, ELF_C_FDREAD))
		return -EIO;
	close(elf->fd);
	elf->fd = -1;
	return 0;
}

void tb_elf__close(struct tb_elf *elf)
{
	if (!elf)
		return;
	elf_end(elf->elf);
	if (elf->fd >= 0)
		close(elf->fd);
	free(elf->segments);
	free(elf);
}

bool tb_elf__is_pie(const struct tb_elf *elf)
{
	return elf->ehdr.e_type == ET_DYN;
}

bool tb_elf__is_dynamic(const struct tb_elf *elf)
{
	return elf->dynamic;
}

int tb_elf__segment(const struct tb_elf *elf, size_t index, struct tb_elf_segment *seg)
{
	if (index >= elf->nr_segments)
		return -ERANGE;
	*seg = elf->segments[index];
	return 0;
}

int tb_elf__find_segment(const struct tb_elf *elf, uint64_t vaddr, struct tb_elf_segment *seg)
{
	size_t i;

	for (i = 0; i < elf->nr_segments; i++) {
		const struct tb_elf_segment *s = &elf->segments[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz) {
			*seg = *s;
			return 0;
		}
	}
	return -ERANGE;
}

int tb_elf__vaddr_to_offset(const struct tb_elf *elf, uint64_t vaddr, uint64_t *offset)
{
	struct tb_elf_segment seg;
	int err;

	err = tb_elf__find_segment(elf, vaddr, &seg);
	if (err)
		return err;
	*offset = vaddr - seg.vaddr + seg.offset;
	return 0;
}

static Elf_Scn *elf__find_section_by_type(Elf *elf, Elf64_Word type, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, shdr) && shdr->sh_type == type)
			return scn;
	}
	return NULL;
}

/* The .gnu.version table that belongs to the symbol table in section symtab_index, or NULL. */
static Elf_Data *elf__versym_data(Elf *elf, size_t symtab_index)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_GNU_versym &&
		    shdr.sh_link == symtab_index)
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

enum symbol_rank {
	RANK_BEST, /* global or weak, default version */
	RANK_OLD_VERSION, /* global or weak, but a hidden older version */
	RANK_LOCAL,
	RANK_NONE,
};

static bool symbol__is_address(const GElf_Sym *sym)
{
	switch (GELF_ST_TYPE(sym->st_info)) {
	case STT_FUNC:
	case STT_OBJECT:
	case STT_GNU_IFUNC:
	case STT_NOTYPE:
		break;
	default:
		/* STT_TLS values are offsets into a thread's TLS block, not addresses. */
		return false;
	}
	return sym->st_shndx != SHN_UNDEF && sym->st_shndx != SHN_ABS &&
	       sym->st_shndx != SHN_COMMON;
}

/* The best-ranked definition of name in one symbol table; RANK_NONE if there is none. */
static int elf__search_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, const char *name,
			      GElf_Sym *best)
{
	enum symbol_rank best_rank = RANK_NONE;
	Elf_Data *data, *versym;
	size_t i, nr;

	data = elf_getdata(scn, NULL);
	if (!data)
		return -ENOEXEC;
	versym = shdr->sh_type == SHT_DYNSYM ? elf__versym_data(elf, elf_ndxscn(scn)) : NULL;
	nr = data->d_size / sizeof(Elf64_Sym);
	for (i = 0; i < nr && best_rank != RANK_BEST; i++) {
		enum symbol_rank rank;
		GElf_Versym vs;
		const char *sym_name;
		GElf_Sym sym;

		if (!gelf_getsym(data, i, &sym) || !symbol__is_address(&sym))
			continue;
		sym_name = elf_strptr(elf, shdr->sh_link, sym.st_name);
		if (!sym_name || strcmp(sym_name, name))
			continue;
		if (GELF_ST_BIND(sym.st_info) == STB_LOCAL)
			rank = RANK_LOCAL;
		else if (versym && gelf_getversym(versym, i, &vs) && (vs & VERSYM_HIDDEN))
			rank = RANK_OLD_VERSION;
		else
			rank = RANK_BEST;
		if (rank < best_rank) {
			best_rank = rank;
			*best = sym;
		}
	}
	return best_rank;
}

int tb_elf__find_symbol(struct tb_elf *elf, const char *name, struct tb_elf_symbol *sym)
{
	static const Elf64_Word table_types[] = { SHT_SYMTAB, SHT_DYNSYM };
	size_t t;

	for (t = 0; t < sizeof(table_types) / sizeof(table_types[0]); t++) {
		GElf_Shdr shdr;
		GElf_Sym found = { 0 }; /* gcc cannot see that a rank implies it is set */
		Elf_Scn *scn;
		int rank;

		scn = elf__find_section_by_type(elf->elf, table_types[t], &shdr);
		if (!scn)
			continue;
		rank = elf__search_symtab(elf->elf, scn, &shdr, name, &found);
		if (rank < 0)
			return rank;
		if (rank == RANK_NONE)
			continue;
		*sym = (struct tb_elf_symbol){
			/* libelf's copy of the string table lives as long as the Elf. */
			.name = elf_strptr(elf->elf, shdr.sh_link, found.st_name),
			.addr = found.st_value,
			.size = found.st_size,
			.type = GELF_ST_TYPE(found.st_info),
		};
		return tb_elf__vaddr_to_offset(elf, sym->addr, &sym->file_offset);
	}
	return -ENOENT;
}

int tb_elf__symbol_at(struct tb_elf *elf, uint64_t vaddr, struct tb_elf_symbol *sym)
{
	static const Elf64_Word table_types[] = { SHT_SYMTAB, SHT_DYNSYM };

	for (size_t t = 0; t < sizeof(table_types) / sizeof(table_types[0]); t++) {
		GElf_Sym best = { 0 };
		GElf_Shdr shdr;
		Elf_Data *data;
		Elf_Scn *scn;
		bool found = false;
		size_t nr;

		scn = elf__find_section_by_type(elf->elf, table_types[t], &shdr);
		if (!scn || !(data = elf_getdata(scn, NULL)))
			continue;
		nr = data->d_size / sizeof(Elf64_Sym);
		for (size_t i = 0; i < nr; i++) {
			GElf_Sym cand;

			if (!gelf_getsym(data, i, &cand) ||
			    GELF_ST_TYPE(cand.st_info) != STT_FUNC || !symbol__is_address(&cand) ||
			    cand.st_value > vaddr)
				continue;
			/* Inside a sized symbol; of several, the one that starts last. */
			if (vaddr >= cand.st_value + (cand.st_size ? cand.st_size : 1))
				continue;
			if (!found || cand.st_value > best.st_value) {
				best = cand;
				found = true;
			}
		}
		if (!found)
			continue;
		*sym = (struct tb_elf_symbol){
			.name = elf_strptr(elf->elf, shdr.sh_link, best.st_name),
			.addr = best.st_value,
			.size = best.st_size,
			.type = GELF_ST_TYPE(best.st_info),
		};
		if (!sym->name)
			return -ENOEXEC;
		return tb_elf__vaddr_to_offset(elf, sym->addr, &sym->file_offset);
	}
	return -ENOENT;
}

static uint64_t read_u64_le(const unsigned char *p)
{
	uint64_t v;

	/* The file is checked to be little-endian like us; memcpy because p is unaligned. */
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Where .stapsdt.base is now; each note records where it was when the note was written. */
struct stapsdt_base {
	bool found;
	uint64_t addr;
};

/*
 * Parses one stapsdt descriptor (desc, len bytes, both from the file: nothing
 * in it is trusted) into note.
 */
static int usdt_note__parse(struct tb_elf *elf, const unsigned char *desc, size_t len,
			    const struct stapsdt_base *base, struct tb_usdt_note *note)
{
	const size_t words = STAPSDT_NOTE_WORDS * sizeof(uint64_t);
	const char *strings, *provider_end, *name_end, *args_end;
	uint64_t note_base, adjust = 0;
	size_t strings_len;
	char *copy;

	if (len < words)
		return -ENOEXEC;
	strings = (const char *)desc + words;
	strings_len = len - words;
	provider_end = memchr(strings, '\0', strings_len);
	if (!provider_end || provider_end == strings)
		return -ENOEXEC;
	name_end = memchr(provider_end + 1, '\0', strings + strings_len - (provider_end + 1));
	if (!name_end || name_end == provider_end + 1)
		return -ENOEXEC;
	args_end = memchr(name_end + 1, '\0', strings + strings_len - (name_end + 1));
	if (!args_end)
		return -ENOEXEC;

	/*
	 * If prelink moved the file after linking, .stapsdt.base moved with it
	 * and the difference is what the probe addresses moved by. Unsigned
	 * wrap-around makes a move to a lower address come out right.
	 */
	note_base = read_u64_le(desc + sizeof(uint64_t));
	if (base->found && note_base)
		adjust = base->addr - note_base;
	*note = (struct tb_usdt_note){
		.addr = read_u64_le(desc) + adjust,
		.semaphore = read_u64_le(desc + 2 * sizeof(uint64_t)),
	};
	if (note->semaphore)
		note->semaphore += adjust;
	if (tb_elf__vaddr_to_offset(elf, note->addr, &note->file_offset))
		return -ENOEXEC;
	if (note->semaphore &&
	    tb_elf__vaddr_to_offset(elf, note->semaphore, &note->semaphore_offset))
		return -ENOEXEC;

	/* One allocation for the three strings: provider owns it, tb_usdt_notes__free frees it. */
	copy = malloc(args_end + 1 - strings);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, strings, args_end + 1 - strings);
	note->provider = copy;
	note->name = copy + (provider_end + 1 - strings);
	note->args = copy + (name_end + 1 - strings);
	return 0;
}

static int usdt_notes__append(struct tb_usdt_note **notes, size_t *nr, size_t *cap,
			      const struct tb_usdt_note *note)
{
	if (*nr == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 16;
		struct tb_usdt_note *grown;

		grown = reallocarray(*notes, new_cap, sizeof(**notes));
		if (!grown)
			return -ENOMEM;
		*notes = grown;
		*cap = new_cap;
	}
	(*notes)[(*nr)++] = *note;
	return 0;
}

/* Parses every stapsdt note of one note section and appends them. */
static int elf__parse_note_section(struct tb_elf *elf, Elf_Scn *scn,
				   const struct stapsdt_base *base, struct tb_usdt_note **notes,
				   size_t *nr, size_t *cap)
{
	size_t offset = 0, next, name_off, desc_off;
	Elf_Data *data;
	GElf_Nhdr nhdr;
	int err;

	data = elf_getdata(scn, NULL);
	if (!data)
		return -ENOEXEC;
	if (!data->d_buf)
		return data->d_size ? -ENOEXEC : 0;
	while (offset < data->d_size &&
	       (next = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off)) > 0) {
		const unsigned char *buf = data->d_buf;
		struct tb_usdt_note note;

		offset = next;
		if (nhdr.n_type != STAPSDT_NOTE_TYPE ||
		    nhdr.n_namesz != sizeof(STAPSDT_NOTE_OWNER) ||
		    memcmp(buf + name_off, STAPSDT_NOTE_OWNER, sizeof(STAPSDT_NOTE_OWNER)))
			continue;
		/* gelf_getnote checked this already; the descriptor is the one thing we parse. */
		if (desc_off > data->d_size || nhdr.n_descsz > data->d_size - desc_off)
			return -ENOEXEC;
		err = usdt_note__parse(elf, buf + desc_off, nhdr.n_descsz, base, &note);
		if (err)
			return err;
		err = usdt_notes__append(notes, nr, cap, &note);
		if (err) {
			free(note.provider);
			return err;
		}
	}
	/* gelf_getnote returns 0 both at the end and on a header that does not fit. */
	return offset < data->d_size ? -ENOEXEC : 0;
}

int tb_elf__usdt_notes(struct tb_elf *elf, struct tb_usdt_note **notesp, size_t *nrp)
{
	struct stapsdt_base base = { .found = false };
	struct tb_usdt_note *notes = NULL;
	size_t shstrndx, nr = 0, cap = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	int err = 0;

	*notesp = NULL;
	*nrp = 0;
	if (elf_getshdrstrndx(elf->elf, &shstrndx))
		return -ENOEXEC;

	while (!base.found && (scn = elf_nextscn(elf->elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(elf->elf, shstrndx, shdr.sh_name);
		if (name && !strcmp(name, ".stapsdt.base"))
			base = (struct stapsdt_base){ .found = true, .addr = shdr.sh_addr };
	}

	scn = NULL;
	while (!err && (scn = elf_nextscn(elf->elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(elf->elf, shstrndx, shdr.sh_name);
		if (name && !strcmp(name, ".note.stapsdt"))
			err = elf__parse_note_section(elf, scn, &base, &notes, &nr, &cap);
	}
	if (err) {
		tb_usdt_notes__free(notes, nr);
		return err;
	}
	*notesp = notes;
	*nrp = nr;
	return 0;
}

void tb_usdt_notes__free(struct tb_usdt_note *notes, size_t nr)
{
	size_t i;

	if (!notes)
		return;
	for (i = 0; i < nr; i++)
		free(notes[i].provider);
	free(notes);
}
