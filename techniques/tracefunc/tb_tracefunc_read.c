/* tb_tracefunc_read.c - tb-tracefunc: a recording (the library's files) read back into a report */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb_elf.h"
#include "tb_msg.h"
#include "tb_tally.h"
#include "tb_tracefunc.h"
#include "tb_tracefunc_read.h"

struct report rep;

/* ---- naming ------------------------------------------------------------------------------- */

static struct {
	char *path;
	struct tb_elf *elf;
} * modules;
static size_t nr_modules;

static struct tb_elf *module_elf(const char *path)
{
	void *grown;

	for (size_t i = 0; i < nr_modules; i++)
		if (!strcmp(modules[i].path, path))
			return modules[i].elf;
	grown = realloc(modules, (nr_modules + 1) * sizeof(*modules));
	if (!grown)
		return NULL;
	modules = grown;
	modules[nr_modules].path = strdup(path);
	if (tb_elf__open(path, &modules[nr_modules].elf))
		modules[nr_modules].elf = NULL;
	return modules[nr_modules++].elf;
}

/* The last component of a path, which may end in '/' (a damaged file: never changed here). */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* A function's name: the method's, the symbol at its address, or module+offset. */
static void function_name(const struct tb_tf_image *im, const struct tb_tf_function *f, char *buf,
			  size_t len)
{
	const struct tb_tf_module *m;
	struct tb_elf_symbol sym;
	struct tb_elf *elf;

	if (f->flags & TB_TF_METHOD) {
		snprintf(buf, len, "%.*s", TB_TF_NAME_MAX, f->name);
		return;
	}
	if (f->module >= im->nr_modules || f->module >= TB_TF_MAX_MODULES) {
		snprintf(buf, len, "0x%" PRIx64, f->address);
		return;
	}
	m = &im->modules[f->module];
	elf = module_elf(m->path);
	if (elf && !tb_elf__symbol_at(elf, f->address - m->bias, &sym) && sym.name &&
	    sym.addr == f->address - m->bias)
		snprintf(buf, len, "%s", sym.name);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, base_name(m->path), f->address - m->bias);
}

/*
 * Tallies used as maps to a position in rep.functions, plus 1: from a name,
 * and from a module's path and offset (forked images share their functions:
 * each is named once).
 */
static struct tb_tally name_positions, address_positions;

static struct function *function_get(const char *name)
{
	struct function *f;
	uint64_t pos = tb_tally__get(&name_positions, name);

	if (pos)
		return &rep.functions[pos - 1];
	if (rep.nr_functions == rep.cap_functions) {
		size_t cap = rep.cap_functions ? 2 * rep.cap_functions : 64;
		void *grown = realloc(rep.functions, cap * sizeof(*rep.functions));

		if (!grown)
			return NULL;
		rep.functions = grown;
		rep.cap_functions = cap;
	}
	f = &rep.functions[rep.nr_functions];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	if (!f->name || tb_tally__add(&name_positions, name, rep.nr_functions + 1)) {
		free(f->name);
		return NULL;
	}
	rep.nr_functions++;
	return f;
}

/* ---- reading the files -------------------------------------------------------------------- */

static void *map_file(const char *path, size_t *len)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size == 0) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return p;
}

static uint64_t stamp_ns(const struct tb_tf_image *im, uint64_t t)
{
	if (!im->mult)
		return t - im->ns0;
	return (uint64_t)(((unsigned __int128)(t - im->tsc0) * im->mult) >> im->shift);
}

/* Log mode: one thread's walk through its records, which may come in pieces. */
struct log_walk {
	const struct tb_tf_image *im;
	struct function **fns;
	pid_t tid;
	uint32_t *stack; /* ids of the calls open */
	size_t depth, cap;
	uint64_t high; /* the last time base */
};

