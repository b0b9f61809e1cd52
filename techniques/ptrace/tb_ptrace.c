/* tb_ptrace.c - tb-ptrace: breakpoints, system-call stops and stop-the-world sampling via ptrace */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <libunwind-ptrace.h>

#include "tb_child.h"
#include "tb_elf.h"
#include "tb_hist.h"
#include "tb_json.h"
#include "tb_maps.h"
#include "tb_msg.h"
#include "tb_result.h"
#include "tb_spec.h"
#include "tb_stack_reader.h"
#include "tb_tally.h"
#include "tb_target.h"

#define PROG "tb-ptrace"
#define MAX_SITES 256 /* breakpoints: the ones asked for and, with -L, return sites */
#define MAX_ARGS 6
#define MAX_CALL_DEPTH 64 /* -L: calls being timed per thread */
#define LAT_BUCKETS 64
#define MAX_SYSCALLS 512

static const char *const syscall_names[MAX_SYSCALLS] = {
#include "syscall_names.h"
};

enum mode {
	MODE_BREAK,
	MODE_SYSCALL,
	MODE_SAMPLE,
};

#define MAX_FRAMES 64
#define NAME_CACHE 8192 /* instruction pointers whose function name is known */

/*
 * How a hit continues past the int3. The kernel's uprobes do the same
 * choice: an instruction whose effect is simple is emulated in the tracer
 * (registers and, for a push, one word of stack), anything else is put back
 * and single-stepped with every other thread stopped, so that no thread runs
 * through the site while its original byte is in place.
 */
enum step_kind {
	STEP_NOP, /* 90, 0f 1f ..., f3 0f 1e fa (endbr64): only rip moves */
	STEP_PUSH_RBP, /* 55: rsp -= 8, [rsp] = rbp */
	STEP_MOV_RSP_RBP, /* 48 89 e5: rbp = rsp */
	STEP_SINGLE, /* restore, single-step, re-insert */
};

static const char *const xol_names[] = {
	[STEP_NOP] = "out of line: nop",
	[STEP_PUSH_RBP] = "out of line: push %rbp",
	[STEP_MOV_RSP_RBP] = "out of line: mov %rsp,%rbp",
	[STEP_SINGLE] = "single-step",
};

static const char *const step_names[] = {
	[STEP_NOP] = "emulated nop",
	[STEP_PUSH_RBP] = "emulated push %rbp",
	[STEP_MOV_RSP_RBP] = "emulated mov %rsp,%rbp",
	[STEP_SINGLE] = "single-step",
};

struct site {
	const char *spec;
	uint64_t addr;
	unsigned char orig[16]; /* the bytes at addr before the int3 */
	unsigned int len; /* of the emulated instruction */
	enum step_kind step;
	uint64_t semaphore; /* a USDT site's semaphore (raised while inserted), or 0 */
	uint64_t xol; /* its out-of-line slot in the target, or 0 */
	bool inserted;
	bool is_return; /* -L: a return address of a timed function, not counted as a hit */
	bool timed; /* -L: an entry site whose calls are timed */
	uint64_t hits, arg_sum[MAX_ARGS];
	uint64_t lat_hist[LAT_BUCKETS], lat_calls, lat_ns; /* -L: call latency, log2 ns */
};

/* -L: a call being timed, from its entry hit to the hit at its return address. */
struct call {
	struct site *site;
	uint64_t sp; /* at entry: the return address's slot */
	uint64_t entry_ns;
};

struct thread {
	pid_t tid;
	bool stopped; /* in a ptrace stop we have seen and not resumed */
	bool interrupting; /* PTRACE_INTERRUPT sent, its stop not seen yet */
	bool gone;
	bool was_running; /* sample mode: in state R just before the world stopped */
	bool exiting; /* reported PTRACE_EVENT_EXIT: never stops again, maybe a zombie leader */
	bool vfork_child; /* a vfork child: shares the memory until it execs or exits */
	bool group_stop; /* in a group stop (SIGSTOP and co.), resumed with PTRACE_LISTEN */
	bool in_syscall; /* syscall mode: between its entry and exit stops */
	long nr; /* the system call it is in */
	uint64_t entry_ns;
	struct user_regs_struct resumed_regs; /* as the last emulated step left them */
	struct call calls[MAX_CALL_DEPTH]; /* -L: open calls, innermost last */
	unsigned int depth;
};

struct syscall_stats {
	uint64_t calls, errors, ns;
};

static struct {
	pid_t pid;
	struct site sites[MAX_SITES];
	size_t nr_sites;
	struct thread *threads;
	size_t nr_threads;
	struct tb_child child;
	bool started;
	uint64_t steps_single, lost;
	uint64_t lat_lost; /* -L: calls not timed (no room, or they never returned) */
	unsigned int nr_args; /* -a: arguments shown */
	bool latency;
	bool no_xol; /* --no-xol: emulate, never execute out of line */
	uint64_t xol_base; /* the out-of-line slots' pages in the target, or 0 */
	bool follow_forks; /* syscall -f: trace the processes it starts too */
	enum mode mode;
	enum __ptrace_request resume_request; /* PTRACE_CONT, or PTRACE_SYSCALL to stop at each */
	bool syscall_wanted[MAX_SYSCALLS]; /* -e: only these are counted (all without -e) */
	struct syscall_stats syscalls[MAX_SYSCALLS];
	uint64_t syscall_unpaired; /* exits whose entry came before we attached */
	uint64_t syscall_other_abi; /* stops of i386 system calls, not counted */
	bool seccomp; /* --seccomp: only the -e system calls stop the command */
	struct sock_filter filter[MAX_SYSCALLS + 8];
	struct sock_fprog filter_prog;
	/* sample mode */
	double rate_hz;
	uint64_t samples, late, unwind_errors, idle;
	bool sample_idle; /* --idle: also count threads that were not running */
	unw_addr_space_t unwind_space;
	struct tb_tally leaves, stacks; /* native: leaf function, folded stack */
	/* the workload's in-memory stack (workload/tb_stack.h), when the target has one */
	struct tb_stack_reader method_stacks_reader;
	bool have_method_stacks, method_stacks_loaded;
	uint64_t method_samples, method_torn;
	struct tb_tally method_leaves, method_stacks;
} s = { .child = TB_CHILD_INIT,
	.resume_request = PTRACE_CONT,
	.nr_args = 1,
	.method_stacks_reader = TB_STACK_READER_INIT };

static const unsigned char int3 = 0xcc;

static volatile sig_atomic_t exiting;
static bool verbose;
/*
 * CLOCK_MONOTONIC of main's start, of the first event recorded (a hit, a
 * system call stop, a sample) and of the first stop request (a signal, -d):
 * 0 until then. The result's first_event_ns and detach_ns come from them.
 */
static uint64_t tool_start_ns, first_event_at;
static volatile uint64_t stop_request_ns;

/* The traced process's main thread, once attached: what a signal interrupts. */
static volatile pid_t wake_tid;

/*
 * Only a flag: the main loop acts on it. The signal may land just before
 * the loop blocks in waitpid, too late to interrupt it: a PTRACE_INTERRUPT
 * (a system call, async-signal-safe) gives that waitpid an event to return.
 */
static void on_signal(int sig)
{
	int saved = errno;
	struct timespec ts;

	/* clock_gettime is async-signal-safe: the detach time starts at the request. */
	if (!stop_request_ns && !clock_gettime(CLOCK_MONOTONIC, &ts))
		stop_request_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	exiting = sig;
	if (wake_tid > 0)
		ptrace(PTRACE_INTERRUPT, wake_tid, NULL, NULL);
	errno = saved;
}

/*
 * Events seen while stopping the world that must be handled afterwards (a
 * hit, a new thread), oldest first. A thread with one stays stopped until it
 * is handled, so there is at most one per thread: thread_add makes room.
 */
struct deferred {
	pid_t tid;
	int status;
};
static struct deferred *deferred;
static size_t nr_deferred, deferred_head, deferred_room;

static void defer(pid_t tid, int status)
{
	if (nr_deferred == deferred_room) { /* the handled ones out of the way */
		memmove(deferred, deferred + deferred_head,
			(nr_deferred - deferred_head) * sizeof(*deferred));
		nr_deferred -= deferred_head;
		deferred_head = 0;
	}
	deferred[nr_deferred++] = (struct deferred){ tid, status };
}

/* The oldest deferred event, false if none. */
static bool next_deferred(struct deferred *d)
{
	if (deferred_head == nr_deferred) {
		deferred_head = nr_deferred = 0;
		return false;
	}
	*d = deferred[deferred_head++];
	return true;
}

static bool has_deferred(pid_t tid)
{
	for (size_t i = deferred_head; i < nr_deferred; i++)
		if (deferred[i].tid == tid)
			return true;
	return false;
}

/* ---- threads ---------------------------------------------------------------------------- */

static struct thread *thread_of(pid_t tid)
{
	for (size_t i = 0; i < s.nr_threads; i++)
		if (s.threads[i].tid == tid && !s.threads[i].gone)
			return &s.threads[i];
	return NULL;
}

static struct thread *thread_add(pid_t tid)
{
	struct thread *t = thread_of(tid), *threads;

	if (t)
		return t;
	/* Room for one deferred event per thread ever seen (a queue never compacted). */
	if (deferred_room < 2 * (s.nr_threads + 1)) {
		size_t room = 4 * (s.nr_threads + 1);
		struct deferred *d = realloc(deferred, room * sizeof(*d));

		if (!d)
			return NULL;
		deferred = d;
		deferred_room = room;
	}
	threads = realloc(s.threads, (s.nr_threads + 1) * sizeof(*threads));
	if (!threads)
		return NULL;
	s.threads = threads;
	t = &s.threads[s.nr_threads++];
	*t = (struct thread){ .tid = tid };
	return t;
}

/* The TracerPid of the thread seize_all could not seize (EPERM), read when it was refused */
static pid_t seize_refused_by;

/*
 * Seizes every thread of the process, again until no new one appears: a
 * thread created while we walk /proc/PID/task is seized by its creator's
 * PTRACE_O_TRACECLONE or found on the next pass.
 */
static int seize_all(pid_t pid, unsigned long options)
{
	char path[64];
	bool found;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	do {
		DIR *d = opendir(path);
		struct dirent *e;

		if (!d)
			return -errno;
		found = false;
		while ((e = readdir(d))) {
			pid_t tid = atoi(e->d_name), holder = 0;
			int err;

			if (tid <= 0 || thread_of(tid))
				continue;
			err = tb_target__seize(tid, options, &holder);
			if (err) {
				/*
				 * Gone since readdir, or created by a thread seized
				 * already and so ours through PTRACE_O_TRACECLONE.
				 */
				if (err == -ESRCH)
					continue;
				if (err != -EPERM || holder != getpid()) {
					/*
					 * This thread's holder, not the leader's: the leader
					 * may be ours already, and a tracer that holds threads
					 * only a moment (tb-vmreadv --blocking) lets go soon.
					 */
					if (err == -EPERM)
						seize_refused_by = holder;
					closedir(d);
					return err;
				}
			}
			if (!thread_add(tid)) {
				closedir(d);
				return -ENOMEM;
			}
			found = true;
		}
		closedir(d);
	} while (found);
	return 0;
}

