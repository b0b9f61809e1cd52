/* sdt_app.c - a small program, not the workload, with its own USDT probes for tests of tb-usdt */
#define _GNU_SOURCE
#define _SDT_HAS_SEMAPHORES 1
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

/*
 * Usage: sdt-app ITERATIONS [GATE]
 *
 * Each iteration hits tbtest:tick, calls the library's probe tbtestlib:work
 * and, only while someone is attached to it, runs the code guarded by the
 * semaphore of tbtest:guarded. With GATE (a FIFO) it first waits for one
 * byte there, so a tracer can attach by pid before anything happens. At the
 * end it prints what it did: "ticks=N work=N guarded=N checksum=N".
 *
 * It also carries a note for tbtest:bad_site that points into the middle of
 * an instruction: a tracer must refuse it rather than plant an int3 there.
 */

unsigned long tbtestlib_work(unsigned long i);

/* With _SDT_HAS_SEMAPHORES every probe has one; only tbtest:guarded's is checked. */
unsigned short tbtest_tick_semaphore __attribute__((section(".probes"), used));
unsigned short tbtest_guarded_semaphore __attribute__((section(".probes"), used));

/* A hand-written stapsdt note whose address is 2 bytes into a 10-byte movabs. */
static void __attribute__((noinline)) bad_site(void)
{
	__asm__ volatile("990: movabs $0x1122334455667788, %%rax\n"
			 ".pushsection .note.stapsdt,\"?\",\"note\"\n"
			 ".balign 4\n"
			 ".4byte 992f-991f, 994f-993f, 3\n"
			 "991: .asciz \"stapsdt\"\n"
			 "992: .balign 4\n"
			 "993: .8byte 990b+2\n"
			 ".8byte _.stapsdt.base\n"
			 ".8byte 0\n"
			 ".asciz \"tbtest\"\n"
			 ".asciz \"bad_site\"\n"
			 ".asciz \"\"\n"
			 "994: .balign 4\n"
			 ".popsection\n"
			 :
			 :
			 : "rax");
}

int main(int argc, char **argv)
{
	unsigned long n, ticks = 0, work = 0, guarded = 0, checksum = 0;
	char go;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sdt-app ITERATIONS [GATE]\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	if (argc == 3) {
		int fd = open(argv[2], O_RDONLY);

		if (fd < 0 || read(fd, &go, 1) != 1) {
			perror("sdt-app: gate");
			return 1;
		}
		close(fd);
	}
	bad_site();
	for (unsigned long i = 0; i < n; i++) {
		DTRACE_PROBE2(tbtest, tick, i, n);
		ticks++;
		checksum += tbtestlib_work(i);
		work++;
		if (*(volatile unsigned short *)&tbtest_guarded_semaphore) {
			guarded++;
			DTRACE_PROBE1(tbtest, guarded, i);
		}
	}
	printf("ticks=%lu work=%lu guarded=%lu checksum=%lu\n", ticks, work, guarded, checksum);
	return 0;
}
