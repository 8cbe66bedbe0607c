/* drain: the steps of a shutdown, as pure loops server_drain drives (server.h):
 * keep serving for --drain, wait for in-flight requests within --grace, and
 * turn what was left into the exit status and the exit log line.
 *
 * Time and the server come in through struct drain_probe, so the wait can be
 * tested with a fake clock and a fake in-flight count. */
#ifndef REBEL_BASE_DRAIN_H
#define REBEL_BASE_DRAIN_H

#include <stddef.h>
#include <stdint.h>

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

/* The exit status for cut_short requests left when the grace ran out, and
 * the exit log line: 0 and "clean shutdown", or DRAIN_EXIT_GRACE_EXPIRED and
 * "grace expired: 2 requests cut short". */
int drain_exit(long cut_short, char *msg, size_t cap);

#endif
