/* outcome: how a tally run ended, and the words for it.
 *
 * Below run (which builds an outcome when a run ends) and report (which shows
 * it), so that neither needs the other to name an end. Pure: no I/O. */
#ifndef XW_OUTCOME_H
#define XW_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include "fire.h" /* FIRE_UNLIMITED: an open-ended run's requested */

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
 * deadline_end (the deadline passed). */
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

#endif
