#include "fire.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "http.h"

#define SERVED_BY_MAX 256
#define BODY_START 4096
#define STALL_NS 50000000u /* 50 ms behind the pace counts as a stall */
#define NO_NUMBER UINT64_MAX

struct slot {
    const struct fire_config *cfg;
    CURL *easy;
    int busy;
    size_t target;
    char *buf;
    size_t len, cap, max;
    int too_large;
    int has_served_by;
    char served_by[SERVED_BY_MAX];
    char errbuf[CURL_ERROR_SIZE];
    int blocked, opened;   /* the admit hook refused an address; let one through */
    char blocked_why[256]; /* why it refused the last one */
};

struct fire {
    const struct fire_config *cfg;
    CURLM *multi;
    CURLU **parsed; /* one per URL, parsed once rather than per request */
    struct curl_slist *close_hdr; /* "Connection: close" with a new connection each */
    struct slot *slots;
    uint64_t issued, completed, next_due;
    /* With other loops: the request numbers they all claim from, the one
     * claimed and not yet started (NO_NUMBER for none), and whether every
     * number is taken. Alone: NULL, and the next number is issued. */
    struct fire_claims *claims;
    uint64_t next;
    int drained;
    int stopping;
    fire_done_fn done;
    fire_tick_fn tick;
    void *ctx;
};

enum fire_err fire_classify(int curl_code, int body_too_large, int blocked, int resolved)
{
    if (body_too_large || curl_code == CURLE_FILESIZE_EXCEEDED)
        return FIRE_TOO_LARGE;
    /* Out of time before the name resolved: what the resolver would say too, given its
     * own timeout, and the cue that DNS is at fault (a policy dropping port 53), where
     * a timeout row means the target never answered */
    if (curl_code == CURLE_OPERATION_TIMEDOUT && !resolved)
        return FIRE_DNS;
    /* libcurl reports an address we refused as one it could not connect to;
     * blocked means every address it tried was refused */
    if (blocked && curl_code == CURLE_COULDNT_CONNECT)
        return FIRE_BLOCKED;
    switch (curl_code) {
    case CURLE_OK: return FIRE_OK;
    case CURLE_OPERATION_TIMEDOUT: return FIRE_TIMEOUT;
    case CURLE_COULDNT_CONNECT: return FIRE_REFUSED;
    case CURLE_COULDNT_RESOLVE_HOST: return FIRE_DNS;
    /* Every URL is http (target.c), so this is the reply: not "HTTP/" first,
     * which libcurl calls HTTP/0.9 and refuses (an SSH banner, a TLS port) */
    case CURLE_UNSUPPORTED_PROTOCOL: return FIRE_NOT_HTTP;
    default: return FIRE_OTHER;
    }
}

/* Keeps the body up to the cap; one byte more aborts the transfer, because
 * reading an endless body to the end would defeat the cap's purpose. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct slot *s = userp;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->too_large = 1;
        return 0;
    }
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : BODY_START;
        while (cap < s->len + n)
            cap *= 2;
        if (cap > s->max)
            cap = s->max;
        char *p = realloc(s->buf, cap);
        if (!p)
            return 0;
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    static const char name[] = HTTP_SERVED_BY ":";
    struct slot *s = userp;
    size_t n = size * nmemb, k = sizeof name - 1;

    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) /* a new response (after a 1xx) */
        s->has_served_by = 0;
    if (n <= k || strncasecmp(data, name, k) != 0)
        return n;
    const char *v = data + k, *end = data + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t len = (size_t)(end - v);
    if (len >= sizeof s->served_by)
        len = sizeof s->served_by - 1;
    memcpy(s->served_by, v, len);
    s->served_by[len] = '\0';
    s->has_served_by = 1;
    return n;
}

