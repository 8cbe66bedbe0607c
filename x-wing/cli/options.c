#include "options.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrclass.h"
#include "fire.h"
#include "http.h"

enum {
    O_N, O_C, O_TIMEOUT, O_CONNECT_TIMEOUT, O_RATE, O_INTERVAL, O_KEEPALIVE, O_DNS_CACHE,
    O_KEY, O_BY, O_VERBOSE, O_OUTPUT, O_EXPECT_ONLY, O_EXPECT_ALL, O_EXPECT_FAIL,
    O_MIN_SUCCESS, O_WATCH, O_DURATION, O_WATCH_INTERVAL, O_MAX_BODY, O_HELP, O_VERSION,
    O_LISTEN, O_MAX_REQUESTS, O_MAX_TALLIES, O_TALLY_BUDGET, O_LOG_FORMAT, O_EVERY,
    O_ALLOW_TARGET, O_ALLOW_LINK_LOCAL,
};

static const struct opt_spec client_specs[] = {
    {"requests", 'n', 1, O_N},
    {"concurrency", 'c', 1, O_C},
    {"timeout", 't', 1, O_TIMEOUT},
    {"connect-timeout", 0, 1, O_CONNECT_TIMEOUT},
    {"rate", 0, 1, O_RATE},
    {"interval", 0, 1, O_INTERVAL},
    {"keepalive", 0, 0, O_KEEPALIVE},
    {"dns-cache", 0, 0, O_DNS_CACHE},
    {"key", 'k', 1, O_KEY},
    {"by", 0, 1, O_BY},
    {"verbose", 'v', 0, O_VERBOSE},
    {"output", 'o', 1, O_OUTPUT},
    {"expect-only", 0, 1, O_EXPECT_ONLY},
    {"expect-all", 0, 1, O_EXPECT_ALL},
    {"expect-fail", 0, 0, O_EXPECT_FAIL},
    {"min-success", 0, 1, O_MIN_SUCCESS},
    {"watch", 'w', 0, O_WATCH},
    {"duration", 'd', 1, O_DURATION},
    {"watch-interval", 0, 1, O_WATCH_INTERVAL},
    {"max-body", 0, 1, O_MAX_BODY},
    {"help", 'h', 0, O_HELP},
    {"version", 'V', 0, O_VERSION},
    {NULL, 0, 0, 0},
};

static const struct opt_spec serve_specs[] = {
    {"listen", 'l', 1, O_LISTEN},
    {"max-requests", 0, 1, O_MAX_REQUESTS},
    {"max-tallies", 0, 1, O_MAX_TALLIES},
    {"tally-budget", 0, 1, O_TALLY_BUDGET},
    {"log-format", 0, 1, O_LOG_FORMAT},
    {"allow-target", 0, 1, O_ALLOW_TARGET},
    {"allow-link-local", 0, 0, O_ALLOW_LINK_LOCAL},
    {"help", 'h', 0, O_HELP},
    {"version", 'V', 0, O_VERSION},
    {NULL, 0, 0, 0},
};

/* The client's tally and expectation flags. Those that make no sense for a
 * canary are listed too, and refused with the reason (probe_refusal): pacing
 * (--every paces it), output (it serves /metrics) and the opt-outs of fresh
 * connections and lookups (the probe must measure the load balancing a new
 * connection gets). */
