/* tb_vmreadv.c - tb-vmreadv: rbspy-style sampling of the workload's stacks with process_vm_readv */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tb_child.h"
#include "tb_json.h"
#include "tb_msg.h"
#include "tb_result.h"
#include "tb_schedule.h"
#include "tb_stack_reader.h"
#include "tb_tally.h"
#include "tb_target.h"
#include "tb_vmreadv_raw.h"

#define PROG "tb-vmreadv"
#define DEFAULT_RATE_HZ 100
#define MAX_RATE_HZ 100000
#define DEFAULT_RETRIES 3
#define MAX_RETRIES 100
/* How long a started command may take to reach its start gate before it is let go anyway. */
#define READY_TIMEOUT_MS 5000
/* How long a started command may take to exec the workload (through a wrapper like taskset). */
#define WRAPPER_TIMEOUT_NS 1000000000ull
/* How long an attached process's root may stay unreadable before we give up. */
#define LOAD_TIMEOUT_NS 2000000000ull

/*
 * The four parts rbspy keeps apart: reading memory and interpreting the
 * target's structures (tb_stack_reader), the sampling schedule (tb_schedule.h),
 * and the output formats (struct profile, tb_vmreadv_raw.h: filled from a
 * live recording or from a raw one by `report`).
 */

static struct {
	struct tb_stack_reader reader;
	struct profile profile;
	struct tb_child child;
	bool started;
	int pidfd;
	FILE *raw;
	uint64_t start_ns;
	/* --blocking: the task directory, listed again at every sample */
	DIR *tasks;
	bool paused_once;
	/* the TracerPid of a thread that could not be seized, read when it was refused */
	unsigned long long refused_by;
	int child_status; /* when a blocking wait reaped the started command */
	bool child_status_known;
} s = { .child = TB_CHILD_INIT, .pidfd = -1 };

static volatile sig_atomic_t exiting;
static bool verbose;
/* CLOCK_MONOTONIC of main's start; of the first stop request (a signal, -d), 0 until then */
static uint64_t tool_start_ns;
static volatile uint64_t stop_request_ns;

static void on_signal(int sig)
{
	struct timespec ts;

	/* clock_gettime is async-signal-safe: the stop time starts at the request. */
	if (!stop_request_ns && !clock_gettime(CLOCK_MONOTONIC, &ts))
		stop_request_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	exiting = sig;
}

/* ---- output formats ------------------------------------------------------------------------ */

static double share(uint64_t n, uint64_t of)
{
	return of ? (double)n / (double)of : 0.0;
}

/* The summary and the top methods by self share, as rbspy's `report --format summary`. */
static void print_report(const struct profile *p, FILE *f)
{
	struct tb_tally_entry *top = tb_tally__sorted(&p->self);
	double secs = p->duration_ns / 1e9;

	fprintf(f,
		"%" PRIu64 " samples from %" PRIu64 " ticks in %.2f s (%.0f Hz requested, %.0f "
		"achieved), %s, %s%s\n",
		p->samples, p->ticks, secs, p->rate_hz, secs > 0 ? p->ticks / secs : 0.0,
		p->blocking ? "blocking (target paused per sample)" : "non-blocking", p->reader,
		p->realtime ? ", SCHED_FIFO" : "");
	fprintf(f,
		"lost: %" PRIu64 " torn after %" PRIu64 " retries, %" PRIu64 " invalid, %" PRIu64
		" late ticks, %" PRIu64 " failed reads; %" PRIu64 " idle\n"
		"sampler: %.2f us CPU per tick; a sample took %.2f us (reading, retries, "
		"recording%s)\n",
		p->torn, p->retries, p->invalid, p->late, p->failed_reads, p->idle,
		p->ticks ? p->tracer_cpu_ns / 1e3 / p->ticks : 0.0,
		p->ticks ? p->sampling_ns / 1e3 / p->ticks : 0.0,
		p->blocking ? ", pausing the target" : "");
	if (p->blocking)
		fprintf(f,
			"target paused %.2f us per tick on average; %" PRIu64
			" ticks lost because another tracer held it\n",
			p->ticks ? p->paused_ns / 1e3 / p->ticks : 0.0, p->unpaused);
	if (!top) {
		fprintf(f, "no method was seen running\n");
		return;
	}
	fprintf(f, "%7s %7s  %s\n", "% SELF", "% TOTAL", "METHOD");
	for (size_t i = 0; i < p->self.nr_keys && i < 20; i++)
		fprintf(f, "%7.2f %7.2f  %s\n", 100 * share(top[i].count, p->samples),
			100 * share(tb_tally__get(&p->total, top[i].key), p->samples), top[i].key);
	free(top);
}

