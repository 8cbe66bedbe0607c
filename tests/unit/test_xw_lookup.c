/* Unit tests for x-wing/core/lookup: an answer before the deadline is returned,
 * a deadline already past or a name too long for DNS fails at once, and a
 * failed lookup leaves nothing to free. (A lookup that outlives its deadline
 * needs a nameserver that never answers: t_xw_dns_hang.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "clock.h"
#include "lookup.h"

#define SOON (clock_mono_ns() + 10000000000u)

static const struct addrinfo numeric = {
    .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};

static void test_resolved(void **state)
{
    struct addrinfo *res = NULL;
    (void)state;
    assert_int_equal(lookup_by("127.0.0.9", "8080", &numeric, SOON, &res), 0);
    assert_non_null(res);
    assert_int_equal(res->ai_family, AF_INET);
    const struct sockaddr_in *a = (const struct sockaddr_in *)res->ai_addr;
    assert_int_equal(ntohl(a->sin_addr.s_addr), 0x7f000009u);
    assert_int_equal(ntohs(a->sin_port), 8080);
    freeaddrinfo(res);
}

static void test_failed(void **state)
{
    struct addrinfo *res = (struct addrinfo *)&numeric; /* must come back NULL */
    char long_name[300];
    (void)state;
    /* not an address, and AI_NUMERICHOST asks no nameserver: fails at once */
    assert_int_equal(lookup_by("rebel-base", "80", &numeric, SOON, &res), -1);
    assert_null(res);
    /* a deadline already past: no lookup at all, even of an address */
    assert_int_equal(lookup_by("127.0.0.1", "80", &numeric, clock_mono_ns() - 1, &res), -1);
    assert_null(res);
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(lookup_by(long_name, "80", &numeric, SOON, &res), -1);
    assert_null(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolved),
        cmocka_unit_test(test_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
