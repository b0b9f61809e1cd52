/* tb_maps.c - /proc/PID/maps: mappings, and file offsets to run-time addresses */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "tb_elf.h"
#include "tb_maps.h"

#define DELETED_SUFFIX " (deleted)"

/* Parses hex digits at *p that end in term, and steps past term. */
static int field__parse_hex(const char **p, char term, uint64_t *value)
{
	unsigned long long v;
	char *end;

	/* strtoull would accept leading blanks, a sign and "0x"; the kernel writes none of them. */
	if (!((**p >= '0' && **p <= '9') || (**p >= 'a' && **p <= 'f')))
		return -EIO;
	errno = 0;
	v = strtoull(*p, &end, 16);
	if (errno || *end != term)
		return -EIO;
	*value = v;
	*p = end + 1;
	return 0;
}

/* Parses one line (without its newline) of /proc/PID/maps. */
static int map__parse(const char *line, struct tb_map *map)
{
	uint64_t major, minor;
	unsigned long long inode;
	const char *p = line;
	char *end;
	int err;

	*map = (struct tb_map){ .path = NULL };
	err = field__parse_hex(&p, '-', &map->start);
	if (!err)
		err = field__parse_hex(&p, ' ', &map->end);
	if (err)
		return err;
	if (strnlen(p, 5) < 5 || p[4] != ' ')
		return -EIO;
	memcpy(map->perms, p, 4);
	p += 5;
	err = field__parse_hex(&p, ' ', &map->offset);
	if (!err)
		err = field__parse_hex(&p, ':', &major);
	if (!err)
		err = field__parse_hex(&p, ' ', &minor);
	if (err)
		return err;
	if (major > UINT32_MAX || minor > UINT32_MAX || map->end < map->start)
		return -EIO;
	map->dev_major = major;
	map->dev_minor = minor;
	if (*p < '0' || *p > '9')
		return -EIO;
	errno = 0;
	inode = strtoull(p, &end, 10);
	if (errno || (*end != ' ' && *end != '\0'))
		return -EIO;
	map->inode = inode;

	/* The kernel pads to a column before the name; a name never starts with a blank. */
	p = end;
	while (*p == ' ')
		p++;
	if (*p) {
		map->path = strdup(p);
		if (!map->path)
			return -ENOMEM;
	}
	return 0;
}

static int maps__append(struct tb_map **maps, size_t *nr, size_t *cap, const struct tb_map *map)
{
	if (*nr == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 64;
		struct tb_map *grown;

		grown = reallocarray(*maps, new_cap, sizeof(**maps));
		if (!grown)
			return -ENOMEM;
		*maps = grown;
		*cap = new_cap;
	}
	(*maps)[(*nr)++] = *map;
	return 0;
}

/* Reads maps lines from f; -ESRCH when there are none. */
static int maps__read_stream(FILE *f, struct tb_map **mapsp, size_t *nrp)
{
	struct tb_map *maps = NULL;
	size_t nr = 0, cap = 0, line_cap = 0;
	char *line = NULL;
	ssize_t len;
	int err = 0;

	/* getline, because a path can be up to PATH_MAX long and lines have no length limit. */
	while (!err && (len = getline(&line, &line_cap, f)) > 0) {
		struct tb_map map;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		err = map__parse(line, &map);
		if (err)
			break;
		err = maps__append(&maps, &nr, &cap, &map);
		if (err)
			free(map.path);
	}
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	/*
	 * A process that exits after our open reads as empty, as do zombies and
	 * kernel threads: none has an address space to trace.
	 */
	if (!err && !nr)
		err = -ESRCH;
	free(line);
	if (err) {
		tb_maps__free(maps, nr);
		return err;
	}
	*mapsp = maps;
	*nrp = nr;
	return 0;
}

int tb_maps__read(pid_t pid, struct tb_map **mapsp, size_t *nrp)
{
	char path[64];
	FILE *f;
	int err;

	*mapsp = NULL;
	*nrp = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	err = maps__read_stream(f, mapsp, nrp);
	fclose(f);
	return err;
}

int tb_maps__parse(const char *text, size_t len, struct tb_map **mapsp, size_t *nrp)
{
	FILE *f;
	int err;

	*mapsp = NULL;
	*nrp = 0;
	if (!len)
		return -ESRCH;
	f = fmemopen((void *)text, len, "r");
	if (!f)
		return -errno;
	err = maps__read_stream(f, mapsp, nrp);
	fclose(f);
	return err;
}

void tb_maps__free(struct tb_map *maps, size_t nr)
{
	size_t i;

	if (!maps)
		return;
	for (i = 0; i < nr; i++)
		free(maps[i].path);
	free(maps);
}

/* How mappings of one file are recognised: by device and inode, or by name if it is gone. */
struct file_id {
	bool by_inode;
	unsigned int dev_major, dev_minor;
	uint64_t inode;
	const char *path;
};

static void file_id__init(struct file_id *id, const char *path)
{
	struct stat st;

	*id = (struct file_id){ .path = path };
	if (stat(path, &st))
		return;
	id->by_inode = true;
	id->dev_major = major(st.st_dev);
	id->dev_minor = minor(st.st_dev);
	id->inode = st.st_ino;
}

