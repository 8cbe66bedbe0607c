/* Unit tests for common/clock: the log stamp's text for given instants, and
 * the ordering of timespecs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"

#define S 1000000000ull

static void test_rfc3339(void **state)
{
    (void)state;
    static const struct { uint64_t ns; const char *want; } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {999999, "1970-01-01T00:00:00.000Z"},
        {1000000, "1970-01-01T00:00:00.001Z"},
        {S - 1, "1970-01-01T00:00:00.999Z"}, /* truncated: not the next second */
        {1796523000ull * S + 123456789, "2026-12-06T02:10:00.123Z"},
        {951782400ull * S + 500000000, "2000-02-29T00:00:00.500Z"},
        {4102444799ull * S + 999000000, "2099-12-31T23:59:59.999Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        clock_rfc3339_at(cases[i].ns, buf, sizeof buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%llu ns: '%s', want '%s'", (unsigned long long)cases[i].ns, buf,
                     cases[i].want);
    }
    char now[32];
    clock_rfc3339(now, sizeof now);
    assert_int_equal(strlen(now), 24);
    assert_int_equal(now[23], 'Z');
}

static void test_before(void **state)
{
    (void)state;
    static const struct { struct timespec a, b; int want; } cases[] = {
        {{1, 0}, {2, 0}, 1},
        {{2, 0}, {1, 0}, 0},
        {{1, 5}, {1, 6}, 1},
        {{1, 6}, {1, 5}, 0},
        {{1, 5}, {1, 5}, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(clock_ts_before(&cases[i].a, &cases[i].b), cases[i].want);
}

/* clock_sleep_ms sleeps at least as long as asked (a short sleep must not
 * return at once: the drain's 5 ms polls would spin). */
static void test_sleep(void **state)
{
    (void)state;
    static const uint64_t ms[] = {1, 5, 20, 1001};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        uint64_t t0 = clock_mono_ns();
        clock_sleep_ms(ms[i]);
        uint64_t took = clock_mono_ns() - t0;
        if (took < ms[i] * 1000000u)
            fail_msg("clock_sleep_ms(%llu) returned after %llu us", (unsigned long long)ms[i],
                     (unsigned long long)(took / 1000));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_before),
        cmocka_unit_test(test_sleep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
