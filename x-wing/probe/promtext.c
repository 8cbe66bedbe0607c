#include "promtext.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START 4096

void promtext_init(struct promtext *p)
{
    memset(p, 0, sizeof *p);
}

void promtext_free(struct promtext *p)
{
    free(p->buf);
    promtext_init(p);
}

char *promtext_take(struct promtext *p)
{
    char *out = NULL;
    if (p->failed)
        free(p->buf);
    else /* nothing written yet is an empty text, not a failure */
        out = p->buf ? p->buf : calloc(1, 1);
    promtext_init(p);
    return out;
}

/* Makes room for more bytes plus the NUL; sets failed when it cannot. */
static int reserve(struct promtext *p, size_t more)
{
    size_t cap = p->cap ? p->cap : START;
    char *nb;
    if (p->failed)
        return -1;
    if (p->len + more + 1 <= p->cap)
        return 0;
    while (cap < p->len + more + 1)
        cap *= 2;
    if (!(nb = realloc(p->buf, cap))) {
        p->failed = 1;
        return -1;
    }
    p->buf = nb;
    p->cap = cap;
    return 0;
}

static void put(struct promtext *p, const char *s, size_t n)
{
    if (reserve(p, n))
        return;
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

static void put_str(struct promtext *p, const char *s)
{
    put(p, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct promtext *p, const char *fmt, ...)
{
    char small[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof small)
        put(p, small, (size_t)n);
    else
        p->failed = 1; /* only numbers go through here: they always fit */
}

void promtext_escape(struct promtext *p, const char *s)
{
    for (const char *run = s;; s++) {
        const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
        if (!esc && *s)
            continue;
        put(p, run, (size_t)(s - run));
        if (!*s)
            return;
        put_str(p, esc);
        run = s + 1;
    }
}

void promtext_family(struct promtext *p, const char *name, const char *type, const char *help)
{
    put_str(p, "# HELP ");
    put_str(p, name);
    put(p, " ", 1);
    put_str(p, help);
    put_str(p, "\n# TYPE ");
    put_str(p, name);
    put(p, " ", 1);
    put_str(p, type);
    put(p, "\n", 1);
}

/* name{a="x",b="y"} followed by a space; no braces without labels. */
static void series(struct promtext *p, const char *name, const char *suffix,
                   const struct promtext_label *labels, size_t n)
{
    put_str(p, name);
    put_str(p, suffix);
    for (size_t i = 0; i < n; i++) {
        put(p, i ? "," : "{", 1);
        put_str(p, labels[i].name);
        put(p, "=\"", 2);
        promtext_escape(p, labels[i].value);
        put(p, "\"", 1);
    }
    put_str(p, n ? "} " : " ");
}

void promtext_counter(struct promtext *p, const char *name, const struct promtext_label *labels,
                      size_t nlabels, uint64_t value)
{
    series(p, name, "", labels, nlabels);
    putf(p, "%llu\n", (unsigned long long)value);
}

void promtext_number(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "NaN");
    else if (isinf(v))
        snprintf(buf, cap, "%s", v > 0 ? "+Inf" : "-Inf");
    else
        snprintf(buf, cap, "%.15g", v);
}

void promtext_gauge(struct promtext *p, const char *name, const struct promtext_label *labels,
                    size_t nlabels, double value)
{
    char num[40];
    promtext_number(num, sizeof num, value);
    series(p, name, "", labels, nlabels);
    put_str(p, num);
    put(p, "\n", 1);
}

void promtext_histogram(struct promtext *p, const char *name, struct promtext_label *labels,
                        size_t nlabels, const struct promtext_histogram *h)
{
    char le[40];
    uint64_t cum = 0;
    for (size_t i = 0; i <= h->nbounds; i++) {
        cum += h->counts[i];
        if (i < h->nbounds)
            promtext_number(le, sizeof le, h->bounds[i]);
        else
            snprintf(le, sizeof le, "+Inf");
        labels[nlabels] = (struct promtext_label){"le", le};
        series(p, name, "_bucket", labels, nlabels + 1);
        putf(p, "%llu\n", (unsigned long long)cum);
    }
    char sum[40];
    promtext_number(sum, sizeof sum, h->sum);
    series(p, name, "_sum", labels, nlabels);
    put_str(p, sum);
    put(p, "\n", 1);
    series(p, name, "_count", labels, nlabels);
    putf(p, "%llu\n", (unsigned long long)cum);
}
