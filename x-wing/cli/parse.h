/* parse: reading one mode's command line.
 *
 * Each mode (cli/client_flags.c, serve_flags.c, probe_flags.c) has its flag
 * table and apply callback; this reads argv (and for serve the XWING_*
 * variables) through them, collects the positional targets and words every
 * error as one line after the mode's prefix ("serve: ", "probe: " or ""). */
#ifndef XW_PARSE_H
#define XW_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "opt.h"

/* What a command line asks for besides its flags' values. */
enum parse_ask { PARSE_RUN, PARSE_HELP, PARSE_VERSION };

/* How a mode reads its command line. */
struct parse_mode {
    const struct opt_spec *specs;
    const char *env;    /* the variables' prefix; NULL: argv only */
    int first;          /* argv index of the first option */
    const char *prefix; /* names the mode in errors */
    size_t max_targets; /* positional arguments; 0: none */
};

/* opt_parse with m's table, apply and ctx; positional arguments into pos.
 * Returns 0, or -1 with err->msg one line after m's prefix. */
int parse_read(const struct parse_mode *m, opt_apply_fn apply, void *ctx, int argc, char **argv,
               char **pos, size_t *npos, struct error *err);

/* Writes one line, after prefix, to err; returns -1. */
__attribute__((format(printf, 3, 4)))
int parse_refuse(struct error *err, const char *prefix, const char *fmt, ...);

/* A duration over 0 into ms: NULL, or why not. */
const char *parse_positive_duration(const char *v, uint64_t *ms);

/* A duration from min_ms to max_ms into ms: NULL, or why (the caller's words). */
const char *parse_duration_in(const char *v, uint64_t min_ms, uint64_t max_ms, uint64_t *ms,
                              const char *why);

#endif