static int write_folded(const struct profile *p, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "we") : stdout;
	int err;

	if (!f)
		return -errno;
	err = tb_tally__write_folded(&p->stacks, f);
	if (f != stdout) {
		if (fclose(f) && !err)
			err = -errno;
	} else if (fflush(f) && !err) {
		err = -errno;
	}
	return err;
}

/* A tally's counts as shares of all samples: {"name": share}. */
static void emit_total(struct tb_json_writer *w, void *ctx)
{
	const struct profile *p = ctx;
	struct tb_tally_entry *e = tb_tally__sorted(&p->total);

	tb_json_writer__begin_object(w);
	for (size_t i = 0; e && i < p->total.nr_keys; i++) {
		tb_json_writer__key(w, e[i].key);
		tb_json_writer__double(w, share(e[i].count, p->samples));
	}
	tb_json_writer__end_object(w);
	free(e);
}

static int write_result(const struct profile *p, const char *path)
{
	struct tb_result *r =
		tb_result__new("vm_readv", p->blocking ? "blocking" : "nonblocking", (int)p->pid);
	struct tb_tally_entry *top;
	int err = r ? 0 : -errno;

	if (err)
		return err;
	r->duration_ns = p->duration_ns;
	r->sampled = true;
	r->samples = p->samples;
	r->torn = p->torn + p->invalid;
	r->late = p->late;
	r->lost = p->torn + p->invalid + p->failed_reads + p->unpaused;
	r->tracer_cpu_ns = p->tracer_cpu_ns;
	r->attach_ns = p->attach_ns;
	if (p->first_event_ns)
		err = tb_result__set_extra_u64(r, "first_event_ns", p->first_event_ns);
	if (!err && p->detach_ns)
		err = tb_result__set_extra_u64(r, "detach_ns", p->detach_ns);
	top = tb_tally__sorted(&p->self);
	for (size_t i = 0; top && !err && i < p->self.nr_keys; i++) {
		err = tb_result__add_count(r, top[i].key, top[i].count);
		if (!err)
			err = tb_result__add_profile(r, top[i].key,
						     share(top[i].count, p->samples));
	}
	free(top);
	if (!err)
		err = tb_result__set_extra_emit(r, "total_profile", emit_total, (void *)p);
	if (!err) {
		double secs = p->duration_ns / 1e9;

		tb_result__set_extra_double(r, "rate_hz", p->rate_hz);
		tb_result__set_extra_double(r, "achieved_hz", secs > 0 ? p->ticks / secs : 0.0);
		tb_result__set_extra_u64(r, "ticks", p->ticks);
		tb_result__set_extra_bool(r, "realtime", p->realtime);
		tb_result__set_extra_u64(r, "retries", p->retries);
		tb_result__set_extra_u64(r, "retries_max", p->retries_max);
		tb_result__set_extra_u64(r, "torn_after_retries", p->torn);
		tb_result__set_extra_u64(r, "invalid", p->invalid);
		tb_result__set_extra_u64(r, "failed_reads", p->failed_reads);
		tb_result__set_extra_u64(r, "idle", p->idle);
		tb_result__set_extra_u64(r, "truncated", p->truncated);
		tb_result__set_extra_u64(r, "threads", p->max_threads_seen);
		tb_result__set_extra_u64(r, "system_calls", p->system_calls);
		tb_result__set_extra_str(r, "reader", p->reader);
		tb_result__set_extra_double(r, "tracer_cpu_ns_per_tick",
					    p->ticks ? (double)p->tracer_cpu_ns / p->ticks : 0.0);
		tb_result__set_extra_double(r, "tracer_cpu_ns_per_sample",
					    p->samples ? (double)p->tracer_cpu_ns / p->samples
						       : 0.0);
		tb_result__set_extra_double(r, "sampling_ns_per_tick",
					    p->ticks ? (double)p->sampling_ns / p->ticks : 0.0);
		if (p->blocking) {
			tb_result__set_extra_u64(r, "unpaused", p->unpaused);
			tb_result__set_extra_double(r, "paused_ns_per_tick",
						    p->ticks ? (double)p->paused_ns / p->ticks
							     : 0.0);
		}
		err = tb_result__write(r, path);
	}
	tb_result__free(r);
	return err;
}

/* ---- --blocking: every thread paused around a read ----------------------------------------- */

