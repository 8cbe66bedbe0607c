/* hold: opens and holds abusive connections against a server, for the stress runs.
 *
 *   hold [-i IDLE] [-s SLOW] [-g GAP_MS] [-d SECONDS] [-b SRC_IP] [-p PENDING] [-T CONNECT_MS] [-r] HOST PORT
 *
 * IDLE connections connect and send nothing; with -r each sends one GET / first
 * and holds the keep-alive connection once the reply came (a burst of real
 * clients: the server has served each connection's pool). SLOW connections are slowloris
 * clients: they send a request line and then one header byte every GAP_MS,
 * never finishing the headers. Connections are opened with at most PENDING
 * connects in flight; a connect still pending after CONNECT_MS (default 5000: a
 * server at its connection limit stops accepting and the backlog fills) is
 * given up and counted as connect_timeout. Once every connect has been tried it prints
 * "hold: ready ..." (so a script can start measuring), then a status line every
 * second, and after -d seconds (or SIGTERM/SIGINT) a final line: how many were
 * opened, how many failed to connect, how many the server closed and how long
 * the slowloris ones survived. Every socket is closed on exit.
 *
 * Built by `make tools` with the programs' warnings (tests/stress/common.sh
 * builds it itself when missing); no project code. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum kind { K_IDLE, K_SLOW };
enum st { S_NEW, S_CONNECTING, S_OPEN, S_CLOSED, S_FAILED };

struct hc {
    int fd;
    enum kind kind;
    enum st st;
    uint64_t opened_ms, next_ms;
    unsigned sent;
    int replied; /* -r: the reply to its GET has begun to arrive */
};

/* What the command line asks for. */
struct args {
    unsigned nidle, nslow, pending_max;
    uint64_t gap, dur, connect_ms;
    struct sockaddr_in dst, src;
    int have_src;
    int request; /* -r */
};

/* The connections and what has become of them so far. */
struct hold {
    const struct args *a;
    struct hc *h;
    unsigned n, next, pending;
    int ep;
    uint64_t t0, last_status;
    unsigned open_idle, open_slow, failed, connect_timeouts;
    unsigned closed_idle, closed_slow;
    unsigned replied;
    uint64_t slow_life_sum, slow_life_max;
};

/* The one global: a signal handler has nowhere else to write. */
static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char slow_head[] = "GET / HTTP/1.1\r\nHost: victim\r\nUser-Agent: slowloris\r\n";
static const char idle_get[] = "GET / HTTP/1.1\r\nHost: burst\r\n\r\n";
static const char slow_trickle[] = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";

static int usage(void)
{
    fprintf(stderr, "usage: hold [-i IDLE] [-s SLOW] [-g GAP_MS] [-d SECONDS] [-b SRC] [-p PENDING] [-T CONNECT_MS] [-r] HOST PORT\n");
    return 2;
}

/* Reads the command line into a; returns 0, or the exit status (2). */
static int parse_args(struct args *a, int argc, char **argv)
{
    int o;
    *a = (struct args){.nidle = 10000, .nslow = 1000, .pending_max = 512, .gap = 1000,
                       .dur = 30000, .connect_ms = 5000,
                       .dst = {.sin_family = AF_INET}, .src = {.sin_family = AF_INET}};
    while ((o = getopt(argc, argv, "i:s:g:d:b:p:T:r")) != -1) {
        switch (o) {
        case 'i': a->nidle = (unsigned)strtoul(optarg, NULL, 10); break;
        case 's': a->nslow = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'g': a->gap = strtoull(optarg, NULL, 10); break;
        case 'd': a->dur = (uint64_t)(strtod(optarg, NULL) * 1000); break;
        case 'p': a->pending_max = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'T': a->connect_ms = strtoull(optarg, NULL, 10); break;
        case 'r': a->request = 1; break;
        case 'b':
            a->have_src = 1;
            if (inet_pton(AF_INET, optarg, &a->src.sin_addr) != 1) return 2;
            break;
        default: return 2;
        }
    }
    if (argc - optind != 2 || inet_pton(AF_INET, argv[optind], &a->dst.sin_addr) != 1)
        return usage();
    a->dst.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
    return 0;
}

