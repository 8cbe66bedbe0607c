/* probe_http: what `xwing probe` answers on --listen.
 *
 *   GET /metrics   the Prometheus text (probe_render.h)
 *   GET /healthz   200 {"status":"ok"} while the probe runs
 *   GET /          the live tally per target, as xwing's text report
 * HEAD as GET without the body; other methods 405 with Allow; other paths 404
 * naming the three; a request body 400. */
#ifndef XW_PROBE_HTTP_H
#define XW_PROBE_HTTP_H

#include <microhttpd.h>

/* The libmicrohttpd access handler; cls is the struct probe. */
enum MHD_Result probe_http_answer(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls);

#endif
