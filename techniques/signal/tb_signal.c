/* tb_signal.c - tb-signal: runs a command with libtb-signal.so preloaded and reports its samples */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <elf.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tb_child.h"
#include "tb_elf.h"
#include "tb_json.h"
#include "methods.h"
#include "tb_maps.h"
#include "tb_msg.h"
#include "tb_result.h"
#include "tb_schedule.h"
#include "tb_signal.h"
#include "tb_signal_samples.h"
#include "tb_stack.h"
#include "tb_tally.h"
#include "tb_target.h"

#define PROG "tb-signal"
#define LIBRARY "libtb-signal.so"
#define DEFAULT_RATE_HZ 99
#define MAX_RATE_HZ 10000
#define DEFAULT_BUFFER_KB 4096

/* ---- the sample file ------------------------------------------------------------------------ */

/*
 * Reads the whole sample file through the descriptor this program created it
 * with: the command (another user's, with -u) may replace the name in /tmp,
 * never what this descriptor reads.
 */
static int read_fd(int fd, char **data, size_t *len)
{
	struct stat st;
	ssize_t n;

	*data = NULL;
	if (fstat(fd, &st) || st.st_size < 0)
		return -EIO;
	*len = (size_t)st.st_size;
	*data = malloc(*len ? *len : 1);
	n = *data ? pread(fd, *data, *len, 0) : -1;
	if (n != (ssize_t)*len) {
		free(*data);
		*data = NULL;
		return -EIO;
	}
	return 0;
}

/* ---- output -------------------------------------------------------------------------------- */

static double achieved_hz(const struct report *r)
{
	uint64_t ns = r->wall ? r->alive_ns : r->cpu_ns;

	return ns ? r->samples / (ns / 1e9) : 0.0;
}

/* A process image whose samples never reached the file: the last one, if any. */
struct lost {
	bool images; /* the last image's samples are lost */
	char reason[320]; /* why, for the message and the result */
};

static const char *written_at_name(uint32_t written_at)
{
	return written_at == TB_SIGNAL_AT_EXIT	 ? "exit"
	       : written_at == TB_SIGNAL_AT_EXEC ? "exec"
	       : written_at == TB_SIGNAL_AT_DUMP ? "dump"
						 : "?";
}

/*
 * Why the last process image wrote no samples, from how the command ended
 * (status) and what the file holds. The samples are in the process's
 * memory until its exit handlers (or _exit, or an exec) write them.
 */
static void why_lost(const struct report *r, int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status) && r->cut_short)
		snprintf(buf, len, "killed by signal %d (SIG%s) while it wrote its samples",
			 WTERMSIG(status), sigabbrev_np(WTERMSIG(status)));
	else if (WIFSIGNALED(status))
		snprintf(buf, len,
			 "killed by signal %d (SIG%s) before its exit handlers ran: they write "
			 "the samples, which were in its memory",
			 WTERMSIG(status), sigabbrev_np(WTERMSIG(status)));
	else if (r->cut_short)
		snprintf(buf, len,
			 "its samples were cut short as they were written (was the "
			 "file system full?)");
	else if (r->nr_images)
		snprintf(buf, len,
			 "the program it exec'd wrote no samples: it was not sampled "
			 "(statically linked, set-user-ID, or LD_PRELOAD or " TB_SIGNAL_ENV_OUT
			 " gone from its environment), or it ended without running its exit "
			 "handlers");
	else
		snprintf(buf, len,
			 "it ended without running its exit handlers or _exit, which write the "
			 "samples (exit_group called directly?)");
}

