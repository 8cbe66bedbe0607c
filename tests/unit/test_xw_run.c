/* Unit tests for x-wing/core/fire's error classes, run_count's mapping of an
 * outcome to its row ({outcome, expected row}), how a run ended, and
 * run_report's verdict and report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "expect.h"
#include "fire.h"
#include "report.h"
#include "run.h"
#include "spec.h"

static void test_classify(void **state)
{
    (void)state;
    static const struct { int code, too_large, blocked, resolved; enum fire_err want; } cases[] = {
        {CURLE_OK, 0, 0, 1, FIRE_OK},
        {CURLE_OPERATION_TIMEDOUT, 0, 0, 1, FIRE_TIMEOUT},
        {CURLE_COULDNT_CONNECT, 0, 0, 1, FIRE_REFUSED},
        {CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0, FIRE_DNS},
        /* out of time while the name was still being looked up (DNS dropped) */
        {CURLE_OPERATION_TIMEDOUT, 0, 0, 0, FIRE_DNS},
        {CURLE_FILESIZE_EXCEEDED, 0, 0, 1, FIRE_TOO_LARGE},
        {CURLE_WRITE_ERROR, 1, 0, 1, FIRE_TOO_LARGE},
        {CURLE_WRITE_ERROR, 0, 0, 1, FIRE_OTHER},
        {CURLE_GOT_NOTHING, 0, 0, 1, FIRE_OTHER},
        {CURLE_RECV_ERROR, 0, 0, 1, FIRE_OTHER},
        {CURLE_WEIRD_SERVER_REPLY, 0, 0, 1, FIRE_OTHER},
        /* not HTTP (an SSH banner): libcurl's "Received HTTP/0.9 when not allowed" */
        {CURLE_UNSUPPORTED_PROTOCOL, 0, 0, 1, FIRE_NOT_HTTP},
        /* every address refused by the admit hook: libcurl says it could not connect */
        {CURLE_COULDNT_CONNECT, 0, 1, 1, FIRE_BLOCKED},
        /* a refused address, then a timeout on another: the timeout is the outcome */
        {CURLE_OPERATION_TIMEDOUT, 0, 1, 1, FIRE_TIMEOUT},
        {CURLE_OK, 0, 1, 1, FIRE_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(fire_classify(cases[i].code, cases[i].too_large, cases[i].blocked,
                                       cases[i].resolved),
                         cases[i].want);
}

static void test_count(void **state)
{
    (void)state;
    static const struct {
        enum fire_err err;
        long status;
        const char *body, *served_by;
        enum reply_by by;
        int ok;
        const char *row;
        int timed; /* counted in the latency histogram */
    } cases[] = {
        {FIRE_OK, 200, "{\"Cluster\":\"Tion\"}", NULL, REPLY_BY_KEY, 1, "Tion", 1},
        {FIRE_OK, 200, "{\"Cluster\":\"Tion\"}", "pod-1", REPLY_BY_POD, 1, "pod-1", 1},
        {FIRE_OK, 200, "x", NULL, REPLY_BY_IP, 1, "10.0.0.1", 1},
        {FIRE_OK, 500, "{}", NULL, REPLY_BY_KEY, 0, "http 500", 1},
        {FIRE_OK, 200, "<html>", NULL, REPLY_BY_KEY, 0, "not-json", 1},
        {FIRE_OK, 200, "{}", NULL, REPLY_BY_KEY, 0, "no-key", 1},
        {FIRE_OK, 200, "{}", NULL, REPLY_BY_POD, 0, "no-key", 1},
        {FIRE_TIMEOUT, 0, "", NULL, REPLY_BY_KEY, 0, "timeout", 0},
        {FIRE_REFUSED, 0, "", NULL, REPLY_BY_KEY, 0, "refused", 0},
        {FIRE_DNS, 0, "", NULL, REPLY_BY_KEY, 0, "dns", 0},
        {FIRE_TOO_LARGE, 200, "{\"Cluster\":", NULL, REPLY_BY_KEY, 0, "too-large", 0},
        {FIRE_NOT_HTTP, 0, "", NULL, REPLY_BY_KEY, 0, "not-http", 0},
        {FIRE_OTHER, 0, "", NULL, REPLY_BY_KEY, 0, "other", 0},
    };
    struct tally *t = malloc(sizeof *t);
    struct histogram *h = malloc(sizeof *h);
    tally_init(t);
    histogram_init(h);
    uint64_t timed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fire_outcome o = {cases[i].err, cases[i].status, cases[i].body,
                                 strlen(cases[i].body), cases[i].served_by, "10.0.0.1", 1500,
                                 "", 0};
        char label[REPLY_LABEL_MAX];
        int ok = run_count(&o, cases[i].by, "Cluster", t, h, label, sizeof label);
        assert_int_equal(ok, cases[i].ok);
        assert_string_equal(label, cases[i].row);
        timed += (uint64_t)cases[i].timed;
        assert_int_equal(h->n, timed);
        assert_int_equal(tally_total(t), i + 1); /* every outcome lands in exactly one row */
    }
    assert_int_equal(t->ok, 3);
    assert_int_equal(t->http[500], 1);
    free(t);
    free(h);
}

