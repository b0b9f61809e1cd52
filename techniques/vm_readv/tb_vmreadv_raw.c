/* tb_vmreadv_raw.c - tb-vmreadv's profile, and the raw recording `report` reads back */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb_msg.h"
#include "tb_vmreadv_raw.h"

#define PROG "tb-vmreadv"

int profile_add(struct profile *p, const char *const *names, uint32_t depth)
{
	char folded[TB_STACK_MAX_DEPTH * 72 + 32];
	size_t len = 0;
	int err;

	if (!depth) {
		p->idle++;
		return 0;
	}
	for (uint32_t d = 0; d < depth && len < sizeof(folded); d++) {
		bool seen = false;

		len += snprintf(folded + len, sizeof(folded) - len, "%s%s", d ? ";" : "", names[d]);
		for (uint32_t e = 0; e < d && !seen; e++)
			seen = !strcmp(names[e], names[d]);
		if (!seen && (err = tb_tally__add(&p->total, names[d], 1)))
			return err;
	}
	if ((err = tb_tally__add(&p->stacks, folded, 1)) ||
	    (err = tb_tally__add(&p->self, names[depth - 1], 1)))
		return err;
	p->samples++;
	p->truncated += !strcmp(names[depth - 1], TRUNCATED_FRAME);
	return 0;
}

void profile_free(struct profile *p)
{
	tb_tally__free(&p->stacks);
	tb_tally__free(&p->self);
	tb_tally__free(&p->total);
}

void raw_header(FILE *f, const struct profile *p, const struct tb_stack_reader *r)
{
	fprintf(f, "%s\npid %d\nmode %s\nrate_hz %.17g\nretries_max %d\nrealtime %d\nreader %s\n",
		RAW_MAGIC, (int)p->pid, p->blocking ? "blocking" : "nonblocking", p->rate_hz,
		p->retries_max, p->realtime, p->reader);
	for (uint32_t m = 0; m < r->root.nr_methods; m++)
		fprintf(f, "method %u %s\n", m, tb_stack_reader__method_name(r, m));
}

void raw_sample(FILE *f, uint64_t t_ns, const struct tb_thread_stack *st)
{
	uint32_t depth = st->depth < TB_STACK_MAX_DEPTH ? st->depth : TB_STACK_MAX_DEPTH;

	fprintf(f, "s %" PRIu64 " %u ", t_ns, st->tid);
	if (!depth)
		fputc('-', f);
	for (uint32_t d = 0; d < depth; d++)
		fprintf(f, "%s%u", d ? "," : "", st->frames[d].method_id);
	if (st->depth > TB_STACK_MAX_DEPTH)
		fputs(",+", f);
	fputc('\n', f);
}

/*
 * The end line's counts, in order, each with the conversion C: PRIu64 when
 * raw_end writes them, SCNu64 when read_raw reads them back.
 */
#define RAW_END_LINE(C)                                                                            \
	"end ticks %" C " late %" C " torn %" C " invalid %" C " retries %" C " failed_reads %" C  \
	" system_calls %" C " paused_ns %" C " unpaused %" C " sampling_ns %" C " duration_ns %" C \
	" tracer_cpu_ns %" C " attach_ns %" C " threads %" C " first_event_ns %" C                 \
	" detach_ns %" C

void raw_end(FILE *f, const struct profile *p)
{
	fprintf(f, RAW_END_LINE(PRIu64) "\n", p->ticks, p->late, p->torn, p->invalid, p->retries,
		p->failed_reads, p->system_calls, p->paused_ns, p->unpaused, p->sampling_ns,
		p->duration_ns, p->tracer_cpu_ns, p->attach_ns, (uint64_t)p->max_threads_seen,
		p->first_event_ns, p->detach_ns);
}

#define MAX_RAW_METHODS 4096

