/* tracee_fake_root.c - a program that is not the workload but exports a stack root (tb_stack.h)
 * laid out to make an in-memory stack sampler meet the cases the workload never shows */

/*
 * Usage: tracee_fake_root MODE
 *
 * Exports `struct tb_stack_root tb_stack_root` with three methods of its own
 * (fake_main, fake_mid, fake_leaf) and stacks that never change, so what a
 * sampler reports is known exactly. Prints "ready" once the root is set up,
 * then sleeps until it is killed. MODE:
 *
 *   ok           one thread slot: fake_main;fake_leaf (the control)
 *   short        two slots: slot 0 whole (fake_main;fake_leaf), slot 1 starts
 *                100 bytes before the end of a mapping whose next page is
 *                unmapped, so every read of all the slots comes back short
 *   short0       one slot, and it is that straddling slot
 *   invalid      two slots: slot 0 fake_main;fake_leaf, slot 1 a stable stack
 *                whose second frame has method id 7 (only 3 methods exist)
 *   deep         one slot of depth 40: frames 0..31 stored, fake_main then
 *                fake_mid and fake_leaf in turn (frame d has method d % 3,
 *                except that frame 0 is fake_main); the rest are not stored
 *   flip         one slot of depth 32 that a second thread keeps changing, as the
 *                workload does (sequence odd while it writes): fake_main then 31
 *                frames of fake_mid, or fake_main then 31 of fake_leaf, about 1 us
 *                each; a copy that mixes the two is a torn read
 *   badmagic     as ok, but the root's magic is wrong
 *   nondumpable  as ok, after prctl(PR_SET_DUMPABLE, 0)
 *   threadexec   as ok, and a second thread, 200 ms after "ready", execs this
 *                program again as ok: an exec by a thread that is not the
 *                leader, which takes the leader's pid (and prints "ready" again)
 *
 * Exit status 2 on bad usage, 1 if the set-up failed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "tb_stack.h"

static const char *const method_names[] = { "fake_main", "fake_mid", "fake_leaf" };
#define NR_METHODS (sizeof(method_names) / sizeof(method_names[0]))

/* The root, found by its symbol; the thread slots are pointed at by main(). */
struct tb_stack_root tb_stack_root __attribute__((used)) = {
	.magic = TB_STACK_MAGIC,
	.version = TB_STACK_VERSION,
	.nr_methods = NR_METHODS,
	.method_names = (uint64_t)(uintptr_t)method_names,
	.max_threads = TB_STACK_MAX_THREADS,
	.max_depth = TB_STACK_MAX_DEPTH,
	.thread_stack_size = sizeof(struct tb_thread_stack),
};

static struct tb_thread_stack slots[TB_STACK_MAX_THREADS];