struct paused {
	pid_t tid;
	int signal; /* a signal it stopped for meanwhile, delivered when it is let go */
	bool stopped;
	bool reported; /* its stop (or its end) was collected */
};

static struct paused paused[1024];
static size_t nr_paused;

static void resume_target(void);

/* A wait reaped the started command (not only its thread): its status is kept for the end. */
static void note_child_end(pid_t got, int status)
{
	if (s.started && got == s.child.pid && !WIFSTOPPED(status)) {
		s.child_status = status;
		s.child_status_known = true;
		s.child.reaped = true;
	}
}

/* How long collect_reports waits for a report before it looks for threads that will send none. */
#define REPORT_WAIT_NS (20 * 1000 * 1000)

/*
 * The paused threads that have not reported after REPORT_WAIT_NS: a thread
 * that is gone (a thread that exec'd took the leader's pid, and the other
 * threads went with the old image) never will, and is let off; one that is
 * there (the exec'ing thread, whose interrupt the exec dropped) is
 * interrupted again. Returns how many were let off.
 */
static size_t chase_silent(void)
{
	size_t gone = 0;

	for (size_t i = 0; i < nr_paused; i++) {
		if (paused[i].reported)
			continue;
		if (syscall(SYS_tgkill, (pid_t)s.profile.pid, paused[i].tid, 0) && errno == ESRCH) {
			paused[i].reported = true;
			gone++;
		} else {
			ptrace(PTRACE_INTERRUPT, paused[i].tid, NULL, NULL);
		}
	}
	return gone;
}

/*
 * Collects the next report of `waiting` threads of paused[] not yet reported,
 * in whatever order the kernel reports them: a thread group killed meanwhile
 * reports its leader only after the other threads are reaped, so waiting for
 * the leader first would wait for ever. Never waits for ever: SIGCHLD
 * (blocked meanwhile) says a report came, and a wait of REPORT_WAIT_NS with
 * none chases the silent threads (chase_silent).
 */
static void collect_reports(size_t waiting)
{
	const struct timespec patience = { 0, REPORT_WAIT_NS };
	sigset_t chld, was;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &was);
	while (waiting > 0) {
		size_t i;
		int status;
		pid_t got;

		got = waitpid(-1, &status, __WALL | WNOHANG);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break; /* ECHILD: nothing left to report */
		if (got == 0) {
			if (sigtimedwait(&chld, NULL, &patience) < 0 && errno == EAGAIN) {
				size_t gone = chase_silent();

				waiting -= gone < waiting ? gone : waiting;
			}
			continue;
		}
		note_child_end(got, status);
		for (i = 0; i < nr_paused && paused[i].tid != got; i++)
			;
		if (i == nr_paused) {
			/*
			 * A stop of no paused thread: the thread that exec'd, under
			 * the pid of a leader that could not be paused (a zombie).
			 * Let go at once, with the signal it stopped for, if any.
			 */
			long sig = status >> 16 == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(status);

			if (WIFSTOPPED(status))
				ptrace(PTRACE_DETACH, got, NULL, (void *)sig);
			continue;
		}
		if (!paused[i].reported) {
			paused[i].reported = true;
			waiting--;
		} else if (!WIFSTOPPED(status)) {
			continue;
		}
		/* (A thread let off as gone that stops after all is let go with the others.) */
		if (WIFSTOPPED(status)) {
			paused[i].stopped = true;
			/* Not our interrupt but a signal on its way: delivered on detach. */
			if (status >> 16 != PTRACE_EVENT_STOP)
				paused[i].signal = WSTOPSIG(status);
		}
	}
	sigprocmask(SIG_SETMASK, &was, NULL);
}

/*
 * Seizes every thread of the target and interrupts it (PTRACE_SEIZE +
 * PTRACE_INTERRUPT, never PTRACE_ATTACH: if we die, the kernel lets every
 * thread go on, and no SIGSTOP is left pending). Returns 0, -ESRCH (the
 * target is gone), or -EPERM: on the first sample if any thread cannot be
 * seized (not allowed, or already traced: then none is paused), later if
 * none can (another tracer took it meanwhile).
 */
