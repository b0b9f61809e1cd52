/* tb_json.c - a small strict JSON reader (whole document to a tree) and a streaming writer */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb_json.h"

_Static_assert(sizeof(unsigned long long) == sizeof(uint64_t), "strtoull must give 64 bits");

/*
 * Decodes one UTF-8 sequence from s[0..n), n >= 1. Returns its length, or 0
 * if it is not valid UTF-8 (truncated, overlong, a surrogate, > U+10FFFF).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static size_t utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = 0xc0 | c >> 6;
		out[1] = 0x80 | (c & 0x3f);
		return 2;
	}
	if (c < 0x10000) {
		out[0] = 0xe0 | c >> 12;
		out[1] = 0x80 | (c >> 6 & 0x3f);
		out[2] = 0x80 | (c & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | c >> 18;
	out[1] = 0x80 | (c >> 12 & 0x3f);
	out[2] = 0x80 | (c >> 6 & 0x3f);
	out[3] = 0x80 | (c & 0x3f);
	return 4;
}

/* ---- reader ---------------------------------------------------------------------------- */

struct parser {
	const char *p, *end;
	const char *line_start; /* newlines occur only in whitespace: errors are on this line */
	unsigned int line;
	struct tb_json_error *err;
	int ret;
};

static void __attribute__((format(printf, 4, 5)))
parser_fail_at(struct parser *ps, unsigned int line, unsigned int column, const char *fmt, ...)
{
	va_list ap;

	if (ps->ret)
		return; /* keep the first error */
	ps->ret = -EINVAL;
	if (!ps->err)
		return;
	ps->err->line = line;
	ps->err->column = column;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
}

#define parser_fail(ps, at, ...) \
	parser_fail_at(ps, (ps)->line, (unsigned int)((at) - (ps)->line_start) + 1, __VA_ARGS__)

static void parser_nomem(struct parser *ps)
{
	if (ps->ret)
		return;
	ps->ret = -ENOMEM;
	if (ps->err) {
		ps->err->line = ps->line;
		ps->err->column = (unsigned int)(ps->p - ps->line_start) + 1;
		snprintf(ps->err->msg, sizeof(ps->err->msg), "out of memory");
	}
}

/* What sits at `at`, for messages: "end of input", "'x'" or "byte 0x07". */
static const char *parser_describe(const struct parser *ps, const char *at, char *buf, size_t size)
{
	unsigned char c;

	if (at >= ps->end)
		return "end of input";
	c = *at;
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "byte 0x%02x", c);
	return buf;
}

static void parser_skip_ws(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		ps->p++;
	}
}

/* One allocation holds the node and `extra` bytes of text after it. */
static struct tb_json *parser_node(struct parser *ps, enum tb_json_type type, const char *at,
				   size_t extra)
{
	struct tb_json *node = calloc(1, sizeof(*node) + extra);

	if (!node) {
		parser_nomem(ps);
		return NULL;
	}
	node->type = type;
	node->line = ps->line;
	node->column = (unsigned int)(at - ps->line_start) + 1;
	return node;
}

static void node_free(struct tb_json *node)
{
	struct tb_json *child, *next;

	if (node->type == TB_JSON_ARRAY || node->type == TB_JSON_OBJECT) {
		for (child = node->first; child; child = next) {
			next = child->next;
			node_free(child);
		}
	}
	free(node->key);
	free(node);
}

static int hex4(const char *s, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		*v = *v << 4 | d;
	}
	return 0;
}

/* ps->p is at an opening quote: returns the closing quote, or NULL (error set). */
static const char *parser_string_end(struct parser *ps)
{
	const char *s = ps->p + 1;

	while (s < ps->end && *s != '"') {
		if (*s == '\\' && ++s == ps->end)
			break;
		s++;
	}
	if (s >= ps->end) {
		parser_fail(ps, ps->p, "unterminated string (no closing '\"' before end of input)");
		return NULL;
	}
	return s;
}

/*
 * Decodes the string from ps->p (opening quote) to close into out, which has
 * room for close - ps->p bytes: escapes and UTF-8 never grow. Leaves ps->p
 * after the closing quote. Returns 0 or -EINVAL (error set).
 */