/* waitpid for one task, again after EINTR. Returns 0 or -errno. */
static int wait_task(pid_t tid, int *status)
{
	while (waitpid(tid, status, __WALL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* ---- memory and registers --------------------------------------------------------------- */

/*
 * Writes len bytes at addr through PTRACE_POKEDATA (the text is not writable
 * otherwise). A whole aligned word (the emulated push) is one system call; a
 * part of one is read first.
 */
static int poke_bytes(pid_t tid, uint64_t addr, const unsigned char *bytes, size_t len)
{
	while (len) {
		uint64_t base = addr & ~7ull, word;
		size_t off = addr - base, n = 8 - off < len ? 8 - off : len;

		errno = 0;
		word = n == 8 ? 0 : ptrace(PTRACE_PEEKDATA, tid, (void *)base, NULL);
		if (errno)
			return -errno;
		memcpy((unsigned char *)&word + off, bytes, n);
		if (ptrace(PTRACE_POKEDATA, tid, (void *)base, (void *)word))
			return -errno;
		addr += n;
		bytes += n;
		len -= n;
	}
	return 0;
}

static int peek_bytes(pid_t tid, uint64_t addr, unsigned char *bytes, size_t len)
{
	while (len) {
		uint64_t base = addr & ~7ull, word;
		size_t off = addr - base, n = 8 - off < len ? 8 - off : len;

		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, tid, (void *)base, NULL);
		if (errno)
			return -errno;
		memcpy(bytes, (unsigned char *)&word + off, n);
		addr += n;
		bytes += n;
		len -= n;
	}
	return 0;
}

/* ---- sites ------------------------------------------------------------------------------ */

static void classify(struct site *site)
{
	const unsigned char *b = site->orig;

	if (b[0] == 0x90) {
		site->step = STEP_NOP, site->len = 1;
	} else if (b[0] == 0x0f && b[1] == 0x1f && b[2] == 0x44 && b[3] == 0 && b[4] == 0) {
		site->step = STEP_NOP, site->len = 5;
	} else if (b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa) {
		site->step = STEP_NOP, site->len = 4;
	} else if (b[0] == 0x55) {
		site->step = STEP_PUSH_RBP, site->len = 1;
	} else if (b[0] == 0x48 && b[1] == 0x89 && b[2] == 0xe5) {
		site->step = STEP_MOV_RSP_RBP, site->len = 3;
	} else {
		site->step = STEP_SINGLE, site->len = 0;
	}
}

static struct site *site_at(uint64_t addr)
{
	for (size_t i = 0; i < s.nr_sites; i++)
		if (s.sites[i].addr == addr)
			return &s.sites[i];
	return NULL;
}

/*
 * A USDT semaphore counts its listeners, as the kernel's reference counter
 * does for uprobes: the guarded code (and its nop) runs only while it is not
 * zero. One increment per site while its int3 is in place.
 */
static int adjust_semaphore(pid_t tid, const struct site *site, int delta)
{
	uint16_t v;
	int err;

	if (!site->semaphore)
		return 0;
	err = peek_bytes(tid, site->semaphore, (unsigned char *)&v, sizeof(v));
	if (err)
		return err;
	v += delta;
	return poke_bytes(tid, site->semaphore, (unsigned char *)&v, sizeof(v));
}

static int xol_prepare(pid_t tid, struct site *site);

/*
 * Puts an int3 at the site, through the stopped thread tid: its original
 * bytes kept, its step path chosen, its out-of-line slot written. Returns 0,
 * -EBUSY if an int3 is already there, or -errno.
 */
static int arm_site(pid_t tid, struct site *site)
{
	int err;

	memset(site->orig, 0, sizeof(site->orig));
	err = peek_bytes(tid, site->addr, site->orig, sizeof(site->orig));
	/* The last bytes of a mapping: what there is (classify wants up to 5). */
	for (size_t len = sizeof(site->orig); err && len > 1; len /= 2)
		err = peek_bytes(tid, site->addr, site->orig, len / 2);
	if (err)
		return err;
	if (site->orig[0] == int3)
		return -EBUSY;
	classify(site);
	if (s.xol_base)
		xol_prepare(tid, site);
	err = poke_bytes(tid, site->addr, &int3, 1);
	if (!err)
		site->inserted = true;
	return err;
}

static int insert_all(pid_t tid)
{
	for (size_t i = 0; i < s.nr_sites; i++) {
		struct site *site = &s.sites[i];
		int err = arm_site(tid, site);

		if (err) {
			tb_fail("cannot set a breakpoint at %s (0x%" PRIx64 "): %s", site->spec,
				site->addr,
				err == -EIO || err == -EFAULT
					? "the address is not mapped in the process"
				: err == -EBUSY ? "an int3 is already there (another debugger's?)"
						: strerror(-err));
			return err;
		}
		err = adjust_semaphore(tid, site, 1);
		if (err) {
			tb_fail("cannot raise the semaphore of %s at 0x%" PRIx64 ": %s", site->spec,
				site->semaphore, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int remove_all(pid_t tid)
{
	int ret = 0;

	for (size_t i = 0; i < s.nr_sites; i++) {
		struct site *site = &s.sites[i];
		unsigned char now;

		if (!site->inserted)
			continue;
		if (poke_bytes(tid, site->addr, site->orig, 1) ||
		    peek_bytes(tid, site->addr, &now, 1) || now != site->orig[0] ||
		    adjust_semaphore(tid, site, -1)) {
			ret = -EIO;
			continue;
		}
		site->inserted = false;
	}
	return ret;
}

/* ---- stopping and resuming --------------------------------------------------------------- */

/*
 * A thread's exit, reaped by one of our waitpid calls. The main thread's
 * status is the started command's: tb-ptrace exits with it.
 */
static int target_status = -1;

static bool is_group_stop(int sig);

static void note_exit(struct thread *t, int status)
{
	t->gone = true;
	if (t->tid == s.pid)
		target_status = status;
}

/*
 * Stops every thread but `except` (and, when running_only, but those not
 * marked was_running): PTRACE_INTERRUPT, then wait for each to report a
 * stop. A thread may report something else first (a breakpoint hit, an
 * exit): that event is kept for later and the thread counts as stopped.
 */
static void stop_threads(pid_t except, bool running_only)
{
	for (size_t i = 0; i < s.nr_threads; i++) {
		struct thread *t = &s.threads[i];

		if (t->gone || t->stopped || t->exiting || t->tid == except ||
		    (running_only && !t->was_running))
			continue;
		if (ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL) && errno == ESRCH) {
			t->gone = true; /* exiting: its exit event comes later */
			continue;
		}
		t->interrupting = true;
	}
	for (size_t i = 0; i < s.nr_threads; i++) {
		struct thread *t = &s.threads[i];
		int status;

		while (t->interrupting && !t->gone) {
			if (wait_task(t->tid, &status)) {
				t->gone = true;
				break;
			}
			t->stopped = true;
			t->interrupting = false;
			if (WIFEXITED(status) || WIFSIGNALED(status)) {
				note_exit(t, status);
			} else if (WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_STOP) {
				t->group_stop = is_group_stop(WSTOPSIG(status));
			} else {
				/*
				 * On its way out (its process killed as we stopped it): never
				 * a thread to run code through, nor to wait for again.
				 */
				if (WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_EXIT)
					t->exiting = true;
				defer(t->tid,
				      status); /* a hit or a signal: handled once all runs again */
			}
		}
	}
}

static bool is_group_stop(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void stop_others(pid_t except)
{
	stop_threads(except, false);
}

/*
 * Lets a stopped thread go on: to its next system call stop in syscall mode
 * (and, with --seccomp, to the exit of the call it is in), else freely. A
 * thread in a group stop (kill -STOP) stays in it, as without a tracer
 * (PTRACE_LISTEN), until SIGCONT.
 */
static void resume(struct thread *t, int sig)
{
	enum __ptrace_request request = s.resume_request;
	long ret;

	if (t->gone || !t->stopped)
		return;
	if (s.seccomp && t->in_syscall)
		request = PTRACE_SYSCALL;
	if (t->group_stop)
		request = PTRACE_LISTEN, sig = 0;
	ret = ptrace(request, t->tid, NULL, (void *)(long)sig);
	if (ret && request == PTRACE_LISTEN && errno == EIO) /* no group stop any more */
		ret = ptrace(s.resume_request, t->tid, NULL, NULL);
	if (ret && errno == ESRCH)
		t->gone = true; /* killed while stopped: its exit is reported later */
	t->stopped = false;
}

static void resume_others(pid_t except)
{
	for (size_t i = 0; i < s.nr_threads; i++)
		if (s.threads[i].tid != except && !has_deferred(s.threads[i].tid))
			resume(&s.threads[i], 0);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Notes the time of the first event recorded. */
static void note_event(void)
{
	if (!first_event_at)
		first_event_at = now_ns();
}

/* How a hit of the site continues: out of line, emulated, or single-stepped. */
static const char *step_path(const struct site *site)
{
	return site->xol ? xol_names[site->step] : step_names[site->step];
}

static const char *site_name(const struct site *site)
{
	return site->spec ? site->spec : "a return site";
}

/* ---- out-of-line execution ------------------------------------------------------------- */

/*
 * The kernel's uprobes execute a displaced instruction out of line: a copy of
 * it in a page of the process, followed by a jump back, so a hit only has to
 * move rip there. tb-ptrace does the same for the instructions it knows the
 * length of (the emulated ones), in pages it maps into the target by making
 * one of its stopped threads run an mmap system call, and unmaps at the end.
 * A slot: the instruction, then jmp *0(%rip) and the address after the site.
 */
#define XOL_SLOT 32
#define XOL_SIZE (MAX_SITES * XOL_SLOT)

/*
 * Makes the stopped thread tid run one system call: "syscall; int3" written
 * over the bytes at its rip, the registers set up, run to the int3, then
 * bytes and registers put back. orig_rax -1 keeps the kernel from
 * restarting anything; restored, a thread stopped inside a blocking call
 * restarts that call as it would have. Returns 0 with the call's return value
 * in *ret, or -errno.
 */
static int inject_syscall(pid_t tid, long nr, const long args[6], long *ret)
{
	static const unsigned char code[] = { 0x0f, 0x05, 0xcc }; /* syscall; int3 */
	struct user_regs_struct saved, regs;
	unsigned char orig[sizeof(code)];
	int status, err, sig = 0, pending = 0;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &saved))
		return -errno;
	err = peek_bytes(tid, saved.rip, orig, sizeof(orig));
	if (!err)
		err = poke_bytes(tid, saved.rip, code, sizeof(code));
	if (err)
		return err;
	regs = saved;
	regs.orig_rax = -1;
	regs.rax = nr;
	regs.rdi = args[0], regs.rsi = args[1], regs.rdx = args[2];
	regs.r10 = args[3], regs.r8 = args[4], regs.r9 = args[5];
	if (ptrace(PTRACE_SETREGS, tid, NULL, &regs)) {
		err = -errno;
		goto restore;
	}
	for (;;) {
		if (ptrace(PTRACE_CONT, tid, NULL, NULL)) {
			err = -errno;
			goto restore;
		}
		err = wait_task(tid, &status);
		if (err)
			goto restore;
		if (!WIFSTOPPED(status)) {
			return -ESRCH;
		}
		sig = status >> 16 ? 0 : WSTOPSIG(status);
		if (sig == SIGTRAP)
			break;
		if (sig)
			pending = sig; /* a signal for the program: sent again afterwards */
	}
	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs)) {
		err = -errno;
		goto restore;
	}
	*ret = regs.rax;
restore:
	if (poke_bytes(tid, saved.rip, orig, sizeof(orig)) ||
	    ptrace(PTRACE_SETREGS, tid, NULL, &saved))
		err = err ? err : -EIO;
	if (pending)
		syscall(SYS_tkill, tid, pending);
	return err;
}

/* Maps the slots' pages into the target through the stopped thread tid. Returns 0 or -errno. */
static int xol_map(pid_t tid)
{
	const long args[6] = { 0,  XOL_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0 };
	long addr;
	int err = inject_syscall(tid, SYS_mmap, args, &addr);

	if (err)
		return err;
	if (addr < 0 && addr > -4096)
		return (int)addr;
	s.xol_base = addr;
	return 0;
}

/* Unmaps them again, through the stopped thread tid (a thread of the process, not a vfork child).
 */
static int xol_unmap(pid_t tid)
{
	const long args[6] = { (long)s.xol_base, XOL_SIZE, 0, 0, 0, 0 };
	long ret;
	int err;

	if (!s.xol_base)
		return 0;
	err = inject_syscall(tid, SYS_munmap, args, &ret);
	if (!err && ret)
		err = (int)ret;
	if (!err)
		s.xol_base = 0;
	return err;
}

/*
 * Gives an emulatable site its slot: the instruction and the jump back.
 * Returns 0, or -errno (the site then stays emulated).
 */
static int xol_prepare(pid_t tid, struct site *site)
{
	unsigned char slot[XOL_SLOT] = { 0 };
	uint64_t back = site->addr + site->len;
	size_t index = site - s.sites;
	int err;

	if (!s.xol_base || site->step == STEP_SINGLE)
		return -ENOENT;
	memcpy(slot, site->orig, site->len);
	memcpy(slot + site->len, (const unsigned char[]){ 0xff, 0x25, 0, 0, 0, 0 }, 6);
	memcpy(slot + site->len + 6, &back, sizeof(back));
	err = poke_bytes(tid, s.xol_base + index * XOL_SLOT, slot, sizeof(slot));
	if (!err)
		site->xol = s.xol_base + index * XOL_SLOT;
	return err;
}

/*
 * Before the slots go: a thread stopped on a slot's instruction (it has not
 * run it) or on its jump back (it has) goes back to the site's own bytes.
 */
static void xol_leave(struct thread *t)
{
	struct user_regs_struct regs;

	const struct site *site;

	if (!s.xol_base || ptrace(PTRACE_GETREGS, t->tid, NULL, &regs) || regs.rip < s.xol_base ||
	    regs.rip >= s.xol_base + XOL_SIZE)
		return;
	site = &s.sites[(regs.rip - s.xol_base) / XOL_SLOT]; /* slot i belongs to site i */
	if (!site->xol)
		return;
	regs.rip = regs.rip == site->xol ? site->addr : site->addr + site->len;
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, &regs) && errno != ESRCH)
		tb_fail("thread %d: cannot move it out of the slot of %s: %s", (int)t->tid,
			site_name(site), strerror(errno));
}

/* ---- a breakpoint hit ------------------------------------------------------------------- */

/*
 * Counts a hit of a site asked for, with its arguments (the SysV x86-64
 * registers); sign -1 takes one back.
 */
static void add_hit(struct site *site, const struct user_regs_struct *regs, int sign)
{
	const uint64_t args[MAX_ARGS] = { regs->rdi, regs->rsi, regs->rdx,
					  regs->rcx, regs->r8,	regs->r9 };

	if (!site->spec)
		return; /* only a return site */
	if (sign > 0)
		note_event();
	site->hits += sign;
	for (int i = 0; i < MAX_ARGS; i++)
		site->arg_sum[i] += sign * args[i];
}

static void count_hit(struct site *site, const struct user_regs_struct *regs)
{
	add_hit(site, regs, 1);
}

static void uncount_hit(struct site *site, const struct user_regs_struct *regs)
{
	add_hit(site, regs, -1);
}

/*
 * -L: the breakpoint at a return address, inserted while this thread is
 * stopped if it is new. The instruction after a call is rarely one we can
 * emulate: most return sites take the single-step path. NULL if none can be
 * placed there.
 */
static struct site *return_site(pid_t tid, uint64_t addr)
{
	struct site *site = site_at(addr);

	if (site) {
		site->is_return = true;
		return site;
	}
	if (s.nr_sites == MAX_SITES)
		return NULL;
	site = &s.sites[s.nr_sites];
	*site = (struct site){ .addr = addr, .is_return = true };
	if (arm_site(tid, site))
		return NULL;
	s.nr_sites++;
	return site;
}

/*
 * -L, at a timed function's entry: [rsp] is the return address. The call is
 * open until this thread reaches that address with rsp just above the slot.
 */
static void open_call(struct thread *t, struct site *site, const struct user_regs_struct *regs)
{
	uint64_t ret_addr;

	if (t->depth == MAX_CALL_DEPTH ||
	    peek_bytes(t->tid, regs->rsp, (unsigned char *)&ret_addr, sizeof(ret_addr)) ||
	    !return_site(t->tid, ret_addr)) {
		s.lat_lost++;
		return;
	}
	t->calls[t->depth++] = (struct call){ site, regs->rsp, now_ns() };
}

/*
 * -L, at a return site: after the ret, rsp is the entry's rsp + 8. Calls
 * deeper than that never returned here (longjmp, an exception) and are
 * dropped, counted as lost.
 */
static void close_call(struct thread *t, const struct user_regs_struct *regs)
{
	uint64_t now = now_ns();

	while (t->depth && t->calls[t->depth - 1].sp + 8 < regs->rsp) {
		t->depth--;
		s.lat_lost++;
	}
	if (t->depth && t->calls[t->depth - 1].sp + 8 == regs->rsp) {
		struct call *c = &t->calls[--t->depth];
		uint64_t ns = now - c->entry_ns;

		c->site->lat_hist[ns ? 64 - __builtin_clzll(ns) : 0]++;
		c->site->lat_calls++;
		c->site->lat_ns += ns;
	}
}

/*
 * Did the instruction itself raise the signal the thread stopped with (a
 * SIGSEGV, SIGFPE, ... with si_code > 0), rather than one sent to it?
 */
static bool is_fault(pid_t tid)
{
	siginfo_t si;

	return !ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) && si.si_code > 0 &&
	       (si.si_signo == SIGSEGV || si.si_signo == SIGBUS || si.si_signo == SIGFPE ||
		si.si_signo == SIGILL);
}

