#include "tally_flags.h"

#include <stdio.h>

#include "parse.h"
#include "reply.h"

static const char *apply_expect(struct expect *e, int id, const char *v)
{
    switch (id) {
    case TALLY_FLAG_EXPECT_ONLY: return expect_set_only(e, v);
    case TALLY_FLAG_EXPECT_ALL: return expect_set_all(e, v);
    case TALLY_FLAG_EXPECT_FAIL: return expect_set_fail(e);
    case TALLY_FLAG_MIN_SUCCESS: return expect_set_min_success(e, v);
    }
    return "unknown option";
}

const char *tally_flags_apply(struct tally_flags *f, int id, const char *v)
{
    struct spec *s = f->spec;
    const char *why;
    uint64_t u;

    switch (id) {
    case TALLY_FLAG_N:
        f->n_set = 1;
        return opt_uint_in(v, 1, TALLY_FLAGS_MAX_N, &s->n, f->why);
    case TALLY_FLAG_C:
        if ((why = opt_uint_in(v, 1, TALLY_FLAGS_MAX_C, &u, f->why)))
            return why;
        s->c = (unsigned)u;
        return NULL;
    case TALLY_FLAG_TIMEOUT: return parse_positive_duration(v, &s->timeout_ms);
    case TALLY_FLAG_CONNECT_TIMEOUT: return parse_positive_duration(v, &s->connect_timeout_ms);
    case TALLY_FLAG_KEY:
        if ((why = reply_key_check(v)))
            return why;
        f->key_set = 1;
        snprintf(s->key, sizeof s->key, "%s", v);
        return NULL;
    case TALLY_FLAG_BY: return reply_by_parse(v, &s->by) ? "expected key, pod, ip or body" : NULL;
    case TALLY_FLAG_MAX_BODY:
        if ((why = opt_parse_size(v, &s->max_body)))
            return why;
        return (s->max_body < 1 || s->max_body > TALLY_FLAGS_MAX_BODY) ? "must be 1..64MiB" : NULL;
    }
    return apply_expect(f->expect, id, v);
}

const char *tally_flags_check(const struct tally_flags *f)
{
    if (f->expect->mode == EXPECT_FAIL && f->expect->has_min)
        return "--min-success makes no sense with --expect-fail";
    if (f->key_set && f->spec->by != REPLY_BY_KEY)
        return "--key applies to --by key only";
    return NULL;
}

int tally_flags_targets(struct target *targets, char **pos, size_t npos, const char *prefix,
                        struct error *err)
{
    char shown[TALLY_FLAGS_SHOWN];
    for (size_t i = 0; i < npos; i++) {
        const char *why = target_parse(pos[i], &targets[i]);
        if (why)
            return parse_refuse(err, prefix, "bad target '%s': %s",
                                opt_shown(shown, sizeof shown, pos[i]), why);
    }
    return 0;
}
