#include "drain.h"

#include <stdio.h>

#include "log.h"

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

/* Out of grace: answer delayed requests now, and give libmicrohttpd (which
 * resumes them asynchronously) a moment to send them. */
static void release(const struct drain_server *srv, const struct drain_plan *plan,
                    const struct log *log)
{
    struct drain_probe quick = {srv->inflight, NULL, plan->now_ms, plan->sleep_ms, srv->ctx};
    if (srv->release_delayed)
        srv->release_delayed(srv->ctx);
    log_event(log, LOG_WARN, "drain", "released delayed requests; %ld still in flight",
              drain_wait(&quick, 0, 1000));
}

long drain_run(const struct drain_server *srv, const struct drain_plan *plan,
               const struct log *log)
{
    struct drain_probe serving = {srv->inflight, srv->serving_tick, plan->now_ms,
                                  plan->sleep_ms, srv->ctx};
    struct drain_probe waiting = {srv->inflight, srv->waiting_tick, plan->now_ms,
                                  plan->sleep_ms, srv->ctx};
    uint64_t start = plan->now_ms();

    if (srv->begin)
        srv->begin(srv->ctx);
    log_event(log, LOG_INFO, "drain", "signal %d: /readyz now 503, serving for %llu ms more",
              plan->sig, (unsigned long long)plan->drain_ms);
    drain_serve(&serving, plan->drain_ms, plan->interval_ms);
    if (srv->stop_accepting)
        srv->stop_accepting(srv->ctx);
    /* A connection accepted just before the listener closed may not have had
     * its request read yet, so it is not "in flight"; stopping at once lets
     * libmicrohttpd's last pass answer it and then close it unsent (seen in
     * tests/stress/shutdown.sh: access log > replies received). */
    long left = drain_wait(&waiting, DRAIN_SETTLE_MS, plan->grace_ms);
    log_event(log, left ? LOG_WARN : LOG_INFO, "drain",
              "stopped accepting; %ld request(s) still in flight after %llu ms", left,
              (unsigned long long)(plan->now_ms() - start));
    if (left > 0)
        release(srv, plan, log);
    return left;
}