int read_raw(FILE *f, const char *path, struct profile *p)
{
	char *names[MAX_RAW_METHODS] = { 0 }, *line = NULL, mode[32], reader[64], as_read[64] = "";
	const char *frames[TB_STACK_MAX_DEPTH + 1];
	size_t cap = 0, lineno = 0;
	uint32_t nr_methods = 0;
	bool ended = false;
	int ret = -1;
	ssize_t len;

	while ((len = getline(&line, &cap, f)) > 0) {
		char *nl = strchr(line, '\n'), name[128], *id_list;
		unsigned long long t;
		uint64_t threads;
		unsigned int m, tid;
		int pid, end = 0;

		if (nl)
			*nl = 0;
		snprintf(as_read, sizeof(as_read), "%s", line); /* strtok cuts line */
		lineno++;
		if (lineno == 1) {
			if (strcmp(line, RAW_MAGIC))
				goto bad;
			continue;
		}
		if (ended)
			goto bad;
		if (sscanf(line, "pid %d%n", &pid, &end) == 1 && !line[end]) {
			p->pid = pid;
		} else if (sscanf(line, "mode %31s%n", mode, &end) == 1 && !line[end]) {
			p->blocking = !strcmp(mode, "blocking");
		} else if (sscanf(line, "rate_hz %lf%n", &p->rate_hz, &end) == 1 && !line[end]) {
		} else if (sscanf(line, "retries_max %d%n", &p->retries_max, &end) == 1 &&
			   !line[end]) {
		} else if (sscanf(line, "realtime %d%n", &pid, &end) == 1 && !line[end]) {
			p->realtime = pid != 0;
		} else if (sscanf(line, "reader %63s%n", reader, &end) == 1 && !line[end]) {
			p->reader = strstr(reader, "mem") ? "/proc/PID/mem" : "process_vm_readv";
		} else if (sscanf(line, "method %u %127s%n", &m, name, &end) == 2 && !line[end]) {
			if (m != nr_methods || m >= MAX_RAW_METHODS || names[m])
				goto bad;
			names[nr_methods++] = strdup(name);
			if (!names[m])
				goto bad;
		} else if (sscanf(line, "s %llu %u %n", &t, &tid, &end) == 2 && line[end]) {
			uint32_t depth = 0;

			id_list = line + end;
			if (strcmp(id_list, "-")) {
				for (char *tok = strtok(id_list, ","); tok;
				     tok = strtok(NULL, ",")) {
					char *e;
					unsigned long id = strtoul(tok, &e, 10);

					if (depth >= TB_STACK_MAX_DEPTH + 1)
						goto bad;
					if (!strcmp(tok, "+")) {
						frames[depth++] = TRUNCATED_FRAME;
						continue;
					}
					if (*e || e == tok || id >= nr_methods)
						goto bad;
					frames[depth++] = names[id];
				}
				if (!depth)
					goto bad;
			}
			if (profile_add(p, frames, depth))
				goto bad;
		} else if (sscanf(line, RAW_END_LINE(SCNu64) "%n", &p->ticks, &p->late, &p->torn,
				  &p->invalid, &p->retries, &p->failed_reads, &p->system_calls,
				  &p->paused_ns, &p->unpaused, &p->sampling_ns, &p->duration_ns,
				  &p->tracer_cpu_ns, &p->attach_ns, &threads, &p->first_event_ns,
				  &p->detach_ns, &end) == 16 &&
			   !line[end] && threads <= UINT32_MAX) {
			p->max_threads_seen = (uint32_t)threads;
			ended = true;
		} else {
			goto bad;
		}
	}
	if (ferror(f)) {
		tb_fail("cannot read %s: %s", path, strerror(errno));
	} else if (lineno == 0) {
		tb_fail("%s is empty, not a raw recording (record one with --raw FILE)", path);
	} else if (!ended) {
		tb_fail("%s has no end line: the recording was cut short (" PROG
			" killed?); the samples before it are not reported",
			path);
	} else {
		ret = 0;
	}
	goto out;
bad:
	if (lineno == 1)
		tb_fail("%s is not a raw recording of " PROG " (first line should be '%s')", path,
			RAW_MAGIC);
	else
		tb_fail("%s line %zu: malformed ('%s')", path, lineno, as_read);
out:
	for (uint32_t m = 0; m < nr_methods; m++)
		free(names[m]);
	free(line);
	return ret;
}
