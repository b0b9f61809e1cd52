/* tb_usdt.c - tb-usdt: list USDT probes, trace them with BPF, report counts and latencies */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tb_child.h"
#include "tb_elf.h"
#include "tb_hist.h"
#include "tb_json.h"
#include "tb_maps.h"
#include "tb_msg.h"
#include "tb_result.h"
#include "tb_spec.h"
#include "tb_target.h"
#include "tb_usdt.h"
#include "tb_usdt.skel.h"

#define PROG "tb-usdt"
/*
 * Values kept per map with -a. The maps allocate per key seen, not up front,
 * but a histogram is 528 bytes per CPU: 2^20 of them on 2 CPUs is 1 GiB.
 */
#define MAX_KEYS (1ul << 20)

enum mode {
	MODE_COUNT,
	MODE_HIST,
	MODE_STREAM,
	MODE_EMPTY,
};

static const char *const mode_names[] = {
	[MODE_COUNT] = "count",
	[MODE_HIST] = "hist",
	[MODE_STREAM] = "stream",
	[MODE_EMPTY] = "empty",
};

/* How a hit of a probe site enters the kernel: read back from the target while attached. */
enum site_state {
	SITE_UNKNOWN, /* not read (target gone, or the site not mapped yet) */
	SITE_NOP, /* still the original nop: the uprobe is not installed in this mapping */
	SITE_INT3, /* a breakpoint: every hit traps */
	SITE_OPTIMISED, /* a call into [uprobes-trampoline]: the nop5 fast path */
};

struct probe {
	const char *spec; /* as given on the command line */
	char *path; /* the file holding the probe */
	char *provider, *name;
	char *label; /* provider:name, or path:provider:name for a file other than the target's */
	uint64_t *site_offsets; /* file offsets of the probe's sites */
	enum site_state *site_states;
	bool *site_is_nop5; /* the site is 0f 1f 44 00 00, which the kernel can optimise */
	size_t nr_sites;
	int nr_args; /* of the first site */
	uint32_t unsigned_args; /* bit i: argument i is unsigned ("8@..." rather than "-8@...") */
	bool semaphore;
	struct bpf_link *link;
	/* results */
	struct tb_usdt_probe_stats stats; /* summed over CPUs */
	uint64_t seen; /* stream mode: events that reached us */
};

struct value_row {
	uint32_t probe;
	int64_t value;
	struct tb_usdt_value_stats stats;
};

struct hist_row {
	int64_t key;
	struct tb_usdt_hist hist;
};

static struct options {
	enum mode mode;
	pid_t pid;
	char **command; /* after "--" */
	double duration_s; /* 0: until the target exits or a signal */
	int by_arg, sum_arg; /* -1: not asked */
	unsigned long ringbuf_size;
	unsigned long max_keys;
	const char *output;
	const char *user; /* -u: run the command as this user */
	bool quiet, verbose;
	bool ringbuf_size_given, max_keys_given; /* -b, -k: checked against the mode */
} opts = {
	.by_arg = -1,
	.sum_arg = -1,
	.ringbuf_size = 4ul << 20,
	.max_keys = 16384,
};

static struct session {
	struct probe probes[TB_USDT_MAX_PROBES];
	size_t nr_probes;
	char target_path[PATH_MAX]; /* the target's executable */
	pid_t pid;
	struct tb_child child;
	bool started; /* we started the command */
	int pidfd;
	struct tb_usdt_bpf *skel;
	struct ring_buffer *ringbuf;
	struct value_row *values;
	size_t nr_values;
	struct hist_row *hists;
	size_t nr_hists;
	uint64_t start_ns; /* CLOCK_MONOTONIC when tracing began: events are timed from it */
	bool stdout_broken;
	int stdout_errno;
	bool trampoline_seen; /* [uprobes-trampoline] appeared in the target's maps */
} s = { .pid = -1, .child = TB_CHILD_INIT, .pidfd = -1 };

static volatile sig_atomic_t exiting;
/* CLOCK_MONOTONIC of main's start; of the first stop request (a signal, -d), 0 until then */
static uint64_t tool_start_ns;
static volatile uint64_t stop_request_ns;

static void on_signal(int sig)
{
	struct timespec ts;

	/* clock_gettime is async-signal-safe: the detach time starts at the request. */
	if (!stop_request_ns && !clock_gettime(CLOCK_MONOTONIC, &ts))
		stop_request_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	exiting = sig;
}

static __attribute__((format(printf, 1, 2))) void verbose(const char *fmt, ...)
{
	va_list ap;

	if (!opts.verbose)
		return;
	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own messages are diagnostics; ours name the cause and the fix. */
	(void)level;
	if (!opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [OPTIONS] PROBE... (-p PID | -- COMMAND [ARGS])\n"
		"       " PROG " -l TARGET [PATTERN]\n"
		"       " PROG " --check\n"
		"\n"
		"Trace USDT probes with eBPF: each hit of an attached probe traps into the "
		"kernel,\n"
		"which runs a BPF program that keeps the summary in BPF maps.\n"
		"\n"
		"PROBE is [PATH:]PROVIDER:NAME. PATH is an executable or shared library (default:\n"
		"the target's executable); with -p, a library may be named by its file name "
		"alone.\n"
		"\n"
		"  -l, --list TARGET    list the USDT probes of a file, or of every file a "
		"running\n"
		"                       pid maps, optionally only those matching PATTERN (a glob\n"
		"                       over PROVIDER:NAME)\n"
		"  -p, --pid PID        trace a running process\n"
		"  -- COMMAND [ARGS]    start COMMAND with the probes already attached\n"
		"  -u, --user USER      run COMMAND as USER (a name or uid, optionally :GROUP);\n"
		"                       only with -- COMMAND, as root\n"
		"  -m, --mode MODE      count   hits per probe (default)\n"
		"                       hist    latency from an entry PROBE to a return PROBE,\n"
		"                               paired per thread: exactly two PROBEs\n"
		"                       stream  one event per hit through a BPF ring buffer\n"
		"                       empty   attach an empty program: the baseline cost of a "
		"hit\n"
		"  -a, --by-arg N       count: one count per value of argument N (from 0);\n"
		"                       hist: one histogram per value of the entry's argument N\n"
		"  -s, --sum-arg N      count: also sum argument N\n"
		"  -b, --ringbuf-size BYTES  stream: ring buffer size, a power of two of at least\n"
		"                       4096 (K and M suffixes; default 4M)\n"
		"  -k, --max-keys N     count -a and hist: distinct values kept, 1 to 1048576\n"
		"                       (default 16384; more are counted lost)\n"
		"  -q, --quiet          no \"tracing\" line on stderr and, in stream mode, no\n"
		"                       event lines: only the summary\n"
		"  -d, --duration SECS  stop after SECS seconds (default: until the target exits\n"
		"                       or Ctrl-C); with -- COMMAND, the command runs on untraced\n"
		"  -o, --output FILE    write the result as JSON (results/README.md)\n"
		"  -v, --verbose        diagnostics, libbpf's included\n"
		"      --check          say whether tb-usdt can run here; exit 0 if so, else 77\n"
		"  -h, --help           this text\n"
		"\n"
		"Exit status: 0; 1 on an error or when a -p target exits before -d ends; with\n"
		"-- COMMAND, the command's status (128+N if it died of signal N).\n"
		"\n"
		"Examples:\n"
		"  " PROG " -l build/workload-usdt\n"
		"  " PROG " -a 0 -s 1 tracebench:method_entry -- build/workload-usdt -r 1000\n"
		"  " PROG
		" -m hist -a 0 tracebench:method_entry tracebench:method_return -p PID -d 5\n");
}

/* ---- capabilities and kernel support ---------------------------------------------------- */

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

static uint64_t effective_caps(void)
{
	unsigned long long caps = 0;

	return tb_target__status_field(0, "CapEff", 16, &caps) ? 0 : caps;
}

