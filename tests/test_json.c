/* test_json.c - tb_json: strict reading, exact numbers, precise errors, writer round trips */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tb_json.h"

/* Parses from an exact-size heap copy with no terminator, so ASan sees any read past the end. */
static int parse_exact(const char *text, size_t len, struct tb_json **root,
		       struct tb_json_error *err)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, text, len);
	ret = tb_json__parse(copy, len, root, err);
	free(copy);
	return ret;
}

static void test_basic(void)
{
	static const char doc[] = " {\"b\": [1, -2.5e3, \"x\", true, false, null], \"a\": {}, "
				  "\"c\": [], \"\": 0}\r\n";
	const struct tb_json *b, *e;
	struct tb_json_error err;
	struct tb_json *root;
	const char *order[] = { "b", "a", "c", "" };
	size_t i = 0;
	double d;
	bool v;
	int ret;

	ret = parse_exact(doc, strlen(doc), &root, &err);
	if (!tap_ok(ret == 0 && root, "parses a document with every type (%d: %s)", ret, err.msg))
		return;
	tap_ok(root->type == TB_JSON_OBJECT && root->nr == 4, "top level is an object of 4");
	tb_json__for_each (m, root) {
		if (i < 4 && strcmp(m->key, order[i]))
			break;
		i++;
	}
	tap_is_u64(i, 4, "members iterate in document order");
	b = tb_json__get(root, "b");
	tap_ok(b && b->type == TB_JSON_ARRAY && b->nr == 6 && b->line == 1 && b->column == 8,
	       "get \"b\": array of 6 at 1:8");
	e = tb_json__first(b);
	tap_ok(e && e->type == TB_JSON_NUMBER && !strcmp(e->number, "1"), "first element is 1");
	e = e->next;
	tap_ok(!tb_json__double(e, &d) && d == -2500.0 &&
		       tb_json__u64(e, &(uint64_t){ 0 }) == -EINVAL,
	       "-2.5e3 is a double -2500, not a u64");
	e = e->next;
	tap_ok(tb_json__string(e) && !strcmp(tb_json__string(e), "x"), "string element");
	e = e->next;
	tap_ok(!tb_json__bool(e, &v) && v && !tb_json__bool(e->next, &v) && !v, "true, false");
	tap_ok(e->next->next->type == TB_JSON_NULL && !e->next->next->next, "null, then the end");
	tap_ok(tb_json__get(root, "a")->nr == 0 && !tb_json__first(tb_json__get(root, "a")),
	       "empty object");
	tap_ok(tb_json__get(root, "") != NULL, "empty key found");
	tap_ok(!tb_json__get(root, "zz") && !tb_json__get(b, "b"), "absent key and non-object");
	tb_json__free(root);
}

static void test_escapes(void)
{
	static const char doc[] = "\"q\\\"b\\\\s\\/c\\b\\f\\n\\r\\t\\u00e9\\u00E9\\ud83d\\ude00"
				  "\\u0000x\\u20ac\"";
	static const char want[] = "q\"b\\s/c\b\f\n\r\t\xc3\xa9\xc3\xa9\xf0\x9f\x98\x80\0x"
				   "\xe2\x82\xac";
	struct tb_json_error err;
	struct tb_json *root;
	int ret;

	ret = parse_exact(doc, strlen(doc), &root, &err);
	if (!tap_ok(!ret, "parses every escape (%s)", err.msg))
		return;
	tap_ok(root->len == sizeof(want) - 1 && !memcmp(root->str, want, sizeof(want)),
	       "escapes decode to the right bytes, \\u0000 and a surrogate pair included");
	tb_json__free(root);

	ret = parse_exact("\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", 14, &root, &err);
	tap_ok(!ret && root->len == 12, "raw UTF-8 passes through");
	tb_json__free(root);
}

