/* Unit tests for x-wing/report: the JSON shape (parsed back with cJSON) and
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
    struct report r = {&f->t, &f->h, 2.0, &f->er, urls, 2, REPLY_BY_KEY, "Cluster", 0};
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
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "targets")), 2);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "targets"), 1)->valuestring,
                        urls[1]);
    assert_string_equal(cJSON_GetObjectItem(o, "by")->valuestring, "key");
    assert_string_equal(cJSON_GetObjectItem(o, "key")->valuestring, "Cluster");
    assert_null(cJSON_GetObjectItem(o, "requested"));
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
    struct report r = {&f->t, &f->h, 0.0, NULL, urls, 1, REPLY_BY_POD, "Cluster", 7};
    char *s = report_json(&r);
    cJSON *o = cJSON_Parse(s);
    assert_non_null(o);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "rows")), 0);
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "latency_ms"), "samples")->valuedouble == 0);
    assert_true(cJSON_GetObjectItem(o, "rps")->valuedouble == 0);
    assert_null(cJSON_GetObjectItem(o, "key"));
    assert_null(cJSON_GetObjectItem(o, "expect"));
    assert_true(cJSON_GetObjectItem(o, "requested")->valuedouble == 7);
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
    struct report r = {&f->t, &f->h, 2.0, &f->er, urls, 1, REPLY_BY_KEY, "Cluster", 0};
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

static void test_percent(void **state)
{
    (void)state;
    static const struct { uint64_t c, t; double p; } cases[] = {
        {1, 3, 33.3}, {2, 3, 66.7}, {0, 0, 0}, {5, 5, 100}, {1, 1000, 0.1}, {1, 3000, 0.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_true(report_percent(cases[i].c, cases[i].t) == cases[i].p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_json_empty_and_by_pod),
        cmocka_unit_test(test_text_matches),
        cmocka_unit_test(test_percent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
