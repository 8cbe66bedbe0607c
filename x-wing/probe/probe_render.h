/* probe_render: the probe's state as its HTTP readers want it.
 *
 * /metrics, in the Prometheus text format, per target (label target = URL):
 *   xwing_probe_replies_total{target,value}        counter
 *   xwing_probe_failures_total{target,kind}        counter; kind timeout, refused,
 *       dns, not_json, no_key, too_large, other (always present, 0 included)
 *       and http_<code> (once seen; http_unknown for codes outside 100..599)
 *   xwing_probe_request_duration_seconds{target}   histogram of every request,
 *       failed ones included (a timeout counts as the time it took)
 *   xwing_probe_rounds_total{target}               counter
 *   xwing_probe_last_round_share{target,value}     gauge 0..1: the last round's
 *       replies with value over its requests, for every value seen so far
 *   xwing_probe_expectation_ok{target}             gauge 1/0, with --expect-*
 *       or --min-success, once a round finished
 * value is at most TALLY_MAX_VALUES distinct values per target plus
 * "(other values)" for the rest, as the tally keeps them.
 * / is xwing's text report per target: the last round, then all rounds.
 * Both return malloc'd text (free it), NULL when out of memory; the caller
 * holds the lock the round loop takes to finish a round. */
#ifndef XW_PROBE_RENDER_H
#define XW_PROBE_RENDER_H

#include <stdint.h>

#include "probe_state.h"

char *probe_render_metrics(const struct probe_state *s);

/* header: the first line (what the probe does); max_body: named where a
 * too-large row shows. */
char *probe_render_page(const struct probe_state *s, const char *header, uint64_t max_body);

/* The kind label of a failure row: "refused", "not_json", "http_503". */
void probe_fail_kind(enum tally_fail kind, long status, char *buf, size_t cap);

#endif
