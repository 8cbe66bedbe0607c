/* Unit tests for common/small_copy: every length it takes, at every
 * alignment of source and destination, copies exactly those bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "small_copy.h"

#define GUARD 16

static void test_every_length_and_alignment(void **state)
{
    (void)state;
    unsigned char src[SMALL_COPY_MAX + 2 * GUARD], dst[SMALL_COPY_MAX + 2 * GUARD];

    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 7 + 1);
    for (size_t n = 0; n <= SMALL_COPY_MAX; n++) {
        for (size_t so = 0; so < 8; so++) {
            for (size_t doff = 0; doff < 8; doff++) {
                memset(dst, 0xEE, sizeof dst);
                void *r = small_copy(dst + GUARD + doff, src + GUARD + so, n);
                assert_ptr_equal(r, dst + GUARD + doff);
                for (size_t k = 0; k < sizeof dst; k++) {
                    size_t at = k - (GUARD + doff);
                    unsigned char want = k >= GUARD + doff && at < n ? src[GUARD + so + at] : 0xEE;
                    if (dst[k] != want)
                        fail_msg("n %zu, src +%zu, dst +%zu: byte %zu is %u, want %u", n, so,
                                 doff, k, dst[k], want);
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_length_and_alignment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
