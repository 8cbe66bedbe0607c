#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

char *http_json_error(const char *why)
{
    /* Escaping at most doubles a byte's length, or makes it six (\u00XX). */
    size_t cap = strlen(why) * 6 + 1, n;
    char *esc = malloc(cap), *body;
    if (!esc)
        return NULL;
    log_json_escape(esc, cap, why);
    n = strlen(esc) + sizeof "{\"error\":\"\"}\n";
    body = malloc(n);
    if (body)
        snprintf(body, n, "{\"error\":\"%s\"}\n", esc);
    free(esc);
    return body;
}