static int parser_string_decode(struct parser *ps, const char *close, char *out, size_t *len)
{
	const char *s = ps->p + 1;
	char *o = out, buf[16];
	uint32_t cp, lo;
	size_t n;

	while (s < close) {
		unsigned char c = *s;

		if (c < 0x20) {
			parser_fail(ps, s,
				    "raw control character 0x%02x in string (must be escaped)", c);
			return -EINVAL;
		}
		if (c >= 0x80) {
			n = utf8_decode((const unsigned char *)s, close - s, &cp);
			if (!n) {
				parser_fail(ps, s, "invalid UTF-8 byte 0x%02x in string", c);
				return -EINVAL;
			}
			memcpy(o, s, n);
			o += n, s += n;
			continue;
		}
		if (c != '\\') {
			*o++ = c;
			s++;
			continue;
		}
		switch (s[1]) {
		case '"':
		case '\\':
		case '/':
			*o++ = s[1];
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if (close - s < 6 || hex4(s + 2, &cp)) {
				parser_fail(ps, s, "\\u must be followed by four hex digits");
				return -EINVAL;
			}
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				parser_fail(ps, s, "lone low surrogate \\u%04x in string", cp);
				return -EINVAL;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (close - s < 12 || s[6] != '\\' || s[7] != 'u' ||
				    hex4(s + 8, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					parser_fail(
						ps, s,
						"lone high surrogate \\u%04x in string (expected "
						"a \\udc00-\\udfff escape after it)",
						cp);
					return -EINVAL;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			o += utf8_encode(cp, o);
			s += 4;
			break;
		default:
			parser_fail(ps, s, "invalid escape in string: '\\' followed by %s",
				    parser_describe(ps, s + 1, buf, sizeof(buf)));
			return -EINVAL;
		}
		s += 2;
	}
	*o = '\0';
	*len = o - out;
	ps->p = close + 1;
	return 0;
}

static struct tb_json *parser_string(struct parser *ps)
{
	const char *at = ps->p, *close = parser_string_end(ps);
	struct tb_json *node;

	if (!close)
		return NULL;
	node = parser_node(ps, TB_JSON_STRING, at, close - at);
	if (!node)
		return NULL;
	node->str = (char *)(node + 1);
	if (parser_string_decode(ps, close, node->str, &node->len)) {
		free(node);
		return NULL;
	}
	return node;
}

static const char *parser_digits(const char *s, const char *end)
{
	while (s < end && *s >= '0' && *s <= '9')
		s++;
	return s;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static struct tb_json *parser_number(struct parser *ps)
{
	const char *at = ps->p, *s = at, *d;
	struct tb_json *node;
	char buf[16];

	if (*s == '-')
		s++;
	d = parser_digits(s, ps->end);
	if (d == s) {
		parser_fail(ps, s, "expected a digit, found %s",
			    parser_describe(ps, s, buf, sizeof(buf)));
		return NULL;
	}
	if (*s == '0' && d - s > 1) {
		parser_fail(ps, s, "leading zeros are not allowed in numbers");
		return NULL;
	}
	s = d;
	if (s < ps->end && *s == '.') {
		d = parser_digits(++s, ps->end);
		if (d == s) {
			parser_fail(ps, s, "expected a digit after '.', found %s",
				    parser_describe(ps, s, buf, sizeof(buf)));
			return NULL;
		}
		s = d;
	}
	if (s < ps->end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < ps->end && (*s == '+' || *s == '-'))
			s++;
		d = parser_digits(s, ps->end);
		if (d == s) {
			parser_fail(ps, s, "expected a digit in the exponent, found %s",
				    parser_describe(ps, s, buf, sizeof(buf)));
			return NULL;
		}
		s = d;
	}
	node = parser_node(ps, TB_JSON_NUMBER, at, s - at + 1);
	if (!node)
		return NULL;
	node->number = (char *)(node + 1);
	memcpy(node->number, at, s - at);
	ps->p = s;
	return node;
}

static struct tb_json *parser_literal(struct parser *ps)
{
	static const struct {
		const char *word;
		enum tb_json_type type;
		bool value;
	} words[] = {
		{ "true", TB_JSON_BOOL, true },
		{ "false", TB_JSON_BOOL, false },
		{ "null", TB_JSON_NULL, false },
	};
	struct tb_json *node;
	char buf[16];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t len = strlen(words[i].word);

		if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, words[i].word, len))
			continue;
		node = parser_node(ps, words[i].type, ps->p, 0);
		if (!node)
			return NULL;
		node->boolean = words[i].value;
		ps->p += len;
		return node;
	}
	parser_fail(ps, ps->p, "expected a value, found %s",
		    parser_describe(ps, ps->p, buf, sizeof(buf)));
	return NULL;
}

