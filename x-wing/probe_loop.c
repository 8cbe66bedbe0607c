#include "probe_loop.h"

#include <time.h>

#include "clock.h"

uint64_t probe_next_due(uint64_t due, uint64_t now, uint64_t every)
{
    uint64_t next = due + every;
    return next > now ? next : now;
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
    char err[256];
    uint64_t start = clock_mono_ns();
    probe_round_start(&p->state);
    if (fire_run(&p->fire, on_done, NULL, p, err, sizeof err)) {
        log_event(&p->log, LOG_ERROR, "round", "%s", err);
        return;
    }
    pthread_mutex_lock(&p->lock);
    if (!p->stop)
        probe_round_finish(&p->state, clock_mono_ns() - start);
    pthread_mutex_unlock(&p->lock);
    if (!p->stop && p->state.judged)
        log_verdicts(p); /* this thread is the only writer: no lock to read */
}

static void sleep_until(struct probe *p, uint64_t due_ns)
{
    struct timespec ts = {.tv_sec = (time_t)(due_ns / 1000000000u),
                          .tv_nsec = (long)(due_ns % 1000000000u)};
    pthread_mutex_lock(&p->lock);
    while (!p->stop && clock_mono_ns() < due_ns)
        pthread_cond_timedwait(&p->wake, &p->lock, &ts);
    pthread_mutex_unlock(&p->lock);
}

void *probe_loop_main(void *arg)
{
    struct probe *p = arg;
    uint64_t due = clock_mono_ns();
    while (!p->stop) {
        one_round(p);
        due = probe_next_due(due, clock_mono_ns(), p->every_ns);
        sleep_until(p, due);
    }
    return NULL;
}

void probe_loop_stop(struct probe *p)
{
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}
