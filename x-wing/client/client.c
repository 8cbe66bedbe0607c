#include "client.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "progress.h"
#include "report.h"
#include "run.h"
#include "watch.h"

/* The signal that interrupted the run, 0 while none came. The handler may
 * run on any thread (libcurl's resolver threads do not block signals) while
 * fire reads it on the main thread: a lock-free atomic, which C11 lets a
 * handler write, not a volatile sig_atomic_t, which only orders it within
 * one thread. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler may only write lock-free atomics");
static atomic_int interrupted;

static void on_interrupt(int sig)
{
    atomic_store(&interrupted, sig);
}

/* Ctrl-C or SIGTERM ends a run early: what was counted is still printed,
 * marked as interrupted, and the exit status names the signal. */
static void catch_interrupt(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

struct ticker {
    struct watch watch;
    struct progress progress;
    int watching;
};

static int tick(void *ctx, const struct run_state *st)
{
    struct ticker *t = ctx;
    return t->watching ? watch_tick(&t->watch, st) : progress_tick(&t->progress, st);
}

static void print_report(const struct client_options *o, const struct report *rep)
{
    if (o->json) {
        char *json = report_json(rep);
        if (json)
            printf("%s\n", json);
        else
            fprintf(stderr, "xwing: out of memory rendering JSON\n");
        free(json);
    } else {
        report_text(stdout, rep);
    }
    fflush(stdout);
}

/* Judges the finished run, prints it, and returns the exit status. sig: the
 * signal that stopped it, 0 for none. */
static int conclude(const struct client_options *o, const struct run_config *cfg,
                    const struct run_state *st, int sig)
{
    struct expect_result er;
    struct run_ends ends = {RUN_END_SIGNAL, RUN_END_DURATION, o->duration_ms};
    struct run_outcome out = run_outcome_of(cfg, st, &ends, sig);
    struct report rep = run_report(cfg, st, &o->expect, &out, &er);

    print_report(o, &rep);
    if (!er.ok)
        fprintf(stderr, "xwing: %s\n", er.reason);
    return run_exit_status(&out, expect_exit_code(&er));
}

/* The run the command line asks for: the tally's spec, paced, bounded by
 * --duration and stopped by a signal, printing with -v, counting the
 * expected values exactly. */
static struct run_config client_config(const struct client_options *o, const char **urls,
                                       const char **pins)
{
    for (size_t i = 0; i < o->ntargets; i++)
        urls[i] = o->targets[i].url;
    for (size_t i = 0; i < o->expect.nvalues; i++)
        pins[i] = o->expect.values[i];
    struct run_config cfg = spec_run_config(&o->spec, urls, o->ntargets);
    cfg.fire.interval_ns = client_interval_ns(o);
    cfg.fire.keepalive = o->keepalive;
    cfg.fire.dns_cache = o->dns_cache;
    cfg.fire.threads = o->threads;
    cfg.fire.deadline_ns = o->duration_ms ? clock_mono_ns() + o->duration_ms * 1000000u : 0;
    cfg.fire.stop = &interrupted;
    cfg.bodies = o->verbose ? (o->json ? stderr : stdout) : NULL;
    cfg.errors = o->verbose ? stderr : NULL;
    cfg.pins = pins;
    cfg.npins = o->expect.nvalues;
    return cfg;
}

int client_run(const struct client_options *o, struct error *err)
{
    const char *urls[CLIENT_MAX_TARGETS];
    const char *pins[EXPECT_MAX_ALL];
    struct run_state *st = malloc(sizeof *st);
    struct ticker *tk = malloc(sizeof *tk);
    int rc;

    if (!st || !tk) {
        free(st), free(tk);
        return error_set(err, "start", "out of memory");
    }
    tk->watching = o->watch;
    /* With -o json, stdout carries only the final object. */
    watch_init(&tk->watch, o->json ? stderr : stdout, o->watch_every_ms);
    progress_init(&tk->progress, stderr, o->spec.n);
    catch_interrupt();
    struct run_config cfg = client_config(o, urls, pins);
    rc = run_tally(&cfg, st, tick, tk, err);
    int sig = atomic_load(&interrupted); /* now: a later one cuts nothing short */
    progress_end(&tk->progress);
    if (rc == 0) {
        if (o->watch)
            watch_finish(&tk->watch, st);
        rc = conclude(o, &cfg, st, sig);
    }
    free(st), free(tk);
    return rc;
}

uint64_t client_interval_ns(const struct client_options *o)
{
    if (o->interval_ms)
        return o->interval_ms * 1000000u;
    if (o->rate > 0)
        return (uint64_t)(1e9 / o->rate);
    return 0;
}
