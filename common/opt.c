#include "opt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int opt_env_name(char *buf, size_t cap, const char *prefix, const char *name)
{
    size_t n = 0;
    const char *parts[2] = {prefix, name};
    for (int p = 0; p < 2; p++) {
        if (p == 1 && n + 1 < cap)
            buf[n++] = '_';
        for (const char *s = parts[p]; *s; s++) {
            if (n + 1 >= cap)
                return -1;
            buf[n++] = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
        }
    }
    if (n >= cap)
        return -1;
    buf[n] = '\0';
    return 0;
}

const char *opt_shown(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (; *src && n + 4 < cap; src++)
        dst[n++] = (unsigned char)*src < 0x20 || *src == 0x7f ? '?' : *src;
    if (*src)
        memcpy(dst + n, "...", 3), n += 3;
    dst[n] = '\0';
    return dst;
}

static const struct opt_spec *find_long(const struct opt_spec *specs, const char *name,
                                        size_t len)
{
    for (; specs->name; specs++)
        if (strlen(specs->name) == len && strncmp(specs->name, name, len) == 0)
            return specs;
    return NULL;
}

static const struct opt_spec *find_short(const struct opt_spec *specs, char c)
{
    for (; specs->name; specs++)
        if (specs->short_name && specs->short_name == c)
            return specs;
    return NULL;
}

static int apply_one(const struct opt_spec *sp, opt_apply_fn apply, void *ctx,
                     const char *value, const char *origin, struct error *err)
{
    const char *why = apply(ctx, sp->id, value);
    char shown[96];
    if (!why)
        return 0;
    if (why[0] == OPT_REFUSE[0])
        snprintf(err->msg, sizeof err->msg, "%s: %s", origin, why + 1);
    else if (sp->takes_value)
        snprintf(err->msg, sizeof err->msg, "%s: bad value '%s': %s", origin,
                 opt_shown(shown, sizeof shown, value), why);
    else
        snprintf(err->msg, sizeof err->msg, "%s: %s", origin, why);
    return -1;
}

/* --help and --version answer the person at the command line; a variable left
 * in a container's environment must not turn a server into a help printer. */
static int argv_only(const struct opt_spec *sp)
{
    return strcmp(sp->name, "help") == 0 || strcmp(sp->name, "version") == 0;
}

/* Whether argv[first..argc) gives sp (--name, --name=V, or -x alone or in a
 * cluster), read as opt_parse reads it: an option's value and what follows
 * "--" are not options. */
static int argv_gives(const struct opt_spec *specs, const struct opt_spec *sp, int argc,
                      char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return 0;
        if (a[0] != '-' || !a[1])
            continue;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            const struct opt_spec *o = find_long(specs, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
            if (o == sp)
                return 1;
            i += o && o->takes_value && !eq;
            continue;
        }
        for (const char *c = a + 1; *c; c++) {
            const struct opt_spec *o = find_short(specs, *c);
            if (o == sp)
                return 1;
            if (o && o->takes_value) {
                i += !c[1];
                break;
            }
        }
    }
    return 0;
}

/* Applies one variable, NAME=v, for sp. 0, or -1 with err. */
static int env_one(const struct opt_spec *sp, opt_apply_fn apply, void *ctx, const char *name,
                   const char *v, struct error *err)
{
    if (!sp->takes_value) {
        int on;
        if (opt_parse_bool(v, &on)) {
            char shown[96];
            snprintf(err->msg, sizeof err->msg, "%s: bad value '%s': expected true or false",
                     name, opt_shown(shown, sizeof shown, v));
            return -1;
        }
        if (!on)
            return 0;
        v = "1";
    }
    return apply_one(sp, apply, ctx, v, name, err);
}

/* The variables, before argv. Flags win: a bad variable whose flag argv gives
 * is no error (REBEL_BASE_LISTEN=junk --listen :80), since the flag replaces
 * it (or, for a list such as XWING_ALLOW_TARGET, adds to the entries of it
 * that were good). */
