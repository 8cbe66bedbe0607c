/* fuzz_request: what rebel-base does with the parts of a request a client
 * controls before any document is touched: the routing decision (method,
 * path) and the fault-injection parameters (?delay=, ?status=, ?ready=).
 * The input, split at NUL bytes, gives method, path, delay, status, ready.
 * Checks, besides ASan/UBSan: the route is in range and has a metrics label;
 * the status is 0 or 403/404/405; a 405 (and only a 405) carries Allow; a
 * parsed delay is within the cap and a forced status is in 200..599 (faults.h).
 * SOURCES: rebel-base/router.c rebel-base/faults.c common/opt.c common/clock.c common/error.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *part[5] = {NULL, NULL, NULL, NULL, NULL};
    size_t np = 0;
    for (char *p = copy; np < 5 && p <= copy + size; p += strlen(p) + 1)
        part[np++] = p;
    const char *method = part[0] ? part[0] : "GET", *path = part[1] ? part[1] : "/";

    for (int allow = 0; allow <= 1; allow++) {
        struct route_decision d = router_decide(method, path, allow);
        if ((unsigned)d.route >= ROUTE_COUNT || !router_label(d.route))
            abort();
        if (d.status != 0 && d.status != 403 && d.status != 404 && d.status != 405)
            abort();
        if ((d.status == 405) != (d.allow != NULL))
            abort();
    }
    struct faults_request fr;
    uint64_t cap = (size ? data[0] : 0) * 1000ull;
    if (!faults_parse_request(part[2], part[3], cap, &fr)) {
        if (fr.delay_ms > cap)
            abort();
        if (fr.status != 0 && (fr.status < 200 || fr.status > 599))
            abort();
    }
    int ready = -1;
    if (!faults_parse_ready(part[4], &ready) && ready != 0 && ready != 1)
        abort();
    free(copy);
    return 0;
}
