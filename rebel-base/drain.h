/* drain: the steps of a shutdown, in order: /readyz 503, keep serving for
 * --drain, stop accepting, wait for in-flight requests within --grace,
 * answer delayed ones early if it ran out; then the exit status and line.
 *
 * The server and time come in through struct drain_server and the clock
 * functions, so the whole sequence can be tested with a fake clock and a
 * fake in-flight count; server.c supplies the libmicrohttpd side. */
#ifndef REBEL_BASE_DRAIN_H
#define REBEL_BASE_DRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* Exit status when --grace ran out with requests still in flight: they were
 * cut short (delayed ones answered early, others closed), which a clean
 * shutdown (0) must not hide. 1 and 2 are taken (runtime error, usage). */
#define DRAIN_EXIT_GRACE_EXPIRED 3

struct drain_probe {
    long (*inflight)(void *ctx); /* requests being processed now */
    void (*tick)(void *ctx);     /* housekeeping while waiting (header deadlines) */
    uint64_t (*now_ms)(void);
    void (*sleep_ms)(uint64_t ms);
    void *ctx;
};

/* Keeps serving for drain_ms: calls p->tick (following reloads, sweeping
 * header deadlines), then sleeps interval_ms, or what is left if less, until
 * drain_ms have passed. With drain_ms 0 it returns at once. */
void drain_serve(const struct drain_probe *p, uint64_t drain_ms, uint64_t interval_ms);

/* Waits, polling every 5 ms, until nothing is in flight and settle_ms has
 * passed, or until grace_ms has passed, whichever comes first. Returns what is
 * still in flight then (0 when everything finished). settle_ms covers
 * connections accepted just before the listener closed whose request has not
 * been read yet, so a count of 0 is believed only after it. */
long drain_wait(const struct drain_probe *p, uint64_t settle_ms, uint64_t grace_ms);

/* After the listener closes: how long requests on just-accepted connections
 * get to be read before "0 in flight" is believed. */
#define DRAIN_SETTLE_MS 100

/* What the drain does to the server; each call may be NULL. */
struct drain_server {
    long (*inflight)(void *ctx);
    void (*begin)(void *ctx);           /* /readyz answers 503 from now on */
    void (*serving_tick)(void *ctx);    /* while still serving: follow reloads, sweep */
    void (*waiting_tick)(void *ctx);    /* while waiting: sweep header deadlines */
    void (*stop_accepting)(void *ctx);  /* new connections are refused */
    void (*release_delayed)(void *ctx); /* delayed requests are answered now */
    void *ctx;
};

struct drain_plan {
    int sig;                    /* the stop signal, for the log */
    uint64_t drain_ms, grace_ms, interval_ms;
    uint64_t (*now_ms)(void);
    void (*sleep_ms)(uint64_t ms);
};

/* The shutdown after a stop signal, step by step as above, each logged to
 * log. Returns how many requests the grace cut short (0: none). */
long drain_run(const struct drain_server *srv, const struct drain_plan *plan,
               const struct log *log);

/* The exit status for cut_short requests left when the grace ran out, and
 * the exit log line: 0 and "clean shutdown", or DRAIN_EXIT_GRACE_EXPIRED and
 * "grace expired: 2 requests cut short". */
int drain_exit(long cut_short, char *msg, size_t cap);

#endif
