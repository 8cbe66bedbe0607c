/* fire: sends the requests, C at a time, on one libcurl multi handle.
 *
 * By default every request opens a new TCP connection (FRESH_CONNECT and
 * FORBID_REUSE) and resolves the name afresh (DNS cache timeout 0, no shared
 * cache), because that is what spreads requests in the lab: a Service load
 * balancer picks the backend per connection, and a headless global Service
 * spreads only over fresh lookups. keepalive and dns_cache opt out.
 * Requests go to the URLs in turn. Each completed request is handed to the
 * done callback with its body (capped at max_body), X-Served-By header, the
 * address connected to and its latency; transport failures come classified.
 * With an admit hook, every address libcurl is about to connect to is asked
 * about first, and one refused is never connected to (xwing serve's and
 * probe's allowlist: gate.h). Redirects are never followed. */
#ifndef XW_FIRE_H
#define XW_FIRE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

#define FIRE_UNLIMITED UINT64_MAX

/* Decides whether libcurl may connect to sa (len bytes: the address it looked
 * up, with the port): 0 to connect, or -1 with a one-line reason in why. */
typedef int (*fire_admit_fn)(const void *ctx, const struct sockaddr *sa, size_t len, char *why,
                             size_t cap);

struct fire_config {
    const char *const *urls;
    size_t nurls;
    uint64_t n;                  /* requests to complete; FIRE_UNLIMITED until stopped */
    unsigned c;                  /* at most this many in flight */
    uint64_t timeout_ms;         /* whole request, the name lookup included */
    uint64_t connect_timeout_ms; /* 0: as timeout_ms */
    uint64_t interval_ns;        /* between request starts; 0: as fast as c allows */
    int keepalive, dns_cache;
    size_t max_body;
    uint64_t deadline_ns; /* clock_mono_ns() after which no request starts; 0: none */
    unsigned threads; /* event loops, for fire_threads_run; fire_run runs one */
    /* When set: abort what is in flight and return. An atomic, not a volatile
     * sig_atomic_t: another thread (serve's main, the probe's stop) or a signal
     * handler running on any thread (lock-free, so allowed there) sets it. */
    const atomic_int *stop;
    fire_admit_fn admit;         /* NULL: every address (the command line's own targets) */
    const void *admit_ctx;
};

enum fire_err {
    FIRE_OK, FIRE_TIMEOUT, FIRE_REFUSED, FIRE_DNS, FIRE_TOO_LARGE,
    FIRE_BLOCKED, /* the admit hook refused the address(es): nothing was connected to */
    FIRE_NOT_HTTP, /* the reply did not start with an HTTP/1.x status line */
    FIRE_OTHER,
};

struct fire_outcome {
    enum fire_err err;
    long status;           /* HTTP status, 0 if none */
    const char *body;      /* valid during the callback only; not NUL-terminated */
    size_t body_len;
    const char *served_by; /* NULL if the header was absent */
    const char *ip;        /* address connected to, NULL if none */
    uint64_t latency_us;
    const char *detail;    /* libcurl's message for failures, "" otherwise */
    size_t target;         /* index into urls */
};

typedef void (*fire_done_fn)(void *ctx, const struct fire_outcome *o);
/* Called at least every 100 ms; a non-zero return stops starting requests. */
typedef int (*fire_tick_fn)(void *ctx);

/* Runs until n requests completed, the deadline passed (in-flight ones
 * finish), the tick asked to stop, or *stop was set (in-flight ones are
 * abandoned and not reported). Returns 0, or -1 with err (step "tally") when
 * libcurl could not be set up. curl_global_init must have been called. */
int fire_run(const struct fire_config *cfg, fire_done_fn done, fire_tick_fn tick, void *ctx,
             struct error *err);

/* The request numbers that the loops of one run (fire_threads.h) claim in
 * turn: the next one no loop has taken yet. */
struct fire_claims {
    atomic_uint_fast64_t next;
};

/* fire_run as one of several loops: the requests are those numbered below
 * cfg->n that this loop claims from claims (NULL: all of them), so the loops
 * together make n and pick targets by number as one loop would. */
int fire_run_shared(const struct fire_config *cfg, struct fire_claims *claims, fire_done_fn done,
                    fire_tick_fn tick, void *ctx, struct error *err);

/* Maps a CURLcode (as int), the body-cap flag, whether the admit hook
 * refused every address the request tried and whether the name resolved to a
 * failure class. A timeout before the name resolved is FIRE_DNS. */
enum fire_err fire_classify(int curl_code, int body_too_large, int blocked, int resolved);

#endif
