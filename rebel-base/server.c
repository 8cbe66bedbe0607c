#include "server.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "listener.h"

/* The per-request state of an ordinary request: its address marks "started"
 * without allocating. Delayed requests get a struct fault_req instead. */
static char plain_request;

struct fault_req {
    unsigned status;  /* forced status, 0 for none */
    int answered;     /* the response is queued */
};

static const struct {
    unsigned status;
    const char *body;
} canned_text[CANNED_COUNT] = {
    [CANNED_NOT_FOUND] = {404, "{\"error\":\"not found\"}\n"},
    [CANNED_FORBIDDEN] = {403, "{\"error\":\"fault injection is disabled; start with --allow-faults\"}\n"},
    [CANNED_405_READ] = {405, "{\"error\":\"method not allowed\"}\n"},
    [CANNED_405_ADMIN] = {405, "{\"error\":\"method not allowed\"}\n"},
    [CANNED_HEALTHZ] = {200, "{\"status\":\"ok\"}\n"},
    [CANNED_READY] = {200, "{\"ready\":true}\n"},
    [CANNED_NOT_READY_NO_DOC] = {503, "{\"ready\":false,\"reason\":\"no valid document loaded\"}\n"},
    [CANNED_NOT_READY_DRAINING] = {503, "{\"ready\":false,\"reason\":\"draining\"}\n"},
    [CANNED_NOT_READY_FORCED] = {503, "{\"ready\":false,\"reason\":\"forced not ready (fault injection)\"}\n"},
    [CANNED_NO_DOCUMENT] = {503, "{\"error\":\"no valid document loaded\"}\n"},
    [CANNED_BODY_TOO_LARGE] = {413, "{\"error\":\"request bodies over 16384 bytes are refused\"}\n"},
};

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

static struct MHD_Response *json_response(const char *served_by, const char *body, size_t len,
                                          enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (!r)
        return NULL;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") != MHD_YES ||
        MHD_add_response_header(r, "X-Served-By", served_by) != MHD_YES) {
        MHD_destroy_response(r);
        return NULL;
    }
    return r;
}

static int build_canned(struct server *s)
{
    for (int i = 0; i < CANNED_COUNT; i++) {
        const char *b = canned_text[i].body;
        s->canned[i] = json_response(s->cfg->served_by, b, strlen(b), MHD_RESPMEM_PERSISTENT);
        if (!s->canned[i])
            return -1;
    }
    if (MHD_add_response_header(s->canned[CANNED_405_READ], MHD_HTTP_HEADER_ALLOW,
                                ROUTER_ALLOW_READ) != MHD_YES ||
        MHD_add_response_header(s->canned[CANNED_405_ADMIN], MHD_HTTP_HEADER_ALLOW,
                                ROUTER_ALLOW_ADMIN) != MHD_YES)
        return -1;
    return 0;
}

static enum MHD_Result counted(struct server *s, struct MHD_Connection *c, enum route r,
                               const char *method, const char *url, unsigned status,
                               enum MHD_Result rc)
{
    metrics_count_request(s->metrics, r, status);
    if (s->cfg->access_log)
        log_event(s->log, LOG_INFO, "access", "%s %s %u", method, url, status);
    (void)c;
    return rc;
}

static enum MHD_Result send_canned(struct server *s, struct MHD_Connection *c, enum route r,
                                   const char *method, const char *url, enum server_canned k)
{
    unsigned status = canned_text[k].status;
    return counted(s, c, r, method, url, status, MHD_queue_response(c, status, s->canned[k]));
}

/* A one-off JSON reply (faults, admin, bad parameters): allocation is fine off
 * the hot path. */
