/* small_copy: memcpy for the short copies, in the static builds.
 *
 * musl's x86_64 memcpy moves the ends of a copy with movsb, byte by byte, and
 * the rest with rep movsq: microcoded instructions that cost tens of cycles
 * even for one byte. libcurl 7.88 formats its request a byte at a time, so the
 * static xwing made 125 memcpy calls per request, 89% of them of 8 bytes or
 * fewer (perf probe), and spent 10.6% of its CPU in musl's memcpy; glibc's
 * copy takes 0.7% of the dev build's (tests/bench/README.md). The static link
 * (Makefile, STATIC=1) routes every memcpy call to __wrap_memcpy (small_copy.c)
 * with ld --wrap=memcpy; copies longer than SMALL_COPY_MAX go on to musl's. */
#ifndef COMMON_SMALL_COPY_H
#define COMMON_SMALL_COPY_H

#include <stddef.h>

/* The longest copy done here: up to 8 word moves. */
#define SMALL_COPY_MAX 64

/* Copies n <= SMALL_COPY_MAX bytes from src to dst (which do not overlap)
 * with word moves and no call: the last word may overlap the one before it.
 * Returns dst. */
void *small_copy(void *restrict dst, const void *restrict src, size_t n);

#endif
