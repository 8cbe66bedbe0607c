#include "run.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "expect.h"
#include "fire_threads.h"
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
    r = fire_threads_run(&cfg->fire, on_done, on_tick, &rc, err);
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

struct run_outcome run_outcome_of(const struct run_config *cfg, const struct run_state *st,
                                  const struct run_ends *ends, int stopped)
{
    uint64_t done = tally_total(&st->tally);
    enum run_end end = run_end_of(cfg->fire.n, done, stopped, ends->stop, ends->deadline);
    return (struct run_outcome){
        .requested = cfg->fire.n,
        .completed = done,
        .end = end,
        .signal = end == RUN_END_SIGNAL ? stopped : 0,
        .limit_ms = ends->limit_ms,
    };
}
