/* Unit tests for x-wing/expect: {tally, expectation} -> {ok, exit code, reason}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
        {NULL, NULL, 0, NULL, {0, 0, 0, 0}, 1, "no requests"},
        {NULL, NULL, 0, "0.9", {5, 4, 1, 0}, 0, "9 of 10"},
        {NULL, NULL, 0, "0.95", {5, 4, 1, 0}, 1, "below --min-success"},
        {NULL, NULL, 0, "1", {5, 5, 0, 0}, 0, ""},
        {NULL, NULL, 0, "0", {0, 0, 3, 0}, 0, ""},
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
        {NULL, "Koornacht,Tion", 0, NULL, {0, 0, 10, 0}, 1, "10 of 10 requests failed"},
        {NULL, "Koornacht,Tion", 0, NULL, {5, 4, 0, 1}, 1, "timeout 1"},
        {NULL, "Koornacht,Tion", 0, "0.9", {5, 4, 0, 1}, 0, "each of 2"},
        {NULL, "Koornacht,Tion,Alderaan", 0, NULL, {5, 5, 0, 0}, 1, "no reply from Alderaan"},
        {NULL, "Koornacht", 0, NULL, {5, 5, 0, 0}, 0, "each of 1"},
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
        fill(t, cases[i].c);
        expect_evaluate(&e, t, &r);
        if (expect_exit_code(&r) != cases[i].exit_code || !strstr(r.reason, cases[i].reason_has))
            fail_msg("case %zu: exit %d reason '%s'; want exit %d with '%s'", i,
                     expect_exit_code(&r), r.reason, cases[i].exit_code, cases[i].reason_has);
        assert_int_equal(r.ok, cases[i].exit_code == 0);
    }
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_bad_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