/* Can tb-usdt load and attach here? 0, or -1 with the reason and the fix in why. */
static int check_environment(char *why, size_t len)
{
	uint64_t caps = effective_caps();
	bool admin = caps & (1ull << CAP_SYS_ADMIN_BIT);
	bool bpf = caps & (1ull << CAP_BPF_BIT), perfmon = caps & (1ull << CAP_PERFMON_BIT);

	if (!admin && !(bpf && perfmon)) {
		snprintf(why, len,
			 "cannot load BPF programs: this process lacks %s%s%s (or CAP_SYS_ADMIN) — "
			 "run it as root, or grant them with setcap cap_bpf,cap_perfmon+ep",
			 bpf ? "" : "CAP_BPF", !bpf && !perfmon ? " and " : "",
			 perfmon ? "" : "CAP_PERFMON");
		return -1;
	}
	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK)) {
		snprintf(why, len,
			 "this kernel has no uprobe PMU (/sys/bus/event_source/devices/uprobe): "
			 "it needs CONFIG_UPROBE_EVENTS");
		return -1;
	}
	return 0;
}

static bool have_kernel_btf(void)
{
	return !access("/sys/kernel/btf/vmlinux", R_OK);
}

/* ---- probes: specs, notes, sites -------------------------------------------------------- */

/* Splits [PATH:]PROVIDER:NAME (tb_spec__probe). Returns 0, -EINVAL or -ENOMEM. */
static int parse_spec(struct probe *p, const char *spec)
{
	p->spec = spec;
	return tb_spec__probe(spec, &p->path, &p->provider, &p->name);
}

/*
 * A library named without a slash, for -p: the mapped file whose name is
 * that name, or starts with it followed by '.' or '-' ("libc" finds
 * libc.so.6). Returns 0 or -ENOENT.
 */
static int find_mapped_library(pid_t pid, const char *name, char *path, size_t len)
{
	struct tb_map *maps;
	size_t nr, n = strlen(name);
	int err = tb_maps__read(pid, &maps, &nr);

	if (err)
		return err;
	err = -ENOENT;
	for (size_t i = 0; i < nr && err; i++) {
		const char *base = maps[i].path ? strrchr(maps[i].path, '/') : NULL;

		if (!base || maps[i].path[0] != '/')
			continue;
		base++;
		if (!strncmp(base, name, n) && (base[n] == 0 || base[n] == '.' || base[n] == '-')) {
			snprintf(path, len, "%s", maps[i].path);
			err = 0;
		}
	}
	tb_maps__free(maps, nr);
	return err;
}

/*
 * Is the instruction at the site one that USDT places there, a 1-byte or a
 * multi-byte nop? Returns 1 for the 5-byte nop the kernel can optimise, 0
 * for another nop, -1 (reported) otherwise.
 */
static int check_site(int fd, const char *path, const struct probe *p, uint64_t offset)
{
	static const unsigned char nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	unsigned char insn[5];

	if (pread(fd, insn, sizeof(insn), offset) != (ssize_t)sizeof(insn)) {
		tb_fail("%s: cannot read the site of %s:%s at file offset 0x%" PRIx64 ": %s", path,
			p->provider, p->name, offset, strerror(errno ? errno : EIO));
		return -1;
	}
	if (!memcmp(insn, nop5, sizeof(nop5)))
		return 1;
	/* nop, xchg %ax,%ax (66 90), or a multi-byte nopw/nopl (66 0f 1f, 0f 1f). */
	if (insn[0] == 0x90 || (insn[0] == 0x0f && insn[1] == 0x1f) ||
	    (insn[0] == 0x66 && (insn[1] == 0x90 || (insn[1] == 0x0f && insn[2] == 0x1f))))
		return 0;
	tb_fail("%s: the note of %s:%s points at file offset 0x%" PRIx64 ", which holds %02x %02x, "
		"not a nop: an int3 there could split an instruction, so it is not attached "
		"(is the file corrupt, or patched after linking?)",
		path, p->provider, p->name, offset, insn[0], insn[1]);
	return -1;
}

/*
 * Can libbpf read every argument (tb_spec__usdt_unreadable_arg)? Any form it
 * cannot read fails the whole attach. Returns 0 or -1 (reported).
 */
static int check_arg_specs(const struct probe *p, const char *specs)
{
	char spec[128];
	int n = tb_spec__usdt_unreadable_arg(specs, spec, sizeof(spec));

	if (n < 0)
		return 0;
	tb_fail("probe %s:%s: argument %d is '%s', a form libbpf cannot read (it reads $CONST, "
		"%%REG and OFFSET(%%REG))",
		p->provider, p->name, n, spec);
	return -1;
}

/* Finds the probe's notes, checks its sites and arguments. Returns 0 or -1 (reported). */
static int resolve_probe(struct probe *p)
{
	struct tb_usdt_note *notes = NULL;
	struct tb_elf *elf = NULL;
	char path[PATH_MAX];
	size_t nr = 0, total = 0;
	int err, fd = -1, ret = -1;

	if (!p->path) {
		p->path = strdup(s.target_path);
	} else if (!strchr(p->path, '/')) {
		if (s.pid <= 0) {
			tb_fail("probe %s: give the path of %s (a file name alone is looked up in "
				"a "
				"running process's mappings, with -p)",
				p->spec, p->path);
			return -1;
		}
		if (find_mapped_library(s.pid, p->path, path, sizeof(path))) {
			tb_fail("probe %s: pid %d maps no file named %s* (" PROG
				" -l %d lists the probes of every file it maps)",
				p->spec, (int)s.pid, p->path, (int)s.pid);
			return -1;
		}
		free(p->path);
		p->path = strdup(path);
	}
	if (!p->path)
		goto out_nomem;
	if (p->path[0] != '/' || strcmp(p->path, s.target_path)) {
		/* One name for one file: labels and results carry the canonical path. */
		char *real = realpath(p->path, NULL);

		if (real) {
			free(p->path);
			p->path = real;
		}
	}

	err = tb_elf__open(p->path, &elf);
	if (err) {
		tb_fail("cannot read %s: %s%s", p->path, strerror(-err),
			err == -ENOEXEC ? " (not an x86-64 ELF executable or shared library)" : "");
		goto out;
	}
	err = tb_elf__usdt_notes(elf, &notes, &nr);
	if (err) {
		tb_fail("cannot read the USDT notes of %s: %s", p->path, strerror(-err));
		goto out;
	}
	if (!nr) {
		tb_fail("%s has no USDT probes (no .note.stapsdt notes): build it with sys/sdt.h "
			"probes",
			p->path);
		goto out;
	}
	fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tb_fail("cannot open %s: %s", p->path, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < nr; i++) {
		uint64_t *offsets;

		if (strcmp(notes[i].provider, p->provider) || strcmp(notes[i].name, p->name))
			continue;
		bool *is_nop5;
		int kind = check_site(fd, p->path, p, notes[i].file_offset);

		if (kind < 0 || check_arg_specs(p, notes[i].args))
			goto out;
		offsets = realloc(p->site_offsets, (total + 1) * sizeof(*offsets));
		if (!offsets)
			goto out_nomem;
		p->site_offsets = offsets;
		is_nop5 = realloc(p->site_is_nop5, (total + 1) * sizeof(*is_nop5));
		if (!is_nop5)
			goto out_nomem;
		p->site_is_nop5 = is_nop5;
		p->site_is_nop5[total] = kind == 1;
		p->site_offsets[total++] = notes[i].file_offset;
		if (total == 1) {
			p->nr_args = tb_spec__usdt_nr_args(notes[i].args, &p->unsigned_args);
			p->semaphore = notes[i].semaphore != 0;
		}
	}
	if (!total) {
		tb_fail("no USDT probe %s:%s in %s (" PROG " -l %s lists the %zu it has)",
			p->provider, p->name, p->path, p->path, nr);
		goto out;
	}
	p->nr_sites = total;
	p->site_states = calloc(total, sizeof(*p->site_states));
	if (!p->site_states)
		goto out_nomem;
	if (strcmp(p->path, s.target_path))
		err = asprintf(&p->label, "%s:%s:%s", p->path, p->provider, p->name);
	else
		err = asprintf(&p->label, "%s:%s", p->provider, p->name);
	if (err < 0) {
		p->label = NULL;
		goto out_nomem;
	}
	ret = 0;
	goto out;
out_nomem:
	tb_fail("out of memory");
out:
	if (fd >= 0)
		close(fd);
	tb_usdt_notes__free(notes, nr);
	tb_elf__close(elf);
	return ret;
}

