/* report: the summary of a run, as text for people or one JSON object.
 *
 * Both show the same rows (tally_rows order: by count, replies first) with
 * count and percent of all requests, latency min/p50/p90/p99/max in ms over
 * the requests that got an HTTP response, elapsed time, requests/s and the
 * expectation's verdict. JSON shape (CONTRACT.md):
 * {"requests":N,"ok":K,"failed":F,"rows":[{"value","count","percent","kind"}],
 *  "latency_ms":{"min","p50","p90","p99","max","samples"},"elapsed_s","rps",
 *  "expect":{"ok","reason"},"targets":[..],"by":"key","key":"Cluster"} */
#ifndef XW_REPORT_H
#define XW_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "expect.h"
#include "histogram.h"
#include "reply.h"
#include "tally.h"

struct report {
    const struct tally *tally;
    const struct histogram *latency;
    double elapsed_s;
    const struct expect_result *expect;
    const char *const *urls;
    size_t nurls;
    enum reply_by by;
    const char *key;
    uint64_t requested; /* serve: the n asked for, shown when not 0 */
};

/* Writes the text summary to out. */
void report_text(FILE *out, const struct report *r);

/* Returns the JSON object as a malloc'd string (free it), NULL when out of memory. */
char *report_json(const struct report *r);

/* Percent of total with one decimal (0 when total is 0). */
double report_percent(uint64_t count, uint64_t total);

#endif
