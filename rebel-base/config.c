#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum {
    O_LISTEN, O_DOCUMENT, O_SERVED_BY, O_DRAIN, O_GRACE, O_LOG_FORMAT, O_ACCESS_LOG,
    O_ALLOW_FAULTS, O_THREADS, O_THREAD_PER_CONN, O_MAX_CONN, O_MAX_PER_IP,
    O_IDLE_TIMEOUT, O_HEADER_TIMEOUT, O_CONN_MEMORY, O_WATCH_INTERVAL, O_MAX_DELAY, O_HELP, O_VERSION,
};

static const struct opt_spec specs[] = {
    {"listen", 'l', 1, O_LISTEN},
    {"document", 0, 1, O_DOCUMENT},
    {"served-by", 0, 1, O_SERVED_BY},
    {"drain", 0, 1, O_DRAIN},
    {"grace", 0, 1, O_GRACE},
    {"log-format", 0, 1, O_LOG_FORMAT},
    {"access-log", 0, 0, O_ACCESS_LOG},
    {"allow-faults", 0, 0, O_ALLOW_FAULTS},
    {"threads", 0, 1, O_THREADS},
    {"thread-per-connection", 0, 0, O_THREAD_PER_CONN},
    {"max-connections", 0, 1, O_MAX_CONN},
    {"max-per-ip", 0, 1, O_MAX_PER_IP},
    {"idle-timeout", 0, 1, O_IDLE_TIMEOUT},
    {"header-timeout", 0, 1, O_HEADER_TIMEOUT},
    {"connection-memory", 0, 1, O_CONN_MEMORY},
    {"watch-interval", 0, 1, O_WATCH_INTERVAL},
    {"max-delay", 0, 1, O_MAX_DELAY},
    {"help", 'h', 0, O_HELP},
    {"version", 'V', 0, O_VERSION},
    {NULL, 0, 0, 0},
};

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen.port = 8080;
    snprintf(cfg->document, sizeof cfg->document, "%s", "/etc/rebel-base/index.html");
    if (gethostname(cfg->served_by, sizeof cfg->served_by) != 0 || !cfg->served_by[0])
        snprintf(cfg->served_by, sizeof cfg->served_by, "%s", "rebel-base");
    cfg->served_by[sizeof cfg->served_by - 1] = '\0';
    cfg->drain_ms = 2000;
    cfg->grace_ms = 10000;
    cfg->log_format = LOG_TEXT;
    cfg->threads = 1;
    cfg->max_connections = 4096;
    cfg->max_per_ip = 1024;
    cfg->idle_timeout_ms = 65000;
    cfg->header_timeout_ms = 10000;
    cfg->conn_memory = 8192;
    cfg->watch_interval_ms = 100;
    cfg->max_delay_ms = 30000;
}

/* A header value must be visible ASCII and spaces: anything else would let a
 * name break the response head. */
static const char *check_header_value(const char *s)
{
    if (!*s)
        return "must not be empty";
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return "only printable ASCII is allowed";
    return NULL;
}

static const char *copy_into(char *dst, size_t cap, const char *v)
{
    if (strlen(v) >= cap)
        return "too long";
    memcpy(dst, v, strlen(v) + 1);
    return NULL;
}

/* The parse in progress: the config being filled, and room for a reason that
 * names a range ("out of range 0..256"), since validators only return
 * constants. */
struct parse {
    struct config *cfg;
    char why[64];
};

static const char *uint_in(struct parse *p, const char *v, uint64_t min, uint64_t max,
                           uint64_t *out)
{
    const char *why = opt_uint(v, min, max, out);
    return why == opt_out_of_range ? opt_uint_range(p->why, sizeof p->why, min, max) : why;
}