/* The summary, and with lost (-v) one line per process image. */
static void print_summary(const struct report *r, const struct lost *lost)
{
	printf("%" PRIu64 " samples of %u threads", r->samples, r->threads);
	if (r->nr_images > 1)
		printf(" in %u process images", r->nr_images);
	printf(" at %.0f Hz of %s time asked, %.1f achieved; lost: %" PRIu64
	       " buffer full, %" PRIu64 " without a buffer; %" PRIu64 " timer overruns\n",
	       r->rate_hz, r->wall ? "real" : "CPU", achieved_hz(r), r->lost, r->no_buffer,
	       r->overruns);
	for (uint32_t i = 0; lost && i < r->nr_images && i < REPORT_MAX_IMAGES; i++) {
		const struct report_image *im = &r->images[i];

		printf("image %u: pid %d %s: %u thread%s, %" PRIu64 " samples, written %s\n", i + 1,
		       im->pid, im->exe, im->threads, im->threads == 1 ? "" : "s", im->samples,
		       im->written_at == TB_SIGNAL_AT_EXEC ? "before its exec" : "at its exit");
	}
	if (lost && r->nr_images > REPORT_MAX_IMAGES)
		printf("(%u more images)\n", r->nr_images - REPORT_MAX_IMAGES);
	if (lost && lost->images)
		printf("image %u: pid %d: no samples: %s\n", r->nr_images + 1, r->pid,
		       lost->reason);
	tb_tally__print_top(&r->leaves, "LEAF FUNCTION", 20);
	if (r->method_leaves.total) {
		putchar('\n');
		tb_tally__print_top(&r->method_leaves,
				    "LEAF METHOD (the workload's in-memory stack)", 20);
		printf("method samples %" PRIu64 ", torn %" PRIu64 " (inside a push or pop)\n",
		       r->method_samples, r->torn);
	}
}

/* {pid, exe, threads, samples, written_at} per process image that wrote its samples. */
static void emit_images(struct tb_json_writer *w, void *ctx)
{
	const struct report *r = ctx;

	tb_json_writer__begin_array(w);
	for (uint32_t i = 0; i < r->nr_images && i < REPORT_MAX_IMAGES; i++) {
		const struct report_image *im = &r->images[i];

		tb_json_writer__begin_object(w);
		tb_json_writer__key(w, "pid");
		tb_json_writer__i64(w, im->pid);
		tb_json_writer__key(w, "exe");
		tb_json_writer__string(w, im->exe);
		tb_json_writer__key(w, "threads");
		tb_json_writer__u64(w, im->threads);
		tb_json_writer__key(w, "samples");
		tb_json_writer__u64(w, im->samples);
		tb_json_writer__key(w, "written_at");
		tb_json_writer__string(w, written_at_name(im->written_at));
		tb_json_writer__end_object(w);
	}
	tb_json_writer__end_array(w);
}

static int write_result(const struct report *r, const struct lost *lost, const char *path,
			uint64_t start_ns, uint64_t attach_ns)
{
	struct tb_result *res = tb_result__new("signal", r->wall ? "wall" : "cpu", r->pid);
	struct tb_tally_entry *top;
	int err = res ? 0 : -errno;

	if (err)
		return err;
	res->duration_ns = r->duration_ns;
	res->sampled = true;
	res->samples = r->samples;
	res->lost = r->lost + r->no_buffer;
	res->torn = r->torn;
	res->late = r->overruns;
	res->attach_ns = attach_ns;
	res->tracer_cpu_ns = tb_result__self_cpu_ns();
	top = tb_tally__sorted(&r->leaves);
	for (size_t i = 0; top && !err && i < r->leaves.nr_keys; i++) {
		err = tb_result__add_count(res, top[i].key, top[i].count);
		if (!err)
			err = tb_result__add_profile(res, top[i].key,
						     (double)top[i].count / r->leaves.total);
	}
	free(top);
	tb_result__set_extra_double(res, "rate_hz", r->rate_hz);
	tb_result__set_extra_double(res, "achieved_hz", achieved_hz(r));
	tb_result__set_extra_u64(res, "threads", r->threads);
	tb_result__set_extra_u64(res, "overruns", r->overruns);
	tb_result__set_extra_u64(res, "buffer_full", r->lost);
	tb_result__set_extra_u64(res, "no_buffer", r->no_buffer);
	tb_result__set_extra_u64(res, "thread_cpu_ns", r->cpu_ns);
	tb_result__set_extra_emit(res, "images", emit_images, (void *)r);
	tb_result__set_extra_u64(res, "images_lost", lost->images);
	if (lost->images)
		tb_result__set_extra_str(res, "lost_reason", lost->reason);
	/* From this program's start (the launch of the command) to the library's first sample */
	if (r->first_sample_ns > start_ns)
		tb_result__set_extra_u64(res, "first_event_ns", r->first_sample_ns - start_ns);
	if (r->method_leaves.total) {
		tb_result__set_extra_emit(res, "method_profile", tb_tally__emit_shares,
					  (void *)&r->method_leaves);
		tb_result__set_extra_u64(res, "method_samples", r->method_samples);
	}
	if (!err)
		err = tb_result__write(res, path);
	tb_result__free(res);
	return err;
}

