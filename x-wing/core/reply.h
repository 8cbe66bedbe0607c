/* reply: decides what one answered request counts as.
 *
 * A pure function of what came back (status, body, X-Served-By, the address
 * connected to) and how the run tallies (--by, --key). It never sees transport
 * errors; fire.c classifies those. */
#ifndef XW_REPLY_H
#define XW_REPLY_H

#include <stddef.h>

enum reply_by { REPLY_BY_KEY, REPLY_BY_POD, REPLY_BY_IP, REPLY_BY_BODY };

enum reply_kind {
    REPLY_OK,       /* label holds the tally value */
    REPLY_HTTP,     /* status was not 2xx */
    REPLY_NOT_JSON, /* --by key and the body is not JSON */
    REPLY_NO_KEY,   /* the key path, or the X-Served-By header, is missing */
};

/* Longest label kept; longer values are cut at a UTF-8 boundary. */
#define REPLY_LABEL_MAX 128
/* Room for a key path and its NUL: reply_key_check refuses longer ones. */
#define REPLY_KEY_MAX 256

struct reply_in {
    long status;
    const char *body; /* not NUL-terminated */
    size_t body_len;
    const char *served_by; /* NULL when the header was absent */
    const char *ip;        /* NULL when unknown */
};

/* Parses "key", "text", "json", "pod", "ip", "body" into *by; -1 if none. */
int reply_by_parse(const char *s, enum reply_by *by);
const char *reply_by_name(enum reply_by by);

/* Checks a dotted key path: non-empty segments ("a.b.c"). NULL or a reason. */
const char *reply_key_check(const char *key);

/* Classifies one reply. On REPLY_OK, label (cap bytes, cap >= 8) gets the
 * value: for --by key the string at the dotted path, or the JSON text of a
 * non-string value (42, true, null, {"a":1}); control bytes become '?'. */
enum reply_kind reply_classify(const struct reply_in *in, enum reply_by by, const char *key,
                               char *label, size_t cap);

#endif
