/* tb_tally.c - counts per string key in an open-addressing hash table */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tb_json.h"
#include "tb_tally.h"

/* FNV-1a: short keys, no adversary. */
static uint64_t hash_key(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 0x100000001b3ull;
	return h;
}

static struct tb_tally_entry *slot_of(struct tb_tally_entry *slots, size_t nr_slots,
				      const char *key)
{
	size_t i = hash_key(key) & (nr_slots - 1);

	while (slots[i].key && strcmp(slots[i].key, key))
		i = (i + 1) & (nr_slots - 1);
	return &slots[i];
}

/* Doubles the table (at least 64 slots), keeping it at most half full. */
static int grow(struct tb_tally *t)
{
	size_t nr = t->nr_slots ? 2 * t->nr_slots : 64;
	struct tb_tally_entry *slots = calloc(nr, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->nr_slots; i++)
		if (t->slots[i].key)
			*slot_of(slots, nr, t->slots[i].key) = t->slots[i];
	free(t->slots);
	t->slots = slots;
	t->nr_slots = nr;
	return 0;
}

int tb_tally__add(struct tb_tally *t, const char *key, uint64_t n)
{
	struct tb_tally_entry *e;

	if (2 * (t->nr_keys + 1) > t->nr_slots && grow(t))
		return -ENOMEM;
	e = slot_of(t->slots, t->nr_slots, key);
	if (!e->key) {
		e->key = strdup(key);
		if (!e->key)
			return -ENOMEM;
		t->nr_keys++;
	}
	e->count += n;
	t->total += n;
	return 0;
}

uint64_t tb_tally__get(const struct tb_tally *t, const char *key)
{
	if (!t->nr_slots)
		return 0;
	return slot_of(t->slots, t->nr_slots, key)->count;
}

static int by_count(const void *a, const void *b)
{
	const struct tb_tally_entry *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

struct tb_tally_entry *tb_tally__sorted(const struct tb_tally *t)
{
	struct tb_tally_entry *out;
	size_t n = 0;

	if (!t->nr_keys)
		return NULL;
	out = malloc(t->nr_keys * sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < t->nr_slots; i++)
		if (t->slots[i].key)
			out[n++] = t->slots[i];
	qsort(out, n, sizeof(*out), by_count);
	return out;
}

int tb_tally__write_folded(const struct tb_tally *t, FILE *f)
{
	struct tb_tally_entry *sorted = tb_tally__sorted(t);

	if (!sorted && t->nr_keys)
		return -ENOMEM;
	for (size_t i = 0; i < t->nr_keys; i++)
		fprintf(f, "%s %llu\n", sorted[i].key, (unsigned long long)sorted[i].count);
	free(sorted);
	return ferror(f) ? -EIO : 0;
}

void tb_tally__free(struct tb_tally *t)
{
	for (size_t i = 0; i < t->nr_slots; i++)
		free(t->slots[i].key);
	free(t->slots);
	*t = TB_TALLY_INIT;
}

void tb_tally__print_top(const struct tb_tally *t, const char *what, size_t limit)
{
	struct tb_tally_entry *top = tb_tally__sorted(t);

	printf("%8s %7s  %s\n", "SAMPLES", "SHARE", what);
	for (size_t i = 0; top && i < t->nr_keys && i < limit; i++)
		printf("%8" PRIu64 " %6.2f%%  %s\n", top[i].count,
		       100.0 * (double)top[i].count / (double)(t->total ? t->total : 1),
		       top[i].key);
	free(top);
}

void tb_tally__emit_shares(struct tb_json_writer *w, void *ctx)
{
	const struct tb_tally *t = ctx;
	struct tb_tally_entry *sorted = tb_tally__sorted(t);

	tb_json_writer__begin_object(w);
	for (size_t i = 0; sorted && i < t->nr_keys; i++) {
		tb_json_writer__key(w, sorted[i].key);
		tb_json_writer__double(w, (double)sorted[i].count / (double)t->total);
	}
	tb_json_writer__end_object(w);
	free(sorted);
}
