#include "probe_state.h"

#include <stdlib.h>
#include <string.h>

#include "run.h"

const uint64_t probe_bucket_us[PROBE_BUCKETS] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000,
};

size_t probe_bucket(uint64_t us)
{
    size_t i = 0;
    while (i < PROBE_BUCKETS && us > probe_bucket_us[i])
        i++;
    return i;
}

double probe_share(const struct tally *round, uint64_t count)
{
    uint64_t n = tally_total(round);
    return n ? (double)count / (double)n : 0.0;
}

/* Empty, with the expected values pinned: counted exactly, listed from the start. */
static void round_clear(struct probe_round *r, const struct expect *e)
{
    tally_init(&r->tally);
    for (size_t i = 0; i < e->nvalues; i++)
        (void)tally_pin(&r->tally, e->values[i]); /* at most EXPECT_MAX_ALL: always room */
    histogram_init(&r->latency);
    memset(r->duration, 0, sizeof r->duration);
    r->duration_sum_us = 0;
    r->elapsed_ns = 0;
}

int probe_state_init(struct probe_state *s, const char *const *urls, size_t n,
                     const struct expect *e, enum reply_by by, const char *key)
{
    memset(s, 0, sizeof *s);
    s->expect = e;
    s->judged = e->mode != EXPECT_NONE || e->has_min;
    s->by = by;
    s->key = key;
    if (!(s->targets = calloc(n, sizeof *s->targets)))
        return -1;
    s->ntargets = n;
    for (size_t i = 0; i < n; i++) {
        struct probe_target *t = &s->targets[i];
        t->url = urls[i];
        round_clear(&t->total, e);
        t->last = malloc(sizeof *t->last);
        t->work = malloc(sizeof *t->work);
        if (!t->last || !t->work) {
            probe_state_free(s);
            return -1;
        }
        round_clear(t->last, e);
        round_clear(t->work, e);
    }
    return 0;
}

void probe_state_free(struct probe_state *s)
{
    for (size_t i = 0; s->targets && i < s->ntargets; i++) {
        free(s->targets[i].last);
        free(s->targets[i].work);
    }
    free(s->targets);
    s->targets = NULL;
    s->ntargets = 0;
}

void probe_round_start(struct probe_state *s)
{
    for (size_t i = 0; i < s->ntargets; i++)
        round_clear(s->targets[i].work, s->expect);
}

void probe_round_count(struct probe_state *s, const struct fire_outcome *o)
{
    char label[REPLY_LABEL_MAX];
    struct probe_round *r;
    if (o->target >= s->ntargets)
        return;
    r = s->targets[o->target].work;
    (void)run_count(o, s->by, s->key, &r->tally, &r->latency, label, sizeof label);
    r->duration[probe_bucket(o->latency_us)]++;
    r->duration_sum_us += o->latency_us;
}

/* The row of value in t, made when there is room; NULL when the cap is reached. */
static struct tally_row *row_of(struct tally *t, const char *value)
{
    if (tally_pin(t, value) != 0)
        return NULL;
    for (size_t j = 0; j < t->nvalues; j++)
        if (strcmp(t->values[j].value, value) == 0)
            return &t->values[j];
    return NULL;
}

/* dst += src, row by row. A value the totals have no room for joins their
 * other-values row, as a reply beyond the cap does. */
static void tally_add(struct tally *dst, const struct tally *src)
{
    for (size_t i = 0; i < src->nvalues; i++) {
        const struct tally_row *r = &src->values[i];
        struct tally_row *d = r->count ? row_of(dst, r->value) : NULL;
        if (d)
            d->count += r->count;
        else
            dst->other_values += r->count;
    }
    dst->other_values += src->other_values;
    for (int k = 0; k < TALLY_FAIL_KINDS; k++)
        dst->fail[k] += src->fail[k];
    for (size_t c = 0; c < sizeof src->http / sizeof src->http[0]; c++)
        dst->http[c] += src->http[c];
    dst->ok += src->ok;
    dst->failed += src->failed;
}

static void round_add(struct probe_round *dst, const struct probe_round *src)
{
    tally_add(&dst->tally, &src->tally);
    histogram_merge(&dst->latency, &src->latency);
    for (size_t i = 0; i <= PROBE_BUCKETS; i++)
        dst->duration[i] += src->duration[i];
    dst->duration_sum_us += src->duration_sum_us;
    dst->elapsed_ns += src->elapsed_ns;
}

static void judge(struct probe_state *s, struct probe_target *t)
{
    int was = t->verdict.ok;
    expect_evaluate(s->expect, &t->last->tally, &t->verdict);
    t->verdict_changed = t->rounds == 1 || was != t->verdict.ok;
}

void probe_round_finish(struct probe_state *s, uint64_t elapsed_ns)
{
    for (size_t i = 0; i < s->ntargets; i++) {
        struct probe_target *t = &s->targets[i];
        struct probe_round *done = t->work;
        done->elapsed_ns = elapsed_ns;
        round_add(&t->total, done);
        t->work = t->last;
        t->last = done;
        t->rounds++;
        if (s->judged)
            judge(s, t);
    }
}