static const struct opt_spec probe_specs[] = {
    {"requests", 'n', 1, O_N},
    {"concurrency", 'c', 1, O_C},
    {"timeout", 't', 1, O_TIMEOUT},
    {"connect-timeout", 0, 1, O_CONNECT_TIMEOUT},
    {"key", 'k', 1, O_KEY},
    {"by", 0, 1, O_BY},
    {"expect-only", 0, 1, O_EXPECT_ONLY},
    {"expect-all", 0, 1, O_EXPECT_ALL},
    {"expect-fail", 0, 0, O_EXPECT_FAIL},
    {"min-success", 0, 1, O_MIN_SUCCESS},
    {"max-body", 0, 1, O_MAX_BODY},
    {"every", 0, 1, O_EVERY},
    {"listen", 'l', 1, O_LISTEN},
    {"allow-link-local", 0, 0, O_ALLOW_LINK_LOCAL},
    {"help", 'h', 0, O_HELP},
    {"version", 'V', 0, O_VERSION},
    /* refused on purpose: probe_refusal */
    {"keepalive", 0, 0, O_KEEPALIVE},
    {"dns-cache", 0, 0, O_DNS_CACHE},
    {"rate", 0, 1, O_RATE},
    {"interval", 0, 1, O_INTERVAL},
    {"verbose", 'v', 0, O_VERBOSE},
    {"output", 'o', 1, O_OUTPUT},
    {"watch", 'w', 0, O_WATCH},
    {"duration", 'd', 1, O_DURATION},
    {"watch-interval", 0, 1, O_WATCH_INTERVAL},
    {NULL, 0, 0, 0},
};

static const char client_usage[] =
"usage: xwing [options] TARGET...\n"
"       xwing serve [--listen :8080]      (xwing serve --help)\n"
"       xwing probe [--every 1s] TARGET...  (xwing probe --help)\n"
"\n"
"Fires N HTTP requests at the targets and tallies the replies by their JSON\n"
"field Cluster: the lab's `for i in $(seq 1 10); do curl rebel-base; done`,\n"
"counted. TARGET is host, host:port, host[:port]/path or http://host[:port]/path\n"
"(http, port 80 and / by default). Several targets (at most 1024) are used in turn.\n"
"\n"
"Every request opens a NEW TCP CONNECTION and RESOLVES THE NAME AFRESH, as each\n"
"curl of the lab's loop did. A Service load balancer (kube-proxy, Cilium's\n"
"socket LB) picks the backend once per connection, so with keep-alive all\n"
"requests would stick to one pod and the tally would lie; a headless global\n"
"Service answers DNS with pod IPs from every cluster, and only fresh lookups\n"
"spread over them. --keepalive and --dns-cache trade that for raw speed.\n"
"\n"
"  -n, --requests N        requests to make (default 10, at most 1000000000)\n"
"  -c, --concurrency C     requests in flight at once (default 1, as the loop;\n"
"                          at most 512)\n"
"  -t, --timeout D         per request, like curl --max-time (default 2s)\n"
"      --connect-timeout D TCP connect limit (default: the timeout)\n"
"      --rate R            start at most R requests per second\n"
"      --interval D        or: start one request every D (500ms, 1s)\n"
"      --keepalive         reuse connections (faster; sticks to one backend)\n"
"      --dns-cache         cache name lookups for 60s (faster; sticks to one IP)\n"
"  -k, --key PATH          JSON field to tally by, dotted for nested (default\n"
"                          Cluster; at most 255 bytes)\n"
"      --by WHAT           key (default), pod (" HTTP_SERVED_BY " header), ip (address\n"
"                          connected to) or body (the whole reply)\n"
"  -v, --verbose           print every reply body, one per line, and each failure\n"
"  -o, --output FORMAT     text (default) or json (one object on stdout)\n"
"      --expect-only C     every reply from C and none failed\n"
"      --expect-all A,B    each of A and B answered at least once, none failed\n"
"                          (at most 16 values)\n"
"      --expect-fail       every request failed (the default-deny check)\n"
"      --min-success R     at least R (0..1) got a reply; with --expect-only/all\n"
"                          it replaces their 'none failed'\n"
"  -w, --watch             one line per interval with that interval's tally, until\n"
"                          Ctrl-C or --duration (paced at 10/s unless --rate/--interval)\n"
"  -d, --duration D        run for D: no request starts after D, those in flight\n"
"                          finish (with -n, whichever comes first)\n"
"      --watch-interval D  --watch line interval (default 1s)\n"
"      --max-body SIZE     longer replies count as too-large (default 64KiB,\n"
"                          at most 64MiB)\n"
"  -h, --help              this text\n"
"  -V, --version           print the version\n"
"\n"
"Failures are rows of their own: timeout, refused, dns, http <code>, not-json,\n"
"no-key, too-large, not-http (another protocol answered), other.\n"
"Reply values are compared and shown up to 127 bytes (longer ones are cut\n"
"there). The first 64 distinct values get rows, later ones are counted together\n"
"as (other values); values named in --expect-* are always counted exactly.\n"
"\n"
"Exit status: 0 when the expectation holds (with none: when every request got a\n"
"reply), 1 when not (reason on stderr), 2 on usage errors, 130 when interrupted\n"
"by SIGINT (Ctrl-C) and 143 by SIGTERM. An interrupted run prints what was counted,\n"
"says \"interrupted after K of N requests\" and is never judged ok: the requests it\n"
"did not make were not checked. --duration is a planned end, not an interruption:\n"
"the verdict covers the requests made (\"stopped by --duration D after K of N\").\n"
"Proxy variables (http_proxy, ...) are ignored: requests go straight to the target.\n"
"\n"
"examples:\n"
"  xwing -n 10 rebel-base\n"
"  xwing -n 100 --expect-all Koornacht,Tion rebel-base\n"
"  xwing --watch rebel-base                    # while scaling a cluster to 0\n"
"  xwing -n 10 --timeout 2s --expect-fail rebel-base   # default-deny policy\n";