__attribute__((format(printf, 7, 8))) static enum MHD_Result
send_fmt(struct server *s, struct MHD_Connection *c, enum route r, const char *method,
         const char *url, unsigned status, const char *fmt, ...)
{
    char *body = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&body, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MHD_NO;
    struct MHD_Response *resp = json_response(s->cfg->served_by, body, (size_t)n,
                                              MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return counted(s, c, r, method, url, status, rc);
}

int server_ready(struct server *s)
{
    size_t bytes;
    uint64_t hash, version;
    document_store_info(s->store, &bytes, &hash, &version);
    return version && !atomic_load(&s->draining) && !atomic_load(&s->faults->forced_not_ready);
}

static enum MHD_Result send_readyz(struct server *s, struct MHD_Connection *c, const char *method,
                                   const char *url)
{
    size_t bytes;
    uint64_t hash, version;
    enum server_canned k = CANNED_READY;

    document_store_info(s->store, &bytes, &hash, &version);
    if (atomic_load(&s->draining))
        k = CANNED_NOT_READY_DRAINING;
    else if (!version)
        k = CANNED_NOT_READY_NO_DOC;
    else if (atomic_load(&s->faults->forced_not_ready))
        k = CANNED_NOT_READY_FORCED;
    return send_canned(s, c, ROUTE_READYZ, method, url, k);
}

static enum MHD_Result send_metrics(struct server *s, struct MHD_Connection *c, const char *method,
                                    const char *url)
{
    struct metrics_state st = {
        .ready = server_ready(s),
        .draining = atomic_load(&s->draining),
        .version = PROJECT_VERSION,
        .mhd_version = MHD_get_version(),
        .cjson_version = cJSON_Version(),
        .threading = s->threading,
    };
    /* Count this scrape first so it shows itself. */
    metrics_count_request(s->metrics, ROUTE_METRICS, 200);
    size_t need = metrics_render(s->metrics, &st, NULL, 0) + 1024;
    char *buf = malloc(need);
    if (!buf)
        return MHD_NO;
    size_t len = metrics_render(s->metrics, &st, buf, need);
    if (len >= need)
        len = need - 1;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    MHD_add_response_header(r, "X-Served-By", s->cfg->served_by);
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    if (s->cfg->access_log)
        log_event(s->log, LOG_INFO, "access", "%s %s 200", method, url);
    return rc;
}

static enum MHD_Result send_admin(struct server *s, struct MHD_Connection *c, const char *method,
                                  const char *url)
{
    if (strcmp(method, "POST") == 0) {
        int ready;
        const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ready");
        const char *why = faults_parse_ready(v, &ready);
        if (why)
            return send_fmt(s, c, ROUTE_ADMIN_READINESS, method, url, 400,
                            "{\"error\":\"%s\"}\n", why);
        atomic_store(&s->faults->forced_not_ready, !ready);
        log_event(s->log, LOG_WARN, "fault", "readiness forced %s",
                  ready ? "back to normal" : "to not ready");
    }
    return send_fmt(s, c, ROUTE_ADMIN_READINESS, method, url, 200,
                    "{\"forced_not_ready\":%s}\n",
                    atomic_load(&s->faults->forced_not_ready) ? "true" : "false");
}

static enum MHD_Result send_document(struct server *s, struct MHD_Connection *c, enum route r,
                                     const char *method, const char *url, unsigned forced)
{
    if (forced && forced != 200)
        return send_fmt(s, c, r, method, url, forced,
                        "{\"error\":\"injected fault\",\"status\":%u}\n", forced);
    int rc = document_store_queue(s->store, c);
    if (rc < 0)
        return send_canned(s, c, r, method, url, CANNED_NO_DOCUMENT);
    return counted(s, c, r, method, url, 200, (enum MHD_Result)rc);
}

/* With faults allowed, ?delay= suspends the request (answered when resumed)
 * and ?status= forces its status. Returns 1 if it took over the request. */
static int apply_faults(struct server *s, struct MHD_Connection *c, enum route r,
                        const char *method, const char *url, void **con_cls,
                        enum MHD_Result *rc)
{
    struct faults_request fr;
    const char *delay = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "delay");
    const char *status = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status");
    const char *why;

    if (!delay && !status)
        return 0;
    if ((why = faults_parse_request(delay, status, s->faults->max_delay_ms, &fr))) {
        *rc = send_fmt(s, c, r, method, url, 400, "{\"error\":\"%s\"}\n", why);
        return 1;
    }
    if (!fr.delay_ms) {
        *rc = send_document(s, c, r, method, url, fr.status);
        return 1;
    }
    struct fault_req *fq = malloc(sizeof *fq);
    if (!fq) {
        *rc = MHD_NO;
        return 1;
    }
    fq->status = fr.status;
    fq->answered = 0;
    *con_cls = fq;
    if (s->cfg->thread_per_connection) {
        faults_sleep(s->faults, fr.delay_ms); /* blocks only this connection */
        *rc = send_document(s, c, r, method, url, fr.status);
        return 1;
    }
    MHD_suspend_connection(c);
    if (faults_delay(s->faults, c, fr.delay_ms) != 0)
        MHD_resume_connection(c); /* shutting down: answer now */
    *rc = MHD_YES;
    return 1;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    struct server *s = cls;
    enum MHD_Result rc;
    (void)version;
    (void)upload_data;

    /* libmicrohttpd 0.9.75 closes the connection when the response is
     * queued on the first call (headers only: "the rest of the request is
     * discarded"), so the answer waits for the call that sees the request
     * complete; keep-alive depends on it. */
    if (*con_cls == NULL) {
        *con_cls = &plain_request;
        if (s->cfg->header_timeout_ms) {
            /* The head is complete: the header deadline no longer applies. */
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
            if (ci)
                deadline_done(ci->socket_context);
        }
        atomic_fetch_add_explicit(&s->inflight, 1, memory_order_relaxed);
        /* A large or chunked body: answer 413 now, on the first call, so MHD
         * closes the connection instead of reading up to the announced length
         * (1 GB, or trickled) only to discard it. */
        if (body_refused(c))
            return send_canned(s, c, router_decide(method, url, s->faults->allowed).route,
                               method, url, CANNED_BODY_TOO_LARGE);
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* bodies are ignored */
        return MHD_YES;
    }
    struct route_decision d = router_decide(method, url, s->faults->allowed);
    if (*con_cls != &plain_request) {
        /* A delayed request, resumed: answer it now. Seen under valgrind: MHD
         * 0.9.75 may call the handler once more after a resume at shutdown;
         * a second MHD_queue_response would fail and drop the connection. */
        struct fault_req *fq = *con_cls;
        if (fq->answered)
            return MHD_YES;
        fq->answered = 1;
        return send_document(s, c, d.route, method, url, fq->status);
    }
    if (d.status == 404)
        return send_canned(s, c, d.route, method, url, CANNED_NOT_FOUND);
    if (d.status == 403)
        return send_canned(s, c, d.route, method, url, CANNED_FORBIDDEN);
    if (d.status == 405)
        return send_canned(s, c, d.route, method, url,
                           d.route == ROUTE_ADMIN_READINESS ? CANNED_405_ADMIN : CANNED_405_READ);
    switch (d.route) {
    case ROUTE_ROOT:
    case ROUTE_INDEX:
        if (s->faults->allowed && apply_faults(s, c, d.route, method, url, con_cls, &rc))
            return rc;
        return send_document(s, c, d.route, method, url, 0);
    case ROUTE_HEALTHZ: return send_canned(s, c, d.route, method, url, CANNED_HEALTHZ);
    case ROUTE_READYZ: return send_readyz(s, c, method, url);
    case ROUTE_METRICS: return send_metrics(s, c, method, url);
    case ROUTE_ADMIN_READINESS: return send_admin(s, c, method, url);
    default: return send_canned(s, c, d.route, method, url, CANNED_NOT_FOUND);
    }
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct server *s = cls;
    (void)c;
    (void)toe;
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
    metrics_connection(s->metrics, toe == MHD_CONNECTION_NOTIFY_STARTED);
    if (!s->cfg->header_timeout_ms)
        return;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? deadline_open(&s->deadline, ci->connect_fd, clock_mono_ms()) : NULL;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        /* libmicrohttpd 0.9.75 notifies CLOSED before it closes the socket:
         * once this returns, the sweep can no longer reach this fd. */
        deadline_close(&s->deadline, *socket_context);
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

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct server *s = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_event(s->log, LOG_WARN, "libmicrohttpd", "%s", msg);
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
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->conn_memory,
        MHD_OPTION_NOTIFY_COMPLETED, completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, connection_event, s,
        MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
        MHD_OPTION_ARRAY, pool_opt,
        MHD_OPTION_END);
}

