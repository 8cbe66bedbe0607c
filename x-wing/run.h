/* run: one tally run: fire the requests, classify each outcome, count it.
 *
 * Glue between fire (transport), reply (what a reply counts as), tally and
 * histogram. Used by the one-shot client, --watch and `xwing serve`. */
#ifndef XW_RUN_H
#define XW_RUN_H

#include <stdio.h>

#include "fire.h"
#include "histogram.h"
#include "reply.h"
#include "tally.h"

struct run_config {
    struct fire_config fire;
    enum reply_by by;
    const char *key; /* for REPLY_BY_KEY */
    FILE *bodies;    /* -v: each reply body, one per line; NULL for none */
    FILE *errors;    /* -v: each failure and libcurl's reason; NULL for none */
};

struct run_state {
    struct tally tally;
    struct histogram latency; /* requests that got an HTTP response */
    uint64_t start_ns;
    uint64_t elapsed_ns;      /* set when the run ends; the ticks see it grow */
};

/* Called at least every 100 ms with the state so far; non-zero stops. */
typedef int (*run_tick_fn)(void *ctx, const struct run_state *st);

/* Runs cfg into st (initialised here). Returns 0, or -1 with err set. */
int run_tally(const struct run_config *cfg, struct run_state *st, run_tick_fn tick, void *ctx,
              char *err, size_t errcap);

/* Counts one outcome into the tally (and its latency into the histogram).
 * Writes the row it landed in into label. Returns 1 for a reply, 0 for a
 * failure. Pure apart from its outputs. */
int run_count(const struct fire_outcome *o, enum reply_by by, const char *key,
              struct tally *t, struct histogram *h, char *label, size_t cap);

#endif
