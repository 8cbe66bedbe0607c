/* httpd: a libmicrohttpd daemon of xwing's on a --listen address, and the
 * answers both services give the same way.
 *
 * The socket comes from common/listen (":PORT" is IPv6 and IPv4, or IPv4
 * alone where IPv6 is off, as in many pods; port 0 lets the kernel pick), and
 * libmicrohttpd serves it with the threading the caller chooses: `xwing serve`
 * a thread per connection, `xwing probe` one polling thread. */
#ifndef XW_HTTPD_H
#define XW_HTTPD_H

#include <microhttpd.h>
#include <stddef.h>

#include "error.h"
#include "head_refusal.h"
#include "line_refusal.h"
#include "listen.h"
#include "log.h"
#include "opt.h"

/* The memory pool of each connection: the request head must fit in it, with
 * room for the reply's header (libmicrohttpd's default, made explicit). */
#define HTTPD_CONNECTION_MEMORY (32u * 1024u)

struct httpd_config {
    MHD_AccessHandlerCallback handler;
    void *cls;
    unsigned flags; /* threading: MHD_USE_INTERNAL_POLLING_THREAD | ... */
    unsigned connection_limit;
    unsigned connection_timeout_s;
    size_t thread_stack; /* 0: the libc's default */
    int backlog;         /* connections the kernel queues before accept */
    /* The 431 a head too large for the pool gets (head_refusal.h), in the
     * service's own error format. */
    const char *refusal_type, *refusal_body;
    /* Where libmicrohttpd's own messages go, as events (common/mhd_log). */
    const struct log *log;
    /* The 400 a request line libmicrohttpd drops gets (line_refusal.h), as
     * refusal_type. */
    const char *bad_line_body;
};

/* Set fd to -1 before a start that may not happen (httpd_stop checks it). */
struct httpd {
    struct MHD_Daemon *daemon;
    int fd;
    char desc[LISTEN_DESC_MAX]; /* the bound address, "127.0.0.1:43817" */
    struct head_refusal refusal; /* read by the daemon's threads until it stops */
    struct line_refusal lines;   /* likewise */
    int per_connection;          /* a thread per connection: judge lines at the start */
};

/* Listens on addr and starts serving. Returns 0, or -1 with err (step
 * "listen": "cannot listen on HOST:PORT: <cause>"); h is then stopped. */
int httpd_start(struct httpd *h, const struct opt_hostport *addr, const struct httpd_config *c,
                struct error *err);

/* Stops the daemon (waiting for its threads) and closes the socket. Safe on a
 * stopped or failed httpd. */
void httpd_stop(struct httpd *h);

/* Queues code with body (malloc'd; freed here in every case) as content_type;
 * allow, when not NULL, becomes the Allow header (for 405). */
enum MHD_Result httpd_respond(struct MHD_Connection *conn, unsigned code,
                              const char *content_type, const char *allow, char *body);

/* code with {"error":"WHY"} (http_json_error). */
enum MHD_Result httpd_json_error(struct MHD_Connection *conn, unsigned code, const char *why);

/* 200 {"status":"ok"}: the /healthz answer of both services. */
enum MHD_Result httpd_healthz(struct MHD_Connection *conn);

#endif
