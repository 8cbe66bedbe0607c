/* hammer: a bounded HTTP/1.1 load and truth checker for the stress runs.
 *
 * Sends up to -n requests over -c concurrent connections (a new connection per
 * request unless -k), stops issuing at -d seconds, and classifies every request
 * it started: ok, bad status, body not one of the valid versions (-V FILE, each
 * a whole valid body), refused, other connect error, closed before any byte,
 * closed mid-reply, timeout. Prints one summary line of key=value pairs.
 *
 * Why not wrk/ab: they neither compare bodies against a set of versions nor
 * tell "refused before accept" apart from "accepted, then lost", and those are
 * the two figures the churn and shutdown scenarios are about.
 *
 * Built by `make tools` with the programs' warnings (tests/stress/common.sh
 * builds it itself when missing); no project code. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_VALID 64
#define RESP_CAP (2u << 20)

enum cls { C_OK, C_STATUS, C_INVALID, C_REFUSED, C_CONNERR, C_RESET0, C_PARTIAL,
           C_TIMEOUT, C_NCLS };
static const char *cls_name[C_NCLS] = {"ok", "bad_status", "invalid_body", "refused",
                                       "connect_err", "closed_before_reply",
                                       "closed_mid_reply", "timeout"};

enum st { S_FREE, S_CONNECTING, S_WRITING, S_READING, S_IDLE };

struct conn {
    int fd;
    enum st st;
    uint64_t t0;       /* request start, ns */
    size_t woff;
    char *buf;
    size_t len, cap;
    unsigned served;   /* requests completed on this connection */
    int retried;       /* this request already retried after a keep-alive close */
};

struct valid {
    char *data;
    size_t len;
    uint64_t seen;
};

static struct {
    struct sockaddr_in dst, src;
    int have_src, keepalive, head, verbose;
    unsigned conns;
    uint64_t total, rate, timeout_ms, dur_ms;
    const char *path, *host;
    char req[1024];
    size_t reqlen;
    struct valid valid[MAX_VALID];
    unsigned nvalid;
    uint64_t started, done, cls[C_NCLS], codes[6], ka_retry, dumped;
    uint32_t *lat_us;
    uint64_t nlat;
    int ep;
} G;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *m)
{
    fprintf(stderr, "hammer: %s: %s\n", m, strerror(errno));
    exit(3);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) die(path);
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    size_t r;
    while ((r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) b = realloc(b, cap *= 2);
    }
    fclose(f);
    *len = n;
    return b;
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->st = S_FREE;
    c->len = 0;
    c->served = 0;
}

static void finish(struct conn *c, enum cls k, int code)
{
    G.cls[k]++;
    G.done++;
    if (k == C_OK || k == C_STATUS || k == C_INVALID) {
        uint64_t us = (now_ns() - c->t0) / 1000;
        G.lat_us[G.nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    }
    if (code >= 100 && code < 600) G.codes[code / 100]++;
    c->retried = 0;
}

static int start_connect(struct conn *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (G.have_src) {
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&G.src, sizeof G.src) < 0) die("bind");
    }
    c->fd = fd;
    c->len = 0;
    c->served = 0;
    if (connect(fd, (struct sockaddr *)&G.dst, sizeof G.dst) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        c->fd = -1;
        return e;
    }
    c->st = S_CONNECTING;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    if (epoll_ctl(G.ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
    return 0;
}

/* Starts the next request on c (reusing its connection when keep-alive). */
static void begin(struct conn *c, int retry)
{
    if (!retry) {
        G.started++;
        c->t0 = now_ns();
    }
    c->woff = 0;
    c->len = 0;
    if (c->st == S_IDLE) {
        c->st = S_WRITING;
        struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        epoll_ctl(G.ep, EPOLL_CTL_MOD, c->fd, &ev);
        return;
    }
    int e = start_connect(c);
    if (e) {
        conn_close(c);
        finish(c, e == ECONNREFUSED ? C_REFUSED : C_CONNERR, 0);
    }
}

static int body_valid(const char *b, size_t n)
{
    if (G.nvalid == 0) return 1;
    for (unsigned i = 0; i < G.nvalid; i++)
        if (G.valid[i].len == n && memcmp(G.valid[i].data, b, n) == 0) {
            G.valid[i].seen++;
            return 1;
        }
    return 0;
}

/* Parses c->buf. Returns 1 when a whole reply is there (sets *code, *body,
 * *blen, *close_after), 0 when more is needed, -1 when it is malformed. */
static int parse(struct conn *c, int eof, int *code, const char **body, size_t *blen,
                 int *close_after)
{
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) return c->len > 65536 ? -1 : 0;
    if (c->len < 12 || memcmp(c->buf, "HTTP/1.", 7) != 0) return -1;
    *code = atoi(c->buf + 9);
    size_t hlen = (size_t)(end - c->buf) + 4;
    long cl = -1;
    *close_after = !G.keepalive;
    for (char *p = memchr(c->buf, '\n', hlen); p && p < end; p = memchr(p, '\n', hlen - (size_t)(p - c->buf))) {
        p++;
        if (strncasecmp(p, "Content-Length:", 15) == 0) cl = strtol(p + 15, NULL, 10);
        else if (strncasecmp(p, "Connection:", 11) == 0 && strncasecmp(p + 11, " close", 6) == 0)
            *close_after = 1;
    }
    if (G.head || *code == 204 || *code == 304) cl = 0;
    if (cl < 0) {
        if (!eof) return 0;
        *close_after = 1;
        cl = (long)(c->len - hlen);
    }
    if (c->len - hlen < (size_t)cl) return eof ? -1 : 0;
    *body = c->buf + hlen;
    *blen = (size_t)cl;
    return 1;
}

