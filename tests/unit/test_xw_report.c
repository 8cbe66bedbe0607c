/* Unit tests for x-wing/core/report: the JSON shape (parsed back with cJSON) and
 * that the text summary shows the same rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "report.h"

struct fixture {
    struct tally t;
    struct histogram h;
    struct expect_result er;
};

static struct fixture *make(void)
{
    struct fixture *f = calloc(1, sizeof *f);
    tally_init(&f->t);
    histogram_init(&f->h);
    for (int i = 0; i < 5; i++)
        tally_reply(&f->t, "Koornacht");
    for (int i = 0; i < 3; i++)
        tally_reply(&f->t, "Tion");
    tally_fail(&f->t, TALLY_REFUSED, 0);
    tally_fail(&f->t, TALLY_HTTP, 503);
    /* Below 256 us the histogram is exact, so the figures can be asserted. */
    for (uint64_t us = 100; us <= 250; us += 10)
        histogram_add(&f->h, us);
    f->er.ok = 0;
    snprintf(f->er.reason, sizeof f->er.reason, "2 of 10 requests \"failed\"");
    return f;
}

static void test_json_shape(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a:80/", "http://b:8080/x"};
    static const struct { const char *value; double count, percent; const char *kind; } rows[] = {
        {"Koornacht", 5, 50.0, "reply"}, {"Tion", 3, 30.0, "reply"},
        {"http 503", 1, 10.0, "error"}, {"refused", 1, 10.0, "error"},
    };
    struct fixture *f = make();
    struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 2.0, .expect = &f->er,
                       .urls = urls, .nurls = 2, .by = REPLY_BY_KEY, .key = "Cluster"};
    char *s = report_json(&r);
    cJSON *o = cJSON_Parse(s);
    assert_non_null(o);
    assert_int_equal(cJSON_GetObjectItem(o, "requests")->valuedouble, 10);
    assert_int_equal(cJSON_GetObjectItem(o, "ok")->valuedouble, 8);
    assert_int_equal(cJSON_GetObjectItem(o, "failed")->valuedouble, 2);
    cJSON *arr = cJSON_GetObjectItem(o, "rows");
    assert_int_equal(cJSON_GetArraySize(arr), 4);
    for (int i = 0; i < 4; i++) {
        cJSON *row = cJSON_GetArrayItem(arr, i);
        assert_string_equal(cJSON_GetObjectItem(row, "value")->valuestring, rows[i].value);
        assert_true(cJSON_GetObjectItem(row, "count")->valuedouble == rows[i].count);
        assert_true(cJSON_GetObjectItem(row, "percent")->valuedouble == rows[i].percent);
        assert_string_equal(cJSON_GetObjectItem(row, "kind")->valuestring, rows[i].kind);
    }
    cJSON *lat = cJSON_GetObjectItem(o, "latency_ms");
    assert_true(cJSON_GetObjectItem(lat, "min")->valuedouble == 0.1);
    assert_true(cJSON_GetObjectItem(lat, "p50")->valuedouble == 0.17);
    assert_true(cJSON_GetObjectItem(lat, "p90")->valuedouble == 0.24);
    assert_true(cJSON_GetObjectItem(lat, "p99")->valuedouble == 0.25);
    assert_true(cJSON_GetObjectItem(lat, "max")->valuedouble == 0.25);
    assert_true(cJSON_GetObjectItem(lat, "samples")->valuedouble == 16);
    assert_true(cJSON_GetObjectItem(o, "elapsed_s")->valuedouble == 2.0);
    assert_true(cJSON_GetObjectItem(o, "rps")->valuedouble == 5.0);
    cJSON *exp = cJSON_GetObjectItem(o, "expect");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(exp, "ok")));
    assert_string_equal(cJSON_GetObjectItem(exp, "reason")->valuestring, f->er.reason);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(exp, "interrupted")));
    /* no outcome: every request counted was the whole run */
    assert_true(cJSON_GetObjectItem(o, "requested")->valuedouble == 10);
    assert_true(cJSON_GetObjectItem(o, "completed")->valuedouble == 10);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "interrupted")));
    assert_string_equal(cJSON_GetObjectItem(o, "ended_by")->valuestring, "count");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "targets")), 2);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "targets"), 1)->valuestring,
                        urls[1]);
    assert_string_equal(cJSON_GetObjectItem(o, "by")->valuestring, "key");
    assert_string_equal(cJSON_GetObjectItem(o, "key")->valuestring, "Cluster");
    cJSON_Delete(o);
    free(s);
    free(f);
}

