#include "fire_threads.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* What the loops of one run share. */
struct fire_threads {
    struct fire_claims claims;
    pthread_mutex_t lock; /* the caller's done and tick are not thread-safe */
    /* The tick asked to stop, or a loop could not start: the others see it
     * in their own tick, as one loop sees its tick's answer. */
    atomic_int halt;
    fire_done_fn done;
    fire_tick_fn tick;
    void *ctx;
};

/* One loop and what it returns. */
struct lane {
    struct fire_threads *all;
    struct fire_config cfg;
    pthread_t id;
    int first;   /* the one that ticks, on the calling thread */
    int started; /* read by the calling thread only, after pthread_create */
    int rc;
    struct error err;
};

static void locked_done(void *ctx, const struct fire_outcome *o)
{
    struct fire_threads *all = ((struct lane *)ctx)->all;
    pthread_mutex_lock(&all->lock);
    all->done(all->ctx, o);
    pthread_mutex_unlock(&all->lock);
}

/* The first loop's: the caller's tick, under the lock since it reads what
 * done writes. */
static int first_tick(void *ctx)
{
    struct fire_threads *all = ((struct lane *)ctx)->all;
    int stop = 0;
    if (all->tick) {
        pthread_mutex_lock(&all->lock);
        stop = all->tick(all->ctx);
        pthread_mutex_unlock(&all->lock);
    }
    if (stop)
        atomic_store(&all->halt, 1);
    return stop || atomic_load_explicit(&all->halt, memory_order_relaxed);
}

static int other_tick(void *ctx)
{
    return atomic_load_explicit(&((struct lane *)ctx)->all->halt, memory_order_relaxed);
}

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    fire_tick_fn tick = l->first ? first_tick : other_tick;
    l->rc = fire_run_shared(&l->cfg, &l->all->claims, locked_done, tick, l, &l->err);
    if (l->rc)
        atomic_store(&l->all->halt, 1);
    return NULL;
}

/* Lane i's config: its share of the slots, c split as evenly as it goes,
 * and of the pace, which all of them together keep. */
static void lane_config(struct lane *l, const struct fire_config *cfg, unsigned i, unsigned n)
{
    l->cfg = *cfg;
    l->cfg.c = cfg->c / n + (i < cfg->c % n);
    l->cfg.interval_ns = cfg->interval_ns * n;
}

/* Starts lanes 1..n-1; the first that cannot start halts the run. */
static void start_others(struct lane *lanes, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        int e = pthread_create(&lanes[i].id, NULL, lane_main, &lanes[i]);
        if (e) {
            lanes[i].rc = error_set(&lanes[i].err, "tally", "cannot start event loop %u of %u: %s",
                                    i + 1, n, strerror(e));
            atomic_store(&lanes[0].all->halt, 1);
            return;
        }
        lanes[i].started = 1;
    }
}

int fire_threads_run(const struct fire_config *cfg, fire_done_fn done, fire_tick_fn tick,
                     void *ctx, struct error *err)
{
    uint64_t slots = cfg->c < cfg->n ? cfg->c : cfg->n;
    unsigned n = cfg->threads < slots ? cfg->threads : (unsigned)slots;
    if (n <= 1)
        return fire_run(cfg, done, tick, ctx, err);

    struct fire_config capped = *cfg;
    struct fire_threads all = {.done = done, .tick = tick, .ctx = ctx};
    struct lane *lanes = calloc(n, sizeof *lanes);
    int e, rc = 0;

    capped.c = (unsigned)slots;
    if (!lanes)
        return error_set(err, "tally", "cannot set up %u event loops: out of memory", n);
    if ((e = pthread_mutex_init(&all.lock, NULL))) {
        free(lanes);
        return error_set(err, "tally", "cannot set up event loops: %s", strerror(e));
    }
    for (unsigned i = 0; i < n; i++) {
        lanes[i].all = &all;
        lanes[i].first = i == 0;
        lane_config(&lanes[i], &capped, i, n);
    }
    start_others(lanes, n);
    lane_main(&lanes[0]);
    for (unsigned i = 1; i < n; i++)
        if (lanes[i].started)
            pthread_join(lanes[i].id, NULL);
    for (unsigned i = 0; i < n && rc == 0; i++)
        if ((rc = lanes[i].rc))
            *err = lanes[i].err;
    pthread_mutex_destroy(&all.lock);
    free(lanes);
    return rc;
}
