#include "serve_flags.h"

#include <string.h>

#include "parse.h"

enum {
    S_LISTEN, S_MAX_REQUESTS, S_MAX_TALLIES, S_TALLY_BUDGET, S_LOG_FORMAT, S_ALLOW_TARGET,
    S_ALLOW_LINK_LOCAL, S_HELP, S_VERSION,
};

static const struct opt_spec serve_specs[] = {
    {"listen", 'l', 1, S_LISTEN},
    {"max-requests", 0, 1, S_MAX_REQUESTS},
    {"max-tallies", 0, 1, S_MAX_TALLIES},
    {"tally-budget", 0, 1, S_TALLY_BUDGET},
    {"log-format", 0, 1, S_LOG_FORMAT},
    {"allow-target", 0, 1, S_ALLOW_TARGET},
    {"allow-link-local", 0, 0, S_ALLOW_LINK_LOCAL},
    {"help", 'h', 0, S_HELP},
    {"version", 'V', 0, S_VERSION},
    {NULL, 0, 0, 0},
};

static const struct parse_mode serve_mode = {
    .specs = serve_specs, .env = "XWING", .first = 2, .prefix = "serve: "};

/* The parse in progress, and room for a reason that names a range. */
struct serve_parse {
    struct serve_options *o;
    enum parse_ask *ask;
    char why[OPT_WHY_MAX];
};

static const char *apply(void *ctx, int id, const char *v)
{
    struct serve_parse *p = ctx;
    struct serve_options *s = p->o;
    switch (id) {
    case S_LISTEN: return opt_parse_hostport(v, &s->listen);
    case S_MAX_REQUESTS: return opt_uint_in(v, 1, 1000000, &s->max_n, p->why);
    case S_MAX_TALLIES: return opt_uint_in(v, 1, 64, &s->max_busy, p->why);
    case S_TALLY_BUDGET:
        return parse_duration_in(v, 100, 3600000, &s->budget_ms,
                                 "expected a duration from 100ms to 1h");
    case S_LOG_FORMAT:
        return log_format_parse(v, &s->log_format) ? "expected text or json" : NULL;
    case S_ALLOW_TARGET: return allowlist_add(&s->allow, v);
    case S_ALLOW_LINK_LOCAL: s->allow.link_local = 1; return NULL;
    case S_HELP: *p->ask = PARSE_HELP; return NULL;
    case S_VERSION: *p->ask = PARSE_VERSION; return NULL;
    }
    return "unknown option";
}

static void defaults(struct serve_options *s)
{
    memset(s, 0, sizeof *s);
    opt_parse_hostport(":8080", &s->listen);
    s->log_format = LOG_TEXT;
    s->max_n = 1000;
    s->max_busy = 4;
    s->budget_ms = SERVE_TALLY_BUDGET_MS;
}

int serve_flags_parse(struct serve_options *o, int argc, char **argv, enum parse_ask *ask,
                    struct error *err)
{
    struct serve_parse p = {.o = o, .ask = ask};
    size_t npos = 0;

    defaults(o);
    if (parse_read(&serve_mode, apply, &p, argc, argv, NULL, &npos, err))
        return -1;
    if (o->allow.n == 0)
        allowlist_defaults(&o->allow);
    return 0;
}