static void test_json_empty_and_by_pod(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a:80/"};
    struct fixture *f = calloc(1, sizeof *f);
    tally_init(&f->t);
    histogram_init(&f->h);
    struct run_outcome out = {.requested = 7, .end = RUN_END_SHUTDOWN};
    struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 0.0, .urls = urls,
                       .nurls = 1, .by = REPLY_BY_POD, .key = "Cluster",
                       .outcome = &out};
    char *s = report_json(&r);
    cJSON *o = cJSON_Parse(s);
    assert_non_null(o);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "rows")), 0);
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "latency_ms"), "samples")->valuedouble == 0);
    assert_true(cJSON_GetObjectItem(o, "rps")->valuedouble == 0);
    assert_null(cJSON_GetObjectItem(o, "key"));
    assert_null(cJSON_GetObjectItem(o, "expect"));
    assert_true(cJSON_GetObjectItem(o, "requested")->valuedouble == 7);
    assert_true(cJSON_GetObjectItem(o, "completed")->valuedouble == 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "interrupted")));
    assert_string_equal(cJSON_GetObjectItem(o, "ended_by")->valuestring, "shutdown");
    cJSON_Delete(o);
    free(s);
    free(f);
}

static void test_text_matches(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a:80/"};
    static const char *want[] = {
        "  Koornacht        5  50.0%  ####################\n",
        "  Tion             3  30.0%  ############\n",
        "  http 503         1  10.0%  xxxx\n",
        "  refused          1  10.0%  xxxx\n",
        "ok 8  failed 2  in 2.000 s  (5.0 req/s)\n",
        "latency ms  min 0.100  p50 0.170  p90 0.240  p99 0.250  max 0.250\n",
        "expect FAILED: 2 of 10",
    };
    struct fixture *f = make();
    struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 2.0, .expect = &f->er,
                       .urls = urls, .nurls = 1, .by = REPLY_BY_KEY, .key = "Cluster"};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    report_text(out, &r);
    fclose(out);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(buf, want[i]))
            fail_msg("text lacks '%s':\n%s", want[i], buf);
    free(buf);
    free(f);
}

/* Renders r as text into a malloc'd string. */
static char *text_of(const struct report *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    report_text(out, r);
    fclose(out);
    return buf;
}

static void test_json_outcomes(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a:80/"};
    static const struct {
        struct run_outcome out;
        double requested; /* -1: null (open-ended) */
        int interrupted;
        const char *ended_by;
    } cases[] = {
        {{10, 10, RUN_END_COUNT, 0, 0}, 10, 0, "count"},
        {{100000000, 10, RUN_END_SIGNAL, 2, 0}, 100000000, 1, "SIGINT"},
        {{100000000, 10, RUN_END_SIGNAL, 15, 0}, 100000000, 1, "SIGTERM"},
        {{FIRE_UNLIMITED, 10, RUN_END_SIGNAL, 1, 0}, -1, 1, "signal 1"},
        {{1000, 10, RUN_END_DURATION, 0, 2000}, 1000, 0, "duration"},
        {{FIRE_UNLIMITED, 10, RUN_END_DURATION, 0, 2000}, -1, 0, "duration"},
        {{100, 10, RUN_END_BUDGET, 0, 60000}, 100, 1, "budget"},
        {{100, 10, RUN_END_SHUTDOWN, 0, 0}, 100, 1, "shutdown"},
    };
    struct fixture *f = make();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 1.0, .urls = urls,
                           .nurls = 1, .by = REPLY_BY_KEY, .key = "Cluster",
                           .outcome = &cases[i].out};
        char *s = report_json(&r);
        cJSON *o = cJSON_Parse(s);
        cJSON *req = cJSON_GetObjectItem(o, "requested");
        if (cases[i].requested < 0)
            assert_true(cJSON_IsNull(req));
        else
            assert_true(req->valuedouble == cases[i].requested);
        /* completed is what was counted: the tally's 10 */
        assert_true(cJSON_GetObjectItem(o, "completed")->valuedouble == 10);
        assert_true(cJSON_GetObjectItem(o, "requests")->valuedouble == 10);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(o, "interrupted")), cases[i].interrupted);
        assert_string_equal(cJSON_GetObjectItem(o, "ended_by")->valuestring, cases[i].ended_by);
        cJSON_Delete(o);
        free(s);
    }
    free(f);
}

