/* fuzz_target: x-wing's target parsing (what a person types -> the URL libcurl
 * gets). Checks, besides ASan/UBSan: an accepted target has a terminated,
 * non-empty host, a path starting with '/', a terminated URL that starts with
 * "http://", no whitespace or control bytes in the URL (libcurl would
 * misparse them), and parsing the URL again gives the same host, port and path.
 * SOURCES: x-wing/core/target.c common/opt.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

static void check_terminated(const char *s, size_t cap)
{
    if (strnlen(s, cap) == cap)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    static struct target t, again;
    if (target_parse(in, &t) == NULL) {
        check_terminated(t.host, sizeof t.host);
        check_terminated(t.path, sizeof t.path);
        check_terminated(t.url, sizeof t.url);
        if (!t.host[0] || t.path[0] != '/' || strncmp(t.url, "http://", 7) != 0)
            abort();
        for (const unsigned char *p = (const unsigned char *)t.url; *p; p++)
            if (*p <= 0x20 || *p == 0x7f)
                abort();
        if (target_parse(t.url, &again) != NULL)
            abort(); /* the URL we built is not a target we accept */
        if (strcmp(again.host, t.host) || again.port != t.port || strcmp(again.path, t.path) ||
            strcmp(again.url, t.url))
            abort();
    }
    free(in);
    return 0;
}
