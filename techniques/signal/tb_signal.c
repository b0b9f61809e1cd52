/* tb_signal.c - tb-signal: runs a command with libtb-signal.so preloaded and reports its samples */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tb_child.h"
#include "tb_elf.h"
#include "tb_json.h"
#include "methods.h"
#include "tb_maps.h"
#include "tb_msg.h"
#include "tb_result.h"
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

static int read_file(const char *path, char **data, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size < 0) {
		close(fd);
		return -EIO;
	}
	*len = (size_t)st.st_size;
	*data = malloc(*len ? *len : 1);
	n = *data ? read(fd, *data, *len) : -1;
	close(fd);
	if (n != (ssize_t)*len) {
		free(*data);
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
static int read_samples(const char *path, const char *command, struct report *r,
			char *const *method_names, uint32_t nr_names)
{
	const struct tb_signal_file_header *h;
	struct tb_map *maps = NULL;
	size_t len = 0, at, nr_maps = 0;
	char *data = NULL;
	int ret = -1;

	if (read_file(path, &data, &len) || len == 0) {
		tb_fail("%s wrote no samples: a statically linked program ignores LD_PRELOAD, and "
			"one that ends by _exit or a signal never writes them",
			command);
		goto out;
	}
	h = (const void *)data;
	if (len < sizeof(*h) || h->magic != TB_SIGNAL_MAGIC || h->version != 1) {
		tb_fail("%s: not a sample file of this " LIBRARY, path);
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
		r->lost += th.lost;
		r->overruns += th.overruns;
		r->torn += th.torn;
		r->cpu_ns += th.cpu_ns;
		r->alive_ns += th.end_ns > th.start_ns ? th.end_ns - th.start_ns : 0;
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
			add_sample(r, ips, s.nr_frames, methods, s.nr_methods, maps, nr_maps,
				   method_names, nr_names);
			r->samples++;
		}
		at = end;
	}
	ret = 0;
	goto out;
truncated:
	tb_fail("%s: the sample file is cut short or damaged", path);
out:
	tb_maps__free(maps, nr_maps);
	free(data);
	return ret;
}

/* ---- output -------------------------------------------------------------------------------- */

static void print_top(const struct tb_tally *t, const char *what)
{
	struct tb_tally_entry *top = tb_tally__sorted(t);

	printf("%8s %7s  %s\n", "SAMPLES", "SHARE", what);
	for (size_t i = 0; top && i < t->nr_keys && i < 20; i++)
		printf("%8" PRIu64 " %6.2f%%  %s\n", top[i].count,
		       100.0 * top[i].count / (t->total ? t->total : 1), top[i].key);
	free(top);
}

static double achieved_hz(const struct report *r)
{
	uint64_t ns = r->wall ? r->alive_ns : r->cpu_ns;

	return ns ? r->samples / (ns / 1e9) : 0.0;
}

static void emit_shares(struct tb_json_writer *w, void *ctx)
{
	const struct tb_tally *t = ctx;
	struct tb_tally_entry *e = tb_tally__sorted(t);

	tb_json_writer__begin_object(w);
	for (size_t i = 0; e && i < t->nr_keys; i++) {
		tb_json_writer__key(w, e[i].key);
		tb_json_writer__double(w, (double)e[i].count / t->total);
	}
	tb_json_writer__end_object(w);
	free(e);
}

static int write_result(const struct report *r, const char *path, uint64_t attach_ns)
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
	if (r->method_leaves.total) {
		tb_result__set_extra_emit(res, "method_profile", emit_shares,
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

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " record [-F HZ] [--wall] [--buffer-kb N] [--folded FILE]\n"
		"                 [--folded-methods FILE] [-o FILE] -- COMMAND [ARGS]\n"
		"\n"
		"Samples COMMAND from inside, as stackprof does: runs it with " LIBRARY "\n"
		"preloaded (LD_PRELOAD), which gives every thread a timer that sends it\n"
		"SIGPROF HZ times a second of its CPU time (--wall: of real time). The\n"
		"handler unwinds the interrupted thread with libunwind and copies the\n"
		"workload's in-memory stack when the program has one, into the thread's\n"
		"preallocated buffer; samples are written when the program exits and named\n"
		"here afterwards. Works on any dynamically linked program.\n"
		"\n"
		"  -F, --frequency HZ   samples per second of each thread, 1 to %d (default %d);\n"
		"                       CPU-time timers fire at most at the kernel tick\n"
		"                       (CONFIG_HZ): the achieved rate is reported\n"
		"      --wall           real-time timers instead of CPU-time ones\n"
		"      --buffer-kb N    per-thread buffer (default %d); a full one counts losses\n"
		"      --folded FILE    native stacks, folded for flamegraph.pl\n"
		"      --folded-methods FILE  the in-memory stacks, folded\n"
		"  -o, --output FILE    write the result as JSON (results/README.md)\n"
		"  -h, --help           this text\n",
		MAX_RATE_HZ, DEFAULT_RATE_HZ, DEFAULT_BUFFER_KB);
}