static void container_add(struct tb_json *parent, struct tb_json *child)
{
	if (parent->last)
		parent->last->next = child;
	else
		parent->first = child;
	parent->last = child;
	parent->nr++;
}

static int key_cmp(const void *a, const void *b)
{
	const struct tb_json *x = *(const struct tb_json *const *)a;
	const struct tb_json *y = *(const struct tb_json *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static bool node_before(const struct tb_json *a, const struct tb_json *b)
{
	return a->line < b->line || (a->line == b->line && a->column < b->column);
}

/* Duplicate keys would make lookups ambiguous: sort a copy of the members and compare. */
static int parser_check_duplicates(struct parser *ps, const struct tb_json *obj)
{
	const struct tb_json **v, *m;
	size_t i = 0;
	int ret = 0;

	if (obj->nr < 2)
		return 0;
	v = malloc(obj->nr * sizeof(*v));
	if (!v) {
		parser_nomem(ps);
		return -ENOMEM;
	}
	for (m = obj->first; m; m = m->next)
		v[i++] = m;
	qsort(v, obj->nr, sizeof(*v), key_cmp);
	for (i = 1; i < obj->nr; i++) {
		const struct tb_json *later;

		if (key_cmp(&v[i - 1], &v[i]))
			continue;
		later = node_before(v[i - 1], v[i]) ? v[i] : v[i - 1];
		parser_fail_at(ps, later->line, later->column,
			       "duplicate key \"%s\" in the object starting at %u:%u", later->key,
			       obj->line, obj->column);
		ret = -EINVAL;
		break;
	}
	free(v);
	return ret;
}

static struct tb_json *parser_value(struct parser *ps, unsigned int depth);

static int parser_member(struct parser *ps, struct tb_json *obj, unsigned int depth)
{
	const char *close;
	struct tb_json *value;
	char *key, buf[16];
	size_t key_len;

	if (ps->p >= ps->end || *ps->p != '"') {
		parser_fail(ps, ps->p, "expected a string key, found %s",
			    parser_describe(ps, ps->p, buf, sizeof(buf)));
		return -EINVAL;
	}
	close = parser_string_end(ps);
	if (!close)
		return -EINVAL;
	key = malloc(close - ps->p);
	if (!key) {
		parser_nomem(ps);
		return -ENOMEM;
	}
	if (parser_string_decode(ps, close, key, &key_len)) {
		free(key);
		return -EINVAL;
	}
	parser_skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != ':') {
		parser_fail(ps, ps->p, "expected ':' after key \"%s\", found %s", key,
			    parser_describe(ps, ps->p, buf, sizeof(buf)));
		free(key);
		return -EINVAL;
	}
	ps->p++;
	parser_skip_ws(ps);
	value = parser_value(ps, depth);
	if (!value) {
		free(key);
		return ps->ret;
	}
	value->key = key;
	value->key_len = key_len;
	container_add(obj, value);
	return 0;
}

/* ps->p is at '[' or '{'. */
static struct tb_json *parser_container(struct parser *ps, unsigned int depth)
{
	bool is_object = *ps->p == '{';
	char close = is_object ? '}' : ']', buf[16];
	struct tb_json *node, *elem;

	if (depth >= TB_JSON_MAX_DEPTH) {
		parser_fail(ps, ps->p, "nesting deeper than %d levels", TB_JSON_MAX_DEPTH);
		return NULL;
	}
	node = parser_node(ps, is_object ? TB_JSON_OBJECT : TB_JSON_ARRAY, ps->p, 0);
	if (!node)
		return NULL;
	ps->p++;
	parser_skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return node;
	}
	for (;;) {
		if (is_object) {
			if (parser_member(ps, node, depth + 1))
				goto fail;
		} else {
			elem = parser_value(ps, depth + 1);
			if (!elem)
				goto fail;
			container_add(node, elem);
		}
		parser_skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			parser_skip_ws(ps);
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			break;
		}
		parser_fail(ps, ps->p, "expected ',' or '%c' in the %s starting at %u:%u, found %s",
			    close, is_object ? "object" : "array", node->line, node->column,
			    parser_describe(ps, ps->p, buf, sizeof(buf)));
		goto fail;
	}
	if (is_object && parser_check_duplicates(ps, node))
		goto fail;
	return node;
