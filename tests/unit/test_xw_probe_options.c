/* Unit tests for `xwing probe`'s command line (x-wing/cli/options): {argv, expected}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "help.h"
#include "options.h"

#define MAXARG 20

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
    char *argv[MAXARG + 2] = {"xwing", "probe"};
    int argc = 2;
    for (; args[argc - 2] && argc < MAXARG; argc++)
        argv[argc] = (char *)args[argc - 2];
    return parse_argv(o, argc, argv, err, cap);
}

static void test_defaults(void **state)
{
    (void)state;
    static struct options o;
    char err[256];
    const char *args[] = {"rebel-base", NULL};
    assert_int_equal(parse(args, &o, err, sizeof err), 0);
    assert_int_equal(o.mode, OPTIONS_PROBE);
    assert_int_equal(o.probe.every_ms, 1000);
    assert_string_equal(o.probe.listen.host, "");
    assert_int_equal(o.probe.listen.port, 9090);
    assert_int_equal(o.probe.spec.n, 10);
    assert_int_equal(o.probe.spec.c, 1);
    assert_int_equal(o.probe.spec.timeout_ms, 2000);
    /* fresh connection and lookup: probe_options has no keepalive or dns-cache to set */
    assert_string_equal(o.probe.spec.key, "Cluster");
    assert_int_equal(o.probe.ntargets, 1);
    assert_string_equal(o.probe.targets[0].url, "http://rebel-base:80/");
    assert_int_equal(o.probe.expect.mode, EXPECT_NONE);
}

static void test_good(void **state)
{
    (void)state;
    static struct options o;
    char err[256];
    const char *a1[] = {"--every", "250ms", "-n", "20", "-c", "2", "--listen", "127.0.0.1:0",
                        "--expect-all", "Koornacht,Tion", "--min-success", "0.9",
                        "--timeout", "1s", "k:8080", "t:8080/x", NULL};
    assert_int_equal(parse(a1, &o, err, sizeof err), 0);
    assert_int_equal(o.probe.every_ms, 250);
    assert_int_equal(o.probe.spec.n, 20);
    assert_int_equal(o.probe.spec.c, 2);
    assert_string_equal(o.probe.listen.host, "127.0.0.1");
    assert_int_equal(o.probe.listen.port, 0);
    assert_int_equal(o.probe.expect.mode, EXPECT_ALL);
    assert_int_equal(o.probe.expect.nvalues, 2);
    assert_int_equal(o.probe.ntargets, 2);
    assert_string_equal(o.probe.targets[1].url, "http://t:8080/x");
    const char *a2[] = {"--by", "pod", "--every", "1h", "--listen", "[::1]:9091", "h", NULL};
    assert_int_equal(parse(a2, &o, err, sizeof err), 0);
    assert_int_equal(o.probe.spec.by, REPLY_BY_POD);
    assert_int_equal(o.probe.every_ms, 3600000);
    assert_string_equal(o.probe.listen.host, "::1");
    const char *a3[] = {"--every", "1ms", "--expect-fail", "h", NULL};
    assert_int_equal(parse(a3, &o, err, sizeof err), 0);
    assert_int_equal(o.probe.every_ms, 1);
    const char *a4[] = {"--help", NULL}; /* no target needed for help */
    assert_int_equal(parse(a4, &o, err, sizeof err), 0);
    assert_int_equal(o.mode, OPTIONS_HELP);
    assert_int_equal(o.help_of, OPTIONS_PROBE);
}