int server_start(struct server *s, const struct config *cfg, const struct log *log,
                 struct document_store *store, struct metrics *metrics, struct faults *faults)
{
    struct listener_error lerr;
    char limits[256];

    memset(s, 0, sizeof *s);
    s->listen_fd = -1;
    s->cfg = cfg, s->log = log, s->store = store, s->metrics = metrics, s->faults = faults;
    if (deadline_init(&s->deadline, cfg->header_timeout_ms)) {
        log_event(log, LOG_ERROR, "start", "cannot initialise the header deadline");
        return -1;
    }
    s->deadline_ready = 1;
    if (build_canned(s)) {
        log_event(log, LOG_ERROR, "start", "cannot build responses (out of memory)");
        return -1;
    }
    s->listen_fd = listener_open(cfg->listen.host, cfg->listen.port, 1, 1024, s->listen_desc,
                                 sizeof s->listen_desc, &lerr);
    if (s->listen_fd < 0) {
        log_event(log, LOG_ERROR, "listen", "cannot listen on %s", lerr.msg);
        server_stop(s);
        return -1;
    }
    if (!(s->daemon = start_daemon(s, cfg))) {
        log_event(log, LOG_ERROR, "listen", "libmicrohttpd did not start on %s (%s)",
                  s->listen_desc, s->threading);
        server_stop(s);
        return -1;
    }
    config_describe_limits(cfg, limits, sizeof limits);
    log_event(log, LOG_INFO, "listen", "listening on %s (%s, %s)", s->listen_desc, s->threading,
              limits);
    return 0;
}

void server_set_draining(struct server *s)
{
    atomic_store(&s->draining, 1);
}

void server_stop_accepting(struct server *s)
{
    /* quiesce only stops polling the socket: the kernel would still complete
     * handshakes into the backlog and leave clients hanging. shutdown() makes
     * it refuse them; the fd itself is closed after MHD_stop_daemon, as MHD
     * asks. */
    if (s->daemon && MHD_quiesce_daemon(s->daemon) != MHD_INVALID_SOCKET && s->listen_fd >= 0)
        shutdown(s->listen_fd, SHUT_RDWR);
}

long server_inflight(struct server *s)
{
    return atomic_load(&s->inflight);
}

void server_stop(struct server *s)
{
    faults_release_all(s->faults);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    if (s->deadline_ready) /* every connection is closed: nothing races */
        deadline_destroy(&s->deadline);
    s->deadline_ready = 0;
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    s->listen_fd = -1;
    for (int i = 0; i < CANNED_COUNT; i++) {
        if (s->canned[i])
            MHD_destroy_response(s->canned[i]);
        s->canned[i] = NULL;
    }
}
