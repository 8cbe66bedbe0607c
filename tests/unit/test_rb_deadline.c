/* Unit tests for rebel-base/deadline: which connections expire when. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deadline.h"

struct expired {
    int fds[16];
    size_t n;
};

static void record(int fd, void *ctx)
{
    struct expired *e = ctx;
    assert_true(e->n < 16);
    e->fds[e->n++] = fd;
}

/* A table of steps against one deadline of 1000 ms: open fd at t, mark done,
 * close, or sweep at t expecting exactly the listed fds. */
enum op { OPEN, DONE, CLOSE, SWEEP };
struct step {
    enum op op;
    int fd;          /* OPEN/DONE/CLOSE: the connection */
    uint64_t t;      /* OPEN: accept time; SWEEP: now */
    int expect[4];   /* SWEEP: expired fds, -1 terminated */
    size_t pending;  /* after the step */
};

static void run_steps(const struct step *steps, size_t n)
{
    struct deadline d;
    struct deadline_conn *conns[16] = {0};
    assert_int_equal(deadline_init(&d, 1000, &(struct error){0}), 0);
    for (size_t i = 0; i < n; i++) {
        const struct step *st = &steps[i];
        struct expired e = {.n = 0};
        switch (st->op) {
        case OPEN:
            conns[st->fd] = deadline_open(&d, st->fd, st->t);
            assert_non_null(conns[st->fd]);
            break;
        case DONE: deadline_done(conns[st->fd]); break;
        case CLOSE:
            deadline_close(&d, conns[st->fd]);
            conns[st->fd] = NULL;
            break;
        case SWEEP: {
            size_t want = 0;
            while (want < 4 && st->expect[want] >= 0)
                want++;
            size_t got = deadline_sweep(&d, st->t, record, &e);
            if (got != want || e.n != want)
                fail_msg("step %zu: sweep at %llu expired %zu, want %zu", i,
                         (unsigned long long)st->t, got, want);
            for (size_t k = 0; k < want; k++)
                if (e.fds[k] != st->expect[k])
                    fail_msg("step %zu: expired fd %d, want %d", i, e.fds[k], st->expect[k]);
            break;
        }
        }
        if (deadline_pending(&d) != st->pending)
            fail_msg("step %zu: %zu pending, want %zu", i, deadline_pending(&d), st->pending);
    }
    for (size_t k = 0; k < 16; k++) /* what MHD's CLOSED would do */
        deadline_close(&d, conns[k]);
    assert_int_equal(deadline_pending(&d), 0);
    deadline_destroy(&d);
}

static void test_expiry(void **state)
{
    (void)state;
    static const struct step steps[] = {
        {OPEN, 3, 0, {-1}, 1},
        {OPEN, 4, 500, {-1}, 2},
        {OPEN, 5, 1500, {-1}, 3},
        {SWEEP, 0, 999, {-1}, 3},          /* nobody is due yet */
        {DONE, 4, 0, {-1}, 3},             /* 4 sent its head in time */
        {SWEEP, 0, 1000, {3, -1}, 2},      /* due exactly now: expires */
        {SWEEP, 0, 1000, {-1}, 2},         /* expired once only */
        {SWEEP, 0, 2000, {-1}, 1},         /* 4 is done: dropped, not expired */
        {SWEEP, 0, 2500, {5, -1}, 0},
        {SWEEP, 0, 99999, {-1}, 0},
    };
    run_steps(steps, sizeof steps / sizeof steps[0]);
}

static void test_close_before_due(void **state)
{
    (void)state;
    static const struct step steps[] = {
        {OPEN, 7, 0, {-1}, 1},
        {OPEN, 8, 0, {-1}, 2},
        {CLOSE, 7, 0, {-1}, 1},            /* closed: its fd may be reused */
        {OPEN, 7, 900, {-1}, 2},           /* the same fd, a new connection */
        {SWEEP, 0, 1000, {8, -1}, 1},      /* the old 7 never expires */
        {SWEEP, 0, 1900, {7, -1}, 0},
    };
    run_steps(steps, sizeof steps / sizeof steps[0]);
}

static void test_out_of_order_open(void **state)
{
    (void)state;
    /* Threads may register with clock readings slightly out of order. */
    static const struct step steps[] = {
        {OPEN, 1, 300, {-1}, 1},
        {OPEN, 2, 100, {-1}, 2},
        {OPEN, 3, 200, {-1}, 3},
        {SWEEP, 0, 1100, {2, -1}, 2},
        {SWEEP, 0, 1300, {3, 1, -1}, 0},
    };
    run_steps(steps, sizeof steps / sizeof steps[0]);
}

static void test_disabled(void **state)
{
    (void)state;
    struct deadline d;
    struct expired e = {.n = 0};
    assert_int_equal(deadline_init(&d, 0, &(struct error){0}), 0);
    assert_null(deadline_open(&d, 3, 0));
    deadline_done(NULL);
    deadline_close(&d, NULL);
    assert_int_equal(deadline_sweep(&d, UINT64_MAX, record, &e), 0);
    assert_int_equal(e.n, 0);
    deadline_destroy(&d);
}

static void test_bad_fd(void **state)
{
    (void)state;
    struct deadline d;
    assert_int_equal(deadline_init(&d, 1000, &(struct error){0}), 0);
    assert_null(deadline_open(&d, -1, 0));
    assert_int_equal(deadline_pending(&d), 0);
    deadline_destroy(&d);
}

static void test_destroy_frees_registered(void **state)
{
    (void)state;
    struct deadline d;
    assert_int_equal(deadline_init(&d, 1000, &(struct error){0}), 0);
    assert_non_null(deadline_open(&d, 3, 0));
    assert_non_null(deadline_open(&d, 4, 0));
    deadline_destroy(&d); /* leak-checked under ASan */
    /* and without it: nothing is left registered */
    assert_null(d.head);
    assert_int_equal(d.pending, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expiry),          cmocka_unit_test(test_close_before_due),
        cmocka_unit_test(test_out_of_order_open), cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_bad_fd),          cmocka_unit_test(test_destroy_frees_registered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
