/* test_maps.c - tb_maps on live processes: this test, a forked child, odd file names, gone pids */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tb_elf.h"
#include "tb_maps.h"

/* Looked up by name in this program and in a forked copy of it: they must not be static. */
uint64_t tb_test_data_value = 1; /* .data */
uint64_t tb_test_bss_value; /* .bss: past the end of the file-backed part of its segment */

__attribute__((noinline)) uint64_t tb_test_function(uint64_t x)
{
	return x * 2654435761u;
}

int main(void); /* resolved by name below */

static char tmp_dir[] = "/tmp/tb-test-maps-XXXXXX";

static const char *out_path(const char *name)
{
	static char path[PATH_MAX];
	const char *out = getenv("OUT");

	snprintf(path, sizeof(path), "%s/%s", out && *out ? out : "build", name);
	return path;
}

static const struct tb_map *maps__find_basename(const struct tb_map *maps, size_t nr,
						const char *prefix)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		const char *slash = maps[i].path ? strrchr(maps[i].path, '/') : NULL;

		if (slash && !strncmp(slash + 1, prefix, strlen(prefix)))
			return &maps[i];
	}
	return NULL;
}

static void test_read_self(void)
{
	struct tb_map *maps;
	char exe[PATH_MAX];
	bool sorted = true, stack = false, exe_seen = false;
	size_t nr, i;
	int err;

	err = tb_maps__read(getpid(), &maps, &nr);
	if (!tap_ok(!err && nr > 3, "read our own maps (err %d, %zu entries)", err, nr))
		return;
	if (!realpath("/proc/self/exe", exe))
		exe[0] = '\0';
	for (i = 0; i < nr; i++) {
		if (maps[i].start >= maps[i].end || (i && maps[i].start < maps[i - 1].end) ||
		    strlen(maps[i].perms) != 4)
			sorted = false;
		if (maps[i].path && !strcmp(maps[i].path, "[stack]"))
			stack = true;
		if (maps[i].path && !strcmp(maps[i].path, exe) && maps[i].inode)
			exe_seen = true;
	}
	tap_ok(sorted, "entries are ordered, non-empty, with 4-letter permissions");
	tap_ok(stack, "[stack] is kept as the kernel names it");
	tap_ok(exe_seen, "the executable %s is mapped with its inode", exe);
	tb_maps__free(maps, nr);
}

static void test_resolve_self(void)
{
	static const char *const versioned[] = { "realpath", "pthread_cond_init",
						 "sched_getaffinity" };
	const struct tb_map *libc;
	struct tb_map *maps = NULL;
	size_t nr = 0;
	uint64_t addr = 0;
	void *handle;
	size_t i;
	int err;

	err = tb_maps__resolve_symbol(getpid(), NULL, "tb_test_function", &addr);
	tap_ok(!err && addr == (uintptr_t)tb_test_function,
	       "tb_test_function resolves to its address (err %d, %#llx vs %p)", err,
	       (unsigned long long)addr, (void *)tb_test_function);
	err = tb_maps__resolve_symbol(getpid(), NULL, "main", &addr);
	tap_ok(!err && addr == (uintptr_t)main, "main resolves to its address");
	err = tb_maps__resolve_symbol(getpid(), NULL, "tb_test_bss_value", &addr);
	tap_ok(!err && addr == (uintptr_t)&tb_test_bss_value, "a .bss object resolves (err %d)",
	       err);
	/*
	 * The RW segment's first page usually shares a file page with the segment
	 * before it, so _DYNAMIC's file offset is mapped twice; only one is it.
	 */
	err = tb_maps__resolve_symbol(getpid(), NULL, "_DYNAMIC", &addr);
	tap_ok(!err && addr == (uintptr_t)_DYNAMIC,
	       "_DYNAMIC, at the start of the RW segment (err %d)", err);

	err = tb_maps__read(getpid(), &maps, &nr);
	libc = err ? NULL : maps__find_basename(maps, nr, "libc.so");
	if (!tap_ok(libc, "libc is among our mappings"))
		goto out;
	tap_diag("libc: %s", libc->path);
	err = tb_maps__resolve_symbol(getpid(), libc->path, "getpid", &addr);
	tap_ok(!err && addr == (uintptr_t)dlsym(RTLD_DEFAULT, "getpid"),
	       "getpid in libc resolves to what dlsym returns (err %d)", err);
	/*
	 * Each of these has two versions at different addresses in glibc 2.36
	 * (the older listed first for the last two); dlsym gives the default
	 * one (name@@VERSION). Asking libc itself keeps a sanitizer's
	 * interceptor of the same name out of it.
	 */
	handle = dlopen(libc->path, RTLD_NOW | RTLD_NOLOAD);
	for (i = 0; i < sizeof(versioned) / sizeof(versioned[0]); i++) {
		err = tb_maps__resolve_symbol(getpid(), libc->path, versioned[i], &addr);
		tap_ok(handle && !err && addr == (uintptr_t)dlsym(handle, versioned[i]),
		       "%s resolves to the default version, as dlsym (err %d)", versioned[i], err);
	}
	if (handle)
		dlclose(handle);

	err = tb_maps__offset_to_addr(maps, nr, "/proc/self/exe", 1ull << 40, &addr);
	tap_is_u64(-err, ERANGE, "an offset our executable does not map: -ERANGE");
	err = tb_maps__offset_to_addr(maps, nr, out_path("workload-usdt"), 0, &addr);
	tap_is_u64(-err, ENOENT, "a file we do not map: -ENOENT");
	err = tb_maps__resolve_symbol(getpid(), out_path("workload-usdt"), "escape", &addr);
	tap_is_u64(-err, ENOENT, "resolving a symbol in a file we do not map: -ENOENT");
	err = tb_maps__resolve_symbol(getpid(), NULL, "no_such_symbol_anywhere", &addr);
	tap_is_u64(-err, ENOENT, "a missing symbol: -ENOENT");
out:
	tb_maps__free(maps, nr);
}

