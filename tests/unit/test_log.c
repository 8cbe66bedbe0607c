/* Unit tests for common/log: a message of any length, up to a struct error's
 * whole message and past it, comes out whole on one line, in text and JSON;
 * JSON escapes what RFC 8259 requires. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "log.h"
#include "mhd_log.h"

/* The line log_event wrote for msg, in a block to free. */
static char *logged(enum log_format format, const char *msg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    struct log lg = {"test", format, out};
    log_event(&lg, LOG_WARN, "reload-failed", "%s", msg);
    fclose(out);
    return buf;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_lengths(void **state)
{
    (void)state;
    static const size_t lengths[] = {0, 1, 1000, 1023, 1024, 2047, 2600, ERROR_MSG_MAX - 1,
                                     ERROR_MSG_MAX * 3};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        char *msg = repeat('a', lengths[i]);
        for (int f = LOG_TEXT; f <= LOG_JSON; f++) {
            char *line = logged((enum log_format)f, msg);
            const char *key = f == LOG_JSON ? "\"msg\":\"" : "reload-failed: ";
            const char *at = strstr(line, key);
            assert_non_null(at);
            at += strlen(key);
            size_t got = strspn(at, "a");
            if (got != lengths[i])
                fail_msg("%s, %zu bytes: %zu came out", f ? "json" : "text", lengths[i], got);
            assert_string_equal(at + got, f == LOG_JSON ? "\"}\n" : "\n");
            free(line);
        }
        free(msg);
    }
}

static void test_json_escapes(void **state)
{
    (void)state;
    static const struct { const char *msg, *want; } cases[] = {
        {"plain", "\"msg\":\"plain\"}\n"},
        {"say \"hi\"", "\"msg\":\"say \\\"hi\\\"\"}\n"},
        {"a\\b", "\"msg\":\"a\\\\b\"}\n"},
        {"two\nlines", "\"msg\":\"two\\nlines\"}\n"},
        {"bell\a", "\"msg\":\"bell\\u0007\"}\n"},
        {"N'Zoth \xc3\xa9", "\"msg\":\"N'Zoth \xc3\xa9\"}\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *line = logged(LOG_JSON, cases[i].msg);
        const char *at = strstr(line, "\"msg\":");
        assert_non_null(at);
        assert_string_equal(at, cases[i].want);
        free(line);
    }
    /* 3,000 control bytes escape to 18,000: still whole. */
    char *msg = repeat('\x01', 3000), *line = logged(LOG_JSON, msg);
    assert_non_null(strstr(line, "\"msg\":\""));
    size_t n = strlen(strstr(line, "\"msg\":\"") + 7);
    assert_int_equal(n, 3000 * 6 + 3);
    free(line);
    free(msg);
}

static void call_mhd_log(const struct log *lg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mhd_log_event((void *)lg, fmt, ap);
    va_end(ap);
}

/* libmicrohttpd's messages end in a line break: one event line each, in the
 * log's format, without a blank line or an escaped \n. */
static void test_mhd_messages(void **state)
{
    (void)state;
    static const struct { const char *fmt, *arg; enum log_format f; const char *want_end; } cases[] = {
        {"Server reached connection limit. %s\n", "Closing inbound connection.", LOG_TEXT,
         " warn test libmicrohttpd: Server reached connection limit. Closing inbound connection.\n"},
        {"%s\r\n", "Failed to send data", LOG_JSON,
         "\"event\":\"libmicrohttpd\",\"msg\":\"Failed to send data\"}\n"},
        {"%s", "no line break", LOG_TEXT, " libmicrohttpd: no line break\n"},
        {"%s\n\n", "", LOG_TEXT, " libmicrohttpd: \n"},
        {"%s\n", "a tab kept\t", LOG_TEXT, " libmicrohttpd: a tab kept\t\n"},
        {"%s", "bell\a", LOG_TEXT, " libmicrohttpd: bell\a\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        assert_non_null(out);
        struct log lg = {"test", cases[i].f, out};
        call_mhd_log(&lg, cases[i].fmt, cases[i].arg);
        fclose(out);
        size_t k = strlen(cases[i].want_end);
        if (len < k || strcmp(buf + len - k, cases[i].want_end) != 0)
            fail_msg("case %zu: '%s'", i, buf);
        assert_ptr_equal(strchr(buf, '\n'), buf + len - 1); /* one line */
        free(buf);
    }
}

/* log_json_escape cuts at cap - 1 bytes, never inside an escape. */
static void test_escape_cap(void **state)
{
    (void)state;
    static const struct { const char *in; size_t cap; const char *want; size_t n; } cases[] = {
        {"abc", 4, "abc", 3},
        {"abcd", 4, "abc", 3},
        {"abcd", 1, "", 0},
        {"a\"b", 4, "a\\\"", 3},
        {"a\"b", 3, "a", 1},
        {"\x01x", 7, "\\u0001", 6},
        {"\x01x", 6, "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[16];
        memset(buf, '#', sizeof buf);
        size_t n = log_json_escape(buf, cases[i].cap, cases[i].in);
        if (n != cases[i].n || strcmp(buf, cases[i].want) != 0)
            fail_msg("case %zu: %zu bytes '%s'", i, n, buf);
        assert_int_equal(buf[cases[i].cap], '#'); /* nothing written past cap */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_mhd_messages),
        cmocka_unit_test(test_escape_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
