/* Unit tests for x-wing/core/tally: rows, categories, the label cap and the sum invariant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tally.h"

static uint64_t rows_sum(const struct tally *t)
{
    static struct tally_row rows[TALLY_ROWS_MAX];
    size_t n = tally_rows(t, rows, TALLY_ROWS_MAX);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += rows[i].count;
    return sum;
}

static void test_rows_sorted(void **state)
{
    (void)state;
    /* {what to count, expected rows in order} */
    static const struct { const char *reply; int fail; long status; } input[] = {
        {"Tion", 0, 0}, {"Koornacht", 0, 0}, {"Tion", 0, 0}, {NULL, TALLY_REFUSED, 0},
        {NULL, TALLY_HTTP, 500}, {NULL, TALLY_HTTP, 503}, {NULL, TALLY_HTTP, 500},
        {"Koornacht", 0, 0}, {"Tion", 0, 0}, {NULL, TALLY_TIMEOUT, 0},
        {NULL, TALLY_HTTP, 99}, {NULL, TALLY_NOT_JSON, 0}, {NULL, TALLY_NO_KEY, 0},
        {NULL, TALLY_TOO_LARGE, 0}, {NULL, TALLY_DNS, 0}, {NULL, TALLY_OTHER, 0},
        {NULL, TALLY_BLOCKED, 0},
        {NULL, (int)TALLY_FAIL_KINDS + 3, 0},
    };
    static const struct { const char *value; uint64_t count; int error; } want[] = {
        {"Tion", 3, 0}, {"Koornacht", 2, 0}, {"http 500", 2, 1}, {"other", 2, 1},
        {"blocked", 1, 1}, {"dns", 1, 1}, {"http 503", 1, 1}, {"http ???", 1, 1}, {"no-key", 1, 1},
        {"not-json", 1, 1}, {"refused", 1, 1}, {"timeout", 1, 1}, {"too-large", 1, 1},
    };
    struct tally *t = malloc(sizeof *t);
    struct tally_row rows[TALLY_ROWS_MAX];
    tally_init(t);
    for (size_t i = 0; i < sizeof input / sizeof input[0]; i++) {
        if (input[i].reply)
            tally_reply(t, input[i].reply);
        else
            tally_fail(t, (enum tally_fail)input[i].fail, input[i].status);
    }
    size_t n = tally_rows(t, rows, TALLY_ROWS_MAX);
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(rows[i].value, want[i].value);
        assert_int_equal(rows[i].count, want[i].count);
        assert_int_equal(rows[i].error, want[i].error);
    }
    size_t m;
    struct tally_row *heap = tally_rows_alloc(t, &m);
    assert_int_equal(m, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(heap[i].value, rows[i].value);
        assert_int_equal(heap[i].count, rows[i].count);
        assert_int_equal(heap[i].error, rows[i].error);
    }
    free(heap);
    assert_int_equal(t->ok, 5);
    assert_int_equal(t->failed, 13);
    assert_int_equal(tally_total(t), 18);
    assert_int_equal(rows_sum(t), 18);
    assert_int_equal(tally_count(t, "Tion"), 3);
    assert_int_equal(tally_count(t, "tion"), 0);
    assert_int_equal(tally_count(t, "refused"), 0); /* failures are not replies */
    free(t);
}

static void test_value_cap_keeps_memory_flat(void **state)
{
    (void)state;
    struct tally *t = malloc(sizeof *t);
    char v[32];
    tally_init(t);
    for (int i = 0; i < 1000; i++) {
        snprintf(v, sizeof v, "pod-%d", i % 200);
        tally_reply(t, v);
    }
    assert_int_equal(t->nvalues, TALLY_MAX_VALUES);
    assert_int_equal(t->ok, 1000);
    assert_int_equal(tally_count(t, "pod-0"), 5);
    assert_int_equal(tally_count(t, "pod-150"), 0);
    assert_int_equal(t->other_values, 1000 - 5 * TALLY_MAX_VALUES);
    assert_int_equal(rows_sum(t), 1000);
    struct tally_row rows[TALLY_ROWS_MAX];
    size_t n = tally_rows(t, rows, TALLY_ROWS_MAX);
    assert_int_equal(n, TALLY_MAX_VALUES + 1);
    assert_string_equal(rows[0].value, TALLY_OTHER_VALUES);
    free(t);
}

/* Pinned values keep rows of their own past the cap: counted exactly, while
 * the rest still folds; unseen pins are not listed. */
