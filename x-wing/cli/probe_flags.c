#include "probe_flags.h"

#include <string.h>

#include "addrclass.h"
#include "parse.h"
#include "tally_flags.h"

enum {
    P_EVERY = TALLY_FLAG_END, P_LISTEN, P_ALLOW_LINK_LOCAL, P_HELP, P_VERSION,
    /* the client's, refused on purpose: refusal() */
    P_KEEPALIVE, P_DNS_CACHE, P_RATE, P_INTERVAL, P_VERBOSE, P_OUTPUT, P_WATCH, P_DURATION,
    P_WATCH_INTERVAL, P_THREADS,
};

/* The client's tally and expectation flags. Those that make no sense for a
 * canary are listed too, and refused with the reason (refusal): pacing
 * (--every paces it), output (it serves /metrics) and the opt-outs of fresh
 * connections and lookups (the probe must measure the load balancing a new
 * connection gets). */
static const struct opt_spec probe_specs[] = {
    TALLY_FLAG_SPECS,
    {"every", 0, 1, P_EVERY},
    {"listen", 'l', 1, P_LISTEN},
    {"allow-link-local", 0, 0, P_ALLOW_LINK_LOCAL},
    {"help", 'h', 0, P_HELP},
    {"version", 'V', 0, P_VERSION},
    {"keepalive", 0, 0, P_KEEPALIVE},
    {"dns-cache", 0, 0, P_DNS_CACHE},
    {"rate", 0, 1, P_RATE},
    {"interval", 0, 1, P_INTERVAL},
    {"verbose", 'v', 0, P_VERBOSE},
    {"output", 'o', 1, P_OUTPUT},
    {"watch", 'w', 0, P_WATCH},
    {"duration", 'd', 1, P_DURATION},
    {"watch-interval", 0, 1, P_WATCH_INTERVAL},
    {"threads", 0, 1, P_THREADS},
    {NULL, 0, 0, 0},
};

static const struct parse_mode probe_mode = {
    .specs = probe_specs, .first = 2, .prefix = "probe: ", .max_targets = PROBE_MAX_TARGETS};

/* The parse in progress. */
struct probe_parse {
    struct probe_options *o;
    enum parse_ask *ask;
    struct tally_flags tally;
};

/* Why the probe refuses a client option it knows (opt.h's OPT_REFUSE), or
 * NULL for the others. */
static const char *refusal(int id)
{
    switch (id) {
    case P_KEEPALIVE:
    case P_DNS_CACHE:
        return OPT_REFUSE "not for the probe: every request opens a new connection after a "
                          "fresh lookup, as the lab's curl did: that is what it measures";
    case P_RATE:
    case P_INTERVAL:
        return OPT_REFUSE "not for the probe: --every paces its rounds of -n requests";
    case P_VERBOSE:
    case P_OUTPUT:
        return OPT_REFUSE "not for the probe: it prints no report; its tally is served on "
                          "/metrics and / (--listen)";
    case P_WATCH:
    case P_WATCH_INTERVAL:
    case P_DURATION:
        return OPT_REFUSE "not for the probe: it runs until SIGTERM, a round every --every, "
                          "and serves the live tally on /";
    case P_THREADS:
        return OPT_REFUSE "not for the probe: its paced rounds never keep one event loop busy";
    }
    return NULL;
}

static const char *apply(void *ctx, int id, const char *v)
{
    struct probe_parse *p = ctx;
    struct probe_options *po = p->o;
    const char *refused = refusal(id);

    if (refused)
        return refused;
    switch (id) {
    case P_EVERY:
        return parse_duration_in(v, 1, 3600000, &po->every_ms,
                                 "expected a duration from 1ms to 1h");
    case P_LISTEN: return opt_parse_hostport(v, &po->listen);
    case P_ALLOW_LINK_LOCAL: po->allow.link_local = 1; return NULL;
    case P_HELP: *p->ask = PARSE_HELP; return NULL;
    case P_VERSION: *p->ask = PARSE_VERSION; return NULL;
    }
    return tally_flags_apply(&p->tally, id, v);
}

static void defaults(struct probe_options *po)
{
    memset(po, 0, sizeof *po);
    spec_defaults(&po->spec);
    expect_init(&po->expect);
    opt_parse_hostport(":9090", &po->listen);
    po->allow.open = 1;
    po->every_ms = 1000;
}

/* A link-local target is refused up front, unless --allow-link-local. */
static int link_local(const struct probe_options *po, char **pos, size_t npos,
                      struct error *err)
{
    char shown[TALLY_FLAGS_SHOWN];
    for (size_t i = 0; i < npos; i++) {
        struct sockaddr_storage ss;
        size_t len;
        const struct target *t = &po->targets[i];
        if (addrclass_parse(t->host, t->port, &ss, &len) == 0 &&
            allowlist_address(&po->allow, (const struct sockaddr *)&ss, len))
            return parse_refuse(err, "probe: ", "target '%s' is a link-local address: refused "
                                "unless --allow-link-local", opt_shown(shown, sizeof shown, pos[i]));
    }
    return 0;
}

/* A target is a label value in /metrics: the same URL twice would be one
 * series counted by two loops. */
static int repeated(const struct probe_options *po, char **pos, size_t npos,
                    struct error *err)
{
    char shown[TALLY_FLAGS_SHOWN], url[TALLY_FLAGS_SHOWN];
    for (size_t i = 1; i < npos; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(po->targets[i].url, po->targets[j].url) == 0)
                return parse_refuse(err, "probe: ", "target '%s' repeats %s: each target is "
                                    "probed once", opt_shown(shown, sizeof shown, pos[i]),
                                    opt_shown(url, sizeof url, po->targets[j].url));
        }
    }
    return 0;
}

static int validate(struct probe_parse *p, char **pos, size_t npos, struct error *err)
{
    struct probe_options *po = p->o;
    const char *why = tally_flags_check(&p->tally);
    if (!why && npos == 0)
        why = "no target given (try: xwing probe rebel-base)";
    if (why)
        return parse_refuse(err, "probe: ", "%s", why);
    if (tally_flags_targets(po->targets, pos, npos, "probe: ", err))
        return -1;
    po->ntargets = npos;
    return link_local(po, pos, npos, err) || repeated(po, pos, npos, err) ? -1 : 0;
}

int probe_flags_parse(struct probe_options *o, int argc, char **argv, enum parse_ask *ask,
                    struct error *err)
{
    char *pos[PROBE_MAX_TARGETS];
    size_t npos = 0;
    struct probe_parse p = {.o = o, .ask = ask, .tally = {.spec = &o->spec,
                                              .expect = &o->expect}};

    defaults(o);
    if (parse_read(&probe_mode, apply, &p, argc, argv, pos, &npos, err))
        return -1;
    if (*ask != PARSE_RUN)
        return 0;
    return validate(&p, pos, npos, err);
}
