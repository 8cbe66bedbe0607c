/* Unit tests for x-wing/cli/options: command lines as {argv, expected}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fire.h"
#include "help.h"
#include "options.h"

#define MAXARG 12

/* options_parse, with its one-line error copied into err. */
static int parse_argv(struct options *o, int argc, char **argv, char *err, size_t cap)
{
    struct error oe;
    int rc = options_parse(o, argc, argv, &oe);
    size_t n = strnlen(oe.msg, cap - 1); /* the tests' messages fit in cap */
    memcpy(err, oe.msg, n);
    err[n] = '\0';
    return rc;
}

static int parse(const char *const *args, struct options *o, char *err, size_t cap)
{
    char *argv[MAXARG + 1] = {"xwing"};
    int argc = 1;
    for (; args[argc - 1] && argc < MAXARG; argc++)
        argv[argc] = (char *)args[argc - 1];
    return parse_argv(o, argc, argv, err, cap);
}

static void test_defaults(void **state)
{
    (void)state;
    static struct options o;
    char err[256];
    const char *args[] = {"rebel-base", NULL};
    assert_int_equal(parse(args, &o, err, sizeof err), 0);
    assert_int_equal(o.mode, OPTIONS_RUN);
    assert_int_equal(o.client.spec.n, 10);
    assert_int_equal(o.client.spec.c, 1);
    assert_int_equal(o.client.spec.timeout_ms, 2000);
    assert_int_equal(o.client.keepalive, 0);
    assert_int_equal(o.client.dns_cache, 0);
    assert_string_equal(o.client.spec.key, "Cluster");
    assert_int_equal(o.client.spec.by, REPLY_BY_KEY);
    assert_int_equal(o.client.spec.max_body, 65536);
    assert_int_equal(o.client.json, 0);
    assert_int_equal(o.client.ntargets, 1);
    assert_string_equal(o.client.targets[0].url, "http://rebel-base:80/");
    assert_int_equal(client_interval_ns(&o.client), 0);
    assert_int_equal(o.client.expect.mode, EXPECT_NONE);
    assert_int_equal(o.client.threads, 1);
}

static void test_good(void **state)
{
    (void)state;
    static struct options o;
    char err[256];
    const char *a1[] = {"-n", "100", "-c", "8", "--timeout", "500ms", "--keepalive", "--dns-cache",
                        "a:1", "b:2/x", NULL};
    assert_int_equal(parse(a1, &o, err, sizeof err), 0);
    assert_int_equal(o.client.spec.n, 100);
    assert_int_equal(o.client.spec.c, 8);
    assert_int_equal(o.client.spec.timeout_ms, 500);
    assert_true(o.client.keepalive && o.client.dns_cache);
    assert_int_equal(o.client.ntargets, 2);
    assert_string_equal(o.client.targets[1].url, "http://b:2/x");

    const char *a2[] = {"--by", "pod", "-o", "json", "-v", "--expect-all", "Koornacht,Tion",
                        "--min-success", "0.9", "h", NULL};
    assert_int_equal(parse(a2, &o, err, sizeof err), 0);
    assert_int_equal(o.client.spec.by, REPLY_BY_POD);
    assert_true(o.client.json && o.client.verbose);
    assert_int_equal(o.client.expect.mode, EXPECT_ALL);
    assert_int_equal(o.client.expect.nvalues, 2);
    assert_true(o.client.expect.has_min);

    const char *a3[] = {"--rate", "50", "-k", "meta.cluster", "--max-body", "1KiB", "h", NULL};
    assert_int_equal(parse(a3, &o, err, sizeof err), 0);
    assert_int_equal(client_interval_ns(&o.client), 20000000);
    assert_string_equal(o.client.spec.key, "meta.cluster");
    assert_int_equal(o.client.spec.max_body, 1024);

    const char *a4[] = {"--watch", "h", NULL};
    assert_int_equal(parse(a4, &o, err, sizeof err), 0);
    assert_int_equal(o.client.spec.n, FIRE_UNLIMITED);
    assert_int_equal(client_interval_ns(&o.client), 100000000); /* 10/s while watching */

    const char *a5[] = {"--watch", "--interval", "1s", "-n", "5", "--duration", "3s", "h", NULL};
    assert_int_equal(parse(a5, &o, err, sizeof err), 0);
    assert_int_equal(o.client.spec.n, 5);
    assert_int_equal(o.client.duration_ms, 3000);
    assert_int_equal(client_interval_ns(&o.client), 1000000000);

    const char *a9[] = {"--threads", "64", "-c", "16", "--duration", "1s", "h", NULL};
    assert_int_equal(parse(a9, &o, err, sizeof err), 0);
    assert_int_equal(o.client.threads, 64);
    const char *a10[] = {"--threads", "1", "--rate", "5", "h", NULL};
    assert_int_equal(parse(a10, &o, err, sizeof err), 0);
    assert_int_equal(o.client.threads, 1);

    const char *a6[] = {"--help", NULL};
    assert_int_equal(parse(a6, &o, err, sizeof err), 0);
    assert_int_equal(o.mode, OPTIONS_HELP);
    const char *a7[] = {"-V", NULL};
    assert_int_equal(parse(a7, &o, err, sizeof err), 0);
    assert_int_equal(o.mode, OPTIONS_VERSION);
    const char *a8[] = {"--expect-fail", "--", "-weird-host", NULL};
    assert_int_equal(parse(a8, &o, err, sizeof err), 0);
    assert_string_equal(o.client.targets[0].host, "-weird-host");
}

