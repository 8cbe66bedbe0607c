#include "client_flags.h"

#include <stddef.h>
#include <string.h>

#include "fire.h"
#include "parse.h"
#include "tally_flags.h"

enum {
    C_RATE = TALLY_FLAG_END, C_INTERVAL, C_KEEPALIVE, C_DNS_CACHE, C_VERBOSE, C_OUTPUT, C_WATCH,
    C_DURATION, C_WATCH_INTERVAL, C_THREADS, C_HELP, C_VERSION,
};

static const struct opt_spec client_specs[] = {
    TALLY_FLAG_SPECS,
    {"rate", 0, 1, C_RATE},
    {"interval", 0, 1, C_INTERVAL},
    {"keepalive", 0, 0, C_KEEPALIVE},
    {"dns-cache", 0, 0, C_DNS_CACHE},
    {"verbose", 'v', 0, C_VERBOSE},
    {"output", 'o', 1, C_OUTPUT},
    {"watch", 'w', 0, C_WATCH},
    {"duration", 'd', 1, C_DURATION},
    {"watch-interval", 0, 1, C_WATCH_INTERVAL},
    {"threads", 0, 1, C_THREADS},
    {"help", 'h', 0, C_HELP},
    {"version", 'V', 0, C_VERSION},
    {NULL, 0, 0, 0},
};

static const struct parse_mode client_mode = {
    .specs = client_specs, .first = 1, .prefix = "", .max_targets = CLIENT_MAX_TARGETS};

/* The parse in progress. */
struct client_parse {
    struct client_options *o;
    enum parse_ask *ask;
    struct tally_flags tally;
};

static const char *apply_threads(struct client_options *c, const char *v, char *why)
{
    uint64_t u;
    const char *bad = opt_uint_in(v, 1, CLIENT_MAX_THREADS, &u, why);
    if (!bad)
        c->threads = (unsigned)u;
    return bad;
}

static const char *apply(void *ctx, int id, const char *v)
{
    struct client_parse *p = ctx;
    struct client_options *c = p->o;

    switch (id) {
    case C_RATE: return opt_double_in(v, 0.001, 1e6, &c->rate, p->tally.why);
    case C_INTERVAL: return parse_positive_duration(v, &c->interval_ms);
    case C_KEEPALIVE: c->keepalive = 1; return NULL;
    case C_DNS_CACHE: c->dns_cache = 1; return NULL;
    case C_VERBOSE: c->verbose = 1; return NULL;
    case C_OUTPUT:
        if (strcmp(v, "text") && strcmp(v, "json"))
            return "expected text or json";
        c->json = strcmp(v, "json") == 0;
        return NULL;
    case C_WATCH: c->watch = 1; return NULL;
    case C_DURATION: return parse_positive_duration(v, &c->duration_ms);
    case C_WATCH_INTERVAL: return parse_positive_duration(v, &c->watch_every_ms);
    case C_THREADS: return apply_threads(c, v, p->tally.why);
    case C_HELP: *p->ask = PARSE_HELP; return NULL;
    case C_VERSION: *p->ask = PARSE_VERSION; return NULL;
    }
    return tally_flags_apply(&p->tally, id, v);
}

static void defaults(struct client_options *c)
{
    memset(c, 0, offsetof(struct client_options, targets));
    spec_defaults(&c->spec);
    expect_init(&c->expect);
    c->watch_every_ms = 1000;
    c->threads = 1;
}

/* Cross-option rules, once everything is read. */
static int validate(struct client_parse *p, char **pos, size_t npos, struct error *err)
{
    struct client_options *c = p->o;
    const char *why = NULL;
    if (c->rate > 0 && c->interval_ms > 0)
        why = "--rate and --interval are exclusive: give one";
    /* A paced run is not bound by xwing's CPU: more loops would only split
     * the pace (and a --watch line) between threads, for nothing. */
    else if (c->threads > 1 && (c->rate > 0 || c->interval_ms > 0 || c->watch))
        why = "--threads is for unpaced runs: drop --rate, --interval and --watch";
    else if (!(why = tally_flags_check(&p->tally)) && npos == 0)
        why = "no target given (try: xwing -n 10 rebel-base)";
    if (why)
        return parse_refuse(err, "", "%s", why);
    if (tally_flags_targets(c->targets, pos, npos, "", err))
        return -1;
    c->ntargets = npos;
    if ((c->watch || c->duration_ms) && !p->tally.n_set)
        c->spec.n = FIRE_UNLIMITED;
    if (c->watch && c->rate == 0 && c->interval_ms == 0)
        c->rate = 10; /* a steady trickle, not a flood, while watching */
    return 0;
}

int client_flags_parse(struct client_options *o, int argc, char **argv, enum parse_ask *ask,
                     struct error *err)
{
    char *pos[CLIENT_MAX_TARGETS];
    size_t npos = 0;
    struct client_parse p = {.o = o, .ask = ask, .tally = {.spec = &o->spec,
                                               .expect = &o->expect}};

    defaults(o);
    if (parse_read(&client_mode, apply, &p, argc, argv, pos, &npos, err))
        return -1;
    if (*ask != PARSE_RUN)
        return 0;
    return validate(&p, pos, npos, err);
}
