#include "small_copy.h"

#include <stdint.h>

/* Loads and stores of any alignment; may_alias: they copy bytes of any type. */
typedef uint64_t word64 __attribute__((aligned(1), may_alias));
typedef uint32_t word32 __attribute__((aligned(1), may_alias));

/* Built with -fno-tree-loop-distribute-patterns (Makefile): otherwise gcc
 * turns these loops back into a memcpy call, which the static link sends
 * here again. */
void *small_copy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8)
            *(word64 *)(d + i) = *(const word64 *)(s + i);
        if (i < n) /* the tail: the last 8 bytes, partly written already */
            *(word64 *)(d + n - 8) = *(const word64 *)(s + n - 8);
    } else if (n >= 4) {
        *(word32 *)d = *(const word32 *)s;
        *(word32 *)(d + n - 4) = *(const word32 *)(s + n - 4);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    }
    return dst;
}

#ifdef SMALL_COPY_WRAP
/* ld --wrap=memcpy: every call to memcpy in the static link, musl's own
 * included, lands here; __real_memcpy is musl's. */
void *__real_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *__wrap_memcpy(void *restrict dst, const void *restrict src, size_t n);

void *__wrap_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    return n <= SMALL_COPY_MAX ? small_copy(dst, src, n) : __real_memcpy(dst, src, n);
}
#endif
