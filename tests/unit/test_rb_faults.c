/* Unit tests for rebel-base/faults: parameter parsing and the timer lifecycle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "faults.h"

static void test_parse_request(void **state)
{
    (void)state;
    static const struct {
        const char *delay, *status;
        int ok;
        uint64_t ms;
        unsigned code;
        const char *why;
    } cases[] = {
        {NULL, NULL, 1, 0, 0, NULL},
        {"250ms", NULL, 1, 250, 0, NULL},
        {"2s", "503", 1, 2000, 503, NULL},
        {NULL, "200", 1, 0, 200, NULL},
        {NULL, "599", 1, 0, 599, NULL},
        {"0", NULL, 1, 0, 0, NULL},
        {"30s", NULL, 1, 30000, 0, NULL},
        {"31s", NULL, 0, 0, 0, "delay: longer than --max-delay"},
        {"soon", NULL, 0, 0, 0, "delay:"},
        {"-5ms", NULL, 0, 0, 0, "delay:"},
        {NULL, "199", 0, 0, 0, "status:"},
        {NULL, "600", 0, 0, 0, "status:"},
        {NULL, "5O3", 0, 0, 0, "status:"},
        {NULL, "", 0, 0, 0, "status:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct faults_request fr;
        const char *why = faults_parse_request(cases[i].delay, cases[i].status, 30000, &fr);
        if (cases[i].ok) {
            if (why)
                fail_msg("case %zu: %s", i, why);
            assert_int_equal(fr.delay_ms, cases[i].ms);
            assert_int_equal(fr.status, cases[i].code);
        } else {
            assert_non_null(why);
            assert_non_null(strstr(why, cases[i].why));
        }
    }
}

static void test_parse_ready(void **state)
{
    (void)state;
    int r = -1;
    assert_null(faults_parse_ready("false", &r));
    assert_int_equal(r, 0);
    assert_null(faults_parse_ready("true", &r));
    assert_int_equal(r, 1);
    assert_null(faults_parse_ready("0", &r));
    assert_int_equal(r, 0);
    assert_non_null(faults_parse_ready(NULL, &r));
    assert_non_null(faults_parse_ready("maybe", &r));
}

static void test_lifecycle(void **state)
{
    (void)state;
    struct faults f;
    /* Not allowed: no thread, delays refused. */
    assert_int_equal(faults_init(&f, 0, 1000, &(struct error){0}), 0);
    assert_int_equal(faults_delay(&f, NULL, 10), -1);
    assert_int_equal(faults_pending(&f), 0);
    faults_destroy(&f);
    /* Allowed: the thread starts and stops cleanly with nothing pending. */
    assert_int_equal(faults_init(&f, 1, 1000, &(struct error){0}), 0);
    assert_int_equal(atomic_load(&f.forced_not_ready), 0);
    faults_release_all(&f);
    assert_int_equal(faults_delay(&f, NULL, 10), -1); /* after release: refused */
    faults_destroy(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_request),
        cmocka_unit_test(test_parse_ready),
        cmocka_unit_test(test_lifecycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
