/* Unit tests for x-wing/progress: silent unless its stream is a terminal,
 * nothing in the first second, at most one redraw per 200 ms after it, and
 * the line cleared at the end only when one was drawn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "progress.h"

#define MS 1000000ull

/* Ticks at these times (ms since the start), then progress_end; what the
 * stream must then hold. */
static const struct {
    int tty;
    uint64_t total;
    uint64_t at_ms[6];
    const char *want;
} cases[] = {
    {0, 10, {1500, 2000, 0}, ""},
    {1, 10, {100, 999, 0}, ""},
    {1, 10, {1000, 0}, "\r  3/10 done, 1 failed  \r\033[K"},
    {1, 10, {1000, 1100, 1199, 0}, "\r  3/10 done, 1 failed  \r\033[K"},
    {1, 10, {1000, 1100, 1200, 0},
     "\r  3/10 done, 1 failed  \r  3/10 done, 1 failed  \r\033[K"},
    {1, FIRE_UNLIMITED, {1500, 0}, "\r  3 done, 1 failed  \r\033[K"},
};

static void test_ticks(void **state)
{
    (void)state;
    struct run_state *st = calloc(1, sizeof *st);
    assert_non_null(st);
    tally_init(&st->tally);
    tally_reply(&st->tally, "Koornacht");
    tally_reply(&st->tally, "Tion");
    tally_fail(&st->tally, TALLY_REFUSED, 0);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        struct progress p;
        assert_non_null(out);
        memset(&p, 0xA5, sizeof p); /* init must set every field */
        progress_init(&p, out, cases[i].total);
        p.enabled = p.enabled || cases[i].tty; /* a memstream is never a terminal */
        for (size_t k = 0; k < 6 && cases[i].at_ms[k]; k++) {
            st->elapsed_ns = cases[i].at_ms[k] * MS;
            assert_int_equal(progress_tick(&p, st), 0);
        }
        progress_end(&p);
        progress_end(&p); /* a second end clears nothing more */
        fclose(out);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("case %zu: wrote '%s'", i, buf);
        free(buf);
    }
    free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