static bool remote__read_u64(pid_t pid, uint64_t addr, uint64_t *value)
{
	struct iovec local = { .iov_base = value, .iov_len = sizeof(*value) };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = sizeof(*value) };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == sizeof(*value);
}

static void test_child(void)
{
	uint64_t data_want, bss_want, addr, value;
	struct tb_map *maps;
	siginfo_t info;
	size_t nr;
	pid_t child;
	int err;

	/* Values the child keeps and we then overwrite: a match can only come from its memory. */
	data_want = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x5a5a000000000000ull;
	bss_want = ~data_want;
	tb_test_data_value = data_want;
	tb_test_bss_value = bss_want;
	fflush(stdout);
	child = fork();
	if (child < 0) {
		tap_ok(false, "fork: %s", strerror(errno));
		return;
	}
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	tb_test_data_value = 0;
	tb_test_bss_value = 0;

	err = tb_maps__resolve_symbol(child, NULL, "tb_test_data_value", &addr);
	tap_ok(!err && remote__read_u64(child, addr, &value) && value == data_want,
	       "the child's .data global, found by symbol, holds what it had at fork (err %d)",
	       err);
	err = tb_maps__resolve_symbol(child, NULL, "tb_test_bss_value", &addr);
	tap_ok(!err && remote__read_u64(child, addr, &value) && value == bss_want,
	       "the child's .bss global, found by symbol, holds what it had at fork (err %d)", err);

	/* A zombie has no address space left: it is as gone as a reaped process. */
	kill(child, SIGKILL);
	waitid(P_PID, child, &info, WEXITED | WNOWAIT);
	err = tb_maps__read(child, &maps, &nr);
	tap_is_u64(-err, ESRCH, "a zombie's maps: -ESRCH");
	tap_is_u64(-tb_maps__resolve_symbol(child, NULL, "main", &addr), ESRCH,
		   "resolving in a zombie: -ESRCH");
	waitpid(child, NULL, 0);
}

static void test_gone_pid(void)
{
	struct tb_map *maps;
	pid_t pid = 4194304; /* PID_MAX_LIMIT on 64-bit: never a pid */
	uint64_t addr;
	size_t nr;
	FILE *f;

	/* pid_max itself is never handed out; it is the smallest pid that cannot exist. */
	f = fopen("/proc/sys/kernel/pid_max", "re");
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 4194304;
		fclose(f);
	}
	tap_is_u64(-tb_maps__read(pid, &maps, &nr), ESRCH,
		   "maps of a pid that does not exist: -ESRCH");
	tap_is_u64(-tb_maps__resolve_symbol(pid, NULL, "main", &addr), ESRCH,
		   "a symbol in a pid that does not exist: -ESRCH");
}

/* Maps pages 1-2 of a 3-page file and checks how it reads back; verbatim: maps shows the name as
 * is. */