static void test_numbers(void)
{
	static const struct {
		const char *text;
		int u64_ret, i64_ret, dbl_ret;
		uint64_t u;
		int64_t i;
	} cases[] = {
		{ "18446744073709551615", 0, -ERANGE, 0, UINT64_MAX, 0 },
		{ "18446744073709551616", -ERANGE, -ERANGE, 0, 0, 0 },
		{ "9007199254740993", 0, 0, 0, 9007199254740993ull, 9007199254740993ll },
		{ "0", 0, 0, 0, 0, 0 },
		{ "-0", -EINVAL, 0, 0, 0, 0 },
		{ "-1", -EINVAL, 0, 0, 0, -1 },
		{ "-9223372036854775808", -EINVAL, 0, 0, 0, INT64_MIN },
		{ "-9223372036854775809", -EINVAL, -ERANGE, 0, 0, 0 },
		{ "1.0", -EINVAL, -EINVAL, 0, 0, 0 },
		{ "1e3", -EINVAL, -EINVAL, 0, 0, 0 },
		{ "1e999", -EINVAL, -EINVAL, -ERANGE, 0, 0 },
		{ "1e-999", -EINVAL, -EINVAL, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tb_json_error err;
		struct tb_json *root;
		uint64_t u = 0;
		int64_t s = 0;
		double d;
		int ru, rs, rd;

		if (!tap_ok(!parse_exact(cases[i].text, strlen(cases[i].text), &root, &err),
			    "number %s parses", cases[i].text))
			continue;
		ru = tb_json__u64(root, &u);
		rs = tb_json__i64(root, &s);
		rd = tb_json__double(root, &d);
		tap_ok(ru == cases[i].u64_ret && rs == cases[i].i64_ret && rd == cases[i].dbl_ret &&
			       (ru || u == cases[i].u) && (rs || s == cases[i].i),
		       "%s: u64 %d (%llu), i64 %d (%lld), double %d", cases[i].text, ru,
		       (unsigned long long)u, rs, (long long)s, rd);
		tb_json__free(root);
	}
}

static void test_rejects(void)
{
	static char bomb[10001];
	static const struct {
		const char *name, *text;
		unsigned int line, column;
		const char *msg;
	} cases[] = {
		{ "trailing garbage", "{\"a\":1} x", 1, 9, "after the end" },
		{ "second document", "1 2", 1, 3, "after the end" },
		{ "NUL after the document", "[1]\0", 1, 4, "byte 0x00" },
		{ "unterminated string", "[\"abc", 1, 2, "unterminated" },
		{ "unterminated after backslash", "\"ab\\", 1, 1, "unterminated" },
		{ "bad escape", "\"a\\qb\"", 1, 3, "'\\' followed by 'q'" },
		{ "short \\u", "\"\\u12\"", 1, 2, "four hex digits" },
		{ "non-hex \\u", "\"\\u12g4\"", 1, 2, "four hex digits" },
		{ "leading zero", "01", 1, 1, "leading zeros" },
		{ "negative leading zero", "[-012]", 1, 3, "leading zeros" },
		{ "lone high surrogate", "\"\\ud800\"", 1, 2, "lone high surrogate" },
		{ "high surrogate then no low", "\"\\ud800\\u0041\"", 1, 2, "lone high" },
		{ "lone low surrogate", "\"x\\udc00\"", 1, 3, "lone low surrogate" },
		{ "raw control character", "\"a\tb\"", 1, 3, "control character 0x09" },
		{ "truncated UTF-8", "\"\xc3\"", 1, 2, "invalid UTF-8" },
		{ "overlong UTF-8", "\"\xc0\xaf\"", 1, 2, "invalid UTF-8" },
		{ "UTF-8 surrogate", "\"\xed\xa0\x80\"", 1, 2, "invalid UTF-8" },
		{ "above U+10FFFF", "\"\xf4\x90\x80\x80\"", 1, 2, "invalid UTF-8" },
		{ "byte order mark", "\xef\xbb\xbf{}", 1, 1, "expected a value" },
		{ "empty", "", 1, 1, "end of input" },
		{ "only whitespace", " \n ", 2, 2, "end of input" },
		{ "trailing comma in array", "[1,]", 1, 4, "expected a value, found ']'" },
		{ "trailing comma in object", "{\"a\":1,}", 1, 8, "string key" },
		{ "missing colon", "{\"a\" 1}", 1, 6, "expected ':'" },
		{ "bare key", "{a:1}", 1, 2, "string key" },
		{ "missing comma", "[1 2]", 1, 4, "expected ',' or ']'" },
		{ "unclosed array", "[1", 1, 3, "found end of input" },
		{ "unclosed object", "{\"a\":{}", 1, 8, "or '}'" },
		{ "truncated literal", "tru", 1, 1, "expected a value" },
		{ "NaN", "NaN", 1, 1, "expected a value" },
		{ "Infinity", "-Infinity", 1, 2, "expected a digit" },
		{ "plus sign", "+1", 1, 1, "expected a value" },
		{ "bare fraction", ".5", 1, 1, "expected a value" },
		{ "dot without digits", "1.", 1, 3, "after '.'" },
		{ "exponent without digits", "1e+", 1, 4, "exponent" },
		{ "single quotes", "'a'", 1, 1, "expected a value" },
		{ "comment", "// x\n1", 1, 1, "expected a value" },
		{ "duplicate key", "{\"a\":1,\n \"b\":2,\n \"a\":3}", 3, 6, "duplicate key \"a\"" },
		{ "error on a later line", "{\n  \"a\": 1,\n  \"b\": tru\n}", 3, 8,
		  "expected a value" },
		{ "depth bomb", bomb, 1, TB_JSON_MAX_DEPTH + 1, "nesting deeper" },
	};

	memset(bomb, '[', sizeof(bomb) - 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].text);
		struct tb_json_error err;
		struct tb_json *root = (struct tb_json *)1;
		int ret;

		if (!strcmp(cases[i].name, "NUL after the document"))
			len = 4;
		ret = parse_exact(cases[i].text, len, &root, &err);
		tap_ok(ret == -EINVAL && !root && err.line == cases[i].line &&
			       err.column == cases[i].column && strstr(err.msg, cases[i].msg),
		       "rejects %s: %d at %u:%u: %s", cases[i].name, ret, err.line, err.column,
		       err.msg);
		if (!ret)
			tb_json__free(root);
	}

	/* Exactly the limit is fine: depth is the number of open containers. */
	{
		char deep[2 * TB_JSON_MAX_DEPTH];
		struct tb_json *root;
		int ret;

		memset(deep, '[', TB_JSON_MAX_DEPTH);
		memset(deep + TB_JSON_MAX_DEPTH, ']', TB_JSON_MAX_DEPTH);
		ret = parse_exact(deep, sizeof(deep), &root, NULL);
		tap_ok(ret == 0, "accepts nesting of exactly %d levels", TB_JSON_MAX_DEPTH);
		tb_json__free(root);
	}
}

