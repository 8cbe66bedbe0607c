/* addrclass: what an IP address reaches that a relay must not hand to anyone
 * who asks: the host itself (loopback, unspecified), the link (link-local:
 * where clouds serve instance metadata and credentials), or a cloud's metadata
 * service on an address of its own. Pure.
 *
 * An IPv6 address that carries an IPv4 one (IPv4-mapped ::ffff:a.b.c.d,
 * IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d) is classed as the IPv4
 * address too, so a v6 spelling cannot hide 127.0.0.1 or 169.254.169.254. */
#ifndef XW_ADDRCLASS_H
#define XW_ADDRCLASS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Bits: an address may be in several classes (169.254.169.254 is link-local
 * and metadata). 0: none of them. */
enum {
    ADDRCLASS_LOOPBACK = 1,    /* 127.0.0.0/8, ::1 */
    ADDRCLASS_LINK_LOCAL = 2,  /* 169.254.0.0/16, fe80::/10 */
    ADDRCLASS_METADATA = 4,    /* the metadata services listed in addrclass.c */
    ADDRCLASS_UNSPECIFIED = 8, /* 0.0.0.0/8, :: (connecting to 0.0.0.0 reaches the host) */
    ADDRCLASS_NOT_IP = 16,     /* not AF_INET or AF_INET6 */
};

/* The classes of the address in sa (len bytes); the port is ignored. Why: the
 * allowlist refuses these classes unless the address is named on purpose. */
unsigned addrclass_of(const struct sockaddr *sa, size_t len);

/* The classes in words, for a refusal: "a loopback address", "a link-local,
 * cloud metadata address". Writes at most cap bytes. */
void addrclass_describe(unsigned classes, char *buf, size_t cap);

/* An IP address as text ("127.0.0.1", "::1", no brackets) with port, as a
 * socket address in *ss (length in *len). Returns 0, or -1 when text is no
 * address (a name). Why: the allowlist compares addresses, not spellings. */
int addrclass_parse(const char *text, uint16_t port, struct sockaddr_storage *ss, size_t *len);

/* Whether two socket addresses are the same IP address and port (an IPv4-mapped
 * IPv6 address equals its IPv4 address). Why: a pattern naming 127.0.0.1:8080
 * opens exactly that address and port, whichever family libcurl connects with. */
int addrclass_same(const struct sockaddr *a, size_t alen, const struct sockaddr *b, size_t blen,
                   int with_port);

/* The address of sa as text with its port ("127.0.0.1:80", "[::1]:80"), for
 * refusals and the flag that would allow it. */
void addrclass_format(const struct sockaddr *sa, size_t len, char *buf, size_t cap);

#endif
