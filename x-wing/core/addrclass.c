#include "addrclass.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* An address reduced to what the checks compare: 4 or 16 bytes and a port. */
struct ip {
    int v4;
    uint8_t b[16];
    uint16_t port;
};

/* Metadata services that sit outside link-local, and those inside it that
 * hand out credentials: AWS, GCP, Azure, OCI, OpenStack, DigitalOcean
 * (169.254.169.254), AWS ECS task credentials (169.254.170.2), Alibaba Cloud
 * (100.100.100.200), Azure's WireServer (168.63.129.16); AWS's and GCP's IPv6
 * metadata (fd00:ec2::254, fd20:ce::254). */
static const char *const metadata[] = {
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16",
    "fd00:ec2::254",   "fd20:ce::254",
};

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
static const uint8_t nat64_prefix[12] = {0, 0x64, 0xff, 0x9b};
static const uint8_t zero_prefix[12] = {0};

/* sa as struct ip, copied out (the caller's bytes may be unaligned for
 * sockaddr_in6); -1 when it is no IP address or too short for its family. */
static int to_ip(const struct sockaddr *sa, size_t len, struct ip *ip)
{
    memset(ip, 0, sizeof *ip);
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        ip->v4 = 1;
        memcpy(ip->b, &in.sin_addr, 4);
        ip->port = ntohs(in.sin_port);
        return 0;
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        memcpy(ip->b, &in6.sin6_addr, 16);
        ip->port = ntohs(in6.sin6_port);
        return 0;
    }
    return -1;
}

/* The classes of an IPv4 address (4 bytes): also those an IPv6 one carries. */
static unsigned class_v4(const uint8_t *b)
{
    unsigned c = 0;
    char text[INET_ADDRSTRLEN];
    if (b[0] == 127)
        c |= ADDRCLASS_LOOPBACK;
    if (b[0] == 169 && b[1] == 254)
        c |= ADDRCLASS_LINK_LOCAL;
    if (b[0] == 0)
        c |= ADDRCLASS_UNSPECIFIED;
    inet_ntop(AF_INET, b, text, sizeof text);
    for (size_t i = 0; i < sizeof metadata / sizeof metadata[0]; i++)
        if (strcmp(text, metadata[i]) == 0)
            c |= ADDRCLASS_METADATA;
    return c;
}

/* The classes of an IPv6 address (16 bytes), and of the IPv4 one inside it. */
static unsigned class_v6(const uint8_t *b)
{
    static const uint8_t loopback[16] = {[15] = 1}, any[16] = {0};
    unsigned c = 0;
    char text[INET6_ADDRSTRLEN];
    if (memcmp(b, any, 16) == 0)
        return ADDRCLASS_UNSPECIFIED;
    if (memcmp(b, loopback, 16) == 0)
        return ADDRCLASS_LOOPBACK;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        c |= ADDRCLASS_LINK_LOCAL;
    if (!memcmp(b, mapped_prefix, 12) || !memcmp(b, nat64_prefix, 12) || !memcmp(b, zero_prefix, 12))
        c |= class_v4(b + 12);
    inet_ntop(AF_INET6, b, text, sizeof text);
    for (size_t i = 0; i < sizeof metadata / sizeof metadata[0]; i++)
        if (strcmp(text, metadata[i]) == 0)
            c |= ADDRCLASS_METADATA;
    return c;
}

unsigned addrclass_of(const struct sockaddr *sa, size_t len)
{
    struct ip ip;
    if (to_ip(sa, len, &ip))
        return ADDRCLASS_NOT_IP;
    return ip.v4 ? class_v4(ip.b) : class_v6(ip.b);
}

void addrclass_describe(unsigned classes, char *buf, size_t cap)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        {ADDRCLASS_LOOPBACK, "loopback"},       {ADDRCLASS_LINK_LOCAL, "link-local"},
        {ADDRCLASS_METADATA, "cloud metadata"}, {ADDRCLASS_UNSPECIFIED, "unspecified"},
        {ADDRCLASS_NOT_IP, "non-IP"},
    };
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(classes & names[i].bit))
            continue;
        const char *lead = n ? ", " : names[i].name[0] == 'u' ? "an " : "a ";
        int w = snprintf(buf + n, cap - n, "%s%s", lead, names[i].name);
        if (w < 0 || (size_t)w >= cap - n)
            return;
        n += (size_t)w;
    }
    if (n)
        snprintf(buf + n, cap - n, " address");
}

int addrclass_parse(const char *text, uint16_t port, struct sockaddr_storage *ss, size_t *len)
{
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};

    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET, text, &in.sin_addr) == 1) {
        memcpy(ss, &in, sizeof in);
        *len = sizeof in;
        return 0;
    }
    if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1) {
        memcpy(ss, &in6, sizeof in6);
        *len = sizeof in6;
        return 0;
    }
    return -1;
}

/* An IPv4-mapped IPv6 address as the IPv4 address it is on the wire. */
static void unmap(struct ip *ip)
{
    if (!ip->v4 && memcmp(ip->b, mapped_prefix, 12) == 0) {
        memmove(ip->b, ip->b + 12, 4);
        memset(ip->b + 4, 0, 12);
        ip->v4 = 1;
    }
}

int addrclass_same(const struct sockaddr *a, size_t alen, const struct sockaddr *b, size_t blen,
                   int with_port)
{
    struct ip x, y;
    if (to_ip(a, alen, &x) || to_ip(b, blen, &y))
        return 0;
    unmap(&x);
    unmap(&y);
    return x.v4 == y.v4 && memcmp(x.b, y.b, x.v4 ? 4 : 16) == 0 &&
           (!with_port || x.port == y.port);
}

void addrclass_format(const struct sockaddr *sa, size_t len, char *buf, size_t cap)
{
    struct ip ip;
    char text[INET6_ADDRSTRLEN];
    if (to_ip(sa, len, &ip)) {
        snprintf(buf, cap, "(address family %d)", sa->sa_family);
        return;
    }
    inet_ntop(ip.v4 ? AF_INET : AF_INET6, ip.b, text, sizeof text);
    snprintf(buf, cap, ip.v4 ? "%s:%u" : "[%s]:%u", text, (unsigned)ip.port);
}
