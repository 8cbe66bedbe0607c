/* mhd_log: libmicrohttpd's own messages ("Server reached connection limit")
 * as events of the program's log, in its format, instead of raw lines on
 * stderr that break a JSON log. Both programs serve with libmicrohttpd. */
#ifndef COMMON_MHD_LOG_H
#define COMMON_MHD_LOG_H

#include <stdarg.h>

#include "log.h"

/* For MHD_OPTION_EXTERNAL_LOGGER, with a const struct log * as cls: one
 * "libmicrohttpd" warn event per message, its trailing line breaks dropped. */
void mhd_log_event(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