static void test_pinned_values_exact(void **state)
{
    (void)state;
    struct tally *t = malloc(sizeof *t);
    struct tally_row *rows;
    char v[32];
    size_t n;
    tally_init(t);
    assert_int_equal(tally_pin(t, "c801"), 0);
    assert_int_equal(tally_pin(t, "c900"), 0);
    assert_int_equal(tally_pin(t, "c900"), 0); /* twice: one row */
    assert_int_equal(tally_pin(t, "never"), 0);
    for (int i = 1; i <= 1000; i++) {
        snprintf(v, sizeof v, "c%d", i);
        tally_reply(t, v);
    }
    assert_int_equal(tally_count(t, "c801"), 1);
    assert_int_equal(tally_count(t, "c900"), 1);
    assert_int_equal(tally_count(t, "c1000"), 0); /* folded */
    assert_int_equal(t->ok, 1000);
    assert_int_equal(t->nvalues, TALLY_MAX_VALUES);
    /* 3 pinned rows + 61 first-come rows; the other 936 are folded */
    assert_int_equal(t->other_values, 1000 - 2 - (TALLY_MAX_VALUES - 3));
    assert_int_equal(rows_sum(t), 1000);
    rows = tally_rows_alloc(t, &n);
    assert_int_equal(n, TALLY_MAX_VALUES - 1 + 1); /* "never" unlisted, plus (other values) */
    free(rows);
    /* a full table refuses further pins */
    tally_init(t);
    for (int i = 0; i < TALLY_MAX_VALUES; i++) {
        snprintf(v, sizeof v, "p%d", i);
        assert_int_equal(tally_pin(t, v), 0);
    }
    assert_int_equal(tally_pin(t, "one-more"), -1);
    assert_int_equal(tally_pin(t, "p3"), 0);
    free(t);
}

static void test_since(void **state)
{
    (void)state;
    struct tally *a = malloc(sizeof *a), *b = malloc(sizeof *b), *d = malloc(sizeof *d);
    tally_init(a);
    tally_reply(a, "Koornacht");
    tally_fail(a, TALLY_HTTP, 502);
    *b = *a;
    tally_reply(b, "Koornacht");
    tally_reply(b, "Tion");
    tally_fail(b, TALLY_TIMEOUT, 0);
    tally_fail(b, TALLY_HTTP, 502);
    tally_since(b, a, d);
    assert_int_equal(tally_total(d), 4);
    assert_int_equal(tally_count(d, "Koornacht"), 1);
    assert_int_equal(tally_count(d, "Tion"), 1);
    assert_int_equal(d->fail[TALLY_TIMEOUT], 1);
    assert_int_equal(d->http[502], 1);
    assert_int_equal(rows_sum(d), 4);
    free(a), free(b), free(d);
}

static void test_fail_labels(void **state)
{
    (void)state;
    static const struct { enum tally_fail k; long status; const char *label; } cases[] = {
        {TALLY_TIMEOUT, 0, "timeout"}, {TALLY_REFUSED, 0, "refused"}, {TALLY_DNS, 0, "dns"},
        {TALLY_HTTP, 404, "http 404"}, {TALLY_HTTP, 0, "http ???"}, {TALLY_NOT_JSON, 0, "not-json"},
        {TALLY_NO_KEY, 0, "no-key"}, {TALLY_TOO_LARGE, 0, "too-large"}, {TALLY_OTHER, 0, "other"},
        {TALLY_BLOCKED, 0, "blocked"}, {TALLY_NOT_HTTP, 0, "not-http"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tally_fail_label(cases[i].k, cases[i].status, buf, sizeof buf);
        assert_string_equal(buf, cases[i].label);
    }
}

/* Every failure kind at once and several HTTP codes: tally_rows_alloc
 * makes room for every row, one per code included. */
static void test_rows_alloc_every_kind(void **state)
{
    (void)state;
    struct tally *t = malloc(sizeof *t);
    size_t n, kinds = 0;
    assert_non_null(t);
    tally_init(t);
    tally_reply(t, "Koornacht");
    for (int k = 0; k < TALLY_FAIL_KINDS; k++)
        if (k != TALLY_HTTP) {
            tally_fail(t, (enum tally_fail)k, 0);
            kinds++;
        }
    tally_fail(t, TALLY_HTTP, 500);
    tally_fail(t, TALLY_HTTP, 502);
    tally_fail(t, TALLY_HTTP, 503);
    struct tally_row *rows = tally_rows_alloc(t, &n);
    assert_non_null(rows);
    assert_int_equal(n, 1 + kinds + 3);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += rows[i].count;
    assert_int_equal(sum, tally_total(t));
    free(rows);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_alloc_every_kind),
        cmocka_unit_test(test_rows_sorted),
        cmocka_unit_test(test_value_cap_keeps_memory_flat),
        cmocka_unit_test(test_since),
        cmocka_unit_test(test_pinned_values_exact),
        cmocka_unit_test(test_fail_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
