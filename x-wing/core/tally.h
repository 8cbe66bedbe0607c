/* tally: counts replies per value and failures per kind, in fixed memory.
 *
 * At most TALLY_MAX_VALUES distinct reply values are kept (a lab has two
 * clusters, a few pods); replies with further values are counted together in
 * the TALLY_OTHER_VALUES row, so memory stays flat whatever the replies hold.
 * Values pinned up front (those an expectation names) always have their own
 * row, so they are counted exactly however many other values arrive: only
 * the display folds, never a value a verdict depends on.
 * Invariant: ok + failed == total, and the rows' counts sum to total. */
#ifndef XW_TALLY_H
#define XW_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "reply.h"

#define TALLY_MAX_VALUES 64
#define TALLY_OTHER_VALUES "(other values)"

enum tally_fail {
    TALLY_TIMEOUT,
    TALLY_REFUSED,
    TALLY_DNS,
    TALLY_HTTP, /* one row per status code: "http 500" */
    TALLY_NOT_JSON,
    TALLY_NO_KEY,
    TALLY_TOO_LARGE,
    TALLY_BLOCKED, /* xwing serve's or probe's allowlist refused the address */
    TALLY_NOT_HTTP, /* the reply was not HTTP (an SSH banner, a TLS handshake) */
    TALLY_OTHER,
    TALLY_FAIL_KINDS
};

struct tally_row {
    char value[REPLY_LABEL_MAX];
    uint64_t count;
    int error; /* 1 for a failure row */
};

struct tally {
    struct tally_row values[TALLY_MAX_VALUES];
    size_t nvalues;
    uint64_t other_values;
    uint64_t fail[TALLY_FAIL_KINDS]; /* fail[TALLY_HTTP] is the sum of http[] */
    uint64_t http[600];              /* by status code; 0 holds codes out of range */
    uint64_t ok, failed;
};

/* Room for every row tally_rows can return. */
#define TALLY_ROWS_MAX (TALLY_MAX_VALUES + 1 + TALLY_FAIL_KINDS + 600)

void tally_init(struct tally *t);

/* Reserves a row for value (count 0, not listed until counted). Returns 0,
 * or -1 when all TALLY_MAX_VALUES rows are taken. Pinning a value twice is
 * harmless. */
int tally_pin(struct tally *t, const char *value);

/* Counts one reply with this value. */
void tally_reply(struct tally *t, const char *value);

/* Counts one failure; status is used for TALLY_HTTP only. */
void tally_fail(struct tally *t, enum tally_fail kind, long status);

/* The row name of a failure kind ("timeout", "refused", ...). For TALLY_HTTP
 * use tally_fail_label, which adds the code. */
const char *tally_fail_name(enum tally_fail kind);

/* Writes the row name of a failure: "http 500" or the kind name. */
void tally_fail_label(enum tally_fail kind, long status, char *buf, size_t cap);

uint64_t tally_total(const struct tally *t);

/* Replies counted with exactly this value (0 if none or lumped in other;
 * exact for a pinned value). */
uint64_t tally_count(const struct tally *t, const char *value);

/* Fills rows (cap entries) with every non-zero row, replies and failures,
 * sorted by count (desc), then replies before failures, then value. Returns
 * how many were written. */
size_t tally_rows(const struct tally *t, struct tally_row *rows, size_t cap);

/* As tally_rows, into a malloc'd array (free it) sized for the rows there
 * are: the full TALLY_ROWS_MAX array is ~100 KiB, too much for a thread's
 * stack (musl gives threads 128 KiB). NULL when out of memory. */
struct tally_row *tally_rows_alloc(const struct tally *t, size_t *n);

/* out = now - then, row by row: what was counted since the snapshot then
 * (which must be an earlier state of the same tally). */
void tally_since(const struct tally *now, const struct tally *then, struct tally *out);

#endif