/*
 * Restores the original byte, single-steps it with every other thread
 * stopped (nobody else may run through the site while its byte is back),
 * re-inserts the int3 and lets the others go. Returns 0 (the instruction
 * ran), a signal to deliver, or -errno. A signal that stops the thread
 * before the instruction completes leaves it at the site with the int3 back,
 * and is delivered there: a fault of the instruction (the hit happened; the
 * handler decides what next), or a signal that was pending (the hit is taken
 * back: it happens again once the handler returns).
 */
static int step_single(struct thread *t, struct site *site, struct user_regs_struct *regs)
{
	int status, ret, err;

	stop_others(t->tid);
	regs->rip = site->addr;
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, regs)) {
		ret = -errno;
		goto resume;
	}
	ret = poke_bytes(t->tid, site->addr, site->orig, 1);
	if (ret)
		goto resume;
	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, t->tid, NULL, NULL)) {
			ret = -errno;
			break;
		}
		ret = wait_task(t->tid, &status);
		if (ret)
			break;
		if (!WIFSTOPPED(status)) {
			note_exit(t, status);
			ret = -ESRCH; /* the thread died in its step */
			break;
		}
		if (status >> 16) {
			/* A stale interrupt stop, or a group stop: the step has not run. */
			t->group_stop |= (status >> 16) == PTRACE_EVENT_STOP &&
					 is_group_stop(WSTOPSIG(status));
			continue;
		}
		if (WSTOPSIG(status) == SIGTRAP) {
			s.steps_single++;
			break;
		}
		ret = WSTOPSIG(status);
		if (!ptrace(PTRACE_GETREGS, t->tid, NULL, regs) && regs->rip == site->addr &&
		    !is_fault(t->tid))
			uncount_hit(site, regs); /* it comes back here after the handler */
		break;
	}
	err = t->gone ? 0 : poke_bytes(t->tid, site->addr, &int3, 1);
	if (err && !ret)
		ret = err;
resume:
	resume_others(t->tid);
	return ret;
}

/*
 * Continues a hit past the displaced instruction: emulated in the
 * registers where it is simple, single-stepped otherwise. Returns 0, a
 * signal to deliver, or -errno.
 */
static int step_over(struct thread *t, struct site *site, struct user_regs_struct *regs)
{
	if (site->xol) {
		/* Out of line: the thread runs the copy and jumps back; only rip moves. */
		if (ptrace(PTRACE_POKEUSER, t->tid,
			   (void *)(offsetof(struct user, regs) +
				    offsetof(struct user_regs_struct, rip)),
			   (void *)site->xol))
			return -errno;
		return 0;
	}
	switch (site->step) {
	case STEP_NOP:
		regs->rip = site->addr + site->len;
		break;
	case STEP_PUSH_RBP:
		/* A stack that cannot take the word (a guard page) faults for real. */
		if (poke_bytes(t->tid, regs->rsp - 8, (unsigned char *)&regs->rbp, 8))
			return step_single(t, site, regs);
		regs->rsp -= 8;
		regs->rip = site->addr + 1;
		break;
	case STEP_MOV_RSP_RBP:
		regs->rbp = regs->rsp;
		regs->rip = site->addr + 3;
		break;
	case STEP_SINGLE:
		return step_single(t, site, regs);
	}
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, regs))
		return -errno;
	t->resumed_regs = *regs;
	return 0;
}

/*
 * Is this stop a hit of one of our int3s? Returns its site, with the
 * thread's registers in regs, or NULL.
 */
static struct site *our_hit(struct thread *t, int status, struct user_regs_struct *regs)
{
	struct site *site;
	siginfo_t si;

	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP || (status >> 16) ||
	    ptrace(PTRACE_GETREGS, t->tid, NULL, regs))
		return NULL;
	site = site_at(regs->rip - 1);
	if (!site || !site->inserted)
		return NULL; /* not an int3 of ours: the program's own */
	/*
	 * Just past one of our int3s, it is our hit. The one exception is a
	 * thread we put there ourselves (after an emulated 1-byte instruction)
	 * that took some other SIGTRAP, a kill(2) say, before running anything:
	 * its registers are then exactly the ones we resumed it with. Only then
	 * is the siginfo (si_code SI_KERNEL for an int3) worth a system call,
	 * one of the five this path would otherwise make per hit.
	 */
	if (!memcmp(regs, &t->resumed_regs, sizeof(*regs)) &&
	    (ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si) || si.si_code != SI_KERNEL))
		return NULL;
	return site;
}

/* A SIGTRAP stop: our breakpoint or not. Returns the signal to deliver. */
static int handle_trap(struct thread *t, int status)
{
	struct user_regs_struct regs;
	struct site *site = our_hit(t, status, &regs);
	int ret;

	if (!site)
		return SIGTRAP;
	if (site->is_return)
		close_call(t, &regs);
	count_hit(site, &regs);
	if (site->timed)
		open_call(t, site, &regs);
	ret = step_over(t, site, &regs);
	if (ret < 0 && !t->gone) {
		/*
		 * Resumed one byte into the instruction, it would run garbage:
		 * back onto the int3, and tracing ends, putting every byte back.
		 */
		tb_fail("cannot step over %s in thread %d: %s; stopping", site_name(site),
			(int)t->tid, strerror(-ret));
		uncount_hit(site, &regs);
		regs.rip = site->addr;
		ptrace(PTRACE_SETREGS, t->tid, NULL, &regs);
		s.lost++;
		exiting = SIGTERM;
		return 0;
	}
	return ret < 0 ? 0 : ret;
}