static void test_files(void)
{
	char path[] = "/tmp/test_json.XXXXXX";
	struct tb_json_error err;
	struct tb_json *root;
	uint64_t v = 0;
	int fd, ret;

	ret = tb_json__parse_file("/nonexistent/x.json", &root, &err);
	tap_ok(ret == -ENOENT && strstr(err.msg, "/nonexistent/x.json"),
	       "missing file: -ENOENT, message names it (%s)", err.msg);

	fd = mkstemp(path);
	if (fd < 0 || write(fd, "{\"n\": 42}\n", 10) != 10) {
		tap_ok(false, "temporary file: %s", strerror(errno));
		return;
	}
	ret = tb_json__parse_file(path, &root, &err);
	tap_ok(!ret && !tb_json__u64(tb_json__get(root, "n"), &v) && v == 42, "reads a file");
	tb_json__free(root);

	/* A sparse file one byte over the limit. */
	ret = ftruncate(fd, TB_JSON_MAX_SIZE + 1);
	ret = ret ? -errno : tb_json__parse_file(path, &root, &err);
	tap_ok(ret == -EFBIG && !root, "a file over the size limit is refused (%d: %s)", ret,
	       err.msg);
	close(fd);
	unlink(path);

	ret = tb_json__parse_file("/proc/self/status", &root, &err);
	tap_ok(ret == -EINVAL && err.line == 1, "a /proc file (size 0 in stat) is read: %s",
	       err.msg);
}

/* ---- writer ---------------------------------------------------------------------------- */

static char *write_to_string(void (*fn)(struct tb_json_writer *w), unsigned int indent, int *ret)
{
	struct tb_json_writer w;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	tb_json_writer__init(&w, f, indent);
	fn(&w);
	*ret = tb_json_writer__finish(&w);
	fclose(f);
	return buf;
}