/* The library beside this program, as make builds them: build/. */
static int find_library(char *path, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -errno;
	self[n] = 0;
	snprintf(path, len, "%s/" LIBRARY, dirname(self));
	return access(path, R_OK) ? -errno : 0;
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
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static char *method_names[] = {
#define NAME(id, name, base_units, per_parent, parent) [id] = #name,
		TB_METHODS(NAME)
#undef NAME
	};
	const char *output = NULL, *folded = NULL, *folded_methods = NULL;
	char lib[PATH_MAX], preload[PATH_MAX * 2], samples[] = "/tmp/tb-signal.XXXXXX", *end;
	char **command = NULL, num[32];
	struct tb_child child = TB_CHILD_INIT;
	struct report r = { 0 };
	double rate = DEFAULT_RATE_HZ;
	unsigned long buffer_kb = DEFAULT_BUFFER_KB;
	bool wall = false;
	int argc_opts = argc, c, err, fd, status = 0, ret = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			argc_opts = i;
			command = argv + i + 1;
			break;
		}
	}
	if (argc_opts >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc_opts < 2 || strcmp(argv[1], "record")) {
		tb_fail("give a mode: record; -h for help");
		return 1;
	}
	optind = 2;
	while ((c = getopt_long(argc_opts, argv, ":F:o:h", long_opts, NULL)) != -1) {
		switch (c) {
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
	if (!command || !command[0] || optind != argc_opts) {
		tb_fail("give -- COMMAND: the library is loaded when the program starts (-h for "
			"help)");
		return 1;
	}
	if (output && (err = tb_result__check_path(output))) {
		tb_fail("cannot write the result to %s: %s — choose a writable -o path", output,
			strerror(-err));
		return 1;
	}
	if ((err = find_library(lib, sizeof(lib)))) {
		tb_fail("cannot find %s: %s — build it with make", lib, strerror(-err));
		return 1;
	}
	fd = mkstemp(samples); /* 0600: only this user reads the samples */
	if (fd < 0) {
		tb_fail("cannot create a sample file in /tmp: %s", strerror(errno));
		return 1;
	}
	close(fd);
	snprintf(preload, sizeof(preload), "%s%s%s", lib, getenv("LD_PRELOAD") ? ":" : "",
		 getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "");
	setenv("LD_PRELOAD", preload, 1);
	setenv(TB_SIGNAL_ENV_OUT, samples, 1);
	snprintf(num, sizeof(num), "%.17g", rate);
	setenv(TB_SIGNAL_ENV_RATE, num, 1);
	setenv(TB_SIGNAL_ENV_CLOCK, wall ? "wall" : "cpu", 1);
	snprintf(num, sizeof(num), "%lu", buffer_kb);
	setenv(TB_SIGNAL_ENV_BUFFER, num, 1);
	/* Ctrl-C is for the command; this program waits for it and reports. */
	signal(SIGINT, SIG_IGN);
	err = tb_child__spawn(&child, command);
	if (!err)
		err = tb_child__exec(&child);
	if (err) {
		tb_fail("cannot run %s: %s", command[0], strerror(-err));
		tb_child__kill(&child);
		goto out;
	}
	tb_child__release(&child);
	if (tb_child__wait(&child, &status)) {
		tb_fail("cannot wait for %s: %s", command[0], strerror(errno));
		goto out;
	}
	tb_child__close(&child);
	if (read_samples(samples, command[0], &r, method_names,
			 sizeof(method_names) / sizeof(method_names[0])))
		goto out;
	printf("%" PRIu64 " samples of %u threads at %.0f Hz of %s time asked, %.1f achieved; "
	       "lost: %" PRIu64 " buffer full, %" PRIu64 " without a buffer; %" PRIu64
	       " timer overruns\n",
	       r.samples, r.threads, r.rate_hz, r.wall ? "real" : "CPU", achieved_hz(&r), r.lost,
	       r.no_buffer, r.overruns);
	print_top(&r.leaves, "LEAF FUNCTION");
	if (r.method_leaves.total) {
		putchar('\n');
		print_top(&r.method_leaves, "LEAF METHOD (the workload's in-memory stack)");
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
	if (output && (err = write_result(&r, output, 0))) {
		tb_fail("cannot write the result to %s: %s", output, strerror(-err));
		ret = 1;
	}
	if (!ret)
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	unlink(samples);
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
