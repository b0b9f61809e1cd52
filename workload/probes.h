/* probes.h - every instrumentation point of the workload: USDT probes, semaphores, the call hook */
#ifndef TB_PROBES_H
#define TB_PROBES_H

#include <stdint.h>

/*
 * Build variants (selected with -D by the Makefile):
 *
 *   (none)          no USDT probes: the probe macros compile to nothing
 *   TB_USDT         sys/sdt.h probes, each site a 1-byte nop (0x90)
 *   TB_USDT_NOP5    as TB_USDT, each site a 5-byte nop (0f 1f 44 00 00), which
 *                   Linux 6.18 can turn into a call to a uprobe trampoline
 *                   instead of an int3; that call pushes its return address
 *                   below the stack pointer, so this variant must be compiled
 *                   with -mno-red-zone (the Makefile does, and
 *                   tests/redzone.t checks why)
 *
 * Probes of provider "tracebench" (arguments in order):
 *
 *   method_entry   (method_id, arg, name, depth)   semaphore-guarded
 *   method_return  (method_id, arg, name, depth)   semaphore-guarded
 *   request_start  (request_id)                    semaphore-guarded
 *   request_done   (request_id, result)            semaphore-guarded
 *   loop_probe     (i)                             bare: the semaphore is never checked
 *   loop_guarded   (i, name)                       semaphore-guarded
 *
 * A guarded site reads its semaphore (an unsigned short the kernel increments
 * for every attached uprobe) and skips the argument preparation and the nop
 * while it is zero.
 */

#if defined(TB_USDT) || defined(TB_USDT_NOP5)
#define TB_HAVE_USDT 1
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#ifdef TB_USDT_NOP5
/*
 * sys/sdt.h expands _SDT_NOP at each probe site, so a later definition wins.
 * {disp8} keeps the zero displacement: exactly 0f 1f 44 00 00, the only
 * 5-byte nop the kernel optimises.
 */
#undef _SDT_NOP
/* clang-format off */
#define _SDT_NOP %{disp8%} nopl 0(%%rax, %%rax, 1)
/* clang-format on */
#endif

#define TB_SEMAPHORE(name) tracebench_##name##_semaphore
#define TB_DECLARE_SEMAPHORE(name) extern volatile unsigned short TB_SEMAPHORE(name)
#define TB_DEFINE_SEMAPHORE(name) \
	volatile unsigned short TB_SEMAPHORE(name) __attribute__((section(".probes"), used))
#define TB_PROBE_ENABLED(name) __builtin_expect(TB_SEMAPHORE(name) != 0, 0)
#define TB_PROBE1(name, a) DTRACE_PROBE1(tracebench, name, a)
#define TB_PROBE2(name, a, b) DTRACE_PROBE2(tracebench, name, a, b)
#define TB_PROBE4(name, a, b, c, d) DTRACE_PROBE4(tracebench, name, a, b, c, d)
#else
#define TB_HAVE_USDT 0
#define TB_DECLARE_SEMAPHORE(name) extern int tb_no_semaphore_##name
#define TB_PROBE_ENABLED(name) 0
#define TB_PROBE1(name, a) ((void)(a))
#define TB_PROBE2(name, a, b) ((void)(a), (void)(b))
#define TB_PROBE4(name, a, b, c, d) ((void)(a), (void)(b), (void)(c), (void)(d))
#endif

TB_DECLARE_SEMAPHORE(method_entry);
TB_DECLARE_SEMAPHORE(method_return);
TB_DECLARE_SEMAPHORE(request_start);
TB_DECLARE_SEMAPHORE(request_done);
TB_DECLARE_SEMAPHORE(loop_probe);
TB_DECLARE_SEMAPHORE(loop_guarded);

/*
 * The all-or-nothing per-call hook, like Ruby's TracePoint: every method
 * checks this pointer on entry and return and calls it when it is set. A
 * library loaded into the workload switches it on by storing a function here
 * (the symbol is exported). It is the same in every build variant.
 */
enum tb_hook_event {
	TB_HOOK_CALL = 1,
	TB_HOOK_RETURN = 2,
};

typedef void (*tb_call_hook_fn)(enum tb_hook_event event, uint32_t method_id, uint64_t arg);
extern tb_call_hook_fn volatile tb_call_hook;

#define TB_CALL_HOOK(event, method_id, arg)            \
	do {                                           \
		tb_call_hook_fn hook__ = tb_call_hook; \
		if (__builtin_expect(hook__ != 0, 0))  \
			hook__(event, method_id, arg); \
	} while (0)

#endif /* TB_PROBES_H */
