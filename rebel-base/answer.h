/* answer: the one way rebel-base answers a request.
 *
 * Every response gets its headers here (Content-Type, X-Served-By, and Allow
 * on a 405), is queued here, and is counted in the metrics by route and status
 * and written to the access log (with --access-log) here, so no endpoint can
 * forget one of them. Fixed answers (probes, refusals, 503 without a document)
 * are built once and shared by every connection; one-off bodies (fault
 * injection, /admin, /metrics) are built per request, off the hot path.
 * The document's response is built here too, once per version (document.h). */
#ifndef REBEL_BASE_ANSWER_H
#define REBEL_BASE_ANSWER_H

#include <stddef.h>

#include <microhttpd.h>

#include "document.h"
#include "error.h"
#include "log.h"
#include "metrics.h"
#include "router.h"

enum answer_fixed {
    ANSWER_NOT_FOUND,
    ANSWER_FORBIDDEN,
    ANSWER_HEALTHZ,
    ANSWER_READY,
    ANSWER_NOT_READY_NO_DOCUMENT,
    ANSWER_NOT_READY_DRAINING,
    ANSWER_NOT_READY_FORCED,
    ANSWER_NO_DOCUMENT,
    ANSWER_BODY_TOO_LARGE,
    ANSWER_FIXED_COUNT
};

struct answer {
    const char *served_by;   /* X-Served-By on every response */
    struct metrics *metrics; /* requests are counted here */
    const struct log *log;   /* access lines go here */
    int access_log;          /* --access-log */
    struct MHD_Response *fixed[ANSWER_FIXED_COUNT]; /* built by answer_init */
};

/* One request, as counted and logged: route is the metrics label. */
struct answer_req {
    struct MHD_Connection *conn;
    const char *method, *url;
    enum route route;
};

/* Builds the fixed answers for the fields the caller set (served_by, metrics,
 * log, access_log). Returns 0, or -1 with err (step "start"). */
int answer_init(struct answer *a, struct error *err);

/* Frees the fixed answers (after the daemon stopped). */
void answer_destroy(struct answer *a);

/* The status of a fixed answer. */
unsigned answer_fixed_status(enum answer_fixed k);

/* A response for len bytes of body as content type type, with X-Served-By.
 * With MHD_RESPMEM_MUST_FREE body is owned from here on: freed with the
 * response, or at once when NULL (out of memory) is returned. */
struct MHD_Response *answer_response(const struct answer *a, const char *type, void *body,
                                     size_t len, enum MHD_ResponseMemoryMode mode);

/* Answers with a fixed answer. */
enum MHD_Result answer_fixed(const struct answer *a, const struct answer_req *rq,
                             enum answer_fixed k);

/* 405 {"error":"method not allowed"} with Allow: allow. */
enum MHD_Result answer_not_allowed(const struct answer *a, const struct answer_req *rq,
                                   const char *allow);

/* status with {"error":WHY} (common/http.h). */
enum MHD_Result answer_error(const struct answer *a, const struct answer_req *rq, unsigned status,
                             const char *why);

/* status with a one-off JSON body from a printf format. */
enum MHD_Result answer_json(const struct answer *a, const struct answer_req *rq, unsigned status,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Writes a body like snprintf: returns the length it needs, writes at most
 * cap-1 bytes and a NUL (buf may be NULL when cap is 0). */
typedef size_t (*answer_render_fn)(const void *ctx, char *buf, size_t cap);

/* status with a body render produces as content type type. The request is
 * counted before the body is rendered, so a /metrics scrape shows itself. */
enum MHD_Result answer_rendered(const struct answer *a, const struct answer_req *rq,
                                unsigned status, const char *type, answer_render_fn render,
                                const void *ctx);

/* The document_respond_fn for the store (ctx is the struct answer): the
 * document's bytes as application/json with X-Served-By. */
struct MHD_Response *answer_document_response(void *ctx, char *buf, size_t len);

/* 200 with the store's current version, queued under the store's lock (see
 * document.h); without a valid version, the fixed 503 ANSWER_NO_DOCUMENT. */
enum MHD_Result answer_document(const struct answer *a, const struct answer_req *rq,
                                struct document_store *store);

#endif