/* libcurl's socket for the address it is about to connect to, after its
 * lookup: the admit hook sees the very address connected to, so a name that
 * resolves differently than when it was checked (DNS rebinding) cannot slip
 * past. A refused address gets no socket; libcurl tries the next one, if any. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct slot *s = clientp;
    const struct fire_config *c = s->cfg;
    struct sockaddr_storage ss = {0};
    size_t len = a->addrlen < sizeof ss ? a->addrlen : sizeof ss;

    memcpy(&ss, &a->addr, len);
    if (purpose != CURLSOCKTYPE_IPCXN ||
        c->admit(c->admit_ctx, (const struct sockaddr *)&ss, len, s->blocked_why,
                 sizeof s->blocked_why)) {
        s->blocked = 1;
        return CURL_SOCKET_BAD;
    }
    s->opened = 1;
    return socket(a->family, a->socktype, a->protocol);
}

/* Where a request may go: where its URL says and nowhere else. A 3xx is a
 * row of its own ("http 302"); following it would also take xwing serve to
 * a target its allowlist never saw (libcurl's default, set so that it stays
 * so). With an admit hook, every address is asked about before connecting. */
static void set_guard(CURL *e, const struct fire_config *c, struct slot *s)
{
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (c->admit) {
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, s);
    }
}

/* --timeout and --connect-timeout bound the whole request, the name lookup
 * included. libcurl's threaded resolver cannot stop a getaddrinfo call, and when a
 * request times out during one, libcurl waits for it by default: multi_done ->
 * Curl_resolver_kill joins the thread (7.88.1 lib/asyn-thread.c), inside
 * curl_multi_perform or curl_multi_remove_handle. Every transfer then stalls
 * until the resolver gives up (resolv.conf's timeout, 5 s): with DNS blocked by a
 * policy, -n 20 --timeout 1s took 100 s in the lab. QUICK_EXIT detaches the thread
 * instead; it frees its own memory once getaddrinfo returns. So at most C such
 * threads start per --timeout, each gone when the resolver gives up. 0, or -1
 * when this libcurl (older than 7.87.0) cannot. */
static int set_deadlines(CURL *e, const struct fire_config *c)
{
    long connect_ms = (long)(c->connect_timeout_ms ? c->connect_timeout_ms : c->timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    return curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L) == CURLE_OK ? 0 : -1;
}

static int setup_easy(struct fire *f, struct slot *s, struct error *err)
{
    const struct fire_config *c = f->cfg;
    CURL *e = curl_easy_init();
    if (!e)
        return error_set(err, "tally", "cannot set up libcurl: curl_easy_init failed");
    s->easy = e;
    if (set_deadlines(e, c))
        return error_set(err, "tally",
                         "libcurl %s cannot leave a hung name lookup behind (CURLOPT_QUICK_EXIT "
                         "needs 7.87.0 or later): --timeout would not bound it",
                         curl_version_info(CURLVERSION_NOW)->version);
    s->cfg = c;
    s->max = c->max_body;
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "xwing/" PROJECT_VERSION);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    /* Straight to the Service, as the lab's curl inside the pod: proxy variables
     * would put a proxy's choice of backend into the tally (and cost a getenv
     * scan per request). */
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    set_guard(e, c, s);
    if (!c->keepalive) {
        /* One GET per connection, sent in one send on a connection with nothing
         * in flight: Nagle cannot hold it back. libcurl's default (TCP_NODELAY on)
         * costs a setsockopt per connection and, measured with make bench, 7% of
         * the client's CPU per request (73.3 -> 67.7 us). With --keepalive the
         * default stays: there a late ACK could meet Nagle (seen as 40 ms stalls
         * in an experimental engine). */
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 0L);
        /* Says so to the server, which then closes first and keeps the TIME_WAIT,
         * as it does for ab's HTTP/1.0. Otherwise each of our closes leaves one
         * on our side: ports run out after ~28,000 requests in a minute (only
         * loopback may reuse them), and connect() searches past them (by hand, with
         * ~14,000 of them: 55.5-57 us of kernel time per request, 49-52.5 without). */
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->close_hdr);
        curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    }
    if (!c->dns_cache)
        curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
    return 0;
}

/* Whether another request may start, its number in f->next. A claimed
 * number is kept until its request starts: dropping one after a failed start
 * would leave the run short of n. */
