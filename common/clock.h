/* clock: monotonic time for intervals and wall time for log stamps. */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC; only differences are meaningful. */
uint64_t clock_mono_ns(void);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t clock_mono_ms(void);

/* Writes the current UTC time as RFC 3339 with milliseconds
 * ("2026-11-28T02:10:00.123Z") into buf; needs at least 25 bytes. */
void clock_rfc3339(char *buf, size_t len);

/* Sleeps for ms milliseconds, resuming after signals. */
void clock_sleep_ms(uint64_t ms);

#endif
