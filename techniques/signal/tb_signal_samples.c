/* tb_signal_samples.c - tb-signal: the sample file (or a dump's reply) read back into a report */
#define _GNU_SOURCE
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb_elf.h"
#include "tb_maps.h"
#include "tb_msg.h"
#include "tb_signal.h"
#include "tb_signal_samples.h"

#define LIBRARY "libtb-signal.so"

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

void close_modules(void)
{
	for (size_t i = 0; i < nr_modules; i++) {
		if (modules[i].elf)
			tb_elf__close(modules[i].elf);
		free(modules[i].path);
	}
	nr_modules = 0;
}

/* ---- the sample file ------------------------------------------------------------------------ */

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
 * One record (h, copied from data; len bytes, header included) into r: its
 * threads and samples, named from its maps. Returns 0, or -1 if it is
 * damaged.
 */
static int read_record(const char *data, size_t len, const struct tb_signal_file_header *h,
		       struct report *r, char *const *method_names, uint32_t nr_names, bool dump)
{
	struct report_image *image =
		r->nr_images < REPORT_MAX_IMAGES ? &r->images[r->nr_images] : NULL;
	const char *maps_text, *nl;
	struct tb_map *maps = NULL;
	size_t at, samples_end, nr_maps = 0;
	int ret = -1;

	/* Past the end of the record: where the samples end is not known. */
	if (h->maps_len > len - sizeof(*h) || h->exe_len > len - sizeof(*h) - h->maps_len)
		return -1;
	samples_end = len - h->exe_len - h->maps_len;
	/*
	 * The library keeps at most 64 KiB of its maps in a dump: a copy cut in
	 * the middle of a line is read up to its last whole one. Without maps
	 * the samples stay, unnamed.
	 */
	maps_text = data + samples_end;
	nl = h->maps_len ? memrchr(maps_text, '\n', h->maps_len) : NULL;
	if (!nl || tb_maps__parse(maps_text, nl + 1 - maps_text, &maps, &nr_maps))
		nr_maps = 0;
	if (image) {
		*image = (struct report_image){ .pid = h->pid, .written_at = h->written_at };
		snprintf(image->exe, sizeof(image->exe), "%.*s", (int)h->exe_len,
			 data + samples_end + h->maps_len);
	}
	at = sizeof(*h);
	for (uint32_t t = 0; t < h->nr_threads; t++) {
		struct tb_signal_thread_header th;
		size_t end;

		if (samples_end - at < sizeof(th))
			goto out;
		memcpy(&th, data + at, sizeof(th));
		at += sizeof(th);
		if (th.bytes > samples_end - at)
			goto out;
		end = at + th.bytes;
		r->threads += th.nr_samples > 0;
		if (image)
			image->threads += th.nr_samples > 0;
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
				goto out;
			memcpy(&s, data + at, sizeof(s));
			at += sizeof(s);
			n_methods = s.nr_methods == 0xffff ? 0 : s.nr_methods;
			if (s.nr_frames > TB_SIGNAL_MAX_FRAMES ||
			    n_methods > TB_SIGNAL_MAX_METHODS ||
			    end - at < s.nr_frames * 8 + n_methods * 4)
				goto out;
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
			if (image)
				image->samples++;
		}
		at = end;
	}
	ret = 0;
out:
	tb_maps__free(maps, nr_maps);
	return ret;
}

int read_samples(const char *data, size_t len, const char *what, struct report *r,
		 char *const *method_names, uint32_t nr_names, bool dump)
{
	uint64_t first_start_ns = 0, last_end_ns = 0;
	size_t at = 0;

	/* The records follow one another: each image appended its own (tb_signal.h). */
	do {
		struct tb_signal_file_header h;

		if (len - at < sizeof(h)) {
			if (!at)
				goto not_samples;
			goto damaged;
		}
		memcpy(&h, data + at, sizeof(h));
		if (h.magic != TB_SIGNAL_MAGIC) {
			if (!at)
				goto not_samples;
			goto damaged;
		}
		if (h.version != TB_SIGNAL_VERSION) {
			tb_fail("%s: samples in format version %u, this tb-signal reads "
				"version %u: the " LIBRARY " that wrote them is from another "
				"build; rebuild both (make) and run them from one build directory",
				what, h.version, TB_SIGNAL_VERSION);
			return -1;
		}
		/* Its length is written last: 0 means its process died while writing it. */
		if (!h.len) {
			r->cut_short = true;
			break;
		}
		if (h.len < sizeof(h) || h.len > len - at ||
		    read_record(data + at, h.len, &h, r, method_names, nr_names, dump))
			goto damaged;
		if (!r->nr_images++) {
			r->pid = h.pid;
			r->wall = h.clock == 1;
			r->rate_hz = h.rate_hz;
			first_start_ns = h.start_ns;
		}
		r->no_buffer += h.no_buffer;
		r->last_written_at = h.written_at;
		last_end_ns = h.end_ns;
		at += h.len;
	} while (at < len);
	/* From the first image's start to the last one's write. */
	r->duration_ns = last_end_ns > first_start_ns ? last_end_ns - first_start_ns : 0;
	return 0;
not_samples:
	tb_fail("%s: not samples of this " LIBRARY, what);
	return -1;
damaged:
	tb_fail("%s: the samples are cut short or damaged", what);
	return -1;
}
