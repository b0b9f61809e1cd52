/* tb_hist.h - log2 latency histograms: buckets and the BCC-style text printer */
#ifndef TB_HIST_H
#define TB_HIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Bucket 0 holds the value 0; bucket b >= 1 holds [2^(b-1), 2^b - 1]: the
 * bucket of v is floor(log2(v)) + 1. (BPF programs compute it themselves.)
 */
uint64_t tb_hist__bucket_low(unsigned int b);
uint64_t tb_hist__bucket_high(unsigned int b);

/*
 * Prints buckets[0..nr) the way the BCC tools print a log2 histogram: a
 * header naming the unit, then "low -> high : count |****|" per bucket from
 * the first to the last non-empty one. Prints a note instead when all are 0.
 */
void tb_hist__print(FILE *f, const uint64_t *buckets, size_t nr, const char *unit);

/*
 * Writes the members "calls", "mean_ns" (sum_ns / calls, 0 without calls) and
 * "log2_ns" (buckets[0..] up to the last non-empty one) into the JSON object
 * being written: the latency of one function or site in a result file.
 */
struct tb_json_writer;
void tb_hist__write_json(struct tb_json_writer *w, uint64_t calls, uint64_t sum_ns,
			 const uint64_t *buckets, size_t nr);

#endif /* TB_HIST_H */
