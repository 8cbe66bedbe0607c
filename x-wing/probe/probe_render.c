#include "probe_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"
#include "report.h"

#define NS "xwing_probe_"

/* The tally's row name in the usual snake case of label values ("http 503"
 * is http_503, "not-json" not_json), and a word for a status out of range
 * where the row says "http ???". */
void probe_fail_kind(enum tally_fail kind, long status, char *buf, size_t cap)
{
    if (kind == TALLY_HTTP && (status < 100 || status >= 600))
        snprintf(buf, cap, "http_unknown");
    else
        tally_fail_label(kind, status, buf, cap);
    for (char *c = buf; *c; c++)
        if (*c == '-' || *c == ' ')
            *c = '_';
}

static void replies(struct promtext *p, const struct probe_state *s)
{
    promtext_family(p, NS "replies_total", "counter",
                    "Replies by target and tallied value; values beyond the first 64 are "
                    "counted as (other values).");
    for (size_t i = 0; i < s->ntargets; i++) {
        const struct tally *t = &s->targets[i].total.tally;
        struct promtext_label l[2] = {{"target", s->targets[i].url}, {"value", NULL}};
        for (size_t v = 0; v < t->nvalues; v++) {
            l[1].value = t->values[v].value;
            promtext_counter(p, NS "replies_total", l, 2, t->values[v].count);
        }
        l[1].value = TALLY_OTHER_VALUES;
        if (t->other_values)
            promtext_counter(p, NS "replies_total", l, 2, t->other_values);
    }
}

static void failures_of(struct promtext *p, const char *url, const struct tally *t)
{
    char kind[32];
    struct promtext_label l[2] = {{"target", url}, {"kind", kind}};
    for (int k = 0; k < TALLY_FAIL_KINDS; k++) {
        if (k == TALLY_HTTP)
            continue;
        probe_fail_kind((enum tally_fail)k, 0, kind, sizeof kind);
        promtext_counter(p, NS "failures_total", l, 2, t->fail[k]);
    }
    for (long code = 0; code < 600; code++) {
        if (!t->http[code])
            continue;
        probe_fail_kind(TALLY_HTTP, code, kind, sizeof kind);
        promtext_counter(p, NS "failures_total", l, 2, t->http[code]);
    }
}

static void failures(struct promtext *p, const struct probe_state *s)
{
    promtext_family(p, NS "failures_total", "counter",
                    "Requests that got no reply to tally, by target and kind of failure.");
    for (size_t i = 0; i < s->ntargets; i++)
        failures_of(p, s->targets[i].url, &s->targets[i].total.tally);
}

static void durations(struct promtext *p, const struct probe_state *s)
{
    double bounds[PROBE_BUCKETS];
    for (size_t b = 0; b < PROBE_BUCKETS; b++)
        bounds[b] = (double)probe_bucket_us[b] / 1e6;
    promtext_family(p, NS "request_duration_seconds", "histogram",
                    "Time each request took, failed ones included, by target.");
    for (size_t i = 0; i < s->ntargets; i++) {
        const struct probe_round *r = &s->targets[i].total;
        struct promtext_label l[2] = {{"target", s->targets[i].url}};
        struct promtext_histogram h = {bounds, PROBE_BUCKETS, r->duration,
                                       (double)r->duration_sum_us / 1e6};
        promtext_histogram(p, NS "request_duration_seconds", l, 1, &h);
    }
}

static void rounds(struct promtext *p, const struct probe_state *s)
{
    promtext_family(p, NS "rounds_total", "counter", "Rounds of requests finished, by target.");
    for (size_t i = 0; i < s->ntargets; i++) {
        struct promtext_label l = {"target", s->targets[i].url};
        promtext_counter(p, NS "rounds_total", &l, 1, s->targets[i].rounds);
    }
}

/* Every value seen so far gets a share, 0 when the last round had none of it,
 * so a value that stops answering shows as 0 rather than vanishing. */
static void shares_of(struct promtext *p, const struct probe_target *t)
{
    const struct tally *all = &t->total.tally, *last = &t->last->tally;
    struct promtext_label l[2] = {{"target", t->url}, {"value", NULL}};
    uint64_t named = 0;
    for (size_t v = 0; v < all->nvalues; v++) {
        uint64_t n = tally_count(last, all->values[v].value);
        named += n;
        l[1].value = all->values[v].value;
        promtext_gauge(p, NS "last_round_share", l, 2, probe_share(last, n));
    }
    l[1].value = TALLY_OTHER_VALUES;
    if (all->other_values)
        promtext_gauge(p, NS "last_round_share", l, 2,
                       probe_share(last, last->ok > named ? last->ok - named : 0));
}

static void shares(struct promtext *p, const struct probe_state *s)
{
    promtext_family(p, NS "last_round_share", "gauge",
                    "Share of the last round's requests answered with each value (0..1).");
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i].rounds)
            shares_of(p, &s->targets[i]);
}

static void expectations(struct promtext *p, const struct probe_state *s)
{
    if (!s->judged)
        return;
    promtext_family(p, NS "expectation_ok", "gauge",
                    "1 when the last round met the --expect-* / --min-success expectation.");
    for (size_t i = 0; i < s->ntargets; i++) {
        struct promtext_label l = {"target", s->targets[i].url};
        if (s->targets[i].rounds)
            promtext_gauge(p, NS "expectation_ok", &l, 1, s->targets[i].verdict.ok ? 1 : 0);
    }
}

char *probe_render_metrics(const struct probe_state *s)
{
    struct promtext p;
    promtext_init(&p);
    replies(&p, s);
    failures(&p, s);
    durations(&p, s);
    rounds(&p, s);
    shares(&p, s);
    expectations(&p, s);
    return promtext_take(&p);
}

static void page_target(FILE *f, const struct probe_state *s, const struct probe_target *t,
                        uint64_t max_body)
{
    const char *urls[1] = {t->url};
    struct report rep = {.urls = urls, .nurls = 1, .by = s->by, .key = s->key,
                         .max_body = max_body};

    fprintf(f, "\n== %s: %llu round%s\n", t->url, (unsigned long long)t->rounds,
            t->rounds == 1 ? "" : "s");
    if (!t->rounds) {
        fprintf(f, "(no round finished yet)\n");
        return;
    }
    fprintf(f, "-- last round\n");
    rep.tally = &t->last->tally;
    rep.latency = &t->last->latency;
    rep.elapsed_s = (double)t->last->elapsed_ns / 1e9;
    rep.expect = s->judged ? &t->verdict : NULL;
    report_text(f, &rep);
    fprintf(f, "-- all rounds\n");
    rep.tally = &t->total.tally;
    rep.latency = &t->total.latency;
    rep.elapsed_s = (double)t->total.elapsed_ns / 1e9;
    rep.expect = NULL;
    report_text(f, &rep);
}

char *probe_render_page(const struct probe_state *s, const char *header, uint64_t max_body)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "%s\n", header);
    for (size_t i = 0; i < s->ntargets; i++)
        page_target(f, s, &s->targets[i], max_body);
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return NULL;
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
