/* Unit tests for rebel-base/answer and rebel-base/endpoints: the readiness
 * rule as a table, and what each endpoint answers, counts, logs and changes.
 * No connection is needed: queueing on none fails, and everything else an
 * answer does (count, access line, state) still happens and is checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answer.h"
#include "endpoints.h"

static struct metrics m; /* large: keep it off the stack */

struct world {
    struct log log;
    struct answer answer;
    struct document_store store;
    struct faults faults;
    atomic_int draining;
    struct endpoints e;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    struct error err;
    assert_non_null(w);
    metrics_init(&m);
    w->log = (struct log){"test", LOG_TEXT, tmpfile()};
    w->answer = (struct answer){.served_by = "pod-t", .metrics = &m, .log = &w->log,
                                .access_log = 1};
    assert_int_equal(answer_init(&w->answer, &err), 0);
    assert_int_equal(document_store_init(&w->store, answer_document_response, &w->answer, &(struct error){0}), 0);
    assert_int_equal(faults_init(&w->faults, 0, 1000, &(struct error){0}), 0);
    atomic_init(&w->draining, 0);
    w->e = (struct endpoints){.answer = &w->answer, .log = &w->log, .store = &w->store,
                              .metrics = &m, .faults = &w->faults, .draining = &w->draining,
                              .threading = "epoll"};
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    document_store_destroy(&w->store);
    faults_destroy(&w->faults);
    answer_destroy(&w->answer);
    fclose(w->log.out);
    free(w);
    return 0;
}

static struct answer_req req(const char *method, const char *url, enum route r)
{
    return (struct answer_req){NULL, method, url, r};
}

static uint64_t counted(enum route r, unsigned status)
{
    return atomic_load(&m.requests[r][status]);
}

static void load(struct world *w, const char *doc)
{
    assert_true(document_store_swap(&w->store, strdup(doc), strlen(doc)) > 0);
}

/* The log lines written so far, then starts afresh. */
static char *take_log(struct world *w, char *buf, size_t cap)
{
    size_t n;
    fflush(w->log.out);
    rewind(w->log.out);
    n = fread(buf, 1, cap - 1, w->log.out);
    buf[n] = '\0';
    assert_int_equal(ftruncate(fileno(w->log.out), 0), 0);
    rewind(w->log.out);
    return buf;
}