/* Counts entries and checks that exits match entries. */
static int read_log(struct log_walk *w, const uint64_t *recs, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		uint64_t r = recs[i], kind = r & 3, id, t;

		if (!r)
			break; /* the end of a buffer not yet full */
		rep.records++;
		if (kind == TB_TF_REC_BASE) {
			w->high = r >> 2;
			continue;
		}
		id = (r >> 2) & ((1u << TB_TF_REC_ID_BITS) - 1);
		t = w->high << TB_TF_REC_LOW_BITS | r >> TB_TF_REC_TIME_SHIFT;
		if (id >= w->im->nr_functions || !kind)
			return -EBADMSG;
		if (kind == TB_TF_REC_ENTER) {
			if (w->fns[id])
				w->fns[id]->calls++;
			if (w->depth == w->cap) {
				size_t cap = w->cap ? 2 * w->cap : 256;
				uint32_t *grown = realloc(w->stack, cap * sizeof(*grown));

				if (!grown)
					return -ENOMEM;
				w->stack = grown;
				w->cap = cap;
			}
			w->stack[w->depth++] = (uint32_t)id;
			if (w->depth > rep.max_depth)
				rep.max_depth = w->depth;
		} else if (!w->depth) {
			rep.exits_before_start++; /* called before this image began: a fork */
		} else if (w->stack[w->depth - 1] != id) {
			rep.misnested++;
			continue;
		} else {
			w->depth--;
		}
		if (rep.trace)
			fprintf(rep.trace, "%" PRIu64 " %d %zu %s %s\n", stamp_ns(w->im, t),
				(int)w->tid, kind == TB_TF_REC_ENTER ? w->depth - 1 : w->depth,
				kind == TB_TF_REC_ENTER ? "enter" : "exit",
				w->fns[id] ? w->fns[id]->name : "?");
	}
	return 0;
}

/*
 * A thread's log: what tb-tracefunc drained into log.TID, then what is still
 * in the ring (all of it for a buffer nobody drained).
 */
static int read_thread_log(const char *path, const struct tb_tf_image *im,
			   const struct tb_tf_thread *th, const uint64_t *ring, size_t ring_len,
			   struct function **fns)
{
	struct log_walk w = { .im = im, .fns = fns, .tid = th->tid };
	char log_path[PATH_MAX + 600];
	const char *suffix = strrchr(path, '/');
	uint64_t head = th->head, tail = th->tail, n = ring_len / sizeof(uint64_t);
	const uint64_t *drained;
	size_t len;
	int err = 0;

	snprintf(log_path, sizeof(log_path), "%.*s/log.%s", (int)(suffix - path), path,
		 suffix + sizeof("/thread.") - 1);
	drained = map_file(log_path, &len);
	if (drained) {
		err = read_log(&w, drained, len / sizeof(uint64_t));
		munmap((void *)drained, len);
	} else if (errno != ENOENT && errno != EINVAL) {
		return -errno;
	}
	if (!err && th->ring_records) {
		/* A ring: [tail, head), at most one lap. */
		if (th->ring_records > n || (th->ring_records & (th->ring_records - 1)) ||
		    head - tail > th->ring_records || head < tail) {
			err = -EBADMSG;
		} else {
			uint64_t mask = th->ring_records - 1, i = tail & mask, m = head - tail;
			uint64_t first = m < th->ring_records - i ? m : th->ring_records - i;

			err = read_log(&w, ring + i, first);
			if (!err)
				err = read_log(&w, ring, m - first);
		}
	} else if (!err) {
		err = read_log(&w, ring, head < n ? head : n);
	}
	free(w.stack);
	return err;
}

