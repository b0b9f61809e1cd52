/* tb_tally.h - counts per string key: leaf functions, folded stacks, methods */
#ifndef TB_TALLY_H
#define TB_TALLY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tb_tally_entry {
	char *key;
	uint64_t count;
};

/* A hash table of keys and their counts; the zero value is an empty tally. */
struct tb_tally {
	struct tb_tally_entry *slots;
	size_t nr_slots, nr_keys;
	uint64_t total; /* sum of every count */
};

#define TB_TALLY_INIT ((struct tb_tally){ 0 })

/* Adds n to key's count (the key is copied). Returns 0 or -ENOMEM (nothing added). */
int tb_tally__add(struct tb_tally *t, const char *key, uint64_t n);

/* key's count, 0 if absent. */
uint64_t tb_tally__get(const struct tb_tally *t, const char *key);

/*
 * The entries, largest count first (ties by key), in a new array of
 * t->nr_keys entries that point into t: free the array, not the keys.
 * Returns NULL when the tally is empty or memory is short.
 */
struct tb_tally_entry *tb_tally__sorted(const struct tb_tally *t);

/*
 * Writes "KEY COUNT" lines, largest first: with keys of frames joined by ';'
 * (root first) this is the folded format flamegraph.pl reads. Returns 0 or
 * -errno.
 */
int tb_tally__write_folded(const struct tb_tally *t, FILE *f);

/*
 * Prints "SAMPLES SHARE WHAT" and then the limit largest keys with their
 * counts and shares of the total, on stdout: the top of a profile.
 */
void tb_tally__print_top(const struct tb_tally *t, const char *what, size_t limit);

/*
 * Writes {key: count / total}, largest first, with w: a result file's
 * profile-like extra (tb_result__set_extra_emit with ctx = the tally).
 */
struct tb_json_writer;
void tb_tally__emit_shares(struct tb_json_writer *w, void *ctx);

void tb_tally__free(struct tb_tally *t);

#endif /* TB_TALLY_H */
