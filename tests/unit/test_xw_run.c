/* Unit tests for x-wing/fire's error classes and run_count's mapping of an
 * outcome to its row: {outcome, expected row}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "fire.h"
#include "run.h"

static void test_classify(void **state)
{
    (void)state;
    static const struct { int code, too_large; enum fire_err want; } cases[] = {
        {CURLE_OK, 0, FIRE_OK},
        {CURLE_OPERATION_TIMEDOUT, 0, FIRE_TIMEOUT},
        {CURLE_COULDNT_CONNECT, 0, FIRE_REFUSED},
        {CURLE_COULDNT_RESOLVE_HOST, 0, FIRE_DNS},
        {CURLE_FILESIZE_EXCEEDED, 0, FIRE_TOO_LARGE},
        {CURLE_WRITE_ERROR, 1, FIRE_TOO_LARGE},
        {CURLE_WRITE_ERROR, 0, FIRE_OTHER},
        {CURLE_GOT_NOTHING, 0, FIRE_OTHER},
        {CURLE_RECV_ERROR, 0, FIRE_OTHER},
        {CURLE_WEIRD_SERVER_REPLY, 0, FIRE_OTHER},
        {CURLE_UNSUPPORTED_PROTOCOL, 0, FIRE_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(fire_classify(cases[i].code, cases[i].too_large), cases[i].want);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