static void test_serve(void **state)
{
    (void)state;
    static struct options o;
    char err[256];
    const char *a1[] = {"serve", NULL};
    assert_int_equal(parse(a1, &o, err, sizeof err), 0);
    assert_int_equal(o.mode, OPTIONS_SERVE);
    assert_string_equal(o.serve.listen.host, "");
    assert_int_equal(o.serve.listen.port, 8080);
    const char *a2[] = {"serve", "--listen", "127.0.0.1:9999", "--max-requests", "50", NULL};
    assert_int_equal(parse(a2, &o, err, sizeof err), 0);
    assert_int_equal(o.serve.listen.port, 9999);
    assert_int_equal(o.serve.max_n, 50);
    assert_int_equal(o.serve.log_format, LOG_TEXT);
    const char *a3[] = {"serve", "--help", NULL};
    assert_int_equal(parse(a3, &o, err, sizeof err), 0);
    assert_int_equal(o.mode, OPTIONS_HELP);
    assert_int_equal(o.help_of, OPTIONS_SERVE);
    const char *a4[] = {"serve", "--log-format", "json", NULL};
    assert_int_equal(parse(a4, &o, err, sizeof err), 0);
    assert_int_equal(o.serve.log_format, LOG_JSON);
    setenv("XWING_LOG_FORMAT", "json", 1); /* as rebel-base's REBEL_BASE_LOG_FORMAT */
    assert_int_equal(parse(a1, &o, err, sizeof err), 0);
    assert_int_equal(o.serve.log_format, LOG_JSON);
    unsetenv("XWING_LOG_FORMAT");
}