static void on_reply(struct conn *c, int code, const char *body, size_t blen, int close_after)
{
    enum cls k = C_OK;
    if (code < 200 || code > 299) k = C_STATUS;
    else if (!G.head && !body_valid(body, blen)) {
        k = C_INVALID;
        if (G.dumped++ < 3)
            fprintf(stderr, "hammer: invalid body (%zu bytes): %.*s\n", blen,
                    (int)(blen > 200 ? 200 : blen), body);
    }
    finish(c, k, code);
    c->served++;
    if (close_after) {
        conn_close(c);
        return;
    }
    c->st = S_IDLE;
    c->len = 0;
}

static void on_error(struct conn *c, int eof_clean)
{
    /* A keep-alive connection the server closed while idle: HTTP allows that
     * at any time, so a client retries once on a fresh connection (as curl). */
    if (G.keepalive && c->served > 0 && c->len == 0 && !c->retried) {
        G.ka_retry++;
        conn_close(c);
        c->retried = 1;
        begin(c, 1);
        return;
    }
    int connecting = c->st == S_CONNECTING;
    size_t got = c->len;
    conn_close(c);
    if (connecting) finish(c, eof_clean == ECONNREFUSED ? C_REFUSED : C_CONNERR, 0);
    else finish(c, got ? C_PARTIAL : C_RESET0, 0);
}

/* The server closed (or wrote to) an idle keep-alive connection: not a
 * request of ours, so nothing to count; the next request reconnects. */
static void idle_event(struct conn *c)
{
    char b[512];
    ssize_t r = recv(c->fd, b, sizeof b, 0);
    if (r == 0 || (r < 0 && errno != EAGAIN) || r > 0) conn_close(c);
}

/* Sends what is left of the request; returns -1 when the connection failed. */
static int write_some(struct conn *c)
{
    ssize_t w = send(c->fd, G.req + c->woff, G.reqlen - c->woff, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN) {
        on_error(c, errno);
        return -1;
    }
    if (w > 0) c->woff += (size_t)w;
    if (c->woff == G.reqlen) {
        c->st = S_READING;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        epoll_ctl(G.ep, EPOLL_CTL_MOD, c->fd, &ev);
    }
    return 0;
}

/* Room for the next read; -1 (the reply counted as an error) past RESP_CAP. */
static int grow(struct conn *c)
{
    if (c->cap - c->len >= 16384) return 0;
    if (c->cap >= RESP_CAP) {
        on_error(c, 0);
        return -1;
    }
    c->cap = c->cap ? c->cap * 2 : 32768;
    c->buf = realloc(c->buf, c->cap);
    return 0;
}

/* Reads until the reply is whole (counted), the socket would block, or the
 * connection fails. */
static void read_reply(struct conn *c)
{
    for (;;) {
        if (grow(c)) return;
        ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        int eof = r == 0;
        if (r < 0) {
            if (errno != EAGAIN) on_error(c, errno);
            return;
        }
        c->len += (size_t)r;
        /* Bytes before our request was fully written: the server refused it early. */
        if (c->st != S_READING && eof) {
            on_error(c, 0);
            return;
        }
        int code = 0, close_after = 0;
        const char *body = NULL;
        size_t blen = 0;
        int p = parse(c, eof, &code, &body, &blen, &close_after);
        if (p == 1) {
            on_reply(c, code, body, blen, close_after || eof);
            return;
        }
        if (p < 0 || eof) {
            on_error(c, 0);
            return;
        }
    }
}

static void handle(struct conn *c, uint32_t evs)
{
    if (c->st == S_IDLE) {
        idle_event(c);
        return;
    }
    if (c->st == S_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) {
            on_error(c, err);
            return;
        }
        c->st = S_WRITING;
    }
    if (c->st == S_WRITING && (evs & EPOLLOUT) && write_some(c)) return;
    if (evs & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_reply(c);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    if (!G.nlat) return 0;
    size_t i = (size_t)(p * (double)(G.nlat - 1) + 0.5);
    return G.lat_us[i] / 1000.0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: hammer [-c CONNS] [-n TOTAL] [-d SECONDS] [-t TIMEOUT_MS] [-r RPS] [-k]\n"
            "              [-I] [-b SRC_IP] [-V VALID_BODY_FILE]... HOST PORT [PATH]\n");
    exit(2);
}