static void test_text_header_and_verdict(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a:80/"};
    static const struct {
        struct run_outcome out;
        const char *header;
    } cases[] = {
        {{10, 10, RUN_END_COUNT, 0, 0}, "xwing: 10 requests to 1 target, by key Cluster\n"},
        {{100000000, 10, RUN_END_SIGNAL, 2, 0},
         "xwing: 10 requests to 1 target, by key Cluster, interrupted after 10 of 100000000 "
         "requests (SIGINT)\n"},
        {{FIRE_UNLIMITED, 10, RUN_END_SIGNAL, 15, 0},
         "xwing: 10 requests to 1 target, by key Cluster, interrupted after 10 requests (SIGTERM)\n"},
        {{1000, 10, RUN_END_DURATION, 0, 1500},
         "xwing: 10 requests to 1 target, by key Cluster, stopped by --duration 1500ms after 10 "
         "of 1000 requests\n"},
        {{FIRE_UNLIMITED, 10, RUN_END_DURATION, 0, 2000},
         "xwing: 10 requests to 1 target, by key Cluster, ran for --duration 2s\n"},
    };
    struct fixture *f = make();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 1.0, .urls = urls,
                           .nurls = 1, .by = REPLY_BY_KEY, .key = "Cluster",
                           .outcome = &cases[i].out};
        char *buf = text_of(&r);
        if (strncmp(buf, cases[i].header, strlen(cases[i].header)) != 0)
            fail_msg("case %zu: header\n%swant\n%s", i, buf, cases[i].header);
        free(buf);
    }
    /* An interrupted verdict prints its reason as the line: never "expect ok". */
    struct run_outcome out = {.requested = 100, .completed = 10, .end = RUN_END_SIGNAL,
                              .signal = 2};
    f->er.ok = 0;
    f->er.interrupted = 1;
    snprintf(f->er.reason, sizeof f->er.reason, "interrupted after 10 of 100 requests (SIGINT)");
    struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 1.0, .expect = &f->er,
                       .urls = urls, .nurls = 1, .by = REPLY_BY_KEY, .key = "Cluster",
                       .outcome = &out};
    char *buf = text_of(&r);
    assert_non_null(strstr(buf, "\nexpect interrupted after 10 of 100 requests (SIGINT)\n"));
    assert_null(strstr(buf, "expect ok"));
    free(buf);
    free(f);
}

static void test_text_singular(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a:80/"};
    struct fixture *f = calloc(1, sizeof *f);
    tally_init(&f->t);
    histogram_init(&f->h);
    tally_reply(&f->t, "Koornacht");
    struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 1.0, .urls = urls,
                       .nurls = 1, .by = REPLY_BY_POD, .key = "Cluster"};
    char *buf = text_of(&r);
    assert_non_null(strstr(buf, "xwing: 1 request to 1 target, by pod\n"));
    free(buf);
    free(f);
}

/* Character column where the count starts in a row line
 * ("  VALUE   COUNT  PP.P%  BAR"): back from the '%' over the percent figure,
 * the spaces and the count's digits (the value itself may hold digits). */
static int count_column(const char *line)
{
    const char *q = strchr(line, '%');
    char prefix[512];
    assert_non_null(q);
    while (q > line && q[-1] != ' ')
        q--;
    while (q > line && q[-1] == ' ')
        q--;
    while (q > line && q[-1] >= '0' && q[-1] <= '9')
        q--;
    snprintf(prefix, sizeof prefix, "%.*s", (int)(q - line), line);
    return report_columns(prefix);
}

