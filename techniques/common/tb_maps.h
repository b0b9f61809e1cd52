/* tb_maps.h - /proc/PID/maps: mappings, and file offsets to run-time addresses */
#ifndef TB_MAPS_H
#define TB_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tb_map {
	uint64_t start, end; /* [start, end) in the process */
	uint64_t offset; /* file offset mapped at start */
	uint64_t inode;
	unsigned int dev_major, dev_minor;
	char perms[5]; /* "r-xp" */
	/*
	 * NULL for an anonymous mapping; "[stack]", "[heap]", "[vdso]" as the
	 * kernel names them; a deleted file keeps its " (deleted)" suffix. The
	 * kernel writes a newline in a file name as "\012".
	 */
	char *path;
};

/*
 * Reads /proc/PID/maps. Returns 0; -ESRCH if the process is gone or has no
 * address space (a zombie, a kernel thread); -EACCES or -EPERM from the
 * kernel's ptrace access check; -ENOMEM; -EIO on a line it cannot parse.
 */
int tb_maps__read(pid_t pid, struct tb_map **maps, size_t *nr);

/* Accepts NULL. */
/*
 * The same from a copy of a maps file's text (len bytes, not necessarily
 * NUL-terminated), e.g. one a process saved of itself. -EINVAL for a
 * malformed line, -ESRCH when there is none.
 */
int tb_maps__parse(const char *text, size_t len, struct tb_map **maps, size_t *nr);

void tb_maps__free(struct tb_map *maps, size_t nr);

/*
 * The run-time address where file offset `offset` of the file `path` is
 * mapped. The file is matched by device and inode from stat(path), so
 * symlinks (/proc/PID/exe) and relative paths work; if stat fails (the file
 * was deleted) by the path string, with or without " (deleted)". The first
 * mapping in address order wins: where two segments of one object share a
 * file page, an offset in that page is mapped twice and the answer may be
 * the other segment's copy (tb_maps__resolve_symbol does not have this
 * problem). Returns 0, -ENOENT if the file is not mapped, -ERANGE if it is
 * but that offset is not.
 */
int tb_maps__offset_to_addr(const struct tb_map *maps, size_t nr, const char *path, uint64_t offset,
			    uint64_t *addr);

/*
 * The run-time address of `symbol` (see tb_elf__find_symbol) in process pid.
 * path NULL means the main executable (/proc/PID/exe); otherwise a file the
 * process maps, executable or shared library, as a path valid in our mount
 * namespace. The load bias is taken from a mapping of the symbol's segment
 * and checked against every other loadable segment of the file. Returns 0,
 * -ESRCH, -EACCES/-EPERM, an error of tb_elf__open() or tb_elf__find_symbol(),
 * -ENOENT if the file is not mapped, -ERANGE if it is mapped but not the way
 * its program headers say the loader maps it.
 */
int tb_maps__resolve_symbol(pid_t pid, const char *path, const char *symbol, uint64_t *addr);

#endif /* TB_MAPS_H */
