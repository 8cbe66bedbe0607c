/* probe_state: what `xwing probe` has seen, per target: the last round and
 * every round since it started, in fixed memory whatever it runs for.
 *
 * A round of N requests per target is counted into the targets' work rounds
 * (run_count classifies each outcome, as for `xwing`), then folded into the
 * totals; the work round becomes the last round, which /metrics reads for the
 * share gauges and / shows. The totals use the tally's 64-value cap: later
 * values are counted together as TALLY_OTHER_VALUES, so the label sets of
 * /metrics stay bounded. Values named in --expect-* are pinned, so they have
 * their series (at 0) from the start. Pure: no clock, no I/O, no locking (the
 * caller holds the lock around a finish and around readers). */
#ifndef XW_PROBE_STATE_H
#define XW_PROBE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "expect.h"
#include "fire.h"
#include "histogram.h"
#include "reply.h"
#include "tally.h"

/* Request duration buckets, upper bounds in microseconds (0.5 ms .. 10 s). */
#define PROBE_BUCKETS 14
extern const uint64_t probe_bucket_us[PROBE_BUCKETS];

struct probe_round {
    struct tally tally;
    struct histogram latency;               /* requests that got an HTTP response */
    uint64_t duration[PROBE_BUCKETS + 1];   /* every request, per bucket (not cumulative) */
    uint64_t duration_sum_us;
    uint64_t elapsed_ns;
};

struct probe_target {
    const char *url;
    struct probe_round total; /* every finished round; elapsed_ns is their sum */
    struct probe_round *last; /* valid once rounds > 0 */
    struct probe_round *work; /* the round being run */
    uint64_t rounds;
    struct expect_result verdict; /* of the last round, when judged */
    int verdict_changed;          /* the last finish flipped it (or gave the first) */
};

struct probe_state {
    struct probe_target *targets;
    size_t ntargets;
    const struct expect *expect;
    int judged; /* an expectation was given: verdicts and expectation_ok exist */
    enum reply_by by;
    const char *key;
};

/* Sets up one target per url (the strings must outlive s). Returns 0, or -1
 * when out of memory (s is then empty and safe to free). */
int probe_state_init(struct probe_state *s, const char *const *urls, size_t n,
                     const struct expect *e, enum reply_by by, const char *key);
void probe_state_free(struct probe_state *s);

/* Empties every target's work round for the next round. */
void probe_round_start(struct probe_state *s);

/* Counts one outcome into its target's work round (o->target). */
void probe_round_count(struct probe_state *s, const struct fire_outcome *o);

/* Folds each work round into its totals, makes it the last round (elapsed_ns
 * long) and judges it. The caller holds the lock readers take. */
void probe_round_finish(struct probe_state *s, uint64_t elapsed_ns);

/* The bucket of a duration: the first bound >= us, PROBE_BUCKETS above all. */
size_t probe_bucket(uint64_t us);

/* Share of the round's requests with count replies, 0 for an empty round. */
double probe_share(const struct tally *round, uint64_t count);

#endif
