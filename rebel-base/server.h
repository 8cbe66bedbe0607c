/* server: the libmicrohttpd glue. Starts the daemon on the listen socket,
 * takes each request through its life (the body policy, the route, fault
 * delays, completion), hands it to its endpoint (endpoints.h), sweeps the
 * request-header deadline, and drains and stops. */
#ifndef REBEL_BASE_SERVER_H
#define REBEL_BASE_SERVER_H

#include <stdatomic.h>
#include <stddef.h>

#include <microhttpd.h>

#include "answer.h"
#include "config.h"
#include "deadline.h"
#include "document.h"
#include "endpoints.h"
#include "error.h"
#include "faults.h"
#include "head_refusal.h"
#include "line_refusal.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "trim.h"

/* What the server answers from; main owns each part. */
struct server_parts {
    const struct config *cfg;
    const struct log *log;
    const struct answer *answer;
    struct document_store *store;
    struct metrics *metrics;
    struct faults *faults;
};

struct server {
    const struct config *cfg;
    const struct log *log;
    struct metrics *metrics;
    struct faults *faults;
    struct endpoints endpoints;
    struct MHD_Daemon *daemon;
    int listen_fd;
    char listen_desc[LISTEN_DESC_MAX];
    char threading[32];
    atomic_int draining;
    _Atomic long inflight;    /* requests started and not yet completed */
    struct deadline deadline; /* --header-timeout bookkeeping */
    struct head_refusal refusal; /* the 431 libmicrohttpd would leave out */
    struct line_refusal lines;   /* the 400 it leaves out for a broken line */
    struct trim trim;            /* memory back to the kernel after a burst */
    int deadline_ready;
};

/* Opens the listen socket and starts libmicrohttpd, then logs the listen
 * line. Returns 0, or -1 with err (step "start" or "listen"). */
int server_start(struct server *s, const struct server_parts *parts, struct error *err);

/* Shuts down (SHUT_RDWR) connections whose first request head is overdue
 * (--header-timeout); libmicrohttpd then sees EOF and closes them. Called
 * periodically from main's loop. Returns how many were shut down. */
size_t server_sweep_header_deadlines(struct server *s);

/* Called every --watch-interval while the server drains (main follows
 * document reloads with it). */
typedef void (*server_tick_fn)(void *ctx);

/* The shutdown after stop signal sig: /readyz answers 503 at once while
 * everything else is served for --drain (tick(ctx) keeps running), then new
 * connections are refused and in-flight requests get --grace to finish; if it
 * runs out, delayed requests are answered at once. Logs each step. Returns how
 * many requests the grace cut short (0: none), for drain_exit. */
long server_drain(struct server *s, int sig, server_tick_fn tick, void *ctx);

/* Releases delayed requests, stops libmicrohttpd (closing idle keep-alive
 * connections) and closes the socket. */
void server_stop(struct server *s);

#endif