/* The options with a number, a duration or a size. */
static const char *apply_number(struct parse *p, int id, const char *v)
{
    struct config *c = p->cfg;
    const char *why;

    switch (id) {
    case O_THREADS: return uint_in(p, v, 0, 256, &c->threads);
    case O_MAX_CONN: return uint_in(p, v, 1, 1000000, &c->max_connections);
    case O_MAX_PER_IP: return uint_in(p, v, 0, 1000000, &c->max_per_ip);
    case O_IDLE_TIMEOUT:
        if ((why = opt_parse_duration(v, &c->idle_timeout_ms)))
            return why;
        return c->idle_timeout_ms == 0 ? "must be at least 1s (0 would never close idle connections)"
                                       : NULL;
    case O_HEADER_TIMEOUT:
        if ((why = opt_parse_duration(v, &c->header_timeout_ms)))
            return why;
        return c->header_timeout_ms > 3600000 ? "out of range 0..1h (0 disables it)" : NULL;
    case O_CONN_MEMORY:
        if ((why = opt_parse_size(v, &c->conn_memory)))
            return why;
        return c->conn_memory < 4096 || c->conn_memory > (16u << 20) ? "out of range 4KiB..16MiB"
                                                                     : NULL;
    case O_WATCH_INTERVAL:
        if ((why = opt_parse_duration(v, &c->watch_interval_ms)))
            return why;
        return c->watch_interval_ms < 10 || c->watch_interval_ms > 1000
                   ? "out of range 10ms..1s (reloads must be seen within 1s)" : NULL;
    case O_MAX_DELAY: return opt_parse_duration(v, &c->max_delay_ms);
    }
    return "unknown option";
}

static const char *apply(void *ctx, int id, const char *v)
{
    struct parse *p = ctx;
    struct config *c = p->cfg;
    const char *why;

    switch (id) {
    case O_LISTEN: return opt_parse_hostport(v, &c->listen);
    case O_DOCUMENT: return *v ? copy_into(c->document, sizeof c->document, v)
                               : "must not be empty";
    case O_SERVED_BY:
        if ((why = check_header_value(v)))
            return why;
        return copy_into(c->served_by, sizeof c->served_by, v);
    case O_DRAIN: return opt_parse_duration(v, &c->drain_ms);
    case O_GRACE: return opt_parse_duration(v, &c->grace_ms);
    case O_LOG_FORMAT:
        return log_format_parse(v, &c->log_format) ? "expected text or json" : NULL;
    case O_ACCESS_LOG: c->access_log = 1; return NULL;
    case O_ALLOW_FAULTS: c->allow_faults = 1; return NULL;
    case O_THREAD_PER_CONN: c->thread_per_connection = 1; return NULL;
    case O_HELP: c->help = 1; return NULL;
    case O_VERSION: c->version = 1; return NULL;
    }
    return apply_number(p, id, v);
}

enum config_status config_parse(struct config *cfg, int argc, char **argv,
                                struct error *err)
{
    struct parse p = {.cfg = cfg};
    char *pos[1];
    size_t npos = 0;

    /* No positional arguments: opt_parse names the first as unexpected. */
    if (opt_parse(specs, "REBEL_BASE", argc, argv, 1, apply, &p, pos, 0, &npos, err))
        return CONFIG_USAGE;
    if (cfg->thread_per_connection && cfg->threads > 1) {
        error_set(err, OPT_STEP_USAGE,
                  "--thread-per-connection: cannot be combined with --threads %llu",
                  (unsigned long long)cfg->threads);
        return CONFIG_USAGE;
    }
    if (cfg->help || cfg->version)
        return CONFIG_EXIT_OK;
    return CONFIG_OK;
}

void config_describe_limits(const struct config *cfg, char *buf, size_t cap)
{
    char per_ip[48], header[48];
    if (cfg->max_per_ip)
        snprintf(per_ip, sizeof per_ip, "%llu per client", (unsigned long long)cfg->max_per_ip);
    else
        snprintf(per_ip, sizeof per_ip, "unlimited per client");
    if (cfg->header_timeout_ms)
        snprintf(header, sizeof header, "header timeout %llu ms",
                 (unsigned long long)cfg->header_timeout_ms);
    else
        snprintf(header, sizeof header, "header timeout off");
    snprintf(buf, cap, "max %llu connections, %s, idle timeout %llus, %s, %llu B per connection",
             (unsigned long long)cfg->max_connections, per_ip,
             (unsigned long long)((cfg->idle_timeout_ms + 999) / 1000), header,
             (unsigned long long)cfg->conn_memory);
}

