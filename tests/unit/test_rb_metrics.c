/* Unit tests for rebel-base/metrics: Prometheus text rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

static struct metrics m; /* large: keep it off the stack */

static const struct metrics_state state_ready = {1, 0, "0.1.0", "0.9.75", "1.7.15", "epoll"};

static char *render(const struct metrics_state *st)
{
    size_t need = metrics_render(&m, st, NULL, 0);
    char *buf = malloc(need + 1);
    assert_non_null(buf);
    assert_int_equal(metrics_render(&m, st, buf, need + 1), need);
    assert_int_equal(strlen(buf), need);
    return buf;
}

static void test_render_lines(void **state)
{
    (void)state;
    metrics_init(&m);
    metrics_count_request(&m, ROUTE_ROOT, 200);
    metrics_count_request(&m, ROUTE_ROOT, 200);
    metrics_count_request(&m, ROUTE_INDEX, 200);
    metrics_count_request(&m, ROUTE_ROOT, 503);
    metrics_count_request(&m, ROUTE_OTHER, 404);
    metrics_count_request(&m, ROUTE_ROOT, 42);   /* outside 100..599: "other" */
    metrics_count_request(&m, ROUTE_ROOT, 600);
    metrics_reload_ok(&m, 45, 1, 1500000, 1795831835935ull);
    metrics_reload_failed(&m);
    metrics_reload_failed(&m);
    metrics_connection(&m, 1);
    metrics_connection(&m, 1);
    metrics_connection(&m, 0);

    char *out = render(&state_ready);
    static const char *const want[] = {
        "rebel_base_build_info{version=\"0.1.0\",libmicrohttpd=\"0.9.75\",cjson=\"1.7.15\",threading=\"epoll\"} 1\n",
        "# TYPE rebel_base_http_requests_total counter\n",
        "rebel_base_http_requests_total{path=\"/\",code=\"200\"} 2\n",
        "rebel_base_http_requests_total{path=\"/\",code=\"503\"} 1\n",
        "rebel_base_http_requests_total{path=\"/\",code=\"other\"} 2\n",
        "rebel_base_http_requests_total{path=\"/index.html\",code=\"200\"} 1\n",
        "rebel_base_http_requests_total{path=\"other\",code=\"404\"} 1\n",
        "rebel_base_document_reloads_total{result=\"ok\"} 1\n",
        "rebel_base_document_reloads_total{result=\"failed\"} 2\n",
        "rebel_base_document_bytes 45\n",
        "rebel_base_document_version 1\n",
        "rebel_base_document_loaded_timestamp_seconds 1795831835.935\n",
        "rebel_base_document_load_seconds 0.001500\n",
        "rebel_base_open_connections 1\n",
        "rebel_base_connections_total 2\n",
        "rebel_base_ready 1\n",
        "rebel_base_draining 0\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(out, want[i]))
            fail_msg("missing line: %s", want[i]);
    /* Zero counters are not rendered. */
    assert_null(strstr(out, "path=\"/healthz\""));
    /* Every line is a comment or "name{labels} value". */
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        assert_true(line[0] == '#' || strncmp(line, "rebel_base_", 11) == 0);
    free(out);
}

/* Each family is announced once with its type and a help text, before its samples: a
 * scraper reads the type from there (a counter's rate, a gauge's value). */
static void test_families(void **state)
{
    (void)state;
    static const struct { const char *name, *type; } families[] = {
        {"rebel_base_build_info", "gauge"},
        {"rebel_base_http_requests_total", "counter"},
        {"rebel_base_document_reloads_total", "counter"},
        {"rebel_base_document_bytes", "gauge"},
        {"rebel_base_document_version", "gauge"},
        {"rebel_base_document_loaded_timestamp_seconds", "gauge"},
        {"rebel_base_document_load_seconds", "gauge"},
        {"rebel_base_open_connections", "gauge"},
        {"rebel_base_connections_total", "counter"},
        {"rebel_base_ready", "gauge"},
        {"rebel_base_draining", "gauge"},
    };
    metrics_init(&m);
    metrics_count_request(&m, ROUTE_ROOT, 200);
    char *out = render(&state_ready);
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        char type[128], help[128], sample[128];
        snprintf(type, sizeof type, "# TYPE %s %s\n", families[i].name, families[i].type);
        snprintf(help, sizeof help, "# HELP %s ", families[i].name);
        snprintf(sample, sizeof sample, "\n%s", families[i].name);
        const char *t = strstr(out, type), *h = strstr(out, help), *x = strstr(out, sample);
        if (!t || !h || !x)
            fail_msg("%s: TYPE %s, HELP or a sample missing in:\n%s", families[i].name,
                     families[i].type, out);
        char again[128];
        snprintf(again, sizeof again, "# TYPE %s ", families[i].name);
        assert_null(strstr(t + 1, again));
        /* the help says something, and the sample comes after the announcement */
        assert_true(h[strlen(help)] != '\n' && h < x && t < x);
        const char *eol = strchr(h, '\n');
        assert_non_null(eol);
        assert_true(strncmp(h + strlen(help), "counter\n", 8) != 0 &&
                    strncmp(h + strlen(help), "gauge\n", 6) != 0);
    }
    free(out);
}

static void test_render_draining_and_truncation(void **state)
{
    (void)state;
    struct metrics_state st = state_ready;
    st.ready = 0, st.draining = 1;
    metrics_init(&m);
    char *out = render(&st);
    assert_non_null(strstr(out, "rebel_base_ready 0\n"));
    assert_non_null(strstr(out, "rebel_base_draining 1\n"));
    assert_non_null(strstr(out, "rebel_base_document_bytes 0\n"));

    /* A short buffer gets a NUL-terminated prefix; the return says what is needed. */
    char small[40];
    size_t need = metrics_render(&m, &st, small, sizeof small);
    assert_int_equal(need, strlen(out));
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, out, sizeof small - 1);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_lines),
        cmocka_unit_test(test_render_draining_and_truncation),
        cmocka_unit_test(test_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
