#include "serve.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "gate.h"
#include "http.h"
#include "httpd.h"
#include "log.h"
#include "report.h"
#include "run.h"
#include "stop.h"

/* Tally threads run libcurl, cJSON and the report: give them room whatever
 * the libc's default (musl's is 128 KiB). */
#define STACK (512 * 1024)

/* The limits the reasons below state in words. */
_Static_assert(SERVE_MAX_TARGETS == 8, "update 'at most 8 targets'");
_Static_assert(SERVE_MAX_C == 16, "update 'expected 1..16'");
_Static_assert(SERVE_MAX_TIMEOUT_MS == 10000, "update 'up to 10s'");

/* A running `xwing serve`: what its connection threads share. */
struct serve {
    const struct serve_options *opts;
    struct log log;
    atomic_uint busy; /* tallies running */
    atomic_int stop;  /* set once by the main thread at shutdown: tallies give up */
    struct httpd http;
};

const char serve_unknown_parameter[] = "unknown parameter";

void serve_query_init(struct serve_query *q)
{
    memset(q, 0, sizeof *q);
    spec_defaults(&q->spec);
}

static const char *query_target(struct serve_query *q, const char *v)
{
    const char *why;
    if (q->ntargets == SERVE_MAX_TARGETS)
        return "at most 8 targets per tally";
    if (!(why = target_parse(v, &q->targets[q->ntargets])))
        q->ntargets++;
    return why;
}

static const char *query_n(struct serve_query *q, const char *v, uint64_t max_n)
{
    if (!opt_uint(v, 1, max_n, &q->spec.n))
        return NULL;
    snprintf(q->why, sizeof q->why, "expected 1..%llu (--max-requests)",
             (unsigned long long)max_n);
    return q->why;
}

static const char *query_c(struct serve_query *q, const char *v)
{
    uint64_t c;
    if (opt_uint(v, 1, SERVE_MAX_C, &c))
        return "expected 1..16";
    q->spec.c = (unsigned)c;
    return NULL;
}

static const char *query_key(struct serve_query *q, const char *v)
{
    const char *why = reply_key_check(v);
    if (!why)
        snprintf(q->spec.key, sizeof q->spec.key, "%s", v);
    return why;
}

const char *serve_query_arg(struct serve_query *q, const char *name, const char *value,
                            uint64_t max_n)
{
    const char *v = value ? value : "";
    uint64_t *timeout = &q->spec.timeout_ms;

    if (strcmp(name, "target") == 0)
        return query_target(q, v);
    if (strcmp(name, "n") == 0)
        return query_n(q, v, max_n);
    if (strcmp(name, "c") == 0)
        return query_c(q, v);
    if (strcmp(name, "timeout") == 0)
        return opt_parse_duration(v, timeout) || *timeout == 0 || *timeout > SERVE_MAX_TIMEOUT_MS
                   ? "expected a duration up to 10s" : NULL;
    if (strcmp(name, "key") == 0)
        return query_key(q, v);
    if (strcmp(name, "by") == 0)
        return reply_by_parse(v, &q->spec.by) ? "expected key, pod, ip or body" : NULL;
    return serve_unknown_parameter;
}

const char *serve_query_done(const struct serve_query *q)
{
    return q->ntargets ? NULL : "missing target (try /tally?target=rebel-base&n=10)";
}

void serve_query_explain(char *buf, size_t cap, const char *name, const char *value,
                         const char *why)
{
    char shown[104];
    if (why == serve_unknown_parameter)
        snprintf(buf, cap, "unknown parameter '%s'", opt_shown(shown, sizeof shown, name));
    else
        snprintf(buf, cap, "bad %s '%s': %s", name, opt_shown(shown, sizeof shown, value ? value : ""),
                 why);
}

/* A query being read from a request: the first argument refused, if any. */
struct query_walk {
    struct serve_query *q;
    uint64_t max_n;
    const char *name, *value, *why;
};

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct query_walk *w = cls;
    (void)kind;
    if (!(w->why = serve_query_arg(w->q, key, value, w->max_n)))
        return MHD_YES;
    w->name = key;
    w->value = value;
    return MHD_NO;
}

/* Reads the request's query into q. Returns 0, or -1 with the 400 reason. */
static int read_query(struct MHD_Connection *conn, struct serve_query *q, uint64_t max_n,
                      char *reason, size_t cap)
{
    struct query_walk w = {.q = q, .max_n = max_n};
    const char *why;

    serve_query_init(q);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, each_arg, &w);
    if (w.why) {
        serve_query_explain(reason, cap, w.name, w.value, w.why);
        return -1;
    }
    if ((why = serve_query_done(q))) {
        snprintf(reason, cap, "%s", why);
        return -1;
    }
    return 0;
}

/* The report of a finished tally, as JSON. It checks no expectation: the
 * caller reads the rows. */
static char *render(const struct serve *s, const struct run_config *cfg,
                    const struct run_state *st)
{
    struct expect none;
    struct expect_result er;
    struct run_ends ends = {RUN_END_SHUTDOWN, RUN_END_BUDGET, s->opts->budget_ms};
    struct run_outcome out = run_outcome_of(cfg, st, &ends, atomic_load(&s->stop));

    expect_init(&none);
    struct report rep = run_report(cfg, st, &none, &out, &er);
    return report_json(&rep);
}