static void test_bad(void **state)
{
    (void)state;
    static const struct { const char *args[MAXARG]; const char *err_has; } cases[] = {
        {{NULL}, "no target"},
        {{"-n", "0", "h"}, "-n: bad value '0'"},
        {{"-n", "x", "h"}, "-n: bad value 'x'"},
        {{"-n", "2000000000", "h"}, "out of range"},
        {{"-c", "0", "h"}, "-c: bad value"},
        {{"-c", "100000", "h"}, "-c: bad value"},
        {{"--timeout", "0", "h"}, "--timeout: bad value '0': must be more than 0"},
        {{"--timeout", "fast", "h"}, "--timeout: bad value 'fast'"},
        {{"--rate", "0", "h"}, "--rate"},
        {{"--rate", "5", "--interval", "1s", "h"}, "exclusive"},
        {{"--threads", "0", "h"}, "--threads: bad value '0': out of range 1..64"},
        {{"--threads", "65", "h"}, "--threads: bad value '65': out of range 1..64"},
        {{"--threads", "two", "h"}, "--threads: bad value 'two'"},
        {{"--threads", "-1", "h"}, "--threads: bad value '-1'"},
        {{"--threads", "", "h"}, "--threads: bad value ''"},
        {{"--threads"}, "--threads needs a value"},
        {{"--threads", "2", "--rate", "5", "h"}, "--threads is for unpaced runs"},
        {{"--threads", "2", "--interval", "1s", "h"}, "--threads is for unpaced runs"},
        {{"--threads", "2", "--watch", "h"}, "--threads is for unpaced runs"},
        {{"probe", "--threads", "2", "h"}, "probe: --threads: not for the probe"},
        {{"--by", "cluster", "h"}, "--by: bad value 'cluster': expected key, pod, ip or body"},
        {{"--key", "a..b", "h"}, "--key"},
        {{"--key", "X", "--by", "pod", "h"}, "--key applies to --by key"},
        {{"-o", "yaml", "h"}, "-o: bad value 'yaml'"},
        {{"--expect-only", "A", "--expect-all", "A,B", "h"}, "--expect-all"},
        {{"--expect-fail", "--min-success", "0.5", "h"}, "--min-success"},
        {{"--min-success", "2", "h"}, "--min-success: bad value '2'"},
        {{"--max-body", "0", "h"}, "--max-body"},
        {{"--max-body", "1G", "h"}, "--max-body"},
        {{"--bogus", "h"}, "unknown option '--bogus'"},
        {{"-x", "h"}, "unknown option '-x'"},
        {{"-n"}, "-n needs a value"},
        {{"https://h"}, "bad target 'https://h': unsupported scheme 'https'"},
        {{"ok", "h:99999"}, "bad target 'h:99999'"},
        {{"--keepalive=1", "h"}, "takes no value"},
        {{"serve", "--listen", "nope"}, "serve: --listen: bad value 'nope'"},
        {{"serve", "extra"}, "serve: unexpected argument 'extra'"},
        {{"serve", "--tally-budget", "10ms"}, "serve: --tally-budget: bad value '10ms': expected a duration from 100ms to 1h"},
        {{"serve", "--max-tallies", "65"}, "serve: --max-tallies: bad value '65': out of range 1..64"},
        {{"serve", "--log-format", "xml"}, "serve: --log-format: bad value 'xml': expected text or json"},
        {{"--log-format", "json", "h"}, "unknown option '--log-format'"},
        {{"127.0.0.1:21091:99"}, "bad target '127.0.0.1:21091:99': more than one ':PORT': give one port, as in host:8080"},
        {{"::1:8080"}, "bad target '::1:8080': IPv6 addresses need brackets: [::1]:8080"},
        {{"serve", "-n", "5"}, "serve: unknown option '-n'"},
        {{"serve", "--allow-target", ""}, "serve: --allow-target: bad value '': empty pattern"},
        {{"serve", "--allow-target", "a,,b"}, "serve: --allow-target: bad value 'a,,b': empty pattern"},
        {{"serve", "--allow-target", "a/b"}, "--allow-target: bad value 'a/b': bad character in host pattern"},
        {{"serve", "--allow-target", "http://a"}, "bad value 'http://a': a pattern is HOST[:PORT], without a scheme"},
        {{"serve", "--allow-target", "a:0"}, "bad value 'a:0': port must be 1..65535 (leave it out for any port)"},
        {{"serve", "--allow-target", "a:*"}, "bad value 'a:*': port must be 1..65535"},
        {{"serve", "--allow-target", "::1"}, "bad value '::1': IPv6 addresses need brackets: [::1]:8080"},
        {{"serve", "--allow-target", "[rebel-base]:80"}, "expected an IPv6 address in brackets"},
        {{"serve", "--allow-target", "[::1"}, "missing ']' after an IPv6 address"},
        {{"serve", "--allow-target", ":80"}, "bad value ':80': empty host"},
        {{"serve", "--allow-link-local=1"}, "serve: --allow-link-local takes no value"},
        {{"probe", "169.254.169.254"}, "probe: target '169.254.169.254' is a link-local address: refused unless --allow-link-local"},
        {{"probe", "[fe80::1]:9"}, "probe: target '[fe80::1]:9' is a link-local address"},
        {{"probe", "--allow-target", "x", "h"}, "probe: unknown option '--allow-target'"},
        {{"--allow-link-local", "h"}, "unknown option '--allow-link-local'"},
        /* real client options the probe refuses on purpose: said so, never "unknown" */
        {{"probe", "--keepalive", "h"}, "probe: --keepalive: not for the probe: every request opens a new connection"},
        {{"probe", "--dns-cache", "h"}, "probe: --dns-cache: not for the probe"},
        {{"probe", "-o", "json", "h"}, "probe: -o: not for the probe: it prints no report"},
        {{"probe", "--output=json", "h"}, "probe: --output: not for the probe"},
        {{"probe", "-v", "h"}, "probe: -v: not for the probe"},
        {{"probe", "--watch", "h"}, "probe: --watch: not for the probe: it runs until SIGTERM"},
        {{"probe", "-d", "5s", "h"}, "probe: -d: not for the probe"},
        {{"probe", "--rate", "5", "h"}, "probe: --rate: not for the probe: --every paces its rounds"},
        {{"probe", "--interval", "1s", "h"}, "probe: --interval: not for the probe"},
    };
    static struct options o;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        if (parse(cases[i].args, &o, err, sizeof err) == 0)
            fail_msg("case %zu accepted", i);
        if (!strstr(err, cases[i].err_has))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].err_has);
    }
}

