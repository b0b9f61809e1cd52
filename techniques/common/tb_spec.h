/* tb_spec.h - probe, symbol and system call specs from the command line; USDT argument specs */
#ifndef TB_SPEC_H
#define TB_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Pure parsers: no file, process or table but the caller's is looked at, so
 * each can be tested and fuzzed on its own (fuzz/). Strings they return are
 * malloc'd; the caller frees them, also on failure (those not set are NULL).
 */

/*
 * [PATH:]PROVIDER:NAME (tb-usdt): NAME after the last ':', PROVIDER before
 * it back to the ':' before that, PATH (*path NULL without one) everything
 * earlier. Returns 0, -EINVAL (no ':', an empty NAME, PROVIDER or PATH) or
 * -ENOMEM.
 */
int tb_spec__probe(const char *spec, char **path, char **provider, char **name);

/*
 * [FILE:]SYMBOL[+OFFSET] (tb-ptrace): FILE before the last ':' (*file NULL
 * without one), OFFSET in C notation (decimal, 0x hex or 0 octal, *offset 0
 * without one). Returns 0, -EINVAL (an empty FILE or SYMBOL, an OFFSET that
 * is not a whole number below 2^64) or -ENOMEM.
 */
int tb_spec__symbol(const char *spec, char **file, char **symbol, uint64_t *offset);

/*
 * The number of arguments in a USDT note's argument spec ("8@%rdi -4@$5",
 * blank-separated); with unsigned_bits, bit i set when argument i (i < 32) is
 * unsigned: its size has no minus sign.
 */
int tb_spec__usdt_nr_args(const char *args, uint32_t *unsigned_bits);

/*
 * The first argument of a USDT argument spec that libbpf cannot read, by
 * index, copied (cut to fit) into bad; -1 if it reads them all. libbpf reads
 * SIZE@$CONST, SIZE@%REG, SIZE@OFFSET(%REG) and SIZE@(%REG); anything else
 * (a symbol, an index register) fails the whole attach.
 */
int tb_spec__usdt_unreadable_arg(const char *args, char *bad, size_t len);

/*
 * NAME[,NAME...] against a table of names (names[i] NULL for an unused
 * index): sets wanted[i] for each NAME; empty names between commas are
 * skipped. Returns the number of NAMEs given (repeats counted), or -EINVAL
 * with *bad (malloc'd) the first NAME not in the table, or -ENOMEM.
 */
int tb_spec__name_list(const char *list, const char *const *names, size_t nr_names, bool *wanted,
		       char **bad);

#endif /* TB_SPEC_H */