/* Fills a slot: a consistent copy (even sequence) of the given method ids. */
static void fill(struct tb_thread_stack *st, uint32_t tid, uint32_t depth, const uint32_t *ids)
{
	memset(st, 0, sizeof(*st));
	st->seq = 42;
	st->tid = tid;
	st->depth = depth;
	for (uint32_t d = 0; d < depth && d < TB_STACK_MAX_DEPTH; d++) {
		st->frames[d].method_id = ids[d];
		st->frames[d].arg = d;
		st->frames[d].entry_ns = 1000 + d;
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* flip: frames 1..31 all fake_mid or all fake_leaf, changed under the sequence counter. */
static void *flipper(void *arg)
{
	struct tb_thread_stack *st = arg;

	__atomic_store_n(&st->tid, (uint32_t)gettid(), __ATOMIC_RELEASE);
	for (uint32_t m = 1;; m = 3 - m) {
		uint64_t seq = st->seq, until;

		__atomic_store_n(&st->seq, seq + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		for (uint32_t d = 1; d < TB_STACK_MAX_DEPTH; d++)
			__atomic_store_n(&st->frames[d].method_id, m, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		__atomic_store_n(&st->seq, seq + 2, __ATOMIC_RELAXED);
		for (until = now_ns() + 1000; now_ns() < until;)
			;
	}
	return NULL;
}

/* threadexec: the exec, from a thread that is not the leader. */
static void *execer(void *arg)
{
	char *const argv[] = { (char *)arg, "ok", NULL };

	usleep(200 * 1000);
	execv("/proc/self/exe", argv);
	perror("tracee_fake_root: execv");
	exit(1);
}

/*
 * Slots whose slot `which` starts 100 bytes before the end of a page that is
 * followed by an unmapped one. Returns the address of slot 0, or NULL.
 */
static struct tb_thread_stack *straddling(unsigned int which)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t need = (which + 1) * sizeof(struct tb_thread_stack);
	size_t len = (need / page + 2) * page;
	char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *end;

	if (map == MAP_FAILED)
		return NULL;
	end = map + len - page;
	if (munmap(end, page))
		return NULL;
	return (struct tb_thread_stack *)(end - 100 - which * sizeof(struct tb_thread_stack));
}

int main(int argc, char **argv)
{
	static char outbuf[256];
	const uint32_t main_leaf[] = { 0, 2 }, bad[] = { 0, 7 };
	uint32_t deep[TB_STACK_MAX_DEPTH], tid = (uint32_t)getpid();
	struct tb_thread_stack *st = slots;
	const char *mode = argc == 2 ? argv[1] : "";
	uint32_t nr = 1;

	/* stdout's buffer is set before the mappings: nothing is mapped into the hole later. */
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	for (uint32_t d = 0; d < TB_STACK_MAX_DEPTH; d++)
		deep[d] = d ? d % NR_METHODS : 0;
	if (!strcmp(mode, "ok") || !strcmp(mode, "badmagic") || !strcmp(mode, "nondumpable") ||
	    !strcmp(mode, "threadexec")) {
		fill(&st[0], tid, 2, main_leaf);
		if (!strcmp(mode, "badmagic"))
			tb_stack_root.magic ^= 1;
		if (!strcmp(mode, "nondumpable") && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) {
			perror("tracee_fake_root: prctl(PR_SET_DUMPABLE)");
			return 1;
		}
	} else if (!strcmp(mode, "short") || !strcmp(mode, "short0")) {
		nr = strcmp(mode, "short") ? 1 : 2;
		st = straddling(nr - 1);
		if (!st) {
			perror("tracee_fake_root: mmap");
			return 1;
		}
		if (nr == 2)
			fill(&st[0], tid, 2, main_leaf);
		/* Only the first 100 bytes of the last slot exist: its counter, tid and depth. */
		st[nr - 1].seq = 42;
		st[nr - 1].tid = tid + 1;
		st[nr - 1].depth = 2;
	} else if (!strcmp(mode, "invalid")) {
		nr = 2;
		fill(&st[0], tid, 2, main_leaf);
		fill(&st[1], tid + 1, 2, bad);
	} else if (!strcmp(mode, "deep")) {
		fill(&st[0], tid, 40, deep);
	} else if (!strcmp(mode, "flip")) {
		pthread_t thread;
		uint32_t ids[TB_STACK_MAX_DEPTH] = { 0 };

		for (uint32_t d = 1; d < TB_STACK_MAX_DEPTH; d++)
			ids[d] = 1;
		fill(&st[0], 0, TB_STACK_MAX_DEPTH, ids);
		if (pthread_create(&thread, NULL, flipper, &st[0])) {
			fprintf(stderr, "tracee_fake_root: cannot start the flipping thread\n");
			return 1;
		}
		while (!__atomic_load_n(&st[0].tid, __ATOMIC_ACQUIRE))
			usleep(1000);
	} else {
		fprintf(stderr, "usage: tracee_fake_root "
				"ok|short|short0|invalid|deep|flip|badmagic|nondumpable|"
				"threadexec\n");
		return 2;
	}
	tb_stack_root.threads = (uint64_t)(uintptr_t)st;
	__atomic_store_n(&tb_stack_root.nr_threads, nr, __ATOMIC_RELEASE);
	printf("ready\n");
	if (!strcmp(mode, "threadexec")) {
		pthread_t thread;

		if (pthread_create(&thread, NULL, execer, argv[0])) {
			fprintf(stderr, "tracee_fake_root: cannot start the exec thread\n");
			return 1;
		}
	}
	for (;;)
		pause();
}
