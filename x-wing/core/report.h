/* report: the summary of a run, as text for people or one JSON object.
 *
 * Both show the same rows (tally_rows order: by count, replies first) with
 * count and percent of all requests, latency min/p50/p90/p99/max in ms over
 * the requests that got an HTTP response, elapsed time, requests/s and the
 * expectation's verdict, and how the run ended when it was not by completing
 * every request ("interrupted after 200 of 1000 requests (SIGINT)"). JSON:
 * {"requests":K,"ok":O,"failed":F,"rows":[{"value","count","percent","kind"}],
 *  "latency_ms":{"min","p50","p90","p99","max","samples"},"elapsed_s","rps",
 *  "expect":{"ok","interrupted","reason"},"targets":[..],"requested":N|null,
 *  "completed":K,"interrupted":bool,"ended_by":"count"|"duration"|"SIGINT"|...,
 *  "by":"key","key":"Cluster"}
 * where requests == completed (the requests made and counted) and requested
 * is the N asked for (null when open-ended). */
#ifndef XW_REPORT_H
#define XW_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "expect.h"
#include "histogram.h"
#include "outcome.h"
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
    const struct run_outcome *outcome; /* NULL: every request completed */
    uint64_t max_body; /* the body cap, named when a too-large row shows; 0: not named */
};

/* Writes the text summary to out. */
void report_text(FILE *out, const struct report *r);

/* Returns the JSON object as a malloc'd string (free it), NULL when out of memory. */
char *report_json(const struct report *r);

/* Columns a row value takes on a terminal: its UTF-8 characters (labels are
 * valid UTF-8 without control bytes, see reply.h). */
int report_columns(const char *s);

/* Percent of total with one decimal (0 when total is 0). */
double report_percent(uint64_t count, uint64_t total);

#endif
