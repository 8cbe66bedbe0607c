#include "router.h"

#include <string.h>

static const struct {
    const char *path;
    enum route route;
} table[] = {
    {"/", ROUTE_ROOT},
    {"/index.html", ROUTE_INDEX},
    {"/healthz", ROUTE_HEALTHZ},
    {"/readyz", ROUTE_READYZ},
    {"/metrics", ROUTE_METRICS},
    {"/admin/readiness", ROUTE_ADMIN_READINESS},
};

static const char *const labels[ROUTE_COUNT] = {
    [ROUTE_ROOT] = "/",
    [ROUTE_INDEX] = "/index.html",
    [ROUTE_HEALTHZ] = "/healthz",
    [ROUTE_READYZ] = "/readyz",
    [ROUTE_METRICS] = "/metrics",
    [ROUTE_ADMIN_READINESS] = "/admin/readiness",
    [ROUTE_OTHER] = "other",
};

const char *router_label(enum route r)
{
    return r < ROUTE_COUNT ? labels[r] : "other";
}

static int is_read(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

struct route_decision router_decide(const char *method, const char *path, int allow_faults)
{
    struct route_decision d = {ROUTE_OTHER, 404, NULL};

    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(path, table[i].path) == 0) {
            d.route = table[i].route;
            break;
        }
    }
    if (strcmp(path, "/admin") == 0 || strncmp(path, "/admin/", 7) == 0) {
        if (!allow_faults) {
            d.status = 403;
            return d;
        }
        if (d.route != ROUTE_ADMIN_READINESS)
            return d;
        if (is_read(method) || strcmp(method, "POST") == 0)
            d.status = 0;
        else
            d.status = 405, d.allow = ROUTER_ALLOW_ADMIN;
        return d;
    }
    if (d.route == ROUTE_OTHER)
        return d;
    if (is_read(method))
        d.status = 0;
    else
        d.status = 405, d.allow = ROUTER_ALLOW_READ;
    return d;
}
