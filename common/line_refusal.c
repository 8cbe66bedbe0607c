#include "line_refusal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* The kernel's struct tcp_info (uapi linux/tcp.h, an append-only ABI) up to
 * the byte counters of Linux 4.19: glibc's netinet/tcp.h stops before them,
 * and the static builds' musl has no linux/ headers. */
struct kernel_tcp_info {
    uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, app_limited;
    uint32_t rto, ato, snd_mss, rcv_mss;
    uint32_t unacked, sacked, lost, retrans, fackets;
    uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
    uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
    uint32_t rcv_rtt, rcv_space, total_retrans;
    uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
    uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
    uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
    uint32_t delivered, delivered_ce;
    uint64_t bytes_sent, bytes_retrans;
};

int line_refusal_init(struct line_refusal *r, const char *content_type, const char *body)
{
    atomic_init(&r->stopping, 0);
    return head_refusal_build(&r->reply, "400 Bad Request", content_type, body);
}

int line_refusal_due(const struct line_mark *mark, const struct line_facts *now)
{
    return !mark->last && now->known && now->peer_open && now->written == mark->written &&
           now->consumed > mark->consumed && now->last_recv_ms < LINE_REFUSAL_FRESH_MS;
}

/* Whether the peer may still read: nothing says it closed or reset. Data
 * still unread is no sign of either. */
static int peer_open(int fd)
{
    char b;
    ssize_t n;
    do
        n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

/* The counters; peer_open is left for the caller to ask when it matters.
 * Unread bytes are not consumed: at a request's mark they may already hold
 * the next line, which the client sent as soon as it had the reply. Without
 * with_unread, consumed is not asked for (one system call less). */
static struct line_facts counters(int fd, int with_unread)
{
    struct kernel_tcp_info ti;
    socklen_t len = sizeof ti;
    struct line_facts f = {0};
    int unread = 0;

    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 || len < sizeof ti)
        return f;
    /* New bytes sent plus those still queued: all our side ever wrote. */
    f.written = ti.bytes_sent - ti.bytes_retrans + ti.notsent_bytes;
    /* What the server has read: arrived, less what still waits unread. */
    if (with_unread &&
        (ioctl(fd, FIONREAD, &unread) != 0 || unread < 0 || (uint64_t)unread > ti.bytes_received))
        return f;
    f.known = 1;
    f.consumed = ti.bytes_received - (uint64_t)unread;
    f.last_recv_ms = ti.last_data_recv;
    return f;
}

/* Whether the comma-separated header value v holds token t, any case. */
static int has_token(const char *v, const char *t)
{
    size_t n = strlen(t);
    while (v && *v) {
        v += strspn(v, " \t,");
        size_t len = strcspn(v, ",");
        size_t end = len;
        while (end && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end == n && strncasecmp(v, t, n) == 0)
            return 1;
        v += len;
    }
    return 0;
}

int line_refusal_is_last(const char *version, const char *connection)
{
    if (has_token(connection, "close"))
        return 1;
    return version && strcmp(version, "HTTP/1.0") == 0 && !has_token(connection, "keep-alive");
}

static int conn_fd(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

/* a + b, held at UINT64_MAX: a mark that is unknown stays so. */
static uint64_t add_held(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void line_refusal_head(struct line_mark *mark, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci;

    if (!mark || mark->last)
        return;
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    mark->consumed = ci ? add_held(mark->consumed, ci->header_size) : UINT64_MAX;
    mark->written = UINT64_MAX; /* until the reply is out: no close is judged */
    mark->head_seen = 1;
}

void line_refusal_body(struct line_mark *mark, size_t n)
{
    if (mark && !mark->last)
        mark->consumed = add_held(mark->consumed, n);
}

void line_refusal_answered(struct line_mark *mark, struct MHD_Connection *c)
{
    int fd = conn_fd(c);
    struct line_facts f;

    if (!mark || mark->last || fd < 0)
        return;
    /* No head seen: libmicrohttpd answered on its own (414, 431), and the
     * bytes it read are answered too. */
    f = counters(fd, !mark->head_seen);
    mark->written = f.known ? f.written : UINT64_MAX;
    if (!mark->head_seen)
        mark->consumed = f.known ? f.consumed : UINT64_MAX;
    mark->head_seen = 0;
}

int line_refusal_on_closed(struct line_refusal *r, const struct line_mark *mark,
                           struct MHD_Connection *c)
{
    int fd = conn_fd(c);
    struct line_facts f;

    if (!mark || mark->last || fd < 0 ||
        atomic_load_explicit(&r->stopping, memory_order_relaxed))
        return 0;
    f = counters(fd, 1);
    f.peer_open = 1; /* asked only when the rest says the line went unanswered */
    if (!line_refusal_due(mark, &f) || !(f.peer_open = peer_open(fd)))
        return 0;
    (void)head_refusal_send(&r->reply, c);
    return 1;
}

int line_refusal_doomed(const char *buf, size_t n)
{
    size_t i = 0;

    /* libmicrohttpd skips empty lines before the request line. */
    while (i < n && (buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i < n && (buf[i] == ' ' || buf[i] == '\t'))
        return 1; /* an empty method */
    for (; i < n; i++) {
        if (buf[i] == ' ' || buf[i] == '\t')
            return 0; /* split: libmicrohttpd answers whatever follows */
        if (buf[i] == '\n')
            return 1;
    }
    return 0; /* not a whole line yet: unknown */
}

/* Peeks at up to len of fd's first bytes into buf: how many, or -1. */
static ssize_t peek(int fd, char *buf, size_t len)
{
    ssize_t n;
    do
        n = recv(fd, buf, len, MSG_PEEK | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Whether fd's first line is doomed: a small peek on the stack settles
 * almost every line; a long one without a space needs up to max bytes. */
static int first_line_doomed(int fd, size_t max)
{
    char small[LINE_REFUSAL_PEEK], *big;
    ssize_t n = peek(fd, small, sizeof small);
    int doomed;

    if (n <= 0)
        return 0;
    if (line_refusal_doomed(small, (size_t)n) || (size_t)n < sizeof small || max <= sizeof small)
        return line_refusal_doomed(small, (size_t)n);
    if (memchr(small, ' ', sizeof small) || memchr(small, '\t', sizeof small))
        return 0; /* split already */
    if (!(big = malloc(max)))
        return 0;
    n = peek(fd, big, max);
    doomed = n > 0 && line_refusal_doomed(big, (size_t)n);
    free(big);
    return doomed;
}

int line_refusal_on_started(struct line_refusal *r, struct MHD_Connection *c, size_t max)
{
    int fd = conn_fd(c);

    if (fd < 0 || !first_line_doomed(fd, max))
        return 0;
    (void)head_refusal_send(&r->reply, c);
    /* Nothing may follow our reply; libmicrohttpd still reads the line,
     * drops it and closes. */
    shutdown(fd, SHUT_WR);
    return 1;
}

void line_refusal_stop(struct line_refusal *r)
{
    atomic_store(&r->stopping, 1);
}
