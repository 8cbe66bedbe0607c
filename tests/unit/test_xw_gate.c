/* Unit tests for x-wing/core/gate: the 403 reasons for targets as {patterns,
 * target, reason}, and fire with gate_admit against a real listening socket:
 * a refused address is never connected to, an allowed one is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "allowlist.h"
#include "clock.h"
#include "fire.h"
#include "gate.h"
#include "target.h"

#define LAB NULL

static struct allowlist *list_of(const char *patterns, int link_local)
{
    struct allowlist *l = calloc(1, sizeof *l);
    assert_non_null(l);
    if (patterns == LAB)
        allowlist_defaults(l);
    else if (allowlist_add(l, patterns))
        fail_msg("'%s' refused", patterns);
    l->link_local = link_local;
    return l;
}

static void test_targets(void **state)
{
    (void)state;
    static const struct { const char *patterns; int link_local; const char *target, *why; } cases[] = {
        {LAB, 0, "127.0.0.1:9",
         "target '127.0.0.1:9' is not on the allowlist: allow it with --allow-target 127.0.0.1:9"},
        {LAB, 0, "evil.example/x?y",
         "target 'evil.example:80' is not on the allowlist: allow it with --allow-target evil.example:80"},
        {LAB, 0, "[::1]:80",
         "target '[::1]:80' is not on the allowlist: allow it with --allow-target [::1]:80"},
        {LAB, 0, "169.254.169.254",
         "target '169.254.169.254:80' is not on the allowlist: allow it with --allow-link-local "
         "and --allow-target 169.254.169.254:80"},
        {LAB, 1, "169.254.169.254",
         "target '169.254.169.254:80' is not on the allowlist: allow it with --allow-target "
         "169.254.169.254:80"},
        {LAB, 0, "rebel-base:8080",
         "target 'rebel-base:8080' is not on the allowlist: allow it with --allow-target rebel-base:8080"},
        {"*", 0, "127.0.0.1:9",
         "target '127.0.0.1:9' resolves to 127.0.0.1:9, a loopback address: allow it with "
         "--allow-target 127.0.0.1:9"},
        {"*", 0, "169.254.169.254",
         "target '169.254.169.254:80' resolves to 169.254.169.254:80, a link-local, cloud metadata "
         "address: allow it with --allow-link-local and --allow-target 169.254.169.254:80"},
        {"*", 1, "[::ffff:169.254.169.254]",
         "target '[::ffff:169.254.169.254]:80' resolves to [::ffff:169.254.169.254]:80, a "
         "link-local, cloud metadata address: allow it with --allow-target "
         "[::ffff:169.254.169.254]:80"},
        {"*", 0, "0.0.0.0:8080",
         "target '0.0.0.0:8080' resolves to 0.0.0.0:8080, an unspecified address: allow it with "
         "--allow-target 0.0.0.0:8080"},
        {"localhost", 0, "localhost:8080", /* /etc/hosts: a name allowed, its address not */
         "target 'localhost:8080' resolves to "},
        {"127.0.0.1:9", 0, "127.0.0.1:9", NULL},
        {"127.0.0.1", 0, "127.0.0.1:9", NULL},
        {"10.0.0.1", 0, "10.0.0.1", NULL},
        {"169.254.169.254", 1, "169.254.169.254", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct allowlist *l = list_of(cases[i].patterns, cases[i].link_local);
        struct target t;
        char why[768] = "";
        assert_null(target_parse(cases[i].target, &t));
        int rc = gate_target(l, &t, clock_mono_ns() + 10000000000u, why, sizeof why);
        if (!cases[i].why && rc != 0)
            fail_msg("case %zu: %s refused: %s", i, cases[i].target, why);
        if (cases[i].why && (rc != -1 || strncmp(why, cases[i].why, strlen(cases[i].why)) != 0))
            fail_msg("case %zu: %s: rc %d, '%s', want '%s'", i, cases[i].target, rc, why,
                     cases[i].why);
        free(l);
    }
}

/* A socket listening on 127.0.0.1, port picked by the kernel, never accepting
 * by itself: a connection made to it waits in its queue. */
static int listener(uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* How many connections wait in the listener's queue (taken and closed). */
static int connections(int fd)
{
    int n = 0, c;
    while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
        close(c);
        n++;
    }
    return n;
}

struct seen {
    enum fire_err err;
    char detail[256];
};

static void on_done(void *ctx, const struct fire_outcome *o)
{
    struct seen *s = ctx;
    s->err = o->err;
    snprintf(s->detail, sizeof s->detail, "%s", o->detail);
}

/* One request to url through fire, with l (NULL: no admit hook), at most 300 ms. */
static struct seen fire_one(const char *url, const struct allowlist *l)
{
    const char *urls[] = {url};
    struct fire_config cfg = {.urls = urls, .nurls = 1, .n = 1, .c = 1, .timeout_ms = 300,
                              .max_body = 1024, .admit = l ? gate_admit : NULL, .admit_ctx = l};
    struct seen s = {.err = FIRE_OTHER};
    struct error err;
    assert_int_equal(fire_run(&cfg, on_done, NULL, &s, &err), 0);
    return s;
}

static void test_fire_connects_only_when_admitted(void **state)
{
    (void)state;
    uint16_t port;
    int fd = listener(&port);
    char url[64], allow[32], want[160];
    struct allowlist *lab = list_of(LAB, 0);

    snprintf(url, sizeof url, "http://127.0.0.1:%u/", (unsigned)port);
    struct seen s = fire_one(url, lab);
    assert_int_equal(s.err, FIRE_BLOCKED);
    snprintf(want, sizeof want, "refused 127.0.0.1:%u, a loopback address: allow it with "
             "--allow-target 127.0.0.1:%u", (unsigned)port, (unsigned)port);
    assert_string_equal(s.detail, want);
    assert_int_equal(connections(fd), 0);

    /* a name libcurl resolves itself (to 127.0.0.1 and ::1): held to the same
     * rule at connect time, whatever any earlier lookup said */
    snprintf(url, sizeof url, "http://localhost:%u/", (unsigned)port);
    assert_int_equal(fire_one(url, lab).err, FIRE_BLOCKED);
    assert_int_equal(connections(fd), 0);

    snprintf(allow, sizeof allow, "127.0.0.1:%u", (unsigned)port);
    struct allowlist *named = list_of(allow, 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", (unsigned)port);
    assert_int_equal(fire_one(url, named).err, FIRE_TIMEOUT); /* connected; no answer */
    assert_int_equal(connections(fd), 1);

    assert_int_equal(fire_one(url, NULL).err, FIRE_TIMEOUT); /* the command line: no hook */
    assert_int_equal(connections(fd), 1);
    free(lab);
    free(named);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_fire_connects_only_when_admitted),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