static void test_bad(void **state)
{
    (void)state;
    static const struct { const char *args[MAXARG]; const char *err; } cases[] = {
        {{NULL}, "probe: no target given (try: xwing probe rebel-base)"},
        {{"--every", "0", "h"}, "probe: --every: bad value '0': expected a duration from 1ms to 1h"},
        {{"--every", "2h", "h"}, "probe: --every: bad value '2h': expected a duration from 1ms to 1h"},
        {{"--every", "soon", "h"}, "probe: --every: bad value 'soon': expected a duration from 1ms to 1h"},
        {{"--listen", "nope", "h"}, "probe: --listen: bad value 'nope'"},
        {{"-n", "0", "h"}, "probe: -n: bad value '0'"},
        {{"--timeout", "0", "h"}, "probe: --timeout: bad value '0': must be more than 0"},
        {{"--by", "cluster", "h"}, "probe: --by: bad value 'cluster'"},
        {{"--key", "X", "--by", "pod", "h"}, "probe: --key applies to --by key only"},
        {{"--expect-fail", "--min-success", "0.5", "h"}, "probe: --min-success makes no sense"},
        {{"--expect-only", "A", "--expect-all", "A,B", "h"}, "probe: --expect-all"},
        {{"https://h"}, "probe: bad target 'https://h': unsupported scheme 'https'"},
        {{"a", "b", "a:80"}, "probe: target 'a:80' repeats http://a:80/: each target is probed once"},
        {{"http://a/", "a"}, "probe: target 'a' repeats http://a:80/"},
        /* Flags of the one-shot client that a canary must not have: refused
         * with the reason (the old code said "unknown option"). */
        {{"--keepalive", "h"}, "probe: --keepalive: not for the probe: every request opens a new connection"},
        /* last, with no value after it: still the refusal, not "needs a value" */
        {{"h", "--keepalive"}, "probe: --keepalive: not for the probe: every request opens a new connection"},
        {{"h", "--dns-cache"}, "probe: --dns-cache: not for the probe"},
        {{"--dns-cache", "h"}, "probe: --dns-cache: not for the probe"},
        {{"--watch", "h"}, "probe: --watch: not for the probe: it runs until SIGTERM"},
        {{"-o", "json", "h"}, "probe: -o: not for the probe: it prints no report"},
        {{"--rate", "5", "h"}, "probe: --rate: not for the probe: --every paces its rounds"},
        {{"--duration", "5s", "h"}, "probe: --duration: not for the probe"},
        {{"--max-requests", "5", "h"}, "probe: unknown option '--max-requests'"},
    };
    static struct options o;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        if (parse(cases[i].args, &o, err, sizeof err) == 0)
            fail_msg("case %zu accepted", i);
        if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
            fail_msg("case %zu: '%s' does not start with '%s'", i, err, cases[i].err);
    }
}

/* At most 16 targets, said so; the environment is not read. */
static void test_limits(void **state)
{
    (void)state;
    static struct options o;
    static char names[PROBE_MAX_TARGETS + 1][16];
    char *argv[PROBE_MAX_TARGETS + 3] = {"xwing", "probe"};
    char err[256];
    int argc = 2;
    for (int i = 0; i < PROBE_MAX_TARGETS; i++) {
        snprintf(names[i], sizeof names[i], "h%d", i);
        argv[argc++] = names[i];
    }
    assert_int_equal(parse_argv(&o, argc, argv, err, sizeof err), 0);
    assert_int_equal(o.probe.ntargets, 16);
    snprintf(names[16], sizeof names[16], "h16");
    argv[argc++] = names[16];
    assert_int_equal(parse_argv(&o, argc, argv, err, sizeof err), -1);
    assert_string_equal(err, "probe: too many targets: at most 16");

    setenv("XWING_LISTEN", "127.0.0.1:1234", 1);
    setenv("XWING_EVERY", "nonsense", 1);
    const char *a[] = {"h", NULL};
    assert_int_equal(parse(a, &o, err, sizeof err), 0);
    assert_int_equal(o.probe.listen.port, 9090);
    unsetenv("XWING_LISTEN");
    unsetenv("XWING_EVERY");
}

static void test_usage(void **state)
{
    (void)state;
    static const char *probe[] = {
        "usage: xwing probe", "default 1s; 1ms to 1h", "default :9090", "At most 16 targets",
        "xwing_probe_replies_total{target,value}", "xwing_probe_failures_total{target,kind}",
        "xwing_probe_request_duration_seconds{target}", "xwing_probe_rounds_total{target}",
        "xwing_probe_last_round_share{target,value}", "xwing_probe_expectation_ok{target}",
        "64 per target", "/healthz",
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    help_probe(out);
    fclose(out);
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++)
        if (!strstr(buf, probe[i]))
            fail_msg("probe --help lacks '%s'", probe[i]);
    free(buf);
    buf = NULL;
    out = open_memstream(&buf, &len);
    help_client(out);
    fclose(out);
    assert_non_null(strstr(buf, "xwing probe [--every 1s] TARGET..."));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),      cmocka_unit_test(test_limits),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
