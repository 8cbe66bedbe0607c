/* serve: `xwing serve`, the x-wing container's main process.
 *
 * GET /healthz answers 200; GET /tally?target=..&n=..[&key=..][&by=..][&c=..]
 * [&timeout=..] runs a tally from inside the pod and answers the JSON report,
 * as agnhost's /dial does for Kubernetes e2e. Limits keep one caller from
 * tying the pod up: n capped (--max-requests), c <= 16, timeout <= 10s, a time
 * budget per tally (--tally-budget, 60 s: requests not started by then are not
 * made, and the report says "interrupted":true with "requested" and
 * "completed"), at most --max-tallies at once (503 beyond).
 * Thread per connection, blocking in poll: ~0 CPU when idle. */
#ifndef XW_SERVE_H
#define XW_SERVE_H

#include <signal.h>

#include "options.h"

#define SERVE_MAX_C 16
#define SERVE_MAX_TIMEOUT_MS 10000
#define SERVE_MAX_TARGETS 8

/* Outcome of reading a /tally query: the tally to run, or a 400 reason. */
struct serve_query {
    struct target targets[SERVE_MAX_TARGETS];
    size_t ntargets;
    uint64_t n, c, timeout_ms;
    char key[256];
    enum reply_by by;
    char error[256];
};

void serve_query_init(struct serve_query *q);

/* Applies one query argument (name, value may be NULL). Returns 0, or -1
 * with q->error set ("unknown parameter 'x'", "bad n: ..."). */
int serve_query_arg(struct serve_query *q, const char *name, const char *value, uint64_t max_n);

/* Checks the finished query (a target is required). 0 or -1 with q->error. */
int serve_query_done(struct serve_query *q);

/* Serves until SIGTERM or SIGINT (which must be blocked in the calling
 * thread). Returns 0 after a clean stop, -1 with err set when it could not
 * start (the address is taken, ...). */
int serve_run(const struct options *o, char *err, size_t errcap);

#endif
