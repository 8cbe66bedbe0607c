#include "expect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

/* The limits the messages below state in words. */
_Static_assert(REPLY_LABEL_MAX == 128, "update 'at most 127 bytes'");
_Static_assert(EXPECT_MAX_ALL == 16, "update 'at most 16'");

static const char *s_if(uint64_t n)
{
    return n == 1 ? "" : "s";
}

void expect_init(struct expect *e)
{
    memset(e, 0, sizeof *e);
}

static const char *set_mode(struct expect *e, enum expect_mode mode)
{
    if (e->mode != EXPECT_NONE && e->mode != mode)
        return "conflicts with another --expect-* option (only, all and fail are exclusive)";
    if (e->mode == mode && mode != EXPECT_ALL)
        return "given twice";
    e->mode = mode;
    return NULL;
}

static const char *add_value(struct expect *e, const char *v, size_t len)
{
    if (len == 0)
        return "empty value";
    if (len >= REPLY_LABEL_MAX)
        return "value too long: at most 127 bytes (reply values are cut there)";
    if (e->nvalues == EXPECT_MAX_ALL)
        return "too many values: at most 16";
    memcpy(e->values[e->nvalues], v, len);
    e->values[e->nvalues++][len] = '\0';
    return NULL;
}

const char *expect_set_only(struct expect *e, const char *value)
{
    const char *why = set_mode(e, EXPECT_ONLY);
    return why ? why : add_value(e, value, strlen(value));
}

const char *expect_set_all(struct expect *e, const char *list)
{
    const char *why = set_mode(e, EXPECT_ALL);
    if (why)
        return why;
    for (const char *p = list;;) {
        size_t len = strcspn(p, ",");
        if ((why = add_value(e, p, len)))
            return why;
        if (!p[len])
            return NULL;
        p += len + 1;
    }
}

const char *expect_set_fail(struct expect *e)
{
    return set_mode(e, EXPECT_FAIL);
}

const char *expect_set_min_success(struct expect *e, const char *ratio)
{
    const char *why = opt_double(ratio, 0.0, 1.0, &e->min_success);
    if (why)
        return why == opt_out_of_range ? "out of range 0..1" : why;
    e->has_min = 1;
    return NULL;
}

/* "refused 3, timeout 1": the failure rows, for reasons. */
static void describe_failures(const struct tally *t, char *buf, size_t cap)
{
    size_t n, len = 0;
    struct tally_row *rows = tally_rows_alloc(t, &n);
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++) {
        if (!rows[i].error)
            continue;
        int w = snprintf(buf + len, cap - len, "%s%s %llu", len ? ", " : "", rows[i].value,
                         (unsigned long long)rows[i].count);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    free(rows);
}

/* Checks the share of replies; returns 1 if the failures are acceptable. */
static int failures_ok(const struct expect *e, const struct tally *t, struct expect_result *r)
{
    uint64_t total = tally_total(t);
    char what[256];
    double share = total ? (double)t->ok / (double)total : 0.0;

    if (e->has_min) {
        if (share + 1e-12 >= e->min_success)
            return 1;
        describe_failures(t, what, sizeof what);
        snprintf(r->reason, sizeof r->reason,
                 "success %.3f below --min-success %.3f: %llu of %llu failed (%s)", share,
                 e->min_success, (unsigned long long)t->failed, (unsigned long long)total, what);
        return 0;
    }
    if (t->failed == 0)
        return 1;
    describe_failures(t, what, sizeof what);
    snprintf(r->reason, sizeof r->reason, "%llu of %llu request%s failed (%s)",
             (unsigned long long)t->failed, (unsigned long long)total, s_if(total), what);
    return 0;
}

