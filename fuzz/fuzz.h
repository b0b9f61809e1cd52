/* fuzz.h - what the fuzz targets share: libFuzzer's entry point, a C string copy, a memfd */
#ifndef TB_FUZZ_H
#define TB_FUZZ_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* libFuzzer calls this once per input; it must return 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A property the code under test promises did not hold: abort, so the
 * fuzzer saves the input as a crash, with the reason on stderr.
 */
#define fuzz_assert(cond)                                                                      \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "%s:%d: fuzz_assert(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                                        \
			abort();                                                               \
		}                                                                              \
	} while (0)

/* The input as a NUL-terminated string (cut at its first NUL), malloc'd. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * The input as the content of a file, for parsers that take a path: one
 * memfd, rewritten for every input; its path (/proc/self/fd/N) in path.
 */
static inline void fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t len)
{
	static int fd = -1;

	if (fd < 0)
		fd = memfd_create("tb-fuzz", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	snprintf(path, len, "/proc/self/fd/%d", fd);
}

#endif /* TB_FUZZ_H */
