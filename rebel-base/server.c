#include "server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "drain.h"
#include "http.h"
#include "mhd_log.h"

/* The per-request state of an ordinary request: its address marks "started"
 * without allocating. Delayed requests get a struct fault_req instead. */
static char plain_request;

struct fault_req {
    unsigned status;  /* forced status, 0 for none */
    int answered;     /* the response is queued */
};

/* What the server keeps per connection (libmicrohttpd's socket context). */
struct conn {
    struct deadline_conn *deadline; /* NULL: no --header-timeout */
    struct line_mark mark;          /* where its last completed request left it */
};

static struct conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* No route reads a request body; small ones are read and dropped. */
#define SERVER_MAX_BODY 16384

/* Whether the request announces a body we refuse up front: chunked (length
 * unknown) or a Content-Length over SERVER_MAX_BODY. */
static int body_refused(struct MHD_Connection *c)
{
    if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return 1;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return cl && strtoull(cl, NULL, 10) > SERVER_MAX_BODY;
}

static const char *query(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* Holds the request for fr->delay_ms, then answers it with fr->status. */
static enum MHD_Result delay_request(struct server *s, const struct answer_req *rq,
                                     const struct faults_request *fr, void **con_cls)
{
    struct fault_req *fq = malloc(sizeof *fq);
    if (!fq)
        return MHD_NO;
    fq->status = fr->status;
    fq->answered = 0;
    *con_cls = fq;
    if (s->cfg->thread_per_connection) {
        faults_sleep(s->faults, fr->delay_ms); /* blocks only this connection */
        return endpoint_document(&s->endpoints, rq, fr->status);
    }
    MHD_suspend_connection(rq->conn);
    if (faults_delay(s->faults, rq->conn, fr->delay_ms) != 0)
        MHD_resume_connection(rq->conn); /* shutting down: answer now */
    return MHD_YES;
}

/* With faults allowed, ?delay= suspends the request (answered when resumed)
 * and ?status= forces its status. Returns 1 if it took over the request. */
static int apply_faults(struct server *s, const struct answer_req *rq, void **con_cls,
                        enum MHD_Result *rc)
{
    struct faults_request fr;
    const char *delay = query(rq->conn, "delay"), *status = query(rq->conn, "status");
    const char *why;

    if (!delay && !status)
        return 0;
    if ((why = faults_parse_request(delay, status, s->faults->max_delay_ms, &fr)))
        *rc = answer_error(s->endpoints.answer, rq, MHD_HTTP_BAD_REQUEST, why);
    else if (!fr.delay_ms)
        *rc = endpoint_document(&s->endpoints, rq, fr.status);
    else
        *rc = delay_request(s, rq, &fr, con_cls);
    return 1;
}

/* A routed request: its endpoint answers. */
static enum MHD_Result dispatch(struct server *s, const struct answer_req *rq, void **con_cls)
{
    const struct endpoints *e = &s->endpoints;
    enum MHD_Result rc;

    switch (rq->route) {
    case ROUTE_ROOT:
    case ROUTE_INDEX:
        if (s->faults->allowed && apply_faults(s, rq, con_cls, &rc))
            return rc;
        return endpoint_document(e, rq, 0);
    case ROUTE_HEALTHZ: return endpoint_healthz(e, rq);
    case ROUTE_READYZ: return endpoint_readyz(e, rq);
    case ROUTE_METRICS: return endpoint_metrics(e, rq);
    case ROUTE_ADMIN_READINESS: return endpoint_admin(e, rq, query(rq->conn, "ready"));
    default: return endpoint_refusal(e, rq, MHD_HTTP_NOT_FOUND, NULL);
    }
}

/* The handler's first call for a request: its head is complete. */
static enum MHD_Result first_call(struct server *s, struct MHD_Connection *c, const char *method,
                                  const char *url, const char *version, void **con_cls)
{
    struct conn *cn = conn_of(c);
    *con_cls = &plain_request;
    if (cn) {
        /* The head is complete: the header deadline no longer applies. */
        deadline_done(cn->deadline);
        cn->mark.last = line_refusal_is_last(
            version, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONNECTION));
        line_refusal_head(&cn->mark, c);
    }
    atomic_fetch_add_explicit(&s->inflight, 1, memory_order_relaxed);
    /* A large or chunked body: answer 413 now, on the first call, so MHD
     * closes the connection instead of reading up to the announced length
     * (1 GB, or trickled) only to discard it. */
    if (body_refused(c)) {
        if (cn)
            cn->mark.last = 1; /* libmicrohttpd closes after this answer */
        struct answer_req rq = {c, method, url, router_decide(method, url, s->faults->allowed).route};
        return answer_fixed(s->endpoints.answer, &rq, ANSWER_BODY_TOO_LARGE);
    }
    return MHD_YES;
}

/* A delayed request, resumed: answer it now. Seen under valgrind: MHD 0.9.75
 * may call the handler once more after a resume at shutdown; a second
 * MHD_queue_response would fail and drop the connection. */
