/* listener: the listening socket, made here rather than by libmicrohttpd so
 * that ":PORT" can mean IPv6+IPv4 where IPv6 exists and IPv4 where it does not
 * (MHD_USE_DUAL_STACK just fails in containers with IPv6 disabled). */
#ifndef REBEL_BASE_LISTENER_H
#define REBEL_BASE_LISTENER_H

#include <stddef.h>
#include <stdint.h>

struct listener_error {
    char msg[256];
};

/* Opens, binds and listens on host:port. host "" means every address: a
 * dual-stack [::] socket, or 0.0.0.0 when try_ipv6 is 0 or the kernel has no
 * IPv6 (EAFNOSUPPORT and friends). IPv4 and IPv6 literals bind as given; a
 * name is resolved and its first address used. Returns the socket (O_CLOEXEC,
 * non-blocking) and writes a printable bound address ("[::]:8080") to desc,
 * or -1 with err set. */
int listener_open(const char *host, uint16_t port, int try_ipv6, int backlog, char *desc,
                  size_t desc_cap, struct listener_error *err);

#endif
