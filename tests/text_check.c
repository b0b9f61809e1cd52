/* text_check.c - compare a process's executable mappings, byte for byte, with their files */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tb_maps.h"

#define CHUNK 65536

/*
 * Usage: text_check PID
 *
 * Every executable mapping of a file (the program and each library) is read
 * through /proc/PID/mem, which shows what the process really executes, and
 * through /proc/PID/map_files/, which opens the very file that is mapped even
 * when it was deleted or replaced. Text is never relocated, so a breakpoint
 * (int3), a patched instruction or a byte a tracer forgot to put back is a
 * difference. Prints "identical: N mappings, M bytes" and exits 0, or prints
 * each difference's address, file and bytes ("at 0x... in FILE: cc, want 0f")
 * and exits 1. Exits 2 when it cannot read (the process is gone, or no root).
 * A file shorter than its mapping (the last page) is compared as far as it goes.
 * An executable mapping of no file is a difference too (code a tracer mapped
 * in and left), but for the kernel's own: [vdso], [vsyscall], and the uprobes
 * pages ([uprobes], [uprobes-trampoline]) that stay until the process exits.
 */
static int compare_map(int mem, pid_t pid, const struct tb_map *m, uint64_t *bytes,
		       unsigned int *differences)
{
	static unsigned char live[CHUNK], disk[CHUNK];
	char path[96];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, m->start,
		 m->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "text_check: cannot open %s (%s): %s (run as root)\n", path,
			m->path, strerror(errno));
		return -1;
	}
	for (uint64_t at = m->start; at < m->end; at += CHUNK) {
		size_t want = m->end - at < CHUNK ? m->end - at : CHUNK;
		ssize_t nd = pread(fd, disk, want, (off_t)(m->offset + (at - m->start)));
		ssize_t nl;

		if (nd < 0) {
			fprintf(stderr, "text_check: cannot read %s: %s\n", m->path,
				strerror(errno));
			err = -1;
			break;
		}
		if (nd == 0)
			break;
		nl = pread(mem, live, (size_t)nd, (off_t)at);
		if (nl != nd) {
			fprintf(stderr,
				"text_check: cannot read %d's memory at 0x%" PRIx64 ": %s\n",
				(int)pid, at, nl < 0 ? strerror(errno) : "short read");
			err = -1;
			break;
		}
		for (ssize_t i = 0; i < nd; i++) {
			if (live[i] == disk[i])
				continue;
			if (++*differences <= 20)
				printf("at 0x%" PRIx64 " in %s: %02x, want %02x\n",
				       at + (uint64_t)i, m->path, live[i], disk[i]);
		}
		*bytes += (uint64_t)nd;
		if ((size_t)nd < want)
			break;
	}
	close(fd);
	return err;
}

/* The executable mappings the kernel makes of no file, and keeps. */
static bool kernel_mapping(const char *name)
{
	static const char *const kernel[] = { "[vdso]", "[vsyscall]", "[uprobes]",
					      "[uprobes-trampoline]" };

	for (size_t i = 0; name && i < sizeof(kernel) / sizeof(kernel[0]); i++)
		if (!strcmp(name, kernel[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct tb_map *maps = NULL;
	unsigned int differences = 0, mappings = 0;
	uint64_t bytes = 0;
	char path[64];
	size_t nr = 0;
	int mem, err;
	pid_t pid;

	if (argc != 2 || (pid = (pid_t)atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: text_check PID\n");
		return 2;
	}
	err = tb_maps__read(pid, &maps, &nr);
	if (err) {
		fprintf(stderr, "text_check: cannot read /proc/%d/maps: %s\n", (int)pid,
			strerror(-err));
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0) {
		fprintf(stderr, "text_check: cannot open %s: %s\n", path, strerror(errno));
		tb_maps__free(maps, nr);
		return 2;
	}
	for (size_t i = 0; i < nr && !err; i++) {
		if (maps[i].perms[2] != 'x')
			continue;
		if (!maps[i].path || maps[i].path[0] != '/') {
			if (!kernel_mapping(maps[i].path)) {
				differences++;
				printf("at 0x%" PRIx64
				       ": an executable mapping of no file, %s (%s)\n",
				       maps[i].start, maps[i].path ? maps[i].path : "anonymous",
				       maps[i].perms);
			}
			continue;
		}
		mappings++;
		err = compare_map(mem, pid, &maps[i], &bytes, &differences);
	}
	close(mem);
	tb_maps__free(maps, nr);
	if (err)
		return 2;
	if (differences) {
		printf("%u bytes differ in %u mappings (%" PRIu64 " bytes compared)\n", differences,
		       mappings, bytes);
		return 1;
	}
	printf("identical: %u mappings, %" PRIu64 " bytes\n", mappings, bytes);
	return 0;
}