/* serve's usage, around its default allowlist (allowlist.c holds it). */
static const char serve_usage[] =
"usage: xwing serve [options]\n"
"\n"
"Runs in the x-wing pod as its main process, idle until asked:\n"
"  GET /healthz                  200 ok\n"
"  GET /tally?target=rebel-base&n=10[&key=Cluster][&by=key|pod|ip|body]\n"
"            [&c=1][&timeout=2s]  runs a tally from inside the pod and returns\n"
"                                the JSON report (as `xwing -o json`); target may\n"
"                                repeat (at most 8), c at most 16, timeout at\n"
"                                most 10s\n"
"\n"
"  -l, --listen ADDR        :PORT, HOST:PORT or [V6]:PORT (default :8080)\n"
"      --max-requests N     cap on n per tally (default 1000)\n"
"      --max-tallies N      tallies running at once, 503 beyond (default 4, at\n"
"                           most 64)\n"
"      --tally-budget D     no request of a tally starts after D (default 60s);\n"
"                           a tally cut short says \"interrupted\":true\n"
"      --log-format FORMAT  text (default) or json: the event lines on stderr\n"
"      --allow-target HOST[:PORT]\n"
"                           a target /tally may fetch (repeat it, or give a\n"
"                           comma-separated list): '*' and '?' glob the host,\n"
"                           no PORT allows any port, an IP address ([v6]) is\n"
"                           compared as one; other targets get 403. Default\n"
"                           (none given): the lab's names,\n";

static const char serve_usage_tail[] =
"      --allow-link-local   link-local addresses (169.254.0.0/16, fe80::/10) may\n"
"                           be allowed; without it none is, whatever the list says\n"
"  -h, --help, -V, --version\n"
"The address a target resolves to is checked too, again on every connection:\n"
"a loopback, link-local, cloud metadata or unspecified address is refused\n"
"unless a pattern names that address (--allow-target 127.0.0.1:8080; a glob\n"
"never does). Redirects are not followed.\n"
"Each flag but --help and --version may also be set as XWING_<NAME>\n"
"(XWING_LISTEN=:9090, XWING_ALLOW_TARGET=a,b: added to the flags' patterns);\n"
"a variable set but empty is the empty value.\n"
"At most 64 connections at once. The report has \"requested\" (n), \"completed\"\n"
"and \"interrupted\". SIGTERM or SIGINT stop it at once (running tallies are\n"
"abandoned), exit 0.\n";

