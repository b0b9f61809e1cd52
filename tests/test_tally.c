/* test_tally.c - tb_tally: counts equal a naive count's, sorted and folded output in order */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "tb_tally.h"

#define NR_KEYS 3000

int main(void)
{
	static uint64_t want[NR_KEYS];
	struct tb_tally t = TB_TALLY_INIT;
	struct tb_tally_entry *sorted;
	uint64_t want_total = 0;
	char key[64], *folded = NULL;
	size_t folded_len = 0, i;
	bool counts_ok = true, order_ok = true;
	FILE *f;

	tap_ok(tb_tally__get(&t, "absent") == 0 && !tb_tally__sorted(&t), "empty tally");
	srandom(7);
	/* Enough distinct keys to make the table grow many times, in random order. */
	for (i = 0; i < 100000; i++) {
		unsigned int k = random() % NR_KEYS, n = 1 + random() % 3;

		snprintf(key, sizeof(key), "main;handle_request;method_%u", k);
		if (tb_tally__add(&t, key, n))
			break;
		want[k] += n;
		want_total += n;
	}
	tap_is_u64(i, 100000, "every add succeeded");
	for (i = 0; i < NR_KEYS; i++) {
		snprintf(key, sizeof(key), "main;handle_request;method_%zu", i);
		counts_ok &= tb_tally__get(&t, key) == want[i];
	}
	tap_ok(counts_ok, "each key's count equals the naive count");
	tap_is_u64(t.total, want_total, "total is the sum of the counts");

	sorted = tb_tally__sorted(&t);
	for (i = 1; sorted && i < t.nr_keys; i++)
		order_ok &= sorted[i - 1].count >= sorted[i].count;
	tap_ok(sorted && order_ok, "sorted: largest count first");
	free(sorted);

	tb_tally__free(&t);
	tb_tally__add(&t, "a;b;c", 2);
	tb_tally__add(&t, "a;b", 5);
	tb_tally__add(&t, "a;b;c", 1);
	tb_tally__add(&t, "a;d", 3);
	f = open_memstream(&folded, &folded_len);
	tap_ok(f && !tb_tally__write_folded(&t, f), "folded output written");
	fclose(f);
	tap_ok(folded && !strcmp(folded, "a;b 5\na;b;c 3\na;d 3\n"),
	       "folded lines: KEY COUNT, largest first, ties by key");
	free(folded);
	tb_tally__free(&t);
	tap_ok(t.nr_keys == 0 && t.total == 0, "freed tally is empty again");
	return tap_done();
}
