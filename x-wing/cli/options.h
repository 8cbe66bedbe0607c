/* options: xwing's command line, parsed and validated into struct options.
 *
 * `xwing [options] TARGET...` runs a tally; `xwing serve [options]` runs the
 * HTTP service; `xwing probe [options] TARGET...` runs tallies every --every
 * and serves them as metrics. Client and probe flags come from argv only (a
 * stray variable must not change what a lab step or a canary checks); serve
 * flags may also come from XWING_<NAME> (XWING_LISTEN), as container settings
 * usually do. Each mode reads its own flags (client_flags.c, serve_flags.c,
 * probe_flags.c) into its own options; help.c holds the three help texts. */
#ifndef XW_OPTIONS_H
#define XW_OPTIONS_H

#include "client.h"
#include "opt.h"
#include "probe.h"
#include "serve.h"

enum options_mode { OPTIONS_RUN, OPTIONS_SERVE, OPTIONS_PROBE, OPTIONS_HELP, OPTIONS_VERSION };

struct options {
    enum options_mode mode;
    enum options_mode help_of; /* the mode argv names (RUN, SERVE, PROBE): whose --help */
    struct serve_options serve;
    struct probe_options probe;
    /* Last: its targets[] is 2.6 MiB, untouched (not resident) beyond those given. */
    struct client_options client;
};

/* Fills the options of argv's mode with its defaults (the tally's from
 * spec_defaults; `probe` listens on :9090, `serve` on :8080), then reads
 * argv, and for serve XWING_* first. Returns 0, or -1 with err->msg set to
 * one line naming the bad flag or target, after the mode ("serve: ...",
 * "probe: ..."). --help and --version set the mode; the caller prints. */
int options_parse(struct options *o, int argc, char **argv, struct error *err);

/* The help that covers this command line's mode, for a usage error to point
 * at: "xwing serve --help", "xwing probe --help" or "xwing --help". */
const char *options_help_command(int argc, char **argv);

#endif
