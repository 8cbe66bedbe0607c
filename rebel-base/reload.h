/* reload: notice that the document changed and reload it.
 *
 * Polls stat() of the path, following symlinks, every --watch-interval
 * (100ms by default) and compares device, inode, size, mtime and ctime. That
 * one mechanism sees all three ways the file changes: the kubelet's ..data
 * symlink swap (the path now resolves to a new inode), a rename over the path
 * (new inode) and a rewrite in place (size/mtime/ctime). inotify would need
 * watches on the directory and on every symlink hop, re-armed after each swap;
 * a stat per 100ms costs nothing measurable. A rewrite within the same
 * timestamp tick keeps the same stat, so while the file's mtime is less than
 * 2s old it is also re-read and compared by hash. While no valid document is
 * loaded, every tick retries. Failures are logged once per distinct cause. */
#ifndef REBEL_BASE_RELOAD_H
#define REBEL_BASE_RELOAD_H

#include <stdint.h>
#include <sys/types.h>

#include "clock.h"
#include "document.h"
#include "error.h"
#include "log.h"
#include "metrics.h"

struct reload_key {
    int ok;            /* stat succeeded */
    int err;           /* errno when it did not */
    dev_t dev;
    ino_t ino;
    off_t size;
    int64_t mtime_ns, ctime_ns;
};

struct reload {
    const char *path;
    struct document_store *store;
    struct metrics *metrics;
    const struct log *log;
    struct reload_key last;   /* what the last load attempt saw */
    int tried;               /* a load was attempted at least once */
    int last_failed;         /* the last attempt failed */
    char last_error[ERROR_MSG_MAX]; /* its cause, to log each cause once */
};

enum reload_result { RELOAD_UNCHANGED, RELOAD_LOADED, RELOAD_FAILED };

void reload_init(struct reload *w, const char *path, struct document_store *store,
                struct metrics *metrics, const struct log *log);

/* Pure: does a file with key now differ from last, so it must be reloaded? */
int reload_key_changed(const struct reload_key *last, const struct reload_key *now);

/* Pure: is a file with key young enough at wall_ns (ns since the epoch) that
 * a rewrite within the same timestamp tick could still come (under 2 s)? */
int reload_key_young(const struct reload_key *k, uint64_t wall_ns);

/* One poll: stats the path and (re)loads the document when it changed, when
 * it is young enough that a same-tick rewrite is possible, or when no valid
 * version exists yet. Logs and counts the outcome. clk dates the load (its
 * duration and wall time, for the metrics) and decides what is young. */
enum reload_result reload_tick(struct reload *w, const struct clock *clk);

#endif
