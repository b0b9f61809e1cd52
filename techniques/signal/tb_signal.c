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
#include "tb_stack.h"
#include "tb_tally.h"
#include "tb_target.h"

#define PROG "tb-signal"
#define LIBRARY "libtb-signal.so"
#define DEFAULT_RATE_HZ 99
#define MAX_RATE_HZ 10000
#define DEFAULT_BUFFER_KB 4096

/* What the samples came to. */
struct report {
	struct tb_tally leaves, stacks; /* native: leaf function, folded stack */
	struct tb_tally method_leaves, method_stacks; /* the workload's in-memory stack */
	uint64_t samples, lost, overruns, torn, no_buffer, method_samples;
	uint64_t cpu_ns, alive_ns; /* summed over the threads */
	uint32_t threads;
	bool wall;
	double rate_hz;
	uint64_t duration_ns;
	uint64_t first_sample_ns; /* CLOCK_MONOTONIC of the first sample of any thread, 0 if none */
	int pid;
};

/* ---- naming instruction pointers after the run --------------------------------------------- */

struct module {
	char *path;
	struct tb_elf *elf; /* NULL if it could not be opened */
};

static struct module modules[256];
static size_t nr_modules;

static struct tb_elf *module_elf(const char *path)
{
	for (size_t i = 0; i < nr_modules; i++)
		if (!strcmp(modules[i].path, path))
			return modules[i].elf;
	if (nr_modules == sizeof(modules) / sizeof(modules[0]))
		return NULL;
	modules[nr_modules].path = strdup(path);
	if (!modules[nr_modules].path || tb_elf__open(path, &modules[nr_modules].elf))
		modules[nr_modules].elf = NULL;
	return modules[nr_modules++].elf;
}

/*
 * Names ip: the function that holds it, or FILE+0xOFFSET when the file has
 * no symbol there, or [unknown]. A caller's frame holds a return address,
 * which may already be past its function's end: callers look up ip - 1.
 */
static void name_ip(const struct tb_map *maps, size_t nr, uint64_t ip, bool caller, char *buf,
		    size_t len)
{
	uint64_t at = caller ? ip - 1 : ip;

	for (size_t i = 0; i < nr; i++) {
		const struct tb_map *m = &maps[i];
		struct tb_elf_segment seg;
		struct tb_elf_symbol sym;
		struct tb_elf *elf;
		uint64_t offset;

		if (at < m->start || at >= m->end)
			continue;
		if (!m->path || m->path[0] != '/') {
			snprintf(buf, len, "%s", m->path ? m->path : "[anon]");
			return;
		}
		offset = at - m->start + m->offset;
		elf = module_elf(m->path);
		for (size_t s = 0; elf && !tb_elf__segment(elf, s, &seg); s++) {
			if (offset < seg.offset || offset >= seg.offset + seg.filesz)
				continue;
			if (!tb_elf__symbol_at(elf, seg.vaddr + (offset - seg.offset), &sym)) {
				snprintf(buf, len, "%s", sym.name);
				return;
			}
			break;
		}
		snprintf(buf, len, "%s+0x%" PRIx64, basename(m->path), offset);
		return;
	}
	snprintf(buf, len, "[unknown]");
}

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

/* Counts one sample's native and method stacks. */
static void add_sample(struct report *r, const uint64_t *ips, unsigned int nr_frames,
		       const uint32_t *methods, unsigned int nr_methods, const struct tb_map *maps,
		       size_t nr_maps, char *const *method_names, uint32_t nr_names)
{
	char folded[TB_SIGNAL_MAX_FRAMES * 64], name[256];
	size_t len = 0;

	folded[0] = 0;
	/* Root first for the folded stack: the samples hold the leaf first. */
	for (unsigned int i = nr_frames; i-- > 0;) {
		name_ip(maps, nr_maps, ips[i], i > 0, name, sizeof(name));
		if (len < sizeof(folded))
			len += snprintf(folded + len, sizeof(folded) - len, "%s%s",
					i + 1 < nr_frames ? ";" : "", name);
		if (i == 0)
			tb_tally__add(&r->leaves, name, 1);
	}
	if (nr_frames)
		tb_tally__add(&r->stacks, folded, 1);
	if (nr_methods == 0xffff || !method_names)
		return;
	len = 0;
	folded[0] = 0;
	for (unsigned int d = 0; d < nr_methods && len < sizeof(folded); d++)
		len += snprintf(folded + len, sizeof(folded) - len, "%s%s", d ? ";" : "",
				methods[d] < nr_names ? method_names[methods[d]] : "?");
	if (!nr_methods)
		return; /* no method running: not a method sample */
	tb_tally__add(&r->method_stacks, folded, 1);
	tb_tally__add(&r->method_leaves, strrchr(folded, ';') ? strrchr(folded, ';') + 1 : folded,
		      1);
	r->method_samples++;
}

