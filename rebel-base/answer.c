#include "answer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static const struct {
    unsigned status;
    const char *body;
} fixed_text[ANSWER_FIXED_COUNT] = {
    [ANSWER_NOT_FOUND] = {404, "{\"error\":\"not found\"}\n"},
    [ANSWER_FORBIDDEN] = {403, "{\"error\":\"fault injection is disabled; start with --allow-faults\"}\n"},
    [ANSWER_HEALTHZ] = {200, "{\"status\":\"ok\"}\n"},
    [ANSWER_READY] = {200, "{\"ready\":true}\n"},
    [ANSWER_NOT_READY_NO_DOCUMENT] = {503, "{\"ready\":false,\"reason\":\"no valid document loaded\"}\n"},
    [ANSWER_NOT_READY_DRAINING] = {503, "{\"ready\":false,\"reason\":\"draining\"}\n"},
    [ANSWER_NOT_READY_FORCED] = {503, "{\"ready\":false,\"reason\":\"forced not ready (fault injection)\"}\n"},
    [ANSWER_NO_DOCUMENT] = {503, "{\"error\":\"no valid document loaded\"}\n"},
    [ANSWER_BODY_TOO_LARGE] = {413, "{\"error\":\"request bodies over 16384 bytes are refused\"}\n"},
};

static const char not_allowed_body[] = "{\"error\":\"method not allowed\"}\n";

unsigned answer_fixed_status(enum answer_fixed k)
{
    return fixed_text[k].status;
}

struct MHD_Response *answer_response(const struct answer *a, const char *type, void *body,
                                     size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return NULL;
    }
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
        MHD_add_response_header(r, HTTP_SERVED_BY, a->served_by) != MHD_YES) {
        MHD_destroy_response(r); /* frees a MUST_FREE body */
        return NULL;
    }
    return r;
}

int answer_init(struct answer *a, struct error *err)
{
    memset(a->fixed, 0, sizeof a->fixed);
    for (int k = 0; k < ANSWER_FIXED_COUNT; k++) {
        const char *b = fixed_text[k].body;
        a->fixed[k] = answer_response(a, HTTP_JSON, (void *)b, strlen(b), MHD_RESPMEM_PERSISTENT);
        if (!a->fixed[k]) {
            answer_destroy(a);
            return error_set(err, "start", "cannot build responses (out of memory)");
        }
    }
    return 0;
}

void answer_destroy(struct answer *a)
{
    for (int k = 0; k < ANSWER_FIXED_COUNT; k++) {
        if (a->fixed[k])
            MHD_destroy_response(a->fixed[k]);
        a->fixed[k] = NULL;
    }
}

/* The access-log line, once the answer is queued (or failed to be). */
static enum MHD_Result logged(const struct answer *a, const struct answer_req *rq, unsigned status,
                              enum MHD_Result rc)
{
    if (a->access_log)
        log_event(a->log, LOG_INFO, "access", "%s %s %u", rq->method, rq->url, status);
    return rc;
}

/* Counts and logs an answer whatever MHD_queue_response said: the request
 * was answered as far as the server is concerned. */
static enum MHD_Result sent(const struct answer *a, const struct answer_req *rq, unsigned status,
                            enum MHD_Result rc)
{
    metrics_count_request(a->metrics, rq->route, status);
    return logged(a, rq, status, rc);
}

/* Queues a one-off response and drops this reference to it (MHD keeps its own). */
static enum MHD_Result send_once(const struct answer *a, const struct answer_req *rq,
                                 unsigned status, struct MHD_Response *r)
{
    if (!r)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(rq->conn, status, r);
    MHD_destroy_response(r);
    return sent(a, rq, status, rc);
}

enum MHD_Result answer_fixed(const struct answer *a, const struct answer_req *rq,
                             enum answer_fixed k)
{
    unsigned status = fixed_text[k].status;
    return sent(a, rq, status, MHD_queue_response(rq->conn, status, a->fixed[k]));
}

enum MHD_Result answer_not_allowed(const struct answer *a, const struct answer_req *rq,
                                   const char *allow)
{
    struct MHD_Response *r = answer_response(a, HTTP_JSON, (void *)not_allowed_body,
                                             sizeof not_allowed_body - 1, MHD_RESPMEM_PERSISTENT);
    if (r && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES) {
        MHD_destroy_response(r);
        r = NULL;
    }
    return send_once(a, rq, MHD_HTTP_METHOD_NOT_ALLOWED, r);
}

enum MHD_Result answer_error(const struct answer *a, const struct answer_req *rq, unsigned status,
                             const char *why)
{
    char *body = http_json_error(why);
    if (!body)
        return MHD_NO;
    return send_once(a, rq, status,
                     answer_response(a, HTTP_JSON, body, strlen(body), MHD_RESPMEM_MUST_FREE));
}

enum MHD_Result answer_json(const struct answer *a, const struct answer_req *rq, unsigned status,
                            const char *fmt, ...)
{
    char *body = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&body, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MHD_NO;
    return send_once(a, rq, status,
                     answer_response(a, HTTP_JSON, body, (size_t)n, MHD_RESPMEM_MUST_FREE));
}

enum MHD_Result answer_rendered(const struct answer *a, const struct answer_req *rq,
                                unsigned status, const char *type, answer_render_fn render,
                                const void *ctx)
{
    metrics_count_request(a->metrics, rq->route, status);
    /* Room for lines that appear between measuring and rendering (a first
     * request on a new path or status). */
    size_t need = render(ctx, NULL, 0) + 1024;
    char *buf = malloc(need);
    if (!buf)
        return MHD_NO;
    size_t len = render(ctx, buf, need);
    if (len >= need)
        len = need - 1;
    struct MHD_Response *r = answer_response(a, type, buf, len, MHD_RESPMEM_MUST_FREE);
    if (!r)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(rq->conn, status, r);
    MHD_destroy_response(r);
    return logged(a, rq, status, rc);
}

struct MHD_Response *answer_document_response(void *ctx, char *buf, size_t len)
{
    return answer_response(ctx, HTTP_JSON, buf, len, MHD_RESPMEM_MUST_FREE);
}

/* The document_queue_fn: runs under the store's read lock, so it only queues;
 * answer_document counts and logs after the lock is released. */
static int queue_current(const void *ctx, struct MHD_Response *current)
{
    const struct answer_req *rq = ctx;
    return MHD_queue_response(rq->conn, MHD_HTTP_OK, current) == MHD_YES ? MHD_YES : MHD_NO;
}

enum MHD_Result answer_document(const struct answer *a, const struct answer_req *rq,
                                struct document_store *store)
{
    int rc = document_store_queue(store, queue_current, rq);
    if (rc < 0)
        return answer_fixed(a, rq, ANSWER_NO_DOCUMENT);
    return sent(a, rq, MHD_HTTP_OK, (enum MHD_Result)rc);
}
