/* Unit tests for common/http: the JSON error body, every byte of the reason kept,
 * however much escaping costs (six bytes a control byte, the most there is). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

static void test_json_error(void **state)
{
    (void)state;
    static const struct { const char *why, *body; } cases[] = {
        {"not found", "{\"error\":\"not found\"}\n"},
        {"", "{\"error\":\"\"}\n"},
        {"say \"hi\" \\ now", "{\"error\":\"say \\\"hi\\\" \\\\ now\"}\n"},
        {"a\nb", "{\"error\":\"a\\nb\"}\n"},
        {"\x01", "{\"error\":\"\\u0001\"}\n"},
        /* all control bytes: the escaped reason is six times as long, and whole */
        {"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x1f",
         "{\"error\":\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\u0008\\u000b\\u001f\"}\n"},
        {"\"\"\"", "{\"error\":\"\\\"\\\"\\\"\"}\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *body = http_json_error(cases[i].why);
        assert_non_null(body);
        if (strcmp(body, cases[i].body) != 0)
            fail_msg("case %zu: '%s', want '%s'", i, body, cases[i].body);
        free(body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
