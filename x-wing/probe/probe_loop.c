#include "probe_loop.h"

#include <time.h>

#include "clock.h"

uint64_t probe_next_due(uint64_t due, uint64_t now, uint64_t every)
{
    uint64_t next = due + every;
    return next > now ? next : now;
}

/* Whether the main thread has asked the loop to end (probe_loop_stop). */
static int stopped(struct probe *p)
{
    return atomic_load(&p->stop);
}

static void on_done(void *ctx, const struct fire_outcome *o)
{
    struct probe *p = ctx;
    probe_round_count(&p->state, o);
}

static void log_verdicts(struct probe *p)
{
    for (size_t i = 0; i < p->state.ntargets; i++) {
        const struct probe_target *t = &p->state.targets[i];
        if (!t->verdict_changed)
            continue;
        log_event(&p->log, t->verdict.ok ? LOG_INFO : LOG_WARN, "expect", "%s: %s: %s", t->url,
                  t->verdict.ok ? "ok" : "FAILED", t->verdict.reason);
    }
}

/* One round: the work rounds are this thread's alone until the finish swaps
 * them in under the lock, so only that step blocks /metrics. */
static void one_round(struct probe *p)
{
    struct error err;
    uint64_t start = clock_mono_ns();
    probe_round_start(&p->state);
    if (fire_run(&p->fire, on_done, NULL, p, &err)) {
        log_event(&p->log, LOG_ERROR, "round", "%s", err.msg);
        return;
    }
    pthread_mutex_lock(&p->lock);
    if (!stopped(p))
        probe_round_finish(&p->state, clock_mono_ns() - start);
    pthread_mutex_unlock(&p->lock);
    if (!stopped(p) && p->state.judged)
        log_verdicts(p); /* this thread is the only writer: no lock to read */
}

/* Sleeps until due_ns on CLOCK_MONOTONIC, the wake condition's clock, or
 * until the stop. Waits are whole milliseconds, rounded up: a round may start
 * up to 1 ms late, never early. */
static void sleep_until(struct probe *p, uint64_t due_ns)
{
    uint64_t now;
    pthread_mutex_lock(&p->lock);
    while (!stopped(p) && (now = clock_mono_ns()) < due_ns) {
        struct timespec ts = clock_mono_deadline((due_ns - now + 999999u) / 1000000u);
        pthread_cond_timedwait(&p->wake, &p->lock, &ts);
    }
    pthread_mutex_unlock(&p->lock);
}

void *probe_loop_main(void *arg)
{
    struct probe *p = arg;
    uint64_t due = clock_mono_ns();
    while (!stopped(p)) {
        one_round(p);
        due = probe_next_due(due, clock_mono_ns(), p->every_ns);
        sleep_until(p, due);
    }
    return NULL;
}

void probe_loop_stop(struct probe *p)
{
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}
