/* client: `xwing [options] TARGET...`, one tally run from the command line.
 *
 * Fires the requests, shows progress on a terminal or a line per --watch
 * interval, stops early on SIGINT/SIGTERM or --duration, then prints the
 * report (text, or one JSON object) and judges the expectation. */
#ifndef XW_CLIENT_H
#define XW_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "expect.h"
#include "spec.h"
#include "target.h"

/* Targets are used in turn; each costs ~2.6 KiB here (untouched unless used)
 * and one parsed URL in fire. The limit only guards against runaway input. */
#define CLIENT_MAX_TARGETS 1024
#define CLIENT_MAX_THREADS 64

struct client_options {
    size_t ntargets;
    struct spec spec;     /* n is FIRE_UNLIMITED for --watch/--duration without -n */
    double rate;          /* requests per second, 0 for none */
    uint64_t interval_ms; /* between request starts, 0 for none */
    int keepalive, dns_cache;
    int verbose, json;
    struct expect expect;
    int watch;
    uint64_t duration_ms, watch_every_ms;
    unsigned threads;     /* event loops, 1 by default */
    /* Last, and left out of the defaults' zeroing: 2.6 MiB that stays
     * untouched (not resident) beyond the targets given. */
    struct target targets[CLIENT_MAX_TARGETS];
};

/* The pause between request starts implied by --rate or --interval, in ns. */
uint64_t client_interval_ns(const struct client_options *o);

/* Runs the tally o asks for and prints it. Returns the exit status (0, 1
 * when the expectation fails, 128 + the signal that interrupted it), or -1
 * with err set when it could not run (out of memory, libcurl). */
int client_run(const struct client_options *o, struct error *err);

#endif