static int parse_env(const struct opt_spec *specs, const char *prefix, opt_apply_fn apply,
                     void *ctx, int argc, char **argv, int first, struct error *err)
{
    char name[64];
    for (const struct opt_spec *sp = specs; sp->name; sp++) {
        if (argv_only(sp) || opt_env_name(name, sizeof name, prefix, sp->name) < 0)
            continue;
        const char *v = getenv(name);
        /* Set but empty is a value like any other (NAME= means --name ""):
         * skipping it would silently fall back to the default. */
        if (!v || env_one(sp, apply, ctx, name, v, err) == 0)
            continue;
        if (!argv_gives(specs, sp, argc, argv, first))
            return -1;
        err->msg[0] = '\0';
    }
    return 0;
}

static int parse_long(const struct opt_spec *specs, int argc, char **argv, int *i,
                      opt_apply_fn apply, void *ctx, struct error *err)
{
    const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct opt_spec *sp = find_long(specs, arg, len);
    char origin[80], raw[72], shown[72];

    snprintf(raw, sizeof raw, "%.*s", (int)len, arg);
    snprintf(origin, sizeof origin, "--%s", opt_shown(shown, sizeof shown, raw));
    if (!sp) {
        snprintf(err->msg, sizeof err->msg, "unknown option '%s'", origin);
        return -1;
    }
    if (!sp->takes_value) {
        if (eq) {
            snprintf(err->msg, sizeof err->msg, "%s takes no value", origin);
            return -1;
        }
        return apply_one(sp, apply, ctx, "1", origin, err);
    }
    if (eq)
        return apply_one(sp, apply, ctx, eq + 1, origin, err);
    if (*i + 1 >= argc) {
        snprintf(err->msg, sizeof err->msg, "%s needs a value", origin);
        return -1;
    }
    return apply_one(sp, apply, ctx, argv[++*i], origin, err);
}

static int parse_short(const struct opt_spec *specs, int argc, char **argv, int *i,
                       opt_apply_fn apply, void *ctx, struct error *err)
{
    const char *arg = argv[*i] + 1;
    char origin[4] = {'-', 0, 0, 0};

    for (; *arg; arg++) {
        const struct opt_spec *sp = find_short(specs, *arg);
        origin[1] = (unsigned char)*arg < 0x20 || *arg == 0x7f ? '?' : *arg;
        if (!sp) {
            snprintf(err->msg, sizeof err->msg, "unknown option '%s'", origin);
            return -1;
        }
        if (!sp->takes_value) {
            if (apply_one(sp, apply, ctx, "1", origin, err))
                return -1;
            continue;
        }
        if (arg[1])
            return apply_one(sp, apply, ctx, arg + 1, origin, err);
        if (*i + 1 >= argc) {
            snprintf(err->msg, sizeof err->msg, "%s needs a value", origin);
            return -1;
        }
        return apply_one(sp, apply, ctx, argv[++*i], origin, err);
    }
    return 0;
}

static int extra_argument(const char *a, size_t pos_cap, struct error *err)
{
    char shown[96];
    err->step = OPT_STEP_EXTRA;
    if (pos_cap == 0)
        snprintf(err->msg, sizeof err->msg, "unexpected argument '%s'",
                 opt_shown(shown, sizeof shown, a));
    else
        snprintf(err->msg, sizeof err->msg, "too many arguments at '%s': at most %zu",
                 opt_shown(shown, sizeof shown, a), pos_cap);
    return -1;
}

int opt_parse(const struct opt_spec *specs, const char *env_prefix, int argc,
              char **argv, int first, opt_apply_fn apply, void *ctx, char **pos,
              size_t pos_cap, size_t *npos, struct error *err)
{
    int only_pos = 0;
    *npos = 0;
    err->msg[0] = '\0';
    err->step = OPT_STEP_USAGE;
    if (env_prefix && parse_env(specs, env_prefix, apply, ctx, argc, argv, first, err))
        return -1;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-')
            rc = parse_long(specs, argc, argv, &i, apply, ctx, err);
        else if (!only_pos && a[0] == '-' && a[1])
            rc = parse_short(specs, argc, argv, &i, apply, ctx, err);
        else if (*npos < pos_cap)
            pos[(*npos)++] = argv[i];
        else
            rc = extra_argument(a, pos_cap, err);
        if (rc)
            return -1;
    }
    return 0;
}