static int write_folded(const struct tb_tally *t, const char *path)
{
	FILE *f = fopen(path, "we");
	int err;

	if (!f)
		return -errno;
	err = tb_tally__write_folded(t, f);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/*
 * Asks pid for a dump or a trace change and reads the reply: listens on
 * this process's reply socket, sends the request with sigqueue(), and takes
 * the connection only from pid. Returns 0 with *reply (malloc'd, *len
 * bytes), or -errno: -EPERM (another user's process), -ESRCH, -ETIMEDOUT (no
 * answer: the library is not loaded, or the process is stopped).
 */
static int request(pid_t pid, int command, char **reply, size_t *len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct pollfd pfd = { .events = POLLIN };
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	size_t cap = 4096;
	int lfd, fd = -1, n, err = 0;

	*reply = NULL;
	*len = 0;
	n = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, TB_SIGNAL_REPLY_FMT,
		     (int)getpid());
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&addr, offsetof(struct sockaddr_un, sun_path) + 1 + n) ||
	    listen(lfd, 4)) {
		err = -errno;
		goto out;
	}
	if (sigqueue(pid, TB_SIGNAL_CONTROL_SIGNAL, (union sigval){ .sival_int = command })) {
		err = -errno;
		goto out;
	}
	pfd.fd = lfd;
	for (;;) {
		n = poll(&pfd, 1, 2000);
		if (n <= 0) {
			err = n < 0 ? -errno : -ETIMEDOUT;
			goto out;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* Only the target may answer: anyone could connect to an abstract socket. */
		if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) && cred.pid == pid)
			break;
		close(fd);
		fd = -1;
	}
	*reply = malloc(cap);
	for (;;) {
		ssize_t got;

		if (!*reply) {
			err = -ENOMEM;
			goto out;
		}
		pfd.fd = fd;
		if (poll(&pfd, 1, 5000) <= 0) {
			err = -ETIMEDOUT;
			goto out;
		}
		got = read(fd, *reply + *len, cap - *len);
		if (got < 0) {
			err = -errno;
			goto out;
		}
		if (!got)
			break;
		*len += (size_t)got;
		if (*len == cap) {
			char *bigger = realloc(*reply, cap *= 2);

			if (!bigger)
				free(*reply);
			*reply = bigger;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	close(lfd);
	if (err) {
		free(*reply);
		*reply = NULL;
	}
	return err;
}

static void print_request_error(pid_t pid, int err)
{
	unsigned long long owner;

	if (err == -EPERM)
		tb_fail("cannot signal pid %d: %s — only its owner (or root) may ask it", (int)pid,
			strerror(-err));
	else if (err == -ETIMEDOUT && getuid() != 0 &&
		 !tb_target__status_field(pid, "Uid", 10, &owner) && owner != getuid())
		/* The kernel let the signal through (CAP_KILL): the library ignored it. */
		tb_fail("pid %d did not answer: it runs as uid %llu and answers only that user "
			"and root, and this is uid %u — ask as uid %llu or as root",
			(int)pid, owner, (unsigned int)getuid(), owner);
	else if (err == -ETIMEDOUT)
		tb_fail("pid %d did not answer: is it running with " LIBRARY
			" (tb-signal run -- COMMAND, or record)? A stopped process cannot answer",
			(int)pid);
	else if (err == -ESRCH)
		tb_fail("no process has pid %d", (int)pid);
	else if (err == -EADDRINUSE)
		tb_fail("cannot ask pid %d: another process holds this request's reply socket "
			"(@" TB_SIGNAL_REPLY_FMT "), which only the asker should: not asking",
			(int)pid, (int)getpid());
	else
		tb_fail("cannot ask pid %d: %s", (int)pid, strerror(-err));
}

/* ---- the command's run: stop signals waited through -------------------------------------- */

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/*
 * SIGINT, SIGTERM and SIGHUP are flagged (wait_command says so and waits on:
 * the samples are in the command until it exits), SIGPIPE ignored (a closed
 * stdout is a write error, said at the end, after the result is written).
 * Before the spawn: the child puts every handler back to the default.
 */
static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal }; /* no SA_RESTART: EINTR */
	int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Waits for the command to end, *status as from waitpid. A stop signal is
 * said once and waited through, the same for each: the command is left
 * alone (Ctrl-C on a terminal reaches it anyway, as its own SIGINT), and
 * its samples come when it exits. Returns 0 or -errno.
 */
