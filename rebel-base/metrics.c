#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void metrics_init(struct metrics *m)
{
    memset(m, 0, sizeof *m);
}

void metrics_reload_ok(struct metrics *m, uint64_t bytes, uint64_t version, uint64_t load_ns,
                       uint64_t unix_ms)
{
    atomic_store(&m->doc_bytes, bytes);
    atomic_store(&m->doc_version, version);
    atomic_store(&m->doc_load_ns, load_ns);
    atomic_store(&m->doc_loaded_unix_ms, unix_ms);
    atomic_fetch_add(&m->reloads_ok, 1);
}

void metrics_reload_failed(struct metrics *m)
{
    atomic_fetch_add(&m->reloads_failed, 1);
}

int64_t metrics_open_connections(struct metrics *m)
{
    return atomic_load_explicit(&m->open_connections, memory_order_relaxed);
}

int64_t metrics_connection(struct metrics *m, int opened)
{
    if (opened) {
        atomic_fetch_add_explicit(&m->connections_total, 1, memory_order_relaxed);
        return atomic_fetch_add_explicit(&m->open_connections, 1, memory_order_relaxed) + 1;
    }
    return atomic_fetch_sub_explicit(&m->open_connections, 1, memory_order_relaxed) - 1;
}

/* An snprintf that appends and keeps counting past cap. */
struct out {
    char *buf;
    size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    va_start(ap, fmt);
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
    put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t load(const _Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

/* The request counters: one line per route and status seen, none for zeros. */
static void put_requests(struct out *o, const struct metrics *m)
{
    head(o, "rebel_base_http_requests_total", "counter", "Requests answered, by path and status code.");
    for (int r = 0; r < ROUTE_COUNT; r++) {
        for (int c = 0; c < METRICS_MAX_STATUS; c++) {
            uint64_t n = load(&m->requests[r][c]);
            if (!n)
                continue;
            if (c)
                put(o, "rebel_base_http_requests_total{path=\"%s\",code=\"%d\"} %llu\n",
                    router_label((enum route)r), c, (unsigned long long)n);
            else
                put(o, "rebel_base_http_requests_total{path=\"%s\",code=\"other\"} %llu\n",
                    router_label((enum route)r), (unsigned long long)n);
        }
    }
}

size_t metrics_render(const struct metrics *m, const struct metrics_state *s, char *buf,
                      size_t cap)
{
    struct out o = {buf, cap, 0};
    uint64_t ms = load(&m->doc_loaded_unix_ms);

    if (cap)
        buf[0] = '\0';
    head(&o, "rebel_base_build_info", "gauge", "Build and library versions.");
    put(&o, "rebel_base_build_info{version=\"%s\",libmicrohttpd=\"%s\",cjson=\"%s\",threading=\"%s\"} 1\n",
        s->version, s->mhd_version, s->cjson_version, s->threading);
    put_requests(&o, m);
    head(&o, "rebel_base_document_reloads_total", "counter", "Document loads by result.");
    put(&o, "rebel_base_document_reloads_total{result=\"ok\"} %llu\n",
        (unsigned long long)load(&m->reloads_ok));
    put(&o, "rebel_base_document_reloads_total{result=\"failed\"} %llu\n",
        (unsigned long long)load(&m->reloads_failed));
    head(&o, "rebel_base_document_bytes", "gauge", "Size of the document being served (0: none).");
    put(&o, "rebel_base_document_bytes %llu\n", (unsigned long long)load(&m->doc_bytes));
    head(&o, "rebel_base_document_version", "gauge", "Number of the served version, +1 per reload.");
    put(&o, "rebel_base_document_version %llu\n", (unsigned long long)load(&m->doc_version));
    head(&o, "rebel_base_document_loaded_timestamp_seconds", "gauge",
         "Unix time of the last successful load.");
    put(&o, "rebel_base_document_loaded_timestamp_seconds %llu.%03llu\n",
        (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
    head(&o, "rebel_base_document_load_seconds", "gauge",
         "Time the last successful load took (read, parse, build).");
    put(&o, "rebel_base_document_load_seconds %.6f\n", (double)load(&m->doc_load_ns) / 1e9);
    head(&o, "rebel_base_open_connections", "gauge", "Open client connections.");
    put(&o, "rebel_base_open_connections %lld\n",
        (long long)atomic_load_explicit(&m->open_connections, memory_order_relaxed));
    head(&o, "rebel_base_connections_total", "counter", "Client connections accepted.");
    put(&o, "rebel_base_connections_total %llu\n", (unsigned long long)load(&m->connections_total));
    head(&o, "rebel_base_ready", "gauge", "1 while /readyz answers 200.");
    put(&o, "rebel_base_ready %d\n", s->ready ? 1 : 0);
    head(&o, "rebel_base_draining", "gauge", "1 after SIGTERM/SIGINT.");
    put(&o, "rebel_base_draining %d\n", s->draining ? 1 : 0);
    return o.len;
}
