/* Unit tests for xwing probe: its state across rounds (probe_state), the
 * /metrics and / texts (probe_render) and the round schedule (probe_loop). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe_loop.h"
#include "probe_render.h"
#include "probe_state.h"

#define T0 "http://k:80/"
#define T1 "http://t:80/"

static const char *const urls[] = {T0, T1};

/* A reply with this body, or a transport failure (err != FIRE_OK). */
static void feed(struct probe_state *s, size_t target, enum fire_err err, long status,
                 const char *body, uint64_t us)
{
    struct fire_outcome o = {.err = err, .status = status, .body = body ? body : "",
                             .body_len = body ? strlen(body) : 0, .latency_us = us,
                             .detail = "", .target = target};
    probe_round_count(s, &o);
}

static void reply(struct probe_state *s, size_t target, const char *cluster, uint64_t us)
{
    char body[256];
    snprintf(body, sizeof body, "{\"Cluster\": \"%s\"}", cluster);
    feed(s, target, FIRE_OK, 200, body, us);
}

static struct probe_state *state_new(size_t n, const struct expect *e)
{
    struct probe_state *s = malloc(sizeof *s);
    assert_non_null(s);
    assert_int_equal(probe_state_init(s, urls, n, e, REPLY_BY_KEY, "Cluster"), 0);
    return s;
}

static void state_free(struct probe_state *s)
{
    probe_state_free(s);
    free(s);
}

static void has(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("missing '%s' in:\n%s", line, text);
}

static void lacks(const char *text, const char *part)
{
    if (strstr(text, part))
        fail_msg("unexpected '%s' in:\n%s", part, text);
}

