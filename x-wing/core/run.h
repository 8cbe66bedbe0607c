/* run: one tally run: fire the requests, classify each outcome, count it,
 * and once it is over, how it ended and what it reports.
 *
 * Glue between fire (transport), reply (what a reply counts as), tally and
 * histogram, then expect and report. Used by the one-shot client, --watch and
 * `xwing serve`. */
#ifndef XW_RUN_H
#define XW_RUN_H

#include <stdio.h>

#include "error.h"
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

/* Runs cfg into st (initialised here). Returns 0, or -1 with err set when
 * libcurl could not be set up (fire_run). */
int run_tally(const struct run_config *cfg, struct run_state *st, run_tick_fn tick, void *ctx,
              struct error *err);

/* How a run ended. A planned end (all N done, or --duration) is judged as
 * usual; an interruption (a signal, serve's budget or shutdown) never holds,
 * whatever the partial tally shows, because requests it meant to check were
 * never made. */
enum run_end {
    RUN_END_COUNT,    /* all requested requests completed */
    RUN_END_DURATION, /* --duration passed (planned) */
    RUN_END_SIGNAL,   /* SIGINT or SIGTERM */
    RUN_END_BUDGET,   /* xwing serve's time budget per tally ran out */
    RUN_END_SHUTDOWN, /* xwing serve is stopping */
};

struct run_outcome {
    uint64_t requested; /* FIRE_UNLIMITED when open-ended (no -n) */
    uint64_t completed;
    enum run_end end;
    int signal;         /* RUN_END_SIGNAL: which one */
    uint64_t limit_ms;  /* RUN_END_DURATION, RUN_END_BUDGET: the limit */
};

/* Which end a run had: COUNT when every requested request completed (an
 * open-ended run never does), else stop_end when the stop flag was set, else
 * deadline_end (the deadline passed). Pure. */
enum run_end run_end_of(uint64_t requested, uint64_t completed, int stopped,
                        enum run_end stop_end, enum run_end deadline_end);

/* 1 for the ends that cut a run short: SIGNAL, BUDGET, SHUTDOWN. */
int run_interrupted(const struct run_outcome *o);

/* What ended the run, for JSON "ended_by": "count", "duration", "SIGINT",
 * "SIGTERM" ("signal 1" for others), "budget", "shutdown". */
void run_end_name(const struct run_outcome *o, char *buf, size_t cap);

/* One phrase stating how the run ended, "" for COUNT:
 *   "interrupted after 200 of 1000 requests (SIGINT)"
 *   "interrupted after 200 requests (SIGTERM)"                (open-ended)
 *   "interrupted after 3 of 100 requests (the 60s budget per tally ran out)"
 *   "interrupted after 3 of 100 requests (xwing serve is stopping)"
 *   "stopped by --duration 5s after 30 of 100 requests"
 *   "ran for --duration 2s"                                   (open-ended) */
void run_outcome_describe(const struct run_outcome *o, char *buf, size_t cap);

/* The process exit status: 128 + the signal for RUN_END_SIGNAL (130 for
 * SIGINT, 143 for SIGTERM, as shells report), else verdict_status. */
int run_exit_status(const struct run_outcome *o, int verdict_status);

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