static enum MHD_Result resumed(struct server *s, const struct answer_req *rq, struct fault_req *fq)
{
    if (fq->answered)
        return MHD_YES;
    fq->answered = 1;
    return endpoint_document(&s->endpoints, rq, fq->status);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    struct server *s = cls;
    (void)version;
    (void)upload_data;

    /* libmicrohttpd 0.9.75 closes the connection when the response is
     * queued on the first call (headers only: "the rest of the request is
     * discarded"), so the answer waits for the call that sees the request
     * complete; keep-alive depends on it. */
    if (*con_cls == NULL)
        return first_call(s, c, method, url, version, con_cls);
    if (*upload_data_size) {
        struct conn *cn = conn_of(c);
        if (cn)
            line_refusal_body(&cn->mark, *upload_data_size);
        *upload_data_size = 0; /* bodies are ignored */
        return MHD_YES;
    }
    struct route_decision d = router_decide(method, url, s->faults->allowed);
    struct answer_req rq = {c, method, url, d.route};
    if (*con_cls != &plain_request)
        return resumed(s, &rq, *con_cls);
    if (d.status)
        return endpoint_refusal(&s->endpoints, &rq, d.status, d.allow);
    return dispatch(s, &rq, con_cls);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct server *s = cls;
    struct conn *cn = conn_of(c);
    /* A head that fit the pool but left no room for the reply's header:
     * libmicrohttpd closes the connection; the client gets a 431 first. */
    head_refusal_on_completed(&s->refusal, c, toe);
    /* After our last write: what follows is the next request's. */
    if (cn)
        line_refusal_answered(&cn->mark, c);
    if (!*con_cls)
        return;
    if (*con_cls != &plain_request)
        free(*con_cls);
    *con_cls = NULL;
    atomic_fetch_sub_explicit(&s->inflight, 1, memory_order_relaxed);
}

static void connection_event(void *cls, struct MHD_Connection *c, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe)
{
    struct server *s = cls;
    int64_t open = metrics_connection(s->metrics, toe == MHD_CONNECTION_NOTIFY_STARTED);
    struct conn *cn = *socket_context;

    trim_connection(&s->trim, open, toe == MHD_CONNECTION_NOTIFY_STARTED);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        /* Out of memory: the connection goes without a deadline and a 400. */
        if (!(cn = calloc(1, sizeof *cn)))
            return;
        if (s->cfg->header_timeout_ms) {
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
            cn->deadline = ci ? deadline_open(&s->deadline, ci->connect_fd, clock_mono_ms()) : NULL;
        }
        *socket_context = cn;
        if (s->cfg->thread_per_connection) /* the close notice comes too late */
            line_refusal_on_started(&s->lines, c, (size_t)s->cfg->conn_memory);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && cn) {
        /* A request line libmicrohttpd dropped gets its 400 (line_refusal.h). */
        line_refusal_on_closed(&s->lines, &cn->mark, c);
        /* libmicrohttpd 0.9.75 notifies CLOSED before it closes the socket:
         * once this returns, the sweep can no longer reach this fd. */
        deadline_close(&s->deadline, cn->deadline);
        free(cn);
        *socket_context = NULL;
    }
}

/* SHUT_RDWR, not close: libmicrohttpd still owns the fd; it reads EOF and
 * closes the connection itself (releasing its slot and per-client count). */
static void shut_overdue(int fd, void *ctx)
{
    (void)ctx;
    shutdown(fd, SHUT_RDWR);
}

size_t server_sweep_header_deadlines(struct server *s)
{
    if (!s->deadline_ready || !s->cfg->header_timeout_ms)
        return 0;
    size_t n = deadline_sweep(&s->deadline, clock_mono_ms(), shut_overdue, s);
    if (n)
        log_event(s->log, LOG_INFO, "header-timeout",
                  "closing %zu connection(s) without a complete request head after %llu ms", n,
                  (unsigned long long)s->cfg->header_timeout_ms);
    return n;
}

