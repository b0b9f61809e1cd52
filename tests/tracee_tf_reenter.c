/* tracee_tf_reenter.c - instrumented code that the tracing hook itself reaches */

/*
 * Usage: tracee_tf_reenter wrap CALLS
 *
 * This program defines its own open, openat, mkdir, mmap, munmap,
 * fallocate and close, instrumented like the rest and exported
 * (-rdynamic), so they interpose on libc's for every library, the tracing
 * library included: when the hook makes its files, it calls them, and they
 * call the hook again. Each makes the system call itself and counts its
 * invocations. Then main calls use_files() CALLS times, which opens, maps,
 * unmaps and closes a file through them. Prints "NAME N" for each
 * wrapper's invocations (the hook's and the program's), "use_files N" and
 * "ok 1" when every operation of the program's own worked.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static long n_open, n_openat, n_mkdir, n_mmap, n_munmap, n_fallocate, n_close;

#define BUMP(n) __atomic_fetch_add(&(n), 1, __ATOMIC_RELAXED)

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = va_arg(ap, mode_t);
	va_end(ap);
	BUMP(n_open);
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = va_arg(ap, mode_t);
	va_end(ap);
	BUMP(n_openat);
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

int mkdir(const char *path, mode_t mode)
{
	BUMP(n_mkdir);
	return (int)syscall(SYS_mkdirat, AT_FDCWD, path, mode);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	BUMP(n_mmap);
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	BUMP(n_munmap);
	return (int)syscall(SYS_munmap, addr, len);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
	BUMP(n_fallocate);
	return (int)syscall(SYS_fallocate, fd, mode, off, len);
}

int close(int fd)
{
	BUMP(n_close);
	return (int)syscall(SYS_close, fd);
}

static int use_files(const char *path)
{
	int fd = open(path, O_RDONLY), ok;
	void *p;

	if (fd < 0)
		return 0;
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	ok = p != MAP_FAILED && *(volatile char *)p == 0x7f && !munmap(p, 4096);
	return !close(fd) && ok;
}

int main(int argc, char **argv)
{
	long calls, ok = 1;

	if (argc < 3)
		return 2;
	if (strcmp(argv[1], "wrap"))
		return 2;
	calls = atol(argv[2]);
	for (long i = 0; i < calls; i++)
		ok &= use_files(argv[0]);
	printf("open %ld\nopenat %ld\nmkdir %ld\nmmap %ld\nmunmap %ld\nfallocate %ld\nclose %ld\n"
	       "use_files %ld\nok %ld\n",
	       n_open, n_openat, n_mkdir, n_mmap, n_munmap, n_fallocate, n_close, calls, ok);
	return ok ? 0 : 1;
}