static void test_readiness_table(void **state)
{
    (void)state;
    static const struct { int draining, doc, forced; enum readiness want; } cases[] = {
        {0, 1, 0, READY},
        {1, 1, 0, NOT_READY_DRAINING},
        {1, 0, 1, NOT_READY_DRAINING},    /* draining wins: the pod is leaving */
        {0, 0, 0, NOT_READY_NO_DOCUMENT},
        {0, 0, 1, NOT_READY_NO_DOCUMENT}, /* nothing to serve beats a forced state */
        {0, 1, 1, NOT_READY_FORCED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (readiness(cases[i].draining, cases[i].doc, cases[i].forced) != cases[i].want)
            fail_msg("case %zu", i);
}

static void test_readyz(void **state)
{
    struct world *w = *state;
    struct answer_req rq = req("GET", "/readyz", ROUTE_READYZ);
    char log[4096];

    assert_int_equal(endpoints_readiness(&w->e), NOT_READY_NO_DOCUMENT);
    endpoint_readyz(&w->e, &rq);
    assert_int_equal(counted(ROUTE_READYZ, 503), 1);
    load(w, "{\"Cluster\": \"Tion\"}");
    assert_int_equal(endpoints_readiness(&w->e), READY);
    endpoint_readyz(&w->e, &rq);
    assert_int_equal(counted(ROUTE_READYZ, 200), 1);
    atomic_store(&w->faults.forced_not_ready, 1);
    assert_int_equal(endpoints_readiness(&w->e), NOT_READY_FORCED);
    endpoint_readyz(&w->e, &rq);
    atomic_store(&w->draining, 1);
    assert_int_equal(endpoints_readiness(&w->e), NOT_READY_DRAINING);
    endpoint_readyz(&w->e, &rq);
    assert_int_equal(counted(ROUTE_READYZ, 503), 3);
    take_log(w, log, sizeof log);
    assert_non_null(strstr(log, "info test access: GET /readyz 503\n"));
    assert_non_null(strstr(log, "info test access: GET /readyz 200\n"));
}

static void test_document(void **state)
{
    struct world *w = *state;
    struct answer_req root = req("GET", "/", ROUTE_ROOT);
    struct answer_req index = req("HEAD", "/index.html", ROUTE_INDEX);
    char log[4096];

    endpoint_document(&w->e, &root, 0); /* nothing loaded yet */
    assert_int_equal(counted(ROUTE_ROOT, 503), 1);
    load(w, "{\"Cluster\": \"Koornacht\"}");
    endpoint_document(&w->e, &root, 0);
    endpoint_document(&w->e, &index, 200); /* ?status=200 is the document itself */
    endpoint_document(&w->e, &root, 418);
    assert_int_equal(counted(ROUTE_ROOT, 200), 1);
    assert_int_equal(counted(ROUTE_INDEX, 200), 1);
    assert_int_equal(counted(ROUTE_ROOT, 418), 1);
    take_log(w, log, sizeof log);
    assert_non_null(strstr(log, "access: GET / 503\n"));
    assert_non_null(strstr(log, "access: HEAD /index.html 200\n"));
    assert_non_null(strstr(log, "access: GET / 418\n"));
}

static void test_admin(void **state)
{
    struct world *w = *state;
    struct answer_req get = req("GET", "/admin/readiness", ROUTE_ADMIN_READINESS);
    struct answer_req post = req("POST", "/admin/readiness", ROUTE_ADMIN_READINESS);
    char log[4096];

    endpoint_admin(&w->e, &get, "false"); /* GET only shows the state */
    assert_int_equal(atomic_load(&w->faults.forced_not_ready), 0);
    endpoint_admin(&w->e, &post, "false");
    assert_int_equal(atomic_load(&w->faults.forced_not_ready), 1);
    endpoint_admin(&w->e, &post, "maybe");
    endpoint_admin(&w->e, &post, NULL);
    assert_int_equal(atomic_load(&w->faults.forced_not_ready), 1); /* bad values change nothing */
    assert_int_equal(counted(ROUTE_ADMIN_READINESS, 200), 2);
    assert_int_equal(counted(ROUTE_ADMIN_READINESS, 400), 2);
    endpoint_admin(&w->e, &post, "true");
    assert_int_equal(atomic_load(&w->faults.forced_not_ready), 0);
    take_log(w, log, sizeof log);
    assert_non_null(strstr(log, "warn test fault: readiness forced to not ready\n"));
    assert_non_null(strstr(log, "warn test fault: readiness forced back to normal\n"));
    assert_non_null(strstr(log, "access: POST /admin/readiness 400\n"));
}

static void test_refusals(void **state)
{
    struct world *w = *state;
    struct answer_req put = req("PUT", "/", ROUTE_ROOT), nope = req("GET", "/nope", ROUTE_OTHER);
    struct answer_req admin = req("GET", "/admin/x", ROUTE_OTHER);

    endpoint_refusal(&w->e, &put, 405, ROUTER_ALLOW_READ);
    endpoint_refusal(&w->e, &nope, 404, NULL);
    endpoint_refusal(&w->e, &admin, 403, NULL);
    assert_int_equal(counted(ROUTE_ROOT, 405), 1);
    assert_int_equal(counted(ROUTE_OTHER, 404), 1);
    assert_int_equal(counted(ROUTE_OTHER, 403), 1);
}

/* A renderer that records what the counters said when it ran. */
static uint64_t seen_at_render;
static size_t spy_render(const void *ctx, char *buf, size_t cap)
{
    (void)ctx;
    seen_at_render = counted(ROUTE_METRICS, 200);
    return (size_t)snprintf(buf, cap, "x 1\n");
}

static void test_metrics_counts_itself(void **state)
{
    struct world *w = *state;
    struct answer_req rq = req("GET", "/metrics", ROUTE_METRICS);

    answer_rendered(&w->answer, &rq, 200, "text/plain", spy_render, NULL);
    assert_int_equal(seen_at_render, 1); /* counted before the body was made */
    endpoint_metrics(&w->e, &rq);
    assert_int_equal(counted(ROUTE_METRICS, 200), 2);
}

static void test_headers_and_quiet_log(void **state)
{
    struct world *w = *state;
    struct MHD_Response *r = answer_response(&w->answer, "application/json", strdup("{}"), 2,
                                             MHD_RESPMEM_MUST_FREE);
    struct answer_req rq = req("GET", "/healthz", ROUTE_HEALTHZ);
    char log[4096];

    assert_non_null(r);
    assert_string_equal(MHD_get_response_header(r, "Content-Type"), "application/json");
    assert_string_equal(MHD_get_response_header(r, "X-Served-By"), "pod-t");
    MHD_destroy_response(r);
    assert_int_equal(answer_fixed_status(ANSWER_BODY_TOO_LARGE), 413);
    w->answer.access_log = 0; /* without --access-log: counted, not logged */
    endpoint_healthz(&w->e, &rq);
    assert_int_equal(counted(ROUTE_HEALTHZ, 200), 1);
    assert_string_equal(take_log(w, log, sizeof log), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readiness_table),
        cmocka_unit_test_setup_teardown(test_readyz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_counts_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headers_and_quiet_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
