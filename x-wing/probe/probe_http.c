#include "probe_http.h"

#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "probe_shared.h"
#include "probe_render.h"
#include "promtext.h"

#define TEXT "text/plain; charset=utf-8"

static enum MHD_Result say(struct MHD_Connection *conn, unsigned code, const char *allow,
                           const char *text)
{
    return httpd_respond(conn, code, TEXT, allow, strdup(text));
}

/* Renders under the lock the round loop takes to finish a round, so a reader
 * sees whole rounds only. */
static enum MHD_Result render(struct MHD_Connection *conn, struct probe *p, int metrics)
{
    char *body;
    pthread_mutex_lock(&p->lock);
    body = metrics ? probe_render_metrics(&p->state)
                   : probe_render_page(&p->state, p->header, p->max_body);
    pthread_mutex_unlock(&p->lock);
    if (!body)
        return say(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory\n");
    return httpd_respond(conn, MHD_HTTP_OK, metrics ? PROMTEXT_CONTENT_TYPE : TEXT, NULL, body);
}

enum MHD_Result probe_http_answer(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct probe *p = cls;
    (void)version, (void)upload, (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return say(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, HEAD", "only GET and HEAD\n");
    if (*upload_size)
        return say(conn, MHD_HTTP_BAD_REQUEST, NULL, "no request body expected\n");
    if (strcmp(url, "/metrics") == 0)
        return render(conn, p, 1);
    if (strcmp(url, "/") == 0)
        return render(conn, p, 0);
    if (strcmp(url, "/healthz") == 0)
        return httpd_healthz(conn);
    return say(conn, MHD_HTTP_NOT_FOUND, NULL, "not found: try /metrics, /healthz or /\n");
}
