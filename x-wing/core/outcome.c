#include "outcome.h"

#include <signal.h>
#include <stdio.h>

enum run_end run_end_of(uint64_t requested, uint64_t completed, int stopped,
                        enum run_end stop_end, enum run_end deadline_end)
{
    if (requested != FIRE_UNLIMITED && completed >= requested)
        return RUN_END_COUNT;
    return stopped ? stop_end : deadline_end;
}

int run_interrupted(const struct run_outcome *o)
{
    return o->end == RUN_END_SIGNAL || o->end == RUN_END_BUDGET || o->end == RUN_END_SHUTDOWN;
}

static void signal_name(int sig, char *buf, size_t cap)
{
    if (sig == SIGINT)
        snprintf(buf, cap, "SIGINT");
    else if (sig == SIGTERM)
        snprintf(buf, cap, "SIGTERM");
    else
        snprintf(buf, cap, "signal %d", sig);
}

void run_end_name(const struct run_outcome *o, char *buf, size_t cap)
{
    static const char *names[] = {"count", "duration", "signal", "budget", "shutdown"};
    if (o->end == RUN_END_SIGNAL)
        signal_name(o->signal, buf, cap);
    else
        snprintf(buf, cap, "%s", names[o->end]);
}

/* "2s" for whole seconds, else "1500ms": as the flag was most likely written. */
static void duration_text(uint64_t ms, char *buf, size_t cap)
{
    if (ms % 1000 == 0)
        snprintf(buf, cap, "%llus", (unsigned long long)(ms / 1000));
    else
        snprintf(buf, cap, "%llums", (unsigned long long)ms);
}

/* "200 of 1000 requests", "1 of 1 request", or "200 requests" when open-ended. */
static void progress_text(const struct run_outcome *o, char *buf, size_t cap)
{
    if (o->requested == FIRE_UNLIMITED)
        snprintf(buf, cap, "%llu request%s", (unsigned long long)o->completed,
                 o->completed == 1 ? "" : "s");
    else
        snprintf(buf, cap, "%llu of %llu request%s", (unsigned long long)o->completed,
                 (unsigned long long)o->requested, o->requested == 1 ? "" : "s");
}

void run_outcome_describe(const struct run_outcome *o, char *buf, size_t cap)
{
    char done[64], why[64], limit[32];
    progress_text(o, done, sizeof done);
    duration_text(o->limit_ms, limit, sizeof limit);
    switch (o->end) {
    case RUN_END_COUNT: snprintf(buf, cap, "%s", ""); return;
    case RUN_END_DURATION:
        if (o->requested == FIRE_UNLIMITED)
            snprintf(buf, cap, "ran for --duration %s", limit);
        else
            snprintf(buf, cap, "stopped by --duration %s after %s", limit, done);
        return;
    case RUN_END_SIGNAL: signal_name(o->signal, why, sizeof why); break;
    case RUN_END_BUDGET: snprintf(why, sizeof why, "the %s budget per tally ran out", limit); break;
    case RUN_END_SHUTDOWN: snprintf(why, sizeof why, "xwing serve is stopping"); break;
    }
    snprintf(buf, cap, "interrupted after %s (%s)", done, why);
}

int run_exit_status(const struct run_outcome *o, int verdict_status)
{
    return o->end == RUN_END_SIGNAL ? 128 + o->signal : verdict_status;
}
