#include "report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BAR_WIDTH 40

double report_percent(uint64_t count, uint64_t total)
{
    return total ? round((double)count * 1000.0 / (double)total) / 10.0 : 0.0;
}

static double ms(uint64_t us)
{
    return round((double)us) / 1000.0;
}

static double rps(const struct report *r)
{
    return r->elapsed_s > 0 ? round((double)tally_total(r->tally) / r->elapsed_s * 10) / 10 : 0;
}

int report_columns(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80; /* count lead bytes, not continuations */
    return n;
}

/* Rows line up however long the values are (a --by body row holds a whole
 * document): the column is as wide as the widest value, which reply.h caps at
 * REPLY_LABEL_MAX - 1 bytes. */
static void text_rows(FILE *out, const struct report *r)
{
    uint64_t total = tally_total(r->tally);
    size_t n;
    struct tally_row *rows = tally_rows_alloc(r->tally, &n);
    int width = 5;

    for (size_t i = 0; i < n; i++)
        if (report_columns(rows[i].value) > width)
            width = report_columns(rows[i].value);
    for (size_t i = 0; i < n; i++) {
        char bar[BAR_WIDTH + 1];
        size_t len = total ? (size_t)((rows[i].count * BAR_WIDTH + total / 2) / total) : 0;
        if (len == 0)
            len = 1;
        memset(bar, rows[i].error ? 'x' : '#', len);
        bar[len] = '\0';
        fprintf(out, "  %s%*s %8llu %5.1f%%  %s\n", rows[i].value,
                width - report_columns(rows[i].value), "", (unsigned long long)rows[i].count,
                report_percent(rows[i].count, total), bar);
    }
    free(rows);
}

/* The bounds behind a row, named where the row shows. */
static void text_notes(FILE *out, const struct report *r)
{
    if (r->tally->other_values)
        fprintf(out, "  %s: replies beyond the first %d distinct values (values named in "
                     "--expect-* are counted exactly)\n", TALLY_OTHER_VALUES, TALLY_MAX_VALUES);
    if (r->tally->fail[TALLY_TOO_LARGE] && r->max_body)
        fprintf(out, "  too-large: reply body over --max-body (%llu bytes)\n",
                (unsigned long long)r->max_body);
    if (r->tally->fail[TALLY_NOT_HTTP])
        fprintf(out, "  not-http: the reply did not start with an HTTP/1.x status line: "
                     "another protocol (SSH, TLS, ...) answers on that port\n");
    if (r->tally->fail[TALLY_BLOCKED])
        fprintf(out, "  blocked: the address looked up is not allowed (--allow-target, "
                     "--allow-link-local): never connected to\n");
}

static void text_header(FILE *out, const struct report *r)
{
    uint64_t total = tally_total(r->tally);
    char how[160] = "";
    if (r->outcome)
        run_outcome_describe(r->outcome, how, sizeof how);
    fprintf(out, "xwing: %llu request%s to %zu target%s, by %s%s%s%s%s\n",
            (unsigned long long)total, total == 1 ? "" : "s", r->nurls, r->nurls == 1 ? "" : "s",
            reply_by_name(r->by), r->by == REPLY_BY_KEY ? " " : "",
            r->by == REPLY_BY_KEY ? r->key : "", how[0] ? ", " : "", how);
}

void report_text(FILE *out, const struct report *r)
{
    const struct tally *t = r->tally;
    const struct histogram *h = r->latency;

    text_header(out, r);
    text_rows(out, r);
    text_notes(out, r);
    fprintf(out, "ok %llu  failed %llu  in %.3f s  (%.1f req/s)\n", (unsigned long long)t->ok,
            (unsigned long long)t->failed, r->elapsed_s, rps(r));
    if (h->n)
        fprintf(out, "latency ms  min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
                ms(h->min), ms(histogram_percentile(h, 50)), ms(histogram_percentile(h, 90)),
                ms(histogram_percentile(h, 99)), ms(h->max));
    else
        fprintf(out, "latency ms  - (no HTTP responses)\n");
    if (!r->expect)
        return;
    if (r->expect->interrupted) /* the reason starts "interrupted after K of N" */
        fprintf(out, "expect %s\n", r->expect->reason);
    else
        fprintf(out, "expect %s: %s\n", r->expect->ok ? "ok" : "FAILED", r->expect->reason);
}