/* A system-call stop (SIGTRAP | 0x80): the entry starts the clock, the exit counts the call. */
static void handle_syscall(struct thread *t)
{
	struct __ptrace_syscall_info info;
	uint64_t now = now_ns();

	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info), &info) <= 0)
		return;
	if (info.arch != AUDIT_ARCH_X86_64) {
		s.syscall_other_abi++; /* i386 (int 0x80): other numbers, not named here */
		return;
	}
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY || info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
		t->in_syscall = true;
		t->nr = info.op == PTRACE_SYSCALL_INFO_ENTRY ? (long)info.entry.nr
							     : (long)info.seccomp.nr;
		t->entry_ns = now;
		if (t->nr >= 0 && t->nr < MAX_SYSCALLS && s.syscall_wanted[t->nr])
			note_event();
	} else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		if (!t->in_syscall) {
			s.syscall_unpaired++;
			return;
		}
		t->in_syscall = false;
		if (t->nr < 0 || t->nr >= MAX_SYSCALLS || !s.syscall_wanted[t->nr])
			return;
		s.syscalls[t->nr].calls++;
		s.syscalls[t->nr].errors += info.exit.is_error;
		s.syscalls[t->nr].ns += now - t->entry_ns;
	}
}

/* ---- sample mode: stop the world, unwind every thread ---------------------------------- */

static struct {
	uint64_t ip;
	char *name;
} name_cache[NAME_CACHE];

static struct tb_map *maps;
static size_t nr_maps;

/* "FILE+0xOFFSET" for an address without a symbol, re-reading the maps for a new mapping. */
static void module_offset(uint64_t ip, char *buf, size_t len)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nr_maps; i++) {
			const char *base;

			if (ip < maps[i].start || ip >= maps[i].end || !maps[i].path)
				continue;
			base = strrchr(maps[i].path, '/');
			snprintf(buf, len, "%s+0x%" PRIx64, base ? base + 1 : maps[i].path,
				 ip - maps[i].start + maps[i].offset);
			return;
		}
		tb_maps__free(maps, nr_maps);
		maps = NULL;
		nr_maps = 0;
		if (tb_maps__read(s.pid, &maps, &nr_maps))
			break;
	}
	snprintf(buf, len, "0x%" PRIx64, ip);
}

/*
 * The function holding ip, through libunwind's view of the target's ELF
 * files; cached. A stripped library (libc) has only its dynamic symbols,
 * and the nearest one below ip may be another function: a name is kept only
 * if it starts where the unwind information says ip's function starts.
 */
static const char *function_name(unw_cursor_t *cursor, uint64_t ip)
{
	size_t i = (ip * 0x9e3779b97f4a7c15ull >> 40) % NAME_CACHE;
	unw_proc_info_t info;
	char buf[256];
	unw_word_t off;

	if (name_cache[i].name && name_cache[i].ip == ip)
		return name_cache[i].name;
	if (unw_get_proc_name(cursor, buf, sizeof(buf), &off) ||
	    (!unw_get_proc_info(cursor, &info) && info.start_ip != ip - off))
		module_offset(ip, buf, sizeof(buf));
	free(name_cache[i].name);
	name_cache[i].ip = ip;
	name_cache[i].name = strdup(buf);
	return name_cache[i].name ? name_cache[i].name : "?";
}

/*
 * Unwinds one stopped thread with libunwind's ptrace accessors and counts its
 * leaf function and its whole stack, folded root first. Returns 0 or -1.
 */
static int sample_native(pid_t tid)
{
	char frames[MAX_FRAMES][128]; /* copies: a later frame may evict a cached name */
	void *upt = _UPT_create(tid);
	unw_cursor_t cursor;
	char folded[MAX_FRAMES * 128];
	size_t nr = 0, len = 0;
	int err = -1;

	if (!upt)
		return -1;
	if (unw_init_remote(&cursor, s.unwind_space, upt))
		goto out;
	do {
		unw_word_t ip;

		if (unw_get_reg(&cursor, UNW_REG_IP, &ip))
			break;
		snprintf(frames[nr++], sizeof(frames[0]), "%s", function_name(&cursor, ip));
	} while (nr < MAX_FRAMES && unw_step(&cursor) > 0);
	if (!nr)
		goto out;
	folded[0] = 0;
	for (size_t i = nr; i-- > 0 && len < sizeof(folded);)
		len += snprintf(folded + len, sizeof(folded) - len, "%s%s", frames[i],
				i ? ";" : "");
	if (tb_tally__add(&s.leaves, frames[0], 1) || tb_tally__add(&s.stacks, folded, 1))
		goto out;
	err = 0;
out:
	_UPT_destroy(upt);
	return err;
}

/* ---- the workload's in-memory stack ------------------------------------------------------ */

/*
 * Finds tb_stack_root in the target. A target without one (any program but
 * the workload) just has no method stacks. Returns true if it has.
 */
static bool find_method_stacks(void)
{
	s.have_method_stacks = !tb_stack_reader__open(&s.method_stacks_reader, s.pid);
	return s.have_method_stacks;
}

/*
 * Reads the in-memory stacks of every thread (all stopped) and counts, for
 * each thread that was running, its leaf method and the folded method
 * stack. A command started under us is sampled from its exec on, before the
 * dynamic loader has relocated the root: until then nothing is counted. A
 * stopped thread cannot be changing its stack, so an odd sequence number
 * means it was stopped in the middle of a push or a pop: counted as torn. A
 * thread without a slot (the main thread) is not counted.
 */
static void sample_methods(void)
{
	struct tb_stack_reader *r = &s.method_stacks_reader;

	if (!s.method_stacks_loaded)
		s.method_stacks_loaded = !tb_stack_reader__load(r);
	if (!s.method_stacks_loaded || tb_stack_reader__read(r, ~0ull))
		return;
	for (uint32_t i = 0; i < r->nr_slots; i++) {
		const struct tb_thread_stack *st = &r->stacks[i];
		char folded[TB_STACK_MAX_DEPTH * 72 + 16];
		struct thread *t = NULL;
		uint32_t depth;
		size_t len = 0;

		if (r->state[i] == TB_SLOT_UNUSED)
			continue;
		for (size_t k = 0; k < s.nr_threads && !t; k++)
			if ((uint32_t)s.threads[k].tid == st->tid)
				t = &s.threads[k];
		if (!t || t->gone || !t->stopped || !t->was_running)
			continue;
		if (r->state[i] != TB_SLOT_OK) {
			s.method_torn++;
			continue;
		}
		depth = st->depth < TB_STACK_MAX_DEPTH ? st->depth : TB_STACK_MAX_DEPTH;
		folded[0] = 0;
		for (uint32_t d = 0; d < depth && len < sizeof(folded); d++)
			len += snprintf(folded + len, sizeof(folded) - len, "%s%s", d ? ";" : "",
					tb_stack_reader__method_name(r, st->frames[d].method_id));
		if (!depth)
			snprintf(folded, sizeof(folded), "(no_method)");
		s.method_samples++;
		tb_tally__add(&s.method_stacks, folded, 1);
		tb_tally__add(&s.method_leaves,
			      strrchr(folded, ';') ? strrchr(folded, ';') + 1 : folded, 1);
	}
}

/* Was the thread running (or runnable) rather than blocked? From /proc/PID/task/TID/stat. */
static bool thread_running(pid_t tid)
{
	char path[96], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)s.pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'R';
}

/*
 * One sample: every running thread stopped at once, each unwound, all
 * resumed. A thread that was blocked (waiting in a system call) is counted
 * as idle and left alone unless --idle, as profilers of running code do:
 * interrupting it would unwind nothing useful, and would make a blocking
 * call like epoll_wait return EINTR at every sample.
 */
static void take_sample(void)
{
	for (size_t i = 0; i < s.nr_threads; i++) {
		struct thread *t = &s.threads[i];

		t->was_running = s.sample_idle || thread_running(t->tid);
		s.idle += !t->gone && !t->was_running;
	}
	stop_threads(-1, true);
	for (size_t i = 0; i < s.nr_threads; i++) {
		struct thread *t = &s.threads[i];

		if (t->gone || !t->stopped || !t->was_running)
			continue;
		if (sample_native(t->tid)) {
			s.unwind_errors++;
		} else {
			s.samples++;
			note_event();
		}
	}
	if (s.have_method_stacks)
		sample_methods();
	resume_others(-1);
}