static int pause_target(void)
{
	struct dirent *de;
	bool denied = false;
	int status;

	nr_paused = 0;
	rewinddir(s.tasks);
	while ((de = readdir(s.tasks)) && nr_paused < sizeof(paused) / sizeof(paused[0])) {
		pid_t tid = (pid_t)strtol(de->d_name, NULL, 10), holder = 0;
		int err;

		if (tid <= 0)
			continue;
		err = tb_target__seize(tid, 0, &holder);
		if (err) {
			/* Exiting threads (a zombie leader) cannot be seized: skipped. */
			if (err != -EPERM)
				continue;
			if (holder == getpid()) {
				/* Ours, killed while paused and not yet reaped: no other tracer. */
				if (waitpid(tid, &status, __WALL | WNOHANG) > 0)
					note_child_end(tid, status);
				continue;
			}
			denied = true;
			s.refused_by = (unsigned long long)holder;
			continue;
		}
		paused[nr_paused++] = (struct paused){ .tid = tid };
		ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
	}
	collect_reports(nr_paused);
	if (denied && !s.paused_once) {
		resume_target(); /* not allowed to pause all of it: pause none */
		return -EPERM;
	}
	s.paused_once = true;
	/* None could be seized: gone, or held by another tracer (the pidfd tells which). */
	if (!nr_paused)
		return denied && !tb_target__exited(s.pidfd) ? -EPERM : -ESRCH;
	return 0;
}

/*
 * Lets every paused thread go on as it was; a group stop stays a group stop.
 * A thread that cannot be let go (ESRCH: killed while paused) is reaped: left
 * unreaped it would stay our tracee, a zombie that keeps the target from
 * ending and that no later tick can seize.
 */
static void resume_target(void)
{
	size_t dying = 0;

	for (size_t i = 0; i < nr_paused; i++) {
		if (!paused[i].stopped ||
		    !ptrace(PTRACE_DETACH, paused[i].tid, NULL, (void *)(long)paused[i].signal) ||
		    errno != ESRCH)
			continue;
		/* Its next report is its end, whatever the order (collect_reports). */
		paused[i].stopped = false;
		paused[i].reported = false;
		dying++;
	}
	collect_reports(dying);
	nr_paused = 0;
}

/* ---- the sampler --------------------------------------------------------------------------- */

/*
 * One tick: every thread's stack in one read; torn ones read again, at most
 * retries_max times; each consistent stack recorded, the rest counted.
 * Returns 0, or -ESRCH when the target has gone (or its pid is no longer it).
 */
static int take_sample(void)
{
	struct profile *p = &s.profile;
	struct tb_stack_reader *r = &s.reader;
	uint64_t t0 = tb_schedule__now_ns(), mask = ~0ull;
	uint32_t threads = 0;
	int err = 0;

	if (p->blocking) {
		err = pause_target();
		if (err == -EPERM) {
			/* Another tracer holds it now: this tick is lost, later ones may not be. */
			p->ticks++;
			p->unpaused++;
			return 0;
		}
		if (err)
			return err;
	}
	for (int attempt = 0; mask; attempt++) {
		uint64_t torn = 0;

		err = tb_stack_reader__read(r, mask);
		/*
		 * The pid may name another process by now if the target died and
		 * was reaped; the pidfd still refers to ours. Alive after the read
		 * means the read was of ours: checked before anything read is used.
		 */
		if (!err && tb_target__exited(s.pidfd))
			err = -ESRCH;
		if (err)
			break;
		for (uint32_t i = 0; i < r->nr_slots; i++)
			if ((mask >> i & 1) && r->state[i] == TB_SLOT_TORN)
				torn |= 1ull << i;
		for (uint32_t i = 0; i < TB_STACK_MAX_THREADS; i++) {
			const struct tb_thread_stack *st = &r->stacks[i];
			const char *names[TB_STACK_MAX_DEPTH + 1];
			uint32_t depth;

			if (!(mask >> i & 1) ||
			    (torn >> i & 1 && attempt < p->retries_max && !p->blocking))
				continue;
			switch (r->state[i]) {
			case TB_SLOT_UNUSED:
				continue;
			case TB_SLOT_TORN:
				p->torn++;
				continue;
			case TB_SLOT_INVALID:
				p->invalid++;
				continue;
			case TB_SLOT_OK:
				break;
			}
			threads++;
			depth = st->depth < TB_STACK_MAX_DEPTH ? st->depth : TB_STACK_MAX_DEPTH;
			for (uint32_t d = 0; d < depth; d++)
				names[d] = tb_stack_reader__method_name(r, st->frames[d].method_id);
			if (st->depth > TB_STACK_MAX_DEPTH)
				names[depth++] = TRUNCATED_FRAME;
			if (profile_add(p, names, depth))
				err = -ENOMEM;
			if (s.raw)
				raw_sample(s.raw, t0 - s.start_ns, st);
		}
		/* A paused thread does not change its stack: reading it again cannot help. */
		if (p->blocking || attempt >= p->retries_max)
			break;
		mask = torn;
		p->retries += __builtin_popcountll(torn);
	}
	if (p->blocking) {
		resume_target();
		p->paused_ns += tb_schedule__now_ns() - t0;
	}
	p->system_calls = r->system_calls;
	p->sampling_ns += tb_schedule__now_ns() - t0;
	if (threads > p->max_threads_seen)
		p->max_threads_seen = threads;
	p->ticks++;
	if (err == -EFAULT) {
		p->failed_reads++;
		err = 0;
	}
	return err;
}

