#include "target.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "opt.h"

static int host_char_ok(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_';
}

static int v6_char_ok(unsigned char c)
{
    return isxdigit(c) || c == ':' || c == '.';
}

/* Splits off and checks the scheme; *rest points after "://" (or at in). */
static const char *parse_scheme(const char *in, const char **rest)
{
    const char *sep = strstr(in, "://");
    *rest = in;
    if (!sep)
        return NULL;
    for (const char *p = in; p < sep; p++)
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
            return "malformed scheme";
    if (sep == in)
        return "empty scheme before '://'";
    if ((size_t)(sep - in) == 4 && strncasecmp(in, "http", 4) == 0) {
        *rest = sep + 3;
        return NULL;
    }
    if ((size_t)(sep - in) == 5 && strncasecmp(in, "https", 5) == 0)
        return "unsupported scheme 'https': xwing speaks plain http only (as rebel-base does)";
    return "unsupported scheme: only http:// is supported";
}

static const char *parse_port(const char *s, size_t len, uint16_t *port)
{
    unsigned long v = 0;
    if (len == 0)
        return "empty port after ':'";
    if (len > 5)
        return "port must be 1..65535";
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return "port must be a number 1..65535";
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return "port must be 1..65535";
    *port = (uint16_t)v;
    return NULL;
}

/* Parses "host", "host:port", "[v6]" or "[v6]:port" of length len. */
static const char *parse_authority(const char *s, size_t len, struct target *out)
{
    const char *host = s, *port = NULL;
    size_t hlen;
    int v6 = 0;

    if (memchr(s, '@', len))
        return "user:password@ in targets is not supported";
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return "missing ']' after IPv6 address";
        host = s + 1;
        hlen = (size_t)(close - host);
        v6 = 1;
        if (close + 1 < s + len) {
            if (close[1] != ':')
                return "expected ':' after ']'";
            port = close + 2;
        }
    } else {
        const char *colon = memchr(s, ':', len);
        hlen = colon ? (size_t)(colon - s) : len;
        if (colon && memchr(colon + 1, ':', len - hlen - 1))
            return opt_colons_reason(s, hlen);
        port = colon ? colon + 1 : NULL;
    }
    if (hlen == 0)
        return "empty host";
    if (hlen >= sizeof out->host)
        return "host name too long";
    for (size_t i = 0; i < hlen; i++)
        if (!(v6 ? v6_char_ok((unsigned char)host[i]) : host_char_ok((unsigned char)host[i])))
            return v6 ? "bad character in IPv6 address" : "bad character in host name";
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';
    out->port = 80;
    if (port)
        return parse_port(port, (size_t)(s + len - port), &out->port);
    return NULL;
}

const char *target_parse(const char *in, struct target *out)
{
    const char *rest, *why, *slash;
    size_t alen, plen;
    int n;

    if (!in || !*in)
        return "empty target";
    for (const char *p = in; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return "spaces and control characters are not allowed";
    if ((why = parse_scheme(in, &rest)))
        return why;
    slash = rest + strcspn(rest, "/?#");
    if (*slash == '#')
        return "fragments (#) are not allowed";
    alen = (size_t)(slash - rest);
    if ((why = parse_authority(rest, alen, out)))
        return why;
    if (strchr(slash, '#'))
        return "fragments (#) are not allowed";
    /* The path as stored: a '/' goes in front of a bare "?query", and the limit
     * counts it, so that the URL built here parses again to the same target. */
    plen = strlen(slash) + (*slash == '/' ? 0 : 1);
    if (plen + 1 > sizeof out->path)
        return "path too long";
    n = snprintf(out->path, sizeof out->path, "%s%s", *slash == '/' ? "" : "/", slash);
    if (n < 0 || (size_t)n >= sizeof out->path)
        return "path too long";
    n = snprintf(out->url, sizeof out->url, strchr(out->host, ':') ? "http://[%s]:%u%s"
                                                                  : "http://%s:%u%s",
                 out->host, (unsigned)out->port, out->path);
    if (n < 0 || (size_t)n >= sizeof out->url)
        return "target too long";
    return NULL;
}
