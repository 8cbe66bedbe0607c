#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int error_set(struct error *err, const char *step, const char *fmt, ...)
{
    va_list ap;
    err->step = step ? step : "";
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}