/* Runs the tally the query asks for and renders it. NULL on failure. */
static char *tally_json(struct serve *s, const struct serve_query *q)
{
    const char *urls[SERVE_MAX_TARGETS];
    struct run_state *st = malloc(sizeof *st);
    struct error err;
    char *json = NULL;

    if (!st)
        return NULL;
    for (size_t i = 0; i < q->ntargets; i++)
        urls[i] = q->targets[i].url;
    struct run_config cfg = spec_run_config(&q->spec, urls, q->ntargets);
    cfg.fire.deadline_ns = clock_mono_ns() + s->opts->budget_ms * 1000000ull;
    cfg.fire.stop = &s->stop;
    cfg.fire.admit = gate_admit;
    cfg.fire.admit_ctx = &s->opts->allow;
    if (run_tally(&cfg, st, NULL, NULL, &err) == 0)
        json = render(s, &cfg, st);
    else
        log_event(&s->log, LOG_ERROR, "tally", "%s", err.msg);
    free(st);
    return json;
}

static enum MHD_Result send_busy(const struct serve *s, struct MHD_Connection *conn)
{
    char why[96];
    uint64_t max = s->opts->max_busy;
    snprintf(why, sizeof why, "busy: %llu tall%s already running (the --max-tallies limit)",
             (unsigned long long)max, max == 1 ? "y" : "ies");
    return httpd_json_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, why);
}

/* Every target by name first, so a name off the list is never looked up;
 * then what each resolves to, all lookups within one request's connect
 * timeout (a hung one is left to gate_admit). 0, or -1 with the 403 reason. */
static int allowed(const struct serve *s, const struct serve_query *q, char *reason, size_t cap)
{
    const struct allowlist *l = &s->opts->allow;
    uint64_t ms = q->spec.connect_timeout_ms ? q->spec.connect_timeout_ms : q->spec.timeout_ms;
    uint64_t deadline = clock_mono_ns() + ms * 1000000u;

    for (size_t i = 0; i < q->ntargets; i++)
        if (!allowlist_name(l, q->targets[i].host, q->targets[i].port))
            return gate_target(l, &q->targets[i], deadline, reason, cap);
    for (size_t i = 0; i < q->ntargets; i++)
        if (gate_target(l, &q->targets[i], deadline, reason, cap))
            return -1;
    return 0;
}

static enum MHD_Result handle_tally(struct serve *s, struct MHD_Connection *conn)
{
    struct serve_query *q = malloc(sizeof *q);
    char reason[768], *json;

    if (!q)
        return MHD_NO;
    if (read_query(conn, q, s->opts->max_n, reason, sizeof reason)) {
        free(q);
        return httpd_json_error(conn, MHD_HTTP_BAD_REQUEST, reason);
    }
    if (allowed(s, q, reason, sizeof reason)) {
        free(q);
        return httpd_json_error(conn, MHD_HTTP_FORBIDDEN, reason);
    }
    if (atomic_fetch_add(&s->busy, 1) >= s->opts->max_busy) {
        atomic_fetch_sub(&s->busy, 1);
        free(q);
        return send_busy(s, conn);
    }
    json = tally_json(s, q);
    atomic_fetch_sub(&s->busy, 1);
    free(q);
    if (!json)
        return httpd_json_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "tally failed");
    return httpd_respond(conn, MHD_HTTP_OK, HTTP_JSON, NULL, json);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    struct serve *s = cls;
    (void)version, (void)upload, (void)con_cls;
    if (*upload_size)
        return httpd_json_error(conn, MHD_HTTP_BAD_REQUEST, "no request body expected");
    if (strcmp(method, "GET") != 0)
        return httpd_json_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET");
    if (strcmp(url, "/healthz") == 0)
        return httpd_healthz(conn);
    if (strcmp(url, "/tally") == 0)
        return handle_tally(s, conn);
    return httpd_json_error(conn, MHD_HTTP_NOT_FOUND,
                            "not found: try /healthz or /tally?target=rebel-base");
}

/* xwing serve binds an address as given (or every address) and never
 * resolves a name: one is refused up front, naming --listen. */
static int ip_literal(const char *host)
{
    struct in6_addr a6;
    struct in_addr a4;
    return !*host || inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
}

int serve_run(const struct serve_options *o, struct error *err)
{
    struct httpd_config hc = {
        .handler = on_request,
        .flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO,
        .connection_limit = 64, .connection_timeout_s = 30, .thread_stack = STACK,
        .backlog = SOMAXCONN, .refusal_type = HTTP_JSON,
        .refusal_body = "{\"error\":\"request header fields too large\"}\n",
        .bad_line_body = "{\"error\":\"malformed request line\"}\n",
    };
    struct serve *s;
    char allow[600];
    int sig;

    if (!ip_literal(o->listen.host))
        return error_set(err, "listen", "--listen: '%s' is not an IP address", o->listen.host);
    if (!(s = calloc(1, sizeof *s)))
        return error_set(err, "start", "out of memory");
    s->opts = o;
    s->log = (struct log){.prog = "xwing", .format = o->log_format};
    atomic_init(&s->busy, 0);
    atomic_init(&s->stop, 0);
    hc.cls = s;
    hc.log = &s->log;
    if (httpd_start(&s->http, &o->listen, &hc, err)) {
        free(s);
        return -1;
    }
    /* The limits follow the address, as on rebel-base's listen line: the
     * address is never the last word, in text or in a JSON "msg". */
    allowlist_describe(&o->allow, allow, sizeof allow);
    log_event(&s->log, LOG_INFO, "listen",
              "serving /healthz and /tally on %s (max %u connections, %llu tallies at once, "
              "n up to %llu, %llu ms budget per tally; targets allowed: %s)",
              s->http.desc, hc.connection_limit, (unsigned long long)o->max_busy,
              (unsigned long long)o->max_n, (unsigned long long)o->budget_ms, allow);
    sig = stop_wait();
    atomic_store(&s->stop, 1); /* running tallies abandon their requests within 100 ms */
    httpd_stop(&s->http);
    log_event(&s->log, LOG_INFO, "exit", "stopped on signal %d", sig);
    free(s);
    return 0;
}