static int read_thread(const char *path, const struct tb_tf_image *im, struct function **fns)
{
	const struct tb_tf_thread *th;
	size_t len, data_len;
	const char *data;
	int err = 0;

	th = map_file(path, &len);
	if (!th)
		return -errno;
	if (len < TB_TF_DATA_OFFSET || th->magic != TB_TF_THREAD_MAGIC ||
	    th->version != TB_TF_VERSION || th->mode != im->mode) {
		munmap((void *)th, len);
		return -EBADMSG;
	}
	data = (const char *)th + TB_TF_DATA_OFFSET;
	data_len = len - TB_TF_DATA_OFFSET;
	if (th->data_bytes < data_len)
		data_len = th->data_bytes;
	rep.threads++;
	rep.crashed_threads += th->state != TB_TF_EXITED;
	rep.lost_buffer += th->lost;
	rep.reentered += th->reentered;
	rep.unmatched += th->unmatched;
	rep.too_deep += th->too_deep;
	rep.filtered_out += th->filtered_out;
	rep.stopped += th->stopped;
	if (th->opened_ns && (!rep.first_call_ns || th->opened_ns < rep.first_call_ns))
		rep.first_call_ns = th->opened_ns;
	switch (im->mode) {
	case TB_TF_MODE_COUNT: {
		const uint64_t *counts = (const uint64_t *)data;

		for (size_t id = 0; id < data_len / sizeof(*counts) && id < im->nr_functions; id++)
			if (counts[id] && fns[id])
				fns[id]->calls += counts[id];
		break;
	}
	case TB_TF_MODE_LATENCY: {
		const struct tb_tf_latency *rows = (const struct tb_tf_latency *)data;

		for (size_t id = 0; id < data_len / sizeof(*rows) && id < im->nr_functions; id++) {
			struct function *f = fns[id];

			if (!rows[id].calls || !f)
				continue;
			f->calls += rows[id].calls;
			f->sum_ns += rows[id].sum_ns;
			if (rows[id].max_ns > f->max_ns)
				f->max_ns = rows[id].max_ns;
			for (size_t b = 0; b < TB_TF_BUCKETS; b++)
				f->buckets[b] += rows[id].buckets[b];
		}
		break;
	}
	default:
		err = read_thread_log(path, im, th, (const uint64_t *)data, data_len, fns);
		break;
	}
	munmap((void *)th, len);
	return err;
}

/* Every path in the image ends inside its field, so none can be read past. */
static bool image_strings_ok(const struct tb_tf_image *im)
{
	if (!memchr(im->exe, 0, sizeof(im->exe)) || !memchr(im->filter, 0, sizeof(im->filter)))
		return false;
	for (uint64_t i = 0; i < im->nr_modules; i++)
		if (!memchr(im->modules[i].path, 0, sizeof(im->modules[i].path)))
			return false;
	return true;
}

