#include "gate.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addrclass.h"
#include "lookup.h"

/* The flags that would let a connection to sa through, given the classes
 * that refuse it: "--allow-target 127.0.0.1:8080", with "--allow-link-local
 * and " in front for a link-local address while l refuses those. */
static void flags_for(const struct allowlist *l, unsigned classes, const char *addr, char *buf,
                      size_t cap)
{
    int ll = (classes & ADDRCLASS_LINK_LOCAL) && !l->link_local;
    if (classes & ADDRCLASS_NOT_IP)
        snprintf(buf, cap, "no flag allows it");
    else if (l->open)
        snprintf(buf, cap, "allow it with --allow-link-local");
    else
        snprintf(buf, cap, "allow it with %s--allow-target %s", ll ? "--allow-link-local and " : "",
                 addr);
}

/* "127.0.0.1:8080, a loopback address: allow it with ..." when l refuses sa:
 * -1; 0 when it allows it. */
static int explain(const struct allowlist *l, const struct sockaddr *sa, size_t len, char *buf,
                   size_t cap)
{
    unsigned classes = allowlist_address(l, sa, len);
    char addr[64], what[64], flags[128];

    if (!classes)
        return 0;
    /* explain writes up to 64 + 64 + 128 bytes: callers give 320 */
    addrclass_format(sa, len, addr, sizeof addr);
    addrclass_describe(classes, what, sizeof what);
    flags_for(l, classes, addr, flags, sizeof flags);
    snprintf(buf, cap, "%s, %s: %s", addr, what, flags);
    return -1;
}

int gate_admit(const void *ctx, const struct sockaddr *sa, size_t len, char *why, size_t cap)
{
    char what[320];
    if (explain(ctx, sa, len, what, sizeof what) == 0)
        return 0;
    snprintf(why, cap, "refused %s", what);
    return -1;
}

/* host:port as the list would name it: "[::1]:80" for an IPv6 address. */
static void hostport(const struct target *t, char *buf, size_t cap)
{
    snprintf(buf, cap, strchr(t->host, ':') ? "[%s]:%u" : "%s:%u", t->host, (unsigned)t->port);
}

/* The name check's refusal; an address literal that is link-local says it
 * needs --allow-link-local too. */
static int refuse_name(const struct allowlist *l, const struct target *t, char *why, size_t cap)
{
    struct sockaddr_storage ss;
    size_t len;
    char hp[TARGET_HOST_MAX + 16];
    int ll = !l->link_local && addrclass_parse(t->host, t->port, &ss, &len) == 0 &&
             (addrclass_of((const struct sockaddr *)&ss, len) & ADDRCLASS_LINK_LOCAL);

    hostport(t, hp, sizeof hp);
    snprintf(why, cap, "target '%s' is not on the allowlist: allow it with %s--allow-target %s", hp,
             ll ? "--allow-link-local and " : "", hp);
    return -1;
}

int gate_target(const struct allowlist *l, const struct target *t, uint64_t deadline_ns, char *why,
                size_t cap)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    char port[8], hp[TARGET_HOST_MAX + 16], refused[320];
    int rc = 0;

    if (!allowlist_name(l, t->host, t->port))
        return refuse_name(l, t, why, cap);
    snprintf(port, sizeof port, "%u", (unsigned)t->port);
    /* Bounded: with DNS dropped, getaddrinfo would hold the answer for the
     * resolver's own timeout (5 s) per target, however short the tally's */
    if (lookup_by(t->host, port, &hints, deadline_ns, &res) != 0)
        return 0;
    for (ai = res; ai && rc == 0; ai = ai->ai_next)
        rc = explain(l, ai->ai_addr, ai->ai_addrlen, refused, sizeof refused);
    freeaddrinfo(res);
    if (rc) {
        hostport(t, hp, sizeof hp);
        snprintf(why, cap, "target '%s' resolves to %s", hp, refused);
    }
    return rc;
}
