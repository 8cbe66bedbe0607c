/* metrics: counters for /metrics and their Prometheus text rendering.
 *
 * Request counters are relaxed atomics indexed by route and status code, so
 * the hot path costs one uncontended-in-the-common-case atomic add and no
 * lock or allocation. Rendering is a pure function of the struct. */
#ifndef REBEL_BASE_METRICS_H
#define REBEL_BASE_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "router.h"

#define METRICS_MAX_STATUS 600 /* codes 100..599 are counted as themselves */

struct metrics {
    _Atomic uint64_t requests[ROUTE_COUNT][METRICS_MAX_STATUS];
    _Atomic uint64_t reloads_ok, reloads_failed;
    _Atomic uint64_t doc_bytes, doc_version;
    _Atomic uint64_t doc_loaded_unix_ms;   /* wall time of the last good load */
    _Atomic uint64_t doc_load_ns;          /* read+parse+build time of it */
    _Atomic int64_t open_connections;
    _Atomic uint64_t connections_total;
};

/* What the server knows at render time and the counters don't. */
struct metrics_state {
    int ready;
    int draining;
    const char *version;   /* our version, e.g. "0.1.0" */
    const char *mhd_version;
    const char *cjson_version;
    const char *threading; /* "epoll", "pool:2", "per-connection" */
};

void metrics_init(struct metrics *m);

/* Counts one answered request; statuses outside 100..599 count as 0. */
static inline void metrics_count_request(struct metrics *m, enum route r, unsigned status)
{
    if (status >= METRICS_MAX_STATUS || status < 100)
        status = 0;
    atomic_fetch_add_explicit(&m->requests[r][status], 1, memory_order_relaxed);
}

/* Records a successful load of bytes taking load_ns, now version version. */
void metrics_reload_ok(struct metrics *m, uint64_t bytes, uint64_t version, uint64_t load_ns,
                       uint64_t unix_ms);
void metrics_reload_failed(struct metrics *m);
/* A connection opened (or closed); returns the open connections after it. */
int64_t metrics_connection(struct metrics *m, int opened);
/* The connections open now (the gauge). */
int64_t metrics_open_connections(struct metrics *m);

/* Writes the Prometheus text exposition (format 0.0.4) into buf like
 * snprintf: returns the length it needs, writes at most cap-1 bytes + NUL. */
size_t metrics_render(const struct metrics *m, const struct metrics_state *s, char *buf,
                      size_t cap);

#endif
