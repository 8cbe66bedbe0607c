/* hold: opens and holds abusive connections against a server, for the stress runs.
 *
 *   hold [-i IDLE] [-s SLOW] [-g GAP_MS] [-d SECONDS] [-b SRC_IP] [-p PENDING] [-T CONNECT_MS] HOST PORT
 *
 * IDLE connections connect and send nothing. SLOW connections are slowloris
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
 * Built by tests/stress/run.sh with plain cc; no project code. */
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
};

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char slow_head[] = "GET / HTTP/1.1\r\nHost: victim\r\nUser-Agent: slowloris\r\n";
static const char slow_trickle[] = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";

int main(int argc, char **argv)
{
    unsigned nidle = 10000, nslow = 1000, pending_max = 512;
    uint64_t gap = 1000, dur = 30000, connect_ms = 5000;
    struct sockaddr_in dst = {.sin_family = AF_INET}, src = {.sin_family = AF_INET};
    int have_src = 0, o;
    while ((o = getopt(argc, argv, "i:s:g:d:b:p:T:")) != -1) {
        switch (o) {
        case 'i': nidle = (unsigned)strtoul(optarg, NULL, 10); break;
        case 's': nslow = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'g': gap = strtoull(optarg, NULL, 10); break;
        case 'd': dur = (uint64_t)(strtod(optarg, NULL) * 1000); break;
        case 'p': pending_max = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'T': connect_ms = strtoull(optarg, NULL, 10); break;
        case 'b':
            have_src = 1;
            if (inet_pton(AF_INET, optarg, &src.sin_addr) != 1) return 2;
            break;
        default: return 2;
        }
    }
    if (argc - optind != 2 || inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1) {
        fprintf(stderr, "usage: hold [-i IDLE] [-s SLOW] [-g GAP_MS] [-d SECONDS] [-b SRC] [-p PENDING] [-T CONNECT_MS] HOST PORT\n");
        return 2;
    }
    dst.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)nidle + nslow + 16) {
        fprintf(stderr, "hold: RLIMIT_NOFILE %llu is too low for %u sockets\n",
                (unsigned long long)rl.rlim_cur, nidle + nslow);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_sig);
    signal(SIGINT, on_sig);
    unsigned n = nidle + nslow;
    struct hc *h = calloc(n, sizeof *h);
    if (!h) return 3;
    /* Interleave the kinds so both reach the server throughout the ramp. */
    for (unsigned i = 0, si = 0; i < n; i++) {
        h[i].fd = -1;
        int slow = nslow && si < nslow && (uint64_t)i * nslow >= (uint64_t)si * n;
        h[i].kind = slow ? K_SLOW : K_IDLE;
        si += (unsigned)slow;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event evs[512];
    uint64_t t0 = now_ms(), end = t0 + dur, last_status = t0;
    unsigned next = 0, pending = 0, open_idle = 0, open_slow = 0, failed = 0;
    unsigned closed_idle = 0, closed_slow = 0, ready_printed = 0, connect_timeouts = 0;
    uint64_t slow_life_sum = 0, slow_life_max = 0, ready_ms = 0;
    while (!stop && now_ms() < end) {
        while (next < n && pending < pending_max) {
            struct hc *c = &h[next++];
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) { c->st = S_FAILED; failed++; continue; }
            if (have_src) {
                int one = 1;
                setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
                bind(fd, (struct sockaddr *)&src, sizeof src);
            }
            if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) {
                close(fd);
                c->st = S_FAILED;
                failed++;
                continue;
            }
            c->fd = fd;
            c->st = S_CONNECTING;
            c->opened_ms = now_ms();
            pending++;
            struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.ptr = c};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        if (!ready_printed && next == n && pending == 0) {
            ready_printed = 1;
            ready_ms = now_ms() - t0;
            printf("hold: ready idle_open=%u slow_open=%u connect_failed=%u connect_timeout=%u closed_by_server=%u ramp_ms=%llu\n",
                   open_idle, open_slow, failed, connect_timeouts, closed_idle + closed_slow,
                   (unsigned long long)ready_ms);
            fflush(stdout);
        }
        int k = epoll_wait(ep, evs, 512, 20);
        uint64_t now = now_ms();
        for (int i = 0; i < k; i++) {
            struct hc *c = evs[i].data.ptr;
            if (c->st == S_CONNECTING) {
                int err = 0;
                socklen_t l = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
                pending--;
                if (err) {
                    close(c->fd);
                    c->fd = -1;
                    c->st = S_FAILED;
                    failed++;
                    continue;
                }
                c->st = S_OPEN;
                c->opened_ms = now;
                if (c->kind == K_SLOW) {
                    open_slow++;
                    send(c->fd, slow_head, sizeof slow_head - 1, MSG_NOSIGNAL);
                    c->next_ms = now + gap;
                } else {
                    open_idle++;
                }
                struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                if (!(evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) continue;
            }
            if (c->st != S_OPEN) continue;
            /* Anything from the server (a 408, EOF or a reset) ends the connection. */
            char b[1024];
            ssize_t r = recv(c->fd, b, sizeof b, 0);
            if (r < 0 && errno == EAGAIN) continue;
            close(c->fd);
            c->fd = -1;
            c->st = S_CLOSED;
            if (c->kind == K_SLOW) {
                open_slow--;
                closed_slow++;
                uint64_t life = now - c->opened_ms;
                slow_life_sum += life;
                if (life > slow_life_max) slow_life_max = life;
            } else {
                open_idle--;
                closed_idle++;
            }
        }
        for (unsigned i = 0; i < n; i++) {
            struct hc *c = &h[i];
            if (c->st == S_CONNECTING && now - c->opened_ms > connect_ms) {
                close(c->fd);
                c->fd = -1;
                c->st = S_FAILED;
                pending--;
                connect_timeouts++;
                continue;
            }
            if (c->kind != K_SLOW || c->st != S_OPEN || now < c->next_ms) continue;
            char byte = slow_trickle[c->sent++ % (sizeof slow_trickle - 1)];
            send(c->fd, &byte, 1, MSG_NOSIGNAL);
            c->next_ms = now + gap;
        }
        if (now - last_status >= 1000) {
            last_status = now;
            printf("hold: t=%.1fs idle_open=%u slow_open=%u connect_failed=%u connect_timeout=%u closed_idle=%u closed_slow=%u\n",
                   (double)(now - t0) / 1000, open_idle, open_slow, failed, connect_timeouts, closed_idle, closed_slow);
            fflush(stdout);
        }
    }
    uint64_t now = now_ms();
    for (unsigned i = 0; i < n; i++)
        if (h[i].st == S_OPEN && h[i].kind == K_SLOW) {
            uint64_t life = now - h[i].opened_ms;
            if (life > slow_life_max) slow_life_max = life;
        }
    printf("hold: done secs=%.1f idle=%u slow=%u connect_failed=%u connect_timeout=%u idle_open_at_end=%u slow_open_at_end=%u "
           "closed_idle=%u closed_slow=%u slow_closed_mean_life_ms=%llu slow_max_life_ms=%llu\n",
           (double)(now - t0) / 1000, nidle, nslow, failed, connect_timeouts, open_idle, open_slow, closed_idle,
           closed_slow, (unsigned long long)(closed_slow ? slow_life_sum / closed_slow : 0),
           (unsigned long long)slow_life_max);
    for (unsigned i = 0; i < n; i++)
        if (h[i].fd >= 0) close(h[i].fd);
    return 0;
}
