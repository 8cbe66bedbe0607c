#include "probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "httpd.h"
#include "probe_http.h"
#include "probe_loop.h"
#include "probe_shared.h"
#include "stop.h"

/* The loop runs libcurl and cJSON; libmicrohttpd's thread renders with stdio.
 * Room for both whatever the libc's default (musl's is 128 KiB). */
#define STACK (512 * 1024)

struct probe_run {
    struct probe *p;
    const char **urls;
    struct httpd http;
    pthread_t loop;
    int synced, loop_started;
};

static void describe(struct probe *p, const struct probe_options *o)
{
    const struct spec *s = &o->spec;
    snprintf(p->header, sizeof p->header,
             "xwing probe: %zu target%s, %llu request%s each every %g s, by %s%s%s",
             o->ntargets, o->ntargets == 1 ? "" : "s", (unsigned long long)s->n,
             s->n == 1 ? "" : "s", (double)o->every_ms / 1000.0, reply_by_name(s->by),
             s->by == REPLY_BY_KEY ? " " : "", s->by == REPLY_BY_KEY ? s->key : "");
}

static int setup(struct probe_run *r, const struct probe_options *o)
{
    pthread_condattr_t ca;
    struct probe *p = r->p;
    atomic_init(&p->stop, 0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* as the due times: immune to clock steps */
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    r->synced = 1;
    if (!(r->urls = calloc(o->ntargets, sizeof *r->urls)))
        return -1;
    for (size_t i = 0; i < o->ntargets; i++)
        r->urls[i] = o->targets[i].url;
    if (probe_state_init(&p->state, r->urls, o->ntargets, &o->expect, o->spec.by, o->spec.key))
        return -1;
    p->fire = spec_run_config(&o->spec, r->urls, o->ntargets).fire;
    p->fire.n = o->spec.n * o->ntargets; /* a round: N per target, the targets in turn */
    p->fire.stop = &p->stop;
    p->fire.admit = gate_admit; /* link-local refused unless --allow-link-local */
    p->fire.admit_ctx = &o->allow;
    p->every_ns = o->every_ms * 1000000u;
    p->max_body = o->spec.max_body;
    p->log = (struct log){.prog = "xwing", .format = LOG_TEXT, .out = NULL};
    describe(p, o);
    return 0;
}

static int start_loop(struct probe_run *r)
{
    pthread_attr_t a;
    int rc;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, STACK);
    rc = pthread_create(&r->loop, &a, probe_loop_main, r->p);
    pthread_attr_destroy(&a);
    r->loop_started = rc == 0;
    return rc;
}

/* Stops what started, in order: the loop (it abandons its round within
 * 100 ms), then the daemon, then the memory they shared. */
static void teardown(struct probe_run *r)
{
    if (r->loop_started) {
        probe_loop_stop(r->p);
        pthread_join(r->loop, NULL);
    }
    httpd_stop(&r->http);
    if (r->synced) {
        pthread_cond_destroy(&r->p->wake);
        pthread_mutex_destroy(&r->p->lock);
    }
    if (r->p)
        probe_state_free(&r->p->state);
    free(r->p);
    free(r->urls);
}

int probe_run(const struct probe_options *o, struct error *err)
{
    struct probe_run r = {.p = calloc(1, sizeof *r.p), .http = {.fd = -1}};
    struct httpd_config hc = {.handler = probe_http_answer, .cls = r.p,
                              /* TURBO: no shutdown before the close notice,
                               * where a dropped line gets its 400 */
                              .flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                                       MHD_USE_TURBO,
                              .connection_limit = 64, .connection_timeout_s = 30,
                              .thread_stack = STACK, .backlog = 64,
                              .refusal_type = "text/plain; charset=utf-8",
                              .refusal_body = "request header fields too large\n",
                              .bad_line_body = "malformed request line\n"};
    struct log lg = {.prog = "xwing", .format = LOG_TEXT, .out = NULL};
    int sig;

    if (!r.p || setup(&r, o)) {
        teardown(&r);
        return error_set(err, "start", "out of memory");
    }
    hc.log = &r.p->log;
    if (httpd_start(&r.http, &o->listen, &hc, err)) {
        teardown(&r);
        return -1;
    }
    log_event(&lg, LOG_INFO, "listen", "listening on %s, %s", r.http.desc, r.p->header);
    int rc = start_loop(&r);
    if (rc) { /* pthread's error, returned: errno is not set */
        teardown(&r);
        return error_set(err, "start", "cannot start the round thread: %s", strerror(rc));
    }
    sig = stop_wait();
    teardown(&r);
    log_event(&lg, LOG_INFO, "exit", "stopped on signal %d", sig);
    return 0;
}