static const char probe_usage[] =
"usage: xwing probe [options] TARGET...\n"
"\n"
"The lab's check as a canary: every --every, a round of N requests per target\n"
"(a new connection and a fresh name lookup each, as xwing sends them; the\n"
"targets in turn), tallied per target and served for Prometheus:\n"
"  GET /metrics   xwing_probe_replies_total{target,value},\n"
"                 xwing_probe_failures_total{target,kind},\n"
"                 xwing_probe_request_duration_seconds{target} (histogram),\n"
"                 xwing_probe_rounds_total{target},\n"
"                 xwing_probe_last_round_share{target,value} (0..1),\n"
"                 xwing_probe_expectation_ok{target} (with --expect-*)\n"
"  GET /healthz   200 while it runs\n"
"  GET /          the live tally per target as text\n"
"target is the URL (http://rebel-base:80/); value the tallied value, at most\n"
"64 per target, later ones counted as (other values).\n"
"\n"
"  -n, --requests N        requests per target per round (default 10)\n"
"      --every D           one round every D (default 1s; 1ms to 1h); a round\n"
"                          that takes longer is followed by the next at once\n"
"  -l, --listen ADDR       :PORT, HOST:PORT or [V6]:PORT (default :9090; port 0:\n"
"                          the kernel picks, the listen line names it)\n"
"  -c, --concurrency C     requests in flight at once (default 1, at most 512)\n"
"  -t, --timeout D         per request (default 2s); --connect-timeout D\n"
"  -k, --key PATH          JSON field to tally by (default Cluster)\n"
"      --by WHAT           key (default), pod, ip or body\n"
"      --expect-only C, --expect-all A,B, --expect-fail, --min-success R\n"
"                          judged on each round: xwing_probe_expectation_ok,\n"
"                          and a log line each time the verdict changes\n"
"      --max-body SIZE     longer replies count as too-large (default 64KiB)\n"
"      --allow-link-local  connect to link-local addresses (169.254.0.0/16,\n"
"                          fe80::/10: cloud metadata); refused by default\n"
"  -h, --help, -V, --version\n"
"At most 16 targets. Flags come from the command line only. SIGTERM or SIGINT\n"
"stop it at once (a round in flight is abandoned, not counted), exit 0.\n"
"\n"
"examples:\n"
"  xwing probe rebel-base                       # in the cluster, scraped on :9090\n"
"  xwing probe --every 5s -n 20 --expect-all Koornacht,Tion rebel-base\n";

void options_usage(FILE *out)
{
    fputs(client_usage, out);
}

void options_serve_usage(FILE *out)
{
    struct allowlist *lab = calloc(1, sizeof *lab);
    char names[512] = "(out of memory)";
    if (lab) {
        allowlist_defaults(lab);
        allowlist_describe(lab, names, sizeof names);
    }
    fputs(serve_usage, out);
    fprintf(out, "%27s%s\n", "", names);
    fputs(serve_usage_tail, out);
    free(lab);
}

void options_probe_usage(FILE *out)
{
    fputs(probe_usage, out);
}

static void defaults(struct options *o)
{
    memset(o, 0, offsetof(struct options, targets));
    o->mode = OPTIONS_RUN;
    spec_defaults(&o->spec);
    expect_init(&o->expect);
    o->watch_every_ms = 1000;
    opt_parse_hostport(":8080", &o->listen);
    o->log_format = LOG_TEXT;
    o->serve_max_n = 1000;
    o->serve_max_busy = 4;
    o->serve_budget_ms = OPTIONS_TALLY_BUDGET_MS;
    o->probe_every_ms = 1000;
}

/* The parse in progress: the options being filled, and room for a reason
 * that names a range ("out of range 1..64"), since validators only return
 * constants. */
struct parse {
    struct options *o;
    int probe; /* the probe's command line: probe_refusal applies */
    char why[OPT_WHY_MAX];
};

/* Why the probe refuses a client option it knows (opt.h's OPT_REFUSE), or
 * NULL for the others. */
