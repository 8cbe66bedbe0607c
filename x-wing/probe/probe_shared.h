/* probe_shared: what the probe's threads share, the running probe.
 *
 * Written by probe.c (setup), the round loop (probe_loop.c) and read by the
 * HTTP handler (probe_http.c): the parts include this, not probe.h, so none
 * of them needs the one that starts them. */
#ifndef XW_PROBE_SHARED_H
#define XW_PROBE_SHARED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "fire.h"
#include "log.h"
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

#endif
