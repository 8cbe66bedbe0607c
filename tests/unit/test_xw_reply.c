/* Unit tests for x-wing/core/reply: classification and key paths as {input, expected}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reply.h"

struct rcase {
    long status;
    const char *body;
    const char *served_by, *ip;
    enum reply_by by;
    const char *key;
    enum reply_kind kind;
    const char *label;
};

static void run_cases(const struct rcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct rcase *c = &cases[i];
        struct reply_in in = {c->status, c->body, strlen(c->body), c->served_by, c->ip};
        char label[REPLY_LABEL_MAX];
        enum reply_kind k = reply_classify(&in, c->by, c->key, label, sizeof label);
        if (k != c->kind)
            fail_msg("case %zu (%s): kind %d, want %d", i, c->body, (int)k, (int)c->kind);
        if (k == REPLY_OK)
            assert_string_equal(label, c->label);
    }
}

static void test_by_key(void **state)
{
    (void)state;
    static const struct rcase cases[] = {
        {200, "{\"Cluster\": \"Koornacht\", \"Planet\": \"N'Zoth\"}\n", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_OK, "Koornacht"},
        {200, "{\"Cluster\": \"Tion\"}", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_OK, "Tion"},
        {204, "{\"Cluster\": \"Tion\"}", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_OK, "Tion"},
        {200, "{\"a\":{\"b\":{\"c\":\"deep\"}}}", NULL, NULL, REPLY_BY_KEY, "a.b.c", REPLY_OK, "deep"},
        {200, "{\"a\":{\"b\":42}}", NULL, NULL, REPLY_BY_KEY, "a.b", REPLY_OK, "42"},
        {200, "{\"a\":1.5}", NULL, NULL, REPLY_BY_KEY, "a", REPLY_OK, "1.5"},
        {200, "{\"a\":true}", NULL, NULL, REPLY_BY_KEY, "a", REPLY_OK, "true"},
        {200, "{\"a\":false}", NULL, NULL, REPLY_BY_KEY, "a", REPLY_OK, "false"},
        {200, "{\"a\":null}", NULL, NULL, REPLY_BY_KEY, "a", REPLY_OK, "null"},
        {200, "{\"a\":{\"x\":1}}", NULL, NULL, REPLY_BY_KEY, "a", REPLY_OK, "{\"x\":1}"},
        {200, "{\"a\":[1,2]}", NULL, NULL, REPLY_BY_KEY, "a", REPLY_OK, "[1,2]"},
        {200, "{\"a\":\"\"}", NULL, NULL, REPLY_BY_KEY, "a", REPLY_OK, "(empty)"},
        {200, "{\"a\":\"x\\ny\"}", NULL, NULL, REPLY_BY_KEY, "a", REPLY_OK, "x?y"},
        /* well-formed UTF-8 is kept whole, wherever it stands in the label */
        {200, "{\"Cluster\": \"Ti\xc3\xb3n\"}", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_OK, "Ti\xc3\xb3n"},
        {200, "{\"Cluster\": \"\xc3\x89ire\"}", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_OK, "\xc3\x89ire"},
        {200, "{\"a\": \"\xe2\x82\xac \xf0\x9f\x9a\x80\"}", NULL, NULL, REPLY_BY_KEY, "a", REPLY_OK, "\xe2\x82\xac \xf0\x9f\x9a\x80"},
        {200, "{\"cluster\": \"Tion\"}", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_NO_KEY, NULL},
        {200, "{\"a\":{\"b\":1}}", NULL, NULL, REPLY_BY_KEY, "a.c", REPLY_NO_KEY, NULL},
        {200, "{\"a\":\"s\"}", NULL, NULL, REPLY_BY_KEY, "a.b", REPLY_NO_KEY, NULL},
        {200, "[{\"Cluster\":\"x\"}]", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_NO_KEY, NULL},
        {200, "\"Cluster\"", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_NO_KEY, NULL},
        {200, "<html>nginx</html>", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_NOT_JSON, NULL},
        {200, "", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_NOT_JSON, NULL},
        {200, "{\"Cluster\": \"Tion\"", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_NOT_JSON, NULL},
        {500, "{\"Cluster\": \"Tion\"}", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_HTTP, NULL},
        {404, "not found", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_HTTP, NULL},
        {301, "", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_HTTP, NULL},
        {0, "", NULL, NULL, REPLY_BY_KEY, "Cluster", REPLY_HTTP, NULL},
    };
    run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_by_other(void **state)
{
    (void)state;
    static const struct rcase cases[] = {
        {200, "anything", "rebel-base-7d9f-abc", "10.1.2.3", REPLY_BY_POD, NULL, REPLY_OK, "rebel-base-7d9f-abc"},
        {200, "anything", NULL, "10.1.2.3", REPLY_BY_POD, NULL, REPLY_NO_KEY, NULL},
        {200, "anything", "", "10.1.2.3", REPLY_BY_POD, NULL, REPLY_NO_KEY, NULL},
        {500, "anything", "pod", "10.1.2.3", REPLY_BY_POD, NULL, REPLY_HTTP, NULL},
        {200, "x", "pod", "10.1.2.3", REPLY_BY_IP, NULL, REPLY_OK, "10.1.2.3"},
        {200, "x", "pod", "::1", REPLY_BY_IP, NULL, REPLY_OK, "::1"},
        {200, "x", "pod", NULL, REPLY_BY_IP, NULL, REPLY_OK, "?"},
        {200, "{\"Cluster\": \"Tion\"}\n", NULL, NULL, REPLY_BY_BODY, NULL, REPLY_OK, "{\"Cluster\": \"Tion\"}"},
        {200, "a\r\nb\r\n", NULL, NULL, REPLY_BY_BODY, NULL, REPLY_OK, "a??b"},
        {200, "", NULL, NULL, REPLY_BY_BODY, NULL, REPLY_OK, "(empty)"},
        /* not well-formed UTF-8: a cut sequence, an overlong one, a surrogate */
        {200, "x\xc3", NULL, NULL, REPLY_BY_BODY, NULL, REPLY_OK, "x?"},
        {200, "\xc0\xaf", NULL, NULL, REPLY_BY_BODY, NULL, REPLY_OK, "??"},
        {200, "\xed\xa0\x80", NULL, NULL, REPLY_BY_BODY, NULL, REPLY_OK, "???"},
        {200, "\xc3\xa9t\xc3\xa9", NULL, NULL, REPLY_BY_BODY, NULL, REPLY_OK, "\xc3\xa9t\xc3\xa9"},
        {200, "\n\n", NULL, NULL, REPLY_BY_BODY, NULL, REPLY_OK, "(empty)"},
    };
    run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_long_label_cut_on_utf8(void **state)
{
    (void)state;
    char body[400], label[REPLY_LABEL_MAX];
    size_t n = 0;
    /* 126 ASCII bytes then a 2-byte character straddling the cut. */
    memset(body, 'a', 126);
    n = 126;
    memcpy(body + n, "\xc3\xa9\xc3\xa9", 4);
    n += 4;
    struct reply_in in = {200, body, n, NULL, NULL};
    assert_int_equal(reply_classify(&in, REPLY_BY_BODY, NULL, label, sizeof label), REPLY_OK);
    assert_int_equal(strlen(label), 126);
    memset(body, 'b', sizeof body);
    in.body_len = sizeof body;
    reply_classify(&in, REPLY_BY_BODY, NULL, label, sizeof label);
    assert_int_equal(strlen(label), REPLY_LABEL_MAX - 1);
    /* A body one byte short of the room: whole, and not a byte past its end. */
    memset(body, 'c', sizeof body);
    in.body_len = REPLY_LABEL_MAX - 2;
    reply_classify(&in, REPLY_BY_BODY, NULL, label, sizeof label);
    assert_int_equal(strlen(label), REPLY_LABEL_MAX - 2);
}

static void test_key_check_and_by(void **state)
{
    (void)state;
    static const struct { const char *key; int ok; } keys[] = {
        {"Cluster", 1}, {"a.b.c", 1}, {"a", 1}, {"", 0}, {".a", 0}, {"a.", 0}, {"a..b", 0}, {".", 0},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_int_equal(reply_key_check(keys[i].key) == NULL, keys[i].ok);
    static const struct { const char *in; int rc; enum reply_by by; } bys[] = {
        {"key", 0, REPLY_BY_KEY}, {"pod", 0, REPLY_BY_POD}, {"ip", 0, REPLY_BY_IP},
        {"body", 0, REPLY_BY_BODY}, {"Pod", -1, 0}, {"", -1, 0}, {"cluster", -1, 0},
    };
    for (size_t i = 0; i < sizeof bys / sizeof bys[0]; i++) {
        enum reply_by by = REPLY_BY_KEY;
        assert_int_equal(reply_by_parse(bys[i].in, &by), bys[i].rc);
        if (bys[i].rc == 0) {
            assert_int_equal(by, bys[i].by);
            assert_string_equal(reply_by_name(by), bys[i].in);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_key),
        cmocka_unit_test(test_by_other),
        cmocka_unit_test(test_long_label_cut_on_utf8),
        cmocka_unit_test(test_key_check_and_by),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