static void test_odd_name(const char *path, const char *label, bool verbatim)
{
	const long page = sysconf(_SC_PAGESIZE);
	const struct tb_map *m = NULL;
	struct tb_map *maps = NULL;
	uint64_t addr;
	struct stat st;
	size_t nr = 0, i;
	char *base;
	int fd, err;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 3 * page) || fstat(fd, &st)) {
		tap_ok(false, "%s: create the file: %s", label, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	base = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, page);
	close(fd);
	if (base == MAP_FAILED) {
		tap_ok(false, "%s: mmap: %s", label, strerror(errno));
		unlink(path);
		return;
	}
	err = tb_maps__read(getpid(), &maps, &nr);
	for (i = 0; !err && i < nr; i++) {
		if (maps[i].start == (uintptr_t)base)
			m = &maps[i];
	}
	tap_ok(m && m->inode == st.st_ino && m->offset == (uint64_t)page &&
		       m->end - m->start == (uint64_t)(2 * page) && !strcmp(m->perms, "r--p"),
	       "%s: the mapping reads back with inode, offset, size, perms", label);
	if (verbatim)
		tap_ok(m && m->path && !strcmp(m->path, path), "%s: the path reads back whole",
		       label);
	err = tb_maps__offset_to_addr(maps, nr, path, page + 100, &addr);
	tap_ok(!err && addr == (uintptr_t)base + 100, "%s: offset to address (err %d)", label, err);
	err = tb_maps__offset_to_addr(maps, nr, path, 0, &addr);
	tap_is_u64(-err, ERANGE, "an offset of the file outside the mapping: -ERANGE");
	tb_maps__free(maps, nr);
	maps = NULL;
	nr = 0;

	unlink(path);
	if (verbatim) {
		/* Now stat fails and only the name, with the kernel's suffix, can match. */
		err = tb_maps__read(getpid(), &maps, &nr);
		m = NULL;
		for (i = 0; !err && i < nr; i++) {
			if (maps[i].start == (uintptr_t)base)
				m = &maps[i];
		}
		tap_ok(m && m->path && strlen(m->path) == strlen(path) + strlen(" (deleted)") &&
			       !strcmp(m->path + strlen(path), " (deleted)"),
		       "%s: a deleted file keeps its \" (deleted)\" suffix", label);
		err = tb_maps__offset_to_addr(maps, nr, path, page + 100, &addr);
		tap_ok(!err && addr == (uintptr_t)base + 100,
		       "%s: a deleted file is still found by name (err %d)", label, err);
		tb_maps__free(maps, nr);
	}
	munmap(base, 2 * page);
}

static void test_odd_names(void)
{
	char path[PATH_MAX], dirs[5][PATH_MAX];
	char long_name[201];
	size_t i;

	snprintf(path, sizeof(path), "%s/a file with  spaces", tmp_dir);
	test_odd_name(path, "spaces", true);

	/* Over 1000 bytes of path: longer than any fixed line buffer one might pick. */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	snprintf(dirs[0], sizeof(dirs[0]), "%s", tmp_dir);
	for (i = 1; i < 5; i++) {
		if (snprintf(dirs[i], sizeof(dirs[i]), "%s/%s", dirs[i - 1], long_name) >=
		    (int)sizeof(dirs[i]))
			break;
		mkdir(dirs[i], 0700);
	}
	if (i == 5 && snprintf(path, sizeof(path), "%s/long name", dirs[4]) < (int)sizeof(path))
		test_odd_name(path, "long path", true);
	else
		tap_ok(false, "long path: build the name");
	while (i-- > 1)
		rmdir(dirs[i]);

	/* The kernel writes the newline as \012, so only device and inode can find this one. */
	snprintf(path, sizeof(path), "%s/new\nline", tmp_dir);
	test_odd_name(path, "newline", false);
}

/* A saved copy of a maps file, as a preloaded sampler writes one at exit. */
static void test_parse_copy(void)
{
	static const char text[] = "55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 123 /usr/bin/x\n"
				   "55d0c0a01000-55d0c0a03000 r-xp 00001000 fe:01 123 /usr/bin/x\n"
				   "7ffd1000-7ffd3000 rw-p 00000000 00:00 0 [stack]";
	struct tb_map *maps;
	size_t nr;

	tap_ok(tb_maps__parse(text, sizeof(text) - 1, &maps, &nr) == 0 && nr == 3,
	       "parse: three lines, the last without a newline");
	if (nr == 3) {
		tap_ok(maps[1].start == 0x55d0c0a01000 && maps[1].offset == 0x1000 &&
			       !strcmp(maps[1].path, "/usr/bin/x") &&
			       !strcmp(maps[1].perms, "r-xp"),
		       "parse: the second line's fields");
		tap_ok(!strcmp(maps[2].path, "[stack]"), "parse: [stack] by name");
	}
	tb_maps__free(maps, nr);
	/* Only as much as len says: the copy is not NUL-terminated in a sample file. */
	tap_ok(tb_maps__parse(text, 61, &maps, &nr) == 0 && nr == 1, "parse: stops at len");
	tb_maps__free(maps, nr);
	tap_is_u64(-tb_maps__parse(text, 0, &maps, &nr), ESRCH, "parse: nothing is -ESRCH");
	tap_ok(tb_maps__parse("not a maps line\n", 16, &maps, &nr) < 0 && !maps,
	       "parse: a malformed line is an error, no maps returned");
}

int main(void)
{
	test_parse_copy();
	if (!mkdtemp(tmp_dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_read_self();
	test_resolve_self();
	test_child();
	test_gone_pid();
	test_odd_names();
	rmdir(tmp_dir);
	return tap_done();
}
