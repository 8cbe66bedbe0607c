#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Names the address fd is bound to, read back from the kernel: with port 0
 * only getsockname knows which port was picked, and tests read it from the log. */
static void describe(int fd, char *desc, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        snprintf(desc, cap, "?");
        return;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const void *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
        snprintf(desc, cap, "[%s]:%u", ip, ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const void *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
        snprintf(desc, cap, "%s:%u", ip, ntohs(s4->sin_port));
    }
}

/* Binds one socket; returns it or -1 with errno kept for the caller. */
static int bind_one(const struct sockaddr *sa, socklen_t len, int v6only, int backlog)
{
    int one = 1, e;
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        goto fail;
    if (sa->sa_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0)
        goto fail;
    if (bind(fd, sa, len) != 0 || listen(fd, backlog) != 0)
        goto fail;
    /* Best effort (not every kernel has it): the accept then finds the
     * request already there. Without it a fast server accepts before the
     * client's first bytes land and pays a read that fails, an epoll
     * registration and removal, and a second wake-up per connection:
     * 10.8 system calls per new connection against 5.4, 16.4 against
     * 11.9 us of CPU (tests/bench/README.md). A connection that sends
     * nothing is handed over after LISTEN_DEFER_S all the same. */
    int secs = LISTEN_DEFER_S;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs);
    return fd;
fail:
    e = errno;
    close(fd);
    errno = e;
    return -1;
}

/* The errors of a kernel (or container) without IPv6. */
static int no_ipv6(int e)
{
    return e == EAFNOSUPPORT || e == EPROTONOSUPPORT || e == EADDRNOTAVAIL || e == EINVAL;
}

/* Every address: dual-stack [::] where IPv6 exists, else 0.0.0.0. */
static int open_any(uint16_t port, int try_ipv6, int backlog, struct error *err)
{
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port),
                              .sin6_addr = IN6ADDR_ANY_INIT};
    struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_ANY)};
    int fd;

    if (try_ipv6) {
        fd = bind_one((struct sockaddr *)&s6, sizeof s6, 0, backlog);
        if (fd >= 0)
            return fd;
        if (!no_ipv6(errno))
            return error_set(err, "listen", "cannot listen on [::]:%u: %s", port, strerror(errno));
    }
    fd = bind_one((struct sockaddr *)&s4, sizeof s4, 0, backlog);
    if (fd < 0)
        return error_set(err, "listen", "cannot listen on 0.0.0.0:%u: %s", port, strerror(errno));
    return fd;
}

/* host (a literal or a name: its first address) and port as a socket address. */
static int resolve(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len,
                   struct error *err)
{
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *ai;

    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6, *len = sizeof *s6;
    } else if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET, *len = sizeof *s4;
    } else {
        int rc = getaddrinfo(host, NULL, &hints, &ai);
        if (rc)
            return error_set(err, "listen", "cannot listen on %s:%u: %s", host, port,
                             gai_strerror(rc));
        memcpy(ss, ai->ai_addr, ai->ai_addrlen);
        *len = ai->ai_addrlen;
        freeaddrinfo(ai);
    }
    if (ss->ss_family == AF_INET6)
        s6->sin6_port = htons(port);
    else
        s4->sin_port = htons(port);
    return 0;
}

int listen_open(const struct opt_hostport *addr, int try_ipv6, int backlog, char *desc,
                size_t desc_cap, struct error *err)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    int fd;

    if (!addr->host[0]) {
        fd = open_any(addr->port, try_ipv6, backlog, err);
    } else {
        if (resolve(addr->host, addr->port, &ss, &len, err))
            return -1;
        /* An explicit v6 address means just that address family. */
        fd = bind_one((struct sockaddr *)&ss, len, 1, backlog);
        if (fd < 0)
            return error_set(err, "listen", "cannot listen on %s:%u: %s", addr->host, addr->port,
                             strerror(errno));
    }
    if (fd >= 0)
        describe(fd, desc, desc_cap);
    return fd;
}