static const char *probe_refusal(int id)
{
    switch (id) {
    case O_KEEPALIVE:
    case O_DNS_CACHE:
        return OPT_REFUSE "not for the probe: every request opens a new connection after a "
                          "fresh lookup, as the lab's curl did: that is what it measures";
    case O_RATE:
    case O_INTERVAL:
        return OPT_REFUSE "not for the probe: --every paces its rounds of -n requests";
    case O_VERBOSE:
    case O_OUTPUT:
        return OPT_REFUSE "not for the probe: it prints no report; its tally is served on "
                          "/metrics and / (--listen)";
    case O_WATCH:
    case O_WATCH_INTERVAL:
    case O_DURATION:
        return OPT_REFUSE "not for the probe: it runs until SIGTERM, a round every --every, "
                          "and serves the live tally on /";
    }
    return NULL;
}

static const char *positive_duration(const char *v, uint64_t *ms)
{
    const char *why = opt_parse_duration(v, ms);
    if (!why && *ms == 0)
        return "must be more than 0";
    return why;
}

static const char *duration_in(const char *v, uint64_t min_ms, uint64_t max_ms, uint64_t *ms,
                               const char *why)
{
    return opt_parse_duration(v, ms) || *ms < min_ms || *ms > max_ms ? why : NULL;
}

static const char *apply_expect(struct options *o, int id, const char *v)
{
    switch (id) {
    case O_EXPECT_ONLY: return expect_set_only(&o->expect, v);
    case O_EXPECT_ALL: return expect_set_all(&o->expect, v);
    case O_EXPECT_FAIL: return expect_set_fail(&o->expect);
    case O_MIN_SUCCESS: return expect_set_min_success(&o->expect, v);
    }
    return "unknown option";
}

/* The flags of the two services. */
static const char *apply_service(struct parse *p, int id, const char *v)
{
    struct options *o = p->o;
    switch (id) {
    case O_LISTEN: return opt_parse_hostport(v, &o->listen);
    case O_MAX_REQUESTS: return opt_uint_in(v, 1, 1000000, &o->serve_max_n, p->why);
    case O_MAX_TALLIES: return opt_uint_in(v, 1, 64, &o->serve_max_busy, p->why);
    case O_TALLY_BUDGET:
        return duration_in(v, 100, 3600000, &o->serve_budget_ms,
                           "expected a duration from 100ms to 1h");
    case O_LOG_FORMAT:
        return log_format_parse(v, &o->log_format) ? "expected text or json" : NULL;
    case O_EVERY:
        return duration_in(v, 1, 3600000, &o->probe_every_ms, "expected a duration from 1ms to 1h");
    case O_ALLOW_TARGET: return allowlist_add(&o->allow, v);
    case O_ALLOW_LINK_LOCAL: o->allow.link_local = 1; return NULL;
    }
    return apply_expect(o, id, v);
}

/* What one tally asks for: the client's and the probe's flags. */
static const char *apply_tally(struct parse *p, int id, const char *v)
{
    struct spec *s = &p->o->spec;
    const char *why;
    uint64_t u;

    switch (id) {
    case O_N:
        p->o->n_set = 1;
        return opt_uint_in(v, 1, OPTIONS_MAX_N, &s->n, p->why);
    case O_C:
        if ((why = opt_uint_in(v, 1, OPTIONS_MAX_C, &u, p->why)))
            return why;
        s->c = (unsigned)u;
        return NULL;
    case O_TIMEOUT: return positive_duration(v, &s->timeout_ms);
    case O_CONNECT_TIMEOUT: return positive_duration(v, &s->connect_timeout_ms);
    case O_KEY:
        if ((why = reply_key_check(v)))
            return why;
        p->o->key_set = 1;
        snprintf(s->key, sizeof s->key, "%s", v);
        return NULL;
    case O_BY: return reply_by_parse(v, &s->by) ? "expected key, pod, ip or body" : NULL;
    case O_MAX_BODY:
        if ((why = opt_parse_size(v, &s->max_body)))
            return why;
        return (s->max_body < 1 || s->max_body > OPTIONS_MAX_BODY) ? "must be 1..64MiB" : NULL;
    }
    return apply_service(p, id, v);
}

