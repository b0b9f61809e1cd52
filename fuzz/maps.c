/* maps.c - fuzz target: tb_maps__parse (/proc/PID/maps, or a copy saved in a sample file) */
#include "fuzz.h"

#include <errno.h>

#include "tb_maps.h"

#define DELETED " (deleted)"

/* Where offset of the file named path is mapped, if anywhere: in a mapping of it, at offset. */
static void check_offset(const struct tb_map *maps, size_t nr, const char *path, uint64_t offset)
{
	uint64_t addr;
	int err = tb_maps__offset_to_addr(maps, nr, path, offset, &addr);

	if (err) {
		fuzz_assert(err == -ERANGE || err == -ENOENT);
		return;
	}
	for (size_t j = 0;; j++) {
		fuzz_assert(j < nr);
		if (maps[j].path && !strncmp(maps[j].path, path, strlen(path)) &&
		    addr >= maps[j].start && addr < maps[j].end &&
		    maps[j].offset + (addr - maps[j].start) == offset)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tb_map *maps;
	size_t nr;
	int err;

	err = tb_maps__parse((const char *)data, size, &maps, &nr);
	if (err) {
		fuzz_assert(!maps && !nr && (err == -EIO || err == -ESRCH || err == -ENOMEM));
		return 0;
	}
	fuzz_assert(nr > 0);
	for (size_t i = 0; i < nr; i++) {
		const char *path = maps[i].path;
		size_t len;

		fuzz_assert(maps[i].start <= maps[i].end && maps[i].perms[4] == '\0');
		if (!path)
			continue;
		fuzz_assert(path[0] != ' ' && !strchr(path, '\n'));
		/*
		 * Looked up by name, as a deleted file is: only paths that name no
		 * file here (a file is matched by device and inode, which the input
		 * makes up), so what is found does not depend on this machine.
		 */
		if (!access(path, F_OK))
			continue;
		check_offset(maps, nr, path, maps[i].offset);
		len = strlen(path);
		if (len > strlen(DELETED) && !strcmp(path + len - strlen(DELETED), DELETED)) {
			char *name = strndup(path, len - strlen(DELETED));

			if (!name)
				abort();
			if (access(name, F_OK))
				check_offset(maps, nr, name, maps[i].offset);
			free(name);
		}
	}
	tb_maps__free(maps, nr);
	return 0;
}
