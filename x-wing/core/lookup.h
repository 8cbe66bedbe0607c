/* lookup: getaddrinfo with a deadline.
 *
 * getaddrinfo cannot be interrupted: with DNS dropped (a network policy) it
 * blocks until the resolver gives up, resolv.conf's timeout per try (5 s by
 * default). lookup_by runs it on a detached thread and waits no longer than
 * the deadline; a lookup that ends later frees its own result. This is what
 * libcurl's threaded resolver does for fire's requests (CURLOPT_QUICK_EXIT),
 * for the lookups xwing makes itself. */
#ifndef XW_LOOKUP_H
#define XW_LOOKUP_H

#include <netdb.h>
#include <stdint.h>

/* 0 with *res (freeaddrinfo it) when host:port resolved before deadline_ns
 * (clock_mono_ns), else -1 with *res NULL: no such name, no answer in time, a
 * name too long for DNS or no thread to run the lookup on. */
int lookup_by(const char *host, const char *port, const struct addrinfo *hints,
              uint64_t deadline_ns, struct addrinfo **res);

#endif