static int read_image(const char *root, const char *name)
{
	char path[PATH_MAX + 300], fname[512], where[TB_TF_PATH_MAX + 32];
	struct tb_tf_image *im;
	struct function **fns, *fn;
	size_t *positions; /* of each id's entry in rep.functions, + 1; 0: none */
	struct dirent *de;
	size_t len;
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s/functions", root, name);
	im = map_file(path, &len);
	if (!im)
		return -errno;
	if (len < sizeof(*im) || im->magic != TB_TF_IMAGE_MAGIC || im->version != TB_TF_VERSION ||
	    im->mode > TB_TF_MODE_LOG || im->nr_functions > TB_TF_MAX_FUNCTIONS ||
	    im->nr_modules > TB_TF_MAX_MODULES || im->shift > 63 || !image_strings_ok(im)) {
		munmap(im, len);
		return -EBADMSG;
	}
	if (rep.images && (im->mode != rep.mode || im->hook != rep.hook)) {
		munmap(im, len);
		return -EXDEV;
	}
	if (!rep.images || (im->parent_pid == 0 && (!rep.pid || im->pid < rep.pid))) {
		rep.pid = im->pid;
		rep.duration_ns = im->end_ns > im->ns0 ? im->end_ns - im->ns0 : 0;
	}
	rep.mode = im->mode;
	rep.hook = im->hook;
	snprintf(rep.filter, sizeof(rep.filter), "%.*s", (int)sizeof(im->filter) - 1, im->filter);
	{
		struct image_summary *grown =
			realloc(rep.image_list, (rep.images + 1) * sizeof(*rep.image_list));

		if (!grown) {
			munmap(im, len);
			return -ENOMEM;
		}
		rep.image_list = grown;
		rep.image_list[rep.images] = (struct image_summary){
			.pid = im->pid,
			.parent_pid = im->parent_pid,
			.threads = rep.threads,
			.calls = total_calls(),
			.exited = im->state == TB_TF_EXITED,
		};
		snprintf(rep.image_list[rep.images].exe, TB_TF_PATH_MAX, "%.*s", TB_TF_PATH_MAX - 1,
			 im->exe);
	}
	rep.images++;
	rep.lost_table_full += im->lost_table_full;
	rep.lost_no_thread += im->lost_no_thread;
	rep.lost_after_exit += im->lost_after_exit;
	fns = calloc(im->nr_functions + 1, sizeof(*fns));
	positions = calloc(im->nr_functions + 1, sizeof(*positions));
	if (!fns || !positions) {
		free(fns);
		free(positions);
		munmap(im, len);
		return -ENOMEM;
	}
	/* Names after the run, from each module's symbol table: one entry per name. */
	for (size_t id = 0; id < im->nr_functions; id++) {
		const struct tb_tf_function *f = &im->functions[id];

		if (f->flags & TB_TF_FILTERED_OUT)
			continue;
		if (!(f->flags & TB_TF_METHOD) && f->module < im->nr_modules) {
			snprintf(where, sizeof(where), "%s\n%" PRIx64, im->modules[f->module].path,
				 f->address - im->modules[f->module].bias);
			positions[id] = tb_tally__get(&address_positions, where);
			if (positions[id])
				continue;
		}
		function_name(im, f, fname, sizeof(fname));
		fn = function_get(fname);
		if (!fn) {
			err = -ENOMEM;
			goto out;
		}
		positions[id] = (size_t)(fn - rep.functions) + 1;
		if (!(f->flags & TB_TF_METHOD) && f->module < im->nr_modules &&
		    tb_tally__add(&address_positions, where, positions[id])) {
			err = -ENOMEM;
			goto out;
		}
	}
	/* Pointers only now: function_get may have moved the array. */
	for (size_t id = 0; id < im->nr_functions; id++)
		fns[id] = positions[id] ? &rep.functions[positions[id] - 1] : NULL;
	snprintf(path, sizeof(path), "%s/%s", root, name);
	d = opendir(path);
	if (!d) {
		err = -errno;
		goto out;
	}
	while (!err && (de = readdir(d))) {
		char tpath[PATH_MAX + 600];

		if (strncmp(de->d_name, "thread.", 7))
			continue;
		snprintf(tpath, sizeof(tpath), "%s/%s", path, de->d_name);
		err = read_thread(tpath, im, fns);
		if (err == -EBADMSG || err == -EINVAL) {
			rep.unreadable_threads++;
			err = 0;
		}
	}
	closedir(d);
	/* Until now the summary held the totals before this image. */
	rep.image_list[rep.images - 1].threads =
		rep.threads - rep.image_list[rep.images - 1].threads;
	rep.image_list[rep.images - 1].calls = total_calls() - rep.image_list[rep.images - 1].calls;
out:
	free(fns);
	free(positions);
	munmap(im, len);
	return err;
}

int image_order(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
}

int is_image(const struct dirent *de)
{
	return de->d_name[0] >= '1' && de->d_name[0] <= '9';
}

int read_recording(const char *root)
{
	struct dirent **names;
	int n = scandir(root, &names, is_image, image_order), err = 0;

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (!err) {
			err = read_image(root, names[i]->d_name);
			/* Incomplete or not ours: said once at the end, the rest is read. */
			if (err == -EBADMSG || err == -EINVAL || err == -ENOENT) {
				rep.unreadable_images++;
				err = 0;
			} else if (err && err != -ENOMEM) {
				tb_fail("%s/%s: %s", root, names[i]->d_name,
					err == -EXDEV
						? "recorded with another mode or hook than the "
						  "rest: record each run into a directory of its "
						  "own"
						: strerror(-err));
			}
		}
		free(names[i]);
	}
	free(names);
	if (!err && !rep.images)
		err = -ENOENT;
	return err;
}

uint64_t total_calls(void)
{
	uint64_t n = 0;

	for (size_t i = 0; i < rep.nr_functions; i++)
		n += rep.functions[i].calls;
	return n;
}

void report_free(void)
{
	for (size_t i = 0; i < nr_modules; i++) {
		tb_elf__close(modules[i].elf);
		free(modules[i].path);
	}
	free(modules);
	modules = NULL;
	nr_modules = 0;
	for (size_t i = 0; i < rep.nr_functions; i++)
		free(rep.functions[i].name);
	free(rep.functions);
	free(rep.image_list);
	tb_tally__free(&name_positions);
	tb_tally__free(&address_positions);
	memset(&rep, 0, sizeof(rep));
}
