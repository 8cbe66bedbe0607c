#include "serve.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "log.h"
#include "report.h"
#include "run.h"

/* Tally threads run libcurl, cJSON and the report: give them room whatever
 * the libc's default (musl's is 128 KiB). */
#define STACK (512 * 1024)

struct server {
    const struct options *opts;
    struct log log;
    atomic_uint busy;
    volatile sig_atomic_t stop;
};

void serve_query_init(struct serve_query *q)
{
    memset(q, 0, sizeof *q);
    q->n = 10;
    q->c = 1;
    q->timeout_ms = 2000;
    snprintf(q->key, sizeof q->key, "Cluster");
    q->by = REPLY_BY_KEY;
}

/* Strict decimal in [min, max]; reentrant, unlike opt_parse_uint's reason. */
static int parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int query_error(struct serve_query *q, const char *name, const char *value,
                       const char *why)
{
    snprintf(q->error, sizeof q->error, "bad %s '%.100s': %s", name, value ? value : "",
             why);
    return -1;
}

int serve_query_arg(struct serve_query *q, const char *name, const char *value, uint64_t max_n)
{
    const char *why;
    char range[64];
    if (strcmp(name, "target") == 0) {
        if (q->ntargets == SERVE_MAX_TARGETS)
            return query_error(q, name, value, "at most 8 targets per tally");
        if ((why = target_parse(value ? value : "", &q->targets[q->ntargets])))
            return query_error(q, name, value, why);
        q->ntargets++;
    } else if (strcmp(name, "n") == 0) {
        snprintf(range, sizeof range, "expected 1..%llu (--max-requests)",
                 (unsigned long long)max_n);
        if (parse_num(value, 1, max_n, &q->n))
            return query_error(q, name, value, range);
    } else if (strcmp(name, "c") == 0) {
        if (parse_num(value, 1, SERVE_MAX_C, &q->c))
            return query_error(q, name, value, "expected 1..16");
    } else if (strcmp(name, "timeout") == 0) {
        if (!value || opt_parse_duration(value, &q->timeout_ms) || q->timeout_ms == 0 ||
            q->timeout_ms > SERVE_MAX_TIMEOUT_MS)
            return query_error(q, name, value, "expected a duration up to 10s");
    } else if (strcmp(name, "key") == 0) {
        if ((why = reply_key_check(value ? value : "")))
            return query_error(q, name, value, why);
        snprintf(q->key, sizeof q->key, "%s", value);
    } else if (strcmp(name, "by") == 0) {
        if (!value || reply_by_parse(value, &q->by))
            return query_error(q, name, value, "expected key, pod, ip or body");
    } else {
        snprintf(q->error, sizeof q->error, "unknown parameter '%.100s'", name);
        return -1;
    }
    return 0;
}

int serve_query_done(struct serve_query *q)
{
    if (q->error[0])
        return -1;
    if (q->ntargets == 0) {
        snprintf(q->error, sizeof q->error, "missing target (try /tally?target=rebel-base&n=10)");
        return -1;
    }
    return 0;
}

struct query_walk {
    struct serve_query *q;
    uint64_t max_n;
};

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct query_walk *w = cls;
    (void)kind;
    return serve_query_arg(w->q, key, value, w->max_n) ? MHD_NO : MHD_YES;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned code, char *body)
{
    struct MHD_Response *r;
    enum MHD_Result ret;
    if (!body)
        return MHD_NO;
    r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned code, const char *why)
{
    char esc[512], *body = malloc(600);
    if (!body)
        return MHD_NO;
    log_json_escape(esc, sizeof esc, why);
    snprintf(body, 600, "{\"error\":\"%s\"}\n", esc);
    return respond(conn, code, body);
}

/* The verdict and report of a finished tally, as JSON. */
static char *render(const struct server *s, const struct serve_query *q, const char **urls,
                    const struct run_state *st)
{
    struct expect e;
    struct expect_result er;
    char how[160];
    uint64_t done = tally_total(&st->tally);
    struct run_outcome out = {q->n, done,
                              run_end_of(q->n, done, s->stop, RUN_END_SHUTDOWN, RUN_END_BUDGET),
                              0, s->opts->serve_budget_ms};

    expect_init(&e);
    expect_evaluate(&e, &st->tally, &er);
    run_outcome_describe(&out, how, sizeof how);
    expect_note_end(&er, how, run_interrupted(&out));
    struct report rep = {&st->tally, &st->latency, (double)st->elapsed_ns / 1e9, &er,
                         urls, q->ntargets, q->by, q->key, &out, s->opts->max_body};
    return report_json(&rep);
}

/* Runs the tally the query asks for and renders it. NULL on failure. */
static char *tally_json(struct server *s, const struct serve_query *q)
{
    const char *urls[SERVE_MAX_TARGETS];
    struct run_state *st = malloc(sizeof *st);
    char err[256], *json = NULL;

    if (!st)
        return NULL;
    for (size_t i = 0; i < q->ntargets; i++)
        urls[i] = q->targets[i].url;
    struct run_config cfg = {
        .fire = {.urls = urls, .nurls = q->ntargets, .n = q->n, .c = (unsigned)q->c,
                 .timeout_ms = q->timeout_ms, .max_body = s->opts->max_body,
                 .deadline_ns = clock_mono_ns() + s->opts->serve_budget_ms * 1000000ull,
                 .stop = &s->stop},
        .by = q->by,
        .key = q->key,
    };
    if (run_tally(&cfg, st, NULL, NULL, err, sizeof err) == 0) {
        json = render(s, q, urls, st);
    } else {
        log_event(&s->log, LOG_ERROR, "tally", "%s", err);
    }
    free(st);
    return json;
}

