/* tb_json.h - a small strict JSON reader (whole document to a tree) and a streaming writer */
#ifndef TB_JSON_H
#define TB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Reader
 *
 * tb_json__parse() reads one RFC 8259 document into a tree of struct tb_json.
 * It is meant for untrusted input and strict about it: no trailing commas,
 * comments, leading zeros, single quotes, raw control characters in strings,
 * lone surrogates, invalid UTF-8, duplicate keys in one object, or anything
 * after the document (whitespace aside). It never reads past text + len, so
 * the text need not be NUL-terminated. Nesting deeper than TB_JSON_MAX_DEPTH
 * and documents larger than TB_JSON_MAX_SIZE are refused.
 *
 * Numbers keep their literal text: tb_json__u64() and tb_json__i64() convert
 * it exactly (2^64 - 1 included), tb_json__double() with strtod. Both the
 * reader and the writer assume LC_NUMERIC is "C" (the default unless the
 * program calls setlocale).
 *
 * Every node records where its value starts (1-based line and byte column), so
 * a consumer can point at the offending value when it has the wrong type.
 */

#define TB_JSON_MAX_DEPTH 256
/* Our files are kilobytes; a tree costs up to ~50 bytes per input byte ("[0,0,0..."). */
#define TB_JSON_MAX_SIZE (16u << 20)

enum tb_json_type {
	TB_JSON_NULL,
	TB_JSON_BOOL,
	TB_JSON_NUMBER,
	TB_JSON_STRING,
	TB_JSON_ARRAY,
	TB_JSON_OBJECT,
};

struct tb_json {
	enum tb_json_type type;
	unsigned int line, column; /* where the value starts */
	char *key; /* member name (NUL-terminated) inside an object, else NULL */
	size_t key_len; /* without the NUL; a key may hold an escaped \u0000 */
	struct tb_json *next; /* next member or element of the parent */
	union {
		bool boolean;
		char *number; /* the literal text, NUL-terminated */
		struct {
			char *str; /* UTF-8, NUL-terminated */
			size_t len; /* without the NUL; may hold an escaped \u0000 */
		};
		struct {
			struct tb_json *first, *last; /* members in document order */
			size_t nr;
		};
	};
};

struct tb_json_error {
	unsigned int line, column; /* 1-based; column counts bytes; 0 for I/O and size errors */
	char msg[192]; /* what was expected and what was found */
};

/*
 * Parses text[0..len) into *root. Returns 0, -EINVAL for malformed JSON (too
 * deep included), -EFBIG above TB_JSON_MAX_SIZE, -ENOMEM. On failure *root is
 * NULL and err (if not NULL) says where and why.
 */
int tb_json__parse(const char *text, size_t len, struct tb_json **root, struct tb_json_error *err);

/* Reads and parses a file. As tb_json__parse, plus -errno for I/O (err->line is then 0). */
int tb_json__parse_file(const char *path, struct tb_json **root, struct tb_json_error *err);

/* Frees a tree from tb_json__parse*(). Accepts NULL. */
void tb_json__free(struct tb_json *root);

/* "null", "bool", "number", "string", "array", "object" - for messages. */
const char *tb_json__type_name(enum tb_json_type type);

/* The member named key of an object; NULL if node is not an object or has no such member. */
const struct tb_json *tb_json__get(const struct tb_json *obj, const char *key);

/* The first member or element of an object or array; NULL if none or not a container. */
const struct tb_json *tb_json__first(const struct tb_json *node);

#define tb_json__for_each(child, parent) \
	for (const struct tb_json *child = tb_json__first(parent); child; child = child->next)

/* The string of a string node, else NULL. */
const char *tb_json__string(const struct tb_json *node);

/*
 * Number conversions. Return 0; -EINVAL if node is not a number or (u64, i64)
 * not an integer literal; -ERANGE if the value does not fit (for double: is
 * not finite, e.g. 1e999). *v is untouched on failure.
 */
int tb_json__u64(const struct tb_json *node, uint64_t *v);
int tb_json__i64(const struct tb_json *node, int64_t *v);
int tb_json__double(const struct tb_json *node, double *v);

/* 0, or -EINVAL if node is not true or false. */
int tb_json__bool(const struct tb_json *node, bool *v);

/*
 * Writer
 *
 * Streams one JSON value to a FILE, placing commas, colons and indentation
 * itself. Calls return 0 or the writer's first error, which sticks: after an
 * error the writer writes nothing more, so a caller may issue all its calls
 * and check once, at tb_json_writer__finish().
 *
 *   -EINVAL  misuse (a value where a key is due, a key in an array, an
 *            unbalanced end, a second top-level value, nesting deeper than
 *            TB_JSON_MAX_DEPTH) or a double that is NaN or infinite: those
 *            are refused, not written as null, because a silently missing
 *            number in a result is worse than a failed write.
 *   -EIO     a write failed (full disk, closed pipe); io_errno keeps the
 *            errno of the first failing call (e.g. ENOSPC) for callers that
 *            want the cause.
 *
 * Strings are escaped; bytes that are not valid UTF-8 are written as U+FFFD,
 * so whatever a tracer read from a target (symbol names...) still gives a
 * document the reader accepts. Doubles are written in the shortest form that
 * reads back to the same value (at most %.17g).
 */

struct tb_json_writer {
	FILE *f;
	unsigned int indent; /* spaces per level; 0 writes everything on one line */
	unsigned int depth;
	bool need_comma; /* something was written at this depth already */
	bool after_key; /* a key was written, its value is due */
	bool done; /* the top-level value is complete */
	int err;
	int io_errno;
	/* One bit per depth: set for an object, clear for an array. */
	uint64_t is_object[(TB_JSON_MAX_DEPTH + 63) / 64];
};

void tb_json_writer__init(struct tb_json_writer *w, FILE *f, unsigned int indent);
int tb_json_writer__begin_object(struct tb_json_writer *w);
int tb_json_writer__end_object(struct tb_json_writer *w);
int tb_json_writer__begin_array(struct tb_json_writer *w);
int tb_json_writer__end_array(struct tb_json_writer *w);
int tb_json_writer__key(struct tb_json_writer *w, const char *key);
int tb_json_writer__key_len(struct tb_json_writer *w, const char *key, size_t len);
int tb_json_writer__string(struct tb_json_writer *w, const char *s);
int tb_json_writer__string_len(struct tb_json_writer *w, const char *s, size_t len);
int tb_json_writer__u64(struct tb_json_writer *w, uint64_t v);
int tb_json_writer__i64(struct tb_json_writer *w, int64_t v);
int tb_json_writer__double(struct tb_json_writer *w, double v);
int tb_json_writer__bool(struct tb_json_writer *w, bool v);
int tb_json_writer__null(struct tb_json_writer *w);

/*
 * Ends the document with a newline and flushes the FILE (it does not close
 * it). Returns 0, -EINVAL if the value is incomplete or the writer was
 * misused, -EIO if any write failed.
 */
int tb_json_writer__finish(struct tb_json_writer *w);

#endif /* TB_JSON_H */
