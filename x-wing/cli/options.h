/* options: xwing's command line, parsed and validated into struct options.
 *
 * `xwing [options] TARGET...` runs a tally; `xwing serve [options]` runs the
 * HTTP service; `xwing probe [options] TARGET...` runs tallies every --every
 * and serves them as metrics. Client and probe flags come from argv only (a
 * stray variable must not change what a lab step or a canary checks); serve
 * flags may also come from XWING_<NAME> (XWING_LISTEN), as container settings
 * usually do. */
#ifndef XW_OPTIONS_H
#define XW_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "allowlist.h"
#include "expect.h"
#include "log.h"
#include "opt.h"
#include "reply.h"
#include "spec.h"
#include "target.h"

/* Targets are used in turn; each costs ~2.6 KiB here (untouched unless used)
 * and one parsed URL in fire. The limit only guards against runaway input. */
#define OPTIONS_MAX_TARGETS 1024
#define OPTIONS_MAX_N 1000000000ull
#define OPTIONS_MAX_C 512
#define OPTIONS_MAX_BODY (64ull << 20)
#define OPTIONS_TALLY_BUDGET_MS 60000 /* xwing serve: per tally */
/* xwing probe: each target is a label value on every series of /metrics and
 * ~135 KiB of counters; a canary watches a few Services, not a fleet. */
#define OPTIONS_MAX_PROBE_TARGETS 16

enum options_mode { OPTIONS_RUN, OPTIONS_SERVE, OPTIONS_PROBE, OPTIONS_HELP, OPTIONS_VERSION };

struct options {
    enum options_mode mode;
    int serve_help; /* --help after `serve` */
    int probe_help; /* --help after `probe` */
    size_t ntargets;
    struct spec spec; /* n is FIRE_UNLIMITED for --watch/--duration without -n */
    int n_set, key_set;
    double rate;          /* requests per second, 0 for none */
    uint64_t interval_ms; /* between request starts, 0 for none */
    int keepalive, dns_cache;
    int verbose, json;
    struct expect expect;
    int watch;
    uint64_t duration_ms, watch_every_ms;
    /* serve */
    struct opt_hostport listen;
    enum log_format log_format;
    uint64_t serve_max_n;
    uint64_t serve_max_busy;
    uint64_t serve_budget_ms; /* --tally-budget: no request starts after it */
    struct allowlist allow;   /* serve: --allow-target (the lab's names when none);
                                 probe: open, --allow-link-local only */
    /* probe (also: listen, and the client's tally and expectation flags) */
    uint64_t probe_every_ms;
    /* Last, and left out of the defaults' zeroing: 2.6 MiB that stays
     * untouched (not resident) beyond the targets given. */
    struct target targets[OPTIONS_MAX_TARGETS];
};

/* Fills o with the defaults of its mode (the tally's from spec_defaults;
 * `probe` listens on :9090, `serve` on :8080), then reads argv, and for serve
 * XWING_* first. Returns 0, or -1 with err->msg set to one line naming the
 * bad flag or target, after the mode ("serve: ...", "probe: ..."). --help
 * and --version set the mode; the caller prints. */
int options_parse(struct options *o, int argc, char **argv, struct opt_error *err);

/* The help that covers this command line's mode, for a usage error to point
 * at: "xwing serve --help", "xwing probe --help" or "xwing --help". */
const char *options_help_command(int argc, char **argv);

/* The pause between request starts implied by --rate or --interval, in ns. */
uint64_t options_interval_ns(const struct options *o);

void options_usage(FILE *out);
void options_serve_usage(FILE *out);
void options_probe_usage(FILE *out);

#endif
