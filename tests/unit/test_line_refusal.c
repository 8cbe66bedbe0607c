/* Unit tests for common/line_refusal: when a close dropped a request line
 * (a table of socket facts), which first bytes doom a line (a table of
 * lines), and the 400 itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "line_refusal.h"

/* Only a close that follows fresh bytes the server read after its last
 * completed request, with nothing written since and the peer still there,
 * is a dropped line. Each other case is one condition away from it. */
static void test_due_table(void **state)
{
    (void)state;
    static const struct line_mark fresh = {0, 0, 0, 0}, after = {300, 120, 0, 0},
                                  last = {300, 120, 1, 0},
                                  unknown = {UINT64_MAX, UINT64_MAX, 0, 0};
    static const struct {
        const char *name;
        const struct line_mark *mark;
        struct line_facts now;
        int due;
    } cases[] = {
        {"garbage on a new connection", &fresh, {1, 1, 0, 11, 0}, 1},
        {"garbage after an answered request", &after, {1, 1, 300, 131, 3}, 1},
        {"last bytes 999 ms ago", &after, {1, 1, 300, 131, 999}, 1},
        {"idle timeout: last bytes 1 s ago", &after, {1, 1, 300, 131, 1000}, 0},
        {"libmicrohttpd wrote its own reply (414)", &fresh, {1, 1, 180, 9000, 0}, 0},
        {"closed after the answered request", &after, {1, 1, 300, 120, 0}, 0},
        {"nothing arrived on a new connection", &fresh, {1, 1, 0, 0, 0}, 0},
        {"peer closed or reset", &fresh, {1, 0, 0, 11, 0}, 0},
        {"kernel without the counters", &fresh, {0, 1, 0, 11, 0}, 0},
        {"unknown mark (counters missing then)", &unknown, {1, 1, 0, 11, 0}, 0},
        {"after the connection's last request (Connection: close)", &last,
         {1, 1, 300, 131, 3}, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int due = line_refusal_due(cases[i].mark, &cases[i].now);
        if (due != cases[i].due)
            fail_msg("%s: due %d, want %d", cases[i].name, due, cases[i].due);
    }
}

/* libmicrohttpd splits a request line at its first space: a whole line
 * without one, or with one first, is dropped. Unknown (0) until the line
 * ends. */
static void test_doomed_table(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        int doomed;
    } cases[] = {
        {"GARBAGE\r\n\r\n", 1},
        {"GARBAGE\n\n", 1},
        {"GET\r\n", 1},
        {"G\r\n\r\n", 1},
        {"\r\n\r\nGARBAGE\r\n", 1}, /* leading empty lines are skipped */
        {" / HTTP/1.1\r\n", 1},      /* empty method */
        {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0},
        {"GET /\r\n\r\n", 0},        /* split: libmicrohttpd answers 400 */
        {"GET\t/\tHTTP/1.1\r\n", 0}, /* 1.0.1 may take tabs: leave it be */
        {"GARBAGE", 0},              /* not whole yet */
        {"\r\n", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int d = line_refusal_doomed(cases[i].bytes, strlen(cases[i].bytes));
        if (d != cases[i].doomed)
            fail_msg("%s: doomed %d, want %d", cases[i].bytes, d, cases[i].doomed);
    }
}

static void test_reply(void **state)
{
    (void)state;
    struct line_refusal r;
    const char *want = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                       "Content-Type: text/plain\r\nContent-Length: 23\r\n\r\n"
                       "malformed request line\n";
    assert_int_equal(line_refusal_init(&r, "text/plain", "malformed request line\n"), 0);
    assert_int_equal(r.reply.len, strlen(want));
    assert_string_equal(r.reply.reply, want);
    assert_int_equal(atomic_load(&r.stopping), 0);
    line_refusal_stop(&r);
    assert_int_equal(atomic_load(&r.stopping), 1);
}

/* RFC 9112, section 9.3: which answered request is the connection's last. */
/* A body the handler was given counts as consumed; a mark that is unknown
 * (UINT64_MAX) stays unknown, and a last request's mark is left alone. */
static void test_body_table(void **state)
{
    (void)state;
    static const struct {
        uint64_t consumed;
        int last;
        size_t n;
        uint64_t want;
    } cases[] = {
        {0, 0, 5, 5},
        {120, 0, 4096, 4216},
        {120, 0, 0, 120},
        {UINT64_MAX, 0, 5, UINT64_MAX},
        {UINT64_MAX - 2, 0, 5, UINT64_MAX},
        {120, 1, 5, 120},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct line_mark m = {.written = 7, .consumed = cases[i].consumed, .last = cases[i].last};
        line_refusal_body(&m, cases[i].n);
        if (m.consumed != cases[i].want)
            fail_msg("case %zu: consumed %llu, want %llu", i, (unsigned long long)m.consumed,
                     (unsigned long long)cases[i].want);
        assert_int_equal(m.written, 7);
    }
    line_refusal_body(NULL, 5); /* no mark: a connection without its record */
}

static void test_is_last(void **state)
{
    (void)state;
    static const struct { const char *version, *connection; int last; } cases[] = {
        {"HTTP/1.1", NULL, 0},
        {"HTTP/1.1", "close", 1},
        {"HTTP/1.1", "Close", 1},
        {"HTTP/1.1", "keep-alive, close", 1},
        {"HTTP/1.1", " TE ,close ", 1},
        {"HTTP/1.1", "closed", 0},
        {"HTTP/1.1", "keep-alive", 0},
        {"HTTP/1.0", NULL, 1},
        {"HTTP/1.0", "keep-alive", 0},
        {"HTTP/1.0", "Keep-Alive", 0},
        {"HTTP/1.0", "keep-alive, close", 1},
        {"HTTP/1.0", "", 1},
        {NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (line_refusal_is_last(cases[i].version, cases[i].connection) != cases[i].last)
            fail_msg("%s, Connection: %s: want %d", cases[i].version ? cases[i].version : "(null)",
                     cases[i].connection ? cases[i].connection : "(none)", cases[i].last);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_last),
        cmocka_unit_test(test_due_table),
        cmocka_unit_test(test_doomed_table),
        cmocka_unit_test(test_reply),
        cmocka_unit_test(test_body_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
