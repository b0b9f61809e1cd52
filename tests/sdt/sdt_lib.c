/* sdt_lib.c - a shared library with a USDT probe, loaded by sdt-app, for tb-usdt's tests */
#include <sys/sdt.h>

unsigned long tbtestlib_work(unsigned long i)
{
	unsigned long v = i * 7 + 1;

	DTRACE_PROBE2(tbtestlib, work, i, v);
	return v;
}
