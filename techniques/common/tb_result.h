/* tb_result.h - build and write a tracer's result file (DESIGN.md section 4, "-o FILE") */
#ifndef TB_RESULT_H
#define TB_RESULT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * One JSON object per run, keys in this order:
 *
 *   technique, mode, pid, duration_ns   always
 *   counts     {name: u64}              always, possibly {} (what was counted,
 *                                       in the order names were first added)
 *   lost                                always: every tracer accounts for
 *                                       losses, and 0 must be a statement,
 *                                       not a missing key
 *   samples, torn, late, profile        only when `sampled` is set (samplers);
 *                                       then always, even when 0 or {}.
 *                                       profile is {name: share of samples}
 *   tracer_cpu_ns, attach_ns            always
 *   extra keys                          in the order first set
 *
 * Keys that do not apply are left out rather than written as 0, so a reader
 * can tell "not measured" from "none". A tracer sets the public fields
 * directly and adds the maps and extras through the functions below, which
 * return 0 or a negative errno.
 */

struct tb_result_map;

struct tb_result {
	char *technique, *mode; /* from tb_result__new */
	int pid;
	uint64_t duration_ns; /* the observed window */
	uint64_t lost; /* events known dropped or unreadable */
	bool sampled; /* write samples, torn, late and profile */
	uint64_t samples; /* samples taken */
	uint64_t torn; /* samples rejected as torn or inconsistent */
	uint64_t late; /* samples taken after their deadline or skipped */
	uint64_t tracer_cpu_ns; /* usually tb_result__self_cpu_ns() at the end */
	uint64_t attach_ns; /* time to attach, outside the observed window */
	/* private */
	struct tb_result_map *counts, *profile, *extra;
};

/* A result with every number 0. NULL with errno set (ENOMEM, EINVAL for a NULL argument). */
struct tb_result *tb_result__new(const char *technique, const char *mode, int pid);

/* Adds n to counts[name] (created at 0). -EOVERFLOW if the sum would pass 2^64 - 1. */
int tb_result__add_count(struct tb_result *r, const char *name, uint64_t n);

/*
 * Adds share to profile[name] (created at 0), so several frames may fold into
 * one name. -EINVAL for a share that is negative, NaN or infinite.
 */
int tb_result__add_profile(struct tb_result *r, const char *name, double share);

/*
 * Sets an extra key; setting it again replaces the value. -EINVAL if key is
 * one of the standard keys above (a duplicate key would make the file
 * invalid) or, for a double, if v is not finite.
 */
int tb_result__set_extra_u64(struct tb_result *r, const char *key, uint64_t v);
int tb_result__set_extra_i64(struct tb_result *r, const char *key, int64_t v);
int tb_result__set_extra_double(struct tb_result *r, const char *key, double v);
int tb_result__set_extra_str(struct tb_result *r, const char *key, const char *v);
int tb_result__set_extra_bool(struct tb_result *r, const char *key, bool v);

/*
 * An extra key whose value is any JSON (an object of histograms, say),
 * written when the result is: fn must write exactly one value with w, and
 * ctx must stay valid until the last tb_result__write.
 */
struct tb_json_writer;
typedef void (*tb_result_emit_fn)(struct tb_json_writer *w, void *ctx);
int tb_result__set_extra_emit(struct tb_result *r, const char *key, tb_result_emit_fn fn,
			      void *ctx);

/*
 * Writes the result to path; "-" is stdout. A regular file (or a new one) is
 * written to "PATH.tmp.PID.N" in the same directory, synced and renamed over
 * path, so a reader sees the old file or the whole new one, never half; the
 * temporary file is removed on any failure. An existing path that is not a
 * regular file (/dev/stdout, a FIFO, /dev/null) is written in place: renaming
 * over a device node would replace it. Returns 0 or -errno (-ENOSPC, -EACCES,
 * -EROFS...).
 */
int tb_result__write(const struct tb_result *r, const char *path);

/*
 * Could a result be written to path? For a check before a long run: a
 * directory (-EISDIR), an existing file not writable, or a directory where
 * the new file cannot be created give -errno; "-" and devices are fine.
 */
int tb_result__check_path(const char *path);

/*
 * tb_result__check_path for a file the user named with option, checked
 * before a long run: NULL is fine (not asked for); otherwise, when it cannot
 * be written, prints "cannot write WHAT to PATH: ERROR — choose a writable
 * OPTION path" (tb_fail) and returns -errno.
 */
int tb_result__check_output(const char *path, const char *what, const char *option);

/* Accepts NULL. */
void tb_result__free(struct tb_result *r);

/* This process's CPU time so far (CLOCK_PROCESS_CPUTIME_ID), for tracer_cpu_ns. */
uint64_t tb_result__self_cpu_ns(void);

#endif /* TB_RESULT_H */
