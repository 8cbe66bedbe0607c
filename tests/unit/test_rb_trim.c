/* Unit tests for rebel-base/trim: when memory goes back to the kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trim.h"

static void test_due_table(void **state)
{
    (void)state;
    static const struct {
        int64_t peak, open;
        uint64_t last_ms, now_ms;
        int due;
    } cases[] = {
        {0, 0, 0, 5000, 0},          /* nothing ever opened */
        {255, 0, 0, 5000, 0},        /* a drop under min_drop: steady traffic */
        {256, 0, 0, 5000, 1},        /* exactly min_drop, never released before */
        {8000, 7744, 0, 5000, 1},    /* mid-burst, most still open */
        {8000, 7745, 0, 5000, 0},
        {8000, 0, 4001, 5000, 0},    /* 999 ms after the last release */
        {8000, 0, 4000, 5000, 1},    /* exactly interval_ms after */
        {8000, 9000, 0, 5000, 0},    /* more open than the peak seen (a late sample) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (trim_due(cases[i].peak, cases[i].open, cases[i].last_ms, cases[i].now_ms, 256, 1000) !=
            cases[i].due)
            fail_msg("case %zu: peak %lld open %lld last %llu now %llu: want %d", i,
                     (long long)cases[i].peak, (long long)cases[i].open,
                     (unsigned long long)cases[i].last_ms, (unsigned long long)cases[i].now_ms,
                     cases[i].due);
}

static int main_releases, thread_releases;
static void count_main(void) { main_releases++; }
static void count_thread(void) { thread_releases++; }

/* A burst of 8,000 connections: one release on main once it is over, the
 * thread release on the next connection event only, and none for traffic
 * that never drops by min_drop. The old code had no release at all. */
static void test_burst(void **state)
{
    (void)state;
    struct trim t;
    main_releases = thread_releases = 0;
    trim_init(&t, TRIM_MIN_DROP, TRIM_INTERVAL_MS, count_main, count_thread);
    for (int64_t open = 1; open <= 8000; open++)
        assert_int_equal(trim_connection(&t, open, 1), 0);
    assert_int_equal(trim_tick(&t, 8000, 1000), 0); /* at the peak: nothing to give back */
    for (int64_t open = 7999; open >= 100; open--)
        assert_int_equal(trim_connection(&t, open, 0), 0);
    assert_int_equal(trim_tick(&t, 100, 1100), 7900); /* 7,900 closed since the peak */
    assert_int_equal(main_releases, 1);
    assert_int_equal(thread_releases, 0);
    assert_int_equal(trim_connection(&t, 99, 0), 1); /* the next event, on its thread */
    assert_int_equal(trim_connection(&t, 98, 0), 0); /* once */
    assert_int_equal(thread_releases, 1);
    /* The rest closes within the interval: released on the first tick after it. */
    for (int64_t open = 97; open >= 0; open--)
        trim_connection(&t, open, 0);
    assert_int_equal(trim_tick(&t, 0, 1500), 0); /* 100 closed: under min_drop anyway */
    /* Steady churn of 200 connections for a while: never a release. */
    for (uint64_t ms = 2000; ms < 60000; ms += 100) {
        for (int64_t open = 1; open <= 200; open++)
            trim_connection(&t, open, 1);
        for (int64_t open = 199; open >= 0; open--)
            trim_connection(&t, open, 0);
        assert_int_equal(trim_tick(&t, 0, ms), 0);
    }
    assert_int_equal(main_releases, 1);
    assert_int_equal(t.releases, 1);
}

/* glibc (no thread release): nothing is marked pending for the threads. */
static void test_no_thread_release(void **state)
{
    (void)state;
    struct trim t;
    main_releases = 0;
    trim_init(&t, 10, 1000, count_main, NULL);
    for (int64_t open = 1; open <= 50; open++)
        trim_connection(&t, open, 1);
    assert_int_equal(trim_tick(&t, 0, 5000), 50);
    assert_int_equal(trim_connection(&t, 1, 1), 0);
    assert_int_equal(main_releases, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due_table),
        cmocka_unit_test(test_burst),
        cmocka_unit_test(test_no_thread_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