/* Folded stacks for flamegraph.pl. Returns 0 or -1 (reported). */
static int write_folded(const char *path, const struct tb_tally *t)
{
	FILE *f;
	int err;

	if (!path)
		return 0;
	f = fopen(path, "we");
	if (!f) {
		tb_fail("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	err = tb_tally__write_folded(t, f);
	if (fclose(f) && !err)
		err = -errno;
	if (err) {
		tb_fail("cannot write %s: %s", path, strerror(-err));
		return -1;
	}
	return 0;
}

/* Break mode's summary: hits, argument sums and step path per site; -L histograms. */
static void print_breaks(void)
{
	static const char *const regs[MAX_ARGS] = { "rdi", "rsi", "rdx", "rcx", "r8", "r9" };
	size_t nr_return = 0;

	printf("%-40s %12s", "SITE", "HITS");
	for (unsigned int a = 0; a < s.nr_args; a++)
		printf(" %17s(%s)", "SUM", regs[a]);
	printf("  STEP\n");
	for (size_t i = 0; i < s.nr_sites; i++) {
		const struct site *site = &s.sites[i];

		nr_return += site->is_return;
		if (!site->spec)
			continue;
		printf("%-40s %12" PRIu64, site->spec, site->hits);
		for (unsigned int a = 0; a < s.nr_args; a++)
			printf(" %22" PRIu64, site->arg_sum[a]);
		printf("  %s\n", step_path(site));
	}
	printf("single-steps: %" PRIu64 "; lost: %" PRIu64 "\n", s.steps_single, s.lost);
	if (!s.latency)
		return;
	for (size_t i = 0; i < s.nr_sites; i++) {
		const struct site *site = &s.sites[i];

		if (!site->timed)
			continue;
		printf("\n%s: %" PRIu64 " calls timed from entry to return, mean %.0f ns\n",
		       site->spec, site->lat_calls,
		       site->lat_calls ? (double)site->lat_ns / site->lat_calls : 0.0);
		tb_hist__print(stdout, site->lat_hist, LAT_BUCKETS, "nsecs");
	}
	printf("return sites: %zu; calls not timed (no room, or no return): %" PRIu64 "\n",
	       nr_return, s.lat_lost);
}

/* -L in the result file: {site: {calls, mean_ns, log2_ns: [bucket counts]}}. */
static void emit_latency(struct tb_json_writer *w, void *ctx)
{
	(void)ctx;
	tb_json_writer__begin_object(w);
	for (size_t i = 0; i < s.nr_sites; i++) {
		const struct site *site = &s.sites[i];

		if (!site->timed)
			continue;
		tb_json_writer__key(w, site->spec);
		tb_json_writer__begin_object(w);
		tb_hist__write_json(w, site->lat_calls, site->lat_ns, site->lat_hist, LAT_BUCKETS);
		tb_json_writer__end_object(w);
	}
	tb_json_writer__end_object(w);
}

/* The step path and argument sums per site asked for: {site: {step, arg_sums: [...]}}. */
static void emit_sites(struct tb_json_writer *w, void *ctx)
{
	(void)ctx;
	tb_json_writer__begin_object(w);
	for (size_t i = 0; i < s.nr_sites; i++) {
		const struct site *site = &s.sites[i];

		uint64_t sums[MAX_ARGS] = { 0 };
		const char *step = step_path(site);
		bool seen = false;

		for (size_t j = 0; site->spec && j < i; j++)
			seen |= s.sites[j].spec && !strcmp(s.sites[j].spec, site->spec);
		if (!site->spec || seen)
			continue;
		/* A USDT probe has several sites: one entry for all of them. */
		for (size_t j = i; j < s.nr_sites; j++) {
			if (!s.sites[j].spec || strcmp(s.sites[j].spec, site->spec))
				continue;
			for (unsigned int a = 0; a < s.nr_args; a++)
				sums[a] += s.sites[j].arg_sum[a];
			if (strcmp(step_path(&s.sites[j]), step))
				step = "mixed";
		}
		tb_json_writer__key(w, site->spec);
		tb_json_writer__begin_object(w);
		tb_json_writer__key(w, "step");
		tb_json_writer__string(w, step);
		tb_json_writer__key(w, "arg_sums");
		tb_json_writer__begin_array(w);
		for (unsigned int a = 0; a < s.nr_args; a++)
			tb_json_writer__u64(w, sums[a]);
		tb_json_writer__end_array(w);
		tb_json_writer__end_object(w);
	}
	tb_json_writer__end_object(w);
}

/* Is any traced thread left? */
static bool any_thread_left(void)
{
	for (size_t i = 0; i < s.nr_threads; i++)
		if (!s.threads[i].gone)
			return true;
	return false;
}

/* Forked children released from break mode (their first stop or fork event may come last). */
static pid_t *released_pids;
static size_t nr_released;

static bool released(pid_t pid)
{
	for (size_t i = 0; i < nr_released; i++)
		if (released_pids[i] == pid)
			return true;
	return false;
}

/* Done with a released child: both its fork event and its first stop were seen. */
static void forget_released(pid_t pid)
{
	for (size_t i = 0; i < nr_released; i++)
		if (released_pids[i] == pid)
			released_pids[i] = released_pids[--nr_released];
}

/*
 * Does tid share the traced process's memory (one of its threads, or a
 * vfork child), rather than have a copy of it (a forked child)? Compared
 * with a live thread of ours: a leader that called pthread_exit has no
 * memory left to compare with. When the kernel cannot tell, the answer is
 * yes: the task is traced as a thread, nothing is written into it.
 */
static bool same_memory(pid_t tid)
{
	for (size_t i = 0; i < s.nr_threads; i++) {
		const struct thread *t = &s.threads[i];
		long order;

		if (t->gone || t->exiting || t->vfork_child)
			continue;
		order = syscall(SYS_kcmp, t->tid, tid, KCMP_VM, 0, 0);
		return order != 1 && order != 2 && order != 3; /* 0: the same; -1: unknown */
	}
	return true;
}

/*
 * PTRACE_EVENT_EXEC: a new program replaced the memory. A vfork child that
 * execs no longer shares ours: let it go. If the traced process itself
 * execs, its breakpoints are gone with the old text: nothing is left to put
 * back, and nothing more will hit.
 */
static void handle_exec(struct thread *t)
{
	if (t->vfork_child) {
		if (ptrace(PTRACE_DETACH, t->tid, NULL, NULL) && errno != ESRCH)
			tb_fail("vfork child %d: cannot detach: %s", (int)t->tid, strerror(errno));
		t->gone = true;
		t->stopped = false;
		return;
	}
	for (size_t i = 0; s.mode == MODE_BREAK && i < s.nr_sites; i++) {
		if (s.sites[i].inserted)
			fprintf(stderr,
				PROG ": pid %d ran execve: its breakpoints went with "
				     "the old program\n",
				(int)s.pid);
		for (; i < s.nr_sites; i++)
			s.sites[i].inserted = false, s.sites[i].xol = 0;
	}
	s.xol_base = 0; /* the slots went with the old memory too */
	/* Every other thread is gone, and this one (the leader now) may have a new tid. */
	for (size_t i = 0; i < s.nr_threads; i++)
		if (&s.threads[i] != t && !s.threads[i].vfork_child)
			s.threads[i].gone = true;
}

/*
 * Break mode: a forked child has a copy of the text, int3s included, and
 * would die of SIGTRAP at its first hit once we let it go. Takes its first
 * stop (status, or waits for it when 0), puts the original bytes and
 * semaphores back in the copy, and detaches it: only the traced process is
 * traced, as gdb's detach-on-fork does. (A vfork child shares the parent's
 * memory and stays traced as one of its threads until it execs or exits.)
 */
static void release_child(pid_t child, int status)
{
	if (status) {
		/* Its first stop came first: remember it until its parent's fork event. */
		pid_t *pids = realloc(released_pids, (nr_released + 1) * sizeof(*pids));

		if (pids) {
			released_pids = pids;
			released_pids[nr_released++] = child;
		}
	} else if (wait_task(child, &status)) {
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	for (size_t i = 0; i < s.nr_sites; i++) {
		struct site *site = &s.sites[i];

		if (site->inserted && (poke_bytes(child, site->addr, site->orig, 1) ||
				       adjust_semaphore(child, site, -1)))
			tb_fail("forked child %d: cannot restore %s: it may die of SIGTRAP",
				(int)child, site->spec ? site->spec : "a return site");
	}
	if (s.xol_base) { /* its copy of the slots' pages */
		const long args[6] = { (long)s.xol_base, XOL_SIZE, 0, 0, 0, 0 };
		long ret;

		inject_syscall(child, SYS_munmap, args, &ret);
	}
	if (ptrace(PTRACE_DETACH, child, NULL, NULL))
		tb_fail("forked child %d: cannot detach: %s", (int)child, strerror(errno));
}

/* Handles one wait status. Returns false once the whole process is gone. */
static bool dispatch(pid_t tid, int status)
{
	struct thread *t = thread_of(tid);
	int event = status >> 16, sig;

	if (verbose)
		fprintf(stderr, PROG ": thread %d: status 0x%x (stop signal %d, event %d)\n",
			(int)tid, status, WIFSTOPPED(status) ? WSTOPSIG(status) : 0, event);

	if (!t && (WIFEXITED(status) || WIFSIGNALED(status))) {
		if (tid == s.pid)
			target_status = status; /* a zombie leader, reaped at last */
		return any_thread_left();
	}
	if (!t && released(tid)) {
		forget_released(tid); /* its first stop, after its fork event released it */
		return true;
	}
	if (!t && s.mode == MODE_BREAK && !same_memory(tid)) {
		/* A forked child can report before its parent's fork event. */
		release_child(tid, status);
		return true;
	}
	if (!t) {
		/* A new thread can report before its creator's clone event: adopt it. */
		t = thread_add(tid);
		if (!t)
			return true;
	}
	t->stopped = WIFSTOPPED(status);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		note_exit(t, status);
		return any_thread_left();
	}
	sig = WSTOPSIG(status);
	t->group_stop = event == PTRACE_EVENT_STOP && is_group_stop(sig);
	if (event == PTRACE_EVENT_FORK && s.mode == MODE_BREAK) {
		unsigned long child;

		if (!ptrace(PTRACE_GETEVENTMSG, tid, NULL, &child)) {
			if (released(child))
				forget_released(child); /* released at its first stop already */
			else
				release_child(child, 0);
		}
		resume(t, 0);
	} else if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
		   event == PTRACE_EVENT_VFORK) {
		unsigned long new_tid;
		struct thread *n;

		if (!ptrace(PTRACE_GETEVENTMSG, tid, NULL, &new_tid) && (n = thread_add(new_tid)))
			n->vfork_child = event == PTRACE_EVENT_VFORK;
		t = thread_of(tid); /* thread_add may have moved the array */
		resume(t, 0);
	} else if (event == PTRACE_EVENT_EXIT) {
		t->exiting = true; /* a zombie from now on if it is the leader: never stop it */
		resume(t, 0);
	} else if (event == PTRACE_EVENT_EXEC) {
		handle_exec(t);
		resume(t, 0);
	} else if (event == PTRACE_EVENT_STOP) {
		resume(t, 0); /* our interrupt, a new thread's first stop, or a group stop */
	} else if (event == PTRACE_EVENT_SECCOMP) {
		/* The filter's entry stop: run to this call's exit stop, then on freely. */
		handle_syscall(t);
		if (ptrace(PTRACE_SYSCALL, tid, NULL, NULL) && errno == ESRCH)
			t->gone = true;
		t->stopped = false;
	} else if (event) {
		resume(t, 0);
	} else if (sig == (SIGTRAP | 0x80)) {
		handle_syscall(t);
		resume(t, 0);
	} else if (sig == SIGTRAP) {
		resume(t, handle_trap(t, status));
	} else {
		resume(t, sig); /* the program's own signal, delivered as it would be */
	}
	return true;
}

/* ---- the end: put everything back ----------------------------------------------------- */

/*
 * A thread can execute an int3 just as PTRACE_INTERRUPT reaches it: it
 * reports the interrupt stop, and the breakpoint's SIGTRAP waits, queued to
 * it. Detached like that, it would die of that SIGTRAP. Is one queued?
 */
static bool trap_pending(pid_t tid)
{
	unsigned long long pending;

	return !tb_target__status_field(tid, "SigPnd", 16, &pending) &&
	       (pending & (1ull << (SIGTRAP - 1)));
}

/* Lets the queued SIGTRAP be delivered into a stop, and keeps that stop for the roll-back. */
static void take_pending_trap(struct thread *t)
{
	int status;

	if (ptrace(PTRACE_CONT, t->tid, NULL, NULL))
		return;
	if (wait_task(t->tid, &status))
		return;
	if (WIFSTOPPED(status))
		defer(t->tid, status);
	else
		note_exit(t, status);
}

/*
 * A fork, vfork or clone event still queued at the end: its new task is
 * traced (automatically attached) but not ours yet, and would be left in its
 * first stop, or, forked, with our int3s in its copy of the text. A forked
 * child in break mode is released here; any other new task joins the threads
 * (stopped at its first stop) and is detached with them.
 */
static void adopt_new_tasks(void)
{
	for (size_t i = deferred_head; i < nr_deferred; i++) {
		int event = deferred[i].status >> 16, status;
		unsigned long child;
		struct thread *t;

		if (event != PTRACE_EVENT_FORK && event != PTRACE_EVENT_VFORK &&
		    event != PTRACE_EVENT_CLONE)
			continue;
		deferred[i].status = 0; /* the parent is detached like any other thread */
		if (ptrace(PTRACE_GETEVENTMSG, deferred[i].tid, NULL, &child) || thread_of(child) ||
		    released(child))
			continue;
		if (event == PTRACE_EVENT_FORK && s.mode == MODE_BREAK) {
			release_child(child, 0);
			continue;
		}
		if (wait_task(child, &status) || !WIFSTOPPED(status) || !(t = thread_add(child)))
			continue;
		t->stopped = true;
		t->vfork_child = event == PTRACE_EVENT_VFORK;
	}
}

/*
 * Stops every thread, takes each pending hit back (a thread stopped just past
 * an int3 re-executes the original instruction), restores every byte,
 * verifies it, and detaches. Returns 0 or -EIO if a byte could not be put back.
 */
static int restore_and_detach(void)
{
	bool rollback_failed = false;
	pid_t writer = -1;
	int err;

	stop_others(-1);
	adopt_new_tasks();
	for (size_t i = 0; i < s.nr_threads; i++) {
		struct thread *t = &s.threads[i];

		if (!t->gone && t->stopped && !has_deferred(t->tid) && trap_pending(t->tid))
			take_pending_trap(t);
	}
	for (size_t i = deferred_head; i < nr_deferred; i++) {
		struct thread *t = thread_of(deferred[i].tid);
		struct user_regs_struct regs;
		struct site *site;

		if (!t || !(site = our_hit(t, deferred[i].status, &regs)))
			continue;
		count_hit(site, &regs);
		regs.rip--; /* back onto the original instruction, restored below */
		if (ptrace(PTRACE_SETREGS, t->tid, NULL, &regs) && errno != ESRCH) {
			/* Resumed one byte into an instruction, it would compute garbage. */
			tb_fail("thread %d: cannot move it back onto %s: %s", (int)t->tid,
				site_name(site), strerror(errno));
			rollback_failed = true;
		}
		deferred[i].status = 0;
	}
	/* The bytes are written through a thread of the process itself (not a vfork child). */
	for (size_t i = 0; i < s.nr_threads && writer < 0; i++)
		if (!s.threads[i].gone && s.threads[i].stopped && !s.threads[i].vfork_child &&
		    !s.threads[i].exiting)
			writer = s.threads[i].tid;
	for (size_t i = 0; i < s.nr_threads; i++)
		if (!s.threads[i].gone && s.threads[i].stopped && !s.threads[i].exiting)
			xol_leave(&s.threads[i]);
	err = writer > 0 ? remove_all(writer) : 0;
	if (writer > 0 && xol_unmap(writer))
		tb_fail("could not unmap the out-of-line slots at 0x%" PRIx64
			" (%d bytes) from pid %d",
			s.xol_base, XOL_SIZE, (int)s.pid);
	for (size_t i = 0; i < s.nr_threads; i++) {
		struct thread *t = &s.threads[i];
		int sig = 0;

		if (t->gone)
			continue;
		/*
		 * A signal it stopped for goes with it; a trap or a system call stop
		 * (SIGTRAP | 0x80, not a signal: PTRACE_DETACH would fail with EIO and
		 * leave the thread to the kernel's detach at our exit) does not.
		 */
		for (size_t j = deferred_head; j < nr_deferred; j++)
			if (deferred[j].tid == t->tid && WIFSTOPPED(deferred[j].status) &&
			    !(deferred[j].status >> 16) &&
			    (WSTOPSIG(deferred[j].status) & 0x7f) != SIGTRAP)
				sig = WSTOPSIG(deferred[j].status);
		if (ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(long)sig) && errno != ESRCH)
			tb_fail("thread %d: cannot detach: %s", (int)t->tid, strerror(errno));
	}
	return rollback_failed ? -EIO : err;
}

