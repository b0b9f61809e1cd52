/* methods.c - the workload's methods: a request call tree and the probe-loop leaves */
#define _GNU_SOURCE
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "probes.h"
#include "workload.h"

/* "Methods" are distinct C functions that stay distinct: never inlined, cloned or folded. */
#define TB_METHOD_FN __attribute__((noinline, noclone, used))
/*
 * Helpers inlined into methods. GCC also instruments inlined functions under
 * -finstrument-functions, so they opt out: only methods call the hooks.
 */
#define TB_INLINE static inline __attribute__((always_inline)) TB_NO_HOOKS

#if TB_HAVE_USDT
TB_DEFINE_SEMAPHORE(method_entry);
TB_DEFINE_SEMAPHORE(method_return);
TB_DEFINE_SEMAPHORE(request_start);
TB_DEFINE_SEMAPHORE(request_done);
TB_DEFINE_SEMAPHORE(loop_probe);
TB_DEFINE_SEMAPHORE(loop_guarded);
#endif

tb_call_hook_fn volatile tb_call_hook;

const char *const tb_method_names[TB_NR_METHODS] = {
#define TB_METHOD_NAME(id, name, base_units, per_parent, parent) [id] = #name,
	TB_METHODS(TB_METHOD_NAME)
#undef TB_METHOD_NAME
};

const unsigned int tb_method_base_units[TB_NR_METHODS] = {
#define TB_METHOD_UNITS(id, name, base_units, per_parent, parent) [id] = base_units,
	TB_METHODS(TB_METHOD_UNITS)
#undef TB_METHOD_UNITS
};

static struct tb_thread_stack tb_thread_stacks[TB_STACK_MAX_THREADS];

/* Statically initialised, so a reader finds it valid from the moment of exec. */
struct tb_stack_root tb_stack_root __attribute__((used)) = {
	.magic = TB_STACK_MAGIC,
	.version = TB_STACK_VERSION,
	.nr_methods = TB_NR_METHODS,
	.method_names = (uint64_t)(uintptr_t)tb_method_names,
	.threads = (uint64_t)(uintptr_t)tb_thread_stacks,
	.max_threads = TB_STACK_MAX_THREADS,
	.max_depth = TB_STACK_MAX_DEPTH,
	.thread_stack_size = sizeof(struct tb_thread_stack),
};

uint64_t tb_method_units[TB_NR_METHODS];
int tb_db_fd = -1;
int tb_devnull_fd = -1;
__thread struct tb_worker *tb_self;

#define TB_DB_ROWS 1024
#define TB_DB_ROW_SIZE 64

/* One unit of self work: a step of a dependent multiply-add chain the compiler cannot remove. */
TB_INLINE uint64_t self_work(uint64_t units, uint64_t x)
{
	for (uint64_t i = 0; i < units; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__("" : "+r"(x));
	}
	return x;
}

/*
 * Seqlock writer: odd while the frame and depth change, even again after. The
 * reader is another process, so what matters is the hardware's order: x86-64
 * (the only target: nop5 sites, red zone) never reorders a store with another
 * store, and GCC never moves a memory access across __atomic_thread_fence, so
 * the fences here compile to nothing and still keep the three steps in order.
 */
TB_INLINE void stack_push(struct tb_thread_stack *s, enum tb_method m, uint64_t arg)
{
	uint64_t entry_ns = tb_clock_ns(CLOCK_MONOTONIC);
	uint64_t seq = s->seq;
	uint32_t depth = s->depth;

	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (depth < TB_STACK_MAX_DEPTH) {
		s->frames[depth].method_id = m;
		s->frames[depth].arg = arg;
		s->frames[depth].entry_ns = entry_ns;
	}
	__atomic_store_n(&s->depth, depth + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELAXED);
}

TB_INLINE void stack_pop(struct tb_thread_stack *s)
{
	uint64_t seq = s->seq;

	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->depth, s->depth - 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELAXED);
}

/* What every method does first: ground truth, the in-memory frame, the hook, the probe. */
TB_INLINE struct tb_worker *method_enter(enum tb_method m, uint64_t arg)
{
	struct tb_worker *w = tb_self;

	w->calls[m]++;
	w->arg_sum[m] += arg;
	stack_push(w->stack, m, arg);
	TB_CALL_HOOK(TB_HOOK_CALL, m, arg);
	if (TB_PROBE_ENABLED(method_entry))
		TB_PROBE4(method_entry, m, arg, tb_method_names[m], w->stack->depth);
	return w;
}

TB_INLINE void method_return(struct tb_worker *w, enum tb_method m, uint64_t arg)
{
	if (TB_PROBE_ENABLED(method_return))
		TB_PROBE4(method_return, m, arg, tb_method_names[m], w->stack->depth);
	TB_CALL_HOOK(TB_HOOK_RETURN, m, arg);
	stack_pop(w->stack);
}

