/* tap.h - a minimal Test Anything Protocol emitter for the C unit tests that prove runs */
#ifndef TB_TAP_H
#define TB_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_run, tap_failed;

/* Prints "ok N - name" or "not ok N - name"; returns cond so a test can stop early. */
static inline bool __attribute__((format(printf, 2, 3))) tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

static inline void __attribute__((format(printf, 1, 2))) tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/*
 * A check that cannot run here, with the reason. Where nothing may be skipped
 * (CI sets TB_NO_SKIP=1), it fails instead, reason and all.
 */
static inline void __attribute__((format(printf, 1, 2))) tap_skip(const char *fmt, ...)
{
	const char *no_skip = getenv("TB_NO_SKIP");
	bool fail = no_skip && *no_skip && strcmp(no_skip, "0");
	va_list ap;

	tap_run++;
	if (fail)
		tap_failed++;
	printf(fail ? "not ok %d - skipped where TB_NO_SKIP forbids it: " : "ok %d # SKIP ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Ends the stream with the plan; the exit status says whether anything failed. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_run);
	return tap_failed ? 1 : 0;
}

#define tap_is_u64(got, want, name)                                                        \
	tap_ok((unsigned long long)(got) == (unsigned long long)(want), "%s (got %llu, want %llu)", \
	       name, (unsigned long long)(got), (unsigned long long)(want))

#endif /* TB_TAP_H */