static void print_load_error(pid_t pid, int err)
{
	char why[256];

	switch (err) {
	case -EPROTO:
		tb_fail("pid %d has a %s symbol but not a stack root this " PROG
			" understands (magic, version or sizes differ): a workload built from "
			"another tracebench? rebuild both",
			(int)pid, TB_STACK_ROOT_SYMBOL);
		break;
	case -EAGAIN:
		tb_fail("pid %d: its stack root never became readable (the program did not "
			"initialise it): is it a tracebench workload?",
			(int)pid);
		break;
	case -EPERM:
		tb_target__explain_eperm(pid, why, sizeof(why));
		tb_fail("cannot read pid %d's memory: %s — %s", (int)pid, strerror(-err), why);
		break;
	case -ESRCH:
		tb_fail("pid %d exited before its stack could be read", (int)pid);
		break;
	default:
		tb_fail("cannot read pid %d's stack root: %s", (int)pid, strerror(-err));
	}
}

static void print_open_error(pid_t pid, int err)
{
	if (err == -ENOENT)
		tb_fail("pid %d is not a tracebench workload: its executable has no %s symbol "
			"(" PROG " reads the workload's in-memory stack, as rbspy reads Ruby's; "
			"for other programs use tb-ptrace sample or tb-signal)",
			(int)pid, TB_STACK_ROOT_SYMBOL);
	else if (err == -ESRCH)
		tb_fail("pid %d exited before its stack root could be found", (int)pid);
	else if (err == -EACCES || err == -EPERM)
		print_load_error(pid, -EPERM);
	else
		tb_fail("cannot find %s in pid %d: %s", TB_STACK_ROOT_SYMBOL, (int)pid,
			strerror(-err));
}

/*
 * Waits for a started command to be running a workload: at once, or after a
 * wrapper (taskset, env, nice) has exec'd it. Returns 0 with the reader
 * open, or 1 after saying why not.
 */
static int find_root_in_command(const char *name)
{
	uint64_t give_up = tb_schedule__now_ns() + WRAPPER_TIMEOUT_NS;
	int err;

	while ((err = tb_stack_reader__open(&s.reader, s.child.pid)) == -ENOENT &&
	       tb_schedule__now_ns() < give_up && !exiting && !tb_target__exited(s.pidfd))
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	if (err == -ENOENT)
		tb_fail("%s is not a tracebench workload: it has no %s symbol (" PROG
			" reads the workload's in-memory stack, as rbspy reads Ruby's; for other "
			"programs use tb-ptrace sample or tb-signal)",
			name, TB_STACK_ROOT_SYMBOL);
	else if (err == -ESRCH)
		tb_fail("%s ended before its in-memory stack could be found: is it a tracebench "
			"workload (one with a %s symbol)? For other programs use tb-ptrace sample "
			"or tb-signal",
			name, TB_STACK_ROOT_SYMBOL);
	else if (err)
		print_open_error(s.child.pid, err);
	return err ? 1 : 0;
}

/*
 * Samples on the absolute schedule of tb_schedule.h until the deadline, a
 * signal, or the target's end.
 */