/* A long bad value is shown cut with "...", and the quote and the reason
 * after it survive: the old message ended inside the value, with neither. */
static void test_long_values(void **state)
{
    (void)state;
    static struct options o;
    static char big[301];
    memset(big, 'a', sizeof big - 1);
    static const struct { const char *args[MAXARG]; const char *tail; } cases[] = {
        {{big}, "...': host name too long"},
        {{"probe", big}, "...': host name too long"},
        {{"ok", big}, "...': host name too long"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        size_t n, t = strlen(cases[i].tail);
        assert_int_equal(parse(cases[i].args, &o, err, sizeof err), -1);
        n = strlen(err);
        if (n < t || strcmp(err + n - t, cases[i].tail) != 0)
            fail_msg("case %zu: '%s' does not end with '%s'", i, err, cases[i].tail);
        assert_non_null(strstr(err, "bad target 'aaaa"));
    }
}

/* Every usage error points at the help of its own mode. */
static void test_help_command(void **state)
{
    (void)state;
    static const struct { int argc; char *argv[3]; const char *want; } cases[] = {
        {1, {"xwing"}, "xwing --help"},
        {2, {"xwing", "-n"}, "xwing --help"},
        {2, {"xwing", "serve"}, "xwing serve --help"},
        {3, {"xwing", "probe", "--bogus"}, "xwing probe --help"},
        {2, {"xwing", "probes"}, "xwing --help"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(options_help_command(cases[i].argc, (char **)cases[i].argv),
                            cases[i].want);
}

/* serve's allowlist: the lab's names by default; --allow-target and
 * XWING_ALLOW_TARGET (a comma-separated list) together replace them. */
static void test_allow(void **state)
{
    (void)state;
    static struct options o;
    static char *many[2 + 2 * ALLOWLIST_MAX + 1];
    char err[256], desc[1024];
    const char *a1[] = {"serve", NULL};
    assert_int_equal(parse(a1, &o, err, sizeof err), 0);
    assert_true(allowlist_name(&o.serve.allow, "rebel-base", 80));
    assert_false(allowlist_name(&o.serve.allow, "127.0.0.1", 80));
    assert_false(o.serve.allow.link_local || o.serve.allow.open);
    const char *a2[] = {"serve", "--allow-target", "127.0.0.1:8080", "--allow-link-local", NULL};
    assert_int_equal(parse(a2, &o, err, sizeof err), 0);
    allowlist_describe(&o.serve.allow, desc, sizeof desc);
    assert_string_equal(desc, "127.0.0.1:8080; link-local allowed");
    setenv("XWING_ALLOW_TARGET", "a.svc.cluster.local, [::1]:80", 1);
    assert_int_equal(parse(a2, &o, err, sizeof err), 0);
    allowlist_describe(&o.serve.allow, desc, sizeof desc);
    assert_string_equal(desc, "a.svc.cluster.local, [::1]:80, 127.0.0.1:8080; link-local allowed");
    setenv("XWING_ALLOW_TARGET", "", 1); /* set but empty: the empty value, an error */
    assert_int_equal(parse(a1, &o, err, sizeof err), -1);
    assert_string_equal(err, "serve: XWING_ALLOW_TARGET: bad value '': empty pattern");
    unsetenv("XWING_ALLOW_TARGET");
    const char *a3[] = {"probe", "--allow-link-local", "169.254.169.254", NULL};
    assert_int_equal(parse(a3, &o, err, sizeof err), 0);
    assert_true(o.probe.allow.open && o.probe.allow.link_local);
    const char *a4[] = {"probe", "127.0.0.1:9", NULL}; /* the probe's loopback targets stay */
    assert_int_equal(parse(a4, &o, err, sizeof err), 0);

    int argc = 0;
    many[argc++] = "xwing";
    many[argc++] = "serve";
    for (int i = 0; i < ALLOWLIST_MAX; i++) {
        many[argc++] = "--allow-target";
        many[argc++] = "h";
    }
    assert_int_equal(parse_argv(&o, argc, many, err, sizeof err), 0);
    assert_int_equal(o.serve.allow.n, 32); /* stated in the README */
    many[argc++] = "--allow-target=h";
    assert_int_equal(parse_argv(&o, argc, many, err, sizeof err), -1);
    assert_string_equal(err, "serve: --allow-target: bad value 'h': at most 32 patterns");
}

/* Every bound is named in the error that hits it. */
static void test_limits(void **state)
{
    (void)state;
    static struct options o;
    static char *argv[CLIENT_MAX_TARGETS + 3];
    static char key[300];
    char err[512];
    int argc = 0;

    argv[argc++] = "xwing";
    for (int i = 0; i < CLIENT_MAX_TARGETS; i++)
        argv[argc++] = "127.0.0.1:1";
    assert_int_equal(parse_argv(&o, argc, argv, err, sizeof err), 0);
    assert_int_equal(o.client.ntargets, CLIENT_MAX_TARGETS);
    assert_int_equal(CLIENT_MAX_TARGETS, 1024); /* stated in --help */
    argv[argc++] = "127.0.0.1:2";
    assert_int_equal(parse_argv(&o, argc, argv, err, sizeof err), -1);
    assert_string_equal(err, "too many targets: at most 1024");

    memset(key, 'k', 256);
    const char *a1[] = {"--key", key, "h", NULL};
    assert_int_equal(parse(a1, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "key path too long: at most 255 bytes"));
    const char *a2[] = {"--max-body", "65MiB", "h", NULL};
    assert_int_equal(parse(a2, &o, err, sizeof err), -1);
    assert_string_equal(err, "--max-body: bad value '65MiB': must be 1..64MiB");
    memset(key, 'v', 128);
    key[128] = '\0';
    const char *a3[] = {"--expect-only", key, "h", NULL};
    assert_int_equal(parse(a3, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "value too long: at most 127 bytes"));
}

static void test_tally_budget(void **state)
{
    (void)state;
    static struct options o;
    char err[256];
    const char *a1[] = {"serve", NULL};
    assert_int_equal(parse(a1, &o, err, sizeof err), 0);
    assert_int_equal(o.serve.budget_ms, 60000);
    const char *a2[] = {"serve", "--tally-budget", "500ms", NULL};
    assert_int_equal(parse(a2, &o, err, sizeof err), 0);
    assert_int_equal(o.serve.budget_ms, 500);
    setenv("XWING_TALLY_BUDGET", "", 1); /* set but empty: the empty value, an error */
    assert_int_equal(parse(a1, &o, err, sizeof err), -1);
    assert_string_equal(err, "serve: XWING_TALLY_BUDGET: bad value '': expected a duration from 100ms to 1h");
    unsetenv("XWING_TALLY_BUDGET");
    setenv("XWING_HELP", "1", 1); /* never read: serve still serves */
    assert_int_equal(parse(a1, &o, err, sizeof err), 0);
    assert_int_equal(o.mode, OPTIONS_SERVE);
    unsetenv("XWING_HELP");
}

/* serve's one switch read from the environment: a false spelling leaves it
 * off (XWING_ALLOW_LINK_LOCAL=false must keep 169.254/16 blocked), a true one
 * turns it on, and anything else is refused by name. The client and the probe
 * read no variables at all: a stray XWING_KEEPALIVE=true changes nothing. */
static void test_environment_switches(void **state)
{
    (void)state;
    static struct options o;
    static const char *const off[] = {"0", "false", "no", "off", "False", "NO", "Off"};
    static const char *const on[] = {"1", "true", "yes", "on", "True", "YES", "On"};
    const char *serve[] = {"serve", NULL};
    char err[256];
    for (size_t i = 0; i < 7; i++) {
        for (int want = 0; want < 2; want++) {
            setenv("XWING_ALLOW_LINK_LOCAL", want ? on[i] : off[i], 1);
            if (parse(serve, &o, err, sizeof err) != 0)
                fail_msg("XWING_ALLOW_LINK_LOCAL=%s: %s", want ? on[i] : off[i], err);
            if (o.serve.allow.link_local != want)
                fail_msg("XWING_ALLOW_LINK_LOCAL=%s: link-local %d", want ? on[i] : off[i],
                         o.serve.allow.link_local);
        }
    }
    setenv("XWING_ALLOW_LINK_LOCAL", "enabled", 1);
    assert_int_equal(parse(serve, &o, err, sizeof err), -1);
    assert_string_equal(err,
                        "serve: XWING_ALLOW_LINK_LOCAL: bad value 'enabled': expected true or false");
    unsetenv("XWING_ALLOW_LINK_LOCAL");

    static const char *const ignored[] = {"XWING_KEEPALIVE", "XWING_DNS_CACHE", "XWING_VERBOSE",
                                          "XWING_WATCH", "XWING_EXPECT_FAIL",
                                          "XWING_ALLOW_LINK_LOCAL"};
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        setenv(ignored[i], "true", 1);
    const char *client[] = {"rebel-base", NULL}, *probe[] = {"probe", "rebel-base", NULL};
    assert_int_equal(parse(client, &o, err, sizeof err), 0);
    assert_int_equal(o.client.keepalive | o.client.dns_cache | o.client.verbose | o.client.watch, 0);
    assert_int_equal(o.client.expect.mode, EXPECT_NONE);
    assert_int_equal(parse(probe, &o, err, sizeof err), 0);
    assert_int_equal(o.probe.expect.mode, EXPECT_NONE);
    assert_false(o.probe.allow.link_local);
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        unsetenv(ignored[i]);
}

/* --help states the limits and the exit statuses, interrupted ones included. */
static void test_usage_states_limits(void **state)
{
    (void)state;
    static const char *client[] = {
        "at most 1024", "at most 1000000000", "at most 512", "at most 255 bytes",
        "at most 16 values", "at most 64MiB", "up to 127 bytes", "The first 64 distinct values",
        "130 when interrupted", "143 by SIGTERM", "interrupted after K of N requests",
        "--duration is a planned end",
    };
    static const char *serve[] = {"at most 8", "c at most 16", "timeout at", "most 10s",
                                  "--tally-budget D", "default 60s", "at\n                           most 64",
                                  "At most 64 connections", "\"requested\"", "\"interrupted\"",
                                  "--allow-target HOST[:PORT]", "rebel-base:80, rebel-base.*.svc.cluster.local:80",
                                  "--allow-link-local", "Redirects are not followed"};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    help_client(out);
    fclose(out);
    for (size_t i = 0; i < sizeof client / sizeof client[0]; i++)
        if (!strstr(buf, client[i]))
            fail_msg("xwing --help lacks '%s'", client[i]);
    free(buf);
    buf = NULL;
    out = open_memstream(&buf, &len);
    help_serve(out);
    fclose(out);
    for (size_t i = 0; i < sizeof serve / sizeof serve[0]; i++)
        if (!strstr(buf, serve[i]))
            fail_msg("xwing serve --help lacks '%s'", serve[i]);
    free(buf);
}

static void test_usage_explains_defaults(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    help_client(out);
    fclose(out);
    assert_non_null(strstr(buf, "NEW TCP CONNECTION"));
    assert_non_null(strstr(buf, "picks the backend once per connection"));
    assert_non_null(strstr(buf, "only fresh lookups"));
    assert_non_null(strstr(buf, "--keepalive"));
    assert_non_null(strstr(buf, "--dns-cache"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_serve),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_help_command),
        cmocka_unit_test(test_usage_explains_defaults),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_tally_budget),
        cmocka_unit_test(test_allow),
        cmocka_unit_test(test_environment_switches),
        cmocka_unit_test(test_usage_states_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
