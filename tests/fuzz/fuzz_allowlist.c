/* fuzz_allowlist: x-wing/core/allowlist.c, what `xwing serve` may fetch. The input
 * is "PATTERNS\nHOST\nPORT": the comma-separated patterns (as
 * XWING_ALLOW_TARGET), a target's host and its port. Checks, besides
 * ASan/UBSan: a refused list keeps only whole patterns (n within its cap);
 * the description is terminated and within its buffer; matching ignores case;
 * allowing more never allows less (a list with "*" added allows every name);
 * a host that is an IP address is refused exactly for its classes, and the
 * probe's open list refuses it only when it is link-local.
 * SOURCES: x-wing/core/allowlist.c x-wing/core/addrclass.c common/opt.c */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addrclass.h"
#include "allowlist.h"

/* The piece of in up to the next '\n' (or the end), NUL-terminated in place. */
static char *piece(char **in)
{
    char *s = *in, *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        *in = nl + 1;
    } else {
        *in = s + strlen(s);
    }
    return s;
}

static void check_describe(const struct allowlist *l)
{
    char big[2048], small[7];
    allowlist_describe(l, big, sizeof big);
    allowlist_describe(l, small, sizeof small);
    if (strnlen(big, sizeof big) == sizeof big || strnlen(small, sizeof small) == sizeof small)
        abort();
}

/* An address host: refused exactly for its classes, unless a pattern names it. */
static void check_address(struct allowlist *l, const char *host, uint16_t port)
{
    struct sockaddr_storage ss;
    size_t len;
    if (addrclass_parse(host, port, &ss, &len))
        return;
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    unsigned cls = addrclass_of(sa, len), got = allowlist_address(l, sa, len);
    if ((cls == 0 && got != 0) || (got != 0 && got != cls))
        abort();
    l->open = 1;
    got = allowlist_address(l, sa, len);
    if (got != ((cls & ADDRCLASS_LINK_LOCAL) && !l->link_local ? cls : 0))
        abort();
    l->open = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1), *in = buf;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *patterns = piece(&in), *host = piece(&in);
    uint16_t port = (uint16_t)strtoul(piece(&in), NULL, 10);
    static struct allowlist l;
    char upper[4097];

    memset(&l, 0, sizeof l);
    l.link_local = size & 1;
    if (allowlist_add(&l, patterns) == NULL && l.n == 0)
        abort();
    if (l.n > ALLOWLIST_MAX)
        abort();
    check_describe(&l);
    int allowed = allowlist_name(&l, host, port);
    size_t n = strlen(host);
    for (size_t i = 0; i <= n; i++)
        upper[i] = (char)toupper((unsigned char)host[i]);
    if (allowlist_name(&l, upper, port) != allowed)
        abort();
    check_address(&l, host, port);
    if (l.n < ALLOWLIST_MAX) {
        allowlist_add(&l, "*");
        if (!allowlist_name(&l, host, port))
            abort();
    }
    free(buf);
    return 0;
}