static void write_small(struct tb_json_writer *w)
{
	tb_json_writer__begin_object(w);
	tb_json_writer__key(w, "a");
	tb_json_writer__begin_array(w);
	tb_json_writer__u64(w, 1);
	tb_json_writer__string(w, "x");
	tb_json_writer__bool(w, true);
	tb_json_writer__null(w);
	tb_json_writer__begin_object(w);
	tb_json_writer__end_object(w);
	tb_json_writer__end_array(w);
	tb_json_writer__key(w, "b");
	tb_json_writer__begin_object(w);
	tb_json_writer__key(w, "c");
	tb_json_writer__i64(w, -3);
	tb_json_writer__end_object(w);
	tb_json_writer__end_object(w);
}

static const char ctl_str[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\0end \xf0\x9f\x98\x80";

static const double doubles[] = { 0.1,	  1.0 / 3,	 1e300,	  -0.0,
				  5e-324, 123456789.125, -2.5e-7, 1.7976931348623157e308 };

static void write_everything(struct tb_json_writer *w)
{
	tb_json_writer__begin_object(w);
	tb_json_writer__key(w, "u64max");
	tb_json_writer__u64(w, UINT64_MAX);
	tb_json_writer__key(w, "i64min");
	tb_json_writer__i64(w, INT64_MIN);
	tb_json_writer__key(w, "doubles");
	tb_json_writer__begin_array(w);
	for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++)
		tb_json_writer__double(w, doubles[i]);
	tb_json_writer__end_array(w);
	tb_json_writer__key(w, "esc\"aped\nkey\xc3\xa9");
	tb_json_writer__string_len(w, ctl_str, sizeof(ctl_str) - 1);
	tb_json_writer__key(w, "bad utf-8");
	tb_json_writer__string(w, "a\xff"
				  "b\xc3"
				  "c\xed\xa0\x80"
				  "d");
	tb_json_writer__key(w, "nested");
	tb_json_writer__begin_array(w);
	tb_json_writer__begin_array(w);
	tb_json_writer__begin_array(w);
	tb_json_writer__end_array(w);
	tb_json_writer__end_array(w);
	tb_json_writer__begin_object(w);
	tb_json_writer__key(w, "t");
	tb_json_writer__bool(w, false);
	tb_json_writer__end_object(w);
	tb_json_writer__end_array(w);
	tb_json_writer__end_object(w);
}

static void check_everything(const char *text, const char *how)
{
	const struct tb_json *n, *d;
	struct tb_json_error err;
	struct tb_json *root;
	uint64_t u = 0;
	int64_t s = 0;
	size_t i = 0;
	bool ok = true, b = true;
	int ret;

	ret = tb_json__parse(text, strlen(text), &root, &err);
	if (!tap_ok(!ret, "%s: output parses (%d at %u:%u: %s)", how, ret, err.line, err.column,
		    err.msg))
		return;
	tap_ok(!tb_json__u64(tb_json__get(root, "u64max"), &u) && u == UINT64_MAX,
	       "%s: u64 max exact", how);
	tap_ok(!tb_json__i64(tb_json__get(root, "i64min"), &s) && s == INT64_MIN,
	       "%s: i64 min exact", how);
	d = tb_json__get(root, "doubles");
	tb_json__for_each (e, d) {
		double x;

		if (i >= sizeof(doubles) / sizeof(doubles[0]) || tb_json__double(e, &x) ||
		    x != doubles[i] || signbit(x) != signbit(doubles[i]))
			ok = false;
		i++;
	}
	tap_ok(ok && i == sizeof(doubles) / sizeof(doubles[0]), "%s: doubles read back exactly",
	       how);
	n = tb_json__get(root, "esc\"aped\nkey\xc3\xa9");
	tap_ok(n && n->len == sizeof(ctl_str) - 1 && !memcmp(n->str, ctl_str, sizeof(ctl_str)),
	       "%s: escaped key and string with control bytes and NUL read back", how);
	n = tb_json__get(root, "bad utf-8");
	tap_ok(n && !strcmp(n->str, "a\xef\xbf\xbd"
				    "b\xef\xbf\xbd"
				    "c\xef\xbf\xbd\xef\xbf\xbd"
				    "\xef\xbf\xbd"
				    "d"),
	       "%s: invalid UTF-8 written as U+FFFD per byte", how);
	n = tb_json__get(root, "nested");
	tap_ok(n && n->nr == 2 && n->first->nr == 1 && n->first->first->nr == 0 &&
		       !tb_json__bool(tb_json__get(n->last, "t"), &b) && !b,
	       "%s: nested containers", how);
	tb_json__free(root);
}