const char *opt_parse_duration(const char *s, uint64_t *ms)
{
    static const char *const why = "expected a duration like 2s, 500ms or 1m";
    char *end;
    double v, scale;

    if (!*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
        return why;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || !isfinite(v))
        return why;
    if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
        scale = 1000;
    else if (strcmp(end, "ms") == 0)
        scale = 1;
    else if (strcmp(end, "m") == 0)
        scale = 60000;
    else if (strcmp(end, "h") == 0)
        scale = 3600000;
    else
        return why;
    v *= scale;
    if (v > 86400000.0)
        return "longer than 24h";
    *ms = (uint64_t)llround(v);
    return NULL;
}

const char opt_out_of_range[] = "out of range";

const char *opt_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!isdigit((unsigned char)*s))
        return "expected a whole number";
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return "expected a whole number";
    if (v < min || v > max)
        return opt_out_of_range;
    *out = v;
    return NULL;
}

const char *opt_uint_range(char *buf, size_t cap, uint64_t min, uint64_t max)
{
    snprintf(buf, cap, "%s %llu..%llu", opt_out_of_range, (unsigned long long)min,
             (unsigned long long)max);
    return buf;
}

const char *opt_parse_size(const char *s, uint64_t *out)
{
    static const char *const why = "expected a size like 65536, 64KiB or 1MiB";
    static const struct { const char *suffix; uint64_t mult; } units[] = {
        {"", 1}, {"b", 1}, {"k", 1024}, {"kb", 1024}, {"kib", 1024},
        {"m", 1u << 20}, {"mb", 1u << 20}, {"mib", 1u << 20},
        {"g", 1u << 30}, {"gb", 1u << 30}, {"gib", 1u << 30},
    };
    char *end;
    unsigned long long v;

    if (!isdigit((unsigned char)*s))
        return why;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return why;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].suffix) != 0)
            continue;
        if (v > UINT64_MAX / units[i].mult)
            return "too large";
        *out = v * units[i].mult;
        return NULL;
    }
    return why;
}

const char *opt_double(const char *s, double min, double max, double *out)
{
    char *end;
    double v;

    if (!*s || isspace((unsigned char)*s))
        return "expected a number";
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(v))
        return "expected a number";
    if (v < min || v > max)
        return opt_out_of_range;
    *out = v;
    return NULL;
}

const char *opt_double_range(char *buf, size_t cap, double min, double max)
{
    snprintf(buf, cap, "%s %g..%g", opt_out_of_range, min, max);
    return buf;
}

const char *opt_uint_in(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why)
{
    const char *r = opt_uint(s, min, max, out);
    return r == opt_out_of_range ? opt_uint_range(why, OPT_WHY_MAX, min, max) : r;
}

const char *opt_double_in(const char *s, double min, double max, double *out, char *why)
{
    const char *r = opt_double(s, min, max, out);
    return r == opt_out_of_range ? opt_double_range(why, OPT_WHY_MAX, min, max) : r;
}

const char *opt_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, NULL;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, NULL;
    }
    return "expected true or false";
}

const char *opt_colons_reason(const char *s, size_t first_len)
{
    int hex = first_len <= 4;
    for (size_t i = 0; hex && i < first_len; i++)
        hex = isxdigit((unsigned char)s[i]) != 0;
    return hex ? "IPv6 addresses need brackets: [::1]:8080"
               : "more than one ':PORT': give one port, as in host:8080";
}

const char *opt_parse_hostport(const char *s, struct opt_hostport *out)
{
    const char *colon, *host = s;
    size_t hlen;
    uint64_t port;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return "expected [IPv6]:PORT";
        host = s + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return "expected HOST:PORT or :PORT";
        const char *first = memchr(s, ':', (size_t)(colon - s));
        if (first)
            return opt_colons_reason(s, (size_t)(first - s));
        hlen = (size_t)(colon - s);
    }
    if (hlen >= sizeof out->host)
        return "host name too long";
    /* Port 0 asks the kernel for a free port; the listen log line names it. */
    if (opt_uint(colon + 1, 0, 65535, &port))
        return "port must be 0..65535 (0: any free port)";
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';
    out->port = (uint16_t)port;
    return NULL;
}