/* Raises the descriptor limit to the hard one; 0 when n sockets fit. */
static int enough_files(unsigned n)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur >= (rlim_t)n + 16)
        return 0;
    fprintf(stderr, "hold: RLIMIT_NOFILE %llu is too low for %u sockets\n",
            (unsigned long long)rl.rlim_cur, n);
    return -1;
}

/* The connections, the kinds interleaved so both reach the server throughout
 * the ramp. */
static struct hc *make_conns(unsigned n, unsigned nslow)
{
    struct hc *h = calloc(n, sizeof *h);
    if (!h)
        return NULL;
    for (unsigned i = 0, si = 0; i < n; i++) {
        h[i].fd = -1;
        int slow = nslow && si < nslow && (uint64_t)i * nslow >= (uint64_t)si * n;
        h[i].kind = slow ? K_SLOW : K_IDLE;
        si += (unsigned)slow;
    }
    return h;
}

/* Starts connecting c; a socket that cannot even start counts as failed. */
static void open_one(struct hold *s, struct hc *c)
{
    const struct args *a = s->a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { c->st = S_FAILED; s->failed++; return; }
    if (a->have_src) {
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        bind(fd, (const struct sockaddr *)&a->src, sizeof a->src);
    }
    if (connect(fd, (const struct sockaddr *)&a->dst, sizeof a->dst) < 0 && errno != EINPROGRESS) {
        close(fd);
        c->st = S_FAILED;
        s->failed++;
        return;
    }
    c->fd = fd;
    c->st = S_CONNECTING;
    c->opened_ms = now_ms();
    s->pending++;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void print_ready(const struct hold *s)
{
    printf("hold: ready idle_open=%u slow_open=%u replied=%u connect_failed=%u connect_timeout=%u closed_by_server=%u ramp_ms=%llu\n",
           s->open_idle, s->open_slow, s->replied, s->failed, s->connect_timeouts,
           s->closed_idle + s->closed_slow, (unsigned long long)(now_ms() - s->t0));
    fflush(stdout);
}

/* A connect finished: on success a slowloris sends its head; returns 1 when
 * the event may also carry something to read. */
static int connected(struct hold *s, struct hc *c, uint64_t now, uint32_t events)
{
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    s->pending--;
    if (err) {
        close(c->fd);
        c->fd = -1;
        c->st = S_FAILED;
        s->failed++;
        return 0;
    }
    c->st = S_OPEN;
    c->opened_ms = now;
    if (c->kind == K_SLOW) {
        s->open_slow++;
        send(c->fd, slow_head, sizeof slow_head - 1, MSG_NOSIGNAL);
        c->next_ms = now + s->a->gap;
    } else {
        s->open_idle++;
        if (s->a->request)
            send(c->fd, idle_get, sizeof idle_get - 1, MSG_NOSIGNAL);
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
    return (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
}

/* Anything from the server (a 408, EOF or a reset) ends the connection, but
 * the reply to an idle connection's GET (-r), which it reads and holds on. */
static void readable(struct hold *s, struct hc *c, uint64_t now)
{
    char b[1024];
    ssize_t r = recv(c->fd, b, sizeof b, 0);
    if (r < 0 && errno == EAGAIN) return;
    if (r > 0 && c->kind == K_IDLE && s->a->request) {
        s->replied += !c->replied;
        c->replied = 1;
        return;
    }
    close(c->fd);
    c->fd = -1;
    c->st = S_CLOSED;
    if (c->kind == K_SLOW) {
        s->open_slow--;
        s->closed_slow++;
        uint64_t life = now - c->opened_ms;
        s->slow_life_sum += life;
        if (life > s->slow_life_max) s->slow_life_max = life;
    } else {
        s->open_idle--;
        s->closed_idle++;
    }
}

/* Gives up connects pending too long and trickles the slowloris bytes due. */
static void tend(struct hold *s, uint64_t now)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct hc *c = &s->h[i];
        if (c->st == S_CONNECTING && now - c->opened_ms > s->a->connect_ms) {
            close(c->fd);
            c->fd = -1;
            c->st = S_FAILED;
            s->pending--;
            s->connect_timeouts++;
            continue;
        }
        if (c->kind != K_SLOW || c->st != S_OPEN || now < c->next_ms) continue;
        char byte = slow_trickle[c->sent++ % (sizeof slow_trickle - 1)];
        send(c->fd, &byte, 1, MSG_NOSIGNAL);
        c->next_ms = now + s->a->gap;
    }
}

static void print_status(struct hold *s, uint64_t now)
{
    if (now - s->last_status < 1000) return;
    s->last_status = now;
    printf("hold: t=%.1fs idle_open=%u slow_open=%u connect_failed=%u connect_timeout=%u closed_idle=%u closed_slow=%u\n",
           (double)(now - s->t0) / 1000, s->open_idle, s->open_slow, s->failed,
           s->connect_timeouts, s->closed_idle, s->closed_slow);
    fflush(stdout);
}

/* Opens, holds and tends the connections until -d passes or a signal comes. */
static void run(struct hold *s)
{
    struct epoll_event evs[512];
    uint64_t end = s->t0 + s->a->dur;
    int ready_printed = 0;
    while (!stop && now_ms() < end) {
        while (s->next < s->n && s->pending < s->a->pending_max)
            open_one(s, &s->h[s->next++]);
        if (!ready_printed && s->next == s->n && s->pending == 0 &&
            (!s->a->request || s->replied >= s->open_idle)) {
            ready_printed = 1;
            print_ready(s);
        }
        int k = epoll_wait(s->ep, evs, 512, 20);
        uint64_t now = now_ms();
        for (int i = 0; i < k; i++) {
            struct hc *c = evs[i].data.ptr;
            if (c->st == S_CONNECTING && !connected(s, c, now, evs[i].events)) continue;
            if (c->st == S_OPEN) readable(s, c, now);
        }
        tend(s, now);
        print_status(s, now);
    }
}

static void print_done(const struct hold *s)
{
    uint64_t now = now_ms(), max = s->slow_life_max;
    for (unsigned i = 0; i < s->n; i++)
        if (s->h[i].st == S_OPEN && s->h[i].kind == K_SLOW && now - s->h[i].opened_ms > max)
            max = now - s->h[i].opened_ms;
    printf("hold: done secs=%.1f idle=%u slow=%u connect_failed=%u connect_timeout=%u idle_open_at_end=%u slow_open_at_end=%u "
           "closed_idle=%u closed_slow=%u slow_closed_mean_life_ms=%llu slow_max_life_ms=%llu\n",
           (double)(now - s->t0) / 1000, s->a->nidle, s->a->nslow, s->failed,
           s->connect_timeouts, s->open_idle, s->open_slow, s->closed_idle, s->closed_slow,
           (unsigned long long)(s->closed_slow ? s->slow_life_sum / s->closed_slow : 0),
           (unsigned long long)max);
}

int main(int argc, char **argv)
{
    struct args a;
    int rc = parse_args(&a, argc, argv);
    if (rc) return rc;
    if (enough_files(a.nidle + a.nslow)) return 2;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_sig);
    signal(SIGINT, on_sig);
    struct hold s = {.a = &a, .n = a.nidle + a.nslow, .ep = epoll_create1(EPOLL_CLOEXEC)};
    if (!(s.h = make_conns(s.n, a.nslow))) return 3;
    s.t0 = s.last_status = now_ms();
    run(&s);
    print_done(&s);
    for (unsigned i = 0; i < s.n; i++)
        if (s.h[i].fd >= 0) close(s.h[i].fd);
    free(s.h);
    return 0;
}