/*
 * Reads the library's sample file into r. The workload's method names come
 * from its methods (known to this build), through method_names. Returns 0,
 * or -1 after saying what is wrong.
 */
/* Prints one thread's stack of a dump: native frames leaf first, then its methods. */
static void print_stack(pid_t tid, const uint64_t *ips, unsigned int nr_frames,
			const uint32_t *methods, unsigned int nr_methods, const struct tb_map *maps,
			size_t nr_maps, char *const *method_names, uint32_t nr_names)
{
	char name[256];

	printf("thread %d:\n", (int)tid);
	for (unsigned int i = 0; i < nr_frames; i++) {
		name_ip(maps, nr_maps, ips[i], i > 0, name, sizeof(name));
		printf("  #%-2u 0x%016" PRIx64 " %s\n", i, ips[i], name);
	}
	if (nr_methods == 0xffff) {
		printf("  methods: (inside a push or pop)\n");
	} else if (nr_methods && method_names) {
		printf("  methods:");
		for (unsigned int d = 0; d < nr_methods; d++)
			printf(" %s", methods[d] < nr_names ? method_names[methods[d]] : "?");
		putchar('\n');
	}
}

/*
 * Reads samples (the library's sample file, or a dump's reply: what names
 * it in messages) into r, or with dump set prints each thread's stack. The
 * workload's method names come from its methods (known to this build).
 * Returns 0, or -1 after saying what is wrong.
 */
