/* watch: --watch prints one line per interval with what that interval's
 * requests showed, so failover is visible as it happens (Koornacht 10, then
 * timeouts, then Tion 10). */
#ifndef XW_WATCH_H
#define XW_WATCH_H

#include <stdint.h>
#include <stdio.h>

#include "run.h"
#include "tally.h"

struct watch {
    FILE *out;
    uint64_t every_ns, next_ns;
    struct tally seen; /* the cumulative tally at the last line */
};

void watch_init(struct watch *w, FILE *out, uint64_t every_ms);

/* A run_tick_fn: prints a line each time an interval has passed. Never stops. */
int watch_tick(void *ctx, const struct run_state *st);

/* Prints the last, partial interval if it counted anything. */
void watch_finish(struct watch *w, const struct run_state *st);

/* Formats one line for the requests counted in interval, stamped with the
 * elapsed seconds: "   3.0s  10 req  Koornacht 6  Tion 4". */
void watch_line(char *buf, size_t cap, const struct tally *interval, double elapsed_s);

#endif
