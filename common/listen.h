/* listen: the listening socket for a --listen address, opened here rather than
 * by libmicrohttpd so that ":PORT" can mean IPv6+IPv4 where IPv6 exists and
 * IPv4 where it does not (MHD_USE_DUAL_STACK just fails in containers with
 * IPv6 disabled). Hand the socket to MHD_OPTION_LISTEN_SOCKET; libmicrohttpd
 * leaves it open, so close it after MHD_stop_daemon. */
#ifndef COMMON_LISTEN_H
#define COMMON_LISTEN_H

#include <stddef.h>

#include "error.h"
#include "opt.h"

/* How long (s) the kernel holds a new connection that has sent nothing
 * before handing it to accept() all the same (TCP_DEFER_ACCEPT; Linux rounds
 * it up to its SYN-ACK retransmission times, so about 1 s here). */
#define LISTEN_DEFER_S 1

/* Room for the longest description, "[ffff:...:ffff]:65535". */
#define LISTEN_DESC_MAX 96

/* Opens, binds and listens on addr. Host "" means every address: a dual-stack
 * [::] socket, or 0.0.0.0 when try_ipv6 is 0 or the kernel has no IPv6
 * (EAFNOSUPPORT and friends). IPv4 and IPv6 literals bind as given (an IPv6
 * one to IPv6 alone); a name is resolved and its first address used. Accepts
 * are deferred until the client has sent something, or LISTEN_DEFER_S has
 * passed. Returns
 * the socket (O_CLOEXEC, non-blocking) and writes the bound address as the
 * kernel reports it ("[::]:8080"; with port 0, the port it picked) to desc; or
 * -1 with err: step "listen", "cannot listen on HOST:PORT: <cause>". */
int listen_open(const struct opt_hostport *addr, int try_ipv6, int backlog, char *desc,
                size_t desc_cap, struct error *err);

#endif
