/* expect: what a lab step should show, checked against a finished tally.
 *
 *   --expect-only C     every reply came from C
 *   --expect-all A,B    each of A, B answered at least once
 *   --expect-fail       every request failed (the default-deny check)
 *   --min-success R     at least R (0..1) of the requests got a reply
 * --expect-only and --expect-all also require that none failed, unless
 * --min-success is given, which then sets the tolerated share (failover steps
 * lose a few requests while endpoints move). With no expectation the run holds
 * when every request got a reply. */
#ifndef XW_EXPECT_H
#define XW_EXPECT_H

#include <stddef.h>

#include "reply.h"
#include "tally.h"

#define EXPECT_MAX_ALL 16

enum expect_mode { EXPECT_NONE, EXPECT_ONLY, EXPECT_ALL, EXPECT_FAIL };

struct expect {
    enum expect_mode mode;
    char values[EXPECT_MAX_ALL][REPLY_LABEL_MAX]; /* one for ONLY, several for ALL */
    size_t nvalues;
    int has_min;
    double min_success;
};

struct expect_result {
    int ok;
    int interrupted; /* the run was cut short: ok is 0 whatever the tally showed */
    char reason[512];
};

void expect_init(struct expect *e);

/* Sets one expectation from its option. Each returns NULL or a reason: a
 * second, conflicting mode (only/all/fail are exclusive), an empty or overlong
 * value (REPLY_LABEL_MAX - 1 bytes at most, as reply values are cut there),
 * more than EXPECT_MAX_ALL values, a ratio outside 0..1. */
const char *expect_set_only(struct expect *e, const char *value);
const char *expect_set_all(struct expect *e, const char *list);
const char *expect_set_fail(struct expect *e);
const char *expect_set_min_success(struct expect *e, const char *ratio);

/* Checks the tally; fills r with ok and a one-line reason either way. */
void expect_evaluate(const struct expect *e, const struct tally *t, struct expect_result *r);

/* Adds how the run ended (run_outcome_describe's phrase) to a verdict. For
 * an interrupted run the verdict cannot hold: ok becomes 0, interrupted 1,
 * and the reason "<how>; so far held: <reason>" (or "so far failed: ...").
 * For a planned early end (--duration) the verdict stands and the reason
 * gets " (<how>)". An empty how changes nothing. */
void expect_note_end(struct expect_result *r, const char *how, int interrupted);

/* Process exit status for a result: 0 held, 1 not. (2, usage, is main's;
 * an interruption's 128+signal is run_exit_status's.) */
int expect_exit_code(const struct expect_result *r);

#endif
