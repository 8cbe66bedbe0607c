/* server: the libmicrohttpd glue. Answers requests from prebuilt immutable
 * responses (document, probes, errors), renders /metrics, applies faults, and
 * exposes the steps main uses to drain: set draining, stop accepting, wait for
 * in-flight requests, stop. */
#ifndef REBEL_BASE_SERVER_H
#define REBEL_BASE_SERVER_H

#include <stdatomic.h>
#include <stddef.h>

#include <microhttpd.h>

#include "config.h"
#include "deadline.h"
#include "document.h"
#include "faults.h"
#include "log.h"
#include "metrics.h"
#include "router.h"

enum server_canned {
    CANNED_NOT_FOUND,
    CANNED_FORBIDDEN,
    CANNED_405_READ,
    CANNED_405_ADMIN,
    CANNED_HEALTHZ,
    CANNED_READY,
    CANNED_NOT_READY_NO_DOC,
    CANNED_NOT_READY_DRAINING,
    CANNED_NOT_READY_FORCED,
    CANNED_NO_DOCUMENT,
    CANNED_BODY_TOO_LARGE,
    CANNED_COUNT
};

struct server {
    const struct config *cfg;
    const struct log *log;
    struct document_store *store;
    struct metrics *metrics;
    struct faults *faults;
    struct MHD_Daemon *daemon;
    int listen_fd;
    char listen_desc[96];
    char threading[32];
    struct MHD_Response *canned[CANNED_COUNT];
    atomic_int draining;
    _Atomic long inflight;   /* requests started and not yet completed */
    struct deadline deadline; /* --header-timeout bookkeeping */
    int deadline_ready;
};

/* Opens the listen socket and starts libmicrohttpd. Returns 0, or -1 after
 * logging the cause. */
int server_start(struct server *s, const struct config *cfg, const struct log *log,
                 struct document_store *store, struct metrics *metrics, struct faults *faults);

/* /readyz turns 503 from now on; everything else keeps answering. */
void server_set_draining(struct server *s);

/* Stops accepting new connections; open ones keep being served. */
void server_stop_accepting(struct server *s);

/* Requests being processed right now (including delayed ones). */
long server_inflight(struct server *s);

/* Releases delayed requests, stops libmicrohttpd (closing idle keep-alive
 * connections) and frees everything. */
void server_stop(struct server *s);

/* Shuts down (SHUT_RDWR) connections whose first request head is overdue
 * (--header-timeout); libmicrohttpd then sees EOF and closes them. Called
 * periodically from main's loop. Returns how many were shut down. */
size_t server_sweep_header_deadlines(struct server *s);

/* 1 when /readyz would answer 200. */
int server_ready(struct server *s);

#endif
