/* Unit tests for x-wing/core/expect: {tally, expectation} -> {ok, exit code, reason}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expect.h"

struct counts {
    unsigned koornacht, tion, refused, timeout;
};

static void fill(struct tally *t, struct counts c)
{
    tally_init(t);
    for (unsigned i = 0; i < c.koornacht; i++)
        tally_reply(t, "Koornacht");
    for (unsigned i = 0; i < c.tion; i++)
        tally_reply(t, "Tion");
    for (unsigned i = 0; i < c.refused; i++)
        tally_fail(t, TALLY_REFUSED, 0);
    for (unsigned i = 0; i < c.timeout; i++)
        tally_fail(t, TALLY_TIMEOUT, 0);
}

static void test_table(void **state)
{
    (void)state;
    static const struct {
        const char *only, *all;
        int fail;
        const char *min;
        struct counts c;
        int exit_code;
        const char *reason_has;
    } cases[] = {
        /* no expectation: every request must get a reply */
        {NULL, NULL, 0, NULL, {5, 5, 0, 0}, 0, "10 of 10"},
        {NULL, NULL, 0, NULL, {5, 4, 1, 0}, 1, "refused 1"},
        {NULL, NULL, 0, NULL, {4, 3, 2, 1}, 1, "3 of 10 requests failed (refused 2, timeout 1)"},
        {NULL, NULL, 0, NULL, {0, 0, 0, 0}, 1, "no requests"},
        {NULL, NULL, 0, "0.9", {5, 4, 1, 0}, 0, "9 of 10"},
        {NULL, NULL, 0, "0.95", {5, 4, 1, 0}, 1, "below --min-success"},
        {NULL, NULL, 0, "1", {5, 5, 0, 0}, 0, "10 of 10 requests got a reply"},
        {NULL, NULL, 0, "0", {0, 0, 3, 0}, 0, "0 of 3 requests got a reply"},
        /* --expect-only */
        {"Koornacht", NULL, 0, NULL, {10, 0, 0, 0}, 0, "all 10 replies from Koornacht"},
        {"Koornacht", NULL, 0, NULL, {9, 1, 0, 0}, 1, "1 of 10 replies came from elsewhere"},
        {"Koornacht", NULL, 0, NULL, {9, 0, 1, 0}, 1, "refused 1"},
        {"Koornacht", NULL, 0, "0.8", {9, 0, 1, 0}, 0, "all 9 replies"},
        {"Koornacht", NULL, 0, "0.8", {8, 1, 1, 0}, 1, "elsewhere"},
        {"Koornacht", NULL, 0, "0", {0, 0, 5, 0}, 1, "no request got a reply"},
        {"Tion", NULL, 0, NULL, {0, 0, 0, 0}, 1, "no request"},
        /* --expect-all */
        {NULL, "Koornacht,Tion", 0, NULL, {6, 4, 0, 0}, 0, "each of 2"},
        {NULL, "Koornacht,Tion", 0, NULL, {10, 0, 0, 0}, 1, "no reply from Tion"},
        {NULL, "Koornacht,Tion", 0, NULL, {0, 10, 0, 0}, 1, "no reply from Koornacht"}, /* the first */
        {NULL, "Tion,Koornacht", 0, NULL, {0, 10, 0, 0}, 1, "no reply from Koornacht"},
        {NULL, "Koornacht,Tion", 0, NULL, {0, 0, 10, 0}, 1, "10 of 10 requests failed"},
        {NULL, "Koornacht,Tion", 0, NULL, {5, 4, 0, 1}, 1, "timeout 1"},
        {NULL, "Koornacht,Tion", 0, "0.9", {5, 4, 0, 1}, 0, "each of 2"},
        {NULL, "Koornacht,Tion,Alderaan", 0, NULL, {5, 5, 0, 0}, 1, "no reply from Alderaan"},
        {NULL, "Alderaan,Bespin,Coruscant", 0, NULL, {5, 5, 0, 0}, 1,
         "no reply from Alderaan, Bespin, Coruscant"},
        {NULL, "Koornacht", 0, NULL, {5, 5, 0, 0}, 0, "the expected value Koornacht answered"},
        /* --expect-fail */
        {NULL, NULL, 1, NULL, {0, 0, 5, 5}, 0, "all 10 requests failed"},
        {NULL, NULL, 1, NULL, {1, 0, 9, 0}, 1, "1 of 10 got a reply"},
        {NULL, NULL, 1, NULL, {0, 0, 0, 0}, 1, "0 of 0"},
    };
    struct tally *t = malloc(sizeof *t);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct expect e;
        struct expect_result r;
        expect_init(&e);
        if (cases[i].only)
            assert_null(expect_set_only(&e, cases[i].only));
        if (cases[i].all)
            assert_null(expect_set_all(&e, cases[i].all));
        if (cases[i].fail)
            assert_null(expect_set_fail(&e));
        if (cases[i].min)
            assert_null(expect_set_min_success(&e, cases[i].min));
        /* an empty reason would match any: every row names what it expects */
        assert_true(cases[i].reason_has[0] != '\0');
        fill(t, cases[i].c);
        expect_evaluate(&e, t, &r);
        if (expect_exit_code(&r) != cases[i].exit_code || !strstr(r.reason, cases[i].reason_has))
            fail_msg("case %zu: exit %d reason '%s'; want exit %d with '%s'", i,
                     expect_exit_code(&r), r.reason, cases[i].exit_code, cases[i].reason_has);
        assert_int_equal(r.ok, cases[i].exit_code == 0);
    }
    free(t);
}

