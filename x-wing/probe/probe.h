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

#include "error.h"
#include "options.h"

/* Runs the probe until SIGTERM or SIGINT, which the caller must have blocked
 * in every thread (the threads started here inherit the mask). Returns 0
 * after a clean stop, -1 with err set when it could not start ("cannot
 * listen on 127.0.0.1:9090: Address already in use"). */
int probe_run(const struct options *o, struct error *err);

#endif
