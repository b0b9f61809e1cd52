/* tb_schedule.h - an absolute sampling schedule: tick k due at start + k periods, late ticks
 * skipped and counted */
#ifndef TB_SCHEDULE_H
#define TB_SCHEDULE_H

#include <errno.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <time.h>

/*
 * rbspy's schedule: ticks are due at fixed times from the start, so a slow
 * tick does not shift the ones after it. A tick that comes a whole period or
 * more late skips the ticks it missed and counts them as late, rather than
 * taking them in a burst. Header-only, so that make bench's timer floor
 * (harness/vmreadv_floor.c, built without the tracers' library) sleeps on
 * exactly the schedule tb-vmreadv does.
 */
struct tb_schedule {
	uint64_t period_ns;
	uint64_t next_ns; /* when the next tick is due (CLOCK_MONOTONIC) */
	uint64_t end_ns; /* no tick at or after this */
	uint64_t start_ns;
	uint64_t late; /* ticks skipped */
};

static inline uint64_t tb_schedule__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Starts the schedule now: the first tick is due at once. duration_s 0 means
 * no end. Also sets this thread's timer slack to 1 ns: the default 50 us
 * would make every tick of a fast rate late.
 */
static inline void tb_schedule__start(struct tb_schedule *s, double rate_hz, double duration_s)
{
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	s->period_ns = (uint64_t)(1e9 / rate_hz);
	s->start_ns = s->next_ns = tb_schedule__now_ns();
	s->end_ns = duration_s > 0 ? s->start_ns + (uint64_t)(duration_s * 1e9) : UINT64_MAX;
	s->late = 0;
}

/*
 * Waits for the next tick. Sleeps only if it is not yet due: arming a timer
 * costs even when its time has passed (about 30 us of CPU in this project's
 * VM: the timer interrupt and VM exits), more than a sample. Returns 1 when
 * a tick is due (the schedule has moved on to the one after), 0 at the end,
 * or -EINTR when a signal cut the sleep short (check why, call again).
 */
static inline int tb_schedule__wait(struct tb_schedule *s)
{
	uint64_t now = tb_schedule__now_ns(), wake;

	if (now < s->next_ns && now < s->end_ns) {
		wake = s->next_ns < s->end_ns ? s->next_ns : s->end_ns;
		struct timespec ts = { .tv_sec = wake / 1000000000ull,
				       .tv_nsec = wake % 1000000000ull };

		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
			return -EINTR;
		now = tb_schedule__now_ns();
	}
	if (now >= s->end_ns)
		return 0;
	if (now < s->next_ns)
		return -EINTR; /* woken early */
	if (now - s->next_ns >= s->period_ns) {
		uint64_t missed = (now - s->next_ns) / s->period_ns;

		s->late += missed;
		s->next_ns += missed * s->period_ns;
	}
	s->next_ns += s->period_ns;
	return 1;
}

#endif /* TB_SCHEDULE_H */
