/* tb_hist.c - log2 latency histograms: buckets and the BCC-style text printer */
#include "tb_hist.h"
#include "tb_json.h"

#define BAR_WIDTH 40

uint64_t tb_hist__bucket_low(unsigned int b)
{
	return b ? 1ull << (b - 1) : 0;
}

uint64_t tb_hist__bucket_high(unsigned int b)
{
	if (b >= 64)
		return UINT64_MAX;
	return b ? (1ull << b) - 1 : 0;
}

void tb_hist__print(FILE *f, const uint64_t *buckets, size_t nr, const char *unit)
{
	size_t first = nr, last = 0;
	uint64_t max = 0;
	int width;

	for (size_t i = 0; i < nr; i++) {
		if (!buckets[i])
			continue;
		if (first == nr)
			first = i;
		last = i;
		if (buckets[i] > max)
			max = buckets[i];
	}
	if (first == nr) {
		fprintf(f, "     (no %s values recorded)\n", unit);
		return;
	}
	width = snprintf(NULL, 0, "%llu", (unsigned long long)tb_hist__bucket_high(last));
	if (width < 5)
		width = 5;
	/* The unit is centred over the "low -> high" column, as BCC does. */
	fprintf(f, "%*s%-*s : count     distribution\n", width + 2, unit, width + 2, "");
	for (size_t i = first; i <= last; i++) {
		unsigned int stars = (double)buckets[i] * BAR_WIDTH / max;
		char bar[BAR_WIDTH + 1];

		for (unsigned int s = 0; s < BAR_WIDTH; s++)
			bar[s] = s < stars ? '*' : ' ';
		bar[BAR_WIDTH] = 0;
		fprintf(f, "%*llu -> %-*llu : %-8llu |%s|\n", width,
			(unsigned long long)tb_hist__bucket_low(i), width,
			(unsigned long long)tb_hist__bucket_high(i), (unsigned long long)buckets[i],
			bar);
	}
}

void tb_hist__write_json(struct tb_json_writer *w, uint64_t calls, uint64_t sum_ns,
			 const uint64_t *buckets, size_t nr)
{
	size_t last = 0;

	for (size_t b = 0; b < nr; b++)
		if (buckets[b])
			last = b + 1;
	tb_json_writer__key(w, "calls");
	tb_json_writer__u64(w, calls);
	tb_json_writer__key(w, "mean_ns");
	tb_json_writer__double(w, calls ? (double)sum_ns / (double)calls : 0.0);
	tb_json_writer__key(w, "log2_ns");
	tb_json_writer__begin_array(w);
	for (size_t b = 0; b < last; b++)
		tb_json_writer__u64(w, buckets[b]);
	tb_json_writer__end_array(w);
}