fail:
	node_free(node);
	return NULL;
}

static struct tb_json *parser_value(struct parser *ps, unsigned int depth)
{
	if (ps->p >= ps->end) {
		parser_fail(ps, ps->p, "expected a value, found end of input");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
	case '[':
		return parser_container(ps, depth);
	case '"':
		return parser_string(ps);
	case '-':
	case '0' ... '9':
		return parser_number(ps);
	default:
		return parser_literal(ps);
	}
}

int tb_json__parse(const char *text, size_t len, struct tb_json **root, struct tb_json_error *err)
{
	struct parser ps = {
		.p = text,
		.end = text + len,
		.line_start = text,
		.line = 1,
		.err = err,
	};
	struct tb_json *node;
	char buf[16];

	*root = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (len > TB_JSON_MAX_SIZE) {
		if (err)
			snprintf(err->msg, sizeof(err->msg),
				 "document of %zu bytes is larger than the limit of %u", len,
				 TB_JSON_MAX_SIZE);
		return -EFBIG;
	}
	parser_skip_ws(&ps);
	node = parser_value(&ps, 0);
	if (!node)
		return ps.ret;
	parser_skip_ws(&ps);
	if (ps.p < ps.end) {
		parser_fail(&ps, ps.p, "unexpected %s after the end of the document",
			    parser_describe(&ps, ps.p, buf, sizeof(buf)));
		node_free(node);
		return ps.ret;
	}
	*root = node;
	return 0;
}

