/* histogram: request latencies in fixed memory, HDR-style.
 *
 * Values are microseconds. Below 256 us every value has its own bucket
 * (exact); above, each power of two is split into 128 linear sub-buckets, so a
 * bucket is at most 1/128 of its lower bound wide. A percentile is reported as
 * the middle of its bucket, clamped to the exact min and max: within 0.4% (plus
 * 1 us) of the true nearest-rank percentile. Values beyond 2^36 us (19 hours)
 * land in the top bucket. 3840 buckets, 30 KiB, whatever the count. */
#ifndef XW_HISTOGRAM_H
#define XW_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_SUB_BITS 7
#define HISTOGRAM_MAX_BITS 36
#define HISTOGRAM_BUCKETS \
    ((2u << HISTOGRAM_SUB_BITS) + (HISTOGRAM_MAX_BITS - HISTOGRAM_SUB_BITS - 1) * (1u << HISTOGRAM_SUB_BITS))

struct histogram {
    uint64_t counts[HISTOGRAM_BUCKETS];
    uint64_t n, min, max, sum;
};

void histogram_init(struct histogram *h);

/* Records one value in microseconds. */
void histogram_add(struct histogram *h, uint64_t us);

/* Adds every count of src into dst. */
void histogram_merge(struct histogram *dst, const struct histogram *src);

/* The nearest-rank percentile p (0..100) in microseconds: the smallest
 * recorded value v such that at least p% of the values are <= v, to within
 * the error stated above. 0 when empty; p=0 gives min and p=100 gives max. */
uint64_t histogram_percentile(const struct histogram *h, double p);

/* Bucket index of a value, and the bucket's [low, high] range (for tests). */
unsigned histogram_bucket(uint64_t us);
void histogram_bucket_range(unsigned idx, uint64_t *low, uint64_t *high);

#endif
