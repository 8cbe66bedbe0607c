/* Unit tests for x-wing/core/histogram: percentiles against the exact nearest-rank
 * percentiles of known data, within the stated error (0.4% + 1 us). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "histogram.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t exact(const uint64_t *sorted, size_t n, unsigned p)
{
    size_t rank = (p * n + 99) / 100; /* ceil(p/100 * n) */
    return sorted[rank ? rank - 1 : 0];
}

static void check_within(uint64_t got, uint64_t want)
{
    uint64_t diff = got > want ? got - want : want - got;
    if ((double)diff > (double)want / 256.0 + 1.0)
        fail_msg("percentile %llu, exact %llu: off by more than 0.4%%", (unsigned long long)got,
                 (unsigned long long)want);
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

static void test_against_exact(void **state)
{
    (void)state;
    enum { N = 20000 };
    /* {data set generator, scale}: uniform small, uniform wide, heavy tail. */
    static const struct { int kind; uint64_t scale; } sets[] = {
        {0, 200}, {0, 5000}, {0, 2000000}, {1, 300}, {1, 100000}, {2, 1},
    };
    static const unsigned ps[] = {1, 10, 50, 90, 99, 100};
    uint64_t *v = malloc(N * sizeof *v), seed = 88172645463325252ull;
    struct histogram *h = malloc(sizeof *h);
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        histogram_init(h);
        for (size_t i = 0; i < N; i++) {
            uint64_t r = next_rand(&seed);
            if (sets[s].kind == 0)
                v[i] = r % sets[s].scale;
            else if (sets[s].kind == 1) /* log-uniform: 1 .. scale*2^10 */
                v[i] = (r % sets[s].scale + 1) << (r >> 60) % 11;
            else /* two modes far apart: 300 us and 2 s */
                v[i] = (r & 1) ? 300 + r % 50 : 2000000 + r % 1000;
            histogram_add(h, v[i]);
        }
        qsort(v, N, sizeof *v, cmp_u64);
        assert_int_equal(h->n, N);
        assert_int_equal(h->min, v[0]);
        assert_int_equal(h->max, v[N - 1]);
        assert_int_equal(histogram_percentile(h, 0), v[0]);
        assert_int_equal(histogram_percentile(h, 100), v[N - 1]);
        for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
            check_within(histogram_percentile(h, ps[k]), exact(v, N, ps[k]));
    }
    free(v);
    free(h);
}

static void test_small_exact(void **state)
{
    (void)state;
    /* Below 256 us every value has its own bucket: percentiles are exact. */
    static const struct { uint64_t data[10]; size_t n; double p; uint64_t want; } cases[] = {
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, 50, 5},
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, 90, 9},
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, 91, 10},
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, 99, 10},
        {{7}, 1, 50, 7},
        {{200, 100}, 2, 50, 100},
        {{0, 0, 255}, 3, 99, 255},
        {{0, 0, 0, 100}, 4, 50, 0},      /* 0 us (a local reply rounds to it) is a bucket too */
        {{0, 0, 0, 100}, 4, 75, 0},
        {{0, 0, 0, 100}, 4, 76, 100},
        /* a p so small it ranks below 1 ranks 1: the middle of 2000's 8 us wide bucket */
        {{2000, 3000, 3000}, 3, 1e-12, 2003},
        {{2000, 3000, 3000}, 3, 1, 2003},
    };
    struct histogram *h = malloc(sizeof *h);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        histogram_init(h);
        for (size_t j = 0; j < cases[i].n; j++)
            histogram_add(h, cases[i].data[j]);
        assert_int_equal(histogram_percentile(h, cases[i].p), cases[i].want);
    }
    histogram_init(h);
    assert_int_equal(histogram_percentile(h, 50), 0);
    free(h);
}

static void test_buckets(void **state)
{
    (void)state;
    static const uint64_t values[] = {0, 1, 255, 256, 257, 511, 512, 1000, 65535, 1000000,
                                      123456789, (1ull << 36) - 1};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint64_t lo, hi;
        unsigned b = histogram_bucket(values[i]);
        assert_true(b < HISTOGRAM_BUCKETS);
        histogram_bucket_range(b, &lo, &hi);
        assert_true(lo <= values[i] && values[i] <= hi);
        assert_true((double)(hi - lo) <= (double)lo / 128.0);
    }
    /* Far beyond the range: the top bucket, and max stays exact. */
    struct histogram *h = malloc(sizeof *h);
    histogram_init(h);
    histogram_add(h, UINT64_MAX / 2);
    assert_int_equal(histogram_bucket(UINT64_MAX / 2), HISTOGRAM_BUCKETS - 1);
    assert_int_equal(histogram_percentile(h, 50), UINT64_MAX / 2);
    free(h);
}

static void test_merge(void **state)
{
    (void)state;
    struct histogram *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    histogram_init(a);
    histogram_init(b);
    for (uint64_t i = 1; i <= 100; i++)
        histogram_add(i % 2 ? a : b, i);
    histogram_merge(a, b);
    assert_int_equal(a->n, 100);
    assert_int_equal(a->min, 1);
    assert_int_equal(a->max, 100);
    assert_int_equal(histogram_percentile(a, 50), 50);
    free(a), free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_exact),
        cmocka_unit_test(test_small_exact),
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