static int wait_command(struct tb_child *child, const char *name, bool record, int *status)
{
	bool said = false;
	pid_t pid;

	for (;;) {
		pid = waitpid(child->pid, status, 0);
		if (stop_signal && !said) {
			said = true;
			if (record)
				fprintf(stderr,
					"%s: SIG%s received: recording goes on until %s (pid %d) "
					"exits and writes its samples, which are in its memory (a "
					"signal that kills it loses them)\n",
					PROG, sigabbrev_np(stop_signal), name, (int)child->pid);
			else
				fprintf(stderr,
					"%s: SIG%s received: waiting for %s (pid %d) to end; it "
					"runs on with " LIBRARY "\n",
					PROG, sigabbrev_np(stop_signal), name, (int)child->pid);
		}
		if (pid == child->pid)
			break;
		if (pid < 0 && errno != EINTR)
			return -errno;
	}
	child->reaped = true;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " record [-F HZ] [--wall] [--buffer-kb N] [--folded FILE]\n"
		"                 [--folded-methods FILE] [-o FILE] [-v] -- COMMAND [ARGS]\n"
		"       " PROG " run -- COMMAND [ARGS]\n"
		"       " PROG " dump -p PID\n"
		"       " PROG " trace -p PID start|stop\n"
		"\n"
		"Works from inside the program, as stackprof and rbtrace do: COMMAND runs\n"
		"with " LIBRARY " preloaded (LD_PRELOAD). Any dynamically linked program.\n"
		"\n"
		"record: every thread gets a timer that sends it SIGPROF HZ times a second\n"
		"  of its CPU time (--wall: of real time); the handler unwinds the\n"
		"  interrupted thread with libunwind and copies the workload's in-memory\n"
		"  stack when the program has one, into the thread's preallocated buffer.\n"
		"  Samples are written when the program exits and named here afterwards.\n"
		"  -F, --frequency HZ   samples per second of each thread, 1 to %d (default %d);\n"
		"                       CPU-time timers fire at most at the kernel tick\n"
		"                       (CONFIG_HZ): the achieved rate is reported\n"
		"      --wall           real-time timers instead of CPU-time ones\n"
		"      --buffer-kb N    per-thread buffer (default %d); a full one counts losses\n"
		"      --folded FILE    native stacks, folded for flamegraph.pl\n"
		"      --folded-methods FILE  the in-memory stacks, folded\n"
		"  -o, --output FILE    write the result as JSON (results/README.md)\n"
		"  -v, --verbose        one line per process image: the command, and each\n"
		"                       program it exec'd (each writes its own samples)\n"
		"  The samples live in the command's memory: a command killed (SIGKILL, or\n"
		"  any signal it does not handle) loses them, and the result says so\n"
		"  (lost_reason); an exec writes them first, and the program exec'd is\n"
		"  sampled in its place.\n"
		"run: the library without sampling, so that dump and trace can ask it later.\n"
		"dump: asks a process running the library for every thread's stack now.\n"
		"trace start|stop: asks it to count method entries, returns and time through\n"
		"  the workload's call hook (tb_call_hook), and stop prints the counts.\n"
		"  Requests go by a signal (SIGURG, with sigqueue) that only the process's\n"
		"  owner or root can send; the answer comes back only to the process that\n"
		"  sent it (a Unix socket, its peer's credentials checked).\n"
		"\n"
		"  -u, --user USER      record, run: run COMMAND as USER (a name or uid,\n"
		"                       optionally :GROUP); only as root\n"
		"  -p, --pid PID        the process to ask (dump, trace)\n"
		"  -h, --help           this text\n"
		"\n"
		"record and run wait for COMMAND and exit with its status (128+N for signal\n"
		"N). SIGINT, SIGTERM and SIGHUP do not stop them: they say so and wait on,\n"
		"leaving COMMAND alone (Ctrl-C on a terminal reaches it too). SIGPIPE is\n"
		"ignored: a closed stdout is said once -o is written.\n",
		MAX_RATE_HZ, DEFAULT_RATE_HZ, DEFAULT_BUFFER_KB);
}

