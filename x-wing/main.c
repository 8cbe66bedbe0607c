/* xwing: fires N HTTP requests at rebel-base and tallies the replies per
 * cluster; `xwing serve` runs the same from inside the x-wing pod; `xwing
 * probe` runs it every second and serves it to Prometheus. This file
 * wires the modules together and is the one place errors are printed. */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "expect.h"
#include "options.h"
#include "probe.h"
#include "progress.h"
#include "report.h"
#include "run.h"
#include "serve.h"
#include "watch.h"

/* The signal that interrupted the run, 0 while none came. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    interrupted = sig;
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

static void print_report(const struct options *o, const char *const *urls,
                         const struct run_state *st, const struct expect_result *er,
                         const struct run_outcome *out)
{
    struct report rep = {&st->tally, &st->latency, (double)st->elapsed_ns / 1e9, er, urls,
                         o->ntargets, o->by, o->key, out, o->max_body};
    if (o->json) {
        char *json = report_json(&rep);
        if (json)
            printf("%s\n", json);
        else
            fprintf(stderr, "xwing: out of memory rendering JSON\n");
        free(json);
    } else {
        report_text(stdout, &rep);
    }
    fflush(stdout);
}

/* Judges the finished run, prints it, and returns the exit status. sig: the
 * signal that stopped it, 0 for none. */
static int conclude(const struct options *o, const char *const *urls, const struct run_state *st,
                    int sig)
{
    struct expect_result er;
    char how[160];
    uint64_t done = tally_total(&st->tally);
    struct run_outcome out = {o->n, done,
                              run_end_of(o->n, done, sig, RUN_END_SIGNAL, RUN_END_DURATION),
                              sig, o->duration_ms};

    expect_evaluate(&o->expect, &st->tally, &er);
    run_outcome_describe(&out, how, sizeof how);
    expect_note_end(&er, how, run_interrupted(&out));
    print_report(o, urls, st, &er, &out);
    if (!er.ok)
        fprintf(stderr, "xwing: %s\n", er.reason);
    return run_exit_status(&out, expect_exit_code(&er));
}

static struct run_config client_config(const struct options *o, const char **urls,
                                       const char **pins)
{
    for (size_t i = 0; i < o->ntargets; i++)
        urls[i] = o->targets[i].url;
    for (size_t i = 0; i < o->expect.nvalues; i++)
        pins[i] = o->expect.values[i];
    struct run_config cfg = {
        .fire = {.urls = urls, .nurls = o->ntargets, .n = o->n, .c = o->c,
                 .timeout_ms = o->timeout_ms, .connect_timeout_ms = o->connect_timeout_ms,
                 .interval_ns = options_interval_ns(o), .keepalive = o->keepalive,
                 .dns_cache = o->dns_cache, .max_body = (size_t)o->max_body,
                 .deadline_ns = o->duration_ms ? clock_mono_ns() + o->duration_ms * 1000000u : 0,
                 .stop = &interrupted},
        .by = o->by,
        .key = o->key,
        .bodies = o->verbose ? (o->json ? stderr : stdout) : NULL,
        .errors = o->verbose ? stderr : NULL,
        .pins = pins,
        .npins = o->expect.nvalues,
    };
    return cfg;
}

static int run_client(const struct options *o)
{
    const char *urls[OPTIONS_MAX_TARGETS];
    const char *pins[EXPECT_MAX_ALL];
    struct run_state *st = malloc(sizeof *st);
    struct ticker *tk = malloc(sizeof *tk);
    char err[256];
    int rc;

    if (!st || !tk) {
        fprintf(stderr, "xwing: out of memory\n");
        free(st), free(tk);
        return 1;
    }
    tk->watching = o->watch;
    /* With -o json, stdout carries only the final object. */
    watch_init(&tk->watch, o->json ? stderr : stdout, o->watch_every_ms);
    progress_init(&tk->progress, stderr, o->n);
    catch_interrupt();
    struct run_config cfg = client_config(o, urls, pins);
    rc = run_tally(&cfg, st, tick, tk, err, sizeof err);
    int sig = interrupted; /* now: a signal while the report prints cut nothing short */
    progress_end(&tk->progress);
    if (rc) {
        fprintf(stderr, "xwing: %s\n", err);
        rc = 1;
    } else {
        if (o->watch)
            watch_finish(&tk->watch, st);
        rc = conclude(o, urls, st, sig);
    }
    free(st), free(tk);
    return rc;
}

/* The services (serve, probe) stop on SIGTERM or SIGINT, which they take
 * with sigwait: blocked before any thread starts, so no other thread gets them. */
static void block_stop_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static int run_serve(const struct options *o)
{
    char err[256];
    block_stop_signals();
    if (serve_run(o, err, sizeof err)) {
        fprintf(stderr, "xwing: serve: %s\n", err);
        return 1;
    }
    return 0;
}

static int run_probe(const struct options *o)
{
    struct error err;
    block_stop_signals();
    if (probe_run(o, &err)) {
        fprintf(stderr, "xwing: probe: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static int run_mode(const struct options *o)
{
    switch (o->mode) {
    case OPTIONS_SERVE: return run_serve(o);
    case OPTIONS_PROBE: return run_probe(o);
    default: return run_client(o);
    }
}

int main(int argc, char **argv)
{
    static struct options o;
    char err[512];
    int rc;

    if (options_parse(&o, argc, argv, err, sizeof err)) {
        fprintf(stderr, "xwing: %s (see xwing --help)\n", err);
        return 2;
    }
    if (o.mode == OPTIONS_HELP) {
        if (o.serve_help)
            options_serve_usage(stdout);
        else if (o.probe_help)
            options_probe_usage(stdout);
        else
            options_usage(stdout);
        return 0;
    }
    if (o.mode == OPTIONS_VERSION) {
        printf("xwing %s (%s)\n", PROJECT_VERSION, curl_version());
        return 0;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "xwing: cannot initialise libcurl\n");
        return 1;
    }
    rc = run_mode(&o);
    curl_global_cleanup();
    return rc;
}
