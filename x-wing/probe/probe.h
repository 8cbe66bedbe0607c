/* probe: `xwing probe`, the lab's check as a canary that Prometheus scrapes.
 *
 * Every --every, a round of -n N requests per target (fresh connection and
 * name lookup each, as xwing sends them; the targets in turn), tallied per
 * target; served on --listen as /metrics (probe_render.h), /healthz and /
 * (the live tally as text). Three threads: the round loop (probe_loop.c),
 * libmicrohttpd's (probe_http.c), and the caller's, which waits for SIGTERM
 * or SIGINT. Between rounds both others block: ~0 CPU. Memory is fixed once
 * started, whatever the number of rounds. */
#ifndef XW_PROBE_H
#define XW_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "allowlist.h"
#include "error.h"
#include "expect.h"
#include "opt.h"
#include "spec.h"
#include "target.h"

/* Each target is a label value on every series of /metrics and ~135 KiB of
 * counters; a canary watches a few Services, not a fleet. */
#define PROBE_MAX_TARGETS 16

/* What `xwing probe` is started with (cli/probe_flags.c reads it). */
struct probe_options {
    struct spec spec; /* per target and round */
    struct expect expect;
    struct opt_hostport listen;
    struct allowlist allow; /* open, --allow-link-local only */
    uint64_t every_ms;
    size_t ntargets;
    struct target targets[PROBE_MAX_TARGETS];
};

/* Runs the probe until SIGTERM or SIGINT, which the caller must have blocked
 * in every thread (the threads started here inherit the mask). Returns 0
 * after a clean stop, -1 with err set when it could not start ("cannot
 * listen on 127.0.0.1:9090: Address already in use"). */
int probe_run(const struct probe_options *o, struct error *err);

#endif
