#include "drain.h"

#include <stdio.h>

#define DRAIN_POLL_MS 5

void drain_serve(const struct drain_probe *p, uint64_t drain_ms, uint64_t interval_ms)
{
    uint64_t until = p->now_ms() + drain_ms;
    for (uint64_t now = p->now_ms(); now < until; now = p->now_ms()) {
        if (p->tick)
            p->tick(p->ctx);
        p->sleep_ms(until - now < interval_ms ? until - now : interval_ms);
    }
}

long drain_wait(const struct drain_probe *p, uint64_t settle_ms, uint64_t grace_ms)
{
    uint64_t start = p->now_ms(), now = start;
    long left = p->inflight(p->ctx);
    while ((left > 0 || now - start < settle_ms) && now - start < grace_ms) {
        if (p->tick)
            p->tick(p->ctx);
        p->sleep_ms(DRAIN_POLL_MS);
        now = p->now_ms();
        left = p->inflight(p->ctx);
    }
    return left;
}

int drain_exit(long cut_short, char *msg, size_t cap)
{
    if (cut_short <= 0) {
        snprintf(msg, cap, "clean shutdown");
        return 0;
    }
    snprintf(msg, cap, "grace expired: %ld request%s cut short", cut_short,
             cut_short == 1 ? "" : "s");
    return DRAIN_EXIT_GRACE_EXPIRED;
}
