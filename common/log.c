#include "log.h"

#include "clock.h"

#include <stdarg.h>
#include <stdlib.h>
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

/* vsnprintf into buf, or into a block of the caller's to free when the text
 * is longer than cap: a struct error's whole message (ERROR_MSG_MAX) gets
 * through, while a short line, every access-log line, costs no allocation.
 * On out of memory the text is cut at cap - 1 bytes. */
static char *format_text(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static char *format_text(char *buf, size_t cap, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(buf, cap, fmt, ap);
    char *big = n >= 0 && (size_t)n >= cap ? malloc((size_t)n + 1) : NULL;
    if (big)
        vsnprintf(big, (size_t)n + 1, fmt, again);
    va_end(again);
    return big ? big : buf;
}

/* The JSON-escaped msg, in buf when it fits, else in a block to free. */
static char *escape_json(char *buf, size_t cap, const char *msg)
{
    size_t worst = strlen(msg) * 6 + 1; /* \u00XX for each control byte */
    char *big = worst > cap ? malloc(worst) : NULL;
    if (big) {
        log_json_escape(big, worst, msg);
        return big;
    }
    log_json_escape(buf, cap, msg);
    return buf;
}

/* Writes the finished line with one fwrite: threads never interleave. */
static void write_line(const struct log *lg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void write_line(const struct log *lg, const char *fmt, ...)
{
    char small[2560], *line;
    FILE *out = lg->out ? lg->out : stderr;
    va_list ap;

    va_start(ap, fmt);
    line = format_text(small, sizeof small, fmt, ap);
    va_end(ap);
    fwrite(line, 1, strlen(line), out);
    fflush(out);
    if (line != small)
        free(line);
}

void log_event(const struct log *lg, enum log_level level, const char *event,
               const char *fmt, ...)
{
    char small[1024], esc_small[2048], ts[32], *msg, *esc;
    va_list ap;

    va_start(ap, fmt);
    msg = format_text(small, sizeof small, fmt, ap);
    va_end(ap);
    clock_rfc3339(ts, sizeof ts);
    if (lg->format == LOG_JSON) {
        esc = escape_json(esc_small, sizeof esc_small, msg);
        write_line(lg, "{\"ts\":\"%s\",\"level\":\"%s\",\"prog\":\"%s\",\"event\":\"%s\",\"msg\":\"%s\"}\n",
                   ts, level_name(level), lg->prog, event, esc);
        if (esc != esc_small)
            free(esc);
    } else {
        write_line(lg, "%s %s %s %s: %s\n", ts, level_name(level), lg->prog, event, msg);
    }
    if (msg != small)
        free(msg);
}