/* Reads the command line into G; exits with usage() on anything wrong. */
static void parse_args(int argc, char **argv)
{
    int o;
    G.conns = 1;
    G.total = 1000;
    G.dur_ms = 60000;
    G.timeout_ms = 2000;
    G.path = "/";
    while ((o = getopt(argc, argv, "c:n:d:t:r:kIb:V:v")) != -1) {
        switch (o) {
        case 'c': G.conns = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'n': G.total = strtoull(optarg, NULL, 10); break;
        case 'd': G.dur_ms = (uint64_t)(strtod(optarg, NULL) * 1000); break;
        case 't': G.timeout_ms = strtoull(optarg, NULL, 10); break;
        case 'r': G.rate = strtoull(optarg, NULL, 10); break;
        case 'k': G.keepalive = 1; break;
        case 'I': G.head = 1; break;
        case 'v': G.verbose = 1; break;
        case 'b':
            G.have_src = 1;
            G.src.sin_family = AF_INET;
            if (inet_pton(AF_INET, optarg, &G.src.sin_addr) != 1) usage();
            break;
        case 'V':
            if (G.nvalid == MAX_VALID) usage();
            G.valid[G.nvalid].data = slurp(optarg, &G.valid[G.nvalid].len);
            G.nvalid++;
            break;
        default: usage();
        }
    }
}

/* The target (HOST PORT [PATH]) and the request every connection sends. */
static void build_request(int argc, char **argv)
{
    if (argc - optind < 2 || !G.conns || !G.total) usage();
    G.host = argv[optind];
    G.dst.sin_family = AF_INET;
    G.dst.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
    if (inet_pton(AF_INET, G.host, &G.dst.sin_addr) != 1) usage();
    if (argc - optind > 2) G.path = argv[optind + 2];
    int n = snprintf(G.req, sizeof G.req, "%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: hammer\r\n%s\r\n",
                     G.head ? "HEAD" : "GET", G.path, G.host, argv[optind + 1],
                     G.keepalive ? "" : "Connection: close\r\n");
    if (n < 0 || (size_t)n >= sizeof G.req) usage();
    G.reqlen = (size_t)n;
}

/* Starts requests on free connections (paced by -r), times out overdue ones;
 * returns 1 while any request is in flight. */
static int tend(struct conn *cs, uint64_t now, uint64_t t_start, uint64_t deadline)
{
    int may_start = now < deadline && G.started < G.total, busy = 0;
    for (unsigned i = 0; i < G.conns; i++) {
        struct conn *c = &cs[i];
        if (c->st == S_FREE || c->st == S_IDLE) {
            if (may_start && !(G.rate && G.started * 1000000000ull / G.rate > now - t_start)) {
                begin(c, 0);
                may_start = now < deadline && G.started < G.total;
            }
        } else if ((now - c->t0) / 1000000 > G.timeout_ms) {
            conn_close(c);
            finish(c, C_TIMEOUT, 0);
        }
        if (c->st != S_FREE && c->st != S_IDLE) busy = 1;
    }
    return busy;
}

/* Runs until every request is done or -d passed with none in flight (bounded
 * by a hard end past the last timeout); returns the seconds it took. */
static double drive(struct conn *cs)
{
    uint64_t t_start = now_ns(), deadline = t_start + G.dur_ms * 1000000ull;
    uint64_t hard_end = deadline + G.timeout_ms * 1000000ull + 1000000000ull;
    struct epoll_event evs[256];
    for (;;) {
        uint64_t now = now_ns();
        int busy = tend(cs, now, t_start, deadline);
        if (!busy && (G.started >= G.total || now >= deadline)) break;
        if (now > hard_end) break;
        int k = epoll_wait(G.ep, evs, 256, 5);
        for (int i = 0; i < k; i++) handle(evs[i].data.ptr, evs[i].events);
    }
    return (double)(now_ns() - t_start) / 1e9;
}

static void print_summary(double secs)
{
    qsort(G.lat_us, G.nlat, sizeof *G.lat_us, cmp_u32);
    printf("hammer: started=%llu done=%llu", (unsigned long long)G.started,
           (unsigned long long)G.done);
    for (int k = 0; k < C_NCLS; k++) printf(" %s=%llu", cls_name[k], (unsigned long long)G.cls[k]);
    printf(" 2xx=%llu 4xx=%llu 5xx=%llu ka_retry=%llu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f secs=%.2f rps=%.0f",
           (unsigned long long)G.codes[2], (unsigned long long)G.codes[4],
           (unsigned long long)G.codes[5], (unsigned long long)G.ka_retry, pct(0.5), pct(0.99),
           G.nlat ? G.lat_us[G.nlat - 1] / 1000.0 : 0.0, secs, (double)G.done / secs);
    for (unsigned i = 0; i < G.nvalid; i++) printf(" v%u=%llu", i, (unsigned long long)G.valid[i].seen);
    printf("\n");
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    build_request(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    G.lat_us = calloc(G.total, sizeof *G.lat_us);
    struct conn *cs = calloc(G.conns, sizeof *cs);
    if (!G.lat_us || !cs) die("calloc");
    G.ep = epoll_create1(EPOLL_CLOEXEC);
    for (unsigned i = 0; i < G.conns; i++) cs[i].fd = -1;
    print_summary(drive(cs));
    return 0;
}