static void check_only(const struct expect *e, const struct tally *t, struct expect_result *r)
{
    uint64_t from = tally_count(t, e->values[0]);
    if (!failures_ok(e, t, r))
        return;
    if (from != t->ok) {
        snprintf(r->reason, sizeof r->reason,
                 "expected only %s, but %llu of %llu repl%s came from elsewhere", e->values[0],
                 (unsigned long long)(t->ok - from), (unsigned long long)t->ok,
                 t->ok == 1 ? "y" : "ies");
        return;
    }
    if (t->ok == 0) {
        snprintf(r->reason, sizeof r->reason, "expected only %s, but no request got a reply",
                 e->values[0]);
        return;
    }
    r->ok = 1;
    if (t->ok == 1)
        snprintf(r->reason, sizeof r->reason, "1 reply, from %s", e->values[0]);
    else
        snprintf(r->reason, sizeof r->reason, "all %llu replies from %s",
                 (unsigned long long)t->ok, e->values[0]);
}

static void check_all(const struct expect *e, const struct tally *t, struct expect_result *r)
{
    char missing[256] = "";
    size_t len = 0;
    if (!failures_ok(e, t, r))
        return;
    for (size_t i = 0; i < e->nvalues; i++) {
        if (tally_count(t, e->values[i]) > 0)
            continue;
        int w = snprintf(missing + len, sizeof missing - len, "%s%s", len ? ", " : "", e->values[i]);
        if (w > 0 && (size_t)w < sizeof missing - len)
            len += (size_t)w;
    }
    if (len) {
        snprintf(r->reason, sizeof r->reason, "no reply from %s", missing);
        return;
    }
    r->ok = 1;
    if (e->nvalues == 1)
        snprintf(r->reason, sizeof r->reason, "the expected value %s answered", e->values[0]);
    else
        snprintf(r->reason, sizeof r->reason, "each of %zu expected values answered",
                 e->nvalues);
}

static void check_fail(const struct tally *t, struct expect_result *r)
{
    if (t->ok == 0 && t->failed > 0) {
        r->ok = 1;
        snprintf(r->reason, sizeof r->reason, "%s %llu request%s failed, as expected",
                 t->failed == 1 ? "the" : "all", (unsigned long long)t->failed,
                 s_if(t->failed));
    } else {
        snprintf(r->reason, sizeof r->reason, "expected every request to fail, but %llu of %llu got a reply",
                 (unsigned long long)t->ok, (unsigned long long)tally_total(t));
    }
}

void expect_evaluate(const struct expect *e, const struct tally *t, struct expect_result *r)
{
    r->ok = 0;
    r->interrupted = 0;
    r->reason[0] = '\0';
    switch (e->mode) {
    case EXPECT_ONLY:
        check_only(e, t, r);
        return;
    case EXPECT_ALL:
        check_all(e, t, r);
        return;
    case EXPECT_FAIL:
        check_fail(t, r);
        return;
    case EXPECT_NONE:
        break;
    }
    if (tally_total(t) == 0) {
        snprintf(r->reason, sizeof r->reason, "no requests were made");
        return;
    }
    if (!failures_ok(e, t, r))
        return;
    r->ok = 1;
    snprintf(r->reason, sizeof r->reason, "%llu of %llu request%s got a reply",
             (unsigned long long)t->ok, (unsigned long long)tally_total(t),
             s_if(tally_total(t)));
}

void expect_note_end(struct expect_result *r, const char *how, int interrupted)
{
    char was[sizeof r->reason];
    int n;
    if (!how[0])
        return;
    memcpy(was, r->reason, sizeof was);
    if (interrupted) /* how first: it is the verdict now */
        n = snprintf(r->reason, sizeof r->reason, "%s; so far %s: %s", how,
                     r->ok ? "held" : "failed", was);
    else
        n = snprintf(r->reason, sizeof r->reason, "%s (%s)", was, how);
    if (n < 0)
        snprintf(r->reason, sizeof r->reason, "%s", how);
    if (interrupted) {
        r->ok = 0;
        r->interrupted = 1;
    }
}

int expect_exit_code(const struct expect_result *r)
{
    return r->ok ? 0 : 1;
}
