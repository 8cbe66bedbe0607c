#include "histogram.h"

#include <math.h>
#include <string.h>

#define SUB (1u << HISTOGRAM_SUB_BITS)
#define EXACT (2u * SUB) /* values below this have a bucket each */

void histogram_init(struct histogram *h)
{
    memset(h, 0, sizeof *h);
}

unsigned histogram_bucket(uint64_t us)
{
    unsigned msb, shift;
    if (us < EXACT)
        return (unsigned)us;
    msb = 63u - (unsigned)__builtin_clzll(us);
    if (msb >= HISTOGRAM_MAX_BITS)
        return HISTOGRAM_BUCKETS - 1;
    shift = msb - HISTOGRAM_SUB_BITS;
    return EXACT + (msb - HISTOGRAM_SUB_BITS - 1) * SUB + (unsigned)((us >> shift) - SUB);
}

void histogram_bucket_range(unsigned idx, uint64_t *low, uint64_t *high)
{
    unsigned group, shift;
    if (idx < EXACT) {
        *low = *high = idx;
        return;
    }
    group = (idx - EXACT) / SUB; /* msb - SUB_BITS - 1 */
    shift = group + 1;
    *low = (uint64_t)(SUB + (idx - EXACT) % SUB) << shift;
    *high = *low + ((uint64_t)1 << shift) - 1;
}

void histogram_add(struct histogram *h, uint64_t us)
{
    h->counts[histogram_bucket(us)]++;
    if (h->n == 0 || us < h->min)
        h->min = us;
    if (us > h->max)
        h->max = us;
    h->n++;
    h->sum += us;
}

void histogram_merge(struct histogram *dst, const struct histogram *src)
{
    if (src->n == 0)
        return;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    if (dst->n == 0 || src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    dst->n += src->n;
    dst->sum += src->sum;
}

uint64_t histogram_percentile(const struct histogram *h, double p)
{
    uint64_t rank, seen = 0, low, high, mid;
    if (h->n == 0)
        return 0;
    if (p <= 0)
        return h->min;
    if (p >= 100)
        return h->max;
    rank = (uint64_t)ceil(p * (double)h->n / 100.0 - 1e-9); /* 90% of 10 is 9, not 10 */
    if (rank < 1)
        rank = 1;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen < rank)
            continue;
        histogram_bucket_range(i, &low, &high);
        mid = low + (high - low) / 2;
        if (mid < h->min)
            mid = h->min;
        if (mid > h->max)
            mid = h->max;
        return mid;
    }
    return h->max;
}
