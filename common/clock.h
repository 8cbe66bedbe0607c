/* clock: monotonic time for intervals, wall time for log stamps, and a clock
 * as a value for logic that depends on time, so tests can pass a fake one. */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Nanoseconds on CLOCK_MONOTONIC; only differences are meaningful. */
uint64_t clock_mono_ns(void);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t clock_mono_ms(void);

/* Nanoseconds since the Unix epoch on CLOCK_REALTIME. */
uint64_t clock_wall_ns(void);

/* The clocks a piece of logic reads, passed in rather than called directly
 * (deadline_sweep takes now_ms for the same reason). */
struct clock {
    uint64_t (*mono_ns)(void);
    uint64_t (*wall_ns)(void);
};

/* The real clocks: clock_mono_ns and clock_wall_ns. */
extern const struct clock clock_system;

/* Writes the current UTC time as RFC 3339 with milliseconds
 * ("2026-11-28T02:10:00.123Z") into buf; needs at least 25 bytes. */
void clock_rfc3339(char *buf, size_t len);

/* The same for the time ns nanoseconds since the epoch; milliseconds are
 * truncated, never rounded up into the next second. */
void clock_rfc3339_at(uint64_t ns, char *buf, size_t len);

/* Sleeps for ms milliseconds, resuming after signals. */
void clock_sleep_ms(uint64_t ms);

/* The CLOCK_MONOTONIC time ms from now, as pthread_cond_timedwait wants it
 * for a condition variable whose clock is CLOCK_MONOTONIC. */
struct timespec clock_mono_deadline(uint64_t ms);

/* 1 when a is earlier than b. */
int clock_ts_before(const struct timespec *a, const struct timespec *b);

#endif
