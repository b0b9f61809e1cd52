/* tb_spec.c - probe, symbol and system call specs from the command line; USDT argument specs */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb_spec.h"

int tb_spec__probe(const char *spec, char **path, char **provider, char **name)
{
	const char *last = strrchr(spec, ':'), *prev;

	*path = *provider = *name = NULL;
	if (!last || !last[1])
		return -EINVAL;
	for (prev = last - 1; prev >= spec && *prev != ':'; prev--)
		;
	*name = strdup(last + 1);
	if (prev < spec) {
		*provider = strndup(spec, last - spec);
	} else {
		*path = strndup(spec, prev - spec);
		*provider = strndup(prev + 1, last - prev - 1);
	}
	if (!*name || !*provider || (prev >= spec && !*path))
		return -ENOMEM;
	if (!**provider || (*path && !**path))
		return -EINVAL;
	return 0;
}

int tb_spec__symbol(const char *spec, char **file, char **symbol, uint64_t *offset)
{
	const char *colon = strrchr(spec, ':'), *start = colon ? colon + 1 : spec;
	const char *plus = strchr(start, '+');
	unsigned long long v = 0;
	char *end;

	*file = *symbol = NULL;
	*offset = 0;
	if (plus) {
		/* strtoull alone would take blanks, a sign, and nothing at all as 0. */
		if (plus[1] < '0' || plus[1] > '9')
			return -EINVAL;
		errno = 0;
		v = strtoull(plus + 1, &end, 0);
		if (errno || *end)
			return -EINVAL;
	}
	if (colon) {
		*file = strndup(spec, colon - spec);
		if (!*file)
			return -ENOMEM;
	}
	*symbol = plus ? strndup(start, plus - start) : strdup(start);
	if (!*symbol)
		return -ENOMEM;
	if (!**symbol || (*file && !**file))
		return -EINVAL;
	*offset = v;
	return 0;
}

/* The next blank-separated word at *p: its start, *len its length; NULL at the end. */
static const char *next_word(const char **p, size_t *len)
{
	const char *s = *p, *e;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return NULL;
	for (e = s; *e && !isspace((unsigned char)*e); e++)
		;
	*len = e - s;
	*p = e;
	return s;
}

int tb_spec__usdt_nr_args(const char *args, uint32_t *unsigned_bits)
{
	const char *p = args, *word;
	size_t len;
	int n = 0;

	if (unsigned_bits)
		*unsigned_bits = 0;
	while ((word = next_word(&p, &len))) {
		if (unsigned_bits && n < 32 && *word != '-')
			*unsigned_bits |= 1u << n;
		n++;
	}
	return n;
}

/* "(%REG)" at s, REG one or more of [a-z0-9], and nothing after it (s has len bytes). */
static bool is_register_in_parens(const char *s, size_t len)
{
	size_t i = 2;

	if (len < 4 || s[0] != '(' || s[1] != '%' || s[len - 1] != ')')
		return false;
	for (; i < len - 1; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* Can libbpf read one argument (word, len bytes)? */
static bool usdt_arg_readable(const char *word, size_t len)
{
	const char *at = memchr(word, '@', len), *v, *end = word + len;

	if (!at)
		return false;
	v = at + 1;
	if (v < end && *v == '$')
		return true;
	if (v < end && *v == '%' && !memchr(v, '(', end - v))
		return true;
	/* OFFSET(%REG): an optional sign, decimal digits, then (%REG) */
	if (v < end && (*v == '-' || *v == '+'))
		v++;
	if (v < end && *v >= '0' && *v <= '9') {
		while (v < end && *v >= '0' && *v <= '9')
			v++;
		return is_register_in_parens(v, end - v);
	}
	/* (%REG), with no offset at all: a sign alone is not one */
	return v == at + 1 && is_register_in_parens(v, end - v);
}

int tb_spec__usdt_unreadable_arg(const char *args, char *bad, size_t len)
{
	const char *p = args, *word;
	size_t word_len;

	for (int n = 0; (word = next_word(&p, &word_len)); n++) {
		if (usdt_arg_readable(word, word_len))
			continue;
		if (len)
			snprintf(bad, len, "%.*s", (int)(word_len < len ? word_len : len - 1),
				 word);
		return n;
	}
	return -1;
}

int tb_spec__name_list(const char *list, const char *const *names, size_t nr_names, bool *wanted,
		       char **bad)
{
	const char *p = list;
	int given = 0;

	*bad = NULL;
	while (*p) {
		size_t len = strcspn(p, ","), i;

		if (len) {
			for (i = 0; i < nr_names; i++)
				if (names[i] && !strncmp(names[i], p, len) && !names[i][len])
					break;
			if (i == nr_names) {
				*bad = strndup(p, len);
				return *bad ? -EINVAL : -ENOMEM;
			}
			wanted[i] = true;
			given++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return given;
}
