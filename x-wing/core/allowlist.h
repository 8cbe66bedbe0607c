/* allowlist: the targets `xwing serve` may fetch for whoever asks, so that it
 * is not an open relay into the pod's network position (instance metadata,
 * services that trust the pod, the API server).
 *
 * A pattern is HOST[:PORT]: HOST a glob over names ('*' any run of characters,
 * dots included; '?' one character; case-insensitive) or an IP address
 * ([v6] in brackets), compared as an address; no PORT means any port. A
 * target is allowed by name when a pattern matches its host and port. Then
 * every address it is about to connect to is checked too: a loopback,
 * link-local, cloud metadata or unspecified address is refused unless a
 * pattern names that very address (a glob never does), and a link-local one
 * also needs link_local (--allow-link-local), whatever the patterns say.
 * `xwing probe`, whose targets its operator fixes at start, uses an open list:
 * every name and address but link-local. Pure. */
#ifndef XW_ALLOWLIST_H
#define XW_ALLOWLIST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "target.h"

#define ALLOWLIST_MAX 32

struct allow_pattern {
    char host[TARGET_HOST_MAX]; /* lower case, no brackets */
    uint16_t port;              /* 0: any port */
    int is_addr;                /* host is an IP address, in addr */
    struct sockaddr_storage addr;
    size_t addrlen;
};

struct allowlist {
    struct allow_pattern pats[ALLOWLIST_MAX];
    size_t n;
    int link_local; /* --allow-link-local */
    int open;       /* xwing probe: names unchecked, addresses only for link-local */
};

/* The patterns `xwing serve` allows when none is given: the lab's own names,
 * rebel-base on port 80 (its Service) and rebel-base-headless on 8080 (the pods'
 * port), short and in the cluster's and clusterset's service domains.
 * Appends them to l. Why here: the one place they are written down. */
void allowlist_defaults(struct allowlist *l);

/* Adds the comma-separated patterns in list (spaces around each are ignored).
 * Returns NULL, or a constant reason naming what is wrong with one of them;
 * l then holds those before it. Why a list: XWING_ALLOW_TARGET is one. */
const char *allowlist_add(struct allowlist *l, const char *list);

/* 1 when a pattern allows host (as a target holds it: v6 without brackets) on
 * port, 0 when none does. Why: the first check, before any lookup. */
int allowlist_name(const struct allowlist *l, const char *host, uint16_t port);

/* 0 when a connection to sa (len bytes, port included) may be made, else the
 * ADDRCLASS_* bits that refuse it. Why: the second check, on what a name
 * resolved to, made again on every connection so DNS cannot change it. */
unsigned allowlist_address(const struct allowlist *l, const struct sockaddr *sa, size_t len);

/* "rebel-base:80, *.svc.cluster.local" (cut with "..." at cap), then
 * "; link-local allowed" when it is. For the listen line. */
void allowlist_describe(const struct allowlist *l, char *buf, size_t cap);

#endif
