/* head_refusal: the status line libmicrohttpd leaves out.
 *
 * libmicrohttpd reads a request head into the connection's memory pool
 * (rebel-base's --connection-memory, 8 KiB; xwing serve's and probe's
 * HTTPD_CONNECTION_MEMORY) and builds the reply's header in what is left of
 * it. A head bigger than the pool gets its own 431 (or 414), built after the
 * head is dropped. But a head that fits and leaves less than a reply header
 * needs (0.9.75: heads of 7,937 to 8,064 bytes in 8 KiB) is closed without a
 * word: "Closing connection (failed to create response header)". The client
 * never learns why.
 *
 * The request-completed callback is the one place that sees it: the access
 * handler queued a reply (libmicrohttpd still holds it), yet the request ended
 * with an error, and the socket is still open. There this module writes a
 * fixed 431 on the socket, built once at start-up, so it needs no memory from
 * the pool or the heap. A reply that failed on a broken connection (the only
 * other way a queued reply ends in an error) gets the same bytes, and they go
 * nowhere.
 *
 * libmicrohttpd 0.9.75 leaves out one more 431: a query string that leaves too
 * little of the pool for its argument record (8,129 to 8,203 bytes in 8 KiB).
 * parse_initial_message_line ignores MHD_parse_arguments_'s failure, so after
 * connection_add_header queued the 431 (state FULL_REQ_RECEIVED, read buffer
 * dropped), MHD_connection_handle_idle sets the state to URL_RECEIVED again and
 * waits for header lines that were in the dropped buffer: the connection sits
 * until a timeout or closes, never sending the 431. (1.0.1 checks the result.)
 * The URI's unescape, right after the arguments, is the one callback in
 * between; a reply already queued there is that 431 (head_refusal_unescape). */
#ifndef COMMON_HEAD_REFUSAL_H
#define COMMON_HEAD_REFUSAL_H

#include <stddef.h>

#include <microhttpd.h>

#define HEAD_REFUSAL_MAX 512

struct head_refusal {
    char reply[HEAD_REFUSAL_MAX]; /* the whole 431: status line, headers, body */
    size_t len;
};

/* Builds "HTTP/1.1 STATUS" (e.g. "400 Bad Request") with body as content_type
 * and Connection: close. Returns 0, or -1 when it would not fit. */
int head_refusal_build(struct head_refusal *h, const char *status, const char *content_type,
                       const char *body);

/* Builds the 431 reply once: body (what the program's other errors look
 * like) as content_type, Connection: close. Returns 0, or -1 when it would
 * not fit HEAD_REFUSAL_MAX (a programming error: the bodies are constants). */
int head_refusal_init(struct head_refusal *h, const char *content_type, const char *body);

/* Whether a request that ended with toe was closed without its reply: one was
 * queued (libmicrohttpd still holds it) and the request ended in an error.
 * Call it from the MHD_OPTION_NOTIFY_COMPLETED callback only. */
int head_refusal_needed(struct MHD_Connection *c, enum MHD_RequestTerminationCode toe);

/* Writes the 431 on c's socket, without blocking and without SIGPIPE.
 * Returns 1 when it went out whole, 0 when the socket took none or part of
 * it (the peer is gone or not reading: nothing better can be done). */
int head_refusal_send(const struct head_refusal *h, struct MHD_Connection *c);

/* The two together, for a completed callback: sends the 431 when needed.
 * Returns 1 when it was needed (whether or not the socket took it). */
int head_refusal_on_completed(const struct head_refusal *h, struct MHD_Connection *c,
                              enum MHD_RequestTerminationCode toe);

/* An MHD_OPTION_UNESCAPE_CALLBACK (cls: the struct head_refusal) that
 * unescapes like libmicrohttpd's own and, when libmicrohttpd queued its 431
 * while parsing the request line, writes ours and shuts the socket down. */
size_t head_refusal_unescape(void *cls, struct MHD_Connection *c, char *s);

#endif