static const char *apply(void *ctx, int id, const char *v)
{
    struct parse *p = ctx;
    struct options *o = p->o;
    const char *refused = p->probe ? probe_refusal(id) : NULL;

    if (refused)
        return refused;
    switch (id) {
    case O_RATE: return opt_double_in(v, 0.001, 1e6, &o->rate, p->why);
    case O_INTERVAL: return positive_duration(v, &o->interval_ms);
    case O_KEEPALIVE: o->keepalive = 1; return NULL;
    case O_DNS_CACHE: o->dns_cache = 1; return NULL;
    case O_VERBOSE: o->verbose = 1; return NULL;
    case O_OUTPUT:
        if (strcmp(v, "text") && strcmp(v, "json"))
            return "expected text or json";
        o->json = strcmp(v, "json") == 0;
        return NULL;
    case O_WATCH: o->watch = 1; return NULL;
    case O_DURATION: return positive_duration(v, &o->duration_ms);
    case O_WATCH_INTERVAL: return positive_duration(v, &o->watch_every_ms);
    case O_HELP: o->mode = OPTIONS_HELP; return NULL;
    case O_VERSION: o->mode = OPTIONS_VERSION; return NULL;
    }
    return apply_tally(p, id, v);
}

/* Writes one line, after prefix ("serve: ", "probe: " or ""), to err; -1. */
__attribute__((format(printf, 3, 4)))
static int refuse(struct opt_error *err, const char *prefix, const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err->msg, sizeof err->msg, "%s%s", prefix, msg);
    return -1;
}

/* The rules of the tally and expectation flags, shared by client and probe. */
static const char *check_tally(const struct options *o)
{
    if (o->expect.mode == EXPECT_FAIL && o->expect.has_min)
        return "--min-success makes no sense with --expect-fail";
    if (o->key_set && o->spec.by != REPLY_BY_KEY)
        return "--key applies to --by key only";
    return NULL;
}

/* A target as an error shows it: shortened to leave room for the reason. */
#define SHOWN_TARGET 96

static int parse_targets(struct options *o, char **pos, size_t npos, const char *prefix,
                         struct opt_error *err)
{
    char shown[SHOWN_TARGET];
    for (size_t i = 0; i < npos; i++) {
        const char *why = target_parse(pos[i], &o->targets[i]);
        if (why)
            return refuse(err, prefix, "bad target '%s': %s",
                          opt_shown(shown, sizeof shown, pos[i]), why);
    }
    o->ntargets = npos;
    return 0;
}

/* Cross-option rules, once everything is read. */
static int validate(struct options *o, char **pos, size_t npos, struct opt_error *err)
{
    const char *why = NULL;
    if (o->rate > 0 && o->interval_ms > 0)
        why = "--rate and --interval are exclusive: give one";
    else if (!(why = check_tally(o)) && npos == 0)
        why = "no target given (try: xwing -n 10 rebel-base)";
    if (why)
        return refuse(err, "", "%s", why);
    if (parse_targets(o, pos, npos, "", err))
        return -1;
    if ((o->watch || o->duration_ms) && !o->n_set)
        o->spec.n = FIRE_UNLIMITED;
    if (o->watch && o->rate == 0 && o->interval_ms == 0)
        o->rate = 10; /* a steady trickle, not a flood, while watching */
    return 0;
}

/* A target is a label value in /metrics: the same URL twice would be one
 * series counted by two loops. */
static int validate_probe(struct options *o, char **pos, size_t npos, struct opt_error *err)
{
    const char *why = check_tally(o);
    if (!why && npos == 0)
        why = "no target given (try: xwing probe rebel-base)";
    if (why)
        return refuse(err, "probe: ", "%s", why);
    if (parse_targets(o, pos, npos, "probe: ", err))
        return -1;
    char shown[SHOWN_TARGET], url[SHOWN_TARGET];
    for (size_t i = 0; i < npos; i++) {
        struct sockaddr_storage ss;
        size_t len;
        const struct target *t = &o->targets[i];
        if (addrclass_parse(t->host, t->port, &ss, &len) == 0 &&
            allowlist_address(&o->allow, (const struct sockaddr *)&ss, len))
            return refuse(err, "probe: ", "target '%s' is a link-local address: refused unless "
                          "--allow-link-local", opt_shown(shown, sizeof shown, pos[i]));
    }
    for (size_t i = 1; i < npos; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(o->targets[i].url, o->targets[j].url) == 0)
                return refuse(err, "probe: ", "target '%s' repeats %s: each target is probed once",
                              opt_shown(shown, sizeof shown, pos[i]),
                              opt_shown(url, sizeof url, o->targets[j].url));
        }
    }
    return 0;
}

