/* tally_flags: the flags the client and the probe share: what one tally asks
 * for (-n, -c, -t, --connect-timeout, -k, --by, --max-body), the expectation
 * (--expect-only, --expect-all, --expect-fail, --min-success) and the
 * targets they are run against. */
#ifndef XW_TALLY_FLAGS_H
#define XW_TALLY_FLAGS_H

#include <stddef.h>
#include <stdint.h>

#include "expect.h"
#include "opt.h"
#include "spec.h"
#include "target.h"

#define TALLY_FLAGS_MAX_N 1000000000ull
#define TALLY_FLAGS_MAX_C 512
#define TALLY_FLAGS_MAX_BODY (64ull << 20)
/* A target as an error shows it: shortened to leave room for the reason. */
#define TALLY_FLAGS_SHOWN 96

/* Their ids in a mode's opt_spec table; a mode numbers its own flags from
 * TALLY_FLAG_END. */
enum {
    TALLY_FLAG_N, TALLY_FLAG_C, TALLY_FLAG_TIMEOUT, TALLY_FLAG_CONNECT_TIMEOUT, TALLY_FLAG_KEY,
    TALLY_FLAG_BY, TALLY_FLAG_MAX_BODY, TALLY_FLAG_EXPECT_ONLY, TALLY_FLAG_EXPECT_ALL,
    TALLY_FLAG_EXPECT_FAIL, TALLY_FLAG_MIN_SUCCESS, TALLY_FLAG_END
};

/* Their rows of a mode's opt_spec table (opt_parse finds a flag by its name,
 * so where they stand in the table makes no difference). */
#define TALLY_FLAG_SPECS                                                                     \
    {"requests", 'n', 1, TALLY_FLAG_N}, {"concurrency", 'c', 1, TALLY_FLAG_C},                \
    {"timeout", 't', 1, TALLY_FLAG_TIMEOUT},                                                 \
    {"connect-timeout", 0, 1, TALLY_FLAG_CONNECT_TIMEOUT}, {"key", 'k', 1, TALLY_FLAG_KEY},   \
    {"by", 0, 1, TALLY_FLAG_BY}, {"expect-only", 0, 1, TALLY_FLAG_EXPECT_ONLY},               \
    {"expect-all", 0, 1, TALLY_FLAG_EXPECT_ALL}, {"expect-fail", 0, 0, TALLY_FLAG_EXPECT_FAIL}, \
    {"min-success", 0, 1, TALLY_FLAG_MIN_SUCCESS}, {"max-body", 0, 1, TALLY_FLAG_MAX_BODY}

/* What they fill, and what the rules between them need to know. */
struct tally_flags {
    struct spec *spec;
    struct expect *expect;
    int n_set, key_set;
    char why[OPT_WHY_MAX]; /* a reason that names a range */
};

/* Applies one of them (id below TALLY_FLAG_END): NULL, or why v is refused. */
const char *tally_flags_apply(struct tally_flags *f, int id, const char *v);

/* The rules between them, once all are read: NULL, or why not. */
const char *tally_flags_check(const struct tally_flags *f);

/* Parses pos[0..npos) into targets. Returns 0, or -1 with err naming the bad
 * one after prefix. */
int tally_flags_targets(struct target *targets, char **pos, size_t npos, const char *prefix,
                        struct error *err);

#endif
