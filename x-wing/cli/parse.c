#include "parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int parse_refuse(struct error *err, const char *prefix, const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return error_set(err, OPT_STEP_USAGE, "%s%s", prefix, msg);
}

int parse_read(const struct parse_mode *m, opt_apply_fn apply, void *ctx, int argc, char **argv,
               char **pos, size_t *npos, struct error *err)
{
    if (opt_parse(m->specs, m->env, argc, argv, m->first, apply, ctx, pos, m->max_targets, npos,
                  err) == 0)
        return 0;
    if (strcmp(err->step, OPT_STEP_EXTRA) == 0 && m->max_targets)
        return parse_refuse(err, m->prefix, "too many targets: at most %zu", m->max_targets);
    return parse_refuse(err, m->prefix, "%s", err->msg);
}

const char *parse_positive_duration(const char *v, uint64_t *ms)
{
    const char *why = opt_parse_duration(v, ms);
    if (!why && *ms == 0)
        return "must be more than 0";
    return why;
}

const char *parse_duration_in(const char *v, uint64_t min_ms, uint64_t max_ms, uint64_t *ms,
                              const char *why)
{
    return opt_parse_duration(v, ms) || *ms < min_ms || *ms > max_ms ? why : NULL;
}
