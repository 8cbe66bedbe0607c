/* Unit tests for x-wing/core/addrclass: addresses as {text, classes}, and what the
 * allowlist compares and shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addrclass.h"

static void test_classes(void **state)
{
    (void)state;
    enum { LO = ADDRCLASS_LOOPBACK, LL = ADDRCLASS_LINK_LOCAL, MD = ADDRCLASS_METADATA,
           UN = ADDRCLASS_UNSPECIFIED };
    static const struct { const char *addr; unsigned want; } cases[] = {
        {"127.0.0.1", LO}, {"127.255.255.254", LO}, {"::1", LO},
        {"169.254.0.1", LL}, {"169.254.255.255", LL}, {"fe80::1", LL}, {"febf:ffff::1", LL},
        {"169.254.169.254", LL | MD}, {"169.254.170.2", LL | MD},
        {"100.100.100.200", MD}, {"168.63.129.16", MD}, {"fd00:ec2::254", MD}, {"fd20:ce::254", MD},
        {"0.0.0.0", UN}, {"0.1.2.3", UN}, {"::", UN},
        /* IPv4 inside IPv6: mapped, compatible, NAT64 */
        {"::ffff:127.0.0.1", LO}, {"::ffff:169.254.169.254", LL | MD}, {"::127.0.0.1", LO},
        {"64:ff9b::169.254.169.254", LL | MD}, {"64:ff9b::a9fe:a9fe", LL | MD},
        {"::ffff:0.0.0.0", UN},
        /* ordinary addresses: pods, Services, the internet */
        {"10.96.0.10", 0}, {"10.244.1.7", 0}, {"172.18.0.2", 0}, {"192.168.1.1", 0},
        {"8.8.8.8", 0}, {"128.0.0.1", 0}, {"169.253.255.255", 0}, {"169.255.0.1", 0},
        {"1.0.0.0", 0}, {"fec0::1", 0}, {"fe7f::1", 0}, {"fd00::1", 0}, {"2001:db8::1", 0},
        {"::ffff:10.0.0.1", 0}, {"64:ff9b::8.8.8.8", 0}, {"::a00:1", 0},
        {"::2", UN}, /* IPv4-compatible ::0.0.0.2, classed as 0.0.0.2 */
        {"100.100.100.201", 0}, {"169.254.169.254", LL | MD},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_storage ss;
        size_t len;
        if (addrclass_parse(cases[i].addr, 80, &ss, &len))
            fail_msg("%s: not parsed", cases[i].addr);
        unsigned got = addrclass_of((const struct sockaddr *)&ss, len);
        if (got != cases[i].want)
            fail_msg("%s: classes %u, want %u", cases[i].addr, got, cases[i].want);
    }
}

static void test_not_addresses(void **state)
{
    (void)state;
    static const char *const names[] = {
        "rebel-base", "", "127.1", "2130706433", "0x7f.1", "1.2.3.4.5", "[::1]", "::1%lo",
        "localhost", "256.0.0.1",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct sockaddr_storage ss;
        size_t len;
        if (addrclass_parse(names[i], 80, &ss, &len) == 0)
            fail_msg("'%s' taken for an address", names[i]);
    }
    struct sockaddr_storage un = {.ss_family = AF_UNIX};
    assert_int_equal(addrclass_of((const struct sockaddr *)&un, sizeof un), ADDRCLASS_NOT_IP);
    /* too short for its family */
    struct sockaddr_storage v6 = {.ss_family = AF_INET6};
    assert_int_equal(addrclass_of((const struct sockaddr *)&v6, 8), ADDRCLASS_NOT_IP);
}

static void test_same(void **state)
{
    (void)state;
    static const struct { const char *a; unsigned ap; const char *b; unsigned bp; int with_port, want; } cases[] = {
        {"127.0.0.1", 80, "127.0.0.1", 80, 1, 1},
        {"127.0.0.1", 80, "127.0.0.1", 81, 1, 0},
        {"127.0.0.1", 80, "127.0.0.1", 81, 0, 1},
        {"127.0.0.1", 80, "127.0.0.2", 80, 0, 0},
        {"127.0.0.1", 80, "::ffff:127.0.0.1", 80, 1, 1}, /* the same address on the wire */
        {"::ffff:127.0.0.1", 80, "127.0.0.1", 80, 1, 1},
        {"127.0.0.1", 80, "::127.0.0.1", 80, 1, 0},      /* not the same: a v6 address */
        {"::1", 80, "0:0::1", 80, 1, 1},
        {"::1", 80, "127.0.0.1", 80, 0, 0},
        {"fe80::1", 80, "fe80::2", 80, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_storage a, b;
        size_t alen, blen;
        assert_int_equal(addrclass_parse(cases[i].a, (uint16_t)cases[i].ap, &a, &alen), 0);
        assert_int_equal(addrclass_parse(cases[i].b, (uint16_t)cases[i].bp, &b, &blen), 0);
        if (addrclass_same((const struct sockaddr *)&a, alen, (const struct sockaddr *)&b, blen,
                           cases[i].with_port) != cases[i].want)
            fail_msg("case %zu: %s:%u vs %s:%u", i, cases[i].a, cases[i].ap, cases[i].b, cases[i].bp);
    }
}

static void test_words(void **state)
{
    (void)state;
    static const struct { const char *addr; unsigned port; const char *text, *what; } cases[] = {
        {"127.0.0.1", 8080, "127.0.0.1:8080", "a loopback address"},
        {"::1", 80, "[::1]:80", "a loopback address"},
        {"169.254.169.254", 80, "169.254.169.254:80", "a link-local, cloud metadata address"},
        {"0.0.0.0", 1, "0.0.0.0:1", "an unspecified address"},
        {"10.0.0.1", 80, "10.0.0.1:80", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_storage ss;
        size_t len;
        char text[64], what[64];
        assert_int_equal(addrclass_parse(cases[i].addr, (uint16_t)cases[i].port, &ss, &len), 0);
        addrclass_format((const struct sockaddr *)&ss, len, text, sizeof text);
        assert_string_equal(text, cases[i].text);
        addrclass_describe(addrclass_of((const struct sockaddr *)&ss, len), what, sizeof what);
        assert_string_equal(what, cases[i].what);
    }
    char small[12];
    addrclass_describe(ADDRCLASS_LINK_LOCAL | ADDRCLASS_METADATA, small, sizeof small);
    assert_string_equal(small, "a link-loca"); /* cut, terminated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_not_addresses),
        cmocka_unit_test(test_same),
        cmocka_unit_test(test_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
