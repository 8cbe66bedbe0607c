#include "reload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RELOAD_YOUNG_NS (2LL * 1000000000LL)

void reload_init(struct reload *w, const char *path, struct document_store *store,
                struct metrics *metrics, const struct log *log)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    w->store = store;
    w->metrics = metrics;
    w->log = log;
}

int reload_key_changed(const struct reload_key *a, const struct reload_key *b)
{
    if (a->ok != b->ok)
        return 1;
    if (!a->ok)
        return a->err != b->err;
    return a->dev != b->dev || a->ino != b->ino || a->size != b->size ||
           a->mtime_ns != b->mtime_ns || a->ctime_ns != b->ctime_ns;
}

static void stat_key(const char *path, struct reload_key *k)
{
    struct stat st;
    memset(k, 0, sizeof *k);
    if (stat(path, &st) != 0) {
        k->err = errno;
        return;
    }
    k->ok = 1;
    k->dev = st.st_dev;
    k->ino = st.st_ino;
    k->size = st.st_size;
    k->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    k->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
}

int reload_key_young(const struct reload_key *k, uint64_t wall_ns)
{
    int64_t n = (int64_t)wall_ns;
    return k->ok && (n - k->mtime_ns < RELOAD_YOUNG_NS || n - k->ctime_ns < RELOAD_YOUNG_NS);
}

static void fail(struct reload *w, const char *why)
{
    size_t bytes;
    uint64_t hash, version;

    metrics_reload_failed(w->metrics);
    w->last_failed = 1;
    if (strcmp(why, w->last_error) == 0)
        return; /* the same cause again: counted, not logged */
    snprintf(w->last_error, sizeof w->last_error, "%s", why);
    document_store_info(w->store, &bytes, &hash, &version);
    if (version)
        log_event(w->log, LOG_WARN, "reload-failed", "%s; still serving version %llu (%zu bytes)",
                  why, (unsigned long long)version, bytes);
    else
        log_event(w->log, LOG_ERROR, "load-failed", "%s; not ready until a valid document appears",
                  why);
}

/* The new version is served: count, log, and forget the last failure. */
static void loaded(struct reload *w, uint64_t version, size_t len, uint64_t took_ns,
                   uint64_t wall_ns)
{
    metrics_reload_ok(w->metrics, len, version, took_ns, wall_ns / 1000000);
    w->last_failed = 0;
    w->last_error[0] = '\0';
    log_event(w->log, LOG_INFO, "document-loaded", "%s: version %llu, %zu bytes, %.3f ms", w->path,
              (unsigned long long)version, len, (double)took_ns / 1e6);
}

enum reload_result reload_tick(struct reload *w, const struct clock *clk)
{
    struct reload_key now;
    struct error err;
    size_t len, bytes;
    uint64_t hash, version, t0;
    char *buf;
    int changed;

    stat_key(w->path, &now);
    document_store_info(w->store, &bytes, &hash, &version);
    changed = !w->tried || reload_key_changed(&w->last, &now);
    if (!changed && version && !reload_key_young(&now, clk->wall_ns()))
        return RELOAD_UNCHANGED;
    if (!changed && !version && w->last_failed && !now.ok)
        return RELOAD_UNCHANGED; /* still missing: nothing to retry with */
    w->last = now;
    w->tried = 1;
    t0 = clk->mono_ns();
    if (document_read(w->path, &buf, &len, &err)) {
        /* An unchanged file that failed before fails again: count only changes,
         * so a bad document does not tick the counter every 100ms. */
        if (changed || !w->last_failed)
            fail(w, err.msg);
        return RELOAD_FAILED;
    }
    if (version && len == bytes && document_hash(buf, len) == hash) {
        free(buf); /* same bytes (young file re-read, or touch): nothing to do */
        w->last_failed = 0;
        w->last_error[0] = '\0';
        return RELOAD_UNCHANGED;
    }
    version = document_store_swap(w->store, buf, len);
    if (!version) {
        fail(w, "cannot build the response (out of memory)");
        return RELOAD_FAILED;
    }
    uint64_t took = clk->mono_ns() - t0;
    loaded(w, version, len, took, clk->wall_ns());
    return RELOAD_LOADED;
}