static int read_samples(const char *data, size_t len, const char *what, struct report *r,
			char *const *method_names, uint32_t nr_names, bool dump)
{
	const struct tb_signal_file_header *h = (const void *)data;
	struct tb_map *maps = NULL;
	size_t at, nr_maps = 0;
	int ret = -1;

	if (len < sizeof(*h) || h->magic != TB_SIGNAL_MAGIC) {
		tb_fail("%s: not samples of this " LIBRARY, what);
		goto out;
	}
	if (h->version != TB_SIGNAL_VERSION) {
		tb_fail("%s: samples in format version %u, this tb-signal reads version %u: "
			"the " LIBRARY " that wrote them is from another build; "
			"rebuild both (make) and run them from one build directory",
			what, h->version, TB_SIGNAL_VERSION);
		goto out;
	}
	if (h->maps_len > len - sizeof(*h) ||
	    tb_maps__parse(data + len - h->maps_len, h->maps_len, &maps, &nr_maps))
		nr_maps = 0; /* samples stay, unnamed */
	r->pid = h->pid;
	r->wall = h->clock == 1;
	r->rate_hz = h->rate_hz;
	r->no_buffer = h->no_buffer;
	r->duration_ns = h->end_ns - h->start_ns;
	at = sizeof(*h);
	for (uint32_t t = 0; t < h->nr_threads; t++) {
		struct tb_signal_thread_header th;
		size_t end;

		if (len - h->maps_len - at < sizeof(th))
			goto truncated;
		memcpy(&th, data + at, sizeof(th));
		at += sizeof(th);
		if (th.bytes > len - h->maps_len - at)
			goto truncated;
		end = at + th.bytes;
		r->threads += th.nr_samples > 0;
		if (dump && !th.nr_samples)
			printf("thread %d: did not answer within 200 ms (SIGPROF blocked?)\n",
			       (int)th.tid);
		r->lost += th.lost;
		r->overruns += th.overruns;
		r->torn += th.torn;
		r->cpu_ns += th.cpu_ns;
		r->alive_ns += th.end_ns > th.start_ns ? th.end_ns - th.start_ns : 0;
		if (th.first_sample_ns &&
		    (!r->first_sample_ns || th.first_sample_ns < r->first_sample_ns))
			r->first_sample_ns = th.first_sample_ns;
		for (uint64_t i = 0; i < th.nr_samples; i++) {
			struct tb_signal_sample s;
			uint64_t ips[TB_SIGNAL_MAX_FRAMES];
			uint32_t methods[TB_SIGNAL_MAX_METHODS];
			size_t n_methods;

			if (end - at < sizeof(s))
				goto truncated;
			memcpy(&s, data + at, sizeof(s));
			at += sizeof(s);
			n_methods = s.nr_methods == 0xffff ? 0 : s.nr_methods;
			if (s.nr_frames > TB_SIGNAL_MAX_FRAMES ||
			    n_methods > TB_SIGNAL_MAX_METHODS ||
			    end - at < s.nr_frames * 8 + n_methods * 4)
				goto truncated;
			memcpy(ips, data + at, s.nr_frames * 8);
			at += s.nr_frames * 8;
			memcpy(methods, data + at, n_methods * 4);
			at += n_methods * 4;
			if (dump)
				print_stack(th.tid, ips, s.nr_frames, methods, s.nr_methods, maps,
					    nr_maps, method_names, nr_names);
			else
				add_sample(r, ips, s.nr_frames, methods, s.nr_methods, maps,
					   nr_maps, method_names, nr_names);
			r->samples++;
		}
		at = end;
	}
	ret = 0;
	goto out;
truncated:
	tb_fail("%s: the samples are cut short or damaged", what);
out:
	tb_maps__free(maps, nr_maps);
	return ret;
}

/* ---- output -------------------------------------------------------------------------------- */

static double achieved_hz(const struct report *r)
{
	uint64_t ns = r->wall ? r->alive_ns : r->cpu_ns;

	return ns ? r->samples / (ns / 1e9) : 0.0;
}