static void test_text_rows_align(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a:80/"};
    static const char *values[] = {
        "{\"Cluster\": \"Koornacht\", \"Planet\": \"N'Zoth\", \"pad\": \"0123456789\"}",
        "Foran Tutha \xc3\xa9\xc3\xa9\xc3\xa9", /* multi-byte: pads by characters */
        "x",
    };
    struct fixture *f = calloc(1, sizeof *f);
    tally_init(&f->t);
    histogram_init(&f->h);
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k <= i; k++)
            tally_reply(&f->t, values[i]);
    tally_fail(&f->t, TALLY_REFUSED, 0);
    struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 1.0, .urls = urls,
                       .nurls = 1, .by = REPLY_BY_BODY, .key = "Cluster"};
    char *buf = text_of(&r), *save = NULL;
    int col = -1, rows = 0;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "  ", 2) != 0)
            continue;
        int c = count_column(line);
        if (col >= 0 && c != col)
            fail_msg("row '%s' has its count at column %d, others at %d", line, c, col);
        col = c;
        rows++;
    }
    assert_int_equal(rows, 4);
    free(buf);
    free(f);
}

static void test_text_notes(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a:80/"};
    char v[16];
    struct fixture *f = calloc(1, sizeof *f);
    tally_init(&f->t);
    histogram_init(&f->h);
    for (int i = 0; i < TALLY_MAX_VALUES + 3; i++) {
        snprintf(v, sizeof v, "c%d", i);
        tally_reply(&f->t, v);
    }
    tally_fail(&f->t, TALLY_TOO_LARGE, 0);
    struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 1.0, .urls = urls,
                       .nurls = 1, .by = REPLY_BY_KEY, .key = "Cluster",
                       .max_body = 1024};
    char *buf = text_of(&r);
    assert_non_null(strstr(buf, "  (other values)        3 "));
    assert_non_null(strstr(buf, "\n  (other values): replies beyond the first 64 distinct values "
                                "(values named in --expect-* are counted exactly)\n"));
    assert_non_null(strstr(buf, "\n  too-large: reply body over --max-body (1024 bytes)\n"));
    assert_null(strstr(buf, "blocked"));
    free(buf);
    tally_fail(&f->t, TALLY_BLOCKED, 0);
    buf = text_of(&r);
    assert_non_null(strstr(buf, "\n  blocked: the address looked up is not allowed "
                                "(--allow-target, --allow-link-local): never connected to\n"));
    free(buf);
    free(f);
}

static void test_columns(void **state)
{
    (void)state;
    static const struct { const char *s; int cols; } cases[] = {
        {"", 0}, {"Tion", 4}, {"\xc3\xa9", 1}, {"N'Zoth \xe2\x82\xac", 8}, {"\xf0\x9f\x9a\x80", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(report_columns(cases[i].s), cases[i].cols);
}

static void test_percent(void **state)
{
    (void)state;
    static const struct { uint64_t c, t; double p; } cases[] = {
        {1, 3, 33.3}, {2, 3, 66.7}, {0, 0, 0}, {5, 5, 100}, {1, 1000, 0.1}, {1, 3000, 0.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_true(report_percent(cases[i].c, cases[i].t) == cases[i].p);
}

/* p99 is the 99th percentile, not the maximum: 100 samples, exact below
 * 256 us, 100..199 us, give 0.198 and 0.199 ms. */
static void test_p99_is_not_max(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a:80/"};
    struct fixture *f = make();
    histogram_init(&f->h);
    for (uint64_t us = 100; us < 200; us++)
        histogram_add(&f->h, us);
    struct report r = {.tally = &f->t, .latency = &f->h, .elapsed_s = 1.0, .expect = &f->er,
                       .urls = urls, .nurls = 1, .by = REPLY_BY_KEY, .key = "Cluster"};
    char *s = report_json(&r);
    cJSON *o = cJSON_Parse(s), *lat = cJSON_GetObjectItem(o, "latency_ms");
    assert_non_null(lat);
    assert_true(cJSON_GetObjectItem(lat, "p99")->valuedouble == 0.198);
    assert_true(cJSON_GetObjectItem(lat, "max")->valuedouble == 0.199);
    cJSON_Delete(o);
    free(s);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    report_text(out, &r);
    fclose(out);
    assert_non_null(strstr(text, "  p99 0.198  max 0.199\n"));
    free(text);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p99_is_not_max),
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_json_empty_and_by_pod),
        cmocka_unit_test(test_text_matches),
        cmocka_unit_test(test_json_outcomes),
        cmocka_unit_test(test_text_header_and_verdict),
        cmocka_unit_test(test_text_singular),
        cmocka_unit_test(test_text_rows_align),
        cmocka_unit_test(test_text_notes),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_percent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
