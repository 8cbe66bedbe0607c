/* Unit tests for rebel-base/router: the routing table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "router.h"

static void test_routes(void **state)
{
    (void)state;
    static const struct {
        const char *method, *path;
        int faults;
        enum route route;
        int status;
        const char *allow;
    } cases[] = {
        {"GET", "/", 0, ROUTE_ROOT, 0, NULL},
        {"HEAD", "/", 0, ROUTE_ROOT, 0, NULL},
        {"GET", "/index.html", 0, ROUTE_INDEX, 0, NULL},
        {"HEAD", "/index.html", 0, ROUTE_INDEX, 0, NULL},
        {"GET", "/healthz", 0, ROUTE_HEALTHZ, 0, NULL},
        {"GET", "/readyz", 0, ROUTE_READYZ, 0, NULL},
        {"HEAD", "/readyz", 0, ROUTE_READYZ, 0, NULL},
        {"GET", "/metrics", 0, ROUTE_METRICS, 0, NULL},
        {"POST", "/", 0, ROUTE_ROOT, 405, ROUTER_ALLOW_READ},
        {"PUT", "/index.html", 0, ROUTE_INDEX, 405, ROUTER_ALLOW_READ},
        {"DELETE", "/healthz", 0, ROUTE_HEALTHZ, 405, ROUTER_ALLOW_READ},
        {"OPTIONS", "/metrics", 0, ROUTE_METRICS, 405, ROUTER_ALLOW_READ},
        {"get", "/", 0, ROUTE_ROOT, 405, ROUTER_ALLOW_READ}, /* methods are case-sensitive */
        {"GET", "/nope", 0, ROUTE_OTHER, 404, NULL},
        {"POST", "/nope", 0, ROUTE_OTHER, 404, NULL},
        {"GET", "", 0, ROUTE_OTHER, 404, NULL},
        {"GET", "/index.html/", 0, ROUTE_OTHER, 404, NULL},
        {"GET", "//", 0, ROUTE_OTHER, 404, NULL},
        {"GET", "/readyz?x=1", 0, ROUTE_OTHER, 404, NULL}, /* the query is stripped before */
        /* Fault injection off: every /admin path is forbidden, whatever the method. */
        {"POST", "/admin/readiness", 0, ROUTE_ADMIN_READINESS, 403, NULL},
        {"GET", "/admin/readiness", 0, ROUTE_ADMIN_READINESS, 403, NULL},
        {"GET", "/admin", 0, ROUTE_OTHER, 403, NULL},
        {"GET", "/admin/other", 0, ROUTE_OTHER, 403, NULL},
        {"GET", "/admin/", 0, ROUTE_OTHER, 403, NULL},
        /* The prefix ends at a '/': these are other paths, not admin ones. */
        {"GET", "/administrator", 0, ROUTE_OTHER, 404, NULL},
        {"POST", "/admin-readiness", 0, ROUTE_OTHER, 404, NULL},
        {"GET", "/adminx/readiness", 0, ROUTE_OTHER, 404, NULL},
        {"GET", "/admi", 0, ROUTE_OTHER, 404, NULL},
        {"GET", "/Admin/readiness", 0, ROUTE_OTHER, 404, NULL}, /* paths are case-sensitive */
        {"GET", "/x/admin/readiness", 0, ROUTE_OTHER, 404, NULL},
        /* ... and on. */
        {"POST", "/admin/readiness", 1, ROUTE_ADMIN_READINESS, 0, NULL},
        {"GET", "/admin/readiness", 1, ROUTE_ADMIN_READINESS, 0, NULL},
        {"PUT", "/admin/readiness", 1, ROUTE_ADMIN_READINESS, 405, ROUTER_ALLOW_ADMIN},
        {"GET", "/admin/other", 1, ROUTE_OTHER, 404, NULL},
        {"GET", "/administrator", 1, ROUTE_OTHER, 404, NULL},
        {"GET", "/admin", 1, ROUTE_OTHER, 404, NULL},
        {"POST", "/admin/readiness/", 1, ROUTE_OTHER, 404, NULL},
        {"POST", "/", 1, ROUTE_ROOT, 405, ROUTER_ALLOW_READ},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct route_decision d = router_decide(cases[i].method, cases[i].path, cases[i].faults);
        if (d.route != cases[i].route || d.status != cases[i].status)
            fail_msg("case %zu %s %s: route %d status %d, want %d %d", i, cases[i].method,
                     cases[i].path, d.route, d.status, cases[i].route, cases[i].status);
        if (cases[i].allow)
            assert_string_equal(d.allow, cases[i].allow);
        else
            assert_null(d.allow);
    }
}

static void test_labels(void **state)
{
    (void)state;
    assert_string_equal(router_label(ROUTE_ROOT), "/");
    assert_string_equal(router_label(ROUTE_INDEX), "/index.html");
    assert_string_equal(router_label(ROUTE_READYZ), "/readyz");
    assert_string_equal(router_label(ROUTE_OTHER), "other");
    assert_string_equal(router_label(ROUTE_COUNT), "other");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