static void free_probe(struct probe *p)
{
	bpf_link__destroy(p->link);
	free(p->path);
	free(p->provider);
	free(p->name);
	free(p->label);
	free(p->site_offsets);
	free(p->site_states);
	free(p->site_is_nop5);
}

/* Checks an argument index against every probe it applies to. */
static int check_arg_index(int arg, const char *option, size_t nr_probes)
{
	for (size_t i = 0; i < nr_probes; i++) {
		const struct probe *p = &s.probes[i];

		if (arg >= 0 && arg >= p->nr_args) {
			tb_fail("%s %d: probe %s has %d argument%s (numbered from 0)", option, arg,
				p->label, p->nr_args, p->nr_args == 1 ? "" : "s");
			return -1;
		}
	}
	return 0;
}

/* ---- which path did each site take: int3 or the optimised nop5 call -------------------- */

static enum site_state classify_site(pid_t pid, uint64_t addr)
{
	unsigned char byte;
	struct iovec local = { .iov_base = &byte, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = 1 };

	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != 1)
		return SITE_UNKNOWN;
	switch (byte) {
	case 0xcc:
		return SITE_INT3;
	case 0xe8:
		return SITE_OPTIMISED;
	case 0x90:
	case 0x0f:
		return SITE_NOP;
	default:
		return SITE_UNKNOWN;
	}
}

/*
 * Reads every site back from the target's memory. The kernel first installs
 * an int3 and, on Linux 6.18 and later, rewrites a 5-byte nop site into a
 * call to the uprobe trampoline at its first hit; so a site's state only ever
 * moves towards "optimised", and the best state seen is kept.
 */
static bool trampoline_in(const struct tb_map *maps, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (maps[i].path && !strcmp(maps[i].path, "[uprobes-trampoline]"))
			return true;
	return false;
}

static void update_site_states(void)
{
	bool optimised_now = false;
	struct tb_map *maps;
	size_t nr;

	if (s.pid <= 0 || tb_maps__read(s.pid, &maps, &nr))
		return;
	s.trampoline_seen |= trampoline_in(maps, nr);
	for (size_t i = 0; i < s.nr_probes; i++) {
		struct probe *p = &s.probes[i];

		for (size_t j = 0; j < p->nr_sites; j++) {
			enum site_state now;
			uint64_t addr;

			if (p->site_states[j] == SITE_OPTIMISED)
				continue;
			if (tb_maps__offset_to_addr(maps, nr, p->path, p->site_offsets[j], &addr))
				continue;
			now = classify_site(s.pid, addr);
			if (now > p->site_states[j])
				p->site_states[j] = now;
			optimised_now |= now == SITE_OPTIMISED;
		}
	}
	tb_maps__free(maps, nr);
	/*
	 * The kernel maps the trampoline before it rewrites a site to call it: a
	 * site that became a call after the maps above were read is matched by
	 * reading them again (its state is settled, so there is no next pass).
	 */
	if (optimised_now && !s.trampoline_seen && !tb_maps__read(s.pid, &maps, &nr)) {
		s.trampoline_seen = trampoline_in(maps, nr);
		tb_maps__free(maps, nr);
	}
}

/*
 * Is any site's path still to be learnt? A site is settled once seen
 * optimised, or seen as an int3 if it is a 1-byte nop (only a 5-byte nop can
 * turn into a call later).
 */
static bool site_states_pending(void)
{
	for (size_t i = 0; i < s.nr_probes; i++) {
		const struct probe *p = &s.probes[i];

		for (size_t j = 0; j < p->nr_sites; j++) {
			if (p->site_states[j] < SITE_INT3 ||
			    (p->site_is_nop5[j] && p->site_states[j] != SITE_OPTIMISED))
				return true;
		}
	}
	return false;
}

static size_t sites_with(const struct probe *p, enum site_state state)
{
	size_t n = 0;

	for (size_t j = 0; j < p->nr_sites; j++)
		n += p->site_states[j] == state;
	return n;
}

/* "int3", "optimised", "int3 3, optimised 6", or "unknown". */
static void describe_sites(const struct probe *p, char *buf, size_t len)
{
	size_t int3 = sites_with(p, SITE_INT3), opt = sites_with(p, SITE_OPTIMISED);

	if (int3 && opt)
		snprintf(buf, len, "int3 %zu, optimised %zu", int3, opt);
	else if (opt)
		snprintf(buf, len, "optimised");
	else if (int3)
		snprintf(buf, len, "int3");
	else
		snprintf(buf, len, "unknown");
}

/* ---- listing ---------------------------------------------------------------------------- */

/*
 * Lists the probes of one file. With maps, addresses are where the process
 * has the sites mapped. Returns the number listed, or -1 (reported).
 */
static int list_file(const char *path, const char *shown, const struct tb_map *maps, size_t nr_maps,
		     const char *pattern, bool heading)
{
	struct tb_usdt_note *notes = NULL;
	struct tb_elf *elf = NULL;
	size_t nr = 0;
	int err, listed = 0;

	err = tb_elf__open(path, &elf);
	if (!err)
		err = tb_elf__usdt_notes(elf, &notes, &nr);
	if (err) {
		tb_elf__close(elf);
		if (maps)
			return 0; /* a mapping we cannot read as ELF holds no probes we can attach
				   */
		tb_fail("cannot read %s: %s%s", path, strerror(-err),
			err == -ENOEXEC ? " (not an x86-64 ELF executable or shared library)" : "");
		return -1;
	}
	for (size_t i = 0; i < nr; i++) {
		const struct tb_usdt_note *n = &notes[i];
		char probe[512], sem[32] = "-";
		uint64_t addr = n->addr;

		snprintf(probe, sizeof(probe), "%s:%s", n->provider, n->name);
		if (pattern && fnmatch(pattern, probe, 0))
			continue;
		if (maps && tb_maps__offset_to_addr(maps, nr_maps, path, n->file_offset, &addr))
			addr = 0;
		if (n->semaphore)
			snprintf(sem, sizeof(sem), "0x%" PRIx64, n->semaphore);
		if (heading && !listed)
			printf("%s\n", shown);
		printf("%s%-34s 0x%-14" PRIx64 " %-16s %d  %s\n", heading ? "  " : "", probe, addr,
		       sem, tb_spec__usdt_nr_args(n->args, NULL), n->args);
		listed++;
	}
	tb_usdt_notes__free(notes, nr);
	tb_elf__close(elf);
	return listed;
}

static int list_probes(const char *target, const char *pattern)
{
	struct tb_map *maps = NULL;
	size_t nr = 0;
	char why[256];
	int listed = 0, n;
	pid_t pid;

	if (tb_target__parse_pid(target, &pid) || access(target, F_OK) == 0) {
		printf("%-34s %-16s %-16s %s  %s\n", "PROBE", "ADDRESS", "SEMAPHORE", "N",
		       "ARGUMENTS");
		n = list_file(target, target, NULL, 0, pattern, false);
		if (n < 0)
			return 1;
		if (!n && !pattern) {
			tb_fail("%s has no USDT probes (no .note.stapsdt notes)", target);
			return 1;
		}
		return 0;
	}

	if (tb_target__check_pid(pid, why, sizeof(why))) {
		tb_fail("cannot list the probes of pid %d: %s", (int)pid, why);
		return 1;
	}
	n = tb_maps__read(pid, &maps, &nr);
	if (n) {
		tb_fail("cannot read /proc/%d/maps: %s%s", (int)pid, strerror(-n),
			n == -EACCES || n == -EPERM
				? " — run as root to list another user's process"
				: "");
		return 1;
	}
	printf("%-36s %-16s %-16s %s  %s\n", "PROBE (by file, run-time addresses)", "ADDRESS",
	       "SEMAPHORE", "N", "ARGUMENTS");
	for (size_t i = 0; i < nr; i++) {
		char path[PATH_MAX + 32];
		bool seen = false;

		if (!maps[i].path || maps[i].path[0] != '/')
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = maps[j].path && !strcmp(maps[j].path, maps[i].path);
		if (seen)
			continue;
		/* Through /proc/PID/root, the file as the process sees it, even in a container. */
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, maps[i].path);
		n = list_file(access(path, R_OK) ? maps[i].path : path, maps[i].path, maps, nr,
			      pattern, true);
		if (n > 0)
			listed += n;
	}
	tb_maps__free(maps, nr);
	if (!listed && !pattern)
		printf("pid %d maps no file with USDT probes\n", (int)pid);
	return 0;
}

