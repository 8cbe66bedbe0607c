/* Unit tests for common/listen: address families and the IPv4 fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "listen.h"

static int family_of(int fd, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                           : ((struct sockaddr_in *)&ss)->sin_port);
    return ss.ss_family;
}

static int connect_v4(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), rc, e;
    rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    e = errno;
    close(fd);
    errno = e; /* connect's, for connect_v4_refused */
    return rc;
}

/* 1 when a connection to 127.0.0.1:port is refused: nothing listens there for
 * IPv4. (Not "the port can be bound": under a parallel test load another
 * socket, a client's or one in TIME_WAIT, may hold the same number.) */
static int connect_v4_refused(uint16_t port)
{
    int rc = connect_v4(port);
    return rc != 0 && errno == ECONNREFUSED;
}

static int connect_v6(uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port),
                             .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int fd = socket(AF_INET6, SOCK_STREAM, 0), rc;
    rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    close(fd);
    return rc;
}

/* Whether IPv4's port is free while fd holds the IPv6 one: binding 0.0.0.0 to it
 * succeeds only when fd is IPv6-only. Unlike a refused connect, this cannot be
 * fooled by another process taking the IPv4 port meanwhile: we hold it. */
static int ipv4_port_free(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), rc;
    assert_true(fd >= 0);
    rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    close(fd);
    return rc == 0;
}

/* Where the host has IPv6 (a socket bound to ::1 works), the IPv6 checks run; elsewhere
 * (containers with IPv6 disabled) they are skipped, saying so, never passed unseen. */
static int have_ipv6(char *why, size_t cap)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;
    if (fd < 0) {
        snprintf(why, cap, "socket(AF_INET6): %s", strerror(errno));
        return 0;
    }
    ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (!ok)
        snprintf(why, cap, "bind [::1]:0: %s", strerror(errno));
    close(fd);
    return ok;
}

static void skip_without_ipv6(void)
{
    char why[128];
    if (have_ipv6(why, sizeof why))
        return;
    print_message("SKIP: no IPv6 on this host (%s): the IPv6 listen checks did not run\n", why);
    skip();
}

/* listen_open on host:port, as --listen would give it. */
static int open_on(const char *host, uint16_t port, int try_ipv6, int backlog, char *desc,
                   size_t cap, struct error *err)
{
    struct opt_hostport addr = {.port = port};
    snprintf(addr.host, sizeof addr.host, "%s", host);
    return listen_open(&addr, try_ipv6, backlog, desc, cap, err);
}

static void test_every_address(void **state)
{
    (void)state;
    struct error err;
    char desc[96];
    uint16_t got;
    char want[40];

    /* The fallback path taken where IPv6 is off: plain IPv4. */
    int fd = open_on("", 0, 0, 16, desc, sizeof desc, &err);
    assert_true(fd >= 0);
    assert_int_equal(family_of(fd, &got), AF_INET);
    snprintf(want, sizeof want, "0.0.0.0:%u", got);
    assert_string_equal(desc, want);
    assert_int_equal(connect_v4(got), 0);
    /* Taken already: the fallback fails, naming the address and the cause. */
    memset(&err, 0, sizeof err);
    assert_int_equal(open_on("", got, 0, 16, desc, sizeof desc, &err), -1);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "in use"));
    close(fd);
}

static void test_literals_and_errors(void **state)
{
    (void)state;
    struct error err;
    char desc[96];
    uint16_t port;

    int fd = open_on("127.0.0.1", 0, 1, 16, desc, sizeof desc, &err);
    assert_true(fd >= 0);
    assert_int_equal(family_of(fd, &port), AF_INET);
    char want[40];
    snprintf(want, sizeof want, "127.0.0.1:%u", port);
    assert_string_equal(desc, want);
    /* The same port again: the error names the address and the cause. */
    assert_int_equal(open_on("127.0.0.1", port, 1, 16, desc, sizeof desc, &err), -1);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "in use"));
    assert_string_equal(err.step, "listen"); /* the log event it is printed under */
    assert_int_equal(strncmp(err.msg, "cannot listen on ", 17), 0);
    close(fd);

    assert_int_equal(open_on("no-such-host.invalid", port, 1, 16, desc, sizeof desc, &err),
                     -1);
    assert_non_null(strstr(err.msg, "no-such-host.invalid"));
    assert_int_equal(open_on("192.0.2.1", port, 1, 16, desc, sizeof desc, &err), -1);
    assert_non_null(strstr(err.msg, "192.0.2.1"));
}

/* ":PORT" is every address: one dual-stack socket, reached over IPv4 and IPv6 alike,
 * on the port the kernel picked, which the description names (tests read it from
 * the log). "[::]:PORT" is IPv6 only, as --help says, and "[::1]:PORT" is IPv6. */
static void test_ipv6(void **state)
{
    (void)state;
    struct error err;
    char desc[96], want[40];
    uint16_t port;
    int v6only;
    socklen_t len = sizeof v6only;
    skip_without_ipv6();

    int fd = open_on("", 0, 1, 16, desc, sizeof desc, &err);
    assert_true(fd >= 0);
    assert_int_equal(family_of(fd, &port), AF_INET6);
    assert_true(port > 0);
    snprintf(want, sizeof want, "[::]:%u", port);
    assert_string_equal(desc, want);
    assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len), 0);
    assert_int_equal(v6only, 0);
    assert_int_equal(connect_v4(port), 0);
    assert_int_equal(connect_v6(port), 0);
    assert_false(ipv4_port_free(port));
    close(fd);

    fd = open_on("::", 0, 1, 16, desc, sizeof desc, &err);
    assert_true(fd >= 0);
    assert_int_equal(family_of(fd, &port), AF_INET6);
    snprintf(want, sizeof want, "[::]:%u", port);
    assert_string_equal(desc, want);
    assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len), 0);
    assert_int_equal(v6only, 1);
    assert_int_equal(connect_v6(port), 0);
    assert_int_equal(connect_v4_refused(port), 1); /* IPv4 never reaches it */
    close(fd);

    fd = open_on("::1", 0, 1, 16, desc, sizeof desc, &err);
    assert_true(fd >= 0);
    assert_int_equal(family_of(fd, &port), AF_INET6);
    snprintf(want, sizeof want, "[::1]:%u", port);
    assert_string_equal(desc, want);
    assert_int_equal(connect_v6(port), 0);
    assert_int_equal(connect_v4_refused(port), 1);
    close(fd);
}

/* Every listener defers accept until the client has sent something: a
 * connection that has only connected is not accepted yet, and once its
 * first bytes land it is, with them already readable. */
static void test_defer_accept(void **state)
{
    (void)state;
    struct error err;
    char desc[96];
    uint16_t port;
    int secs = 0;
    socklen_t len = sizeof secs;

    int fd = open_on("127.0.0.1", 0, 1, 16, desc, sizeof desc, &err);
    assert_true(fd >= 0);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, &len), 0);
    assert_true(secs >= LISTEN_DEFER_S);
    family_of(fd, &port);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int c = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(accept(fd, NULL, NULL), -1); /* the listener is non-blocking */
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    assert_int_equal(send(c, "G", 1, 0), 1);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 5000), 1);
    int s = accept(fd, NULL, NULL);
    assert_true(s >= 0);
    char b;
    assert_int_equal(recv(s, &b, 1, MSG_DONTWAIT), 1);
    assert_int_equal(b, 'G');
    close(s);
    close(c);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_address),
        cmocka_unit_test(test_literals_and_errors),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_defer_accept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
