/* spec: what one tally asks for, however it was asked: xwing's flags, a
 * /tally query of `xwing serve`, or the flags of `xwing probe` (per target and
 * round). spec_defaults is the one place the defaults live: 10 requests, one
 * at a time, 2 s each, tallied by the JSON field Cluster, bodies up to 64 KiB:
 * the lab's `for i in $(seq 1 10); do curl rebel-base; done`. */
#ifndef XW_SPEC_H
#define XW_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "reply.h"
#include "run.h"

struct spec {
    uint64_t n;                  /* requests; FIRE_UNLIMITED for an open-ended run */
    unsigned c;                  /* in flight at once */
    uint64_t timeout_ms;         /* whole request */
    uint64_t connect_timeout_ms; /* 0: as timeout_ms */
    enum reply_by by;
    char key[REPLY_KEY_MAX];     /* for REPLY_BY_KEY: a dotted path */
    uint64_t max_body;           /* longer replies count as too-large */
};

void spec_defaults(struct spec *s);

/* The run s asks for over urls: fire's requests, timeouts and body cap, and
 * how replies are counted. The caller adds the rest (pacing, deadline, stop
 * flag, output, pins). The result points into s and urls. */
struct run_config spec_run_config(const struct spec *s, const char *const *urls, size_t nurls);

#endif
