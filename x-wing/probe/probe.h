/* probe: `xwing probe`, the lab's check as a canary that Prometheus scrapes.
 *
 * Every --every, a round of -n N requests per target (fresh connection and
 * name lookup each, as xwing sends them; the targets in turn), tallied per
 * target; served on --listen as /metrics (probe_render.h), /healthz and /
 * (the live tally as text). Three threads: the round loop (probe_loop.c),
 * libmicrohttpd's (probe_http.c), and the caller's, which waits for SIGTERM
 * or SIGINT. Between rounds both others block: ~0 CPU. Memory is fixed once
 * started, whatever the number of rounds. */
#ifndef XW_PROBE_H
#define XW_PROBE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fire.h"
#include "log.h"
#include "options.h"
#include "probe_state.h"

struct probe {
    pthread_mutex_t lock; /* held to finish a round and to render */
    pthread_cond_t wake;  /* the loop sleeps on it (CLOCK_MONOTONIC) between rounds */
    /* Set once by the main thread to end (under lock, so the loop's wait sees it);
     * read by the loop, and by fire without the lock to abandon a round: atomic. */
    atomic_int stop;
    struct probe_state state;
    struct fire_config fire; /* one round: N per target, the targets in turn */
    uint64_t every_ns;
    uint64_t max_body;
    char header[384]; /* the first line of / (the key can take 255 bytes) */
    struct log log;
};

/* Runs the probe until SIGTERM or SIGINT, which the caller must have blocked
 * in every thread (the threads started here inherit the mask). Returns 0
 * after a clean stop, -1 with err set when it could not start ("cannot
 * listen on 127.0.0.1:9090: Address already in use"). */
int probe_run(const struct options *o, struct error *err);

#endif
