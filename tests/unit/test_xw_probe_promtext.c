/* Unit tests for x-wing/probe/promtext, the exposition primitives of xwing probe. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "promtext.h"

static char *take(struct promtext *p)
{
    char *s = promtext_take(p);
    assert_non_null(s);
    return s;
}

static void test_escape(void **state)
{
    (void)state;
    static const struct { const char *in, *want; } cases[] = {
        {"Koornacht", "Koornacht"},
        {"", ""},
        {"a\"b", "a\\\"b"},
        {"back\\slash", "back\\\\slash"},
        {"two\nlines", "two\\nlines"},
        {"\"\\\n", "\\\"\\\\\\n"},
        {"tab\tstays", "tab\tstays"},           /* only \, " and newline are escaped */
        {"N'Zoth", "N'Zoth"},
        {"Forân Tûtha", "Forân Tûtha"},         /* UTF-8 passes through */
        {"{\"Cluster\": \"Tion\"}\n", "{\\\"Cluster\\\": \\\"Tion\\\"}\\n"}, /* --by body */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct promtext p;
        promtext_init(&p);
        promtext_escape(&p, cases[i].in);
        char *s = take(&p);
        if (strcmp(s, cases[i].want) != 0)
            fail_msg("case %zu: '%s' escaped as '%s', want '%s'", i, cases[i].in, s,
                     cases[i].want);
        free(s);
    }
}

static void test_number(void **state)
{
    (void)state;
    static const struct { double v; const char *want; } cases[] = {
        {0, "0"}, {1, "1"}, {0.5, "0.5"}, {0.1, "0.1"}, {1.0 / 3, "0.333333333333333"},
        {0.0005, "0.0005"}, {2.5, "2.5"}, {10, "10"}, {1e-7, "1e-07"},
        {123456789012.0, "123456789012"}, {-1, "-1"},
    };
    char buf[40];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        promtext_number(buf, sizeof buf, cases[i].v);
        assert_string_equal(buf, cases[i].want);
    }
    promtext_number(buf, sizeof buf, NAN);
    assert_string_equal(buf, "NaN");
    promtext_number(buf, sizeof buf, INFINITY);
    assert_string_equal(buf, "+Inf");
    promtext_number(buf, sizeof buf, -INFINITY);
    assert_string_equal(buf, "-Inf");
}

static void test_counter_gauge(void **state)
{
    (void)state;
    struct promtext p;
    struct promtext_label two[] = {{"target", "http://rebel-base:80/"}, {"value", "Ti\"on"}};
    promtext_init(&p);
    promtext_family(&p, "x_total", "counter", "Things.");
    promtext_counter(&p, "x_total", two, 2, 18446744073709551615ull); /* exact, not 1.8e19 */
    promtext_counter(&p, "x_total", NULL, 0, 0);
    promtext_family(&p, "x_share", "gauge", "A share.");
    promtext_gauge(&p, "x_share", two, 1, 0.25);
    char *s = take(&p);
    assert_string_equal(s, "# HELP x_total Things.\n"
                           "# TYPE x_total counter\n"
                           "x_total{target=\"http://rebel-base:80/\",value=\"Ti\\\"on\"} "
                           "18446744073709551615\n"
                           "x_total 0\n"
                           "# HELP x_share A share.\n"
                           "# TYPE x_share gauge\n"
                           "x_share{target=\"http://rebel-base:80/\"} 0.25\n");
    free(s);
}

static void test_histogram(void **state)
{
    (void)state;
    static const double bounds[] = {0.001, 0.5};
    static const uint64_t counts[] = {3, 0, 2}; /* per bucket: cumulated on output */
    struct promtext_histogram h = {bounds, 2, counts, 1.25};
    struct promtext_label l[2] = {{"target", "t"}};
    struct promtext p;
    promtext_init(&p);
    promtext_histogram(&p, "d_seconds", l, 1, &h);
    char *s = take(&p);
    assert_string_equal(s, "d_seconds_bucket{target=\"t\",le=\"0.001\"} 3\n"
                           "d_seconds_bucket{target=\"t\",le=\"0.5\"} 3\n"
                           "d_seconds_bucket{target=\"t\",le=\"+Inf\"} 5\n"
                           "d_seconds_sum{target=\"t\"} 1.25\n"
                           "d_seconds_count{target=\"t\"} 5\n");
    free(s);
    /* No labels of its own: le alone. */
    static const uint64_t none[] = {0, 0, 0};
    struct promtext_histogram e = {bounds, 2, none, 0};
    promtext_init(&p);
    promtext_histogram(&p, "e", l, 0, &e);
    s = take(&p);
    assert_string_equal(s, "e_bucket{le=\"0.001\"} 0\ne_bucket{le=\"0.5\"} 0\n"
                           "e_bucket{le=\"+Inf\"} 0\ne_sum 0\ne_count 0\n");
    free(s);
}

/* Growth past the first block keeps every byte; nothing written is "". */
static void test_buffer(void **state)
{
    (void)state;
    struct promtext p;
    struct promtext_label l = {"value", NULL};
    char v[40];
    promtext_init(&p);
    char *s = take(&p);
    assert_string_equal(s, "");
    free(s);
    for (int i = 0; i < 2000; i++) {
        snprintf(v, sizeof v, "v%d", i);
        l.value = v;
        promtext_counter(&p, "n", &l, 1, (uint64_t)i);
    }
    s = take(&p);
    assert_true(strlen(s) > 4096 * 4);
    assert_non_null(strstr(s, "n{value=\"v0\"} 0\nn{value=\"v1\"} 1\n"));
    assert_non_null(strstr(s, "n{value=\"v1999\"} 1999\n"));
    assert_int_equal(s[strlen(s) - 1], '\n');
    free(s);
    /* A failed allocation is sticky: the text is refused, not half-returned. */
    promtext_init(&p);
    promtext_counter(&p, "n", NULL, 0, 1);
    p.failed = 1;
    promtext_counter(&p, "m", NULL, 0, 2);
    assert_null(promtext_take(&p));
    assert_null(p.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),     cmocka_unit_test(test_number),
        cmocka_unit_test(test_counter_gauge), cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
