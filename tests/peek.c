/* peek.c - print bytes of another process's memory, by symbol or address, for the tracer tests */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tb_maps.h"

/*
 * Usage: peek PID WHERE SIZE
 *
 * WHERE is an address (0x...) or [FILE:]SYMBOL (FILE a mapped executable or
 * library, default the main executable). Reads SIZE bytes (at most 64)
 * through /proc/PID/mem, which shows what the process really executes
 * (breakpoints included), and prints them as hex: "0f 1f 44 00 00".
 */
int main(int argc, char **argv)
{
	unsigned char buf[64];
	char path[64], *file = NULL, *colon;
	const char *symbol;
	uint64_t addr;
	long size;
	pid_t pid;
	int fd, err;

	if (argc != 4) {
		fprintf(stderr, "usage: peek PID ADDRESS|[FILE:]SYMBOL SIZE\n");
		return 2;
	}
	pid = atoi(argv[1]);
	size = atol(argv[3]);
	if (pid <= 0 || size <= 0 || size > (long)sizeof(buf)) {
		fprintf(stderr, "peek: bad pid or size\n");
		return 2;
	}
	if (!strncmp(argv[2], "0x", 2)) {
		addr = strtoull(argv[2], NULL, 16);
	} else {
		colon = strrchr(argv[2], ':');
		symbol = argv[2];
		if (colon) {
			file = strndup(argv[2], colon - argv[2]);
			symbol = colon + 1;
		}
		err = tb_maps__resolve_symbol(pid, file, symbol, &addr);
		free(file);
		if (err) {
			fprintf(stderr, "peek: %s in pid %d: %s\n", argv[2], pid, strerror(-err));
			return 1;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, buf, size, addr) != size) {
		fprintf(stderr, "peek: %s at 0x%" PRIx64 ": %s\n", path, addr, strerror(errno));
		return 1;
	}
	close(fd);
	for (long i = 0; i < size; i++)
		printf("%02x%s", buf[i], i + 1 < size ? " " : "\n");
	return 0;
}
