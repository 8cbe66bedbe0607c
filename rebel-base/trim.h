/* trim: gives memory freed after a burst of connections back to the kernel.
 *
 * Each connection's libmicrohttpd pool (--connection-memory, 8 KiB) and state
 * come from malloc and go back to it when the connection closes, but neither
 * allocator hands them to the kernel by itself: glibc keeps the freed chunks
 * in its arena (the top of the heap is pinned by anything still in use, and
 * the epoll thread's arena is only trimmed from its top), and mimalloc (the
 * images) decommits a thread's free pages only when that thread allocates
 * again. So after 8,000 connections came and went the server stayed at
 * ~70 MiB (from 5 idle), and a pod under a 32 MiB limit is OOM-killed by the
 * next burst that a fresh one would survive.
 *
 * The rule: once at least min_drop connections have closed since the most
 * that were open at once (since the last release), and interval_ms has passed
 * since that release, release. main's loop checks it every --watch-interval,
 * so it comes within about a second of the burst's end, even when no
 * connection event follows. Steady traffic never gets there (the count does
 * not drop by min_drop), and a burst costs one release, once per interval at
 * most. What a release is depends on the allocator linked in:
 * - glibc (the dev build): malloc_trim(0) from main, which returns the free
 *   pages of every arena, holes included.
 * - mimalloc (the images): only the thread that owns a heap can decommit its
 *   free pages, so main collects the shared caches (mi_collect) and marks a
 *   collection pending, which the next connection event runs on the
 *   libmicrohttpd thread that freed the pools (kubelet's probes and scrapes
 *   make one every few seconds). With --threads N only that event's thread
 *   collects.
 *
 * Threads: connection runs on libmicrohttpd's threads (an atomic maximum, one
 * atomic load); tick on main's only. */
#ifndef REBEL_BASE_TRIM_H
#define REBEL_BASE_TRIM_H

#include <stdatomic.h>
#include <stdint.h>

/* Connections that must close before a release, and the time between two. */
#define TRIM_MIN_DROP 256
#define TRIM_INTERVAL_MS 1000

typedef void (*trim_release_fn)(void);

struct trim {
    _Atomic int64_t peak;  /* the most open connections since the last release */
    atomic_int pending;    /* a thread release is due on the next connection event */
    uint64_t last_ms;      /* when the last release ran (0: never); main's only */
    unsigned long releases;
    int64_t min_drop;
    uint64_t interval_ms;
    trim_release_fn release;        /* on main */
    trim_release_fn thread_release; /* on a libmicrohttpd thread; NULL: none */
};

/* min_drop connections, interval_ms apart; release and thread_release are
 * the allocator's (trim_allocator_release, trim_allocator_thread_release) or
 * a test's. */
void trim_init(struct trim *t, int64_t min_drop, uint64_t interval_ms, trim_release_fn release,
               trim_release_fn thread_release);

/* Whether to release now: open has dropped by min_drop from peak and
 * interval_ms passed since last_ms (0: never released). Pure. */
int trim_due(int64_t peak, int64_t open, uint64_t last_ms, uint64_t now_ms, int64_t min_drop,
             uint64_t interval_ms);

/* A connection opened (opened 1) or closed; open is the count after it.
 * Raises the peak, and runs a pending thread release. Returns 1 when it ran
 * one. */
int trim_connection(struct trim *t, int64_t open, int opened);

/* main's periodic check: open connections now, now_ms the monotonic clock.
 * Releases when due (then the peak starts again from open); returns how many
 * connections had closed since the peak when this call released, else 0. */
int64_t trim_tick(struct trim *t, int64_t open, uint64_t now_ms);

/* The allocator's release on main: mi_collect(true) when mimalloc is linked
 * in (the images), else malloc_trim(0) when the libc has it (glibc), else
 * nothing (musl's own allocator returns memory by itself). */
void trim_allocator_release(void);

/* The allocator's release on the thread that freed the memory:
 * mi_collect(true); NULL when mimalloc is not linked in (nothing to do). */
trim_release_fn trim_allocator_thread_release(void);

#endif
