/* deadline: the request-header deadline (like nginx's client_header_timeout).
 *
 * libmicrohttpd 0.9.75's timeout counts inactivity only, so a client that
 * trickles header bytes, or connects and waits, holds a connection slot for
 * long. Each connection is registered when it is accepted; the access
 * handler's first call (the request head is complete) marks it done; a
 * periodic sweep hands the fds of connections still not done after the
 * timeout to an expire callback (the server shuts them down, so libmicrohttpd
 * sees EOF and closes them itself). Only the first request of a connection is
 * covered: the wait between keep-alive requests is the idle timeout's job.
 *
 * Threads: open, close and sweep serialise on one mutex; done is lock-free.
 * The fd is only handed to expire under that mutex while the connection is
 * still registered, and the caller must call deadline_close before it closes
 * the fd (libmicrohttpd's NOTIFY_CLOSED does), so expire never sees an fd
 * that already belongs to another connection. */
#ifndef REBEL_BASE_DEADLINE_H
#define REBEL_BASE_DEADLINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct deadline_conn {
    struct deadline_conn *prev, *next; /* in the pending list while linked */
    uint64_t due_ms;
    int fd;
    int linked;
    atomic_int done;                   /* request head complete */
};

struct deadline {
    pthread_mutex_t lock;
    uint64_t timeout_ms;               /* 0: disabled */
    struct deadline_conn *head, *tail; /* by due time: accept order */
    size_t pending;
};

typedef void (*deadline_expire_fn)(int fd, void *ctx);

/* timeout_ms 0 disables the deadline (open returns NULL). 0, or -1 with err. */
int deadline_init(struct deadline *d, uint64_t timeout_ms, struct error *err);

/* Frees what is still registered (call after every connection is closed). */
void deadline_destroy(struct deadline *d);

/* Registers a connection accepted at now_ms on fd. NULL when disabled or out
 * of memory (the connection is then simply not covered). */
struct deadline_conn *deadline_open(struct deadline *d, int fd, uint64_t now_ms);

/* The connection's request head is complete: it will not expire. NULL is ok.
 * Lock-free: one relaxed store, for the request hot path. */
void deadline_done(struct deadline_conn *c);

/* Unregisters and frees c (NULL is ok); must run before its fd is closed. */
void deadline_close(struct deadline *d, struct deadline_conn *c);

/* Calls expire(fd, ctx) once for each registered connection not done whose
 * deadline (accept + timeout) is <= now_ms, and drops it and done ones that
 * are due from the pending list. Returns how many expired. */
size_t deadline_sweep(struct deadline *d, uint64_t now_ms, deadline_expire_fn expire, void *ctx);

/* Connections waiting in the pending list (done ones included until swept). */
size_t deadline_pending(struct deadline *d);

#endif
