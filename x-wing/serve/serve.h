/* serve: `xwing serve`, the x-wing container's main process.
 *
 * GET /healthz answers 200; GET /tally?target=..&n=..[&key=..][&by=..][&c=..]
 * [&timeout=..] runs a tally from inside the pod and answers the JSON report,
 * as agnhost's /dial does for Kubernetes e2e, but only of the targets its
 * allowlist names (--allow-target; the lab's names by default): anything
 * else gets 403 naming the flag that would allow it (gate.h). Limits keep one
 * caller from tying the pod up: n capped (--max-requests), c <= 16, timeout <= 10s, a time
 * budget per tally (--tally-budget, 60 s: requests not started by then are not
 * made, and the report says "interrupted":true with "requested" and
 * "completed"), at most --max-tallies at once (503 beyond).
 * Thread per connection, blocking in poll: ~0 CPU when idle. */
#ifndef XW_SERVE_H
#define XW_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "allowlist.h"
#include "error.h"
#include "log.h"
#include "opt.h"
#include "spec.h"
#include "target.h"

#define SERVE_MAX_C 16
#define SERVE_MAX_TIMEOUT_MS 10000
#define SERVE_MAX_TARGETS 8
#define SERVE_TALLY_BUDGET_MS 60000 /* --tally-budget's default */

/* What `xwing serve` is started with (cli/serve_flags.c reads it). */
struct serve_options {
    struct opt_hostport listen;
    enum log_format log_format;
    uint64_t max_n;     /* --max-requests: the cap on n per tally */
    uint64_t max_busy;  /* --max-tallies: at once */
    uint64_t budget_ms; /* --tally-budget: no request starts after it */
    struct allowlist allow; /* --allow-target (the lab's names when none) */
};

/* A /tally query as read so far: the targets and the tally to run. */
struct serve_query {
    struct target targets[SERVE_MAX_TARGETS];
    size_t ntargets;
    struct spec spec;
    char why[64]; /* room for a reason naming the --max-requests cap */
};

/* The reason serve_query_arg gives for a parameter it does not know. */
extern const char serve_unknown_parameter[];

/* Empties q: no targets, the tally's defaults (spec_defaults). */
void serve_query_init(struct serve_query *q);

/* Applies one query argument (value may be NULL). Returns NULL, or why it is
 * refused: a constant (serve_unknown_parameter for an unknown name), or for n
 * the range up to max_n in q->why. */
const char *serve_query_arg(struct serve_query *q, const char *name, const char *value,
                            uint64_t max_n);

/* Checks the finished query: NULL, or why not (a target is required). */
const char *serve_query_done(const struct serve_query *q);

/* The 400 reason for argument name=value refused with why, as the caller
 * sends it: "bad n '0': expected 1..1000 (--max-requests)", "unknown
 * parameter 'x'". */
void serve_query_explain(char *buf, size_t cap, const char *name, const char *value,
                         const char *why);

/* Serves until SIGTERM or SIGINT (which must be blocked in the calling
 * thread: stop_block). Returns 0 after a clean stop, -1 with err set when it
 * could not start (the address is taken, ...). */
int serve_run(const struct serve_options *o, struct error *err);

#endif