static void test_end_of(void **state)
{
    (void)state;
    static const struct {
        uint64_t requested, completed;
        int stopped;
        enum run_end want;
    } cases[] = {
        {10, 10, 0, RUN_END_COUNT},
        {10, 10, SIGINT, RUN_END_COUNT}, /* a signal after the last reply cut nothing */
        {10, 9, SIGINT, RUN_END_SIGNAL},
        {10, 9, 0, RUN_END_DURATION},
        {FIRE_UNLIMITED, 500, SIGTERM, RUN_END_SIGNAL},
        {FIRE_UNLIMITED, 500, 0, RUN_END_DURATION},
        {0, 0, 0, RUN_END_COUNT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(run_end_of(cases[i].requested, cases[i].completed, cases[i].stopped,
                                    RUN_END_SIGNAL, RUN_END_DURATION),
                         cases[i].want);
    assert_int_equal(run_end_of(100, 3, 1, RUN_END_SHUTDOWN, RUN_END_BUDGET), RUN_END_SHUTDOWN);
    assert_int_equal(run_end_of(100, 3, 0, RUN_END_SHUTDOWN, RUN_END_BUDGET), RUN_END_BUDGET);
}

/* run_outcome_of, as the client (signal, --duration) and serve (shutdown,
 * budget) call it: {requested, counted, stop flag, ends} -> the outcome. */
static void test_outcome_of(void **state)
{
    (void)state;
    static const struct run_ends client = {RUN_END_SIGNAL, RUN_END_DURATION, 5000};
    static const struct run_ends serve = {RUN_END_SHUTDOWN, RUN_END_BUDGET, 60000};
    static const struct {
        uint64_t requested, counted;
        int stopped;
        const struct run_ends *ends;
        struct run_outcome want;
    } cases[] = {
        {4, 4, 0, &client, {4, 4, RUN_END_COUNT, 0, 5000}},
        {4, 4, SIGINT, &client, {4, 4, RUN_END_COUNT, 0, 5000}},
        {4, 2, SIGTERM, &client, {4, 2, RUN_END_SIGNAL, SIGTERM, 5000}},
        {FIRE_UNLIMITED, 3, 0, &client, {FIRE_UNLIMITED, 3, RUN_END_DURATION, 0, 5000}},
        {4, 2, 1, &serve, {4, 2, RUN_END_SHUTDOWN, 0, 60000}},
        {4, 2, 0, &serve, {4, 2, RUN_END_BUDGET, 0, 60000}},
        {4, 4, 1, &serve, {4, 4, RUN_END_COUNT, 0, 60000}},
    };
    struct run_state *st = calloc(1, sizeof *st);
    assert_non_null(st);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct run_config cfg = {.fire = {.n = cases[i].requested}};
        tally_init(&st->tally);
        for (uint64_t k = 0; k < cases[i].counted; k++)
            tally_reply(&st->tally, "Koornacht");
        struct run_outcome o = run_outcome_of(&cfg, st, cases[i].ends, cases[i].stopped);
        assert_int_equal(o.requested, cases[i].want.requested);
        assert_int_equal(o.completed, cases[i].want.completed);
        assert_int_equal(o.end, cases[i].want.end);
        assert_int_equal(o.signal, cases[i].want.signal);
        assert_int_equal(o.limit_ms, cases[i].want.limit_ms);
    }
    free(st);
}

static void test_outcome_words(void **state)
{
    (void)state;
    static const struct {
        struct run_outcome o;
        const char *describe, *name;
        int interrupted, exit_status; /* for a verdict status of 1 */
    } cases[] = {
        {{10, 10, RUN_END_COUNT, 0, 0}, "", "count", 0, 1},
        {{100000000, 200, RUN_END_SIGNAL, SIGINT, 0},
         "interrupted after 200 of 100000000 requests (SIGINT)", "SIGINT", 1, 130},
        {{100, 20, RUN_END_SIGNAL, SIGTERM, 0},
         "interrupted after 20 of 100 requests (SIGTERM)", "SIGTERM", 1, 143},
        {{1, 0, RUN_END_SIGNAL, SIGINT, 0}, "interrupted after 0 of 1 request (SIGINT)", "SIGINT",
         1, 130},
        {{FIRE_UNLIMITED, 523, RUN_END_SIGNAL, SIGINT, 0},
         "interrupted after 523 requests (SIGINT)", "SIGINT", 1, 130},
        {{FIRE_UNLIMITED, 1, RUN_END_SIGNAL, SIGHUP, 0}, "interrupted after 1 request (signal 1)",
         "signal 1", 1, 129},
        /* a signal numbered above SIGTERM is named by its number too */
        {{FIRE_UNLIMITED, 1, RUN_END_SIGNAL, SIGWINCH, 0}, "interrupted after 1 request (signal 28)",
         "signal 28", 1, 156},
        {{100, 30, RUN_END_DURATION, 0, 5000},
         "stopped by --duration 5s after 30 of 100 requests", "duration", 0, 1},
        {{FIRE_UNLIMITED, 30, RUN_END_DURATION, 0, 1500}, "ran for --duration 1500ms",
         "duration", 0, 1},
        {{100, 3, RUN_END_BUDGET, 0, 60000},
         "interrupted after 3 of 100 requests (the 60s budget per tally ran out)", "budget", 1, 1},
        {{100, 3, RUN_END_SHUTDOWN, 0, 60000},
         "interrupted after 3 of 100 requests (xwing serve is stopping)", "shutdown", 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[160], name[32];
        run_outcome_describe(&cases[i].o, buf, sizeof buf);
        assert_string_equal(buf, cases[i].describe);
        run_end_name(&cases[i].o, name, sizeof name);
        assert_string_equal(name, cases[i].name);
        assert_int_equal(run_interrupted(&cases[i].o), cases[i].interrupted);
        assert_int_equal(run_exit_status(&cases[i].o, 1), cases[i].exit_status);
    }
    /* a planned end keeps the verdict's status, 0 included */
    struct run_outcome d = {.requested = 100, .completed = 30, .end = RUN_END_DURATION,
                            .limit_ms = 5000};
    assert_int_equal(run_exit_status(&d, 0), 0);
}

/* A finished run as the command line and /tally see it: the verdict with how
 * the run ended, and a report of the spec's targets, key and body cap. */
static void test_report(void **state)
{
    (void)state;
    static const char *const urls[] = {"http://k:80/", "http://t:80/"};
    struct run_state *st = malloc(sizeof *st);
    struct spec sp;
    struct expect e;
    struct expect_result er;

    spec_defaults(&sp);
    sp.n = 4;
    sp.max_body = 512;
    struct run_config cfg = spec_run_config(&sp, urls, 2);
    assert_int_equal(cfg.fire.n, 4);
    assert_int_equal(cfg.fire.c, 1);
    assert_int_equal(cfg.fire.timeout_ms, 2000);
    assert_int_equal(cfg.fire.max_body, 512);
    assert_string_equal(cfg.key, "Cluster");
    tally_init(&st->tally);
    histogram_init(&st->latency);
    st->elapsed_ns = 2000000000u;
    tally_reply(&st->tally, "Koornacht");
    tally_reply(&st->tally, "Tion");
    expect_init(&e);
    assert_null(expect_set_all(&e, "Koornacht,Tion"));

    struct run_outcome done = {.requested = 2, .completed = 2, .end = RUN_END_COUNT};
    struct report r = run_report(&cfg, st, &e, &done, &er);
    assert_true(er.ok);
    assert_string_equal(er.reason, "each of 2 expected values answered");
    assert_ptr_equal(r.expect, &er);
    assert_ptr_equal(r.outcome, &done);
    assert_ptr_equal(r.tally, &st->tally);
    assert_true(r.elapsed_s == 2.0);
    assert_int_equal(r.nurls, 2);
    assert_string_equal(r.urls[1], "http://t:80/");
    assert_int_equal(r.by, REPLY_BY_KEY);
    assert_string_equal(r.key, "Cluster");
    assert_int_equal(r.max_body, 512);

    /* Cut short, the same tally cannot hold. */
    struct run_outcome cut = {.requested = 4, .completed = 2, .end = RUN_END_SIGNAL,
                              .signal = SIGINT};
    r = run_report(&cfg, st, &e, &cut, &er);
    assert_false(er.ok);
    assert_true(er.interrupted);
    assert_string_equal(er.reason, "interrupted after 2 of 4 requests (SIGINT); so far held: "
                                   "each of 2 expected values answered");
    free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_end_of),
        cmocka_unit_test(test_outcome_of),
        cmocka_unit_test(test_outcome_words),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
