/* promtext: the Prometheus text exposition format (version 0.0.4), written
 * into a growing buffer.
 *
 * A family is announced once (# HELP, # TYPE) and then all its samples follow,
 * as the format requires. Label values are escaped (backslash, double quote,
 * newline); names are the caller's constants and are not checked. Counters are
 * written as exact integers, gauges with up to 15 significant digits. Memory
 * runs out only as a flag: every call after a failed allocation is a no-op and
 * promtext_take returns NULL, so a renderer checks once, at the end. */
#ifndef XW_PROMTEXT_H
#define XW_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>

struct promtext {
    char *buf; /* NUL-terminated while not failed */
    size_t len, cap;
    int failed; /* an allocation failed: the text is incomplete */
};

struct promtext_label {
    const char *name;
    const char *value;
};

/* A histogram's buckets: bounds ascending (the +Inf bucket is implied), counts
 * per bucket, not cumulative: counts[i] observations fell in (bounds[i-1],
 * bounds[i]], counts[nbounds] above the last bound. */
struct promtext_histogram {
    const double *bounds;
    size_t nbounds;
    const uint64_t *counts; /* nbounds + 1 entries */
    double sum;
};

#define PROMTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

void promtext_init(struct promtext *p);
void promtext_free(struct promtext *p);

/* Hands over the text (free it), NULL when an allocation failed. p is empty
 * afterwards. */
char *promtext_take(struct promtext *p);

/* Appends s with the escaping label values need: \ as \\, " as \", newline as
 * \n; other bytes as they are. */
void promtext_escape(struct promtext *p, const char *s);

/* # HELP and # TYPE lines; type is "counter", "gauge" or "histogram". */
void promtext_family(struct promtext *p, const char *name, const char *type, const char *help);

/* One sample line: name{labels} value. */
void promtext_counter(struct promtext *p, const char *name, const struct promtext_label *labels,
                      size_t nlabels, uint64_t value);
void promtext_gauge(struct promtext *p, const char *name, const struct promtext_label *labels,
                    size_t nlabels, double value);

/* The _bucket (cumulative, with le), _sum and _count lines of one histogram
 * series; labels must leave one slot free at labels[nlabels] for le. */
void promtext_histogram(struct promtext *p, const char *name, struct promtext_label *labels,
                        size_t nlabels, const struct promtext_histogram *h);

/* A gauge's value as the format writes it: NaN, +Inf, -Inf, or %.15g. */
void promtext_number(char *buf, size_t cap, double v);

#endif