static const char usage[] =
"usage: rebel-base [options]\n"
"Serves one JSON document (a ConfigMap file) on / and /index.html, reloading it\n"
"when it changes, with /healthz, /readyz and /metrics.\n"
"Every option but --help and --version can also be set as REBEL_BASE_<NAME>\n"
"(e.g. REBEL_BASE_LISTEN=:8080); flags win over the environment. A variable set\n"
"but empty is the empty value (REBEL_BASE_SERVED_BY= is --served-by \"\", an error),\n"
"not the default. Durations: 500ms, 2s, 1m. Sizes: 16384, 16KiB.\n"
"\n"
"  -l, --listen ADDR:PORT     listen address (default :8080 = IPv6+IPv4, IPv4 only\n"
"                             where IPv6 is off; 0.0.0.0:8080 is IPv4 only,\n"
"                             [::]:8080 IPv6 only, [::1]:8080, host:8080, ...)\n"
"      --document PATH        the JSON document (default /etc/rebel-base/index.html,\n"
"                             at most 1 MiB); any JSON value is accepted\n"
"      --served-by NAME       X-Served-By header value (default: the host name)\n"
"      --drain DURATION       after SIGTERM/SIGINT keep serving this long with\n"
"                             /readyz 503 (default 2s, 0 allowed)\n"
"      --grace DURATION       then wait at most this for in-flight requests (default 10s)\n"
"      --log-format text|json event log format on stderr (default text)\n"
"      --access-log           one log line per request\n"
"      --threads N            1: one epoll thread (default); N: pool of N epoll\n"
"                             threads; 0: one per CPU\n"
"      --thread-per-connection  one thread per connection instead\n"
"      --max-connections N    open connections at most (default 4096)\n"
"      --max-per-ip N         open connections per client address (default 1024,\n"
"                             0: unlimited)\n"
"      --idle-timeout DURATION  close idle connections after this (default 65s,\n"
"                             longer than Envoy's 60s upstream idle timeout)\n"
"      --header-timeout DURATION  close a connection whose first request head is\n"
"                             not complete this long after it was accepted, even\n"
"                             if bytes trickle in (slowloris); default 10s, 0: off.\n"
"                             Later requests on a keep-alive connection are not\n"
"                             covered: --idle-timeout bounds the wait for them\n"
"      --connection-memory SIZE  memory pool per connection, bounds request\n"
"                             headers; libmicrohttpd zeroes it per request, so\n"
"                             smaller is faster (default 8KiB)\n"
"      --watch-interval DURATION  how often the document is checked (default 100ms)\n"
"      --allow-faults         enable fault injection (off by default):\n"
"                               POST /admin/readiness?ready=false  force /readyz 503\n"
"                               POST /admin/readiness?ready=true   undo it\n"
"                               GET  /admin/readiness              show the state\n"
"                               GET /?delay=250ms&status=503       delay and/or force\n"
"                                 the status of one request (also /index.html)\n"
"                             without it /admin/* answers 403 and ?delay/?status are ignored\n"
"      --max-delay DURATION   cap for ?delay= (default 30s)\n"
"  -h, --help                 this text\n"
"  -V, --version              the version\n"
"\n"
"Request bodies over 16384 bytes are refused (413); no route reads one.\n"
"\n"
"Exit status: 0 after a clean drain, 1 on a runtime error (e.g. cannot listen),\n"
"2 on a bad option, 3 when --grace ran out and requests still in flight were cut\n"
"short (logged as \"grace expired: N requests cut short\"); a second SIGTERM/SIGINT\n"
"exits at once with 128+signal.\n";

void config_usage(FILE *out)
{
    fputs(usage, out);
}
