/* probe_loop: the rounds of `xwing probe`, on their own thread.
 *
 * Rounds start on a fixed grid, --every apart. A round that takes longer than
 * that is followed by the next at once, and the grid moves on from there: a
 * slow target never causes a burst of catch-up rounds. A round cut short by
 * the stop is not counted. When an expectation is given, each change of a
 * target's verdict is logged once (warn when it fails, info when it holds). */
#ifndef XW_PROBE_LOOP_H
#define XW_PROBE_LOOP_H

#include <stdint.h>

#include "probe_shared.h"

/* When the round after one due at due starts, now being the clock when that
 * round ended: due + every, or now when that has passed. Pure. */
uint64_t probe_next_due(uint64_t due, uint64_t now, uint64_t every);

/* The thread body: rounds until p->stop. arg is the struct probe. */
void *probe_loop_main(void *arg);

/* Ends the loop: sets stop and wakes it (from any thread). */
void probe_loop_stop(struct probe *p);

#endif