static unsigned pool_size(const struct config *cfg)
{
    if (cfg->threads)
        return (unsigned)cfg->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* The libmicrohttpd daemon on the already open listen socket. */
static struct MHD_Daemon *start_daemon(struct server *s, const struct config *cfg)
{
    unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_USE_TURBO;
    unsigned threads = pool_size(cfg);

    if (cfg->thread_per_connection) {
        flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
        snprintf(s->threading, sizeof s->threading, "per-connection");
    } else {
        flags |= MHD_USE_EPOLL_INTERNAL_THREAD;
        if (threads > 1)
            snprintf(s->threading, sizeof s->threading, "epoll-pool:%u", threads);
        else
            snprintf(s->threading, sizeof s->threading, "epoll");
    }
    if (s->faults->allowed && !cfg->thread_per_connection)
        flags |= MHD_ALLOW_SUSPEND_RESUME;
    unsigned timeout_s = (unsigned)((cfg->idle_timeout_ms + 999) / 1000);
    struct MHD_OptionItem pool_opt[] = {
        {threads > 1 && !cfg->thread_per_connection ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
         (intptr_t)threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(
        flags, 0, NULL, NULL, handle, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log_event, s->log,
        MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->conn_memory,
        MHD_OPTION_NOTIFY_COMPLETED, completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, connection_event, s,
        MHD_OPTION_UNESCAPE_CALLBACK, head_refusal_unescape, &s->refusal,
        MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
        MHD_OPTION_ARRAY, pool_opt,
        MHD_OPTION_END);
}

int server_start(struct server *s, const struct server_parts *p, struct error *err)
{
    const struct config *cfg = p->cfg;
    char limits[256];

    memset(s, 0, sizeof *s);
    s->listen_fd = -1;
    s->cfg = cfg, s->log = p->log, s->metrics = p->metrics, s->faults = p->faults;
    s->endpoints = (struct endpoints){
        .answer = p->answer, .log = p->log, .store = p->store, .metrics = p->metrics,
        .faults = p->faults, .draining = &s->draining, .threading = s->threading,
    };
    if (head_refusal_init(&s->refusal, HTTP_JSON,
                          "{\"error\":\"request header fields too large for the connection "
                          "memory\"}\n"))
        return error_set(err, "start", "cannot build the 431 reply");
    if (line_refusal_init(&s->lines, HTTP_JSON, "{\"error\":\"malformed request line\"}\n"))
        return error_set(err, "start", "cannot build the 400 reply");
    trim_init(&s->trim, TRIM_MIN_DROP, TRIM_INTERVAL_MS, trim_allocator_release,
              trim_allocator_thread_release());
    if (deadline_init(&s->deadline, cfg->header_timeout_ms, err))
        return -1;
    s->deadline_ready = 1;
    s->listen_fd = listen_open(&cfg->listen, 1, 1024, s->listen_desc, sizeof s->listen_desc, err);
    if (s->listen_fd >= 0 && !(s->daemon = start_daemon(s, cfg)))
        error_set(err, "listen", "libmicrohttpd did not start on %s (%s)", s->listen_desc,
                  s->threading);
    if (!s->daemon) {
        server_stop(s);
        return -1;
    }
    config_describe_limits(cfg, limits, sizeof limits);
    log_event(s->log, LOG_INFO, "listen", "listening on %s (%s, %s)", s->listen_desc,
              s->threading, limits);
    return 0;
}

/* quiesce only stops polling the socket: the kernel would still complete
 * handshakes into the backlog and leave clients hanging. shutdown() makes it
 * refuse them; the fd itself is closed after MHD_stop_daemon, as MHD asks. */
static void stop_accepting(struct server *s)
{
    if (s->daemon && MHD_quiesce_daemon(s->daemon) != MHD_INVALID_SOCKET && s->listen_fd >= 0)
        shutdown(s->listen_fd, SHUT_RDWR);
}

/* The drain's view of the server (drain.h), and main's tick. */
struct drain_ctx {
    struct server *s;
    server_tick_fn tick;
    void *ctx;
};

static long drain_inflight(void *ctx)
{
    const struct drain_ctx *d = ctx;
    return atomic_load(&d->s->inflight);
}

static void drain_begin(void *ctx)
{
    const struct drain_ctx *d = ctx;
    atomic_store(&d->s->draining, 1);
}

static void drain_serving_tick(void *ctx)
{
    const struct drain_ctx *d = ctx;
    if (d->tick)
        d->tick(d->ctx);
    server_sweep_header_deadlines(d->s);
}

static void drain_waiting_tick(void *ctx)
{
    const struct drain_ctx *d = ctx;
    server_sweep_header_deadlines(d->s);
}

static void drain_stop_accepting(void *ctx)
{
    const struct drain_ctx *d = ctx;
    stop_accepting(d->s);
}

static void drain_release_delayed(void *ctx)
{
    const struct drain_ctx *d = ctx;
    faults_release_all(d->s->faults);
}

long server_drain(struct server *s, int sig, server_tick_fn tick, void *ctx)
{
    struct drain_ctx d = {s, tick, ctx};
    struct drain_server srv = {drain_inflight, drain_begin, drain_serving_tick,
                               drain_waiting_tick, drain_stop_accepting,
                               drain_release_delayed, &d};
    struct drain_plan plan = {sig, s->cfg->drain_ms, s->cfg->grace_ms, s->cfg->watch_interval_ms,
                              clock_mono_ms, clock_sleep_ms};
    return drain_run(&srv, &plan, s->log);
}

void server_stop(struct server *s)
{
    faults_release_all(s->faults);
    line_refusal_stop(&s->lines);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    if (s->deadline_ready) /* every connection is closed: nothing races */
        deadline_destroy(&s->deadline);
    s->deadline_ready = 0;
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    s->listen_fd = -1;
}
