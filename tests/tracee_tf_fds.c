/* tracee_tf_fds.c - an instrumented program that closes every descriptor it did not open, then
 * opens its own */

/*
 * Usage: tracee_tf_fds FILE [keep]
 *
 * As daemons do: main calls first() (the hook makes the thread's files),
 * then closes every descriptor from 3 to 1023 (not with "keep"), opens
 * FILE (created, empty) and writes "mine\n" into it; then calls f00 ...
 * f77 (octal: 64 functions new to the library, whose per-thread table
 * grows inside the hook in latency mode), and reads FILE back. Prints
 * "file ok" when FILE still holds exactly "mine\n", "file damaged N" (its
 * size) otherwise; exit 0 or 1. Calls: main 1, first 1, f00 ... f77 1 each.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile long sink;

void first(void)
{
	sink++;
}

#define F(n)               \
	void f##n(void)    \
	{                  \
		sink += n; \
	}
#define F8(t) F(t##0) F(t##1) F(t##2) F(t##3) F(t##4) F(t##5) F(t##6) F(t##7)
F8(0)
F8(1) F8(2) F8(3) F8(4) F8(5) F8(6) F8(7)

#define R(n) f##n,
#define R8(t) R(t##0) R(t##1) R(t##2) R(t##3) R(t##4) R(t##5) R(t##6) R(t##7)
	static void (*const fns[64])(void) = { R8(0) R8(1) R8(2) R8(3) R8(4) R8(5) R8(6) R8(7) };

int main(int argc, char **argv)
{
	char buf[64] = "";
	struct stat st;
	int fd;

	if (argc < 2)
		return 2;
	first();
	for (int i = 3; i < 1024 && !(argc > 2 && !strcmp(argv[2], "keep")); i++)
		close(i);
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "mine\n", 5) != 5)
		return 2;
	for (int i = 0; i < 64; i++)
		fns[i]();
	if (fstat(fd, &st) || pread(fd, buf, sizeof(buf) - 1, 0) < 0)
		return 2;
	if (st.st_size == 5 && !strcmp(buf, "mine\n")) {
		printf("file ok\n");
		return 0;
	}
	printf("file damaged %lld\n", (long long)st.st_size);
	return 1;
}
