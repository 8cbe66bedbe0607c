/* progress: "  523/1000" on stderr while a long run goes on, only when stderr
 * is a terminal and the run has lasted more than a second, so piped output
 * and scripts never see it. */
#ifndef XW_PROGRESS_H
#define XW_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "run.h"

struct progress {
    FILE *out;
    int enabled;     /* out is a terminal */
    int shown;       /* a line is on screen and must be cleared */
    uint64_t total;  /* FIRE_UNLIMITED when open-ended */
    uint64_t last_ns;
};

void progress_init(struct progress *p, FILE *out, uint64_t total);

/* A run_tick_fn: redraws at most 5 times a second after the first second. */
int progress_tick(void *ctx, const struct run_state *st);

/* Clears the line, if one was drawn. */
void progress_end(struct progress *p);

#endif
