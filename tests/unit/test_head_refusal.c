/* Unit tests for common/head_refusal: the 431 built once, a table of bodies;
 * other statuses built the same way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "head_refusal.h"

/* Every reply is one whole HTTP/1.1 431 that closes the connection, whose
 * Content-Length is its body's length; a body that does not fit is refused,
 * not cut (a cut body would contradict its own Content-Length). */
static void test_reply_table(void **state)
{
    (void)state;
    static char long_body[HEAD_REFUSAL_MAX];
    memset(long_body, 'x', sizeof long_body - 1);
    static const struct {
        const char *type, *body;
        int ok;
    } cases[] = {
        {"application/json", "{\"error\":\"request header fields too large\"}\n", 1},
        {"text/plain; charset=utf-8", "request header fields too large\n", 1},
        {"text/plain", "", 1},
        {"text/plain", long_body, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct head_refusal h;
        char want_head[256];
        const char *body;
        int rc = head_refusal_init(&h, cases[i].type, cases[i].body);
        if (!cases[i].ok) {
            assert_int_equal(rc, -1);
            assert_int_equal(h.len, 0);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(h.len, strlen(h.reply));
        snprintf(want_head, sizeof want_head,
                 "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
                 "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                 cases[i].type, strlen(cases[i].body));
        assert_memory_equal(h.reply, want_head, strlen(want_head));
        body = strstr(h.reply, "\r\n\r\n") + 4;
        assert_string_equal(body, cases[i].body);
    }
}

/* head_refusal_build puts the status it is given on the status line, and
 * nothing else changes. */
static void test_status_table(void **state)
{
    (void)state;
    static const char *const statuses[] = {"400 Bad Request", "414 URI Too Long",
                                           "431 Request Header Fields Too Large"};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        struct head_refusal h;
        char want[256];
        snprintf(want, sizeof want,
                 "HTTP/1.1 %s\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                 "Content-Length: 2\r\n\r\nno",
                 statuses[i]);
        assert_int_equal(head_refusal_build(&h, statuses[i], "text/plain", "no"), 0);
        assert_string_equal(h.reply, want);
        assert_int_equal(h.len, strlen(want));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_table),
        cmocka_unit_test(test_status_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
