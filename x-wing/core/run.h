/* run: one tally run: fire the requests, classify each outcome, count it,
 * and once it is over, how it ended and what it reports.
 *
 * Glue between fire (transport), reply (what a reply counts as), tally and
 * histogram, then outcome, expect and report. Used by the one-shot client, --watch and
 * `xwing serve`. */
#ifndef XW_RUN_H
#define XW_RUN_H

#include <stdio.h>

#include "error.h"
#include "fire.h"
#include "histogram.h"
#include "outcome.h"
#include "reply.h"
#include "tally.h"

struct run_config {
    struct fire_config fire;
    enum reply_by by;
    const char *key; /* for REPLY_BY_KEY */
    FILE *bodies;    /* -v: each reply body, one per line; NULL for none */
    FILE *errors;    /* -v: each failure and libcurl's reason; NULL for none */
    const char *const *pins; /* values counted exactly (tally_pin): the expected ones */
    size_t npins;
};

struct run_state {
    struct tally tally;
    struct histogram latency; /* requests that got an HTTP response */
    uint64_t start_ns;
    uint64_t elapsed_ns;      /* set when the run ends; the ticks see it grow */
};

/* Called at least every 100 ms with the state so far; non-zero stops. */
typedef int (*run_tick_fn)(void *ctx, const struct run_state *st);

/* Runs cfg into st (initialised here), on cfg->fire.threads event loops
 * (fire_threads.h: the tick runs on the calling thread, never beside a
 * count). Returns 0, or -1 with err set when libcurl or a thread could not
 * be set up. */
int run_tally(const struct run_config *cfg, struct run_state *st, run_tick_fn tick, void *ctx,
              struct error *err);

/* What ends a run short of its count, as its outcome names it: the end a
 * set stop flag means, the end the deadline means, and that deadline's
 * length. The client: SIGNAL, DURATION and --duration; serve: SHUTDOWN,
 * BUDGET and --tally-budget. */
struct run_ends {
    enum run_end stop;
    enum run_end deadline;
    uint64_t limit_ms;
};

/* How the finished run st of cfg ended, with ends; stopped: the stop flag as
 * it was when the run ended (the client's signal number), 0 when not set.
 * The one place the command line and /tally build an outcome. */
struct run_outcome run_outcome_of(const struct run_config *cfg, const struct run_state *st,
                                  const struct run_ends *ends, int stopped);

struct expect;
struct expect_result;
struct report;

/* A finished run, judged and ready to print: evaluates e on st's tally into
 * er, adds how the run ended (out) to the verdict, and returns the report of
 * cfg's targets, key and body cap, pointing at st, er and out. The one place
 * the command line and /tally turn a run into what they show. */
struct report run_report(const struct run_config *cfg, const struct run_state *st,
                         const struct expect *e, const struct run_outcome *out,
                         struct expect_result *er);

/* Counts one outcome into the tally (and its latency into the histogram).
 * Writes the row it landed in into label. Returns 1 for a reply, 0 for a
 * failure. Pure apart from its outputs. */
int run_count(const struct fire_outcome *o, enum reply_by by, const char *key,
              struct tally *t, struct histogram *h, char *label, size_t cap);

#endif