/* ---- loading, attaching, collecting ------------------------------------------------------ */

static struct bpf_program *program_for(size_t index)
{
	switch (opts.mode) {
	case MODE_COUNT:
		return s.skel->progs.tb_usdt_count;
	case MODE_HIST:
		return index == 0 ? s.skel->progs.tb_usdt_entry : s.skel->progs.tb_usdt_return;
	case MODE_STREAM:
		return s.skel->progs.tb_usdt_stream;
	case MODE_EMPTY:
		return s.skel->progs.tb_usdt_empty;
	}
	return NULL;
}

static const char *attach_hint(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return " — run as root (CAP_BPF and CAP_PERFMON); Secure Boot lockdown can also "
		       "forbid it";
	case ESRCH:
		return " — the process is gone";
	case EINVAL:
		return " (-v shows libbpf's reason)";
	default:
		return "";
	}
}

static int handle_event(void *ctx, void *data, size_t size);

static int load_programs(void)
{
	int err;

	s.skel = tb_usdt_bpf__open();
	if (!s.skel) {
		tb_fail("cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	s.skel->rodata->count_by_arg = opts.mode == MODE_COUNT ? opts.by_arg : -1;
	s.skel->rodata->count_sum_arg = opts.mode == MODE_COUNT ? opts.sum_arg : -1;
	s.skel->rodata->hist_key_arg = opts.mode == MODE_HIST ? opts.by_arg : -1;
	s.skel->rodata->single_probe = s.nr_probes == 1;
	s.skel->rodata->wakeup_bytes = opts.ringbuf_size / 4;
	bpf_map__set_max_entries(s.skel->maps.value_stats, opts.max_keys);
	bpf_map__set_max_entries(s.skel->maps.histograms, opts.max_keys);
	/* Unused maps still get created: keep them at their smallest. */
	if (opts.mode == MODE_STREAM)
		bpf_map__set_max_entries(s.skel->maps.events, opts.ringbuf_size);
	else
		bpf_map__set_max_entries(s.skel->maps.events, sysconf(_SC_PAGESIZE));
	if (opts.mode != MODE_HIST)
		bpf_map__set_max_entries(s.skel->maps.thread_calls, 1);
	if (opts.mode != MODE_COUNT || (opts.by_arg < 0 && opts.sum_arg < 0))
		bpf_map__set_max_entries(s.skel->maps.value_stats, 1);
	if (opts.mode != MODE_HIST)
		bpf_map__set_max_entries(s.skel->maps.histograms, 1);

	for (size_t i = 0; i < s.nr_probes; i++)
		bpf_program__set_autoload(program_for(i), true);

	err = tb_usdt_bpf__load(s.skel);
	if (err) {
		tb_fail("cannot load the BPF programs: %s%s", strerror(-err),
			err == -EPERM	 ? " — run as root (CAP_BPF and CAP_PERFMON)"
			: err == -ENOMEM ? " — lower -k or -b, or raise the locked-memory limit"
					 : " (-v shows the verifier's log)");
		return -1;
	}
	if (opts.mode == MODE_STREAM) {
		s.ringbuf = ring_buffer__new(bpf_map__fd(s.skel->maps.events), handle_event, NULL,
					     NULL);
		if (!s.ringbuf) {
			tb_fail("cannot map the ring buffer: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int attach_probes(pid_t pid)
{
	for (size_t i = 0; i < s.nr_probes; i++) {
		struct probe *p = &s.probes[i];
		/* cppcheck-suppress unknownMacro ; libbpf declares with a macro (bpf/libbpf.h) */
		LIBBPF_OPTS(bpf_usdt_opts, uopts, .usdt_cookie = i);

		p->link = bpf_program__attach_usdt(program_for(i), pid, p->path, p->provider,
						   p->name, &uopts);
		if (!p->link) {
			int err = errno;

			tb_fail("cannot attach to %s in pid %d: %s%s", p->label, (int)pid,
				strerror(err), attach_hint(err));
			return -1;
		}
		verbose("attached to %s: %zu site%s%s", p->label, p->nr_sites,
			p->nr_sites == 1 ? "" : "s", p->semaphore ? ", semaphore" : "");
	}
	return 0;
}

static void detach_probes(void)
{
	for (size_t i = 0; i < s.nr_probes; i++) {
		bpf_link__destroy(s.probes[i].link);
		s.probes[i].link = NULL;
	}
}

static void print_event_header(void)
{
	if (!opts.quiet)
		printf("%-12s %-7s %-7s %-3s %-28s %s\n", "TIME(s)", "PID", "TID", "CPU", "PROBE",
		       "ARGS");
}

/* Standard output is closed or full (| head, >/dev/full): stop tracing, as SIGPIPE would. */
static void stdout_failed(void)
{
	if (!s.stdout_broken)
		s.stdout_errno = errno ? errno : EIO;
	s.stdout_broken = true;
	exiting = SIGPIPE;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct tb_usdt_event *e = data;
	struct probe *p;

	(void)ctx;
	if (size < sizeof(*e) || e->probe >= s.nr_probes)
		return 0;
	p = &s.probes[e->probe];
	p->seen++;
	if (opts.quiet || s.stdout_broken)
		return 0;
	printf("%-12.6f %-7u %-7u %-3u %-28s", (double)(e->time_ns - s.start_ns) / 1e9, e->pid,
	       e->tid, e->cpu, p->label);
	for (unsigned int i = 0; i < e->nr_args && i < TB_USDT_EVENT_ARGS; i++) {
		if (p->unsigned_args & (1u << i))
			printf(" %" PRIu64, (uint64_t)e->args[i]);
		else
			printf(" %" PRId64, e->args[i]);
	}
	if (putchar('\n') == EOF)
		stdout_failed();
	return 0;
}

/* A map could not be read: say so rather than report zeros. Returns -1. */
static int read_failed(const char *map, int err)
{
	tb_fail("cannot read the BPF map %s: %s", map, strerror(err));
	return -1;
}

static int read_probe_stats(void)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(s.skel->maps.probe_stats);
	struct tb_usdt_probe_stats *per_cpu;

	if (ncpus <= 0)
		return read_failed("probe_stats", -ncpus);
	per_cpu = calloc(ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return read_failed("probe_stats", ENOMEM);
	for (uint32_t i = 0; i < s.nr_probes; i++) {
		struct tb_usdt_probe_stats *sum = &s.probes[i].stats;

		memset(sum, 0, sizeof(*sum));
		if (bpf_map_lookup_elem(fd, &i, per_cpu)) {
			free(per_cpu);
			return read_failed("probe_stats", errno);
		}
		for (int c = 0; c < ncpus; c++) {
			sum->hits += per_cpu[c].hits;
			sum->lost_ringbuf += per_cpu[c].lost_ringbuf;
			sum->lost_map += per_cpu[c].lost_map;
			sum->lost_depth += per_cpu[c].lost_depth;
			sum->lost_arg += per_cpu[c].lost_arg;
			sum->arg_errors += per_cpu[c].arg_errors;
			sum->unpaired += per_cpu[c].unpaired;
		}
	}
	free(per_cpu);
	return 0;
}

static int compare_values(const void *a, const void *b)
{
	const struct value_row *x = a, *y = b;

	if (x->probe != y->probe)
		return x->probe < y->probe ? -1 : 1;
	return (x->value > y->value) - (x->value < y->value);
}

static int compare_hists(const void *a, const void *b)
{
	const struct hist_row *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/*
 * Calls add(key, per_cpu, ncpus) for every entry of a per-CPU hash map,
 * per_cpu holding the entry's value on each possible CPU. Returns 0, or -1
 * (reported) if the map cannot be read or add runs out of memory.
 */
static int for_each_entry(const struct bpf_map *map,
			  int (*add)(const void *key, const void *per_cpu, int ncpus))
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(map), err = 0;
	size_t key_size = bpf_map__key_size(map);
	char *key = calloc(2, key_size), *next = key ? key + key_size : NULL;
	void *per_cpu = ncpus > 0 ? calloc(ncpus, bpf_map__value_size(map)) : NULL;
	bool first = true;

	if (ncpus <= 0)
		err = -ncpus;
	else if (!key || !per_cpu)
		err = ENOMEM;
	while (!err && !bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		memcpy(key, next, key_size);
		first = false;
		if (bpf_map_lookup_elem(fd, key, per_cpu))
			err = errno;
		else if (add(key, per_cpu, ncpus))
			err = ENOMEM;
	}
	free(key);
	free(per_cpu);
	return err ? read_failed(bpf_map__name(map), err) : 0;
}

/* The kernel lays per-CPU values out 8-byte aligned: the callbacks index them as arrays. */
_Static_assert(sizeof(struct tb_usdt_value_stats) % 8 == 0, "per-CPU value stride");
_Static_assert(sizeof(struct tb_usdt_hist) % 8 == 0, "per-CPU value stride");

static int add_value(const void *key, const void *per_cpu, int ncpus)
{
	const struct tb_usdt_value_key *k = key;
	const struct tb_usdt_value_stats *v = per_cpu;
	struct value_row *rows = realloc(s.values, (s.nr_values + 1) * sizeof(*rows)), *r;

	if (!rows)
		return -ENOMEM;
	s.values = rows;
	r = &s.values[s.nr_values++];
	*r = (struct value_row){ .probe = k->probe, .value = k->value };
	for (int c = 0; c < ncpus; c++) {
		r->stats.count += v[c].count;
		r->stats.sum += v[c].sum;
	}
	return 0;
}

static int add_hist(const void *key, const void *per_cpu, int ncpus)
{
	const struct tb_usdt_hist *h = per_cpu;
	struct hist_row *rows = realloc(s.hists, (s.nr_hists + 1) * sizeof(*rows)), *r;

	if (!rows)
		return -ENOMEM;
	s.hists = rows;
	r = &s.hists[s.nr_hists++];
	memset(r, 0, sizeof(*r));
	r->key = *(const int64_t *)key;
	for (int c = 0; c < ncpus; c++) {
		for (int b = 0; b < TB_USDT_HIST_SLOTS; b++)
			r->hist.slots[b] += h[c].slots[b];
		r->hist.count += h[c].count;
		r->hist.sum_ns += h[c].sum_ns;
	}
	return 0;
}

static int read_values(void)
{
	if (for_each_entry(s.skel->maps.value_stats, add_value))
		return -1;
	if (s.nr_values)
		qsort(s.values, s.nr_values, sizeof(*s.values), compare_values);
	return 0;
}

static int read_hists(void)
{
	if (for_each_entry(s.skel->maps.histograms, add_hist))
		return -1;
	if (s.nr_hists)
		qsort(s.hists, s.nr_hists, sizeof(*s.hists), compare_hists);
	return 0;
}

static uint64_t lost_of(const struct probe *p)
{
	const struct tb_usdt_probe_stats *st = &p->stats;

	return st->lost_ringbuf + st->lost_map + st->lost_depth + st->lost_arg;
}

/*
 * What the result's "counts" holds for a probe: the events the mode recorded.
 * With hits - lost - unpaired for the BPF side's view and, in stream mode,
 * the events that reached us, which must be the same number.
 */
static uint64_t recorded_of(const struct probe *p)
{
	if (opts.mode == MODE_STREAM)
		return p->seen;
	return p->stats.hits - lost_of(p) - p->stats.unpaired;
}

/* An argument's value as its note types it: unsigned ("8@...") or signed ("-8@..."). */
static void format_value(char *buf, size_t len, const struct probe *p, int arg, int64_t v)
{
	if (arg >= 0 && arg < 32 && (p->unsigned_args & (1u << arg)))
		snprintf(buf, len, "%" PRIu64, (uint64_t)v);
	else
		snprintf(buf, len, "%" PRId64, v);
}

static void print_value(FILE *f, const struct probe *p, int arg, int64_t v, int width)
{
	char buf[32];

	format_value(buf, sizeof(buf), p, arg, v);
	fprintf(f, "%*s", width, buf);
}

/* ---- output ----------------------------------------------------------------------------- */

static void print_summary(uint64_t duration_ns)
{
	struct tb_usdt_probe_stats all = {};
	uint64_t lost = 0;
	char via[64];

	printf("\n%s: %s mode, pid %d, %.3f s", PROG, mode_names[opts.mode], (int)s.pid,
	       duration_ns / 1e9);
	if (opts.mode == MODE_STREAM)
		printf(", ring buffer %lu bytes", opts.ringbuf_size);
	printf("\n%-40s %14s %12s %6s  %s\n", "PROBE", "RECORDED", "LOST", "SITES", "HIT VIA");
	for (size_t i = 0; i < s.nr_probes; i++) {
		const struct probe *p = &s.probes[i];

		describe_sites(p, via, sizeof(via));
		if (opts.mode == MODE_EMPTY)
			printf("%-40s %14s %12s %6zu  %s\n", p->label, "-", "-", p->nr_sites, via);
		else
			printf("%-40s %14" PRIu64 " %12" PRIu64 " %6zu  %s\n", p->label,
			       recorded_of(p), lost_of(p), p->nr_sites, via);
		lost += lost_of(p);
		all.hits += p->stats.hits;
		all.lost_ringbuf += p->stats.lost_ringbuf;
		all.lost_map += p->stats.lost_map;
		all.lost_depth += p->stats.lost_depth;
		all.lost_arg += p->stats.lost_arg;
		all.arg_errors += p->stats.arg_errors;
		all.unpaired += p->stats.unpaired;
	}
	if (opts.mode == MODE_EMPTY)
		printf("(the empty program counts nothing: it is the baseline for the cost of a "
		       "hit)\n");

	if (opts.mode == MODE_COUNT && s.nr_values) {
		for (size_t i = 0; i < s.nr_probes; i++) {
			printf("\n%s", s.probes[i].label);
			if (opts.by_arg >= 0)
				printf(" by arg%d", opts.by_arg);
			printf(":\n");
			if (opts.by_arg >= 0)
				printf("  %20s", "VALUE");
			printf(" %14s", "COUNT");
			if (opts.sum_arg >= 0)
				printf(" %24s%2d)", "SUM(arg", opts.sum_arg);
			printf("\n");
			for (size_t j = 0; j < s.nr_values; j++) {
				const struct value_row *r = &s.values[j];

				if (r->probe != i)
					continue;
				if (opts.by_arg >= 0)
					print_value(stdout, &s.probes[i], opts.by_arg, r->value,
						    22);
				printf(" %14" PRIu64, r->stats.count);
				if (opts.sum_arg >= 0)
					printf(" %28" PRIu64, r->stats.sum);
				printf("\n");
			}
		}
	}

	if (opts.mode == MODE_HIST) {
		for (size_t i = 0; i < s.nr_hists; i++) {
			const struct hist_row *r = &s.hists[i];

			printf("\n%s -> %s", s.probes[0].label, s.probes[1].label);
			if (opts.by_arg >= 0) {
				printf(", arg%d = ", opts.by_arg);
				print_value(stdout, &s.probes[0], opts.by_arg, r->key, 0);
			}
			printf(":\n");
			tb_hist__print(stdout, r->hist.slots, TB_USDT_HIST_SLOTS, "nsecs");
			printf("  pairs %" PRIu64 ", average %.0f ns, total %.3f ms\n",
			       r->hist.count,
			       r->hist.count ? (double)r->hist.sum_ns / r->hist.count : 0.0,
			       r->hist.sum_ns / 1e6);
		}
		if (!s.nr_hists)
			printf("\nno entry/return pair seen\n");
	}

	printf("\nlost: %" PRIu64, lost);
	if (all.lost_ringbuf)
		printf("; ring buffer full: %" PRIu64, all.lost_ringbuf);
	if (all.lost_map)
		printf("; a map full (-k %lu values, or 65536 threads): %" PRIu64, opts.max_keys,
		       all.lost_map);
	if (all.lost_depth)
		printf("; nested deeper than %d: %" PRIu64, TB_USDT_MAX_DEPTH, all.lost_depth);
	if (all.lost_arg)
		printf("; key argument unreadable: %" PRIu64, all.lost_arg);
	if (all.arg_errors)
		printf("; unreadable arguments in all: %" PRIu64, all.arg_errors);
	if (opts.mode == MODE_HIST)
		printf("; returns without a recorded entry (the call began before tracing began): "
		       "%" PRIu64,
		       all.unpaired);
	printf("\n");
	if (opts.mode == MODE_STREAM) {
		uint64_t seen = 0;

		for (size_t i = 0; i < s.nr_probes; i++) {
			const struct probe *p = &s.probes[i];

			seen += p->seen;
			if (p->stats.hits != p->seen + lost_of(p))
				printf("MISMATCH at %s: hits %" PRIu64 " != seen %" PRIu64
				       " + lost %" PRIu64 ": events unaccounted for\n",
				       p->label, p->stats.hits, p->seen, lost_of(p));
		}
		printf("hits %" PRIu64 " = seen %" PRIu64 " + lost %" PRIu64 "%s\n", all.hits, seen,
		       lost, all.hits == seen + lost ? "" : " (MISMATCH: events unaccounted for)");
	}
}

static void emit_probes(struct tb_json_writer *w, void *ctx)
{
	(void)ctx;
	tb_json_writer__begin_object(w);
	for (size_t i = 0; i < s.nr_probes; i++) {
		const struct probe *p = &s.probes[i];

		tb_json_writer__key(w, p->label);
		tb_json_writer__begin_object(w);
		tb_json_writer__key(w, "path");
		tb_json_writer__string(w, p->path);
		tb_json_writer__key(w, "sites");
		tb_json_writer__u64(w, p->nr_sites);
		tb_json_writer__key(w, "semaphore");
		tb_json_writer__bool(w, p->semaphore);
		if (opts.mode != MODE_EMPTY) {
			/* The empty program counts nothing: no numbers rather than zeros. */
			const struct {
				const char *key;
				uint64_t v;
				bool shown;
			} fields[] = {
				{ "hits", p->stats.hits, true },
				{ "seen", p->seen, opts.mode == MODE_STREAM },
				{ "lost_ringbuf", p->stats.lost_ringbuf, opts.mode == MODE_STREAM },
				{ "lost_map", p->stats.lost_map, opts.mode != MODE_STREAM },
				{ "lost_depth", p->stats.lost_depth, opts.mode == MODE_HIST },
				{ "lost_arg", p->stats.lost_arg, opts.mode != MODE_STREAM },
				{ "arg_errors", p->stats.arg_errors, true },
				{ "unpaired", p->stats.unpaired, opts.mode == MODE_HIST },
			};

			for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
				if (!fields[f].shown)
					continue;
				tb_json_writer__key(w, fields[f].key);
				tb_json_writer__u64(w, fields[f].v);
			}
		}
		tb_json_writer__key(w, "sites_int3");
		tb_json_writer__u64(w, sites_with(p, SITE_INT3));
		tb_json_writer__key(w, "sites_optimised");
		tb_json_writer__u64(w, sites_with(p, SITE_OPTIMISED));
		tb_json_writer__end_object(w);
	}
	tb_json_writer__end_object(w);
}

static void emit_values(struct tb_json_writer *w, void *ctx)
{
	(void)ctx;
	tb_json_writer__begin_object(w);
	for (size_t i = 0; i < s.nr_probes; i++) {
		tb_json_writer__key(w, s.probes[i].label);
		tb_json_writer__begin_object(w);
		for (size_t j = 0; j < s.nr_values; j++) {
			const struct value_row *r = &s.values[j];
			char key[32];

			if (r->probe != i)
				continue;
			format_value(key, sizeof(key), &s.probes[i], opts.by_arg, r->value);
			tb_json_writer__key(w, opts.by_arg >= 0 ? key : "all");
			tb_json_writer__begin_object(w);
			tb_json_writer__key(w, "count");
			tb_json_writer__u64(w, r->stats.count);
			if (opts.sum_arg >= 0) {
				tb_json_writer__key(w, "sum");
				tb_json_writer__u64(w, r->stats.sum);
			}
			tb_json_writer__end_object(w);
		}
		tb_json_writer__end_object(w);
	}
	tb_json_writer__end_object(w);
}

static void emit_hists(struct tb_json_writer *w, void *ctx)
{
	(void)ctx;
	tb_json_writer__begin_object(w);
	for (size_t i = 0; i < s.nr_hists; i++) {
		const struct hist_row *r = &s.hists[i];
		char key[32];

		format_value(key, sizeof(key), &s.probes[0], opts.by_arg, r->key);
		tb_json_writer__key(w, opts.by_arg >= 0 ? key : "all");
		tb_json_writer__begin_object(w);
		tb_json_writer__key(w, "count");
		tb_json_writer__u64(w, r->hist.count);
		tb_json_writer__key(w, "sum_ns");
		tb_json_writer__u64(w, r->hist.sum_ns);
		tb_json_writer__key(w, "buckets");
		tb_json_writer__begin_array(w);
		for (unsigned int b = 0; b < TB_USDT_HIST_SLOTS; b++) {
			if (!r->hist.slots[b])
				continue;
			tb_json_writer__begin_object(w);
			tb_json_writer__key(w, "low_ns");
			tb_json_writer__u64(w, tb_hist__bucket_low(b));
			tb_json_writer__key(w, "high_ns");
			/* The last bucket also holds everything above it. */
			tb_json_writer__u64(w, b == TB_USDT_HIST_SLOTS - 1
						       ? UINT64_MAX
						       : tb_hist__bucket_high(b));
			tb_json_writer__key(w, "count");
			tb_json_writer__u64(w, r->hist.slots[b]);
			tb_json_writer__end_object(w);
		}
		tb_json_writer__end_array(w);
		tb_json_writer__end_object(w);
	}
	tb_json_writer__end_object(w);
}

static int write_result(uint64_t duration_ns, uint64_t attach_ns, uint64_t detach_ns,
			int exit_status)
{
	struct tb_result *r = tb_result__new("usdt", mode_names[opts.mode], s.pid);
	int err = 0;

	if (!r) {
		tb_fail("cannot build the result: %s", strerror(errno));
		return -1;
	}
	r->duration_ns = duration_ns;
	r->attach_ns = attach_ns;
	r->tracer_cpu_ns = tb_result__self_cpu_ns();
	for (size_t i = 0; i < s.nr_probes && !err; i++) {
		if (opts.mode != MODE_EMPTY)
			err = tb_result__add_count(r, s.probes[i].label, recorded_of(&s.probes[i]));
		r->lost += lost_of(&s.probes[i]);
	}
	if (!err)
		err = tb_result__set_extra_emit(r, "probes", emit_probes, NULL);
	if (!err && opts.mode == MODE_COUNT && (opts.by_arg >= 0 || opts.sum_arg >= 0)) {
		if (opts.by_arg >= 0)
			err = tb_result__set_extra_i64(r, "by_arg", opts.by_arg);
		if (!err && opts.sum_arg >= 0)
			err = tb_result__set_extra_i64(r, "sum_arg", opts.sum_arg);
		if (!err)
			err = tb_result__set_extra_emit(r, "values", emit_values, NULL);
	}
	if (!err && opts.mode == MODE_HIST) {
		err = tb_result__set_extra_str(r, "entry", s.probes[0].label);
		if (!err)
			err = tb_result__set_extra_str(r, "return", s.probes[1].label);
		if (!err && opts.by_arg >= 0)
			err = tb_result__set_extra_i64(r, "by_arg", opts.by_arg);
		if (!err)
			err = tb_result__set_extra_emit(r, "histograms", emit_hists, NULL);
	}
	if (!err && opts.mode == MODE_STREAM)
		err = tb_result__set_extra_u64(r, "ringbuf_size", opts.ringbuf_size);
	if (!err)
		err = tb_result__set_extra_bool(r, "uprobes_trampoline", s.trampoline_seen);
	if (!err)
		err = tb_result__set_extra_bool(r, "kernel_btf", have_kernel_btf());
	if (!err && exit_status >= 0)
		err = tb_result__set_extra_i64(r, "target_exit_status", exit_status);
	/* Both from main's start on CLOCK_MONOTONIC, which bpf_ktime_get_ns() reads too. */
	if (!err && s.skel->bss->first_hit_ns > tool_start_ns)
		err = tb_result__set_extra_u64(r, "first_event_ns",
					       s.skel->bss->first_hit_ns - tool_start_ns);
	if (!err && detach_ns)
		err = tb_result__set_extra_u64(r, "detach_ns", detach_ns);
	if (!err) {
		err = tb_result__write(r, opts.output);
		if (err)
			tb_fail("cannot write %s: %s", opts.output, strerror(-err));
	} else {
		tb_fail("cannot build the result: %s", strerror(-err));
	}
	tb_result__free(r);
	return err ? -1 : 0;
}

/* ---- options ---------------------------------------------------------------------------- */

static int parse_uint(const char *s, unsigned long max, unsigned long *v, bool suffixes)
{
	unsigned long long n, mult = 1;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (suffixes && (*end == 'K' || *end == 'k'))
		mult = 1024, end++;
	else if (suffixes && (*end == 'M' || *end == 'm'))
		mult = 1024 * 1024, end++;
	if (*end)
		return -EINVAL;
	if (n > max / mult)
		return -ERANGE;
	*v = n * mult;
	return 0;
}

static int parse_options(int argc, char **argv, const char **list_target, bool *check)
{
	static const struct option long_opts[] = {
		{ "list", required_argument, NULL, 'l' },
		{ "pid", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "by-arg", required_argument, NULL, 'a' },
		{ "sum-arg", required_argument, NULL, 's' },
		{ "ringbuf-size", required_argument, NULL, 'b' },
		{ "max-keys", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:p:m:a:s:b:k:qd:o:u:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			*list_target = optarg;
			break;
		case 'p':
			if (tb_target__parse_pid(optarg, &opts.pid)) {
				tb_fail("-p %s: not a process id (a positive decimal number)",
					optarg);
				return -1;
			}
			break;
		case 'm': {
			size_t m;

			for (m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
				if (!strcmp(optarg, mode_names[m]))
					break;
			if (m == sizeof(mode_names) / sizeof(mode_names[0])) {
				tb_fail("-m %s: unknown mode; use count, hist, stream or empty",
					optarg);
				return -1;
			}
			opts.mode = m;
			break;
		}
		case 'a':
		case 's':
			if (parse_uint(optarg, 11, &v, false)) {
				tb_fail("-%c %s: an argument number is 0 to 11", c, optarg);
				return -1;
			}
			*(c == 'a' ? &opts.by_arg : &opts.sum_arg) = v;
			break;
		case 'b':
			if (parse_uint(optarg, 1ul << 30, &v, true) || v < 4096 || (v & (v - 1))) {
				tb_fail("-b %s: the ring buffer size must be a power of two from "
					"4096 (4K) to 1073741824 (1024M)",
					optarg);
				return -1;
			}
			opts.ringbuf_size = v;
			opts.ringbuf_size_given = true;
			break;
		case 'k':
			if (parse_uint(optarg, MAX_KEYS, &v, false) || !v) {
				tb_fail("-k %s: the number of keys must be 1 to %lu", optarg,
					MAX_KEYS);
				return -1;
			}
			opts.max_keys = v;
			opts.max_keys_given = true;
			break;
		case 'q':
			opts.quiet = true;
			break;
		case 'd':
			if (tb_target__parse_seconds(optarg, &opts.duration_s)) {
				tb_fail("-d %s: the duration must be " TB_DURATION_RANGE, optarg);
				return -1;
			}
			break;
		case 'o':
			opts.output = optarg;
			break;
		case 'u':
			opts.user = optarg;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'C':
			*check = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			tb_fail("option %s needs a value (" PROG " -h for help)", argv[optind - 1]);
			return -1;
		default:
			tb_fail("unknown option %s (" PROG " -h for help)", argv[optind - 1]);
			return -1;
		}
	}
	return 0;
}

static int check_mode_options(void)
{
	if (opts.mode == MODE_HIST && s.nr_probes != 2) {
		tb_fail("-m hist pairs an entry probe with a return probe: give exactly two "
			"PROBEs, "
			"not %zu",
			s.nr_probes);
		return -1;
	}
	if ((opts.mode == MODE_STREAM || opts.mode == MODE_EMPTY) &&
	    (opts.by_arg >= 0 || opts.sum_arg >= 0)) {
		tb_fail("-a and -s apply to -m count (and -a to -m hist), not to -m %s",
			mode_names[opts.mode]);
		return -1;
	}
	if (opts.mode == MODE_HIST && opts.sum_arg >= 0) {
		tb_fail("-s applies to -m count only");
		return -1;
	}
	/* Taken and ignored, they would let one believe they did something. */
	if (opts.ringbuf_size_given && opts.mode != MODE_STREAM) {
		tb_fail("-b sizes the ring buffer of -m stream, not of -m %s",
			mode_names[opts.mode]);
		return -1;
	}
	if (opts.max_keys_given && opts.by_arg < 0) {
		tb_fail("-k bounds the values kept per argument: it goes with -a (-m count or "
			"hist)");
		return -1;
	}
	if (opts.mode == MODE_HIST)
		return check_arg_index(opts.by_arg, "-a", 1);
	if (check_arg_index(opts.by_arg, "-a", s.nr_probes) ||
	    check_arg_index(opts.sum_arg, "-s", s.nr_probes))
		return -1;
	return 0;
}

/* ---- main ------------------------------------------------------------------------------- */

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int main(int argc, char **argv)
{
	char exe[64], real[PATH_MAX];
	ssize_t n;
	const char *list_target = NULL;
	uint64_t duration_ns = 0, attach_ns = 0, detach_ns = 0, deadline = 0;
	int argc_opts = argc, ret = 1, exit_status = -1, err, status;
	bool check = false, target_exited = false, released = false, collect_failed = false;
	char why[512];

	tb_msg__hold_std_fds();
	tool_start_ns = now_ns();
	argc_opts = tb_child__split_argv(argc, argv, &opts.command);
	if (parse_options(argc_opts, argv, &list_target, &check))
		return 1;
	libbpf_set_print(libbpf_print);

	if (check) {
		if (check_environment(why, sizeof(why))) {
			printf("skipped: %s\n", why);
			return 77;
		}
		printf("ok: BPF and uprobes available; kernel BTF %s (not needed)\n",
		       have_kernel_btf() ? "present" : "absent");
		return 0;
	}
	if (list_target) {
		if (tb_child__user_option(opts.user, false))
			return 1;
		if (optind + 1 < argc_opts) {
			tb_fail("-l takes one TARGET and at most one PATTERN");
			return 1;
		}
		ret = list_probes(list_target, optind < argc_opts ? argv[optind] : NULL);
		if (tb_msg__check_stdout("the list"))
			ret = 1;
		return ret;
	}

	if (optind == argc_opts) {
		tb_fail("no PROBE given: name one as [PATH:]PROVIDER:NAME (" PROG
			" -l FILE lists a file's probes; -h for help)");
		return 1;
	}
	if (!opts.pid == !opts.command) {
		tb_fail(opts.pid ? "give -p PID or -- COMMAND, not both"
				 : "no target: give -p PID, or -- COMMAND [ARGS] to start one");
		return 1;
	}
	if (opts.command && !opts.command[0]) {
		tb_fail("no COMMAND after --");
		return 1;
	}
	if (tb_child__user_option(opts.user, opts.command))
		return 1;
	if (argc_opts - optind > TB_USDT_MAX_PROBES) {
		tb_fail("at most %d probes at once", TB_USDT_MAX_PROBES);
		return 1;
	}

	if (tb_result__check_output(opts.output, "the result", "-o"))
		return 1;

	/* Before anything is attached: a signal only sets a flag, the loop below cleans up. */
	install_signals();

	if (opts.pid) {
		s.pid = opts.pid;
		if (tb_target__check_pid(s.pid, why, sizeof(why))) {
			tb_fail("cannot trace pid %d: %s", (int)s.pid, why);
			return 1;
		}
		/* Pinned now: should the pid be reused, we see the exit, not the newcomer. */
		s.pidfd = tb_target__pidfd(s.pid);
		if (s.pidfd < 0) {
			tb_fail("cannot watch pid %d: %s", (int)s.pid, strerror(-s.pidfd));
			return 1;
		}

		/*
		 * The executable by its path when this process sees the same file there;
		 * otherwise (deleted, or in another mount namespace) through /proc/PID/exe.
		 */
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)s.pid);
		n = readlink(exe, real, sizeof(real) - 1);
		if (n < 0) {
			tb_fail("cannot read %s: %s%s", exe, strerror(errno),
				errno == EACCES || errno == EPERM
					? " — run as root to trace another user's process"
					: "");
			close(s.pidfd);
			return 1;
		}
		real[n] = 0;
		snprintf(s.target_path, sizeof(s.target_path), "%s", exe);
		if (real[0] == '/' && !strstr(real, " (deleted)") && !access(real, R_OK)) {
			struct stat a, b;

			if (!stat(real, &a) && !stat(exe, &b) && a.st_dev == b.st_dev &&
			    a.st_ino == b.st_ino)
				snprintf(s.target_path, sizeof(s.target_path), "%s", real);
		}
	} else {
		err = tb_target__which(opts.command[0], s.target_path, sizeof(s.target_path));
		if (err) {
			tb_fail("cannot run %s: %s", opts.command[0], tb_child__strerror(err));
			return 1;
		}
		char *resolved = realpath(s.target_path, NULL);

		if (resolved) {
			snprintf(s.target_path, sizeof(s.target_path), "%s", resolved);
			free(resolved);
		}
	}

	for (int i = optind; i < argc_opts; i++) {
		struct probe *p = &s.probes[s.nr_probes++];

		err = parse_spec(p, argv[i]);
		if (err) {
			tb_fail("bad probe '%s': %s", argv[i],
				err == -ENOMEM ? "out of memory"
					       : "expected [PATH:]PROVIDER:NAME, e.g. "
						 "tracebench:method_entry");
			goto out;
		}
		if (resolve_probe(p))
			goto out;
		for (size_t j = 0; j + 1 < s.nr_probes; j++) {
			if (!strcmp(s.probes[j].label, p->label)) {
				tb_fail("probe %s is given twice", p->label);
				goto out;
			}
		}
	}
	if (check_mode_options())
		goto out;
	if (check_environment(why, sizeof(why))) {
		tb_fail("%s", why);
		goto out;
	}
	verbose("kernel BTF %s (not needed: the programs read no kernel structure)",
		have_kernel_btf() ? "present" : "absent");

	if (opts.command) {
		/* Held before exec: the probes are in place before the program's first instruction.
		 */
		err = tb_child__spawn(&s.child, opts.command);
		if (err) {
			tb_fail("cannot start %s: %s", opts.command[0], strerror(-err));
			goto out;
		}
		s.started = true;
		s.pid = s.child.pid;
	}
	if (load_programs() || attach_probes(s.pid))
		goto out;
	/* Set-up and attach: from main's start, so the ELF reading counts too. */
	attach_ns = now_ns() - tool_start_ns;
	if (s.pidfd < 0) {
		s.pidfd = tb_target__pidfd(s.pid);
		if (s.pidfd < 0) {
			tb_fail("cannot watch pid %d: %s", (int)s.pid, strerror(-s.pidfd));
			goto out;
		}
	}
	if (exiting) {
		tb_fail("stopped by signal %d before tracing began: detached, nothing recorded%s",
			(int)exiting, opts.command ? ", the command not run" : "");
		goto out;
	}

	/* Every probe is attached: from here on they count together. */
	s.start_ns = now_ns();
	s.skel->bss->tracing = true;
	if (opts.command) {
		err = tb_child__exec(&s.child);
		if (err) {
			tb_fail("cannot run %s: %s", opts.command[0], tb_child__strerror(err));
			goto out;
		}
		/* A program that waits at the start gate (the workload does) may go at once. */
		tb_child__release(&s.child);
	}
	released = true;

	if (opts.duration_s)
		deadline = s.start_ns + (uint64_t)(opts.duration_s * 1e9);
	if (opts.mode == MODE_STREAM)
		print_event_header();
	if (!opts.quiet)
		fprintf(stderr, "%s: tracing %zu probe%s in pid %d; Ctrl-C to stop\n", PROG,
			s.nr_probes, s.nr_probes == 1 ? "" : "s", (int)s.pid);

	/* Sites are read back often at first (a short run may end soon), then every 100 ms. */
	while (!exiting) {
		uint64_t now = now_ns();
		int timeout = now - s.start_ns < 1000000000ull ? 10 : 100;

		if (deadline && now >= deadline) {
			stop_request_ns = deadline;
			break;
		}
		if (deadline && (deadline - now) / 1000000 < (uint64_t)timeout)
			timeout = (deadline - now) / 1000000 + 1;
		if (site_states_pending())
			update_site_states();
		if (s.ringbuf) {
			/*
			 * The BPF side wakes us only when a quarter of the buffer waits;
			 * the poll's timeout is the clock that reads the rest.
			 */
			err = ring_buffer__poll(s.ringbuf, timeout);
			if (err >= 0 || err == -EINTR)
				err = ring_buffer__consume(s.ringbuf);
			if (err < 0 && err != -EINTR) {
				tb_fail("cannot read the ring buffer: %s", strerror(-err));
				collect_failed = true;
				break;
			}
			if (!s.stdout_broken && fflush(stdout))
				stdout_failed();
		} else {
			struct pollfd pfd = { .fd = s.pidfd, .events = POLLIN };

			poll(&pfd, 1, timeout);
		}
		if (tb_target__exited(s.pidfd)) {
			target_exited = true;
			break;
		}
	}
	if (!target_exited)
		update_site_states();

	/*
	 * Stop counting, then detach, then drain: every hit counted happened
	 * inside duration_ns, and every record in the ring buffer is read.
	 */
	s.skel->bss->tracing = false;
	duration_ns = now_ns() - s.start_ns;
	detach_probes();
	/* From the stop request (a signal, -d) to every probe detached; none if the target ended */
	if (stop_request_ns && !target_exited)
		detach_ns = now_ns() - stop_request_ns;
	if (s.ringbuf)
		ring_buffer__consume(s.ringbuf);
	if (read_probe_stats() || (opts.mode == MODE_COUNT && read_values()) ||
	    (opts.mode == MODE_HIST && read_hists()))
		collect_failed = true;

	ret = 0;
	if (s.started && !target_exited) {
		/* A Ctrl-C at the terminal reaches the command too: give it a moment to end. */
		struct pollfd pfd = { .fd = s.pidfd, .events = POLLIN };

		target_exited = poll(&pfd, 1, 200) > 0;
	}
	if (s.started) {
		if (target_exited && tb_child__wait(&s.child, &status)) {
			tb_fail("cannot learn how %s (pid %d) ended: %s", opts.command[0],
				(int)s.pid, strerror(errno));
			ret = 1;
		} else if (target_exited) {
			exit_status = status_code(status);
			ret = exit_status;
			if (exit_status)
				fprintf(stderr, "%s: %s exited with status %d\n", PROG,
					opts.command[0], exit_status);
		} else {
			fprintf(stderr, "%s: stopped tracing; %s (pid %d) runs on untraced\n", PROG,
				opts.command[0], (int)s.pid);
		}
	} else if (target_exited) {
		fprintf(stderr, "%s: pid %d exited after %.3f s of tracing%s\n", PROG, (int)s.pid,
			duration_ns / 1e9,
			deadline ? ", before the -d duration ended: the counts cover its life "
				   "until then"
				 : "");
		if (deadline)
			ret = 1;
	}
	if (collect_failed) {
		/* Partial numbers would look like measurements: report none. */
		ret = 1;
		goto out;
	}
	if (!s.stdout_broken) {
		print_summary(duration_ns);
		if (fflush(stdout) || ferror(stdout))
			stdout_failed();
	}
	if (s.stdout_broken) {
		tb_fail("cannot write to standard output (%s): stopped tracing and detached%s",
			strerror(s.stdout_errno),
			opts.output ? "; the result file has everything" : "");
		ret = 1;
	}
	if (opts.output && write_result(duration_ns, attach_ns, detach_ns, exit_status))
		ret = 1;
out:
	detach_probes();
	ring_buffer__free(s.ringbuf);
	tb_usdt_bpf__destroy(s.skel);
	if (s.pidfd >= 0)
		close(s.pidfd);
	if (s.started && !released)
		tb_child__kill(&s.child); /* set-up failed: the command must not run untraced */
	tb_child__close(&s.child);
	for (size_t i = 0; i < s.nr_probes; i++)
		free_probe(&s.probes[i]);
	free(s.values);
	free(s.hists);
	return ret;
}