static void record_loop(double duration)
{
	struct profile *p = &s.profile;
	struct tb_schedule sched;
	uint64_t cpu0;
	int due = 1;

	/* Set here, after a started command was forked: it must not inherit the policy. */
	if (p->realtime && sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){ 1 }))
		p->realtime = false; /* checked before the command was started; a later refusal */
	cpu0 = tb_result__self_cpu_ns();
	tb_schedule__start(&sched, p->rate_hz, duration);
	s.start_ns = sched.start_ns;
	while (!exiting && (due = tb_schedule__wait(&sched)) != 0) {
		if (due > 0 && take_sample())
			break;
		if (!p->first_event_ns && p->samples)
			p->first_event_ns = tb_schedule__now_ns() - tool_start_ns;
	}
	if (!exiting && !due)
		stop_request_ns = sched.end_ns; /* the -d deadline */
	/* Nothing to detach: a sampler just stops reading (a --blocking tick resumed its own). */
	if (stop_request_ns)
		p->detach_ns = tb_schedule__now_ns() - stop_request_ns;
	p->late = sched.late;
	p->duration_ns = tb_schedule__now_ns() - s.start_ns;
	p->tracer_cpu_ns = tb_result__self_cpu_ns() - cpu0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG
		" [record] [-F HZ] [--blocking] [--realtime] [--retries N] [--raw FILE]\n"
		"                  [--folded FILE] [-d SECS] [-o FILE] (-p PID | -- COMMAND "
		"[ARGS])\n"
		"       " PROG " report [--folded FILE] [-o FILE] RAW\n"
		"\n"
		"Samples a tracebench workload from outside, as rbspy samples Ruby: finds its\n"
		"in-memory call stack by the symbol " TB_STACK_ROOT_SYMBOL
		" (through /proc/PID/maps),\n"
		"copies every thread's stack out at a fixed rate with process_vm_readv, and\n"
		"checks each copy against the thread's sequence counter: a copy taken while\n"
		"the thread changed its stack is read again, and if it stays torn it is\n"
		"counted and left out, never reported. The target is not stopped or changed.\n"
		"Prints the methods by share of samples (self: the leaf; total: anywhere on\n"
		"the stack).\n"
		"\n"
		"record (the default):\n"
		"  -F, --frequency HZ   samples per second, 1 to %d (default %d); on an\n"
		"                       absolute schedule: ticks missed are counted as late\n"
		"      --blocking       pause the target for each sample (PTRACE_SEIZE and\n"
		"                       PTRACE_INTERRUPT every thread, read, detach), to\n"
		"                       compare: no torn reads, but the target waits\n"
		"      --realtime       run the sampler SCHED_FIFO, so that the target's\n"
		"                       threads cannot delay its ticks (CAP_SYS_NICE)\n"
		"      --retries N      read a torn stack again up to N times, 0 to %d\n"
		"                       (default %d)\n"
		"      --raw FILE       keep every sample in FILE (text), for `report` later\n"
		"      --folded FILE    the stacks folded for flamegraph.pl (- for stdout)\n"
		"  -p, --pid PID        sample a running workload\n"
		"  -- COMMAND [ARGS]    start a workload and sample it until it exits; after -d\n"
		"                       or Ctrl-C " PROG " stops sampling, waits for it and\n"
		"                       exits with its status\n"
		"  -u, --user USER      run COMMAND as USER (a name or uid, optionally :GROUP);\n"
		"                       only with -- COMMAND, as root\n"
		"  -d, --duration SECS  stop after SECS seconds (default: until the target\n"
		"                       exits, or Ctrl-C)\n"
		"report: reads a raw recording and prints it again, as record would have\n"
		"      --folded FILE    write its stacks folded\n"
		"\n"
		"  -o, --output FILE    write the result as JSON (results/README.md)\n"
		"  -v, --verbose        diagnostics\n"
		"  -h, --help           this text\n"
		"\n"
		"Reading another process's memory needs the ptrace access check to pass: the\n"
		"same user with kernel.yama.ptrace_scope 0, or CAP_SYS_PTRACE.\n",
		MAX_RATE_HZ, DEFAULT_RATE_HZ, MAX_RETRIES, DEFAULT_RETRIES);
}

/* Writes the outputs asked for; returns 0 or 1 after saying what failed. */
static int write_outputs(const struct profile *p, const char *output, const char *folded)
{
	int err, ret = 0;

	if (folded && (err = write_folded(p, folded))) {
		tb_fail("cannot write the folded stacks to %s: %s", folded, strerror(-err));
		ret = 1;
	}
	if (output && (err = write_result(p, output))) {
		tb_fail("cannot write the result to %s: %s", output, strerror(-err));
		ret = 1;
	}
	return ret;
}

static int report_main(int argc, char **argv, const char *output, const char *folded)
{
	struct profile p = { .reader = "process_vm_readv" };
	FILE *f;
	int ret;

	if (argc != 1) {
		tb_fail("report takes one raw recording (-h for help)");
		return 1;
	}
	f = fopen(argv[0], "re");
	if (!f) {
		tb_fail("cannot open %s: %s", argv[0], strerror(errno));
		return 1;
	}
	ret = read_raw(f, argv[0], &p);
	fclose(f);
	if (ret) {
		profile_free(&p);
		return 1;
	}
	print_report(&p, stdout);
	ret = write_outputs(&p, output, folded);
	/* one line: --folded - failed on stdout already */
	if (!ret && tb_msg__check_stdout("the summary"))
		ret = 1;
	profile_free(&p);
	return ret;
}

