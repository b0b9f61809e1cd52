/* redzone.c - keeps live data in the x86-64 red zone across a 5-byte-nop USDT site */

/*
 * A leaf function may keep locals in the 128 bytes below %rsp (the red zone)
 * without moving %rsp. When the kernel optimises a uprobe on a 5-byte nop, the
 * nop becomes a call into a trampoline, and that call pushes a return address
 * (and the trampoline saves registers) right there. Built with the red zone,
 * this program computes wrong sums while the probe is attached; built with
 * -mno-red-zone, it cannot. tests/redzone.t runs both.
 *
 * Usage: redzone ITERATIONS   prints "mismatches=N" and exits 1 if N > 0
 * Waits at the start gate first when $TB_GATE_FD is set.
 */
#define TB_USDT_NOP5 1
#include <stdio.h>
#include <stdlib.h>

#include "probes.h"
#include "tb_gate.h"

TB_DEFINE_SEMAPHORE(loop_probe);

static uint64_t __attribute__((noinline)) mix(uint64_t x)
{
	volatile uint64_t slot[4]; /* a leaf's locals: in the red zone unless -mno-red-zone */

	slot[0] = x;
	slot[1] = x * 3;
	slot[2] = x ^ 0x5555;
	slot[3] = x + 7;
	TB_PROBE1(loop_probe, x);
	return slot[0] + slot[1] + slot[2] + slot[3];
}

int main(int argc, char **argv)
{
	const char *gate = getenv(TB_GATE_ENV);
	uint64_t n, mismatches = 0;

	if (argc != 2 || (n = strtoull(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: %s ITERATIONS\n", argv[0]);
		return 2;
	}
	if (gate && tb_gate__wait(atoi(gate))) {
		fprintf(stderr, "redzone: start gate closed before release\n");
		return 3;
	}
	for (uint64_t i = 0; i < n; i++)
		if (mix(i) != i + i * 3 + (i ^ 0x5555) + i + 7)
			mismatches++;
	printf("mismatches=%llu\n", (unsigned long long)mismatches);
	return mismatches ? 1 : 0;
}
