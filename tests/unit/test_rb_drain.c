/* Unit tests for rebel-base/drain: serving through --drain and the grace wait
 * on a fake clock and a fake in-flight count, and the exit status and line for
 * what the grace left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "drain.h"

/* A fake world: time moves only when the wait sleeps; requests finish at
 * given times (or never, at UINT64_MAX). */
static struct {
    uint64_t now;
    uint64_t done_at[4];
    size_t n;
    unsigned ticks;
} world;

static uint64_t fake_now(void)
{
    return world.now;
}

static void fake_sleep(uint64_t ms)
{
    world.now += ms;
}

static long fake_inflight(void *ctx)
{
    long left = 0;
    (void)ctx;
    for (size_t i = 0; i < world.n; i++)
        left += world.now < world.done_at[i];
    return left;
}

static void fake_tick(void *ctx)
{
    (void)ctx;
    world.ticks++;
}

static void test_wait(void **state)
{
    (void)state;
    static const struct {
        uint64_t done_at[4];
        size_t n;
        uint64_t settle, grace;
        long left;
        uint64_t ended_at; /* fake ms when the wait returned */
    } cases[] = {
        /* nothing in flight: still waits out the settle time */
        {{0}, 0, 100, 10000, 0, 100},
        {{0}, 0, 0, 10000, 0, 0},
        /* finishes within the grace: returns as soon as it did (5 ms polls) */
        {{300}, 1, 100, 10000, 0, 300},
        {{300, 1200}, 2, 100, 10000, 0, 1200},
        /* never finishes: the grace bounds the wait, and says what is left */
        {{UINT64_MAX}, 1, 100, 500, 1, 500},
        {{UINT64_MAX, UINT64_MAX, 200}, 3, 100, 500, 2, 500},
        /* grace 0: no wait at all */
        {{UINT64_MAX}, 1, 100, 0, 1, 0},
    };
    struct drain_probe p = {fake_inflight, fake_tick, fake_now, fake_sleep, NULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&world, 0, sizeof world);
        world.now = 0;
        memcpy(world.done_at, cases[i].done_at, sizeof world.done_at);
        world.n = cases[i].n;
        long left = drain_wait(&p, cases[i].settle, cases[i].grace);
        if (left != cases[i].left || world.now != cases[i].ended_at)
            fail_msg("case %zu: left %ld at %llu ms; want %ld at %llu ms", i, left,
                     (unsigned long long)world.now, cases[i].left,
                     (unsigned long long)cases[i].ended_at);
    }
    /* housekeeping runs while waiting (header deadlines keep being swept) */
    memset(&world, 0, sizeof world);
    world.done_at[0] = 50, world.n = 1;
    drain_wait(&p, 0, 1000);
    assert_int_equal(world.ticks, 10);
}

static void test_serve(void **state)
{
    (void)state;
    static const struct {
        uint64_t drain, interval;
        unsigned ticks; /* housekeeping passes (reloads followed) */
    } cases[] = {
        {2000, 100, 20}, /* the defaults: every watch interval */
        {250, 100, 3},   /* the last sleep is cut to what is left: 100, 100, 50 */
        {50, 100, 1},
        {0, 100, 0},     /* --drain 0: straight on */
    };
    struct drain_probe p = {fake_inflight, fake_tick, fake_now, fake_sleep, NULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&world, 0, sizeof world);
        world.now = 1000;
        drain_serve(&p, cases[i].drain, cases[i].interval);
        if (world.ticks != cases[i].ticks || world.now != 1000 + cases[i].drain)
            fail_msg("case %zu: %u ticks, ended at %llu ms", i, world.ticks,
                     (unsigned long long)world.now);
    }
}

/* drain_run's steps, as the fake clock saw them: "b@0" is begin at 0 ms. */
static char steps[256];

static void step(const char *what)
{
    size_t len = strlen(steps);
    snprintf(steps + len, sizeof steps - len, "%s%s@%llu", len ? " " : "", what,
             (unsigned long long)world.now);
}

static void on_begin(void *ctx) { (void)ctx; step("begin"); }
static void on_stop(void *ctx) { (void)ctx; step("stop"); }
static void on_release(void *ctx)
{
    (void)ctx;
    step("release");
    for (size_t i = 0; i < world.n; i++) /* delayed requests answered now */
        if (world.done_at[i] == UINT64_MAX)
            world.done_at[i] = world.now + 20;
}

static void test_run(void **state)
{
    (void)state;
    static const struct {
        uint64_t drain, grace, done_at;
        long left;
        const char *steps;
    } cases[] = {
        /* finishes while still serving: stop after --drain, settle, done */
        {2000, 5000, 300, 0, "begin@0 stop@2000"},
        /* finishes after the listener closed, within the grace */
        {1000, 5000, 1500, 0, "begin@0 stop@1000"},
        /* never finishes: the grace runs out, delayed requests are released */
        {1000, 500, UINT64_MAX, 1, "begin@0 stop@1000 release@1500"},
        /* --drain 0 --grace 0 */
        {0, 0, UINT64_MAX, 1, "begin@0 stop@0 release@0"},
    };
    FILE *devnull = fopen("/dev/null", "w");
    struct log lg = {"test", LOG_TEXT, devnull};
    struct drain_server srv = {fake_inflight, on_begin, fake_tick, fake_tick, on_stop,
                               on_release, NULL};
    assert_non_null(devnull);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct drain_plan plan = {15, cases[i].drain, cases[i].grace, 100, fake_now, fake_sleep};
        memset(&world, 0, sizeof world);
        steps[0] = '\0';
        world.done_at[0] = cases[i].done_at, world.n = 1;
        long left = drain_run(&srv, &plan, &lg);
        if (left != cases[i].left || strcmp(steps, cases[i].steps) != 0)
            fail_msg("case %zu: left %ld, steps '%s'", i, left, steps);
    }
    fclose(devnull);
}

static void test_exit(void **state)
{
    (void)state;
    static const struct { long cut; int status; const char *msg; } cases[] = {
        {0, 0, "clean shutdown"},
        {1, DRAIN_EXIT_GRACE_EXPIRED, "grace expired: 1 request cut short"},
        {2, DRAIN_EXIT_GRACE_EXPIRED, "grace expired: 2 requests cut short"},
        {-1, 0, "clean shutdown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[96];
        assert_int_equal(drain_exit(cases[i].cut, msg, sizeof msg), cases[i].status);
        assert_string_equal(msg, cases[i].msg);
    }
    assert_int_equal(DRAIN_EXIT_GRACE_EXPIRED, 3); /* documented in --help and the README */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve),
        cmocka_unit_test(test_wait),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
