/* fire_threads: fire_run on several event loops, one thread each.
 *
 * One loop of new connections is bound by the one core it runs on (libcurl's
 * per-transfer work: ~35k requests a second here), so a fast target would be
 * measured by xwing's limit rather than its own. Each loop has its own multi
 * and easy handles (libcurl shares neither across threads) and its share of
 * the slots (c split as evenly as it goes) and of the pace (interval_ns times
 * the loops); the request numbers come from one counter (fire_run_shared), so
 * the run still makes exactly n requests. */
#ifndef XW_FIRE_THREADS_H
#define XW_FIRE_THREADS_H

#include "error.h"
#include "fire.h"

/* fire_run with cfg->threads loops, at most one per slot: the first on the
 * calling thread, the others on threads of their own; with one, fire_run
 * itself, no thread started. done and tick are called under one lock, tick
 * by the first loop only, so neither needs to be thread-safe; its stop, the
 * deadline and *stop end every loop. Returns 0, or -1 with err (step
 * "tally") when libcurl or a thread could not be set up. */
int fire_threads_run(const struct fire_config *cfg, fire_done_fn done, fire_tick_fn tick,
                     void *ctx, struct error *err);

#endif
