/* json_get.c - prints values of a JSON file by dotted path, exactly, for the shell tests */

/*
 * Usage: json_get FILE PATH...
 *
 * Prints one line per PATH (e.g. methods.escape.calls): a number as written
 * in the file (64-bit integers exact, unlike tools that read doubles), a
 * string as its text, true/false/null as such. An object prints its member
 * names, space separated, and an array "-" per element. In PATH, an array
 * element is named by its index from 0 (histograms.all.buckets.0.count) and
 * "\." is a dot inside a key. A missing path prints nothing and makes the
 * exit status 1; an unreadable or malformed file is status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb_json.h"

/* Copies the next key of path into key ("\." is a dot inside a key); NULL if it does not fit. */
static const char *next_key(const char *path, char *key, size_t size)
{
	size_t n = 0;

	for (; *path && *path != '.'; path++) {
		if (path[0] == '\\' && path[1] == '.')
			path++;
		if (n + 1 >= size)
			return NULL;
		key[n++] = *path;
	}
	key[n] = '\0';
	return *path ? path + 1 : path;
}

static const struct tb_json *lookup(const struct tb_json *node, const char *path)
{
	char key[1024];

	while (node && *path) {
		path = next_key(path, key, sizeof(key));
		if (!path)
			return NULL;
		if (node->type == TB_JSON_ARRAY) {
			/* An element by its index from 0: buckets.3.count. */
			char *end;
			unsigned long i = strtoul(key, &end, 10);

			if (!*key || *end)
				return NULL;
			node = node->first;
			while (node && i--)
				node = node->next;
			continue;
		}
		node = tb_json__get(node, key);
	}
	return node;
}

static void print_value(const struct tb_json *node)
{
	switch (node->type) {
	case TB_JSON_NULL:
		puts("null");
		break;
	case TB_JSON_BOOL:
		puts(node->boolean ? "true" : "false");
		break;
	case TB_JSON_NUMBER:
		puts(node->number);
		break;
	case TB_JSON_STRING:
		puts(node->str);
		break;
	case TB_JSON_ARRAY:
	case TB_JSON_OBJECT: {
		const char *sep = "";

		tb_json__for_each (child, node) {
			printf("%s%s", sep, child->key ? child->key : "-");
			sep = " ";
		}
		putchar('\n');
		break;
	}
	}
}

int main(int argc, char **argv)
{
	struct tb_json_error err;
	struct tb_json *root;
	int status = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE PATH...\n", argv[0]);
		return 2;
	}
	if (tb_json__parse_file(argv[1], &root, &err)) {
		fprintf(stderr, "json_get: %s:%u:%u: %s\n", argv[1], err.line, err.column, err.msg);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const struct tb_json *node = lookup(root, argv[i]);

		if (node) {
			print_value(node);
		} else {
			fprintf(stderr, "json_get: %s: no %s\n", argv[1], argv[i]);
			status = 1;
		}
	}
	tb_json__free(root);
	return status;
}
