#include "endpoints.h"

#include <cjson/cJSON.h>
#include <string.h>

enum readiness readiness(int draining, int have_document, int forced_not_ready)
{
    if (draining)
        return NOT_READY_DRAINING;
    if (!have_document)
        return NOT_READY_NO_DOCUMENT;
    if (forced_not_ready)
        return NOT_READY_FORCED;
    return READY;
}

enum readiness endpoints_readiness(const struct endpoints *e)
{
    size_t bytes;
    uint64_t hash, version;
    document_store_info(e->store, &bytes, &hash, &version);
    return readiness(atomic_load(e->draining), version != 0,
                     atomic_load(&e->faults->forced_not_ready));
}

enum MHD_Result endpoint_refusal(const struct endpoints *e, const struct answer_req *rq,
                                 int status, const char *allow)
{
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        return answer_not_allowed(e->answer, rq, allow);
    if (status == MHD_HTTP_FORBIDDEN)
        return answer_fixed(e->answer, rq, ANSWER_FORBIDDEN);
    return answer_fixed(e->answer, rq, ANSWER_NOT_FOUND);
}

enum MHD_Result endpoint_document(const struct endpoints *e, const struct answer_req *rq,
                                  unsigned forced)
{
    if (forced && forced != MHD_HTTP_OK)
        return answer_json(e->answer, rq, forced, "{\"error\":\"injected fault\",\"status\":%u}\n",
                           forced);
    return answer_document(e->answer, rq, e->store);
}

enum MHD_Result endpoint_healthz(const struct endpoints *e, const struct answer_req *rq)
{
    return answer_fixed(e->answer, rq, ANSWER_HEALTHZ);
}

enum MHD_Result endpoint_readyz(const struct endpoints *e, const struct answer_req *rq)
{
    static const enum answer_fixed by_readiness[] = {
        [READY] = ANSWER_READY,
        [NOT_READY_DRAINING] = ANSWER_NOT_READY_DRAINING,
        [NOT_READY_NO_DOCUMENT] = ANSWER_NOT_READY_NO_DOCUMENT,
        [NOT_READY_FORCED] = ANSWER_NOT_READY_FORCED,
    };
    return answer_fixed(e->answer, rq, by_readiness[endpoints_readiness(e)]);
}

/* What metrics_render needs besides the counters. */
struct metrics_view {
    const struct metrics *metrics;
    struct metrics_state state;
};

static size_t render_metrics(const void *ctx, char *buf, size_t cap)
{
    const struct metrics_view *v = ctx;
    return metrics_render(v->metrics, &v->state, buf, cap);
}

enum MHD_Result endpoint_metrics(const struct endpoints *e, const struct answer_req *rq)
{
    struct metrics_view v = {
        .metrics = e->metrics,
        .state = {
            .ready = endpoints_readiness(e) == READY,
            .draining = atomic_load(e->draining),
            .version = PROJECT_VERSION,
            .mhd_version = MHD_get_version(),
            .cjson_version = cJSON_Version(),
            .threading = e->threading,
        },
    };
    return answer_rendered(e->answer, rq, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                           render_metrics, &v);
}

enum MHD_Result endpoint_admin(const struct endpoints *e, const struct answer_req *rq,
                               const char *ready)
{
    if (strcmp(rq->method, "POST") == 0) {
        int on;
        const char *why = faults_parse_ready(ready, &on);
        if (why)
            return answer_error(e->answer, rq, MHD_HTTP_BAD_REQUEST, why);
        atomic_store(&e->faults->forced_not_ready, !on);
        log_event(e->log, LOG_WARN, "fault", "readiness forced %s",
                  on ? "back to normal" : "to not ready");
    }
    return answer_json(e->answer, rq, MHD_HTTP_OK, "{\"forced_not_ready\":%s}\n",
                       atomic_load(&e->faults->forced_not_ready) ? "true" : "false");
}
