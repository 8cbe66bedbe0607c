/* fuzz_options: both programs' option tables. The input's first byte picks
 * rebel-base's config_parse, xwing's options_parse (plain or `serve`), or
 * xwing serve's /tally query parser; the rest, split at NUL bytes, is argv (or
 * name=value pairs). Checks, besides ASan/UBSan: a refusal has a terminated,
 * non-empty one-line reason; an accepted configuration is within its documented
 * bounds (xwing: 1..OPTIONS_MAX_TARGETS targets, c in 1..OPTIONS_MAX_C, a
 * terminated key; rebel-base: terminated document path and served-by).
 * SOURCES: rebel-base/config.c x-wing/cli/options.c x-wing/cli/client_flags.c x-wing/cli/serve_flags.c x-wing/cli/probe_flags.c x-wing/cli/tally_flags.c x-wing/cli/parse.c x-wing/client/client.c x-wing/client/progress.c x-wing/client/watch.c x-wing/core/spec.c x-wing/serve/serve.c x-wing/core/allowlist.c x-wing/core/addrclass.c x-wing/core/gate.c x-wing/core/lookup.c x-wing/core/httpd.c x-wing/core/stop.c x-wing/core/target.c x-wing/core/expect.c x-wing/core/reply.c x-wing/core/tally.c x-wing/core/histogram.c x-wing/core/report.c x-wing/core/outcome.c x-wing/core/run.c x-wing/core/fire.c x-wing/core/fire_threads.c common/opt.c common/log.c common/clock.c common/error.c common/http.c common/listen.c common/head_refusal.c common/mhd_log.c common/line_refusal.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "options.h"
#include "serve.h"
#include "tally_flags.h"

#define MAXARGS 40

static void check_line(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == 0 || n == cap)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    unsigned which = data[0] % 4;
    char *copy = malloc(size);
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    char *argv[MAXARGS + 3];
    int argc = 0;
    argv[argc++] = which == 0 ? (char *)"rebel-base" : (char *)"xwing";
    if (which == 2)
        argv[argc++] = (char *)"serve";
    for (char *p = copy; argc < MAXARGS && p <= copy + (size - 1);
         p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;

    if (which == 0) {
        static struct config cfg;
        struct error err;
        config_defaults(&cfg);
        memset(err.msg, 0, sizeof err.msg);
        enum config_status st = config_parse(&cfg, argc, argv, &err);
        if (st == CONFIG_USAGE)
            check_line(err.msg, sizeof err.msg);
        else if (strnlen(cfg.document, sizeof cfg.document) == sizeof cfg.document ||
                 strnlen(cfg.served_by, sizeof cfg.served_by) == sizeof cfg.served_by)
            abort();
    } else if (which <= 2) {
        static struct options o;
        struct error err;
        memset(err.msg, 0, sizeof err.msg);
        if (options_parse(&o, argc, argv, &err) != 0) {
            check_line(err.msg, sizeof err.msg);
        } else if (o.mode == OPTIONS_RUN) {
            const struct client_options *c = &o.client;
            if (c->ntargets < 1 || c->ntargets > CLIENT_MAX_TARGETS || c->spec.c < 1 ||
                c->spec.c > TALLY_FLAGS_MAX_C || strnlen(c->spec.key, sizeof c->spec.key) == sizeof c->spec.key)
                abort();
            (void)client_interval_ns(c);
        }
    } else {
        /* /tally?name=value&...: pairs from the argv pieces, split at '='. */
        static struct serve_query q;
        char reason[256];
        const char *why = NULL;
        serve_query_init(&q);
        for (int i = 1; i < argc && !why; i++) {
            char *eq = strchr(argv[i], '=');
            if (eq)
                *eq = '\0';
            if ((why = serve_query_arg(&q, argv[i], eq ? eq + 1 : NULL, 1000))) {
                serve_query_explain(reason, sizeof reason, argv[i], eq ? eq + 1 : NULL, why);
                check_line(reason, sizeof reason);
            }
        }
        if (!why && (why = serve_query_done(&q)))
            check_line(why, 256);
        else if (!why && (q.ntargets < 1 || q.ntargets > SERVE_MAX_TARGETS || q.spec.n > 1000 ||
                          q.spec.c > SERVE_MAX_C || q.spec.timeout_ms > SERVE_MAX_TIMEOUT_MS))
            abort();
    }
    free(copy);
    return 0;
}
