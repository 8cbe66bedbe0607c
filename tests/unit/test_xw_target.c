/* Unit tests for x-wing/core/target: good and bad targets as {input, expected}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "target.h"

static void test_good(void **state)
{
    (void)state;
    static const struct { const char *in, *host; unsigned port; const char *path, *url; } cases[] = {
        {"rebel-base", "rebel-base", 80, "/", "http://rebel-base:80/"},
        {"rebel-base:8080", "rebel-base", 8080, "/", "http://rebel-base:8080/"},
        {"rebel-base/index.html", "rebel-base", 80, "/index.html", "http://rebel-base:80/index.html"},
        {"127.0.0.1:9/a/b?x=1", "127.0.0.1", 9, "/a/b?x=1", "http://127.0.0.1:9/a/b?x=1"},
        {"http://h", "h", 80, "/", "http://h:80/"},
        {"HTTP://h:1/", "h", 1, "/", "http://h:1/"},
        {"http://h:65535/p", "h", 65535, "/p", "http://h:65535/p"},
        {"[::1]", "::1", 80, "/", "http://[::1]:80/"},
        {"[::1]:8080/x", "::1", 8080, "/x", "http://[::1]:8080/x"},
        {"http://[fe80::1]:81", "fe80::1", 81, "/", "http://[fe80::1]:81/"},
        {"rebel-base.default.svc.cluster.local", "rebel-base.default.svc.cluster.local", 80, "/",
         "http://rebel-base.default.svc.cluster.local:80/"},
        {"h?q=1", "h", 80, "/?q=1", "http://h:80/?q=1"},
        {"my_host", "my_host", 80, "/", "http://my_host:80/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct target t;
        const char *why = target_parse(cases[i].in, &t);
        if (why)
            fail_msg("%s: %s", cases[i].in, why);
        assert_string_equal(t.host, cases[i].host);
        assert_int_equal(t.port, cases[i].port);
        assert_string_equal(t.path, cases[i].path);
        assert_string_equal(t.url, cases[i].url);
    }
}

static void test_bad(void **state)
{
    (void)state;
    static const struct { const char *in, *why_has; } cases[] = {
        {"", "empty"},
        {"https://rebel-base", "https"},
        {"ftp://h", "only http"},
        {"://h", "scheme"},
        {"a*b://h", "malformed scheme"},
        {"svn+ssh.v2://h", "only http"},
        {"http://", "empty host"},
        {":8080", "empty host"},
        {"h:", "empty port"},
        {"h:0", "1..65535"},
        {"h:65536", "1..65535"},
        {"h:123456", "1..65535"},
        {"h:80x", "number"},
        {"h:-1", "number"},
        {"::1", "brackets"},
        {"[::1", "]"},
        {"[::1]x", "':'"},
        {"[zz::1]", "IPv6"},
        {"h o", "spaces"},
        {"h\tx", "spaces"},
        {"user@h", "user"},
        {"h#frag", "fragment"},
        {"h/p#frag", "fragment"},
        {"h!x", "bad character"},
        {"ht tp://h", "spaces"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct target t;
        const char *why = target_parse(cases[i].in, &t);
        if (!why)
            fail_msg("'%s' was accepted", cases[i].in);
        if (!strstr(why, cases[i].why_has))
            fail_msg("'%s': reason '%s' lacks '%s'", cases[i].in, why, cases[i].why_has);
    }
}

/* "a:b:c": a second port or an IPv6 address without brackets, told apart by
 * what comes before the first ':'. */
static void test_colons(void **state)
{
    (void)state;
    static const char *extra = "more than one ':PORT': give one port, as in host:8080";
    static const char *v6 = "IPv6 addresses need brackets: [::1]:8080";
    static const struct { const char *in, *why; } cases[] = {
        {"127.0.0.1:21091:99", NULL}, {"rebel-base:80:81", NULL}, {"http://h.x:1:2/p", NULL},
        {"::1", "v6"}, {"::1:8080", "v6"}, {"fe80::1", "v6"}, {"2001:db8::1:80", "v6"},
        {"abcd:1:2", "v6"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct target t;
        const char *why = target_parse(cases[i].in, &t);
        assert_non_null(why);
        if (strcmp(why, cases[i].why ? v6 : extra) != 0)
            fail_msg("'%s': '%s'", cases[i].in, why);
    }
}

static void test_too_long(void **state)
{
    (void)state;
    char in[TARGET_PATH_MAX + 64], host[TARGET_HOST_MAX + 8];
    struct target t;
    memset(host, 'a', sizeof host - 1);
    host[sizeof host - 1] = '\0';
    assert_non_null(target_parse(host, &t));
    memcpy(in, "h/", 2);
    memset(in + 2, 'p', sizeof in - 3);
    in[sizeof in - 1] = '\0';
    assert_non_null(target_parse(in, &t));
}

/* At the path limit: "h/ppp" and "h?qqq" (a '/' is put in front of the query),
 * each at the longest accepted length and one longer. What is accepted gives a
 * URL that parses again to the same path (fuzz_target found a bare query one byte
 * too long that did not). */
static void test_path_limit(void **state)
{
    (void)state;
    static const char seps[] = {'/', '?'};
    for (size_t k = 0; k < sizeof seps; k++) {
        /* the stored path: the '/' (given or added) and n - 1 more bytes */
        for (size_t n = TARGET_PATH_MAX - 1; n <= TARGET_PATH_MAX; n++) {
            char in[TARGET_PATH_MAX + 8];
            struct target t, again;
            size_t len = 1 + (seps[k] == '/' ? n : n - 1);
            in[0] = 'h';
            memset(in + 1, 'p', len - 1);
            in[1] = seps[k];
            in[len] = '\0';
            const char *why = target_parse(in, &t);
            if (n == TARGET_PATH_MAX) {
                assert_non_null(why);
                assert_string_equal(why, "path too long");
                continue;
            }
            if (why)
                fail_msg("'%c' path of %zu bytes refused: %s", seps[k], n, why);
            assert_int_equal(strlen(t.path), n);
            assert_null(target_parse(t.url, &again));
            assert_string_equal(again.path, t.path);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_colons),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_path_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
