/* log: one line per event on stderr, as text or JSON.
 *
 * Both programs log events (start, listen, reload, drain, exit), never one line
 * per request unless asked. A line is "ts level prog event: message" in text
 * mode, or {"ts":..,"level":..,"prog":..,"event":..,"msg":..} in JSON mode. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdio.h>

enum log_format { LOG_TEXT, LOG_JSON };
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct log {
    const char *prog;
    enum log_format format;
    FILE *out; /* NULL means stderr */
};

/* Parses "text" or "json"; returns 0, or -1 on anything else. */
int log_format_parse(const char *s, enum log_format *out);

/* Writes one event line; msg is printf-style and is never cut (a struct
 * error's whole message gets through). The line is written with a single
 * fwrite so concurrent threads never interleave inside a line. */
void log_event(const struct log *lg, enum log_level level, const char *event,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Appends s to buf as the inside of a JSON string (no quotes), escaping as
 * RFC 8259 requires; truncates at cap-1 bytes. Returns bytes written. */
size_t log_json_escape(char *buf, size_t cap, const char *s);

#endif
