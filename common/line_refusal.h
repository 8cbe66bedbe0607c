/* line_refusal: the 400 libmicrohttpd leaves out for a request line it drops.
 *
 * libmicrohttpd closes the connection without a word on a request line it
 * cannot split: no space at all ("GARBAGE", "GET"), or an empty method (0.9.75:
 * parse_initial_message_line returns MHD_NO before any callback of ours runs;
 * 1.0.1 does the same for lines that do not start with a known method, "The
 * request line is malformed"). RFC 9112, section 3: a recipient of an invalid
 * request-line SHOULD respond 400. Even HTTP/0.9's request ("GET" SP URI) has a
 * space, so such a line is no older protocol's request either.
 *
 * No callback names that close. The connection's close notice (the socket is
 * still open then) is where it shows, through what the kernel counts on the
 * socket (TCP_INFO): bytes arrived since the last request we completed, nothing
 * was written since (libmicrohttpd's own error replies, 414 and the like, are
 * written), the last bytes arrived just now (not an idle timeout), and the peer
 * has not closed or reset. Each request moves the connection's mark: its head
 * adds the bytes libmicrohttpd parsed for it (no system call: keep-alive
 * requests pay one, not two), its completion takes what was written. A
 * garbage line pipelined behind an answered request is judged like any other.
 * The count leaves out bytes libmicrohttpd skips without a callback (empty
 * lines before a request line, a chunked body's framing): a connection that
 * sent those and is then closed without a word, fresh bytes read and nothing
 * written, gets a 400 it may not have earned; libmicrohttpd closes so only on
 * a line it could not parse.
 *
 * With a thread per connection that notice comes too late: the connection's
 * thread shuts the socket down (SHUT_WR, thread_main_handle_connection's
 * exit; without MHD_USE_TURBO also MHD_connection_mark_closed_) before the
 * daemon's thread notifies CLOSED. There the first request line is judged
 * when the connection starts, from a peek at its first bytes: the listener
 * defers accept until data has arrived (TCP_DEFER_ACCEPT), so a short line is
 * whole by then. Later lines on a keep-alive connection go unjudged there. */
#ifndef COMMON_LINE_REFUSAL_H
#define COMMON_LINE_REFUSAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "head_refusal.h"

/* How much of a new connection's first bytes are peeked at. */
#define LINE_REFUSAL_PEEK 1024

/* Bytes arrived this recently (ms) mean the close followed them; an idle
 * timeout (1 s at the least) closes only after longer. */
#define LINE_REFUSAL_FRESH_MS 1000u

/* A connection's counters when its last request was completed (zero when
 * none was: nothing written, and whatever arrived is unanswered); consumed is
 * counted from the requests' heads and bodies, or read from the socket where
 * no head was seen. last: that request ended the connection
 * (line_refusal_is_last), so nothing after it is judged and neither the mark
 * nor the close costs a system call: the lab's traffic, a new connection per
 * request, pays nothing for the 400. */
struct line_mark {
    uint64_t written, consumed;
    int last;
    int head_seen; /* line_refusal_head since the last completion */
};

/* What the socket tells at the close. */
struct line_facts {
    int known;          /* the kernel gave the counters (Linux >= 4.19) */
    int peer_open;      /* no EOF, no error pending: the peer reads on */
    uint64_t written;   /* bytes our side wrote on the socket, in total */
    uint64_t consumed;  /* bytes the server read of what the peer sent */
    uint32_t last_recv_ms;
};

struct line_refusal {
    struct head_refusal reply; /* the 400, built once */
    atomic_int stopping;       /* the daemon is closing every connection */
};

/* Builds the 400 (body as content_type). 0, or -1 if it does not fit. */
int line_refusal_init(struct line_refusal *r, const char *content_type, const char *body);

/* Whether the close described by now dropped a request line unanswered. */
int line_refusal_due(const struct line_mark *mark, const struct line_facts *now);

/* Whether a request of this version ("HTTP/1.1") with this Connection
 * header (NULL when absent) is the connection's last once answered (RFC 9112,
 * section 9.3): "close" among the tokens, or HTTP/1.0 without "keep-alive". */
int line_refusal_is_last(const char *version, const char *connection);

/* A connection's mark, moved as each request goes by: line_refusal_head
 * when the head was read adds the head's bytes (libmicrohttpd's
 * REQUEST_HEADER_SIZE: no system call; and not the socket's count, since
 * libmicrohttpd may read the client's next bytes while it still writes the
 * reply, and a next line counted so would pass as answered; seen under
 * valgrind); line_refusal_body adds the body bytes the handler was given;
 * line_refusal_answered at completion takes what was written, and what was
 * consumed when no head was seen since: libmicrohttpd answered on its own
 * (414, 431), or the server has no hook at the head (xwing's services). One
 * system call at completion, two without a head; none when the mark says the
 * request was the last. */
void line_refusal_head(struct line_mark *mark, struct MHD_Connection *c);
void line_refusal_body(struct line_mark *mark, size_t n);
void line_refusal_answered(struct line_mark *mark, struct MHD_Connection *c);

/* From the NOTIFY_CONNECTION callback's CLOSED notice: writes the 400 when
 * the close dropped a request line. Returns 1 when it did. */
int line_refusal_on_closed(struct line_refusal *r, const struct line_mark *mark,
                           struct MHD_Connection *c);

/* Whether buf, a connection's first n bytes, holds a whole first request
 * line that libmicrohttpd will drop: no space or tab before its end, or one
 * at its start (an empty method). Leading empty lines are skipped. 0 when the
 * line is not whole yet. */
int line_refusal_doomed(const char *buf, size_t n);

/* From the STARTED notice of a thread-per-connection daemon: writes the 400
 * and shuts the sending side when the first line is doomed, judged from what
 * has arrived, up to max bytes (the connection memory: a longer line gets
 * libmicrohttpd's 414). 1 when it did. */
int line_refusal_on_started(struct line_refusal *r, struct MHD_Connection *c, size_t max);

/* Before MHD_stop_daemon: its closes are not refusals. */
void line_refusal_stop(struct line_refusal *r);

#endif