static int have_next(struct fire *f)
{
    if (!f->claims) {
        f->next = f->issued;
        return f->issued < f->cfg->n;
    }
    if (f->next == NO_NUMBER && !f->drained) {
        uint64_t k = atomic_fetch_add_explicit(&f->claims->next, 1, memory_order_relaxed);
        if (k < f->cfg->n)
            f->next = k;
        else
            f->drained = 1;
    }
    return f->next != NO_NUMBER;
}

static int all_issued(const struct fire *f)
{
    return f->claims ? f->drained && f->next == NO_NUMBER : f->issued >= f->cfg->n;
}

static int start_one(struct fire *f, struct slot *s)
{
    const struct fire_config *c = f->cfg;
    s->target = (size_t)(f->next % c->nurls);
    s->len = 0;
    s->too_large = 0;
    s->has_served_by = 0;
    s->errbuf[0] = '\0';
    s->blocked = s->opened = 0;
    curl_easy_setopt(s->easy, CURLOPT_CURLU, f->parsed[s->target]);
    if (curl_multi_add_handle(f->multi, s->easy) != CURLM_OK)
        return -1;
    s->busy = 1;
    f->issued++;
    if (f->claims)
        f->next = NO_NUMBER;
    return 0;
}

static void finish_one(struct fire *f, struct slot *s, CURLcode code)
{
    struct fire_outcome o = {0};
    curl_off_t total_us = 0, lookup_us = 0;
    char *ip = NULL;

    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &o.status);
    curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    /* 0 until the name resolved: libcurl then records at least 1 us, for an address
     * literal and a reused connection too (7.88.1 lib/progress.c, Curl_pgrsTimeWas) */
    curl_easy_getinfo(s->easy, CURLINFO_NAMELOOKUP_TIME_T, &lookup_us);
    curl_easy_getinfo(s->easy, CURLINFO_PRIMARY_IP, &ip);
    o.err = fire_classify((int)code, s->too_large, s->blocked && !s->opened,
                          lookup_us > 0 || (ip && *ip));
    o.body = s->buf ? s->buf : "";
    o.body_len = s->len;
    o.served_by = s->has_served_by ? s->served_by : NULL;
    o.ip = ip && *ip ? ip : NULL;
    o.latency_us = total_us > 0 ? (uint64_t)total_us : 0;
    if (o.err == FIRE_TOO_LARGE) /* libcurl's words ("Failure writing output") hide the cap */
        snprintf(s->errbuf, sizeof s->errbuf, "reply body over --max-body (%zu bytes)",
                 f->cfg->max_body);
    if (o.err == FIRE_NOT_HTTP) /* libcurl's words ("Received HTTP/0.9") hide the cause */
        snprintf(s->errbuf, sizeof s->errbuf, "the reply does not start with an HTTP/1.x status "
                 "line: not an HTTP server (another protocol on that port?)");
    if (o.err == FIRE_BLOCKED) /* libcurl's words ("Couldn't connect") hide the refusal */
        snprintf(s->errbuf, sizeof s->errbuf, "%s", s->blocked_why);
    o.detail = o.err == FIRE_OK ? "" : (s->errbuf[0] ? s->errbuf : curl_easy_strerror(code));
    o.target = s->target;
    curl_multi_remove_handle(f->multi, s->easy);
    s->busy = 0;
    f->completed++;
    f->done(f->ctx, &o);
}

static struct slot *free_slot(struct fire *f)
{
    for (unsigned i = 0; i < f->cfg->c; i++)
        if (!f->slots[i].busy)
            return &f->slots[i];
    return NULL;
}

/* Starts what may start now; returns ms until the next paced start (or 100). */
static long start_due(struct fire *f, uint64_t now)
{
    const struct fire_config *c = f->cfg;
    struct slot *s;
    while (!f->stopping && (s = free_slot(f)) && have_next(f)) {
        if (c->interval_ns) {
            if (now < f->next_due)
                return (long)((f->next_due - now) / 1000000u) + 1;
            /* Starts due within the last poll's rounding all go now, keeping the
             * rate; after a real stall (all slots busy), resume the pace instead
             * of bursting to catch up. */
            uint64_t slack = c->interval_ns > STALL_NS ? c->interval_ns : STALL_NS;
            if (now > f->next_due + slack)
                f->next_due = now;
            f->next_due += c->interval_ns;
        }
        if (start_one(f, s))
            return 100;
    }
    return 100;
}