/* Reads at most TB_JSON_MAX_SIZE + 1 bytes: st_size is not trusted (/proc reports 0). */
static int read_file(const char *path, char **text, size_t *len, struct tb_json_error *err)
{
	size_t cap = 4096, n = 0;
	struct stat st;
	char *buf = NULL, *tmp;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = st.st_size <= TB_JSON_MAX_SIZE ? (size_t)st.st_size + 1
						     : TB_JSON_MAX_SIZE + 1;
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			cap = cap * 2 > TB_JSON_MAX_SIZE + 1 ? TB_JSON_MAX_SIZE + 1 : cap * 2;
			tmp = realloc(buf, cap);
			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			buf = tmp;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += r;
		if (n > TB_JSON_MAX_SIZE) {
			ret = -EFBIG;
			goto out;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (ret) {
		free(buf);
		if (err)
			snprintf(err->msg, sizeof(err->msg), "cannot read %s: %s", path,
				 ret == -EFBIG ? "larger than the JSON size limit"
					       : strerror(-ret));
		return ret;
	}
	*text = buf;
	*len = n;
	return 0;
}

int tb_json__parse_file(const char *path, struct tb_json **root, struct tb_json_error *err)
{
	char *text;
	size_t len;
	int ret;

	*root = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	ret = read_file(path, &text, &len, err);
	if (ret)
		return ret;
	ret = tb_json__parse(text, len, root, err);
	free(text);
	return ret;
}

void tb_json__free(struct tb_json *root)
{
	if (root)
		node_free(root);
}

const char *tb_json__type_name(enum tb_json_type type)
{
	static const char *const names[] = {
		[TB_JSON_NULL] = "null",     [TB_JSON_BOOL] = "bool",	[TB_JSON_NUMBER] = "number",
		[TB_JSON_STRING] = "string", [TB_JSON_ARRAY] = "array", [TB_JSON_OBJECT] = "object",
	};

	return (unsigned int)type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

const struct tb_json *tb_json__get(const struct tb_json *obj, const char *key)
{
	size_t len = strlen(key);

	if (!obj || obj->type != TB_JSON_OBJECT)
		return NULL;
	for (const struct tb_json *m = obj->first; m; m = m->next)
		if (m->key_len == len && !memcmp(m->key, key, len))
			return m;
	return NULL;
}

const struct tb_json *tb_json__first(const struct tb_json *node)
{
	if (!node || (node->type != TB_JSON_ARRAY && node->type != TB_JSON_OBJECT))
		return NULL;
	return node->first;
}

const char *tb_json__string(const struct tb_json *node)
{
	return node && node->type == TB_JSON_STRING ? node->str : NULL;
}

static bool number_is_integer(const char *text)
{
	return !strpbrk(text, ".eE");
}

int tb_json__u64(const struct tb_json *node, uint64_t *v)
{
	unsigned long long x;

	if (!node || node->type != TB_JSON_NUMBER || node->number[0] == '-' ||
	    !number_is_integer(node->number))
		return -EINVAL;
	errno = 0;
	x = strtoull(node->number, NULL, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*v = x;
	return 0;
}

int tb_json__i64(const struct tb_json *node, int64_t *v)
{
	long long x;

	if (!node || node->type != TB_JSON_NUMBER || !number_is_integer(node->number))
		return -EINVAL;
	errno = 0;
	x = strtoll(node->number, NULL, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*v = x;
	return 0;
}

int tb_json__double(const struct tb_json *node, double *v)
{
	double x;

	if (!node || node->type != TB_JSON_NUMBER)
		return -EINVAL;
	/* Underflow to zero or a denormal is a fine answer; only overflow is refused. */
	x = strtod(node->number, NULL);
	if (!isfinite(x))
		return -ERANGE;
	*v = x;
	return 0;
}

int tb_json__bool(const struct tb_json *node, bool *v)
{
	if (!node || node->type != TB_JSON_BOOL)
		return -EINVAL;
	*v = node->boolean;
	return 0;
}

/* ---- writer ---------------------------------------------------------------------------- */

void tb_json_writer__init(struct tb_json_writer *w, FILE *f, unsigned int indent)
{
	*w = (struct tb_json_writer){ .f = f, .indent = indent };
}

static int writer_misuse(struct tb_json_writer *w)
{
	if (!w->err)
		w->err = -EINVAL;
	return w->err;
}

static void writer_put(struct tb_json_writer *w, const char *s, size_t n)
{
	if (w->err || !n)
		return;
	errno = 0;
	if (fwrite(s, 1, n, w->f) != n) {
		w->io_errno = errno ? errno : EIO;
		w->err = -EIO;
	}
}

static void writer_puts(struct tb_json_writer *w, const char *s)
{
	writer_put(w, s, strlen(s));
}

static void writer_newline(struct tb_json_writer *w)
{
	static const char spaces[] = "                                ";
	size_t n;

	if (!w->indent)
		return;
	writer_put(w, "\n", 1);
	for (n = (size_t)w->depth * w->indent; n > 0;) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		writer_put(w, spaces, k);
		n -= k;
	}
}

static bool writer_in_object(const struct tb_json_writer *w)
{
	unsigned int d = w->depth - 1;

	return w->depth && (w->is_object[d / 64] >> (d % 64) & 1);
}

/* Commas and indentation before a value; refuses a value where a key is due. */
static int writer_before_value(struct tb_json_writer *w)
{
	if (w->err)
		return w->err;
	if (w->done)
		return writer_misuse(w);
	if (w->after_key) {
		w->after_key = false;
		return 0;
	}
	if (writer_in_object(w))
		return writer_misuse(w);
	if (w->depth) {
		if (w->need_comma)
			writer_put(w, ",", 1);
		writer_newline(w);
	}
	return w->err;
}

static int writer_after_value(struct tb_json_writer *w)
{
	w->need_comma = true;
	if (!w->depth)
		w->done = true;
	return w->err;
}

static int writer_begin(struct tb_json_writer *w, bool object)
{
	unsigned int d = w->depth;

	if (writer_before_value(w))
		return w->err;
	if (d >= TB_JSON_MAX_DEPTH)
		return writer_misuse(w);
	writer_put(w, object ? "{" : "[", 1);
	if (object)
		w->is_object[d / 64] |= 1ull << (d % 64);
	else
		w->is_object[d / 64] &= ~(1ull << (d % 64));
	w->depth++;
	w->need_comma = false;
	return w->err;
}

static int writer_end(struct tb_json_writer *w, bool object)
{
	if (w->err)
		return w->err;
	if (!w->depth || w->after_key || writer_in_object(w) != object)
		return writer_misuse(w);
	w->depth--;
	if (w->need_comma)
		writer_newline(w);
	writer_put(w, object ? "}" : "]", 1);
	return writer_after_value(w);
}

int tb_json_writer__begin_object(struct tb_json_writer *w)
{
	return writer_begin(w, true);
}

int tb_json_writer__end_object(struct tb_json_writer *w)
{
	return writer_end(w, true);
}

int tb_json_writer__begin_array(struct tb_json_writer *w)
{
	return writer_begin(w, false);
}

int tb_json_writer__end_array(struct tb_json_writer *w)
{
	return writer_end(w, false);
}

static void writer_quoted(struct tb_json_writer *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *run = s, *end = s + len;
	char esc[8];
	uint32_t cp;

	writer_put(w, "\"", 1);
	while (s < end) {
		const char *rep = NULL;
		size_t n = 1;

		if (*s >= 0x80) {
			n = utf8_decode(s, end - s, &cp);
			if (!n) {
				rep = "\\ufffd";
				n = 1;
			}
		} else if (*s == '"') {
			rep = "\\\"";
		} else if (*s == '\\') {
			rep = "\\\\";
		} else if (*s == '\n') {
			rep = "\\n";
		} else if (*s == '\t') {
			rep = "\\t";
		} else if (*s == '\r') {
			rep = "\\r";
		} else if (*s == '\b') {
			rep = "\\b";
		} else if (*s == '\f') {
			rep = "\\f";
		} else if (*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
			rep = esc;
		}
		if (rep) {
			writer_put(w, (const char *)run, s - run);
			writer_puts(w, rep);
			run = s + n;
		}
		s += n;
	}
	writer_put(w, (const char *)run, s - run);
	writer_put(w, "\"", 1);
}

int tb_json_writer__key(struct tb_json_writer *w, const char *key)
{
	return tb_json_writer__key_len(w, key, strlen(key));
}

int tb_json_writer__key_len(struct tb_json_writer *w, const char *key, size_t len)
{
	if (w->err)
		return w->err;
	if (!writer_in_object(w) || w->after_key)
		return writer_misuse(w);
	if (w->need_comma)
		writer_put(w, ",", 1);
	writer_newline(w);
	writer_quoted(w, key, len);
	writer_put(w, w->indent ? ": " : ":", w->indent ? 2 : 1);
	w->after_key = true;
	return w->err;
}

int tb_json_writer__string_len(struct tb_json_writer *w, const char *s, size_t len)
{
	if (writer_before_value(w))
		return w->err;
	writer_quoted(w, s, len);
	return writer_after_value(w);
}

int tb_json_writer__string(struct tb_json_writer *w, const char *s)
{
	return tb_json_writer__string_len(w, s, strlen(s));
}

static int writer_raw_value(struct tb_json_writer *w, const char *text)
{
	if (writer_before_value(w))
		return w->err;
	writer_puts(w, text);
	return writer_after_value(w);
}

int tb_json_writer__u64(struct tb_json_writer *w, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return writer_raw_value(w, buf);
}

int tb_json_writer__i64(struct tb_json_writer *w, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return writer_raw_value(w, buf);
}

int tb_json_writer__double(struct tb_json_writer *w, double v)
{
	char buf[32];

	if (w->err)
		return w->err;
	if (!isfinite(v))
		return writer_misuse(w);
	/* The shortest of %.15g..%.17g that reads back exactly: 0.1, not 0.10000000000000001. */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return writer_raw_value(w, buf);
}

int tb_json_writer__bool(struct tb_json_writer *w, bool v)
{
	return writer_raw_value(w, v ? "true" : "false");
}

int tb_json_writer__null(struct tb_json_writer *w)
{
	return writer_raw_value(w, "null");
}

int tb_json_writer__finish(struct tb_json_writer *w)
{
	if (w->err)
		return w->err;
	if (!w->done)
		return writer_misuse(w);
	writer_put(w, "\n", 1);
	if (!w->err && fflush(w->f)) {
		w->io_errno = errno ? errno : EIO;
		w->err = -EIO;
	}
	if (!w->err && ferror(w->f)) {
		w->io_errno = EIO;
		w->err = -EIO;
	}
	return w->err;
}
