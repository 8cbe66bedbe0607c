/* endpoints: what each route answers, all through the emitter (answer.h): the
 * document (with a forced status from fault injection), /healthz, /readyz,
 * /metrics, /admin/readiness, and the router's refusals (403, 404, 405).
 * Request parameters come in as plain strings, looked up by the caller, so
 * every endpoint runs in a unit test without a connection. */
#ifndef REBEL_BASE_ENDPOINTS_H
#define REBEL_BASE_ENDPOINTS_H

#include <stdatomic.h>

#include "answer.h"
#include "document.h"
#include "faults.h"
#include "log.h"
#include "metrics.h"

enum readiness {
    READY,
    NOT_READY_DRAINING,
    NOT_READY_NO_DOCUMENT,
    NOT_READY_FORCED,
};

/* The one readiness rule: draining wins (the pod is leaving), then a missing
 * document (nothing to serve), then a not-ready forced by fault injection. */
enum readiness readiness(int draining, int have_document, int forced_not_ready);

/* What the endpoints read and change; the server owns it. */
struct endpoints {
    const struct answer *answer;
    const struct log *log;
    struct document_store *store;
    struct metrics *metrics;
    struct faults *faults;          /* forced_not_ready */
    const atomic_int *draining;     /* set once a stop signal came */
    const char *threading;          /* for rebel_base_build_info */
};

/* readiness() of the server now. */
enum readiness endpoints_readiness(const struct endpoints *e);

/* The router's refusal: 403, 405 with Allow: allow, else 404. */
enum MHD_Result endpoint_refusal(const struct endpoints *e, const struct answer_req *rq,
                                 int status, const char *allow);

/* The document; with forced (?status=, not 0 or 200) that status and
 * {"error":"injected fault","status":N} instead. */
enum MHD_Result endpoint_document(const struct endpoints *e, const struct answer_req *rq,
                                  unsigned forced);

enum MHD_Result endpoint_healthz(const struct endpoints *e, const struct answer_req *rq);
enum MHD_Result endpoint_readyz(const struct endpoints *e, const struct answer_req *rq);
enum MHD_Result endpoint_metrics(const struct endpoints *e, const struct answer_req *rq);

/* GET/HEAD show {"forced_not_ready":bool}; POST first sets it from ready
 * (?ready=false forces /readyz to 503, true undoes it; missing or anything
 * else is a 400 naming the parameter). */
enum MHD_Result endpoint_admin(const struct endpoints *e, const struct answer_req *rq,
                               const char *ready);

#endif
