/* Unit tests for x-wing's allocations: every block a module takes it gives
 * back, and a failing allocation anywhere in an initialiser leaves an error,
 * no crash and no leak.
 *
 * The Makefile links this test with -Wl,--wrap for malloc, calloc, realloc
 * and free, so the calls from x-wing's objects (and this file) come here:
 * the wrappers keep the set of live blocks and can make the Nth allocation
 * fail. Blocks from elsewhere (cJSON, libc) pass through untracked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe_state.h"
#include "report.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

/* The live blocks, and the allocation to fail (0: none). Test state, so a
 * plain struct: the tests are single-threaded. */
#define LIVE_MAX 4096
static struct {
    void *live[LIVE_MAX];
    size_t nlive;
    unsigned long calls, fail_at;
} heap;

static void track(void *p)
{
    if (p && heap.nlive < LIVE_MAX)
        heap.live[heap.nlive++] = p;
}

/* Forgets p; 1 when it was tracked. */
static int untrack(void *p)
{
    for (size_t i = 0; p && i < heap.nlive; i++)
        if (heap.live[i] == p) {
            heap.live[i] = heap.live[--heap.nlive];
            return 1;
        }
    return 0;
}

static int should_fail(void)
{
    return ++heap.calls == heap.fail_at;
}

void *__wrap_malloc(size_t n)
{
    void *p = should_fail() ? NULL : __real_malloc(n);
    track(p);
    return p;
}

void *__wrap_calloc(size_t k, size_t n)
{
    void *p = should_fail() ? NULL : __real_calloc(k, n);
    track(p);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    int was = untrack(p);
    void *q = __real_realloc(p, n);
    if (q || was)
        track(q ? q : p);
    return q;
}

void __wrap_free(void *p)
{
    untrack(p);
    __real_free(p);
}

static void heap_reset(unsigned long fail_at)
{
    heap.nlive = 0;
    heap.calls = 0;
    heap.fail_at = fail_at;
}

static void test_probe_state_alloc_fails(void **state)
{
    (void)state;
    static const char *urls[] = {"http://a/", "http://b/", "http://c/"};
    struct expect e = {0};
    struct probe_state s;
    unsigned long needed;

    heap_reset(0);
    assert_int_equal(probe_state_init(&s, urls, 3, &e, REPLY_BY_KEY, "Cluster"), 0);
    needed = heap.calls;
    assert_true(needed >= 7); /* the targets, and two rounds per target */
    probe_state_free(&s);
    assert_int_equal(heap.nlive, 0);

    for (unsigned long k = 1; k <= needed; k++) {
        heap_reset(k);
        if (probe_state_init(&s, urls, 3, &e, REPLY_BY_KEY, "Cluster") != -1)
            fail_msg("allocation %lu of %lu failed, yet init succeeded", k, needed);
        if (heap.nlive != 0)
            fail_msg("allocation %lu of %lu failed: %zu block(s) leaked", k, needed, heap.nlive);
    }
    heap_reset(0);
}

static void test_report_text_gives_back(void **state)
{
    (void)state;
    struct tally t;
    struct histogram h;
    struct expect_result er = {.ok = 1};
    static const char *urls[] = {"http://a/"};
    FILE *out = fopen("/dev/null", "w");

    assert_non_null(out);
    tally_init(&t);
    histogram_init(&h);
    tally_reply(&t, "Koornacht");
    tally_reply(&t, "Tion");
    tally_fail(&t, TALLY_REFUSED, 0);
    histogram_add(&h, 120);
    struct report r = {.tally = &t, .latency = &h, .elapsed_s = 1.0, .expect = &er,
                       .urls = urls, .nurls = 1, .by = REPLY_BY_KEY, .key = "Cluster"};
    heap_reset(0);
    report_text(out, &r);
    assert_true(heap.calls > 0);
    if (heap.nlive != 0)
        fail_msg("report_text kept %zu block(s)", heap.nlive);

    /* Out of memory for the rows: the summary still prints, nothing kept. */
    heap_reset(1);
    report_text(out, &r);
    assert_int_equal(heap.nlive, 0);
    heap_reset(0);
    fclose(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_state_alloc_fails),
        cmocka_unit_test(test_report_text_gives_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