static int write_result(const struct report *r, const char *path, uint64_t start_ns,
			uint64_t attach_ns)
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

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " record [-F HZ] [--wall] [--buffer-kb N] [--folded FILE]\n"
		"                 [--folded-methods FILE] [-o FILE] -- COMMAND [ARGS]\n"
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
		"  -h, --help           this text\n",
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
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static char *method_names[] = {
#define NAME(id, name, base_units, per_parent, parent) [id] = #name,
		TB_METHODS(NAME)
#undef NAME
	};
	const char *output = NULL, *folded = NULL, *folded_methods = NULL, *user = NULL;
	char lib[PATH_MAX], samples[] = "/tmp/tb-signal.XXXXXX", *end;
	char **command = NULL, num[32];
	struct tb_child child = TB_CHILD_INIT;
	struct report r = { 0 };
	double rate = DEFAULT_RATE_HZ;
	unsigned long buffer_kb = DEFAULT_BUFFER_KB;
	bool wall = false;
	int argc_opts = argc, c, err, fd = -1, status = 0, ret = 1;
	const char *mode;
	pid_t pid = 0;
	bool record = false;
	uint64_t start_ns = tb_schedule__now_ns(), attach_ns = 0;
	char *data = NULL;
	size_t len = 0;
	uid_t uid = 0;
	gid_t gid = 0;

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
	while ((c = getopt_long(argc_opts, argv, ":F:o:p:u:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (tb_target__parse_pid(optarg, &pid)) {
				tb_fail("-p %s: not a process id", optarg);
				return 1;
			}
			break;
		case 'F':
			rate = strtod(optarg, &end);
			if (*end || !(rate >= 1 && rate <= MAX_RATE_HZ)) {
				tb_fail("-F %s: the rate must be 1 to %d samples per second",
					optarg, MAX_RATE_HZ);
				return 1;
			}
			break;
		case 'W':
			wall = true;
			break;
		case 'B':
			buffer_kb = strtoul(optarg, &end, 10);
			if (*end || !*optarg || buffer_kb < 4 || buffer_kb > 1048576) {
				tb_fail("--buffer-kb %s: give 4 to 1048576 KiB", optarg);
				return 1;
			}
			break;
		case 'P':
			folded = optarg;
			break;
		case 'M':
			folded_methods = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'u':
			user = optarg;
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
	if (tb_child__user_option(user, command))
		return 1;
	if (!strcmp(mode, "dump") || !strcmp(mode, "trace")) {
		bool trace = !strcmp(mode, "trace");
		const char *what = trace && optind < argc_opts ? argv[optind] : NULL;
		char *reply, label[64];
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
		for (size_t i = 0; i < nr_modules; i++) {
			if (modules[i].elf)
				tb_elf__close(modules[i].elf);
			free(modules[i].path);
		}
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
	err = tb_child__start_foreground(&child, command);
	if (err) {
		tb_fail("cannot run %s: %s", command[0], strerror(-err));
		goto out;
	}
	/*
	 * From main's start: set-up, the command exec'd and released from its
	 * start gate; the loader and the library's start come after (their
	 * time shows in first_sample_ns)
	 */
	attach_ns = tb_schedule__now_ns() - start_ns;
	if (tb_child__wait(&child, &status)) {
		tb_fail("cannot wait for %s: %s", command[0], strerror(errno));
		goto out;
	}
	tb_child__close(&child);
	if (!record) {
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		goto out;
	}
	if (read_fd(fd, &data, &len) || len == 0) {
		if (WIFSIGNALED(status))
			tb_fail("%s was killed by signal %d (%s) before it could write its samples",
				command[0], WTERMSIG(status), strsignal(WTERMSIG(status)));
		else if (is_static(command[0]))
			tb_fail("%s is statically linked: LD_PRELOAD cannot load " LIBRARY
				" into it (sample it with tb-ptrace sample)",
				command[0]);
		else
			tb_fail("%s wrote no samples: it ended without running its exit handlers "
				"or _exit (exit_group called directly?)",
				command[0]);
		/* Its own failure first; a successful command still made this run fail. */
		ret = WIFSIGNALED(status)			 ? 128 + WTERMSIG(status)
		      : WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status)
								 : 1;
		goto out;
	}
	if (read_samples(data, len, samples, &r, method_names,
			 sizeof(method_names) / sizeof(method_names[0]), false))
		goto out;
	printf("%" PRIu64 " samples of %u threads at %.0f Hz of %s time asked, %.1f achieved; "
	       "lost: %" PRIu64 " buffer full, %" PRIu64 " without a buffer; %" PRIu64
	       " timer overruns\n",
	       r.samples, r.threads, r.rate_hz, r.wall ? "real" : "CPU", achieved_hz(&r), r.lost,
	       r.no_buffer, r.overruns);
	tb_tally__print_top(&r.leaves, "LEAF FUNCTION", 20);
	if (r.method_leaves.total) {
		putchar('\n');
		tb_tally__print_top(&r.method_leaves,
				    "LEAF METHOD (the workload's in-memory stack)", 20);
		printf("method samples %" PRIu64 ", torn %" PRIu64 " (inside a push or pop)\n",
		       r.method_samples, r.torn);
	}
	ret = 0;
	if (folded && (err = write_folded(&r.stacks, folded))) {
		tb_fail("cannot write %s: %s", folded, strerror(-err));
		ret = 1;
	}
	if (folded_methods && (err = write_folded(&r.method_stacks, folded_methods))) {
		tb_fail("cannot write %s: %s", folded_methods, strerror(-err));
		ret = 1;
	}
	if (output && (err = write_result(&r, output, start_ns, attach_ns))) {
		tb_fail("cannot write the result to %s: %s", output, strerror(-err));
		ret = 1;
	}
	if (!ret)
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
	for (size_t i = 0; i < nr_modules; i++) {
		if (modules[i].elf)
			tb_elf__close(modules[i].elf);
		free(modules[i].path);
	}
	return ret;
}
