/* router: the pure routing decision, method + path -> what to answer.
 * No libmicrohttpd here, so every rule is unit tested as a table. */
#ifndef REBEL_BASE_ROUTER_H
#define REBEL_BASE_ROUTER_H

/* Also the metrics "path" label: unknown paths share ROUTE_OTHER so a
 * scanner cannot grow the label set. */
enum route {
    ROUTE_ROOT,            /* "/" */
    ROUTE_INDEX,           /* "/index.html" */
    ROUTE_HEALTHZ,
    ROUTE_READYZ,
    ROUTE_METRICS,
    ROUTE_ADMIN_READINESS,
    ROUTE_OTHER,
    ROUTE_COUNT
};

struct route_decision {
    enum route route;
    int status;          /* 0: the route's handler answers; else answer this error */
    const char *allow;   /* the Allow header for a 405, else NULL */
};

#define ROUTER_ALLOW_READ "GET, HEAD"
#define ROUTER_ALLOW_ADMIN "GET, HEAD, POST"

/* Decides for method and path (the path without its query string).
 * GET and HEAD work on /, /index.html, /healthz, /readyz, /metrics; other
 * methods there get 405. /admin/readiness takes GET, HEAD, POST when faults
 * are allowed; without them every /admin path is 403. Anything else is 404. */
struct route_decision router_decide(const char *method, const char *path, int allow_faults);

/* The path label for metrics, e.g. "/readyz" or "other". */
const char *router_label(enum route r);

#endif
