#include "log.h"

#include "clock.h"

#include <stdarg.h>
#include <string.h>

static const char *level_name(enum log_level level)
{
    switch (level) {
    case LOG_DEBUG: return "debug";
    case LOG_INFO: return "info";
    case LOG_WARN: return "warn";
    case LOG_ERROR: return "error";
    }
    return "info";
}

int log_format_parse(const char *s, enum log_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = LOG_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = LOG_JSON;
    else
        return -1;
    return 0;
}

size_t log_json_escape(char *buf, size_t cap, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    if (cap == 0)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[7] = {0};
        size_t len;
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c, len = 2;
        } else if (c == '\n') {
            memcpy(esc, "\\n", 2), len = 2;
        } else if (c < 0x20) {
            memcpy(esc, "\\u00", 4), esc[4] = hex[c >> 4], esc[5] = hex[c & 15], len = 6;
        } else {
            esc[0] = (char)c, len = 1;
        }
        if (n + len >= cap)
            break;
        memcpy(buf + n, esc, len);
        n += len;
    }
    buf[n] = '\0';
    return n;
}

void log_event(const struct log *lg, enum log_level level, const char *event,
               const char *fmt, ...)
{
    char msg[1024], esc[2048], line[2560], ts[32];
    va_list ap;
    int len;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    clock_rfc3339(ts, sizeof ts);

    if (lg->format == LOG_JSON) {
        log_json_escape(esc, sizeof esc, msg);
        len = snprintf(line, sizeof line,
                       "{\"ts\":\"%s\",\"level\":\"%s\",\"prog\":\"%s\",\"event\":\"%s\",\"msg\":\"%s\"}\n",
                       ts, level_name(level), lg->prog, event, esc);
    } else {
        len = snprintf(line, sizeof line, "%s %s %s %s: %s\n", ts, level_name(level),
                       lg->prog, event, msg);
    }
    if (len < 0)
        return;
    if ((size_t)len >= sizeof line) {
        len = (int)sizeof line - 1;
        line[len - 1] = '\n';
    }
    fwrite(line, 1, (size_t)len, lg->out ? lg->out : stderr);
    fflush(lg->out ? lg->out : stderr);
}
