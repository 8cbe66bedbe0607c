/* Unit tests for common/opt: tables of {input, expected}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "opt.h"

static void test_duration(void **state)
{
    (void)state;
    static const struct { const char *in; int ok; uint64_t ms; } cases[] = {
        {"2s", 1, 2000},   {"500ms", 1, 500}, {"1.5s", 1, 1500}, {"2", 1, 2000},
        {"0", 1, 0},       {"1m", 1, 60000},  {"1h", 1, 3600000}, {"0.25", 1, 250},
        {"", 0, 0},        {"-1s", 0, 0},     {"abc", 0, 0},     {"2x", 0, 0},
        {"25h", 0, 0},     {" 2s", 0, 0},     {"nan", 0, 0},     {"inf", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t ms = 12345;
        const char *why = opt_parse_duration(cases[i].in, &ms);
        if (cases[i].ok) {
            assert_null(why);
            assert_int_equal(ms, cases[i].ms);
        } else {
            assert_non_null(why);
        }
    }
}

static void test_size(void **state)
{
    (void)state;
    static const struct { const char *in; int ok; uint64_t v; } cases[] = {
        {"65536", 1, 65536}, {"64k", 1, 65536}, {"64KiB", 1, 65536}, {"1MiB", 1, 1048576},
        {"1m", 1, 1048576},  {"0", 1, 0},       {"1x", 0, 0},        {"", 0, 0},
        {"-1", 0, 0},        {"99999999999999999999", 0, 0}, {"20000000000G", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t v = 0;
        const char *why = opt_parse_size(cases[i].in, &v);
        assert_int_equal(why == NULL, cases[i].ok);
        if (cases[i].ok)
            assert_int_equal(v, cases[i].v);
    }
}

static void test_uint_and_double(void **state)
{
    (void)state;
    uint64_t v;
    double d;
    assert_null(opt_uint("10", 1, 100, &v));
    assert_int_equal(v, 10);
    assert_non_null(opt_uint("0", 1, 100, &v));
    assert_non_null(opt_uint("101", 1, 100, &v));
    assert_non_null(opt_uint("1e3", 1, 10000, &v));
    assert_non_null(opt_uint("-5", 0, 10, &v));
    assert_non_null(opt_uint("", 0, 10, &v));
    assert_null(opt_double("0.5", 0, 1, &d));
    assert_true(d == 0.5);
    assert_non_null(opt_double("1.5", 0, 1, &d));
    assert_non_null(opt_double("x", 0, 1, &d));
}

/* The validators return constant reasons: the range is named by the caller,
 * in its own buffer, so nothing is written that two threads could share. */
static void test_constant_reasons(void **state)
{
    (void)state;
    uint64_t v;
    double d;
    char a[64], b[64];
    const char *w1 = opt_uint("0", 1, 100, &v), *w2 = opt_uint("7", 200, 599, &v);
    assert_ptr_equal(w1, opt_out_of_range);
    assert_ptr_equal(w2, opt_out_of_range);
    assert_string_equal(w1, "out of range");
    assert_ptr_equal(opt_double("1.5", 0, 1, &d), opt_out_of_range);
    assert_string_equal(opt_uint("x", 1, 100, &v), "expected a whole number");
    assert_string_equal(opt_double("x", 0, 1, &d), "expected a number");
    assert_null(opt_uint("100", 1, 100, &v));
    assert_int_equal(v, 100);
    assert_string_equal(opt_uint_range(a, sizeof a, 1, 64), "out of range 1..64");
    assert_string_equal(opt_double_range(b, sizeof b, 0.001, 1e6), "out of range 0.001..1e+06");
    /* The _in forms name the range in the caller's buffer, and only then. */
    char why[OPT_WHY_MAX] = "";
    assert_ptr_equal(opt_uint_in("65", 1, 64, &v, why), why);
    assert_string_equal(why, "out of range 1..64");
    assert_string_equal(opt_uint_in("x", 1, 64, &v, why), "expected a whole number");
    assert_null(opt_uint_in("64", 1, 64, &v, why));
    assert_int_equal(v, 64);
    assert_ptr_equal(opt_double_in("1e7", 0.001, 1e6, &d, why), why);
    assert_string_equal(why, "out of range 0.001..1e+06");
    assert_string_equal(opt_double_in("", 0, 1, &d, why), "expected a number");
    assert_null(opt_double_in("0.25", 0, 1, &d, why));
    assert_true(d == 0.25);
    /* Out of range, the caller names the range in its own buffer. */
    assert_ptr_equal(opt_uint("65", 1, 64, &v), opt_out_of_range);
    assert_string_equal(opt_uint_range(a, sizeof a, 1, 64), "out of range 1..64");
    assert_ptr_equal(opt_double("2", 0, 1, &d), opt_out_of_range);
    assert_string_equal(opt_double_range(b, sizeof b, 0, 1), "out of range 0..1");
}

