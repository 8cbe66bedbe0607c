/* Unit tests for x-wing/core/allowlist: {patterns, target} -> allowed by name, and
 * {patterns, flags, address} -> refused or not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addrclass.h"
#include "allowlist.h"

#define LAB NULL /* the defaults */

/* A fresh list of patterns (comma-separated; LAB for the defaults, "" for
 * none). */
static struct allowlist *list_of(const char *patterns, int link_local, int open)
{
    struct allowlist *l = calloc(1, sizeof *l);
    assert_non_null(l);
    if (patterns == LAB)
        allowlist_defaults(l);
    else if (*patterns && allowlist_add(l, patterns))
        fail_msg("'%s' refused", patterns);
    l->link_local = link_local;
    l->open = open;
    return l;
}

static void test_names(void **state)
{
    (void)state;
    static const struct { const char *patterns, *host; unsigned port; int want; } cases[] = {
        {LAB, "rebel-base", 80, 1},
        {LAB, "REBEL-BASE", 80, 1},
        {LAB, "rebel-base", 8080, 0},
        {LAB, "rebel-base.default.svc.cluster.local", 80, 1},
        {LAB, "rebel-base.lab.svc.clusterset.local", 80, 1},
        {LAB, "rebel-base-headless", 8080, 1},
        {LAB, "rebel-base-headless", 80, 0},
        {LAB, "rebel-base-headless.default.svc.cluster.local", 8080, 1},
        {LAB, "rebel-base.svc.cluster.local", 80, 0},
        {LAB, "rebel-base.default.svc.cluster.local.evil.example", 80, 0},
        {LAB, "evil.rebel-base.default.svc.cluster.local", 80, 0},
        {LAB, "rebel-basex", 80, 0},
        {LAB, "rebel-base.", 80, 0},
        {LAB, "rebel-base.default.svc", 80, 0},
        {LAB, "kubernetes.default.svc.cluster.local", 443, 0},
        {LAB, "127.0.0.1", 80, 0},
        {LAB, "169.254.169.254", 80, 0},
        {LAB, "::1", 80, 0},
        {"*.svc.cluster.local", "a.b.svc.cluster.local", 9, 1},
        {"*.svc.cluster.local", "svc.cluster.local", 9, 0},
        {"*.svc.cluster.local", "a.svc.cluster.localx", 9, 0},
        {"10.0.*:80", "10.0.3.4", 80, 1},
        {"10.0.*:80", "10.0.3.4", 81, 0},
        {"?.example", "a.example", 80, 1},
        {"?.example", "ab.example", 80, 0},
        {"a*b*c", "aXbYc", 80, 1},
        {"a*b*c", "aXbY", 80, 0},
        {"**a", "bbba", 80, 1},
        {"*", "anything.at.all", 1, 1},
        {"127.0.0.1", "127.0.0.1", 12345, 1},
        {"127.0.0.1", "127.1", 80, 0},          /* an address pattern matches addresses only */
        {"127.0.0.1", "localhost", 80, 0},
        {"127.0.0.1:80", "::ffff:127.0.0.1", 80, 1},
        {"[::1]:80", "::1", 80, 1},
        {"[::1]:80", "0::1", 80, 1},
        {"[::1]:80", "::1", 81, 0},
        {"a, b ,c:9", "b", 1, 1},
        {"a, b ,c:9", "c", 9, 1},
        {"a, b ,c:9", "c", 8, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct allowlist *l = list_of(cases[i].patterns, 0, 0);
        if (allowlist_name(l, cases[i].host, (uint16_t)cases[i].port) != cases[i].want)
            fail_msg("case %zu: %s:%u under '%s': want %d", i, cases[i].host, cases[i].port,
                     cases[i].patterns ? cases[i].patterns : "(lab)", cases[i].want);
        free(l);
    }
    struct allowlist *open = list_of("", 0, 1); /* the probe's: names are its operator's */
    assert_true(allowlist_name(open, "169.254.169.254", 80));
    free(open);
}

static void test_addresses(void **state)
{
    (void)state;
    enum { LO = ADDRCLASS_LOOPBACK, LL = ADDRCLASS_LINK_LOCAL, MD = ADDRCLASS_METADATA };
    static const struct {
        const char *patterns;
        int link_local, open;
        const char *addr;
        unsigned port, want; /* 0: may connect; else the classes that refuse it */
    } cases[] = {
        {LAB, 0, 0, "10.96.0.10", 80, 0},
        {LAB, 0, 0, "10.244.1.7", 8080, 0},
        {LAB, 0, 0, "127.0.0.1", 80, LO},
        {LAB, 0, 0, "::1", 80, LO},
        {LAB, 0, 0, "::ffff:127.0.0.1", 80, LO},
        {LAB, 0, 0, "169.254.169.254", 80, LL | MD},
        {LAB, 0, 0, "100.100.100.200", 80, MD},
        {LAB, 1, 0, "169.254.169.254", 80, LL | MD}, /* the flag alone names no address */
        {"127.0.0.1:8080", 0, 0, "127.0.0.1", 8080, 0},
        {"127.0.0.1:8080", 0, 0, "::ffff:127.0.0.1", 8080, 0},
        {"127.0.0.1:8080", 0, 0, "127.0.0.1", 8081, LO},
        {"127.0.0.1:8080", 0, 0, "127.0.0.2", 8080, LO},
        {"127.0.0.1", 0, 0, "127.0.0.1", 1, 0},
        {"*", 0, 0, "127.0.0.1", 80, LO},          /* a glob never opens one */
        {"127.*", 0, 0, "127.0.0.1", 80, LO},
        {"169.254.169.254", 0, 0, "169.254.169.254", 80, LL | MD},
        {"169.254.169.254", 1, 0, "169.254.169.254", 80, 0},
        {"*", 1, 0, "169.254.1.1", 80, LL},
        {"[fe80::1]", 0, 0, "fe80::1", 80, LL},
        {"[fe80::1]", 1, 0, "fe80::1", 80, 0},
        {"100.100.100.200:80", 0, 0, "100.100.100.200", 80, 0},
        {"", 0, 1, "127.0.0.1", 80, 0},              /* the probe: loopback is its business */
        {"", 0, 1, "100.100.100.200", 80, 0},
        {"", 0, 1, "169.254.169.254", 80, LL | MD},
        {"", 0, 1, "fe80::1", 80, LL},
        {"", 1, 1, "169.254.169.254", 80, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct allowlist *l = cases[i].open ? calloc(1, sizeof *l)
                                            : list_of(cases[i].patterns, 0, 0);
        struct sockaddr_storage ss;
        size_t len;
        l->link_local = cases[i].link_local;
        l->open = cases[i].open;
        assert_int_equal(addrclass_parse(cases[i].addr, (uint16_t)cases[i].port, &ss, &len), 0);
        unsigned got = allowlist_address(l, (const struct sockaddr *)&ss, len);
        if (got != cases[i].want)
            fail_msg("case %zu: %s:%u: %u, want %u", i, cases[i].addr, cases[i].port, got,
                     cases[i].want);
        free(l);
    }
    struct allowlist *any = list_of("*", 1, 1);
    struct sockaddr_storage un = {.ss_family = AF_UNIX};
    assert_int_equal(allowlist_address(any, (const struct sockaddr *)&un, sizeof un),
                     ADDRCLASS_NOT_IP);
    free(any);
}

static void test_bad_patterns(void **state)
{
    (void)state;
    static const struct { const char *in, *why; } cases[] = {
        {"", "empty pattern"},
        {" ", "empty pattern"},
        {"a,", "empty pattern"},
        {",a", "empty pattern"},
        {"a,,b", "empty pattern"},
        {":80", "empty host"},
        {"a:", "port must be 1..65535 (leave it out for any port)"},
        {"a:0", "port must be 1..65535"},
        {"a:65536", "port must be 1..65535"},
        {"a:123456", "port must be 1..65535"},
        {"a:8x", "port must be 1..65535"},
        {"host:80:81", "more than one ':PORT'"},
        {"::1", "IPv6 addresses need brackets"},
        {"[::1", "missing ']'"},
        {"[::1]x", "expected ':' after ']'"},
        {"[::1]:", "port must be 1..65535"},
        {"[rebel-base]", "expected an IPv6 address in brackets"},
        {"[127.0.0.1]", "expected an IPv6 address in brackets"},
        {"http://rebel-base", "without a scheme"},
        {"rebel-base/x", "bad character in host pattern"},
        {"a b", "bad character in host pattern"},
        {"[a-z]", "expected an IPv6 address in brackets"},
        {"us\xc3\xa9r", "bad character in host pattern"},
        {"user@host", "bad character in host pattern"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct allowlist *l = calloc(1, sizeof *l);
        const char *why = allowlist_add(l, cases[i].in);
        if (!why || !strstr(why, cases[i].why))
            fail_msg("'%s': '%s', want '%s'", cases[i].in, why ? why : "(accepted)", cases[i].why);
        free(l);
    }
    static char longest[TARGET_HOST_MAX + 1];
    struct allowlist *l = calloc(1, sizeof *l);
    memset(longest, 'a', TARGET_HOST_MAX - 1);
    assert_null(allowlist_add(l, longest));
    longest[TARGET_HOST_MAX - 1] = 'a';
    assert_string_equal(allowlist_add(l, longest), "host pattern too long");
    assert_string_equal(allowlist_add(l, "x,y,a/b"), "bad character in host pattern: letters, "
                                                     "digits, '-', '.', '_', '*', '?'");
    assert_int_equal(l->n, 3); /* those before the bad one */
    free(l);
}

static void test_describe(void **state)
{
    (void)state;
    char buf[600], small[16];
    struct allowlist *l = list_of(LAB, 0, 0);
    allowlist_describe(l, buf, sizeof buf);
    assert_string_equal(buf, "rebel-base:80, rebel-base.*.svc.cluster.local:80, "
                             "rebel-base.*.svc.clusterset.local:80, rebel-base-headless:8080, "
                             "rebel-base-headless.*.svc.cluster.local:8080");
    allowlist_describe(l, small, sizeof small);
    assert_string_equal(small, "rebel-base:8...");
    free(l);
    l = list_of("A.Example, [::1]:80, 10.0.0.1", 1, 0);
    allowlist_describe(l, buf, sizeof buf);
    assert_string_equal(buf, "a.example, [::1]:80, 10.0.0.1; link-local allowed");
    free(l);
    /* blanks around each pattern, one or many, are not part of it */
    l = list_of("   a.example   ,b.example  ,  [::1]:80   ", 0, 0);
    allowlist_describe(l, buf, sizeof buf);
    assert_string_equal(buf, "a.example, b.example, [::1]:80");
    free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_bad_patterns),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