/* Missing values past the reason's room: cut, never written past it. */
static void test_many_missing(void **state)
{
    (void)state;
    char list[2048] = "";
    struct expect e;
    struct expect_result r;
    struct tally *t = malloc(sizeof *t);
    assert_non_null(t);
    for (int i = 0; i < EXPECT_MAX_ALL; i++) { /* 16 of 36 bytes: past the 256 of room */
        char v[40];
        snprintf(v, sizeof v, "%sPlanet-number-%02d-of-the-outer-rim", i ? "," : "", i);
        strcat(list, v);
    }
    expect_init(&e);
    assert_null(expect_set_all(&e, list));
    fill(t, (struct counts){5, 5, 0, 0});
    expect_evaluate(&e, t, &r);
    assert_int_equal(expect_exit_code(&r), 1);
    assert_non_null(strstr(r.reason, "no reply from Planet-number-00-of-the-outer-rim, "));
    assert_true(strlen(r.reason) < sizeof r.reason);
    free(t);
}

static void test_bad_settings(void **state)
{
    (void)state;
    struct expect e;
    expect_init(&e);
    assert_null(expect_set_only(&e, "Koornacht"));
    assert_non_null(expect_set_only(&e, "Tion"));         /* twice */
    assert_non_null(expect_set_all(&e, "Koornacht,Tion")); /* conflicts */
    assert_non_null(expect_set_fail(&e));
    expect_init(&e);
    assert_non_null(expect_set_all(&e, "A,,B"));
    expect_init(&e);
    assert_non_null(expect_set_all(&e, ""));
    expect_init(&e);
    assert_non_null(expect_set_all(&e, "A,"));
    expect_init(&e);
    assert_non_null(expect_set_only(&e, ""));
    expect_init(&e);
    assert_non_null(expect_set_all(&e, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"));
    expect_init(&e);
    assert_null(expect_set_all(&e, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p"));
    assert_int_equal(e.nvalues, 16);
    expect_init(&e);
    assert_non_null(expect_set_min_success(&e, "1.5"));
    assert_non_null(expect_set_min_success(&e, "-0.1"));
    assert_non_null(expect_set_min_success(&e, "half"));
    assert_null(expect_set_min_success(&e, "0.5"));
    expect_init(&e);
    assert_null(expect_set_fail(&e));
    assert_non_null(expect_set_fail(&e));
}

/* Bounds are named in the reason that hits them. */
static void test_bound_messages(void **state)
{
    (void)state;
    char long_value[200];
    struct expect e;
    memset(long_value, 'v', sizeof long_value);
    long_value[128] = '\0';
    expect_init(&e);
    assert_string_equal(expect_set_only(&e, long_value),
                        "value too long: at most 127 bytes (reply values are cut there)");
    long_value[127] = '\0';
    expect_init(&e);
    assert_null(expect_set_only(&e, long_value));
    expect_init(&e);
    assert_string_equal(expect_set_all(&e, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"),
                        "too many values: at most 16");
}

/* Whole reasons, singular and plural: "1 request", never "1 requests". */
static void test_exact_reasons(void **state)
{
    (void)state;
    static const struct {
        const char *only, *all;
        int fail;
        struct counts c;
        const char *reason;
    } cases[] = {
        {NULL, NULL, 0, {1, 0, 0, 0}, "1 of 1 request got a reply"},
        {NULL, NULL, 0, {2, 0, 0, 0}, "2 of 2 requests got a reply"},
        {NULL, NULL, 0, {0, 0, 1, 0}, "1 of 1 request failed (refused 1)"},
        {"Koornacht", NULL, 0, {1, 0, 0, 0}, "1 reply, from Koornacht"},
        {"Koornacht", NULL, 0, {3, 0, 0, 0}, "all 3 replies from Koornacht"},
        {"Koornacht", NULL, 0, {0, 1, 0, 0}, "expected only Koornacht, but 1 of 1 reply came from elsewhere"},
        {"Koornacht", NULL, 0, {1, 1, 0, 0}, "expected only Koornacht, but 1 of 2 replies came from elsewhere"},
        {NULL, "Koornacht", 0, {1, 0, 0, 0}, "the expected value Koornacht answered"},
        {NULL, "Koornacht,Tion", 0, {1, 1, 0, 0}, "each of 2 expected values answered"},
        {NULL, NULL, 1, {0, 0, 1, 0}, "the 1 request failed, as expected"},
        {NULL, NULL, 1, {0, 0, 2, 1}, "all 3 requests failed, as expected"},
    };
    struct tally *t = malloc(sizeof *t);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct expect e;
        struct expect_result r;
        expect_init(&e);
        if (cases[i].only)
            assert_null(expect_set_only(&e, cases[i].only));
        if (cases[i].all)
            assert_null(expect_set_all(&e, cases[i].all));
        if (cases[i].fail)
            assert_null(expect_set_fail(&e));
        fill(t, cases[i].c);
        expect_evaluate(&e, t, &r);
        assert_string_equal(r.reason, cases[i].reason);
    }
    free(t);
}

/* How the run ended, added to the verdict: an interruption never holds. */
static void test_note_end(void **state)
{
    (void)state;
    static const struct {
        int ok;
        const char *reason, *how;
        int interrupted;
        int want_ok, want_interrupted, exit_code;
        const char *want;
    } cases[] = {
        {1, "200 of 200 requests got a reply", "interrupted after 200 of 1000 requests (SIGINT)",
         1, 0, 1, 1,
         "interrupted after 200 of 1000 requests (SIGINT); so far held: 200 of 200 requests got a reply"},
        {0, "10 of 20 requests failed (refused 10)", "interrupted after 20 of 100 requests (SIGTERM)",
         1, 0, 1, 1,
         "interrupted after 20 of 100 requests (SIGTERM); so far failed: 10 of 20 requests failed (refused 10)"},
        {1, "all 30 replies from Tion", "stopped by --duration 5s after 30 of 100 requests", 0,
         1, 0, 0, "all 30 replies from Tion (stopped by --duration 5s after 30 of 100 requests)"},
        {0, "no reply from Tion", "ran for --duration 2s", 0, 0, 0, 1,
         "no reply from Tion (ran for --duration 2s)"},
        {1, "10 of 10 requests got a reply", "", 0, 1, 0, 0, "10 of 10 requests got a reply"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct expect_result r = {cases[i].ok, 0, ""};
        snprintf(r.reason, sizeof r.reason, "%s", cases[i].reason);
        expect_note_end(&r, cases[i].how, cases[i].interrupted);
        assert_string_equal(r.reason, cases[i].want);
        assert_int_equal(r.ok, cases[i].want_ok);
        assert_int_equal(r.interrupted, cases[i].want_interrupted);
        assert_int_equal(expect_exit_code(&r), cases[i].exit_code);
    }
    /* a long reason is cut, never overflows, and keeps how first */
    struct expect_result r = {1, 0, ""};
    memset(r.reason, 'x', sizeof r.reason - 1);
    r.reason[sizeof r.reason - 1] = '\0';
    expect_note_end(&r, "interrupted after 1 of 2 requests (SIGINT)", 1);
    assert_int_equal(strlen(r.reason), sizeof r.reason - 1);
    assert_int_equal(strncmp(r.reason, "interrupted after 1 of 2", 24), 0);
}

/* With more distinct values than the tally has rows, the expected ones are
 * still counted exactly, once pinned (as run does for the --expect-* values). */
static void test_expected_values_exact(void **state)
{
    (void)state;
    struct tally *t = malloc(sizeof *t);
    struct expect e;
    struct expect_result r;
    char v[16];

    expect_init(&e);
    assert_null(expect_set_all(&e, "c801,c900"));
    tally_init(t);
    for (size_t i = 0; i < e.nvalues; i++)
        assert_int_equal(tally_pin(t, e.values[i]), 0);
    for (int i = 1; i <= 1000; i++) {
        snprintf(v, sizeof v, "c%d", i);
        tally_reply(t, v);
    }
    expect_evaluate(&e, t, &r);
    assert_string_equal(r.reason, "each of 2 expected values answered");
    assert_int_equal(expect_exit_code(&r), 0);

    expect_init(&e);
    assert_null(expect_set_only(&e, "c1000"));
    tally_init(t);
    assert_int_equal(tally_pin(t, e.values[0]), 0);
    for (int i = 1; i <= 1000; i++) {
        snprintf(v, sizeof v, "c%d", i);
        tally_reply(t, v);
    }
    expect_evaluate(&e, t, &r);
    assert_string_equal(r.reason, "expected only c1000, but 999 of 1000 replies came from elsewhere");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_bad_settings),
        cmocka_unit_test(test_many_missing),
        cmocka_unit_test(test_bound_messages),
        cmocka_unit_test(test_exact_reasons),
        cmocka_unit_test(test_note_end),
        cmocka_unit_test(test_expected_values_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
