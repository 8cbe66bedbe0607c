#include "run.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "expect.h"
#include "report.h"

struct run_ctx {
    const struct run_config *cfg;
    struct run_state *st;
    run_tick_fn tick;
    void *tick_ctx;
};

static enum tally_fail fail_of_fire(enum fire_err e)
{
    switch (e) {
    case FIRE_TIMEOUT: return TALLY_TIMEOUT;
    case FIRE_REFUSED: return TALLY_REFUSED;
    case FIRE_DNS: return TALLY_DNS;
    case FIRE_TOO_LARGE: return TALLY_TOO_LARGE;
    case FIRE_BLOCKED: return TALLY_BLOCKED;
    case FIRE_NOT_HTTP: return TALLY_NOT_HTTP;
    case FIRE_OK:
    case FIRE_OTHER: break;
    }
    return TALLY_OTHER;
}

static enum tally_fail fail_of_reply(enum reply_kind k)
{
    switch (k) {
    case REPLY_HTTP: return TALLY_HTTP;
    case REPLY_NOT_JSON: return TALLY_NOT_JSON;
    case REPLY_NO_KEY: return TALLY_NO_KEY;
    case REPLY_OK: break;
    }
    return TALLY_OTHER;
}

int run_count(const struct fire_outcome *o, enum reply_by by, const char *key,
              struct tally *t, struct histogram *h, char *label, size_t cap)
{
    enum tally_fail kind;
    if (o->err != FIRE_OK) {
        kind = fail_of_fire(o->err);
        tally_fail(t, kind, 0);
        tally_fail_label(kind, 0, label, cap);
        return 0;
    }
    histogram_add(h, o->latency_us);
    struct reply_in in = {.status = o->status, .body = o->body, .body_len = o->body_len,
                          .served_by = o->served_by, .ip = o->ip};
    enum reply_kind rk = reply_classify(&in, by, key, label, cap);
    if (rk == REPLY_OK) {
        tally_reply(t, label);
        return 1;
    }
    kind = fail_of_reply(rk);
    tally_fail(t, kind, o->status);
    tally_fail_label(kind, o->status, label, cap);
    return 0;
}

static void on_done(void *ctx, const struct fire_outcome *o)
{
    struct run_ctx *rc = ctx;
    const struct run_config *cfg = rc->cfg;
    char label[REPLY_LABEL_MAX];
    int ok = run_count(o, cfg->by, cfg->key, &rc->st->tally, &rc->st->latency, label,
                       sizeof label);

    if (o->err == FIRE_OK && cfg->bodies) {
        fwrite(o->body, 1, o->body_len, cfg->bodies);
        if (o->body_len == 0 || o->body[o->body_len - 1] != '\n')
            fputc('\n', cfg->bodies);
    }
    if (!ok && cfg->errors) {
        fprintf(cfg->errors, "xwing: %s: %s%s%s\n", cfg->fire.urls[o->target], label,
                *o->detail ? ": " : "", o->detail);
    }
}

static int on_tick(void *ctx)
{
    struct run_ctx *rc = ctx;
    rc->st->elapsed_ns = clock_mono_ns() - rc->st->start_ns;
    return rc->tick ? rc->tick(rc->tick_ctx, rc->st) : 0;
}

int run_tally(const struct run_config *cfg, struct run_state *st, run_tick_fn tick, void *ctx,
              struct error *err)
{
    struct run_ctx rc = {.cfg = cfg, .st = st, .tick = tick, .tick_ctx = ctx};
    int r;
    tally_init(&st->tally);
    for (size_t i = 0; i < cfg->npins; i++)
        (void)tally_pin(&st->tally, cfg->pins[i]); /* at most EXPECT_MAX_ALL: always room */
    histogram_init(&st->latency);
    st->start_ns = clock_mono_ns();
    st->elapsed_ns = 0;
    r = fire_run(&cfg->fire, on_done, on_tick, &rc, err);
    st->elapsed_ns = clock_mono_ns() - st->start_ns;
    return r;
}

struct report run_report(const struct run_config *cfg, const struct run_state *st,
                         const struct expect *e, const struct run_outcome *out,
                         struct expect_result *er)
{
    char how[160];
    expect_evaluate(e, &st->tally, er);
    run_outcome_describe(out, how, sizeof how);
    expect_note_end(er, how, run_interrupted(out));
    return (struct report){
        .tally = &st->tally,
        .latency = &st->latency,
        .elapsed_s = (double)st->elapsed_ns / 1e9,
        .expect = er,
        .urls = cfg->fire.urls,
        .nurls = cfg->fire.nurls,
        .by = cfg->by,
        .key = cfg->key,
        .outcome = out,
        .max_body = cfg->fire.max_body,
    };
}

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
