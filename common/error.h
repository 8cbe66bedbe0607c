/* error: how I/O and set-up paths fail.
 *
 * Two conventions, no more:
 * - a validator of user input (a flag value, a query parameter) returns NULL
 *   or a constant reason, "expected a duration like 2s": reentrant, since
 *   nothing is written (opt.h);
 * - a path that opens, reads, binds or builds something returns -1 (or NULL)
 *   and fills a struct error: the step that failed ("listen", the caller's log
 *   event) and one line saying why, naming the file or address.
 * Either way the caller at the edge prints the cause once; nothing below it
 * logs and then fails. */
#ifndef COMMON_ERROR_H
#define COMMON_ERROR_H

/* Room for a 4 KiB path and its cause, so two causes for one long path still
 * read differently (rebel-base logs each distinct cause once). */
#define ERROR_MSG_MAX 4608

struct error {
    const char *step; /* a constant; "" when not set */
    char msg[ERROR_MSG_MAX];
};

/* Sets step and the printf-style message. Returns -1, so a failing path can
 * end with `return error_set(err, "listen", "...", ...);`. */
int error_set(struct error *err, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
