#include "deadline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int deadline_init(struct deadline *d, uint64_t timeout_ms, struct error *err)
{
    memset(d, 0, sizeof *d);
    d->timeout_ms = timeout_ms;
    int rc = pthread_mutex_init(&d->lock, NULL);
    if (rc)
        return error_set(err, "start", "cannot create the header deadline's lock: %s",
                         strerror(rc));
    return 0;
}

static void unlink_conn(struct deadline *d, struct deadline_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        d->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        d->tail = c->prev;
    c->prev = c->next = NULL;
    c->linked = 0;
    d->pending--;
}

void deadline_destroy(struct deadline *d)
{
    while (d->head) {
        struct deadline_conn *c = d->head;
        unlink_conn(d, c);
        free(c);
    }
    pthread_mutex_destroy(&d->lock);
}

struct deadline_conn *deadline_open(struct deadline *d, int fd, uint64_t now_ms)
{
    if (!d->timeout_ms || fd < 0)
        return NULL;
    struct deadline_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->due_ms = now_ms + d->timeout_ms;
    atomic_init(&c->done, 0);
    pthread_mutex_lock(&d->lock);
    /* Opens come from several MHD threads: keep the list sorted even if one
     * with an earlier clock reading arrives late. */
    struct deadline_conn *after = d->tail;
    while (after && after->due_ms > c->due_ms)
        after = after->prev;
    c->prev = after;
    c->next = after ? after->next : d->head;
    if (c->next)
        c->next->prev = c;
    else
        d->tail = c;
    if (after)
        after->next = c;
    else
        d->head = c;
    c->linked = 1;
    d->pending++;
    pthread_mutex_unlock(&d->lock);
    return c;
}

void deadline_done(struct deadline_conn *c)
{
    if (c)
        atomic_store_explicit(&c->done, 1, memory_order_relaxed);
}

void deadline_close(struct deadline *d, struct deadline_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&d->lock);
    if (c->linked)
        unlink_conn(d, c);
    pthread_mutex_unlock(&d->lock);
    free(c);
}

size_t deadline_sweep(struct deadline *d, uint64_t now_ms, deadline_expire_fn expire, void *ctx)
{
    size_t expired = 0;
    pthread_mutex_lock(&d->lock);
    while (d->head && d->head->due_ms <= now_ms) {
        struct deadline_conn *c = d->head;
        /* Still under the lock: c is registered, so its fd is still its own. */
        if (!atomic_load_explicit(&c->done, memory_order_relaxed)) {
            expire(c->fd, ctx);
            expired++;
        }
        unlink_conn(d, c);
    }
    pthread_mutex_unlock(&d->lock);
    return expired;
}

size_t deadline_pending(struct deadline *d)
{
    pthread_mutex_lock(&d->lock);
    size_t n = d->pending;
    pthread_mutex_unlock(&d->lock);
    return n;
}
