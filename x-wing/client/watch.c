#include "watch.h"

#include <stdlib.h>
#include <string.h>

void watch_init(struct watch *w, FILE *out, uint64_t every_ms)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->every_ns = (every_ms ? every_ms : 1000) * 1000000u;
    w->next_ns = w->every_ns;
    tally_init(&w->seen);
}

void watch_line(char *buf, size_t cap, const struct tally *interval, double elapsed_s)
{
    size_t n, len;
    struct tally_row *rows = tally_rows_alloc(interval, &n);
    int w = snprintf(buf, cap, "%7.1fs %6llu req", elapsed_s,
                     (unsigned long long)tally_total(interval));
    len = w > 0 ? (size_t)w : 0;
    for (size_t i = 0; i < n && len < cap; i++) {
        w = snprintf(buf + len, cap - len, "  %s %llu", rows[i].value,
                     (unsigned long long)rows[i].count);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    free(rows);
}

static void emit(struct watch *w, const struct run_state *st, double elapsed_s)
{
    struct tally *diff = malloc(sizeof *diff);
    char line[1024];
    if (!diff)
        return;
    tally_since(&st->tally, &w->seen, diff);
    watch_line(line, sizeof line, diff, elapsed_s);
    fprintf(w->out, "%s\n", line);
    fflush(w->out);
    w->seen = st->tally;
    free(diff);
}

int watch_tick(void *ctx, const struct run_state *st)
{
    struct watch *w = ctx;
    while (st->elapsed_ns >= w->next_ns) {
        emit(w, st, (double)w->next_ns / 1e9);
        w->next_ns += w->every_ns;
    }
    return 0;
}

void watch_finish(struct watch *w, const struct run_state *st)
{
    if (tally_total(&st->tally) > tally_total(&w->seen))
        emit(w, st, (double)st->elapsed_ns / 1e9);
}
