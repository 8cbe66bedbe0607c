#include "allowlist.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "addrclass.h"
#include "opt.h"

/* The lab's own targets: what `xwing serve` fetches when told nothing else. */
static const char *const lab_names[] = {
    "rebel-base:80",
    "rebel-base.*.svc.cluster.local:80",
    "rebel-base.*.svc.clusterset.local:80",
    "rebel-base-headless:8080",
    "rebel-base-headless.*.svc.cluster.local:8080",
};

void allowlist_defaults(struct allowlist *l)
{
    for (size_t i = 0; i < sizeof lab_names / sizeof lab_names[0]; i++)
        allowlist_add(l, lab_names[i]);
}

/* What a host pattern may hold: a target's host characters and the globs;
 * anything else (a '/', an '@', a space) is a mistake worth a usage error. */
static int glob_char_ok(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*' || c == '?';
}

/* A pattern's port (len bytes, not terminated): 0 is refused, since no PORT
 * already means any port. */
static const char *parse_port(const char *s, size_t len, uint16_t *port)
{
    char buf[8];
    uint64_t v;
    if (len == 0 || len >= sizeof buf)
        return "port must be 1..65535 (leave it out for any port)";
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (opt_uint(buf, 1, 65535, &v))
        return "port must be 1..65535 (leave it out for any port)";
    *port = (uint16_t)v;
    return NULL;
}

/* Splits "host", "host:port", "[v6]" or "[v6]:port" (len bytes): the host's
 * start and length, and the port's text (NULL when none). */
static const char *split(const char *s, size_t len, const char **host, size_t *hlen,
                         const char **port)
{
    const char *close, *colon;
    *host = s;
    *port = NULL;
    if (s[0] == '[') {
        if (!(close = memchr(s, ']', len)))
            return "missing ']' after an IPv6 address";
        *host = s + 1;
        *hlen = (size_t)(close - *host);
        if (close + 1 < s + len && close[1] != ':')
            return "expected ':' after ']'";
        *port = close + 1 < s + len ? close + 2 : NULL;
        return NULL;
    }
    colon = memchr(s, ':', len);
    *hlen = colon ? (size_t)(colon - s) : len;
    if (colon && memchr(colon + 1, ':', len - *hlen - 1))
        return opt_colons_reason(s, *hlen);
    *port = colon ? colon + 1 : NULL;
    return NULL;
}

/* One pattern of len bytes into p. */
static const char *parse_pattern(const char *s, size_t len, struct allow_pattern *p)
{
    const char *host, *port, *why;
    size_t hlen;

    memset(p, 0, sizeof *p);
    if (len == 0)
        return "empty pattern";
    for (size_t i = 0; i + 2 < len; i++)
        if (memcmp(s + i, "://", 3) == 0)
            return "a pattern is HOST[:PORT], without a scheme";
    if ((why = split(s, len, &host, &hlen, &port)))
        return why;
    if (hlen == 0)
        return "empty host";
    if (hlen >= sizeof p->host)
        return "host pattern too long";
    for (size_t i = 0; i < hlen; i++)
        p->host[i] = (char)tolower((unsigned char)host[i]);
    if (port && (why = parse_port(port, (size_t)(s + len - port), &p->port)))
        return why;
    p->is_addr = addrclass_parse(p->host, p->port, &p->addr, &p->addrlen) == 0;
    if (s[0] == '[' && !(p->is_addr && p->addr.ss_family == AF_INET6))
        return "expected an IPv6 address in brackets";
    for (size_t i = 0; !p->is_addr && i < hlen; i++)
        if (!glob_char_ok((unsigned char)p->host[i]))
            return "bad character in host pattern: letters, digits, '-', '.', '_', '*', '?'";
    return NULL;
}

const char *allowlist_add(struct allowlist *l, const char *list)
{
    const char *s = list;
    for (;;) {
        size_t len = strcspn(s, ",");
        const char *end = s + len, *why;
        while (s < end && *s == ' ')
            s++;
        while (end > s && end[-1] == ' ')
            end--;
        if (l->n == ALLOWLIST_MAX)
            return "at most 32 patterns";
        if ((why = parse_pattern(s, (size_t)(end - s), &l->pats[l->n])))
            return why;
        l->n++;
        s += strcspn(s, ",");
        if (!*s++)
            return NULL;
    }
}

/* '*' any run of characters, '?' one; p is lower case, s any case. Linear
 * backtracking to the last '*' only: O(len(p) * len(s)) at worst. */
static int glob(const char *p, const char *s)
{
    const char *star = NULL, *resume = s;
    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p && (*p == '?' || *p == tolower((unsigned char)*s))) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

int allowlist_name(const struct allowlist *l, const char *host, uint16_t port)
{
    struct sockaddr_storage ss;
    size_t len;
    int literal = addrclass_parse(host, port, &ss, &len) == 0;

    if (l->open)
        return 1;
    for (size_t i = 0; i < l->n; i++) {
        const struct allow_pattern *p = &l->pats[i];
        if (p->port && p->port != port)
            continue;
        if (p->is_addr ? literal && addrclass_same((const struct sockaddr *)&p->addr, p->addrlen,
                                                   (const struct sockaddr *)&ss, len, 0)
                       : glob(p->host, host))
            return 1;
    }
    return 0;
}

unsigned allowlist_address(const struct allowlist *l, const struct sockaddr *sa, size_t len)
{
    unsigned c = addrclass_of(sa, len);
    if (!c)
        return 0;
    if (c & ADDRCLASS_NOT_IP)
        return c;
    if ((c & ADDRCLASS_LINK_LOCAL) && !l->link_local)
        return c;
    if (l->open)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct allow_pattern *p = &l->pats[i];
        if (p->is_addr && addrclass_same((const struct sockaddr *)&p->addr, p->addrlen, sa, len,
                                         p->port != 0))
            return 0;
    }
    return c;
}

void allowlist_describe(const struct allowlist *l, char *buf, size_t cap)
{
    size_t n = 0;
    int w = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n && n < cap; i++, n += (size_t)w) {
        const struct allow_pattern *p = &l->pats[i];
        int v6 = p->is_addr && p->addr.ss_family == AF_INET6;
        char port[8] = "";
        if (p->port)
            snprintf(port, sizeof port, ":%u", (unsigned)p->port);
        w = snprintf(buf + n, cap - n, "%s%s%s%s%s", i ? ", " : "", v6 ? "[" : "", p->host,
                     v6 ? "]" : "", port);
        if (w < 0 || (size_t)w >= cap - n) {
            if (cap > 4)
                memcpy(buf + cap - 4, "...", 4);
            return;
        }
    }
    if (l->link_local && n < cap)
        snprintf(buf + n, cap - n, "%slink-local allowed", n ? "; " : "");
}
