#include "mhd_log.h"

#include <stdio.h>
#include <string.h>

void mhd_log_event(void *cls, const char *fmt, va_list ap)
{
    const struct log *lg = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_event(lg, LOG_WARN, "libmicrohttpd", "%s", msg);
}