static void test_hostport(void **state)
{
    (void)state;
    static const struct { const char *in; const char *host; int port; } cases[] = {
        {":8080", "", 8080},          {"127.0.0.1:80", "127.0.0.1", 80},
        {"[::1]:9000", "::1", 9000},  {"localhost:65535", "localhost", 65535},
        {"8080", NULL, 0},            {"host:0", "host", 0},
        {"host:65536", NULL, 0},      {"::1:80", NULL, 0},
        {"[::1]80", NULL, 0},         {"host:", NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct opt_hostport hp;
        const char *why = opt_parse_hostport(cases[i].in, &hp);
        if (!cases[i].host) {
            assert_non_null(why);
            continue;
        }
        assert_null(why);
        assert_string_equal(hp.host, cases[i].host);
        assert_int_equal(hp.port, cases[i].port);
    }
}

struct seen {
    char n[32];
    int verbose;
    char drain[32];
};

enum { ID_N = 1, ID_V, ID_DRAIN };

static const struct opt_spec specs[] = {
    {"count", 'n', 1, ID_N},
    {"verbose", 'v', 0, ID_V},
    {"drain", 0, 1, ID_DRAIN},
    {NULL, 0, 0, 0},
};

static const char *apply(void *ctx, int id, const char *value)
{
    struct seen *s = ctx;
    uint64_t ms;
    switch (id) {
    case ID_N: snprintf(s->n, sizeof s->n, "%s", value); return NULL;
    case ID_V: s->verbose++; return NULL;
    case ID_DRAIN:
        if (opt_parse_duration(value, &ms))
            return "expected a duration";
        snprintf(s->drain, sizeof s->drain, "%s", value);
        return NULL;
    }
    return "unexpected";
}

/* Records which ids were applied, as bits in verbose. */
static const char *count_ids(void *ctx, int id, const char *value)
{
    struct seen *s = ctx;
    (void)value;
    s->verbose |= 1 << id;
    return NULL;
}

static int run(int argc, char **argv, struct seen *s, char **pos, size_t *npos,
               struct error *err)
{
    memset(s, 0, sizeof *s);
    return opt_parse(specs, "TESTOPT", argc, argv, 1, apply, s, pos, 4, npos, err);
}

static void test_parse_argv(void **state)
{
    (void)state;
    struct seen s;
    struct error err;
    char *pos[4];
    size_t npos;

    char *a1[] = {"p", "-vn10", "host", "--drain=3s", "--", "-x"};
    assert_int_equal(run(6, a1, &s, pos, &npos, &err), 0);
    assert_string_equal(s.n, "10");
    assert_int_equal(s.verbose, 1);
    assert_string_equal(s.drain, "3s");
    assert_int_equal(npos, 2);
    assert_string_equal(pos[0], "host");
    assert_string_equal(pos[1], "-x");

    static const struct { int argc; char *argv[3]; const char *msg; } bad[] = {
        {2, {"p", "--nope"}, "unknown option '--nope'"},
        {2, {"p", "-z"}, "unknown option '-z'"},
        {2, {"p", "--count"}, "--count needs a value"},
        {2, {"p", "-n"}, "-n needs a value"},
        {2, {"p", "--verbose=1"}, "--verbose takes no value"},
        {3, {"p", "--drain", "x"}, "--drain: bad value 'x': expected a duration"},
        /* control bytes never reach the one-line message */
        {2, {"p", "--no\npe"}, "unknown option '--no?pe'"},
        {3, {"p", "--drain", "1\nfake log line"}, "--drain: bad value '1?fake log line': expected a duration"},
        {2, {"p", "-\x1b"}, "unknown option '-?'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(run(bad[i].argc, (char **)bad[i].argv, &s, pos, &npos, &err), -1);
        assert_string_equal(err.msg, bad[i].msg);
    }
}

static void test_parse_env(void **state)
{
    (void)state;
    struct seen s;
    struct error err;
    char *pos[4];
    size_t npos;
    char *argv[] = {"p", "--drain", "5s"};

    setenv("TESTOPT_DRAIN", "1s", 1);
    setenv("TESTOPT_VERBOSE", "true", 1);
    assert_int_equal(run(1, argv, &s, pos, &npos, &err), 0);
    assert_string_equal(s.drain, "1s");
    assert_int_equal(s.verbose, 1);
    /* argv overrides the environment */
    assert_int_equal(run(3, argv, &s, pos, &npos, &err), 0);
    assert_string_equal(s.drain, "5s");

    setenv("TESTOPT_VERBOSE", "maybe", 1);
    assert_int_equal(run(1, argv, &s, pos, &npos, &err), -1);
    assert_string_equal(err.msg, "TESTOPT_VERBOSE: bad value 'maybe': expected true or false");
    unsetenv("TESTOPT_VERBOSE");
    setenv("TESTOPT_DRAIN", "soon", 1);
    assert_int_equal(run(1, argv, &s, pos, &npos, &err), -1);
    assert_string_equal(err.msg, "TESTOPT_DRAIN: bad value 'soon': expected a duration");
    unsetenv("TESTOPT_DRAIN");
    /* set but empty: the empty value, as --drain "" would be, not the default */
    setenv("TESTOPT_DRAIN", "", 1);
    assert_int_equal(run(1, argv, &s, pos, &npos, &err), -1);
    assert_string_equal(err.msg, "TESTOPT_DRAIN: bad value '': expected a duration");
    unsetenv("TESTOPT_DRAIN");
    setenv("TESTOPT_VERBOSE", "", 1);
    assert_int_equal(run(1, argv, &s, pos, &npos, &err), -1);
    assert_string_equal(err.msg, "TESTOPT_VERBOSE: bad value '': expected true or false");
    unsetenv("TESTOPT_VERBOSE");
}

/* Flags win over the environment, so a variable that argv overrides is never
 * read: a bad one is no error (the old code refused REBEL_BASE_LISTEN=junk
 * even with --listen given). Option values and what follows "--" are not
 * options: there the variable still counts. */
static void test_env_overridden(void **state)
{
    (void)state;
    static const struct {
        int argc;
        char *argv[4];
        int rc;
        const char *drain;
    } cases[] = {
        {3, {"p", "--drain", "5s"}, 0, "5s"},
        {2, {"p", "--drain=5s"}, 0, "5s"},
        {3, {"p", "-n", "--drain"}, -1, ""},  /* "--drain" is -n's value */
        {4, {"p", "--", "--drain", "5s"}, -1, ""},
        {2, {"p", "-v"}, -1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct seen s;
        struct error err;
        char *pos[4];
        size_t npos;
        setenv("TESTOPT_DRAIN", "soon", 1);
        if (run(cases[i].argc, (char **)cases[i].argv, &s, pos, &npos, &err) != cases[i].rc)
            fail_msg("case %zu: want %d (%s)", i, cases[i].rc, err.msg);
        if (cases[i].rc == 0)
            assert_string_equal(s.drain, cases[i].drain);
        else
            assert_string_equal(err.msg, "TESTOPT_DRAIN: bad value 'soon': expected a duration");
    }
    unsetenv("TESTOPT_DRAIN");
}

/* A value a mode refuses on purpose (OPT_REFUSE) is said against the option,
 * never as a bad value. */
static const char *refuse_drain(void *ctx, int id, const char *value)
{
    (void)ctx, (void)value;
    return id == ID_DRAIN ? OPT_REFUSE "not here: the mode paces itself" : NULL;
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        int argc;
        char *argv[3];
    } cases[] = {{3, {"p", "--drain", "5s"}}, {2, {"p", "--drain=1s"}}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct error err;
        char *pos[4];
        size_t npos;
        assert_int_equal(opt_parse(specs, NULL, cases[i].argc, (char **)cases[i].argv, 1,
                                   refuse_drain, NULL, pos, 4, &npos, &err), -1);
        assert_string_equal(err.msg, "--drain: not here: the mode paces itself");
    }
}

/* User text in a message: control bytes become '?', and long text is cut
 * with "..." so the reason after it survives. */
static void test_shown(void **state)
{
    (void)state;
    char big[300], shown[16];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    static const struct { const char *in, *out; } cases[] = {
        {"abc", "abc"},
        {"a\nb\x7f", "a?b?"},
        {"aaaaaaaaaaaa", "aaaaaaaaaaaa"},       /* 12: fits 16 with room for "..." */
        {"aaaaaaaaaaaaa", "aaaaaaaaaaaa..."},   /* 13: cut at 12, marked */
        {NULL, "aaaaaaaaaaaa..."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(opt_shown(shown, sizeof shown, cases[i].in ? cases[i].in : big),
                            cases[i].out);
}

/* A switch set in the environment: every spelling, either case, turns it on or
 * leaves it off, and anything else is refused by name. Left off must mean left
 * off: REBEL_BASE_ALLOW_FAULTS=false read as set would turn fault injection on. */
static void test_env_bool_spellings(void **state)
{
    (void)state;
    static const struct { const char *in; int on; const char *why; } cases[] = {
        {"1", 1, NULL},     {"true", 1, NULL},  {"yes", 1, NULL},   {"on", 1, NULL},
        {"TRUE", 1, NULL},  {"Yes", 1, NULL},   {"ON", 1, NULL},    {"tRuE", 1, NULL},
        {"0", 0, NULL},     {"false", 0, NULL}, {"no", 0, NULL},    {"off", 0, NULL},
        {"FALSE", 0, NULL}, {"No", 0, NULL},    {"OFF", 0, NULL},   {"fAlSe", 0, NULL},
        {"", 0, "TESTOPT_VERBOSE: bad value '': expected true or false"},
        {"maybe", 0, "TESTOPT_VERBOSE: bad value 'maybe': expected true or false"},
        {"2", 0, "TESTOPT_VERBOSE: bad value '2': expected true or false"},
        {"-1", 0, "TESTOPT_VERBOSE: bad value '-1': expected true or false"},
        {"y", 0, "TESTOPT_VERBOSE: bad value 'y': expected true or false"},
        {"n", 0, "TESTOPT_VERBOSE: bad value 'n': expected true or false"},
        {" true", 0, "TESTOPT_VERBOSE: bad value ' true': expected true or false"},
        {"false ", 0, "TESTOPT_VERBOSE: bad value 'false ': expected true or false"},
        {"truex", 0, "TESTOPT_VERBOSE: bad value 'truex': expected true or false"},
        {"of", 0, "TESTOPT_VERBOSE: bad value 'of': expected true or false"},
        {"0x1", 0, "TESTOPT_VERBOSE: bad value '0x1': expected true or false"},
    };
    struct seen s;
    struct error err;
    char *pos[4];
    size_t npos;
    char *argv[] = {"p"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv("TESTOPT_VERBOSE", cases[i].in, 1);
        int rc = run(1, argv, &s, pos, &npos, &err);
        if (cases[i].why) {
            if (rc != -1 || strcmp(err.msg, cases[i].why) != 0)
                fail_msg("'%s': rc %d '%s', want '%s'", cases[i].in, rc, rc ? err.msg : "",
                         cases[i].why);
        } else if (rc != 0 || s.verbose != cases[i].on) {
            fail_msg("'%s': rc %d, switch %d, want %d", cases[i].in, rc, s.verbose, cases[i].on);
        }
        /* the same words, and only they, answer opt_parse_bool (faults' ?ready=) */
        int on = -1;
        const char *why = opt_parse_bool(cases[i].in, &on);
        if ((why != NULL) != (cases[i].why != NULL) || (!why && on != cases[i].on))
            fail_msg("opt_parse_bool('%s'): %s, %d", cases[i].in, why ? why : "ok", on);
    }
    unsetenv("TESTOPT_VERBOSE");
}

static void test_env_never_help(void **state)
{
    (void)state;
    static const struct opt_spec hs[] = {
        {"help", 'h', 0, 1}, {"version", 'V', 0, 2}, {"verbose", 'v', 0, 3}, {NULL, 0, 0, 0},
    };
    struct seen s;
    struct error err;
    char *pos[1];
    size_t npos;
    char *argv[] = {"p", "--help"};
    setenv("TESTOPT_HELP", "1", 1);
    setenv("TESTOPT_VERSION", "true", 1);
    setenv("TESTOPT_VERBOSE", "1", 1);
    memset(&s, 0, sizeof s);
    assert_int_equal(opt_parse(hs, "TESTOPT", 1, argv, 1, count_ids, &s, pos, 0, &npos, &err), 0);
    assert_int_equal(s.verbose, 1 << 3); /* only VERBOSE came from the environment */
    memset(&s, 0, sizeof s);
    assert_int_equal(opt_parse(hs, "TESTOPT", 2, argv, 1, count_ids, &s, pos, 0, &npos, &err), 0);
    assert_int_equal(s.verbose, (1 << 3) | (1 << 1)); /* --help on argv still counts */
    unsetenv("TESTOPT_HELP");
    unsetenv("TESTOPT_VERSION");
    unsetenv("TESTOPT_VERBOSE");
}

static void test_extra_arguments(void **state)
{
    (void)state;
    struct seen s;
    struct error err;
    char *pos[4];
    size_t npos;
    char *a[] = {"p", "a", "b", "c", "d", "e"};
    memset(&s, 0, sizeof s);
    assert_int_equal(opt_parse(specs, NULL, 6, a, 1, apply, &s, pos, 4, &npos, &err), -1);
    assert_string_equal(err.msg, "too many arguments at 'e': at most 4");
    assert_string_equal(err.step, OPT_STEP_EXTRA);
    assert_int_equal(opt_parse(specs, NULL, 2, a, 1, apply, &s, pos, 0, &npos, &err), -1);
    assert_string_equal(err.msg, "unexpected argument 'a'");
    assert_string_equal(err.step, OPT_STEP_EXTRA);
    assert_int_equal(opt_parse(specs, NULL, 2, (char *[]){"p", "--nope"}, 1, apply, &s, pos, 0,
                               &npos, &err), -1);
    assert_string_equal(err.step, OPT_STEP_USAGE);
}

static void test_colons_reason(void **state)
{
    (void)state;
    static const char *extra = "more than one ':PORT': give one port, as in host:8080";
    static const char *v6 = "IPv6 addresses need brackets: [::1]:8080";
    static const struct { const char *in; int v6; } cases[] = {
        {"127.0.0.1:21091:99", 0}, {"host:1:2", 0}, {"rebel-base:80:81", 0}, {":1:2", 1},
        {"::1:80", 1}, {"fe80::1:80", 1}, {"abcd:1:2", 1}, {"abcde:1:2", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct opt_hostport hp;
        const char *why = opt_parse_hostport(cases[i].in, &hp);
        assert_non_null(why);
        if (strcmp(why, cases[i].v6 ? v6 : extra) != 0)
            fail_msg("'%s': '%s'", cases[i].in, why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration),     cmocka_unit_test(test_size),
        cmocka_unit_test(test_uint_and_double), cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_parse_argv),   cmocka_unit_test(test_parse_env),
        cmocka_unit_test(test_env_overridden),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_shown),
        cmocka_unit_test(test_env_never_help),
        cmocka_unit_test(test_env_bool_spellings), cmocka_unit_test(test_extra_arguments),
        cmocka_unit_test(test_colons_reason), cmocka_unit_test(test_constant_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