static const char *syscall_name(int nr)
{
	static char buf[32];

	if (nr >= 0 && nr < MAX_SYSCALLS && syscall_names[nr])
		return syscall_names[nr];
	snprintf(buf, sizeof(buf), "syscall_%d", nr);
	return buf;
}

/* -e NAME[,NAME...]: count only these system calls. Returns 0 or -1 (reported). */
static int parse_syscall_list(const char *list)
{
	char *bad = NULL;
	int err, nr_wanted = 0;

	memset(s.syscall_wanted, 0, sizeof(s.syscall_wanted));
	err = tb_spec__name_list(list, syscall_names, MAX_SYSCALLS, s.syscall_wanted, &bad);
	if (err == -EINVAL)
		tb_fail("-e %s: no system call named %s on x86-64", list, bad);
	free(bad);
	if (err < 0)
		return -1;
	for (int nr = 0; nr < MAX_SYSCALLS; nr++)
		nr_wanted += s.syscall_wanted[nr];
	if (!nr_wanted) {
		tb_fail("-e %s: give system call names, comma-separated (e.g. -e read,write)",
			list);
		return -1;
	}
	if (nr_wanted > 255) { /* the filter's jumps are 8 bits */
		tb_fail("-e: at most 255 system calls");
		return -1;
	}
	return 0;
}

/* The table strace -c prints: time share, seconds, microseconds per call, calls, errors. */
static void print_syscalls(void)
{
	uint64_t total_ns = 0, total_calls = 0, total_errors = 0;

	for (int nr = 0; nr < MAX_SYSCALLS; nr++) {
		total_ns += s.syscalls[nr].ns;
		total_calls += s.syscalls[nr].calls;
		total_errors += s.syscalls[nr].errors;
	}
	printf("%6s %11s %11s %9s %9s %s\n", "% time", "seconds", "usecs/call", "calls", "errors",
	       "syscall");
	for (int nr = 0; nr < MAX_SYSCALLS; nr++) {
		const struct syscall_stats *st = &s.syscalls[nr];
		char errors[24] = "";

		if (!st->calls)
			continue;
		if (st->errors)
			snprintf(errors, sizeof(errors), "%" PRIu64, st->errors);
		printf("%6.2f %11.6f %11" PRIu64 " %9" PRIu64 " %9s %s\n",
		       total_ns ? 100.0 * st->ns / total_ns : 0.0, st->ns / 1e9,
		       st->ns / st->calls / 1000, st->calls, errors, syscall_name(nr));
	}
	printf("%6s %11.6f %11s %9" PRIu64 " %9" PRIu64 " %s\n", "100.00", total_ns / 1e9, "",
	       total_calls, total_errors, "total");
	printf("exits whose entry came before attaching (not counted): %" PRIu64 "\n",
	       s.syscall_unpaired);
	if (s.syscall_other_abi)
		printf("stops of i386 (int 0x80) system calls, not counted: %" PRIu64 "\n",
		       s.syscall_other_abi);
}

/*
 * The filter --seccomp installs in the command, as strace --seccomp-bpf does:
 * the -e system calls return SECCOMP_RET_TRACE (a ptrace stop at entry),
 * every other one runs without stopping. Another architecture's calls (i386
 * through int 0x80) are traced too, so none escapes unseen.
 */
static void build_filter(void)
{
	struct sock_filter *f = s.filter;
	size_t n = 0, wanted = 0, k = 0;

	for (int nr = 0; nr < MAX_SYSCALLS; nr++)
		wanted += s.syscall_wanted[nr];
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (int nr = 0; nr < MAX_SYSCALLS; nr++) {
		if (!s.syscall_wanted[nr])
			continue;
		k++;
		/* On a match, jump over the remaining tests and the ALLOW to the TRACE. */
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, wanted - k + 1,
						      0);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	s.filter_prog = (struct sock_fprog){ .len = n, .filter = s.filter };
}

/* In the child, before execve: async-signal-safe system calls only. */
static int install_filter(void *arg)
{
	struct sock_fprog *prog = arg;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog))
		return -errno;
	return 0;
}

/*
 * A started command: waits for the stop at the end of its execve
 * (PTRACE_EVENT_EXEC), where the new program has not run an instruction yet.
 * Anything before it (a --seccomp stop of execve itself) is handled as usual.
 * Returns 0, -ECHILD if the command ended first, or -errno.
 */
static int wait_exec_stop(void)
{
	int status;

	for (;;) {
		int err = wait_task(s.pid, &status);

		if (err)
			return err;
		if (!WIFSTOPPED(status))
			return -ECHILD;
		if (status >> 16 == PTRACE_EVENT_EXEC)
			break;
		dispatch(s.pid, status);
	}
	if (!thread_add(s.pid))
		return -ENOMEM;
	/*
	 * It stopped inside its execve, whose entry ran before the first
	 * PTRACE_SYSCALL: the exit stop comes next, and counts it (strace does).
	 */
	*thread_of(s.pid) = (struct thread){ .tid = s.pid,
					     .stopped = true,
					     .in_syscall = true,
					     .nr = SYS_execve,
					     .entry_ns = now_ns() };
	return 0;
}

/*
 * Break mode on a started command: at the exec stop only the executable and
 * the dynamic loader are mapped. Runs it to its entry point (AT_ENTRY), where
 * the loader has mapped every library it needs, so sites in them resolve.
 * Returns 0 with the thread stopped there, -ECHILD if it ended, or -errno.
 */
static int run_to_entry(void)
{
	uint64_t auxv[2], entry = 0;
	struct user_regs_struct regs;
	unsigned char orig;
	char path[64];
	int fd, status, sig = 0, err;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)s.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && read(fd, auxv, sizeof(auxv)) == sizeof(auxv) && auxv[0] != AT_NULL)
		if (auxv[0] == AT_ENTRY)
			entry = auxv[1];
	if (fd >= 0)
		close(fd);
	if (!entry)
		return -ENOENT;
	err = peek_bytes(s.pid, entry, &orig, 1);
	if (!err)
		err = poke_bytes(s.pid, entry, &int3, 1);
	if (err)
		return err;
	for (;;) {
		if (ptrace(PTRACE_CONT, s.pid, NULL, (void *)(long)sig))
			return -errno;
		err = wait_task(s.pid, &status);
		if (err)
			return err;
		if (!WIFSTOPPED(status))
			return -ECHILD;
		sig = status >> 16 ? 0 : WSTOPSIG(status);
		if (sig != SIGTRAP || ptrace(PTRACE_GETREGS, s.pid, NULL, &regs))
			continue; /* the loader's own signal, passed on */
		if (regs.rip - 1 == entry)
			break;
	}
	regs.rip = entry;
	if (ptrace(PTRACE_SETREGS, s.pid, NULL, &regs))
		return -errno;
	return poke_bytes(s.pid, entry, &orig, 1);
}

/* ---- main ------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " break [-a N] [-L] SITE... (-p PID | -- COMMAND [ARGS])\n"
		"       " PROG
		" syscall [-e NAME,...] [-f] [--seccomp] (-p PID | -- COMMAND [ARGS])\n"
		"       " PROG " sample [-F HZ] [--idle] [--folded FILE] [--folded-methods FILE]\n"
		"                         (-p PID | -- COMMAND [ARGS])\n"
		"\n"
		"What stopping a process costs, three ways. Every event stops the thread that\n"
		"hit it and wakes " PROG ", which reads what it needs through ptrace and lets\n"
		"the thread go on.\n"
		"\n"
		"break: an int3 at each SITE, gdb-style; counts hits per site and sums the\n"
		"  first arguments (registers rdi, rsi, ...); steps over the replaced\n"
		"  instruction by emulating it (nop, endbr64, push %%rbp, mov %%rsp,%%rbp) or by\n"
		"  restoring it and single-stepping with every other thread stopped.\n"
		"  SITE is [FILE:]SYMBOL[+OFFSET] (FILE: a mapped executable or library, e.g.\n"
		"  libc.so.6:write) or usdt:PROVIDER:NAME (every site of that USDT probe).\n"
		"  OFFSET must start an instruction (objdump -d), as for gdb's break *ADDR.\n"
		"  -a, --args N         show the sums of the first N arguments, 0 to 6 (default "
		"1)\n"
		"      --no-xol         emulate simple instructions in the tracer instead of\n"
		"                       executing them out of line in a page mapped into the\n"
		"                       target (the default, as uprobes do)\n"
		"  -L, --latency        time each call from entry to return (a breakpoint at\n"
		"                       the return address); SITEs must be function symbols\n"
		"syscall: stops at every system call's entry and exit (PTRACE_SYSCALL), counts\n"
		"  calls, errors and time per name, like strace -c; every thread.\n"
		"  -e, --trace NAME,... count only these system calls\n"
		"  -f, --follow-forks   also trace the processes it starts, like strace -f\n"
		"      --seccomp        with -- COMMAND and -e: a seccomp-bpf filter in the\n"
		"                       command stops only the chosen calls (strace "
		"--seccomp-bpf)\n"
		"sample: stops every thread at a fixed rate (PTRACE_INTERRUPT), unwinds each\n"
		"  running thread's stack with libunwind, and reads the workload's in-memory\n"
		"  stack (tb_stack_root) when the target has one; prints the top leaf functions.\n"
		"  -F, --frequency HZ   samples per second, 1 to 10000 (default 99)\n"
		"      --idle           also unwind threads blocked in the kernel\n"
		"      --folded FILE    native stacks, folded for flamegraph.pl\n"
		"      --folded-methods FILE  the in-memory stacks, folded\n"
		"\n"
		"  -p, --pid PID        trace a running process (PTRACE_SEIZE; left running as\n"
		"                       it was, every byte put back, when " PROG " stops)\n"
		"  -- COMMAND [ARGS]    start COMMAND, traced from its execve on; after -d or\n"
		"                       Ctrl-C it is let go and " PROG " waits for it and exits\n"
		"                       with its status; if " PROG " is killed, so is COMMAND\n"
		"                       (PTRACE_O_EXITKILL)\n"
		"  -u, --user USER      run COMMAND as USER (a name or uid, optionally :GROUP),\n"
		"                       seized before it drops root; only with -- COMMAND,\n"
		"                       as root\n"
		"  -d, --duration SECS  stop after SECS seconds (default: until the target\n"
		"                       exits, or Ctrl-C)\n"
		"  -o, --output FILE    write the result as JSON (results/README.md)\n"
		"  -v, --verbose        diagnostics\n"
		"  -h, --help           this text\n"
		"\n"
		"Needs CAP_SYS_PTRACE for a process that is not its child, or Yama's\n"
		"kernel.yama.ptrace_scope at 0. One ptrace tracer per process at a time.\n");
}

/*
 * A file the process maps, by its name alone: "libc.so.6", or "libc" for
 * libc.so.6 or libc-2.36.so. The path as the process sees it, under
 * /proc/PID/root so it is valid in our mount namespace too; NULL if none.
 */
