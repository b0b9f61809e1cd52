/* tb_msg.c - the one-line message a tool prints when something fails */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tb_msg.h"

void tb_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void tb_msg__hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int held;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		held = open("/dev/null", (fd ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
		if (held >= 0 && held != fd) {
			dup3(held, fd, O_CLOEXEC);
			close(held);
		}
	}
}

int tb_msg__check_stdout(const char *what)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	/* No errno: the flush had nothing left to write, an earlier write failed. */
	tb_fail("cannot write %s to stdout: %s", what, errno ? strerror(errno) : "a write failed");
	return 1;
}
