#include "trim.h"

#include <stdbool.h>
#include <stddef.h>

/* Weak: resolved when the allocator is linked in, NULL when not (glibc has
 * malloc_trim, musl has not; only the images link mimalloc). Declared here
 * rather than through <malloc.h> and <mimalloc.h>, which the dev build and
 * musl lack. */
struct mi_heap_s;
extern int malloc_trim(size_t pad) __attribute__((weak));
extern void mi_collect(bool force) __attribute__((weak));
extern void mi_thread_done(void) __attribute__((weak));
extern struct mi_heap_s *mi_heap_get_default(void) __attribute__((weak));

void trim_init(struct trim *t, int64_t min_drop, uint64_t interval_ms, trim_release_fn release,
               trim_release_fn thread_release)
{
    atomic_init(&t->peak, 0);
    atomic_init(&t->pending, 0);
    t->last_ms = 0;
    t->releases = 0;
    t->min_drop = min_drop;
    t->interval_ms = interval_ms;
    t->release = release;
    t->thread_release = thread_release;
}

int trim_due(int64_t peak, int64_t open, uint64_t last_ms, uint64_t now_ms, int64_t min_drop,
             uint64_t interval_ms)
{
    if (peak - open < min_drop)
        return 0;
    return last_ms == 0 || now_ms - last_ms >= interval_ms;
}

int trim_connection(struct trim *t, int64_t open, int opened)
{
    int64_t peak = atomic_load_explicit(&t->peak, memory_order_relaxed);
    while (opened && open > peak &&
           !atomic_compare_exchange_weak_explicit(&t->peak, &peak, open, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
    if (!atomic_load_explicit(&t->pending, memory_order_relaxed) ||
        !atomic_exchange(&t->pending, 0))
        return 0;
    t->thread_release();
    return 1;
}

int64_t trim_tick(struct trim *t, int64_t open, uint64_t now_ms)
{
    int64_t peak = atomic_load_explicit(&t->peak, memory_order_relaxed);

    if (!trim_due(peak, open, t->last_ms, now_ms, t->min_drop, t->interval_ms))
        return 0;
    /* A connection opening meanwhile raises it again: the next check sees it. */
    atomic_store_explicit(&t->peak, open, memory_order_relaxed);
    t->last_ms = now_ms ? now_ms : 1;
    t->release();
    if (t->thread_release)
        atomic_store(&t->pending, 1);
    t->releases++;
    return peak - open;
}

/* mimalloc 2.0 decommits a thread's free pages only when that thread
 * allocates in the same segment again (25 ms after the free), and mi_collect
 * does not force it for a live heap: after a burst the epoll thread goes quiet
 * and keeps them (~70 MiB for 8,000 connections). What does force it is what
 * a thread's exit does: abandon the heap (mi_thread_done), after which a
 * forced collect decommits every abandoned segment's free pages and frees the
 * empty ones. The thread then starts a fresh heap (mi_heap_get_default), and
 * the abandoned segments still holding live blocks (open connections) are
 * reclaimed by whichever thread allocates next, as after a thread exit. */
static void mimalloc_collect(void)
{
    mi_thread_done();
    (void)mi_heap_get_default();
    mi_collect(true);
}

void trim_allocator_release(void)
{
    if (mi_collect)
        mi_collect(true);
    else if (malloc_trim)
        malloc_trim(0);
}

trim_release_fn trim_allocator_thread_release(void)
{
    return mi_collect && mi_thread_done && mi_heap_get_default ? mimalloc_collect : NULL;
}
