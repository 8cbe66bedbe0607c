#include "httpd.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "mhd_log.h"

/* A request's end: a head that fit the pool but left no room for the
 * reply's header gets its 431 here (head_refusal.h); the connection's mark
 * moves past the request (line_refusal.h). */
static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct httpd *h = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    (void)con_cls;
    head_refusal_on_completed(&h->refusal, c, toe);
    if (ci && ci->socket_context)
        line_refusal_answered(ci->socket_context, c);
}

/* Each connection carries its line_mark; a request line libmicrohttpd
 * dropped gets its 400 at the close. Out of memory: no mark, no 400. */
static void connection_event(void *cls, struct MHD_Connection *c, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe)
{
    struct httpd *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(struct line_mark));
        if (h->per_connection)
            line_refusal_on_started(&h->lines, c, HTTPD_CONNECTION_MEMORY);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        line_refusal_on_closed(&h->lines, *socket_context, c);
        free(*socket_context);
        *socket_context = NULL;
    }
}

int httpd_start(struct httpd *h, const struct opt_hostport *addr, const struct httpd_config *c,
                struct error *err)
{
    memset(h, 0, sizeof *h);
    h->fd = -1;
    if (head_refusal_init(&h->refusal, c->refusal_type, c->refusal_body))
        return error_set(err, "start", "cannot build the 431 reply");
    if (line_refusal_init(&h->lines, c->refusal_type, c->bad_line_body))
        return error_set(err, "start", "cannot build the 400 reply");
    h->fd = listen_open(addr, 1, c->backlog, h->desc, sizeof h->desc, err);
    if (h->fd < 0)
        return -1;
    h->per_connection = (c->flags & MHD_USE_THREAD_PER_CONNECTION) != 0;
    h->daemon = MHD_start_daemon(c->flags | MHD_USE_ERROR_LOG, 0, NULL, NULL, c->handler, c->cls,
                                 /* first, or libmicrohttpd prints the options' messages itself */
                                 MHD_OPTION_EXTERNAL_LOGGER, mhd_log_event, c->log,
                                 MHD_OPTION_LISTEN_SOCKET, h->fd,
                                 MHD_OPTION_CONNECTION_LIMIT, c->connection_limit,
                                 MHD_OPTION_CONNECTION_TIMEOUT, c->connection_timeout_s,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                 (size_t)HTTPD_CONNECTION_MEMORY,
                                 MHD_OPTION_NOTIFY_COMPLETED, completed, h,
                                 MHD_OPTION_NOTIFY_CONNECTION, connection_event, h,
                                 MHD_OPTION_UNESCAPE_CALLBACK, head_refusal_unescape,
                                 &h->refusal,
                                 MHD_OPTION_THREAD_STACK_SIZE, c->thread_stack, MHD_OPTION_END);
    if (!h->daemon) {
        httpd_stop(h);
        return error_set(err, "listen", "libmicrohttpd did not start on %s", h->desc);
    }
    return 0;
}

void httpd_stop(struct httpd *h)
{
    line_refusal_stop(&h->lines);
    if (h->daemon)
        MHD_stop_daemon(h->daemon);
    h->daemon = NULL;
    if (h->fd >= 0) /* libmicrohttpd leaves a socket it was given open */
        close(h->fd);
    h->fd = -1;
}

enum MHD_Result httpd_respond(struct MHD_Connection *conn, unsigned code,
                              const char *content_type, const char *allow, char *body)
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
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result httpd_json_error(struct MHD_Connection *conn, unsigned code, const char *why)
{
    return httpd_respond(conn, code, HTTP_JSON, NULL, http_json_error(why));
}

enum MHD_Result httpd_healthz(struct MHD_Connection *conn)
{
    return httpd_respond(conn, MHD_HTTP_OK, HTTP_JSON, NULL, strdup("{\"status\":\"ok\"}\n"));
}
