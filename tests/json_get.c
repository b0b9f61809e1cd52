/* json_get.c - prints values of a JSON file by dotted path, exactly, for the shell tests */

/*
 * Usage: json_get FILE PATH...
 *
 * Prints one line per PATH (e.g. methods.escape.calls): a number as written
 * in the file (64-bit integers exact, unlike tools that read doubles), a
 * string as its text, true/false/null as such. An object or array prints its
 * member names, space separated. A missing path prints nothing and makes the
 * exit status 1; an unreadable or malformed file is status 2.
 */
#include <stdio.h>
#include <string.h>

#include "tb_json.h"

static const struct tb_json *lookup(const struct tb_json *node, const char *path)
{
	char key[256];

	while (node && *path) {
		size_t len = strcspn(path, ".");

		if (len >= sizeof(key))
			return NULL;
		memcpy(key, path, len);
		key[len] = '\0';
		node = tb_json__get(node, key);
		path += len + (path[len] == '.');
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