/* Finds and loads the root of a running target; 0, or 1 after saying why not. */
static int attach(pid_t pid)
{
	uint64_t give_up = tb_schedule__now_ns() + LOAD_TIMEOUT_NS;
	int err;

	if (!s.reader.stacks && (err = tb_stack_reader__open(&s.reader, pid))) {
		print_open_error(pid, err);
		return 1;
	}
	/* A root not yet relocated (a command just started) becomes readable in moments. */
	while ((err = tb_stack_reader__load(&s.reader)) == -EAGAIN &&
	       tb_schedule__now_ns() < give_up && !exiting)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	if (err) {
		print_load_error(pid, err);
		return 1;
	}
	s.profile.reader = s.reader.use_mem_file ? "/proc/PID/mem" : "process_vm_readv";
	if (verbose)
		fprintf(stderr, PROG ": stack root at 0x%" PRIx64 ", %u methods, %u threads\n",
			s.reader.root_addr, s.reader.root.nr_methods, s.reader.root.nr_threads);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "blocking", no_argument, NULL, 'B' },
		{ "realtime", no_argument, NULL, 'T' },
		{ "retries", required_argument, NULL, 'R' },
		{ "raw", required_argument, NULL, 'W' },
		{ "folded", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *output = NULL, *folded = NULL, *raw_path = NULL, *user = NULL;
	char **command = NULL, why[256], *end, path[PATH_MAX];
	struct profile *p = &s.profile;
	int argc_opts = argc, c, err, ret = 1, first = 1, status;
	struct sigaction sa = { .sa_handler = on_signal };
	bool report = false, sampled = false, sampling_option = false;
	double duration = 0;
	long v;

	tb_msg__hold_std_fds();
	p->rate_hz = DEFAULT_RATE_HZ;
	p->retries_max = DEFAULT_RETRIES;
	tool_start_ns = tb_schedule__now_ns();
	argc_opts = tb_child__split_argv(argc, argv, &command);
	if (argc_opts >= 2 && !strcmp(argv[1], "report")) {
		report = true;
		first = 2;
	} else if (argc_opts >= 2 && !strcmp(argv[1], "record")) {
		first = 2;
	}
	optind = first;
	while ((c = getopt_long(argc_opts, argv, ":p:F:d:o:u:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (tb_target__parse_pid(optarg, &p->pid)) {
				tb_fail("-p %s: not a process id", optarg);
				return 1;
			}
			break;
		case 'F':
			sampling_option = true;
			p->rate_hz = strtod(optarg, &end);
			if (*end || !(p->rate_hz >= 1 && p->rate_hz <= MAX_RATE_HZ)) {
				tb_fail("-F %s: the sampling rate must be 1 to %d per second",
					optarg, MAX_RATE_HZ);
				return 1;
			}
			break;
		case 'B':
			p->blocking = true;
			break;
		case 'T':
			sampling_option = true;
			p->realtime = true;
			break;
		case 'R':
			sampling_option = true;
			v = strtol(optarg, &end, 10);
			if (*end || !*optarg || v < 0 || v > MAX_RETRIES) {
				tb_fail("--retries %s: give 0 to %d re-reads of a torn stack",
					optarg, MAX_RETRIES);
				return 1;
			}
			p->retries_max = (int)v;
			break;
		case 'W':
			raw_path = optarg;
			break;
		case 'P':
			folded = optarg;
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
			if (optopt)
				tb_fail("unknown option '-%c' (-h for help)", optopt);
			else
				tb_fail("unknown option '%s' (-h for help)", argv[optind - 1]);
			return 1;
		}
	}
	if (tb_result__check_output(output, "the result", "-o") ||
	    tb_result__check_output(folded, "the folded stacks", "--folded"))
		return 1;
	if (report) {
		if (p->pid || command || raw_path || duration || p->blocking || user ||
		    sampling_option) {
			tb_fail("report reads a recording: -p, --, -d, -u, -F, --retries, --raw, "
				"--blocking and --realtime are for record");
			return 1;
		}
		return report_main(argc_opts - optind, argv + optind, output, folded);
	}
	if (optind != argc_opts || !p->pid == !command || (command && !command[0])) {
		tb_fail(optind != argc_opts ? "unexpected argument '%s' (-h for help)"
					    : "give -p PID or -- COMMAND (-h for help)",
			optind < argc_opts ? argv[optind] : "");
		return 1;
	}
	if (tb_child__user_option(user, command))
		return 1;
	if (p->realtime) {
		struct sched_param none = { 0 };

		/* Tried now, so a refusal is reported before anything starts; undone at once. */
		if (sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){ 1 })) {
			tb_fail("--realtime: cannot run SCHED_FIFO: %s — needs CAP_SYS_NICE (root) "
				"or an RLIMIT_RTPRIO of 1 or more",
				strerror(errno));
			return 1;
		}
		sched_setscheduler(0, SCHED_OTHER, &none);
	}
	if (raw_path) {
		s.raw = fopen(raw_path, "we");
		if (!s.raw) {
			tb_fail("cannot write the raw recording to %s: %s — choose a writable path",
				raw_path, strerror(errno));
			return 1;
		}
	}

	/* No SA_RESTART: a signal must cut the sleep short so the run ends at once. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	if (command) {
		err = tb_child__spawn(&s.child, command);
		if (!err)
			err = tb_child__exec(&s.child);
		if (err) {
			tb_fail("cannot run %s: %s", command[0], tb_child__strerror(err));
			tb_child__kill(&s.child);
			goto out;
		}
		s.started = true;
		p->pid = s.child.pid;
		s.pidfd = tb_target__pidfd(p->pid);
		if (find_root_in_command(command[0]))
			goto out_child;
		/* At its gate the workload has relocated its data and created its threads. */
		err = tb_child__wait_ready(&s.child, READY_TIMEOUT_MS);
		if (err == -ECHILD) {
			tb_fail("%s exited before it could be sampled", command[0]);
			goto out_child;
		}
	} else if (tb_target__check_pid(p->pid, why, sizeof(why))) {
		tb_fail("cannot sample pid %d: %s", (int)p->pid, why);
		goto out;
	}
	/* Taken first: from here on, a pid that names another process is noticed. */
	if (s.pidfd < 0)
		s.pidfd = tb_target__pidfd(p->pid);
	if (s.pidfd < 0) {
		tb_fail("cannot sample pid %d: pidfd_open: %s", (int)p->pid, strerror(-s.pidfd));
		goto out_child;
	}
	if (attach(p->pid))
		goto out_child;
	if (p->blocking) {
		snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
		s.tasks = opendir(path);
		if (!s.tasks) {
			tb_fail("cannot list the threads of pid %d: %s", (int)p->pid,
				strerror(errno));
			goto out_child;
		}
		if (pause_target() == -EPERM) {
			if (s.refused_by)
				snprintf(why, sizeof(why),
					 "it is already traced by pid %llu (one ptrace tracer at a "
					 "time: stop that one first)",
					 s.refused_by);
			else
				tb_target__explain_eperm(p->pid, why, sizeof(why));
			tb_fail("--blocking cannot pause pid %d: PTRACE_SEIZE: %s — %s",
				(int)p->pid, strerror(EPERM), why);
			goto out_child;
		}
		resume_target();
	}
	p->attach_ns = tb_schedule__now_ns() - tool_start_ns; /* set-up and attach */
	if (s.raw)
		raw_header(s.raw, p, &s.reader);
	if (s.started)
		tb_child__release(&s.child);

	record_loop(duration);
	sampled = true;

	if (s.raw) {
		raw_end(s.raw, p);
		if (fclose(s.raw)) {
			tb_fail("cannot write the raw recording to %s: %s", raw_path,
				strerror(errno));
			s.raw = NULL;
			goto out_child;
		}
		s.raw = NULL;
	}
	print_report(p, stdout);
	ret = write_outputs(p, output, folded);
	/* one line: --folded - failed on stdout already */
	if (!ret && tb_msg__check_stdout("the summary"))
		ret = 1;
out_child:
	if (s.started && !sampled) {
		tb_child__kill(&s.child); /* set-up failed: not left running unobserved */
	} else if (s.started) {
		/* Sampling is over; the command goes on to its end, as it would have. */
		if (s.child_status_known) {
			status = s.child_status;
		} else if (tb_child__wait(&s.child, &status)) {
			status = -1;
		}
		if (ret == 0 && status != -1)
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		tb_child__close(&s.child);
	}
out:
	if (s.raw)
		fclose(s.raw);
	if (s.tasks)
		closedir(s.tasks);
	if (s.pidfd >= 0)
		close(s.pidfd);
	tb_stack_reader__close(&s.reader);
	profile_free(p);
	return ret;
}