/* How each mode reads its command line. */
struct mode {
    const struct opt_spec *specs;
    const char *env;    /* the variables' prefix; NULL: argv only */
    int first;          /* argv index of the first option */
    const char *prefix; /* names the mode in errors */
    size_t max_targets; /* positional arguments; 0: none */
};

static const struct mode client_mode = {
    .specs = client_specs, .first = 1, .prefix = "", .max_targets = OPTIONS_MAX_TARGETS};
static const struct mode serve_mode = {
    .specs = serve_specs, .env = "XWING", .first = 2, .prefix = "serve: "};
static const struct mode probe_mode = {
    .specs = probe_specs, .first = 2, .prefix = "probe: ",
    .max_targets = OPTIONS_MAX_PROBE_TARGETS};

static int read_mode(const struct mode *m, struct options *o, int argc, char **argv, char **pos,
                     size_t *npos, struct opt_error *err)
{
    struct parse p = {.o = o, .probe = m == &probe_mode};
    if (opt_parse(m->specs, m->env, argc, argv, m->first, apply, &p, pos, m->max_targets, npos,
                  err) == 0)
        return 0;
    if (err->extra_args && m->max_targets)
        return refuse(err, m->prefix, "too many targets: at most %zu", m->max_targets);
    return refuse(err, m->prefix, "%s", err->msg);
}

static int parse_serve(struct options *o, int argc, char **argv, struct opt_error *err)
{
    size_t npos = 0;
    if (read_mode(&serve_mode, o, argc, argv, NULL, &npos, err))
        return -1;
    o->serve_help = o->mode == OPTIONS_HELP;
    if (o->mode == OPTIONS_RUN)
        o->mode = OPTIONS_SERVE;
    if (o->allow.n == 0)
        allowlist_defaults(&o->allow);
    return 0;
}

static int parse_probe(struct options *o, int argc, char **argv, struct opt_error *err)
{
    char *pos[OPTIONS_MAX_PROBE_TARGETS];
    size_t npos = 0;

    opt_parse_hostport(":9090", &o->listen);
    o->allow.open = 1;
    if (read_mode(&probe_mode, o, argc, argv, pos, &npos, err))
        return -1;
    o->probe_help = o->mode == OPTIONS_HELP;
    if (o->mode != OPTIONS_RUN)
        return 0;
    o->mode = OPTIONS_PROBE;
    return validate_probe(o, pos, npos, err);
}

int options_parse(struct options *o, int argc, char **argv, struct opt_error *err)
{
    char *pos[OPTIONS_MAX_TARGETS];
    size_t npos = 0;

    defaults(o);
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return parse_serve(o, argc, argv, err);
    if (argc > 1 && strcmp(argv[1], "probe") == 0)
        return parse_probe(o, argc, argv, err);
    if (read_mode(&client_mode, o, argc, argv, pos, &npos, err))
        return -1;
    if (o->mode != OPTIONS_RUN)
        return 0;
    return validate(o, pos, npos, err);
}

const char *options_help_command(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return "xwing serve --help";
    if (argc > 1 && strcmp(argv[1], "probe") == 0)
        return "xwing probe --help";
    return "xwing --help";
}

uint64_t options_interval_ns(const struct options *o)
{
    if (o->interval_ms)
        return o->interval_ms * 1000000u;
    if (o->rate > 0)
        return (uint64_t)(1e9 / o->rate);
    return 0;
}