static void write_value_in_object(struct tb_json_writer *w)
{
	tb_json_writer__begin_object(w);
	tb_json_writer__u64(w, 1);
	tb_json_writer__end_object(w);
}

static void write_key_in_array(struct tb_json_writer *w)
{
	tb_json_writer__begin_array(w);
	tb_json_writer__key(w, "k");
	tb_json_writer__end_array(w);
}

static void write_mismatched_end(struct tb_json_writer *w)
{
	tb_json_writer__begin_object(w);
	tb_json_writer__end_array(w);
}

static void write_unclosed(struct tb_json_writer *w)
{
	tb_json_writer__begin_array(w);
}

static void write_key_without_value(struct tb_json_writer *w)
{
	tb_json_writer__begin_object(w);
	tb_json_writer__key(w, "k");
	tb_json_writer__end_object(w);
}

static void write_two_values(struct tb_json_writer *w)
{
	tb_json_writer__u64(w, 1);
	tb_json_writer__u64(w, 2);
}

static void write_nan(struct tb_json_writer *w)
{
	tb_json_writer__begin_array(w);
	tb_json_writer__double(w, NAN);
	tb_json_writer__end_array(w);
}

static void write_inf(struct tb_json_writer *w)
{
	tb_json_writer__double(w, -INFINITY);
}

static void write_nothing(struct tb_json_writer *w)
{
	(void)w;
}

static void write_too_deep(struct tb_json_writer *w)
{
	for (int i = 0; i <= TB_JSON_MAX_DEPTH; i++)
		tb_json_writer__begin_array(w);
}

/* Writes the parsed tree back out: the generic reader-to-writer round trip. */
static void write_tree(struct tb_json_writer *w, const struct tb_json *n)
{
	uint64_t u;
	int64_t s;
	double d;

	switch (n->type) {
	case TB_JSON_NULL:
		tb_json_writer__null(w);
		break;
	case TB_JSON_BOOL:
		tb_json_writer__bool(w, n->boolean);
		break;
	case TB_JSON_NUMBER:
		if (!tb_json__u64(n, &u))
			tb_json_writer__u64(w, u);
		else if (!tb_json__i64(n, &s))
			tb_json_writer__i64(w, s);
		else if (!tb_json__double(n, &d))
			tb_json_writer__double(w, d);
		break;
	case TB_JSON_STRING:
		tb_json_writer__string_len(w, n->str, n->len);
		break;
	case TB_JSON_ARRAY:
	case TB_JSON_OBJECT:
		if (n->type == TB_JSON_ARRAY)
			tb_json_writer__begin_array(w);
		else
			tb_json_writer__begin_object(w);
		tb_json__for_each (c, n) {
			if (n->type == TB_JSON_OBJECT)
				tb_json_writer__key_len(w, c->key, c->key_len);
			write_tree(w, c);
		}
		if (n->type == TB_JSON_ARRAY)
			tb_json_writer__end_array(w);
		else
			tb_json_writer__end_object(w);
		break;
	}
}

static bool tree_equal(const struct tb_json *a, const struct tb_json *b)
{
	const struct tb_json *x, *y;
	double da, db;

	if (a->type != b->type || !a->key != !b->key ||
	    (a->key && (a->key_len != b->key_len || memcmp(a->key, b->key, a->key_len))))
		return false;
	switch (a->type) {
	case TB_JSON_NULL:
		return true;
	case TB_JSON_BOOL:
		return a->boolean == b->boolean;
	case TB_JSON_NUMBER:
		if (!strcmp(a->number, b->number))
			return true;
		return !tb_json__double(a, &da) && !tb_json__double(b, &db) && da == db;
	case TB_JSON_STRING:
		return a->len == b->len && !memcmp(a->str, b->str, a->len);
	case TB_JSON_ARRAY:
	case TB_JSON_OBJECT:
		if (a->nr != b->nr)
			return false;
		for (x = a->first, y = b->first; x && y; x = x->next, y = y->next)
			if (!tree_equal(x, y))
				return false;
		return true;
	}
	return false;
}

