#include "tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tally_init(struct tally *t)
{
    memset(t, 0, sizeof *t);
}

static struct tally_row *find(const struct tally *t, const char *value)
{
    for (size_t i = 0; i < t->nvalues; i++)
        if (strcmp(t->values[i].value, value) == 0)
            return (struct tally_row *)&t->values[i];
    return NULL;
}

int tally_pin(struct tally *t, const char *value)
{
    struct tally_row *r;
    if (find(t, value))
        return 0;
    if (t->nvalues == TALLY_MAX_VALUES)
        return -1;
    r = &t->values[t->nvalues++];
    snprintf(r->value, sizeof r->value, "%s", value);
    r->count = 0;
    r->error = 0;
    return 0;
}

void tally_reply(struct tally *t, const char *value)
{
    struct tally_row *r = find(t, value);
    t->ok++;
    if (r) {
        r->count++;
        return;
    }
    if (t->nvalues == TALLY_MAX_VALUES) {
        t->other_values++;
        return;
    }
    r = &t->values[t->nvalues++];
    snprintf(r->value, sizeof r->value, "%s", value);
    r->count = 1;
    r->error = 0;
}

void tally_fail(struct tally *t, enum tally_fail kind, long status)
{
    if ((int)kind < 0 || kind >= TALLY_FAIL_KINDS)
        kind = TALLY_OTHER;
    t->failed++;
    t->fail[kind]++;
    if (kind == TALLY_HTTP)
        t->http[(status >= 100 && status < 600) ? status : 0]++;
}

const char *tally_fail_name(enum tally_fail kind)
{
    static const char *names[TALLY_FAIL_KINDS] = {
        "timeout", "refused", "dns", "http", "not-json", "no-key", "too-large", "blocked",
        "not-http", "other",
    };
    return ((int)kind >= 0 && kind < TALLY_FAIL_KINDS) ? names[kind] : "other";
}

void tally_fail_label(enum tally_fail kind, long status, char *buf, size_t cap)
{
    if (kind == TALLY_HTTP && status >= 100 && status < 600)
        snprintf(buf, cap, "http %ld", status);
    else if (kind == TALLY_HTTP)
        snprintf(buf, cap, "http ???");
    else
        snprintf(buf, cap, "%s", tally_fail_name(kind));
}

uint64_t tally_total(const struct tally *t)
{
    return t->ok + t->failed;
}

uint64_t tally_count(const struct tally *t, const char *value)
{
    const struct tally_row *r = find(t, value);
    return r ? r->count : 0;
}

static int row_cmp(const void *a, const void *b)
{
    const struct tally_row *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->error != y->error)
        return x->error - y->error;
    return strcmp(x->value, y->value);
}

static void push(struct tally_row *rows, size_t cap, size_t *n, const char *value,
                 uint64_t count, int error)
{
    if (count == 0 || *n >= cap)
        return;
    snprintf(rows[*n].value, sizeof rows[*n].value, "%s", value);
    rows[*n].count = count;
    rows[*n].error = error;
    (*n)++;
}

size_t tally_rows(const struct tally *t, struct tally_row *rows, size_t cap)
{
    size_t n = 0;
    char label[32];

    for (size_t i = 0; i < t->nvalues; i++)
        push(rows, cap, &n, t->values[i].value, t->values[i].count, 0);
    push(rows, cap, &n, TALLY_OTHER_VALUES, t->other_values, 0);
    for (int k = 0; k < TALLY_FAIL_KINDS; k++) {
        if (k == TALLY_HTTP)
            continue;
        push(rows, cap, &n, tally_fail_name((enum tally_fail)k), t->fail[k], 1);
    }
    for (long code = 0; code < 600; code++) {
        tally_fail_label(TALLY_HTTP, code, label, sizeof label);
        push(rows, cap, &n, label, t->http[code], 1);
    }
    qsort(rows, n, sizeof rows[0], row_cmp);
    return n;
}

struct tally_row *tally_rows_alloc(const struct tally *t, size_t *n)
{
    size_t cap = t->nvalues + 1 + TALLY_FAIL_KINDS, nhttp = 0;
    struct tally_row *rows;
    for (size_t c = 0; c < 600; c++)
        nhttp += t->http[c] != 0;
    cap += nhttp;
    rows = malloc(cap * sizeof *rows);
    *n = rows ? tally_rows(t, rows, cap) : 0;
    return rows;
}

void tally_since(const struct tally *now, const struct tally *then, struct tally *out)
{
    *out = *now;
    for (size_t i = 0; i < out->nvalues; i++)
        out->values[i].count -= tally_count(then, out->values[i].value);
    out->other_values -= then->other_values;
    for (int k = 0; k < TALLY_FAIL_KINDS; k++)
        out->fail[k] -= then->fail[k];
    for (size_t c = 0; c < 600; c++)
        out->http[c] -= then->http[c];
    out->ok -= then->ok;
    out->failed -= then->failed;
}
