#include "progress.h"

#include <unistd.h>

#include "fire.h"

void progress_init(struct progress *p, FILE *out, uint64_t total)
{
    p->out = out;
    p->enabled = isatty(fileno(out));
    p->shown = 0;
    p->total = total;
    p->last_ns = 0;
}

int progress_tick(void *ctx, const struct run_state *st)
{
    struct progress *p = ctx;
    const struct tally *t = &st->tally;
    if (!p->enabled || st->elapsed_ns < 1000000000u || st->elapsed_ns - p->last_ns < 200000000u)
        return 0;
    p->last_ns = st->elapsed_ns;
    if (p->total == FIRE_UNLIMITED)
        fprintf(p->out, "\r  %llu done, %llu failed  ", (unsigned long long)tally_total(t),
                (unsigned long long)t->failed);
    else
        fprintf(p->out, "\r  %llu/%llu done, %llu failed  ", (unsigned long long)tally_total(t),
                (unsigned long long)p->total, (unsigned long long)t->failed);
    fflush(p->out);
    p->shown = 1;
    return 0;
}

void progress_end(struct progress *p)
{
    if (p->shown)
        fprintf(p->out, "\r\033[K");
    p->shown = 0;
}
