/* signal_floor.h - what build/signal_floor and libtb-signal-floor.so share: the environment */
#ifndef SIGNAL_FLOOR_H
#define SIGNAL_FLOOR_H

/*
 * signal_floor timer starts a command with LD_PRELOAD=libtb-signal-floor.so
 * and these variables, as tb-signal record does with its own; without
 * SIGNAL_FLOOR_ENV_OUT the library does nothing. At exit the library writes
 * to that file a line "floor rate_hz=R clock=wall|cpu start_ns=S end_ns=E
 * no_record=N", then one line per thread "thread tid=T signals=N
 * overruns=O cpu_ns=C start_ns=S end_ns=E" (CLOCK_MONOTONIC times).
 */
#define SIGNAL_FLOOR_ENV_OUT "TB_SIGNAL_FLOOR_OUT" /* the counts file, created 0600 */
#define SIGNAL_FLOOR_ENV_RATE "TB_SIGNAL_FLOOR_RATE" /* signals per second per thread */
#define SIGNAL_FLOOR_ENV_CLOCK "TB_SIGNAL_FLOOR_CLOCK" /* "cpu" (thread CPU time) or "wall" */

#endif /* SIGNAL_FLOOR_H */
