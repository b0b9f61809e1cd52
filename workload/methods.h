/* methods.h - the workload's method table: ids, names, self work and call-tree fan-out */
#ifndef TB_METHODS_H
#define TB_METHODS_H

/*
 * One row per method: TB_METHOD(id, name, base_units, per_parent, parent)
 *
 *   base_units  units of self work per call at scale 1 (one unit is one step of
 *               a dependent multiply-add chain, about 1.4 ns on the reference
 *               machine); --scale multiplies it
 *   per_parent  calls per call of the parent method
 *   parent      the caller in the request call tree (the root has itself)
 *
 * The request call tree:
 *
 *   handle_request
 *     parse
 *       parse_header  x8
 *     route
 *     query           (one pread64 system call)
 *     render
 *       render_row    x4
 *         escape      x4
 *     respond         (one writev system call)
 *
 * escape and query are both leaves and query does 100 times the self work of
 * escape, so one --scale gives a short and a long method for latency tests
 * (scale 100 on the reference machine: 1.4 us and 138 us). loop_leaf_method
 * is the probe-loop leaf instrumented like a method; no request calls it.
 */
#define TB_METHODS(TB_METHOD)                               \
	TB_METHOD(0, handle_request, 20, 1, handle_request) \
	TB_METHOD(1, parse, 40, 1, handle_request)          \
	TB_METHOD(2, parse_header, 5, 8, parse)             \
	TB_METHOD(3, route, 10, 1, handle_request)          \
	TB_METHOD(4, query, 1000, 1, handle_request)        \
	TB_METHOD(5, render, 20, 1, handle_request)         \
	TB_METHOD(6, render_row, 10, 4, render)             \
	TB_METHOD(7, escape, 10, 4, render_row)             \
	TB_METHOD(8, respond, 10, 1, handle_request)        \
	TB_METHOD(9, loop_leaf_method, 0, 0, loop_leaf_method)

/* clang-format off */
enum tb_method {
#define TB_METHOD_ENUM(id, name, base_units, per_parent, parent) TB_M_##name = id,
	TB_METHODS(TB_METHOD_ENUM)
#undef TB_METHOD_ENUM
	TB_NR_METHODS
};
/* clang-format on */

#endif /* TB_METHODS_H */