static char *mapped_file(pid_t pid, const char *name)
{
	size_t nr = 0, len = strlen(name);
	struct tb_map *all = NULL;
	char *path = NULL;

	if (tb_maps__read(pid, &all, &nr))
		return NULL;
	for (size_t i = 0; i < nr && !path; i++) {
		const char *base = all[i].path ? strrchr(all[i].path, '/') : NULL;

		if (base && !strncmp(base + 1, name, len) &&
		    (!base[1 + len] || base[1 + len] == '.' || base[1 + len] == '-') &&
		    asprintf(&path, "/proc/%d/root%s", (int)pid, all[i].path) < 0)
			path = NULL;
	}
	tb_maps__free(all, nr);
	return path;
}

/* [FILE:]SYMBOL[+OFFSET] (tb_spec__symbol), resolved in pid. Returns 0 or -errno. */
static int parse_site(struct site *site, pid_t pid, const char *spec)
{
	char *file, *symbol;
	uint64_t offset, addr;
	int err;

	err = tb_spec__symbol(spec, &file, &symbol, &offset);
	if (!err && file && !strchr(file, '/')) {
		char *path = mapped_file(pid, file);

		err = path ? tb_maps__resolve_symbol(pid, path, symbol, &addr) : -ENOENT;
		free(path);
	} else if (!err) {
		err = tb_maps__resolve_symbol(pid, file, symbol, &addr);
	}
	free(file);
	free(symbol);
	if (err)
		return err;
	site->spec = spec;
	site->addr = addr + offset;
	return 0;
}

/*
 * usdt:PROVIDER:NAME: a breakpoint at every site of that USDT probe in the
 * executable (a nop: the emulated path). Returns 0, -ENOENT, -ENOSPC (too
 * many sites) or another -errno.
 */
static int add_usdt_sites(pid_t pid, const char *spec)
{
	const char *probe = spec + strlen("usdt:"), *colon = strchr(probe, ':');
	struct tb_usdt_note *notes = NULL;
	struct tb_map *maps = NULL;
	struct tb_elf *elf = NULL;
	size_t nr = 0, nr_maps = 0, found = 0;
	char exe[64];
	int err;

	if (!colon)
		return -EINVAL;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	err = tb_elf__open(exe, &elf);
	if (!err)
		err = tb_elf__usdt_notes(elf, &notes, &nr);
	if (!err)
		err = tb_maps__read(pid, &maps, &nr_maps);
	for (size_t i = 0; !err && i < nr; i++) {
		struct site *site;

		if (strncmp(notes[i].provider, probe, colon - probe) ||
		    notes[i].provider[colon - probe] || strcmp(notes[i].name, colon + 1))
			continue;
		if (s.nr_sites == MAX_SITES) {
			err = -ENOSPC;
			break;
		}
		site = &s.sites[s.nr_sites];
		err = tb_maps__offset_to_addr(maps, nr_maps, exe, notes[i].file_offset,
					      &site->addr);
		site->semaphore = 0;
		if (!err && notes[i].semaphore_offset)
			err = tb_maps__offset_to_addr(maps, nr_maps, exe, notes[i].semaphore_offset,
						      &site->semaphore);
		if (!err) {
			site->spec = spec;
			s.nr_sites++;
			found++;
		}
	}
	if (!err && !found)
		err = -ENOENT;
	tb_maps__free(maps, nr_maps);
	tb_usdt_notes__free(notes, nr);
	tb_elf__close(elf);
	return err;
}

/*
 * An option that belongs to another mode would be ignored without a word:
 * refused instead. Returns 1 after saying so, 0 if option is mode's.
 */