static void reap(struct fire *f)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(f->multi, &left))) {
        struct slot *s = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        finish_one(f, s, m->data.result);
    }
}

static int in_flight(const struct fire *f)
{
    return f->issued > f->completed;
}

static void loop(struct fire *f)
{
    const struct fire_config *c = f->cfg;
    int running;
    f->next_due = clock_mono_ns();
    for (;;) {
        uint64_t now = clock_mono_ns();
        if (c->stop && atomic_load_explicit(c->stop, memory_order_relaxed))
            return;
        if (c->deadline_ns && now >= c->deadline_ns)
            f->stopping = 1;
        long wait = start_due(f, now);
        curl_multi_perform(f->multi, &running);
        reap(f);
        if (f->tick && f->tick(f->ctx))
            f->stopping = 1;
        if (!in_flight(f) && (f->stopping || all_issued(f)))
            return;
        if (!in_flight(f) || free_slot(f)) {
            wait = start_due(f, clock_mono_ns());
            if (wait > 100)
                wait = 100;
        }
        if (!in_flight(f) && all_issued(f)) /* the other loops took the last numbers */
            return;
        curl_multi_poll(f->multi, NULL, 0, (int)(wait > 100 ? 100 : wait), NULL);
    }
}

static void teardown(struct fire *f, unsigned nslots)
{
    for (unsigned i = 0; f->slots && i < nslots; i++) {
        struct slot *s = &f->slots[i];
        if (s->easy && s->busy)
            curl_multi_remove_handle(f->multi, s->easy);
        if (s->easy)
            curl_easy_cleanup(s->easy);
        free(s->buf);
    }
    free(f->slots);
    for (size_t i = 0; f->parsed && i < f->cfg->nurls; i++)
        curl_url_cleanup(f->parsed[i]);
    free(f->parsed);
    curl_slist_free_all(f->close_hdr);
    if (f->multi)
        curl_multi_cleanup(f->multi);
}

/* The multi handle, the parsed URLs and one easy handle per slot. */
static int setup(struct fire *f, struct error *err)
{
    const struct fire_config *c = f->cfg;
    f->multi = curl_multi_init();
    f->slots = calloc(c->c, sizeof *f->slots);
    f->parsed = calloc(c->nurls, sizeof *f->parsed);
    f->close_hdr = curl_slist_append(NULL, "Connection: close");
    if (!f->multi || !f->slots || !f->parsed || !f->close_hdr)
        return error_set(err, "tally", "cannot set up libcurl: out of memory");
    for (size_t i = 0; i < c->nurls; i++) {
        if (!(f->parsed[i] = curl_url()) ||
            curl_url_set(f->parsed[i], CURLUPART_URL, c->urls[i], 0) != CURLUE_OK)
            return error_set(err, "tally", "libcurl rejects the URL %s", c->urls[i]);
    }
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)c->c);
    for (unsigned i = 0; i < c->c; i++) {
        if (setup_easy(f, &f->slots[i], err))
            return -1;
    }
    return 0;
}

int fire_run_shared(const struct fire_config *cfg, struct fire_claims *claims, fire_done_fn done,
                    fire_tick_fn tick, void *ctx, struct error *err)
{
    struct fire_config local = *cfg;
    struct fire f = {.cfg = &local, .done = done, .tick = tick, .ctx = ctx, .claims = claims,
                     .next = NO_NUMBER};
    int rc;

    if (cfg->nurls == 0 || cfg->c == 0 || cfg->max_body == 0)
        return error_set(err, "tally", "no targets, no concurrency or no body room");
    if (local.c > local.n)
        local.c = (unsigned)local.n; /* no idle handles for a short run */
    if (local.n == 0)
        return 0;
    rc = setup(&f, err);
    if (rc == 0)
        loop(&f);
    teardown(&f, local.c);
    return rc;
}

int fire_run(const struct fire_config *cfg, fire_done_fn done, fire_tick_fn tick, void *ctx,
             struct error *err)
{
    return fire_run_shared(cfg, NULL, done, tick, ctx, err);
}
