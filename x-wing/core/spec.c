#include "spec.h"

void spec_defaults(struct spec *s)
{
    *s = (struct spec){
        .n = 10,
        .c = 1,
        .timeout_ms = 2000,
        .by = REPLY_BY_KEY,
        .key = "Cluster",
        .max_body = 64 * 1024,
    };
}

struct run_config spec_run_config(const struct spec *s, const char *const *urls, size_t nurls)
{
    return (struct run_config){
        .fire = {.urls = urls, .nurls = nurls, .n = s->n, .c = s->c,
                 .timeout_ms = s->timeout_ms, .connect_timeout_ms = s->connect_timeout_ms,
                 .max_body = (size_t)s->max_body},
        .by = s->by,
        .key = s->key,
    };
}