static int other_mode(const char *option, enum mode mode)
{
	static const char *const names[] = { "break", "syscall", "sample" };

	if (s.mode == mode)
		return 0;
	tb_fail("%s is for %s mode, not %s (-h for help)", option, names[mode], names[s.mode]);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "trace", required_argument, NULL, 'e' },
		{ "seccomp", no_argument, NULL, 'S' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "idle", no_argument, NULL, 'I' },
		{ "folded", required_argument, NULL, 'P' },
		{ "args", required_argument, NULL, 'a' },
		{ "latency", no_argument, NULL, 'L' },
		{ "follow-forks", no_argument, NULL, 'f' },
		{ "no-xol", no_argument, NULL, 'X' },
		{ "folded-methods", required_argument, NULL, 'M' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long options = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
	const char *output = NULL, *folded_path = NULL, *folded_methods_path = NULL, *user = NULL;
	char **command = NULL, why[256], *end;
	unsigned long nr_args;
	int argc_opts = argc, c, err, ret = 1, status;
	double duration = 0;
	bool traced_list = false;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t attach_ns = 0, detach_ns = 0, window_start = 0, window_end;
	bool restore_failed = false;
	struct deferred d;

	tb_msg__hold_std_fds();
	tool_start_ns = now_ns();
	argc_opts = tb_child__split_argv(argc, argv, &command);
	if (argc_opts >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc_opts >= 2 && !strcmp(argv[1], "break")) {
		s.mode = MODE_BREAK;
	} else if (argc_opts >= 2 && !strcmp(argv[1], "syscall")) {
		s.mode = MODE_SYSCALL;
		s.resume_request = PTRACE_SYSCALL;
		options |= PTRACE_O_TRACESYSGOOD;
	} else if (argc_opts >= 2 && !strcmp(argv[1], "sample")) {
		s.mode = MODE_SAMPLE;
		s.rate_hz = 99;
	} else {
		tb_fail("give a mode: break, syscall or sample; -h for help");
		return 1;
	}
	for (int i = 0; i < MAX_SYSCALLS; i++)
		s.syscall_wanted[i] = true;
	optind = 2;
	while ((c = getopt_long(argc_opts, argv, ":p:d:o:u:e:F:a:Lfvh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'I':
			if (other_mode("--idle", MODE_SAMPLE))
				return 1;
			s.sample_idle = true;
			break;
		case 'P':
			if (other_mode("--folded", MODE_SAMPLE))
				return 1;
			folded_path = optarg;
			break;
		case 'a':
			if (other_mode("-a", MODE_BREAK))
				return 1;
			nr_args = strtoul(optarg, &end, 10);
			if (*end || !*optarg || nr_args > MAX_ARGS) {
				tb_fail("-a %s: show 0 to %d arguments", optarg, MAX_ARGS);
				return 1;
			}
			s.nr_args = nr_args;
			break;
		case 'L':
			s.latency = true;
			break;
		case 'f':
			s.follow_forks = true;
			break;
		case 'X':
			if (other_mode("--no-xol", MODE_BREAK))
				return 1;
			s.no_xol = true;
			break;
		case 'M':
			if (other_mode("--folded-methods", MODE_SAMPLE))
				return 1;
			folded_methods_path = optarg;
			break;
		case 'F':
			if (other_mode("-F", MODE_SAMPLE))
				return 1;
			s.rate_hz = strtod(optarg, &end);
			if (*end || !(s.rate_hz >= 1 && s.rate_hz <= 10000)) {
				tb_fail("-F %s: the sampling rate must be 1 to 10000 per second",
					optarg);
				return 1;
			}
			break;
		case 'e':
			if (other_mode("-e", MODE_SYSCALL) || parse_syscall_list(optarg))
				return 1;
			traced_list = true;
			break;
		case 'S':
			s.seccomp = true;
			break;
		case 'p':
			if (tb_target__parse_pid(optarg, &s.pid)) {
				tb_fail("-p %s: not a process id", optarg);
				return 1;
			}
			break;
		case 'd':
			if (tb_target__parse_seconds(optarg, &duration)) {
				tb_fail("-d %s: the duration must be " TB_DURATION_RANGE, optarg);
				return 1;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			tb_fail("option '%s' needs a value (-h for help)", argv[optind - 1]);
			return 1;
		default:
			tb_fail("unknown option '%s' (-h for help)", argv[optind - 1]);
			return 1;
		}
	}
	if (command && !command[0]) {
		tb_fail("no COMMAND after -- (-h for help)");
		return 1;
	}
	if ((s.mode == MODE_BREAK && optind == argc_opts) ||
	    (s.mode != MODE_BREAK && optind != argc_opts) || !s.pid == !command) {
		tb_fail(s.mode == MODE_BREAK
				? "give SITEs and either -p PID or -- COMMAND (-h for help)"
				: "give -p PID or -- COMMAND, and no SITE (-h for help)");
		return 1;
	}
	if (tb_child__user_option(user, command))
		return 1;
	if (s.follow_forks && s.mode != MODE_SYSCALL) {
		tb_fail("-f is for syscall mode (break mode lets forked children go without "
			"breakpoints)");
		return 1;
	}
	if (s.latency && s.mode != MODE_BREAK) {
		tb_fail("-L is for break mode");
		return 1;
	}
	if (s.mode == MODE_BREAK || s.follow_forks)
		options |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
	if (s.seccomp && (s.mode != MODE_SYSCALL || !command || !traced_list)) {
		tb_fail("--seccomp is for syscall mode with -- COMMAND and -e NAME,...: the filter "
			"goes "
			"into the command before it starts");
		return 1;
	}
	if (tb_result__check_output(output, "the result", "-o") ||
	    tb_result__check_output(folded_path, "the folded stacks", "--folded") ||
	    tb_result__check_output(folded_methods_path, "the folded stacks", "--folded-methods"))
		return 1;
	if (argc_opts - optind > MAX_SITES) {
		tb_fail("at most %d sites", MAX_SITES);
		return 1;
	}

	/* No SA_RESTART: a signal must interrupt waitpid so the loop can clean up. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	if (command) {
		/*
		 * Seized while it is held before execve, so nothing it does escapes
		 * us: every thread it starts is ours (PTRACE_O_TRACECLONE), --seccomp's
		 * filter stops have a tracer from the first instruction on, and the
		 * sites are set at the exec stop, before the program's first instruction.
		 */
		if (s.seccomp) {
			build_filter();
			s.resume_request = PTRACE_CONT;
			options |= PTRACE_O_TRACESECCOMP;
		}
		options |= PTRACE_O_EXITKILL;
		err = tb_child__spawn_hook(&s.child, command, s.seccomp ? install_filter : NULL,
					   &s.filter_prog);
		if (!err && ptrace(PTRACE_SEIZE, s.child.pid, NULL, (void *)options))
			err = -errno;
		if (!err) {
			s.pid = s.child.pid;
			err = tb_child__exec_begin(&s.child);
		}
		if (!err) {
			/* Its execve may stop first (--seccomp -e execve): handled while waiting.
			 */
			int exec_err;

			err = wait_exec_stop();
			exec_err = tb_child__exec_end(&s.child);
			if (exec_err)
				err = exec_err; /* execve failed: why */
		}
		if (!err && s.mode == MODE_BREAK)
			err = run_to_entry();
		if (err) {
			tb_fail("cannot run %s: %s", command[0],
				err == -ECHILD ? "it ended before its exec stop"
					       : tb_child__strerror(err));
			tb_child__kill(&s.child);
			tb_child__close(&s.child);
			return 1;
		}
		s.started = true;
	} else if (tb_target__check_pid(s.pid, why, sizeof(why))) {
		tb_fail("cannot trace pid %d: %s", (int)s.pid, why);
		return 1;
	}

	err = seize_all(s.pid, options);
	if (err == -EPERM && seize_refused_by > 0) {
		tb_fail("cannot attach to pid %d: it is already traced by pid %d (TracerPid) — one "
			"ptrace tracer at a time; stop that one first",
			(int)s.pid, (int)seize_refused_by);
		goto out;
	}
	if (err == -EPERM) {
		/* Another user's process, a non-dumpable one, Yama: said exactly. */
		tb_target__explain_eperm(s.pid, why, sizeof(why));
		tb_fail("cannot attach to pid %d: ptrace(PTRACE_SEIZE): %s — %s", (int)s.pid,
			strerror(-err), why);
		goto out;
	}
	if (err) {
		tb_fail("cannot attach to pid %d: ptrace(PTRACE_SEIZE): %s", (int)s.pid,
			strerror(-err));
		goto out;
	}
	stop_others(-1);
	for (int i = optind; i < argc_opts; i++) {
		if (!strncmp(argv[i], "usdt:", 5)) {
			err = add_usdt_sites(s.pid, argv[i]);
		} else {
			err = s.nr_sites < MAX_SITES
				      ? parse_site(&s.sites[s.nr_sites], s.pid, argv[i])
				      : -ENOSPC;
			if (!err)
				s.nr_sites++;
		}
		for (size_t j = 0; !err && j + 1 < s.nr_sites; j++) {
			if (s.sites[j].addr != s.sites[s.nr_sites - 1].addr)
				continue;
			tb_fail("%s and %s are the same address: give it once", s.sites[j].spec,
				argv[i]);
			goto fail_detach;
		}
		if (err) {
			tb_fail("no site %s in pid %d: %s", argv[i], (int)s.pid,
				err == -ENOENT ? "no such symbol or probe, or FILE is not mapped; "
						 "see nm -D FILE, readelf -n FILE, /proc/PID/maps"
				: err == -ENOSPC ? "too many sites"
				: err == -EINVAL
					? "expected [FILE:]SYMBOL[+OFFSET] (OFFSET a whole "
					  "number, e.g. escape+4) or usdt:PROVIDER:NAME"
					: strerror(-err));
			goto fail_detach;
		}
	}
	for (size_t i = 0; s.latency && i < s.nr_sites; i++) {
		const char *spec = s.sites[i].spec;
		const char *symbol = strrchr(spec, ':') ? strrchr(spec, ':') + 1 : spec;

		if (!strncmp(spec, "usdt:", 5) || strchr(symbol, '+')) {
			tb_fail("-L %s: latency is timed from a function's first instruction; give "
				"SYMBOL, not an offset or a USDT site",
				spec);
			goto fail_detach;
		}
		s.sites[i].timed = true;
	}
	if (s.mode == MODE_BREAK && !s.no_xol) {
		pid_t tid = -1;

		/*
		 * Not through a thread in a group stop (kill -STOP): after running the
		 * mmap it would be in a trap stop, which PTRACE_LISTEN cannot leave
		 * stopped. (At the end, detaching puts such a thread back into the
		 * group stop, so the munmap may go through any thread.)
		 */
		for (size_t i = 0; i < s.nr_threads && tid < 0; i++)
			if (!s.threads[i].gone && s.threads[i].stopped && !s.threads[i].exiting &&
			    !s.threads[i].group_stop)
				tid = s.threads[i].tid;
		err = tid > 0 ? xol_map(tid) : -ESRCH;
		if (err && verbose)
			fprintf(stderr, PROG ": no out-of-line slots (%s): emulating instead\n",
				strerror(-err));
	}
	err = s.mode == MODE_BREAK ? insert_all(s.pid) : 0;
	if (err)
		goto fail_detach; /* insert_all said why */
	resume_others(-1);
	wake_tid = s.pid;
	if (s.started)
		tb_child__release(&s.child);
	window_start = now_ns();
	attach_ns = window_start - tool_start_ns; /* set-up and attach, from main's start */
	if (s.mode == MODE_SAMPLE)
		fprintf(stderr,
			PROG ": sampling pid %d at %g Hz (attach %.1f ms); Ctrl-C to stop\n",
			(int)s.pid, s.rate_hz, attach_ns / 1e6);
	else if (s.mode == MODE_BREAK)
		fprintf(stderr,
			PROG ": %zu breakpoint%s in pid %d (attach %.1f ms); Ctrl-C to stop\n",
			s.nr_sites, s.nr_sites == 1 ? "" : "s", (int)s.pid, attach_ns / 1e6);
	else
		fprintf(stderr,
			PROG ": tracing system calls of pid %d (attach %.1f ms); Ctrl-C to stop\n",
			(int)s.pid, attach_ns / 1e6);
	if (duration) {
		struct itimerval it = { .it_value = { (time_t)duration,
						      (suseconds_t)((duration - (time_t)duration) *
								    1e6) } };

		setitimer(ITIMER_REAL, &it, NULL);
	}

	if (s.mode == MODE_SAMPLE) {
		uint64_t period = 1e9 / s.rate_hz, next = now_ns() + period;

		s.unwind_space = unw_create_addr_space(&_UPT_accessors, 0);
		if (find_method_stacks() && verbose)
			fprintf(stderr, PROG ": in-memory stack at 0x%" PRIx64 "\n",
				s.method_stacks_reader.root_addr);
		if (!s.unwind_space) {
			tb_fail("cannot create a libunwind address space");
			goto fail_detach;
		}
		/* An absolute schedule: a sample that comes too late is counted, not shifted. */
		while (!exiting) {
			uint64_t now;
			pid_t tid;

			while (!exiting && next_deferred(&d))
				if (!dispatch(d.tid, d.status))
					goto done;
			while ((tid = waitpid(-1, &status, __WALL | WNOHANG)) > 0)
				if (!dispatch(tid, status))
					goto done;
			if (tid < 0 && errno == ECHILD)
				goto done;
			now = now_ns();
			if (now < next) {
				uint64_t wait = next - now < 1000000 ? next - now : 1000000;
				struct timespec nap = { 0, (long)wait };

				nanosleep(&nap, NULL);
				continue;
			}
			if (now - next > period)
				s.late += (now - next) / period;
			take_sample();
			next += period * (1 + (now - next) / period);
		}
		goto out_detach;
	}

	for (;;) {
		pid_t tid;

		while (!exiting && next_deferred(&d))
			if (!dispatch(d.tid, d.status))
				goto done;
		if (exiting)
			break;
		tid = waitpid(-1, &status, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left to wait for */
		}
		if (!dispatch(tid, status))
			goto done;
	}
out_detach:
	window_end = now_ns();
	restore_failed = restore_and_detach();
	/* From the stop request (a signal, -d) to every byte put back and every thread detached */
	if (stop_request_ns)
		detach_ns = now_ns() - stop_request_ns;
	if (restore_failed)
		tb_fail("could not put back every original byte: the target may crash");
	goto done_restored;
fail_detach:
	/* Bad input found once attached: put everything back; a started command is ended. */
	if (restore_and_detach())
		tb_fail("could not put back every original byte: the target may crash");
	if (s.started) {
		tb_child__kill(&s.child);
		tb_child__close(&s.child);
		s.started = false;
	}
	goto out;
done:
	window_end = now_ns(); /* the target is gone: nothing to restore */
done_restored:
	ret = restore_failed ? 1 : 0; /* the results are still worth printing */
	if (s.mode == MODE_SYSCALL) {
		print_syscalls();
		goto write;
	}
	if (s.mode == MODE_SAMPLE) {
		tb_tally__print_top(&s.leaves, "LEAF FUNCTION", 20);
		printf("samples %" PRIu64 " (running threads), idle %" PRIu64
		       " (blocked, not unwound), late %" PRIu64 ", unwind errors %" PRIu64 "\n",
		       s.samples, s.idle, s.late, s.unwind_errors);
		if (s.have_method_stacks) {
			putchar('\n');
			tb_tally__print_top(&s.method_leaves,
					    "LEAF METHOD (the workload's in-memory stack)", 20);
			printf("method stacks %" PRIu64 ", torn %" PRIu64
			       " (stopped inside a push or pop)\n",
			       s.method_samples, s.method_torn);
		}
		if (write_folded(folded_path, &s.stacks) ||
		    write_folded(folded_methods_path, &s.method_stacks))
			ret = 1;
		goto write;
	}
	print_breaks();
write:
	if (output) {
		static const char *const modes[] = { "break", "syscall", "sample" };
		struct tb_result *r = tb_result__new("ptrace", modes[s.mode], s.pid);

		if (r && s.mode == MODE_SAMPLE) {
			r->sampled = true;
			r->samples = s.samples;
			r->late = s.late;
			r->torn = s.method_torn;
			r->lost = s.unwind_errors; /* samples whose stack could not be read */
			for (size_t i = 0; i < s.leaves.nr_slots; i++)
				if (s.leaves.slots[i].key)
					tb_result__add_profile(r, s.leaves.slots[i].key,
							       (double)s.leaves.slots[i].count /
								       s.leaves.total);
			if (s.have_method_stacks) {
				tb_result__set_extra_emit(r, "method_profile",
							  tb_tally__emit_shares, &s.method_leaves);
				tb_result__set_extra_u64(r, "method_samples", s.method_samples);
				tb_result__set_extra_u64(r, "method_torn", s.method_torn);
			}
			tb_result__set_extra_u64(r, "idle", s.idle);
		}

		for (size_t i = 0; r && i < s.nr_sites; i++)
			if (s.sites[i].spec)
				tb_result__add_count(r, s.sites[i].spec, s.sites[i].hits);
		if (r && s.mode == MODE_BREAK) {
			tb_result__set_extra_emit(r, "sites", emit_sites, NULL);
			tb_result__set_extra_u64(r, "single_steps", s.steps_single);
			if (s.latency) {
				tb_result__set_extra_emit(r, "latency", emit_latency, NULL);
				tb_result__set_extra_u64(r, "latency_lost", s.lat_lost);
			}
		}
		for (int nr = 0; r && nr < MAX_SYSCALLS; nr++)
			if (s.syscalls[nr].calls)
				tb_result__add_count(r, syscall_name(nr), s.syscalls[nr].calls);
		if (r) {
			r->lost += s.lost;
			r->duration_ns = window_end - window_start;
			r->attach_ns = attach_ns;
			r->tracer_cpu_ns = tb_result__self_cpu_ns();
			if (first_event_at)
				tb_result__set_extra_u64(r, "first_event_ns",
							 first_event_at - tool_start_ns);
			if (detach_ns)
				tb_result__set_extra_u64(r, "detach_ns", detach_ns);
			err = tb_result__write(r, output);
			if (err) {
				tb_fail("cannot write %s: %s", output, strerror(-err));
				ret = 1;
			}
		}
		tb_result__free(r);
	}
	if (tb_msg__check_stdout("the summary"))
		ret = 1;
out:
	if (s.started) {
		tb_child__release(&s.child);
		/* Its exit may have been reaped already, by the tracing loop. */
		if (tb_child__wait(&s.child, &status))
			status = target_status;
		if (!ret && status != -1 && WIFEXITED(status))
			ret = WEXITSTATUS(status);
		else if (!ret && status != -1 && WIFSIGNALED(status))
			ret = 128 + WTERMSIG(status);
		tb_child__close(&s.child);
	}
	free(s.threads);
	free(deferred);
	tb_stack_reader__close(&s.method_stacks_reader);
	return ret;
}