/* Is the program statically linked? Then LD_PRELOAD cannot load anything into it. */
static bool is_static(const char *cmd)
{
	char path[PATH_MAX];
	struct tb_elf *elf;
	bool dynamic;

	if (tb_target__which(cmd, path, sizeof(path)) || tb_elf__open(path, &elf))
		return false;
	dynamic = tb_elf__is_dynamic(elf);
	tb_elf__close(elf);
	return !dynamic;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "frequency", required_argument, NULL, 'F' },
		{ "wall", no_argument, NULL, 'W' },
		{ "buffer-kb", required_argument, NULL, 'B' },
		{ "folded", required_argument, NULL, 'P' },
		{ "folded-methods", required_argument, NULL, 'M' },
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static char *method_names[] = {
#define NAME(id, name, base_units, per_parent, parent) [id] = #name,
		TB_METHODS(NAME)
#undef NAME
	};
	const char *output = NULL, *folded = NULL, *folded_methods = NULL, *user = NULL;
	const char *record_only = NULL; /* an option only record takes, given */
	char lib[PATH_MAX], samples[] = "/tmp/tb-signal.XXXXXX", *end;
	char **command = NULL, num[32];
	struct tb_child child = TB_CHILD_INIT;
	struct report r = { 0 };
	struct lost lost = { 0 };
	double rate = DEFAULT_RATE_HZ;
	unsigned long buffer_kb = DEFAULT_BUFFER_KB;
	bool wall = false, verbose = false;
	int argc_opts = argc, c, err, fd = -1, status = 0, ret = 1, stdout_err;
	const char *mode;
	pid_t pid = 0;
	bool record = false;
	uint64_t start_ns = tb_schedule__now_ns(), attach_ns = 0, end_ns;
	char *data = NULL;
	size_t len = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	struct statvfs fs;

	tb_msg__hold_std_fds();
	argc_opts = tb_child__split_argv(argc, argv, &command);
	if (argc_opts >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	mode = argc_opts >= 2 ? argv[1] : "";
	if (strcmp(mode, "record") && strcmp(mode, "run") && strcmp(mode, "dump") &&
	    strcmp(mode, "trace")) {
		tb_fail("give a mode: record, run, dump or trace; -h for help");
		return 1;
	}
	optind = 2;
	while ((c = getopt_long(argc_opts, argv, ":F:o:p:u:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (tb_target__parse_pid(optarg, &pid)) {
				tb_fail("-p %s: not a process id", optarg);
				return 1;
			}
			break;
		case 'F':
			record_only = "-F";
			rate = strtod(optarg, &end);
			if (*end || !(rate >= 1 && rate <= MAX_RATE_HZ)) {
				tb_fail("-F %s: the rate must be 1 to %d samples per second",
					optarg, MAX_RATE_HZ);
				return 1;
			}
			break;
		case 'W':
			record_only = "--wall";
			wall = true;
			break;
		case 'B':
			record_only = "--buffer-kb";
			buffer_kb = strtoul(optarg, &end, 10);
			if (*end || !*optarg || buffer_kb < 4 || buffer_kb > 1048576) {
				tb_fail("--buffer-kb %s: give 4 to 1048576 KiB", optarg);
				return 1;
			}
			break;
		case 'P':
			record_only = "--folded";
			folded = optarg;
			break;
		case 'M':
			record_only = "--folded-methods";
			folded_methods = optarg;
			break;
		case 'o':
			record_only = "-o";
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
	/* Taken and ignored, it would let one believe it did something. */
	if (record_only && strcmp(mode, "record")) {
		tb_fail("%s is for record, not %s (-h for help)", record_only, mode);
		return 1;
	}
	if (tb_child__user_option(user, command))
		return 1;
	if (!strcmp(mode, "dump") || !strcmp(mode, "trace")) {
		bool trace = !strcmp(mode, "trace");
		const char *what = trace && optind < argc_opts ? argv[optind] : NULL;
		char *reply, label[64], why[256];
		size_t len;
		int command_id;

		if (!pid || command || optind != argc_opts - trace ||
		    (trace && strcmp(what, "start") && strcmp(what, "stop"))) {
			tb_fail(trace ? "give trace -p PID start|stop (-h for help)"
				      : "give dump -p PID (-h for help)");
			return 1;
		}
		command_id = !trace		      ? TB_SIGNAL_DUMP
			     : !strcmp(what, "start") ? TB_SIGNAL_TRACE_START
						      : TB_SIGNAL_TRACE_STOP;
		/* Said at once, not after the wait for an answer that cannot come. */
		if (tb_target__check_pid(pid, why, sizeof(why))) {
			tb_fail("cannot ask pid %d: %s", (int)pid, why);
			return 1;
		}
		err = request(pid, command_id, &reply, &len);
		if (err) {
			print_request_error(pid, err);
			return 1;
		}
		if (trace) {
			ret = len >= sizeof(TB_SIGNAL_TRACE_REPLY) - 1 &&
					      !memcmp(reply, TB_SIGNAL_TRACE_REPLY,
						      sizeof(TB_SIGNAL_TRACE_REPLY) - 1)
				      ? 0
				      : 1;
			if (ret)
				tb_fail("pid %d: %.*s", (int)pid,
					(int)strcspn(reply ? reply : "", "\n"), reply ? reply : "");
			else
				fwrite(reply + sizeof(TB_SIGNAL_TRACE_REPLY) - 1, 1,
				       len - (sizeof(TB_SIGNAL_TRACE_REPLY) - 1), stdout);
		} else {
			snprintf(label, sizeof(label), "the dump of pid %d", (int)pid);
			ret = read_samples(reply, len, label, &r, method_names,
					   sizeof(method_names) / sizeof(method_names[0]), true)
				      ? 1
				      : 0;
		}
		free(reply);
		close_modules();
		if (fflush(stdout) || ferror(stdout)) {
			tb_fail("cannot write to stdout: %s", strerror(errno));
			ret = 1;
		}
		return ret;
	}
	if (!command || !command[0] || optind != argc_opts || pid) {
		tb_fail("give -- COMMAND: the library is loaded when the program starts (-h for "
			"help)");
		return 1;
	}
	/* record says so after the run (the command may exec a dynamic one); run is for later. */
	if (!strcmp(mode, "run") && is_static(command[0])) {
		tb_fail("%s is statically linked: LD_PRELOAD cannot load " LIBRARY
			" into it, so dump and trace could never reach it (link it dynamically)",
			command[0]);
		return 1;
	}
	if (tb_result__check_output(output, "the result", "-o") ||
	    tb_result__check_output(folded, "the folded stacks", "--folded") ||
	    tb_result__check_output(folded_methods, "the folded stacks", "--folded-methods"))
		return 1;
	if ((err = tb_child__preload(LIBRARY, lib, sizeof(lib)))) {
		tb_fail("cannot find %s: %s — build it with make", lib, strerror(-err));
		return 1;
	}
	record = !strcmp(mode, "record");
	/* 0600: only this user reads the samples; the descriptor stays open to read them. */
	fd = record ? mkostemp(samples, O_CLOEXEC) : -1;
	if (record && fd < 0) {
		tb_fail("cannot create a sample file in /tmp: %s", strerror(errno));
		return 1;
	}
	if (record && tb_child__user(&uid, &gid) && fchown(fd, uid, gid)) {
		tb_fail("cannot give the sample file %s to -u %s: %s", samples, user,
			strerror(errno));
		goto out;
	}
	if (record)
		setenv(TB_SIGNAL_ENV_OUT, samples, 1);
	setenv(TB_SIGNAL_ENV_CONTROL, "1", 1);
	snprintf(num, sizeof(num), "%d", (int)getpid());
	setenv(TB_SIGNAL_ENV_PARENT, num, 1);
	snprintf(num, sizeof(num), "%.17g", rate);
	setenv(TB_SIGNAL_ENV_RATE, num, 1);
	setenv(TB_SIGNAL_ENV_CLOCK, wall ? "wall" : "cpu", 1);
	snprintf(num, sizeof(num), "%lu", buffer_kb);
	setenv(TB_SIGNAL_ENV_BUFFER, num, 1);
	/* Ctrl-C is for the command; this program waits for it and reports. */
	catch_stop_signals();
	err = tb_child__start_foreground(&child, command);
	if (err) {
		tb_fail("cannot run %s: %s", command[0], tb_child__strerror(err));
		goto out;
	}
	/* It ignored SIGINT from the spawn on: flagged like the others from now. */
	catch_stop_signals();
	/*
	 * From main's start: set-up, the command exec'd and released from its
	 * start gate; the loader and the library's start come after (their
	 * time shows in first_sample_ns)
	 */
	attach_ns = tb_schedule__now_ns() - start_ns;
	err = wait_command(&child, command[0], record, &status);
	if (err) {
		tb_fail("cannot wait for %s: %s", command[0], strerror(-err));
		goto out;
	}
	end_ns = tb_schedule__now_ns();
	tb_child__close(&child);
	if (!record) {
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		goto out;
	}
	err = read_fd(fd, &data, &len);
	if (err) {
		tb_fail("cannot read the sample file %s: %s", samples, strerror(-err));
		goto out;
	}
	if (len && read_samples(data, len, samples, &r, method_names,
				sizeof(method_names) / sizeof(method_names[0]), false))
		goto out;
	if (!r.nr_images && !r.cut_short && !WIFSIGNALED(status) && is_static(command[0])) {
		tb_fail("%s is statically linked: LD_PRELOAD cannot load " LIBRARY
			" into it (sample it with tb-ptrace sample)",
			command[0]);
		ret = WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
		goto out;
	}
	if (!r.nr_images) {
		/* Nothing came from the library: what this program knows of the run. */
		r.pid = child.pid;
		r.wall = wall;
		r.rate_hz = rate;
		r.duration_ns = end_ns - start_ns - attach_ns;
	}
	lost.images = !r.nr_images || r.cut_short || r.last_written_at == TB_SIGNAL_AT_EXEC;
	if (lost.images)
		why_lost(&r, status, lost.reason, sizeof(lost.reason));
	if (lost.images && !fstatvfs(fd, &fs) && fs.f_bavail == 0)
		snprintf(lost.reason, sizeof(lost.reason),
			 "its samples did not fit in %s: No space left on device (free some "
			 "space in /tmp)",
			 samples);
	if (r.nr_images)
		print_summary(&r, verbose ? &lost : NULL);
	/* Before any message (tb_fail flushes stdout too): its first error is the one to say. */
	stdout_err = fflush(stdout) ? errno : 0;
	if (lost.images && r.nr_images)
		tb_fail("%s (pid %d): %s — lost: the samples of its last process image; kept: "
			"%" PRIu64 " samples of the %u before it",
			command[0], (int)child.pid, lost.reason, r.samples, r.nr_images);
	else if (lost.images)
		tb_fail("%s (pid %d): %s — lost: every sample", command[0], (int)child.pid,
			lost.reason);
	ret = 0;
	if (folded && (err = write_folded(&r.stacks, folded))) {
		tb_fail("cannot write %s: %s", folded, strerror(-err));
		ret = 1;
	}
	if (folded_methods && (err = write_folded(&r.method_stacks, folded_methods))) {
		tb_fail("cannot write %s: %s", folded_methods, strerror(-err));
		ret = 1;
	}
	if (output && (err = write_result(&r, &lost, output, start_ns, attach_ns))) {
		tb_fail("cannot write the result to %s: %s", output, strerror(-err));
		ret = 1;
	}
	/*
	 * The command's status. A reader that closed stdout early (| head -1)
	 * took what it wanted: said, the status kept; any other stdout error
	 * fails the run.
	 */
	if (!stdout_err && (fflush(stdout) || ferror(stdout)))
		stdout_err = errno ? errno : EIO;
	if (stdout_err) {
		tb_fail("cannot write the summary to stdout: %s%s%s", strerror(stdout_err),
			output ? "; the result is in " : "", output ? output : "");
		ret = stdout_err == EPIPE ? ret : 1;
	}
	if (!ret)
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	/* Nothing recorded at all, and the command says nothing went wrong: this run failed. */
	if (!ret && !r.nr_images)
		ret = 1;
out:
	free(data);
	if (record) {
		close(fd);
		unlink(samples);
	}
	tb_tally__free(&r.leaves);
	tb_tally__free(&r.stacks);
	tb_tally__free(&r.method_leaves);
	tb_tally__free(&r.method_stacks);
	close_modules();
	return ret;
}
