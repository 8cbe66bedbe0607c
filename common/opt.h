/* opt: command-line and environment option parsing shared by both programs.
 *
 * A program describes its options in a table of struct opt_spec and gets each
 * one back through an apply callback, first from the environment (when an env
 * prefix is given: --drain is read from REBEL_BASE_DRAIN) and then from argv,
 * so flags override the environment. Value parsers are validators: they return
 * NULL on success or a constant reason ("expected a duration like 2s or
 * 500ms"), never text built per call, so any thread may call them (faults.c
 * does, per request). The caller turns the reason into one line naming the
 * option, adding any detail (the range) in a buffer of its own. */
#ifndef COMMON_OPT_H
#define COMMON_OPT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct opt_spec {
    const char *name;  /* long name without the dashes; NULL ends the table */
    char short_name;   /* 0 when there is none */
    int takes_value;   /* 0 for a flag */
    int id;            /* the program's own identifier, handed to apply */
};

/* Applies one option. value is the text given, or "1" for a flag. Returns NULL
 * or a reason the value is bad, or OPT_REFUSE "why" to refuse the option
 * itself whatever its value: a real option of the program that this mode
 * refuses on purpose (`xwing probe --keepalive`), said as "--keepalive: why"
 * rather than "unknown option", which would send the user looking for a
 * typo, or "bad value", which would blame a value that is fine. */
typedef const char *(*opt_apply_fn)(void *ctx, int id, const char *value);
#define OPT_REFUSE "\x1f"

/* The steps an opt_parse error names: every usage error, and among them more
 * positional arguments than pos_cap (a caller may say it its own way). */
#define OPT_STEP_USAGE "usage"
#define OPT_STEP_EXTRA "usage: extra argument"

/* Parses env (if env_prefix is not NULL) then argv[first..argc). Positional
 * arguments are stored in pos (up to pos_cap, in order) and counted in *npos;
 * one more is an error naming the limit (step OPT_STEP_EXTRA). "--" ends the
 * options. A variable that is set but empty is applied as the empty value
 * (PREFIX_NAME= is --name ""); --help and --version are never read from the
 * environment. Flags win: a bad variable whose flag argv gives is not an
 * error. Returns 0, or -1 with err (step OPT_STEP_USAGE or OPT_STEP_EXTRA) and
 * its msg one line that names the offending option or argument. */
int opt_parse(const struct opt_spec *specs, const char *env_prefix, int argc,
              char **argv, int first, opt_apply_fn apply, void *ctx, char **pos,
              size_t pos_cap, size_t *npos, struct error *err);

/* Copies user text into dst (cap bytes) for an error message: control bytes
 * become '?' (a hostile argument cannot forge log lines) and text longer than
 * fits is cut with "..." so the message still ends with its reason. Returns
 * dst. */
const char *opt_shown(char *dst, size_t cap, const char *src);

/* Builds the environment variable name for an option: prefix "REBEL_BASE",
 * name "access-log" gives "REBEL_BASE_ACCESS_LOG". Returns -1 if it won't fit. */
int opt_env_name(char *buf, size_t cap, const char *prefix, const char *name);

/* Durations: "250ms", "2s", "1.5s", "1m", "1h", or a bare number of seconds
 * (as curl's --max-time). Result in milliseconds, at most 24h. */
const char *opt_parse_duration(const char *s, uint64_t *ms);

/* The reason opt_uint and opt_double return for a number outside [min, max];
 * compare the pointer, then name the range with opt_uint_range or
 * opt_double_range. */
extern const char opt_out_of_range[];

/* Unsigned decimal integer in [min, max]. */
const char *opt_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* "out of range MIN..MAX" in buf (the caller's); returns buf. */
const char *opt_uint_range(char *buf, size_t cap, uint64_t min, uint64_t max);

/* Byte sizes: "65536", "64k", "64KiB", "1M", "1MiB" (binary multiples). */
const char *opt_parse_size(const char *s, uint64_t *out);

/* Finite decimal number in [min, max]. */
const char *opt_double(const char *s, double min, double max, double *out);

/* "out of range MIN..MAX" with %g numbers in buf; returns buf. */
const char *opt_double_range(char *buf, size_t cap, double min, double max);

/* Room for a reason that names a range of two 64-bit numbers. */
#define OPT_WHY_MAX 64

/* opt_uint and opt_double for an apply callback: out of range, the reason
 * names the range ("out of range 1..64") in why, the caller's buffer of
 * OPT_WHY_MAX bytes (one per parse: the reason is used before the next
 * value is read). Otherwise NULL or a constant, as opt_uint and opt_double. */
const char *opt_uint_in(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why);
const char *opt_double_in(const char *s, double min, double max, double *out, char *why);

/* "1", "true", "yes", "on" / "0", "false", "no", "off". */
const char *opt_parse_bool(const char *s, int *out);

/* A listen or connect address: "HOST:PORT", ":PORT" (host left empty, meaning
 * every address), "[V6]:PORT". host gets the bracket-less host. */
struct opt_hostport {
    char host[256];
    uint16_t port;
};
const char *opt_parse_hostport(const char *s, struct opt_hostport *out);

/* Why "A:B:C" without brackets is refused, given the length of A: when A could
 * be the first group of an IPv6 address (empty or 1..4 hex digits, as in ::1
 * or fe80::1) the brackets are missing; otherwise (127.0.0.1:80:99,
 * rebel-base:80:99) a second port was given. */
const char *opt_colons_reason(const char *s, size_t first_len);

#endif
