#include "head_refusal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int head_refusal_build(struct head_refusal *h, const char *status, const char *content_type,
                       const char *body)
{
    size_t blen = strlen(body);
    int n = snprintf(h->reply, sizeof h->reply,
                 "HTTP/1.1 %s\r\n"
                 "Connection: close\r\n"
                 "Content-Type: %s\r\n"
                 "Content-Length: %zu\r\n"
                 "\r\n"
                 "%s",
                 status, content_type, blen, body);
    if (n < 0 || (size_t)n >= sizeof h->reply) {
        h->len = 0;
        return -1;
    }
    h->len = (size_t)n;
    return 0;
}

int head_refusal_init(struct head_refusal *h, const char *content_type, const char *body)
{
    return head_refusal_build(h, "431 Request Header Fields Too Large", content_type, body);
}

int head_refusal_needed(struct MHD_Connection *c, enum MHD_RequestTerminationCode toe)
{
    /* HTTP_STATUS answers only while a reply is queued and not yet done with. */
    return toe == MHD_REQUEST_TERMINATED_WITH_ERROR &&
           MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS) != NULL;
}

int head_refusal_send(const struct head_refusal *h, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    ssize_t n;

    if (!ci || h->len == 0)
        return 0;
    do
        n = send(ci->connect_fd, h->reply, h->len, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)h->len;
}

int head_refusal_on_completed(const struct head_refusal *h, struct MHD_Connection *c,
                              enum MHD_RequestTerminationCode toe)
{
    if (!head_refusal_needed(c, toe))
        return 0;
    (void)head_refusal_send(h, c);
    return 1;
}

size_t head_refusal_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    /* While the request line is parsed, no reply is queued unless
     * libmicrohttpd gave up on the line (see the header). */
    if (MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS)) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        (void)head_refusal_send(cls, c);
        /* libmicrohttpd then reads EOF and closes; its own reply, which it
         * would never send, cannot follow ours. */
        if (ci)
            shutdown(ci->connect_fd, SHUT_RDWR);
    }
    return MHD_http_unescape(s);
}