static void test_bucket(void **state)
{
    (void)state;
    static const struct { uint64_t us; size_t want; } cases[] = {
        {0, 0}, {500, 0}, {501, 1}, {1000, 1}, {1001, 2}, {99999, 7}, {100000, 7},
        {1000000, 10}, {10000000, 13}, {10000001, 14}, {UINT64_MAX, 14},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (probe_bucket(cases[i].us) != cases[i].want)
            fail_msg("%llu us: bucket %zu, want %zu", (unsigned long long)cases[i].us,
                     probe_bucket(cases[i].us), cases[i].want);
}

static void test_next_due(void **state)
{
    (void)state;
    static const struct { uint64_t due, now, every, want; } cases[] = {
        {0, 10, 1000, 1000},       /* a quick round: the grid holds */
        {1000, 1999, 1000, 2000},  /* ended just before the next is due */
        {1000, 2000, 1000, 2000},  /* exactly due */
        {1000, 2500, 1000, 2500},  /* overran: the next starts at once */
        {1000, 9999, 1000, 9999},  /* overran many periods: one round, no burst */
        {5, 5, 1, 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(probe_next_due(cases[i].due, cases[i].now, cases[i].every),
                         cases[i].want);
}

static void test_fail_kind(void **state)
{
    (void)state;
    static const struct { enum tally_fail k; long status; const char *want; } cases[] = {
        {TALLY_TIMEOUT, 0, "timeout"}, {TALLY_REFUSED, 0, "refused"}, {TALLY_DNS, 0, "dns"},
        {TALLY_HTTP, 503, "http_503"}, {TALLY_HTTP, 404, "http_404"},
        {TALLY_HTTP, 0, "http_unknown"}, {TALLY_HTTP, 600, "http_unknown"},
        {TALLY_NOT_JSON, 0, "not_json"}, {TALLY_NO_KEY, 0, "no_key"},
        {TALLY_TOO_LARGE, 0, "too_large"}, {TALLY_OTHER, 0, "other"}, {TALLY_BLOCKED, 0, "blocked"},
        {TALLY_NOT_HTTP, 0, "not_http"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        probe_fail_kind(cases[i].k, cases[i].status, buf, sizeof buf);
        assert_string_equal(buf, cases[i].want);
    }
}

/* Two rounds: the totals add up, the last round is the second alone. */
static void test_rounds(void **state)
{
    (void)state;
    struct expect e;
    expect_init(&e);
    struct probe_state *s = state_new(2, &e);
    probe_round_start(s);
    reply(s, 0, "Koornacht", 300);
    reply(s, 0, "Koornacht", 700);
    reply(s, 1, "Tion", 300);
    feed(s, 1, FIRE_REFUSED, 0, NULL, 100);
    probe_round_finish(s, 5000000);
    probe_round_start(s);
    feed(s, 0, FIRE_REFUSED, 0, NULL, 100);
    feed(s, 0, FIRE_OK, 503, "busy", 2000000);
    reply(s, 1, "Tion", 300);
    reply(s, 1, "Tion", 300);
    probe_round_finish(s, 7000000);

    const struct probe_target *k = &s->targets[0], *t = &s->targets[1];
    assert_int_equal(k->rounds, 2);
    assert_int_equal(k->total.tally.ok, 2);
    assert_int_equal(k->total.tally.failed, 2);
    assert_int_equal(k->total.tally.fail[TALLY_REFUSED], 1);
    assert_int_equal(k->total.tally.http[503], 1);
    assert_int_equal(tally_count(&k->total.tally, "Koornacht"), 2);
    assert_int_equal(tally_count(&k->last->tally, "Koornacht"), 0);
    assert_int_equal(k->last->tally.failed, 2);
    assert_int_equal(k->total.elapsed_ns, 12000000);
    assert_int_equal(k->last->elapsed_ns, 7000000);
    /* Durations: every request, failed ones included, in its bucket. */
    assert_int_equal(k->total.duration[0], 2);  /* 300 and the refused 100 */
    assert_int_equal(k->total.duration[1], 1);
    assert_int_equal(k->total.duration[11], 1); /* 2 s: (1, 2.5] */
    assert_int_equal(k->total.duration_sum_us, 300 + 700 + 100 + 2000000);
    /* The latency histogram (text report) has the HTTP responses only. */
    assert_int_equal(k->total.latency.n, 3);
    assert_int_equal(tally_count(&t->total.tally, "Tion"), 3);
    assert_int_equal(probe_share(&t->last->tally, 2), 1.0);
    assert_int_equal(s->judged, 0);
    state_free(s);
}

static void test_share(void **state)
{
    (void)state;
    struct tally t;
    tally_init(&t);
    assert_true(probe_share(&t, 0) == 0.0); /* an empty round: 0, not NaN */
    tally_reply(&t, "a");
    tally_reply(&t, "b");
    tally_reply(&t, "b");
    tally_fail(&t, TALLY_REFUSED, 0);
    assert_true(probe_share(&t, 1) == 0.25);
    assert_true(probe_share(&t, 2) == 0.5);
}

/* Label values: the URL and the reply value, escaped; one family each. */
static void test_render_metrics(void **state)
{
    (void)state;
    struct expect e;
    expect_init(&e);
    struct probe_state *s = state_new(1, &e);
    char *m = probe_render_metrics(s);
    /* Before a round: counters at 0, no share yet. */
    has(m, "xwing_probe_rounds_total{target=\"" T0 "\"} 0\n");
    has(m, "xwing_probe_failures_total{target=\"" T0 "\",kind=\"refused\"} 0\n");
    has(m, "xwing_probe_request_duration_seconds_count{target=\"" T0 "\"} 0\n");
    lacks(m, "xwing_probe_last_round_share{");
    lacks(m, "expectation_ok");
    free(m);

    probe_round_start(s);
    reply(s, 0, "Koornacht", 400);
    reply(s, 0, "Koornacht", 400);
    /* Ti"on\ (reply values hold no control bytes: the newline case is promtext's) */
    feed(s, 0, FIRE_OK, 200, "{\"Cluster\": \"Ti\\\"on\\\\\"}", 600);
    feed(s, 0, FIRE_OK, 503, "x", 3000);
    probe_round_finish(s, 1000);
    m = probe_render_metrics(s);
    has(m, "# HELP xwing_probe_replies_total ");
    has(m, "# TYPE xwing_probe_replies_total counter\n");
    has(m, "xwing_probe_replies_total{target=\"" T0 "\",value=\"Koornacht\"} 2\n");
    has(m, "xwing_probe_replies_total{target=\"" T0 "\",value=\"Ti\\\"on\\\\\"} 1\n");
    has(m, "# TYPE xwing_probe_failures_total counter\n");
    has(m, "xwing_probe_failures_total{target=\"" T0 "\",kind=\"http_503\"} 1\n");
    has(m, "xwing_probe_failures_total{target=\"" T0 "\",kind=\"timeout\"} 0\n");
    has(m, "# TYPE xwing_probe_request_duration_seconds histogram\n");
    has(m, "xwing_probe_request_duration_seconds_bucket{target=\"" T0 "\",le=\"0.0005\"} 2\n");
    has(m, "xwing_probe_request_duration_seconds_bucket{target=\"" T0 "\",le=\"0.001\"} 3\n");
    has(m, "xwing_probe_request_duration_seconds_bucket{target=\"" T0 "\",le=\"0.005\"} 4\n");
    has(m, "xwing_probe_request_duration_seconds_bucket{target=\"" T0 "\",le=\"+Inf\"} 4\n");
    has(m, "xwing_probe_request_duration_seconds_sum{target=\"" T0 "\"} 0.0044\n");
    has(m, "xwing_probe_rounds_total{target=\"" T0 "\"} 1\n");
    has(m, "# TYPE xwing_probe_last_round_share gauge\n");
    has(m, "xwing_probe_last_round_share{target=\"" T0 "\",value=\"Koornacht\"} 0.5\n");
    has(m, "xwing_probe_last_round_share{target=\"" T0 "\",value=\"Ti\\\"on\\\\\"} 0.25\n");
    lacks(m, "value=\"(other values)\"");
    lacks(m, "expectation_ok");
    /* Each family announced once, before its samples. */
    assert_int_equal(strstr(m, "# TYPE xwing_probe_replies_total") <
                         strstr(m, "xwing_probe_replies_total{"), 1);
    assert_null(strstr(strstr(m, "# TYPE xwing_probe_replies_total") + 1,
                       "# TYPE xwing_probe_replies_total"));
    free(m);

    /* A value that stops answering stays, with share 0. */
    probe_round_start(s);
    reply(s, 0, "Koornacht", 400);
    probe_round_finish(s, 1000);
    m = probe_render_metrics(s);
    has(m, "xwing_probe_last_round_share{target=\"" T0 "\",value=\"Koornacht\"} 1\n");
    has(m, "xwing_probe_last_round_share{target=\"" T0 "\",value=\"Ti\\\"on\\\\\"} 0\n");
    free(m);
    state_free(s);
}

/* A request slower than the last bound (10 s) lands in +Inf only, and counts in
 * _count as in _sum, in the round it came in and in every later total. */
static void test_render_slow_requests(void **state)
{
    (void)state;
    struct expect e;
    expect_init(&e);
    struct probe_state *s = state_new(1, &e);
    probe_round_start(s);
    reply(s, 0, "Koornacht", 400);
    reply(s, 0, "Koornacht", 10000000); /* exactly the bound: still in it */
    feed(s, 0, FIRE_TIMEOUT, 0, NULL, 12000000);
    probe_round_finish(s, 1000);
    probe_round_start(s);
    feed(s, 0, FIRE_TIMEOUT, 0, NULL, 30000000);
    probe_round_finish(s, 1000);
    char *m = probe_render_metrics(s);
#define D "xwing_probe_request_duration_seconds"
    has(m, D "_bucket{target=\"" T0 "\",le=\"5\"} 1\n");
    has(m, D "_bucket{target=\"" T0 "\",le=\"10\"} 2\n");
    has(m, D "_bucket{target=\"" T0 "\",le=\"+Inf\"} 4\n");
    has(m, D "_sum{target=\"" T0 "\"} 52.0004\n");
    has(m, D "_count{target=\"" T0 "\"} 4\n");
#undef D
    free(m);
    state_free(s);
}

/* 64 values get their series; later ones fold into one, counted. */
static void test_cap(void **state)
{
    (void)state;
    struct expect e;
    char v[32], line[128];
    expect_init(&e);
    assert_null(expect_set_only(&e, "Pinned"));
    struct probe_state *s = state_new(1, &e);
    for (int round = 0; round < 4; round++) { /* 100 values over 4 rounds, the cap in total */
        probe_round_start(s);
        for (int i = 0; i < 25; i++) {
            snprintf(v, sizeof v, "v%03d", round * 25 + i);
            reply(s, 0, v, 100);
        }
        probe_round_finish(s, 1000);
    }
    probe_round_start(s);
    reply(s, 0, "Pinned", 100); /* after the cap: exact anyway, pinned from the start */
    reply(s, 0, "v099", 100);
    reply(s, 0, "v000", 100);
    probe_round_finish(s, 1000);

    const struct tally *t = &s->targets[0].total.tally;
    assert_int_equal(t->nvalues, TALLY_MAX_VALUES);
    assert_int_equal(tally_count(t, "Pinned"), 1);
    assert_int_equal(tally_count(t, "v000"), 2);
    assert_int_equal(t->other_values, 100 - 63 + 1); /* v063..v099, and v099 again */
    char *m = probe_render_metrics(s);
    size_t series = 0;
    for (const char *p = m; (p = strstr(p, "xwing_probe_replies_total{")); p++)
        series++;
    assert_int_equal(series, TALLY_MAX_VALUES + 1);
    has(m, "xwing_probe_replies_total{target=\"" T0 "\",value=\"Pinned\"} 1\n");
    snprintf(line, sizeof line, "xwing_probe_replies_total{target=\"" T0
                                "\",value=\"(other values)\"} %d\n", 38);
    has(m, line);
    has(m, "xwing_probe_last_round_share{target=\"" T0 "\",value=\"(other values)\"} "
           "0.333333333333333\n");
    has(m, "xwing_probe_last_round_share{target=\"" T0 "\",value=\"v000\"} 0.333333333333333\n");
    has(m, "xwing_probe_expectation_ok{target=\"" T0 "\"} 0\n"); /* --expect-only Pinned */
    free(m);
    state_free(s);
}

/* With an expectation: judged per round, pinned values listed at 0, the
 * verdict's change flagged once for the log. */
static void test_expectation(void **state)
{
    (void)state;
    struct expect e;
    expect_init(&e);
    assert_null(expect_set_all(&e, "Koornacht,Tion"));
    struct probe_state *s = state_new(1, &e);
    char *m = probe_render_metrics(s);
    has(m, "xwing_probe_replies_total{target=\"" T0 "\",value=\"Tion\"} 0\n");
    lacks(m, "xwing_probe_expectation_ok{"); /* no round judged yet */
    free(m);
    static const struct { const char *a, *b; int ok, changed; } rounds[] = {
        {"Koornacht", "Tion", 1, 1}, {"Tion", "Koornacht", 1, 0},
        {"Tion", "Tion", 0, 1}, {"Tion", "Tion", 0, 0}, {"Koornacht", "Tion", 1, 1},
    };
    for (size_t i = 0; i < sizeof rounds / sizeof rounds[0]; i++) {
        probe_round_start(s);
        reply(s, 0, rounds[i].a, 100);
        reply(s, 0, rounds[i].b, 100);
        probe_round_finish(s, 1000);
        assert_int_equal(s->targets[0].verdict.ok, rounds[i].ok);
        assert_int_equal(s->targets[0].verdict_changed, rounds[i].changed);
        m = probe_render_metrics(s);
        has(m, rounds[i].ok ? "xwing_probe_expectation_ok{target=\"" T0 "\"} 1\n"
                            : "xwing_probe_expectation_ok{target=\"" T0 "\"} 0\n");
        free(m);
    }
    state_free(s);
}

static void test_render_page(void **state)
{
    (void)state;
    struct expect e;
    expect_init(&e);
    assert_null(expect_set_only(&e, "Tion"));
    struct probe_state *s = state_new(2, &e);
    char *p = probe_render_page(s, "xwing probe: 2 targets", 65536);
    has(p, "xwing probe: 2 targets\n");
    has(p, "== " T0 ": 0 rounds\n(no round finished yet)\n");
    free(p);
    probe_round_start(s);
    reply(s, 0, "Koornacht", 100);
    reply(s, 1, "Tion", 100);
    feed(s, 1, FIRE_TOO_LARGE, 0, NULL, 100);
    probe_round_finish(s, 2000000);
    p = probe_render_page(s, "h", 1000);
    has(p, "== " T0 ": 1 round\n-- last round\nxwing: 1 request to 1 target, by key Cluster\n");
    has(p, "expect FAILED: ");
    has(p, "== " T1 ": 1 round\n");
    has(p, "too-large: reply body over --max-body (1000 bytes)");
    has(p, "-- all rounds\n");
    free(p);
    state_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket),         cmocka_unit_test(test_next_due),
        cmocka_unit_test(test_fail_kind),      cmocka_unit_test(test_rounds),
        cmocka_unit_test(test_share),          cmocka_unit_test(test_render_metrics),
        cmocka_unit_test(test_cap),            cmocka_unit_test(test_expectation),
        cmocka_unit_test(test_render_page),  cmocka_unit_test(test_render_slow_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