static TB_NO_HOOKS uint64_t query_db(struct tb_worker *w, uint64_t row)
{
	unsigned char buf[TB_DB_ROW_SIZE];
	uint64_t sum = 0;
	ssize_t n;

	n = pread(tb_db_fd, buf, sizeof(buf), (off_t)(row % TB_DB_ROWS) * TB_DB_ROW_SIZE);
	w->pread64_calls++;
	if (n != (ssize_t)sizeof(buf)) {
		w->syscall_errors++;
		return 0;
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		sum = sum * 31 + buf[i];
	return sum;
}

static TB_NO_HOOKS uint64_t send_response(struct tb_worker *w, uint64_t body)
{
	char header[] = "HTTP/1.1 200 OK\r\n\r\n";
	struct iovec iov[2] = {
		{ .iov_base = header, .iov_len = sizeof(header) - 1 },
		{ .iov_base = &body, .iov_len = sizeof(body) },
	};
	ssize_t n;

	n = writev(tb_devnull_fd, iov, 2);
	w->writev_calls++;
	if (n != (ssize_t)(sizeof(header) - 1 + sizeof(body))) {
		w->syscall_errors++;
		return 0;
	}
	return (uint64_t)n;
}

TB_NO_HOOKS uint64_t tb_method_self_work(enum tb_method m, uint64_t seed)
{
	uint64_t x = self_work(tb_method_units[m], seed);

	if (m == TB_M_query)
		x += query_db(tb_self, seed);
	else if (m == TB_M_respond)
		x += send_response(tb_self, x);
	return x;
}

TB_METHOD_FN uint64_t escape(uint64_t cell)
{
	struct tb_worker *w = method_enter(TB_M_escape, cell);
	uint64_t x = self_work(tb_method_units[TB_M_escape], cell);

	method_return(w, TB_M_escape, cell);
	return x;
}

TB_METHOD_FN uint64_t render_row(uint64_t row)
{
	struct tb_worker *w = method_enter(TB_M_render_row, row);
	uint64_t x = self_work(tb_method_units[TB_M_render_row], row);

	for (uint64_t col = 0; col < 4; col++)
		x ^= escape(row * 4 + col) + col;
	method_return(w, TB_M_render_row, row);
	return x;
}

TB_METHOD_FN uint64_t render(uint64_t request_id)
{
	struct tb_worker *w = method_enter(TB_M_render, request_id);
	uint64_t x = self_work(tb_method_units[TB_M_render], request_id);

	for (uint64_t row = 0; row < 4; row++)
		x += render_row(request_id * 4 + row) * (row + 1);
	method_return(w, TB_M_render, request_id);
	return x;
}

TB_METHOD_FN uint64_t query(uint64_t key)
{
	struct tb_worker *w = method_enter(TB_M_query, key);
	uint64_t x = self_work(tb_method_units[TB_M_query], key);

	x += query_db(w, key);
	method_return(w, TB_M_query, key);
	return x;
}

TB_METHOD_FN uint64_t route(uint64_t request_id)
{
	struct tb_worker *w = method_enter(TB_M_route, request_id);
	uint64_t x = self_work(tb_method_units[TB_M_route], request_id);

	method_return(w, TB_M_route, request_id);
	return x;
}

TB_METHOD_FN uint64_t parse_header(uint64_t header)
{
	struct tb_worker *w = method_enter(TB_M_parse_header, header);
	uint64_t x = self_work(tb_method_units[TB_M_parse_header], header);

	method_return(w, TB_M_parse_header, header);
	return x;
}

TB_METHOD_FN uint64_t parse(uint64_t request_id)
{
	struct tb_worker *w = method_enter(TB_M_parse, request_id);
	uint64_t x = self_work(tb_method_units[TB_M_parse], request_id);

	for (uint64_t h = 0; h < 8; h++)
		x = (x << 1 | x >> 63) ^ parse_header(request_id * 8 + h);
	method_return(w, TB_M_parse, request_id);
	return x;
}

TB_METHOD_FN uint64_t respond(uint64_t request_id)
{
	struct tb_worker *w = method_enter(TB_M_respond, request_id);
	uint64_t x = self_work(tb_method_units[TB_M_respond], request_id);

	x += send_response(w, x);
	method_return(w, TB_M_respond, request_id);
	return x;
}

TB_METHOD_FN uint64_t handle_request(uint64_t request_id)
{
	struct tb_worker *w;
	uint64_t x;

	if (TB_PROBE_ENABLED(request_start))
		TB_PROBE1(request_start, request_id);
	w = method_enter(TB_M_handle_request, request_id);
	x = self_work(tb_method_units[TB_M_handle_request], request_id);
	x ^= parse(request_id);
	x += route(request_id);
	x += query(request_id);
	x ^= render(request_id);
	x += respond(request_id);
	method_return(w, TB_M_handle_request, request_id);
	w->requests++;
	w->result += x;
	if (TB_PROBE_ENABLED(request_done))
		TB_PROBE2(request_done, request_id, x);
	return x;
}

/*
 * Probe-loop leaves: the same trivial body, each with one kind of
 * instrumentation point. The body keeps two values on the stack across the
 * probe site, as leaf code with a small buffer does; a leaf keeps them in the
 * red zone below %rsp, unless built with -mno-red-zone. That is where the
 * optimised uprobe's call on a 5-byte nop writes, so the result of a probe
 * loop shows whether a build is safe (tests/redzone.t).
 */
#define TB_LEAF_BODY(i, probe)                                 \
	do {                                                   \
		volatile uint64_t scratch[2] = { (i), (i)*3 }; \
		probe;                                         \
		return scratch[0] + scratch[1] + 1;            \
	} while (0)

TB_METHOD_FN uint64_t loop_leaf_empty(uint64_t i)
{
	TB_LEAF_BODY(i, (void)0);
}

TB_METHOD_FN uint64_t loop_leaf_probe(uint64_t i)
{
	TB_LEAF_BODY(i, TB_PROBE1(loop_probe, i));
}

TB_METHOD_FN uint64_t loop_leaf_guarded(uint64_t i)
{
	TB_LEAF_BODY(i, if (TB_PROBE_ENABLED(loop_guarded))
				TB_PROBE2(loop_guarded, i, "loop_leaf_guarded"));
}

TB_METHOD_FN uint64_t loop_leaf_method(uint64_t i)
{
	struct tb_worker *w = method_enter(TB_M_loop_leaf_method, i);

	method_return(w, TB_M_loop_leaf_method, i);
	return i * 3 + 1;
}
