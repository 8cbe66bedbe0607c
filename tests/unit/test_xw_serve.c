/* Unit tests for x-wing/serve/serve's /tally query parsing and x-wing/client/watch's line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"
#include "serve.h"
#include "watch.h"

struct arg {
    const char *name, *value;
};

/* Reads the arguments as the server does: the first refusal, explained, or
 * the check of the whole query. Returns 0, or -1 with the 400 reason. */
static int read_args(struct serve_query *q, const struct arg *args, size_t n, char *error,
                     size_t cap)
{
    const char *why;
    serve_query_init(q);
    error[0] = '\0';
    for (size_t j = 0; j < n && args[j].name; j++) {
        if ((why = serve_query_arg(q, args[j].name, args[j].value, 1000))) {
            serve_query_explain(error, cap, args[j].name, args[j].value, why);
            return -1;
        }
    }
    if ((why = serve_query_done(q))) {
        snprintf(error, cap, "%s", why);
        return -1;
    }
    return 0;
}

static void test_query(void **state)
{
    (void)state;
    static const struct {
        struct arg args[4];
        int ok;
        const char *want; /* the url of the first target, or part of the error */
        uint64_t n, c;
    } cases[] = {
        {{{"target", "rebel-base"}}, 1, "http://rebel-base:80/", 10, 1},
        {{{"target", "rb:8080"}, {"n", "100"}, {"c", "4"}}, 1, "http://rb:8080/", 100, 4},
        {{{"target", "a"}, {"target", "b"}, {"key", "x.y"}, {"by", "body"}}, 1, "http://a:80/", 10, 1},
        {{{"n", "5"}}, 0, "missing target", 0, 0},
        {{{"target", "https://x"}}, 0, "bad target 'https://x'", 0, 0},
        {{{"target", NULL}}, 0, "bad target", 0, 0},
        {{{"target", "a"}, {"n", "1001"}}, 0, "bad n '1001': expected 1..1000 (--max-requests)", 0, 0},
        {{{"target", "a"}, {"n", "0"}}, 0, "bad n", 0, 0},
        {{{"target", "a"}, {"n", "-1"}}, 0, "bad n", 0, 0},
        {{{"target", "a"}, {"n", "99999999999999999999999"}}, 0, "bad n", 0, 0},
        {{{"target", "a"}, {"c", "17"}}, 0, "bad c", 0, 0},
        {{{"target", "a"}, {"timeout", "11s"}}, 0, "bad timeout", 0, 0},
        {{{"target", "a"}, {"timeout", "0"}}, 0, "bad timeout", 0, 0},
        {{{"target", "a"}, {"key", ""}}, 0, "bad key", 0, 0},
        {{{"target", "a"}, {"by", "cluster"}}, 0, "bad by", 0, 0},
        {{{"target", "a"}, {"bogus", "1"}}, 0, "unknown parameter 'bogus'", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct serve_query *q = malloc(sizeof *q);
        char error[256];
        int rc = read_args(q, cases[i].args, 4, error, sizeof error);
        if ((rc == 0) != cases[i].ok)
            fail_msg("case %zu: rc %d (%s)", i, rc, error);
        if (cases[i].ok) {
            assert_string_equal(q->targets[0].url, cases[i].want);
            assert_int_equal(q->spec.n, cases[i].n);
            assert_int_equal(q->spec.c, cases[i].c);
        } else if (!strstr(error, cases[i].want)) {
            fail_msg("case %zu: '%s' lacks '%s'", i, error, cases[i].want);
        }
        free(q);
    }
}

/* A /tally query and xwing's command line start from the same tally. */
static void test_same_defaults(void **state)
{
    (void)state;
    static struct options o;
    struct serve_query *q = malloc(sizeof *q);
    struct error err;
    char *argv[] = {"xwing", "h", NULL};
    assert_int_equal(options_parse(&o, 2, argv, &err), 0);
    serve_query_init(q);
    assert_int_equal(q->spec.n, o.client.spec.n);
    assert_int_equal(q->spec.c, o.client.spec.c);
    assert_int_equal(q->spec.timeout_ms, o.client.spec.timeout_ms);
    assert_int_equal(q->spec.connect_timeout_ms, o.client.spec.connect_timeout_ms);
    assert_int_equal(q->spec.by, o.client.spec.by);
    assert_string_equal(q->spec.key, "Cluster");
    assert_string_equal(o.client.spec.key, "Cluster");
    assert_int_equal(q->spec.max_body, o.client.spec.max_body);
    free(q);
}

static void test_too_many_targets(void **state)
{
    (void)state;
    struct serve_query *q = malloc(sizeof *q);
    char error[256];
    const char *why;
    serve_query_init(q);
    for (int i = 0; i < SERVE_MAX_TARGETS; i++)
        assert_null(serve_query_arg(q, "target", "h", 1000));
    assert_non_null(why = serve_query_arg(q, "target", "h", 1000));
    serve_query_explain(error, sizeof error, "target", "h", why);
    assert_string_equal(error, "bad target 'h': at most 8 targets per tally");
    /* a long value is cut with "...": the quote and the reason stay */
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    serve_query_explain(error, sizeof error, "target", big, why);
    assert_non_null(strstr(error, "aaa...': at most 8 targets per tally"));
    serve_query_explain(error, sizeof error, big, "1", serve_unknown_parameter);
    assert_non_null(strstr(error, "aaa...'"));
    free(q);
}

static void test_watch_line(void **state)
{
    (void)state;
    struct tally *t = malloc(sizeof *t);
    char line[512];
    tally_init(t);
    watch_line(line, sizeof line, t, 1.0);
    assert_string_equal(line, "    1.0s      0 req");
    for (int i = 0; i < 6; i++)
        tally_reply(t, "Koornacht");
    for (int i = 0; i < 3; i++)
        tally_reply(t, "Tion");
    tally_fail(t, TALLY_TIMEOUT, 0);
    watch_line(line, sizeof line, t, 12.0);
    assert_string_equal(line, "   12.0s     10 req  Koornacht 6  Tion 3  timeout 1");
    watch_line(line, 20, t, 12.0); /* truncates, never overflows */
    assert_int_equal(strlen(line), 19);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_same_defaults),
        cmocka_unit_test(test_too_many_targets),
        cmocka_unit_test(test_watch_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