static cJSON *json_rows(const struct report *r)
{
    uint64_t total = tally_total(r->tally);
    size_t n;
    struct tally_row *rows = tally_rows_alloc(r->tally, &n);
    cJSON *arr = rows ? cJSON_CreateArray() : NULL;

    for (size_t i = 0; arr && i < n; i++) {
        cJSON *row = cJSON_CreateObject();
        if (!row || !cJSON_AddItemToArray(arr, row)) {
            cJSON_Delete(row);
            cJSON_Delete(arr);
            free(rows);
            return NULL;
        }
        cJSON_AddStringToObject(row, "value", rows[i].value);
        cJSON_AddNumberToObject(row, "count", (double)rows[i].count);
        cJSON_AddNumberToObject(row, "percent", report_percent(rows[i].count, total));
        cJSON_AddStringToObject(row, "kind", rows[i].error ? "error" : "reply");
    }
    free(rows);
    return arr;
}

static cJSON *json_latency(const struct histogram *h)
{
    cJSON *lat = cJSON_CreateObject();
    if (!lat)
        return NULL;
    cJSON_AddNumberToObject(lat, "min", ms(h->min));
    cJSON_AddNumberToObject(lat, "p50", ms(histogram_percentile(h, 50)));
    cJSON_AddNumberToObject(lat, "p90", ms(histogram_percentile(h, 90)));
    cJSON_AddNumberToObject(lat, "p99", ms(histogram_percentile(h, 99)));
    cJSON_AddNumberToObject(lat, "max", ms(h->max));
    cJSON_AddNumberToObject(lat, "samples", (double)h->n);
    return lat;
}

/* requested, completed, interrupted, ended_by: without an outcome the run
 * completed every request it counted. */
static void json_outcome(cJSON *o, const struct report *r)
{
    uint64_t total = tally_total(r->tally);
    struct run_outcome done = {.requested = total, .completed = total, .end = RUN_END_COUNT};
    const struct run_outcome *out = r->outcome ? r->outcome : &done;
    char name[32];

    if (out->requested == FIRE_UNLIMITED)
        cJSON_AddNullToObject(o, "requested");
    else
        cJSON_AddNumberToObject(o, "requested", (double)out->requested);
    cJSON_AddNumberToObject(o, "completed", (double)total);
    cJSON_AddBoolToObject(o, "interrupted", run_interrupted(out));
    run_end_name(out, name, sizeof name);
    cJSON_AddStringToObject(o, "ended_by", name);
}

char *report_json(const struct report *r)
{
    const struct tally *t = r->tally;
    cJSON *o = cJSON_CreateObject(), *targets, *exp;
    char *s = NULL;

    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "requests", (double)tally_total(t));
    cJSON_AddNumberToObject(o, "ok", (double)t->ok);
    cJSON_AddNumberToObject(o, "failed", (double)t->failed);
    cJSON_AddItemToObject(o, "rows", json_rows(r));
    cJSON_AddItemToObject(o, "latency_ms", json_latency(r->latency));
    cJSON_AddNumberToObject(o, "elapsed_s", round(r->elapsed_s * 1e6) / 1e6);
    cJSON_AddNumberToObject(o, "rps", rps(r));
    if (r->expect && (exp = cJSON_AddObjectToObject(o, "expect"))) {
        cJSON_AddBoolToObject(exp, "ok", r->expect->ok);
        cJSON_AddBoolToObject(exp, "interrupted", r->expect->interrupted);
        cJSON_AddStringToObject(exp, "reason", r->expect->reason);
    }
    if ((targets = cJSON_AddArrayToObject(o, "targets")))
        for (size_t i = 0; i < r->nurls; i++)
            cJSON_AddItemToArray(targets, cJSON_CreateString(r->urls[i]));
    json_outcome(o, r);
    cJSON_AddStringToObject(o, "by", reply_by_name(r->by));
    if (r->by == REPLY_BY_KEY)
        cJSON_AddStringToObject(o, "key", r->key);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}