static bool map__is_file(const struct tb_map *map, const struct file_id *id)
{
	size_t len;

	if (id->by_inode)
		/* Inode 0 is an anonymous or special mapping ([vdso]), never a file. */
		return map->inode && map->inode == id->inode && map->dev_major == id->dev_major &&
		       map->dev_minor == id->dev_minor;
	if (!map->path)
		return false;
	len = strlen(id->path);
	return !strncmp(map->path, id->path, len) &&
	       (!map->path[len] || !strcmp(map->path + len, DELETED_SUFFIX));
}

static bool map__holds_offset(const struct tb_map *map, uint64_t offset)
{
	return offset >= map->offset && offset - map->offset < map->end - map->start;
}

static int maps__offset_to_addr(const struct tb_map *maps, size_t nr, const struct file_id *id,
				uint64_t offset, uint64_t *addr)
{
	bool mapped = false;
	size_t i;

	for (i = 0; i < nr; i++) {
		if (!map__is_file(&maps[i], id))
			continue;
		mapped = true;
		if (map__holds_offset(&maps[i], offset)) {
			*addr = maps[i].start + (offset - maps[i].offset);
			return 0;
		}
	}
	return mapped ? -ERANGE : -ENOENT;
}

int tb_maps__offset_to_addr(const struct tb_map *maps, size_t nr, const char *path, uint64_t offset,
			    uint64_t *addr)
{
	struct file_id id;

	file_id__init(&id, path);
	return maps__offset_to_addr(maps, nr, &id, offset, addr);
}

/* Is file offset `offset` of the file mapped exactly at run-time address addr? */
static bool maps__maps_offset_at(const struct tb_map *maps, size_t nr, const struct file_id *id,
				 uint64_t addr, uint64_t offset)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct tb_map *m = &maps[i];

		if (map__is_file(m, id) && addr >= m->start && addr < m->end &&
		    m->offset + (addr - m->start) == offset)
			return true;
	}
	return false;
}

/* Does bias (run-time minus link-time address) map every segment of elf where the loader would? */
static bool maps__check_bias(const struct tb_map *maps, size_t nr, const struct file_id *id,
			     const struct tb_elf *elf, uint64_t bias)
{
	struct tb_elf_segment seg;
	size_t i;

	for (i = 0; !tb_elf__segment(elf, i, &seg); i++) {
		if (seg.filesz && !maps__maps_offset_at(maps, nr, id, seg.vaddr + bias, seg.offset))
			return false;
	}
	return true;
}

/*
 * The load bias of elf in the process. Each mapping of the file that holds
 * the segment's first byte proposes one; the right one maps every other
 * segment where the program headers put it. Trying them all matters when two
 * segments share a file page (small programs do): that page is mapped twice
 * and only one of the two copies belongs to this segment.
 */
static int maps__load_bias(const struct tb_map *maps, size_t nr, const struct file_id *id,
			   const struct tb_elf *elf, const struct tb_elf_segment *seg,
			   uint64_t *bias)
{
	bool mapped = false;
	size_t i;

	if (!seg->filesz)
		return -ERANGE;
	for (i = 0; i < nr; i++) {
		const struct tb_map *m = &maps[i];
		uint64_t candidate;

		if (!map__is_file(m, id))
			continue;
		mapped = true;
		if (!map__holds_offset(m, seg->offset))
			continue;
		/* Unsigned wrap-around: a non-PIE loaded at its link address has bias 0. */
		candidate = m->start + (seg->offset - m->offset) - seg->vaddr;
		if (maps__check_bias(maps, nr, id, elf, candidate)) {
			*bias = candidate;
			return 0;
		}
	}
	return mapped ? -ERANGE : -ENOENT;
}

int tb_maps__resolve_symbol(pid_t pid, const char *path, const char *symbol, uint64_t *addr)
{
	struct tb_elf *elf = NULL;
	struct tb_map *maps = NULL;
	struct tb_elf_segment seg;
	struct tb_elf_symbol sym;
	char exe[64];
	struct file_id id;
	uint64_t bias;
	size_t nr = 0;
	int err;

	/* Maps first: a pid that is gone is -ESRCH, not a failure to open its exe. */
	err = tb_maps__read(pid, &maps, &nr);
	if (err)
		return err;
	if (!path) {
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
		path = exe;
	}
	err = tb_elf__open(path, &elf);
	if (err == -ENOENT && path == exe)
		err = -ESRCH; /* it exited since we read its maps */
	if (err)
		goto out;
	err = tb_elf__find_symbol(elf, symbol, &sym);
	if (!err)
		err = tb_elf__find_segment(elf, sym.addr, &seg);
	if (err)
		goto out;
	file_id__init(&id, path);
	err = maps__load_bias(maps, nr, &id, elf, &seg, &bias);
	if (!err)
		*addr = sym.addr + bias;
out:
	tb_elf__close(elf);
	tb_maps__free(maps, nr);
	return err;
}