static const struct tb_json *tree_source;

static void write_source(struct tb_json_writer *w)
{
	write_tree(w, tree_source);
}

static void test_writer(void)
{
	static const char doc[] =
		"{\"k\\u0000ey\": [1, -1, 0.5, 1e-300, 18446744073709551615, -9223372036854775808, "
		"\"\\ud83d\\ude00\\u00e9\\n\", {}, [], [[{\"x\": null}]], true, false], \"\": "
		"\"\"}";
	static const struct {
		const char *name;
		void (*fn)(struct tb_json_writer *w);
	} misuse[] = {
		{ "a value where a key is due", write_value_in_object },
		{ "a key in an array", write_key_in_array },
		{ "end_array closing an object", write_mismatched_end },
		{ "an unclosed array", write_unclosed },
		{ "a key without a value", write_key_without_value },
		{ "two top-level values", write_two_values },
		{ "NaN", write_nan },
		{ "-inf", write_inf },
		{ "nothing at all", write_nothing },
		{ "nesting deeper than the limit", write_too_deep },
	};
	struct tb_json *src, *back;
	char *text;
	int ret;

	text = write_to_string(write_small, 0, &ret);
	tap_ok(!ret && !strcmp(text, "{\"a\":[1,\"x\",true,null,{}],\"b\":{\"c\":-3}}\n"),
	       "compact output exact");
	free(text);
	text = write_to_string(write_small, 2, &ret);
	tap_ok(!ret && !strcmp(text, "{\n  \"a\": [\n    1,\n    \"x\",\n    true,\n    null,\n"
				     "    {}\n  ],\n  \"b\": {\n    \"c\": -3\n  }\n}\n"),
	       "indented output exact");
	free(text);

	text = write_to_string(write_everything, 0, &ret);
	if (tap_ok(!ret, "writes every kind of value (%d)", ret))
		check_everything(text, "compact");
	free(text);
	text = write_to_string(write_everything, 8, &ret);
	if (tap_ok(!ret, "writes every kind of value indented (%d)", ret))
		check_everything(text, "indented");
	free(text);

	for (size_t i = 0; i < sizeof(misuse) / sizeof(misuse[0]); i++) {
		text = write_to_string(misuse[i].fn, 2, &ret);
		tap_ok(ret == -EINVAL, "refuses %s (%d)", misuse[i].name, ret);
		free(text);
	}

	if (!tap_ok(!tb_json__parse(doc, strlen(doc), &src, NULL), "round-trip source parses"))
		return;
	tree_source = src;
	for (unsigned int indent = 0; indent <= 4; indent += 4) {
		text = write_to_string(write_source, indent, &ret);
		tap_ok(!ret && !tb_json__parse(text, strlen(text), &back, NULL) &&
			       tree_equal(src, back),
		       "parse, write (indent %u), parse again: the same tree", indent);
		tb_json__free(back);
		free(text);
	}
	tb_json__free(src);
}

static void test_full_device(void)
{
	struct tb_json_writer w;
	FILE *f = fopen("/dev/full", "w");
	int ret;

	if (!f) {
		tap_skip("/dev/full: %s", strerror(errno));
		return;
	}
	tb_json_writer__init(&w, f, 2);
	tb_json_writer__begin_array(&w);
	/* More than one stdio buffer, so writes fail before the final flush too. */
	for (int i = 0; i < 10000; i++)
		tb_json_writer__string(&w, "a string to fill the buffer");
	tb_json_writer__end_array(&w);
	ret = tb_json_writer__finish(&w);
	tap_ok(ret == -EIO && w.io_errno == ENOSPC, "/dev/full: finish says -EIO (%d), cause %s",
	       ret, strerror(w.io_errno));
	fclose(f);

	f = fopen("/dev/full", "w");
	tb_json_writer__init(&w, f, 0);
	tb_json_writer__u64(&w, 1);
	ret = tb_json_writer__finish(&w);
	tap_ok(ret == -EIO, "/dev/full: a tiny document fails at the final flush (%d)", ret);
	fclose(f);
}

int main(void)
{
	test_basic();
	test_escapes();
	test_numbers();
	test_rejects();
	test_files();
	test_writer();
	test_full_device();
	return tap_done();
}
