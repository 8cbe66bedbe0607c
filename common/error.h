/* error: how anything that can fail says why.
 *
 * Two conventions, no more:
 * - a validator of one value (a flag's value, a query parameter) returns NULL
 *   or a constant reason, "expected a duration like 2s": reentrant, since
 *   nothing is written (opt.h); its caller names the value;
 * - everything else that fails across a module boundary (option parsing,
 *   opening, reading, binding, building, an initialiser whose pthread call
 *   failed) returns -1 (or NULL) and fills a struct error: the step that
 *   failed ("usage", "listen", "start", the caller's log event) and one line
 *   saying why, naming the value, file or address, and the cause (strerror of
 *   errno, or of the code a pthread function returned).
 * A sentinel with no struct error is kept only where it is the answer, not an
 * error: "no document yet", "not found", "nothing to read".
 * The caller at the edge (each program's main) prints the cause once: a usage
 * error as "prog: why (see --help)", anything later as a log event; nothing
 * below it logs and then fails. */
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