static enum MHD_Result handle_tally(struct server *s, struct MHD_Connection *conn)
{
    struct serve_query *q = malloc(sizeof *q);
    struct query_walk w = {q, s->opts->serve_max_n};
    enum MHD_Result ret;
    char *json;

    if (!q)
        return MHD_NO;
    serve_query_init(q);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, each_arg, &w);
    if (serve_query_done(q)) {
        ret = send_error(conn, MHD_HTTP_BAD_REQUEST, q->error);
        free(q);
        return ret;
    }
    if (atomic_fetch_add(&s->busy, 1) >= s->opts->serve_max_busy) {
        char why[96];
        atomic_fetch_sub(&s->busy, 1);
        free(q);
        snprintf(why, sizeof why, "busy: %llu tall%s already running (the --max-tallies limit)",
                 (unsigned long long)s->opts->serve_max_busy,
                 s->opts->serve_max_busy == 1 ? "y" : "ies");
        return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, why);
    }
    json = tally_json(s, q);
    atomic_fetch_sub(&s->busy, 1);
    free(q);
    if (!json)
        return send_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "tally failed");
    return respond(conn, MHD_HTTP_OK, json);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    struct server *s = cls;
    (void)version, (void)upload, (void)con_cls;
    if (*upload_size)
        return send_error(conn, MHD_HTTP_BAD_REQUEST, "no request body expected");
    if (strcmp(method, "GET") != 0)
        return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET");
    if (strcmp(url, "/healthz") == 0)
        return respond(conn, MHD_HTTP_OK, strdup("{\"status\":\"ok\"}\n"));
    if (strcmp(url, "/tally") == 0)
        return handle_tally(s, conn);
    return send_error(conn, MHD_HTTP_NOT_FOUND, "not found: try /healthz or /tally?target=rebel-base");
}

static struct MHD_Daemon *start(struct server *s, unsigned extra_flags,
                                const struct sockaddr *sa)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_AUTO | MHD_USE_ERROR_LOG | extra_flags;
    if (sa)
        return MHD_start_daemon(flags, s->opts->listen.port, NULL, NULL, on_request, s,
                                MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_LIMIT, 64u,
                                MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                                MHD_OPTION_THREAD_STACK_SIZE, (size_t)STACK, MHD_OPTION_END);
    return MHD_start_daemon(flags, s->opts->listen.port, NULL, NULL, on_request, s,
                            MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                            MHD_OPTION_THREAD_STACK_SIZE, (size_t)STACK, MHD_OPTION_END);
}

static struct MHD_Daemon *listen_on(struct server *s, char *err, size_t errcap)
{
    const struct opt_hostport *l = &s->opts->listen;
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons(l->port)};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons(l->port)};
    struct MHD_Daemon *d = NULL;

    if (!l->host[0]) {
        d = start(s, MHD_USE_DUAL_STACK, NULL);
        if (!d) /* IPv6 off in this pod or host: IPv4 alone */
            d = start(s, 0, NULL);
    } else if (inet_pton(AF_INET, l->host, &v4.sin_addr) == 1) {
        d = start(s, 0, (const struct sockaddr *)&v4);
    } else if (inet_pton(AF_INET6, l->host, &v6.sin6_addr) == 1) {
        d = start(s, MHD_USE_IPv6, (const struct sockaddr *)&v6);
    } else {
        snprintf(err, errcap, "--listen: '%s' is not an IP address", l->host);
        return NULL;
    }
    if (!d)
        snprintf(err, errcap, "cannot listen on %s:%u: %s", l->host[0] ? l->host : "*",
                 (unsigned)l->port, errno ? strerror(errno) : "libmicrohttpd refused");
    return d;
}

/* The port the daemon really listens on: with --listen :0 the kernel picked it,
 * and callers (tests, scripts) read it from the listen line. */
static unsigned bound_port(struct MHD_Daemon *d, uint16_t asked)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return info && info->port ? (unsigned)info->port : (unsigned)asked;
}

int serve_run(const struct options *o, char *err, size_t errcap)
{
    struct server *s = calloc(1, sizeof *s);
    struct MHD_Daemon *d;
    sigset_t set;
    int sig = 0;

    if (!s) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    s->opts = o;
    s->log = (struct log){.prog = "xwing", .format = LOG_TEXT, .out = NULL};
    atomic_init(&s->busy, 0);
    errno = 0;
    if (!(d = listen_on(s, err, errcap))) {
        free(s);
        return -1;
    }
    log_event(&s->log, LOG_INFO, "listen", "serving /healthz and /tally on %s:%u",
              o->listen.host[0] ? o->listen.host : "*", bound_port(d, o->listen.port));
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    while (sigwait(&set, &sig) != 0)
        ;
    s->stop = 1; /* running tallies abandon their requests within 100 ms */
    MHD_stop_daemon(d);
    log_event(&s->log, LOG_INFO, "exit", "stopped on signal %d", sig);
    free(s);
    return 0;
}
