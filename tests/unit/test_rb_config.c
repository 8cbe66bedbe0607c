/* Unit tests for rebel-base/config: flags and environment, good and bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static enum config_status parse(struct config *c, struct error *err, const char *a1,
                                const char *a2, const char *a3)
{
    char *argv[5] = {(char *)"rebel-base", (char *)a1, (char *)a2, (char *)a3, NULL};
    int argc = 1 + (a1 != NULL) + (a2 != NULL) + (a3 != NULL);
    config_defaults(c);
    return config_parse(c, argc, argv, err);
}

static void test_defaults(void **state)
{
    (void)state;
    struct config c;
    struct error err;
    assert_int_equal(parse(&c, &err, NULL, NULL, NULL), CONFIG_OK);
    assert_string_equal(c.listen.host, "");
    assert_int_equal(c.listen.port, 8080);
    assert_string_equal(c.document, "/etc/rebel-base/index.html");
    assert_int_equal(c.drain_ms, 2000);
    assert_int_equal(c.idle_timeout_ms, 65000);
    assert_int_equal(c.header_timeout_ms, 10000);
    assert_int_equal(c.max_connections, 4096);
    assert_int_equal(c.max_per_ip, 1024);
    assert_int_equal(c.conn_memory, 8192);
    assert_int_equal(c.allow_faults, 0);
    assert_int_equal(c.access_log, 0);
    assert_true(c.served_by[0] != '\0'); /* the host name */
}

static void test_good_values(void **state)
{
    (void)state;
    static const struct { const char *a1, *a2; } cases[] = {
        {"--listen", "127.0.0.1:9000"}, {"--listen=[::1]:80", NULL}, {"-l", ":1"},
        {"--drain", "0"}, {"--drain=500ms", NULL}, {"--grace", "1m"},
        {"--served-by", "pod-7 x"}, {"--log-format", "json"}, {"--threads", "0"},
        {"--threads", "4"}, {"--thread-per-connection", NULL}, {"--max-per-ip", "0"},
        {"--idle-timeout", "65s"}, {"--connection-memory", "64KiB"},
        {"--connection-memory", "4KiB"}, {"--connection-memory", "16MiB"},
        {"--header-timeout", "0"}, {"--header-timeout", "1s"}, {"--header-timeout=1h", NULL},
        {"--watch-interval", "1s"}, {"--allow-faults", NULL}, {"--access-log", NULL},
        {"--document", "/tmp/x.json"}, {"--max-delay", "5s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        struct error err;
        if (parse(&c, &err, cases[i].a1, cases[i].a2, NULL) != CONFIG_OK)
            fail_msg("%s %s: %s", cases[i].a1, cases[i].a2 ? cases[i].a2 : "", err.msg);
    }
    struct config c;
    struct error err;
    assert_int_equal(parse(&c, &err, "--listen", "[::1]:9000", "--allow-faults"), CONFIG_OK);
    assert_string_equal(c.listen.host, "::1");
    assert_int_equal(c.listen.port, 9000);
    assert_int_equal(c.allow_faults, 1);
    assert_int_equal(parse(&c, &err, "--drain=1.5s", "--log-format=json", NULL), CONFIG_OK);
    assert_int_equal(c.drain_ms, 1500);
    assert_int_equal(c.log_format, LOG_JSON);
    assert_int_equal(parse(&c, &err, "--header-timeout", "2.5s", NULL), CONFIG_OK);
    assert_int_equal(c.header_timeout_ms, 2500);
    assert_int_equal(parse(&c, &err, "--header-timeout", "0", NULL), CONFIG_OK);
    assert_int_equal(c.header_timeout_ms, 0);
    /* The documented bounds of --connection-memory are themselves accepted. */
    assert_int_equal(parse(&c, &err, "--connection-memory", "4KiB", NULL), CONFIG_OK);
    assert_int_equal(c.conn_memory, 4096);
    assert_int_equal(parse(&c, &err, "--connection-memory", "16MiB", NULL), CONFIG_OK);
    assert_int_equal(c.conn_memory, 16u << 20);
}

static void test_bad_values(void **state)
{
    (void)state;
    static const struct { const char *a1, *a2, *names; } cases[] = {
        {"--listen", "8080", "--listen: bad value '8080'"},
        {"--listen", "host:65536", "--listen: bad value 'host:65536': port must be 0..65535"},
        {"--listen", "127.0.0.1:21091:99",
         "--listen: bad value '127.0.0.1:21091:99': more than one ':PORT': give one port, as in "
         "host:8080"},
        {"--listen", "::1:8080", "IPv6 addresses need brackets: [::1]:8080"},
        {"--drain", "forever", "--drain: bad value 'forever'"},
        {"--drain", "-1s", "--drain"},
        {"--log-format", "xml", "--log-format: bad value 'xml': expected text or json"},
        {"--threads", "many", "--threads"},
        {"--threads", "1000", "--threads"},
        {"--max-connections", "0", "--max-connections"},
        {"--idle-timeout", "0", "--idle-timeout"},
        {"--header-timeout", "soon", "--header-timeout: bad value 'soon'"},
        {"--header-timeout", "-1s", "--header-timeout"},
        {"--header-timeout", "2h", "--header-timeout: bad value '2h': out of range"},
        {"--header-timeout", NULL, "--header-timeout needs a value"},
        {"--connection-memory", "1k", "--connection-memory"},
        {"--connection-memory", "4095", "--connection-memory: bad value '4095': out of range 4KiB..16MiB"},
        {"--connection-memory", "16777217",
         "--connection-memory: bad value '16777217': out of range 4KiB..16MiB"},
        {"--watch-interval", "5s", "--watch-interval"},
        {"--served-by", "a\nb", "--served-by"},
        {"--served-by", "", "--served-by"},
        {"--document", "", "--document"},
        {"--bogus", NULL, "unknown option '--bogus'"},
        /* -d is xwing's --duration: rebel-base's document is --document only */
        {"-d", "x", "unknown option '-d'"},
        {"--listen", NULL, "--listen needs a value"},
        {"--allow-faults=yes", NULL, "--allow-faults takes no value"},
        {"extra", NULL, "unexpected argument 'extra'"},
        {"one", "two", "unexpected argument 'one'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        struct error err;
        if (parse(&c, &err, cases[i].a1, cases[i].a2, NULL) != CONFIG_USAGE)
            fail_msg("%s %s was accepted", cases[i].a1, cases[i].a2 ? cases[i].a2 : "");
        if (!strstr(err.msg, cases[i].names))
            fail_msg("'%s' does not contain '%s'", err.msg, cases[i].names);
    }
    struct config c;
    struct error err;
    assert_int_equal(parse(&c, &err, "--threads", "2", "--thread-per-connection"), CONFIG_USAGE);
    assert_non_null(strstr(err.msg, "--thread-per-connection"));
}

/* The short options are -l, -h and -V, as --help lists them; every other byte
 * after a '-' is an unknown option, not a flag some table entry answers to by mistake. */
static void test_short_options(void **state)
{
    (void)state;
    for (int ch = 1; ch < 256; ch++) {
        char arg[3] = {'-', (char)ch, '\0'};
        struct config c;
        struct error err;
        enum config_status st = parse(&c, &err, arg, "/tmp/x.json", NULL);
        switch (ch) {
        case 'l': assert_int_equal(st, CONFIG_USAGE); break; /* a listen address, not a path */
        case 'h': case 'V': assert_int_equal(st, CONFIG_USAGE); break; /* no argument */
        case '-': assert_int_equal(st, CONFIG_USAGE); break; /* "--": the path is an argument */
        default:
            if (st != CONFIG_USAGE || !strstr(err.msg, "unknown option"))
                fail_msg("-\\x%02x: status %d '%s'", ch, st, err.msg);
        }
    }
}

static void test_environment(void **state)
{
    (void)state;
    struct config c;
    struct error err;

    setenv("REBEL_BASE_LISTEN", "127.0.0.1:7000", 1);
    setenv("REBEL_BASE_DRAIN", "3s", 1);
    setenv("REBEL_BASE_ALLOW_FAULTS", "true", 1);
    assert_int_equal(parse(&c, &err, "--drain", "1s", NULL), CONFIG_OK);
    assert_int_equal(c.listen.port, 7000);
    assert_int_equal(c.drain_ms, 1000); /* the flag wins */
    assert_int_equal(c.allow_faults, 1);
    unsetenv("REBEL_BASE_ALLOW_FAULTS");
    unsetenv("REBEL_BASE_LISTEN");
    unsetenv("REBEL_BASE_DRAIN");

    setenv("REBEL_BASE_IDLE_TIMEOUT", "soon", 1);
    assert_int_equal(parse(&c, &err, NULL, NULL, NULL), CONFIG_USAGE);
    assert_non_null(strstr(err.msg, "REBEL_BASE_IDLE_TIMEOUT: bad value 'soon'"));
    unsetenv("REBEL_BASE_IDLE_TIMEOUT");

    setenv("REBEL_BASE_HEADER_TIMEOUT", "3s", 1);
    assert_int_equal(parse(&c, &err, NULL, NULL, NULL), CONFIG_OK);
    assert_int_equal(c.header_timeout_ms, 3000);
    assert_int_equal(parse(&c, &err, "--header-timeout", "0", NULL), CONFIG_OK);
    assert_int_equal(c.header_timeout_ms, 0); /* the flag wins */
    setenv("REBEL_BASE_HEADER_TIMEOUT", "later", 1);
    assert_int_equal(parse(&c, &err, NULL, NULL, NULL), CONFIG_USAGE);
    assert_non_null(strstr(err.msg, "REBEL_BASE_HEADER_TIMEOUT: bad value 'later'"));
    unsetenv("REBEL_BASE_HEADER_TIMEOUT");

    setenv("REBEL_BASE_ACCESS_LOG", "perhaps", 1);
    assert_int_equal(parse(&c, &err, NULL, NULL, NULL), CONFIG_USAGE);
    assert_non_null(strstr(err.msg, "REBEL_BASE_ACCESS_LOG"));
    unsetenv("REBEL_BASE_ACCESS_LOG");
}

/* Each switch read from the environment, under every spelling: a false one
 * leaves it off (REBEL_BASE_ALLOW_FAULTS=false must never allow faults), a
 * true one turns it on, and a word that is neither is refused by name. */
static void test_environment_switches(void **state)
{
    (void)state;
    static const char *const off[] = {"0", "false", "no", "off", "FALSE", "No", "OFF"};
    static const char *const on[] = {"1", "true", "yes", "on", "TRUE", "Yes", "ON"};
    static const char *const bad[] = {"2", "y", "disabled", " false"};
    static const char *const names[] = {"REBEL_BASE_ALLOW_FAULTS", "REBEL_BASE_ACCESS_LOG",
                                        "REBEL_BASE_THREAD_PER_CONNECTION"};
    struct config c;
    struct error err;
    for (size_t n = 0; n < 3; n++) {
        for (size_t i = 0; i < 7; i++) {
            int got[2][3];
            for (int want = 0; want < 2; want++) {
                setenv(names[n], want ? on[i] : off[i], 1);
                if (parse(&c, &err, NULL, NULL, NULL) != CONFIG_OK)
                    fail_msg("%s=%s: %s", names[n], want ? on[i] : off[i], err.msg);
                got[want][0] = c.allow_faults;
                got[want][1] = c.access_log;
                got[want][2] = c.thread_per_connection;
                for (size_t k = 0; k < 3; k++)
                    if (got[want][k] != (want && k == n))
                        fail_msg("%s=%s: switch %zu is %d", names[n],
                                 want ? on[i] : off[i], k, got[want][k]);
            }
        }
        for (size_t i = 0; i < 4; i++) {
            char msg[128];
            setenv(names[n], bad[i], 1);
            assert_int_equal(parse(&c, &err, NULL, NULL, NULL), CONFIG_USAGE);
            snprintf(msg, sizeof msg, "%s: bad value '%s': expected true or false", names[n],
                     bad[i]);
            assert_string_equal(err.msg, msg);
        }
        unsetenv(names[n]);
    }
}

/* A variable set but empty is the empty value, as the flag given "" would be:
 * never a silent fall back to the default. */
static void test_environment_empty(void **state)
{
    (void)state;
    static const struct { const char *name, *msg; } cases[] = {
        {"REBEL_BASE_SERVED_BY", "REBEL_BASE_SERVED_BY: bad value '': must not be empty"},
        {"REBEL_BASE_DOCUMENT", "REBEL_BASE_DOCUMENT: bad value '': must not be empty"},
        {"REBEL_BASE_LISTEN", "REBEL_BASE_LISTEN: bad value '': expected HOST:PORT or :PORT"},
        {"REBEL_BASE_DRAIN", "REBEL_BASE_DRAIN: bad value '': expected a duration"},
        {"REBEL_BASE_ACCESS_LOG", "REBEL_BASE_ACCESS_LOG: bad value '': expected true or false"},
    };
    struct config c;
    struct error err;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv(cases[i].name, "", 1);
        assert_int_equal(parse(&c, &err, NULL, NULL, NULL), CONFIG_USAGE);
        if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("%s=: '%s', want '%s'", cases[i].name, err.msg, cases[i].msg);
        unsetenv(cases[i].name);
    }
    /* and the flag says the same */
    assert_int_equal(parse(&c, &err, "--served-by", "", NULL), CONFIG_USAGE);
    assert_string_equal(err.msg, "--served-by: bad value '': must not be empty");
}

/* --help and --version are for the person at the command line: a variable
 * left in a container's environment must not replace the server with help. */
static void test_environment_no_help(void **state)
{
    (void)state;
    static const char *names[] = {"REBEL_BASE_HELP", "REBEL_BASE_VERSION"};
    struct config c;
    struct error err;
    for (size_t i = 0; i < 2; i++) {
        setenv(names[i], "1", 1);
        assert_int_equal(parse(&c, &err, NULL, NULL, NULL), CONFIG_OK);
        assert_int_equal(c.help, 0);
        assert_int_equal(c.version, 0);
        unsetenv(names[i]);
    }
}

static void test_describe_limits(void **state)
{
    (void)state;
    static const struct {
        uint64_t per_ip, header_ms;
        const char *want;
    } cases[] = {
        {1024, 10000, "max 4096 connections, 1024 per client, idle timeout 65s, header timeout "
                      "10000 ms, 8192 B per connection"},
        {0, 10000, "max 4096 connections, unlimited per client, idle timeout 65s, header "
                   "timeout 10000 ms, 8192 B per connection"},
        {1, 0, "max 4096 connections, 1 per client, idle timeout 65s, header timeout off, 8192 B "
               "per connection"},
        {0, 0, "max 4096 connections, unlimited per client, idle timeout 65s, header timeout "
               "off, 8192 B per connection"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        char buf[256];
        config_defaults(&c);
        c.max_per_ip = cases[i].per_ip;
        c.header_timeout_ms = cases[i].header_ms;
        config_describe_limits(&c, buf, sizeof buf);
        assert_string_equal(buf, cases[i].want);
    }
}

static void test_help_version(void **state)
{
    (void)state;
    struct config c;
    struct error err;
    assert_int_equal(parse(&c, &err, "--help", NULL, NULL), CONFIG_EXIT_OK);
    assert_int_equal(c.help, 1);
    assert_int_equal(parse(&c, &err, "-V", NULL, NULL), CONFIG_EXIT_OK);
    assert_int_equal(c.version, 1);
    /* A bad flag wins over --help: the error is what the user needs. */
    assert_int_equal(parse(&c, &err, "--help", "--drain", "x"), CONFIG_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),   cmocka_unit_test(test_good_values),
        cmocka_unit_test(test_bad_values), cmocka_unit_test(test_environment),
        cmocka_unit_test(test_help_version), cmocka_unit_test(test_environment_empty),
        cmocka_unit_test(test_environment_no_help),
        cmocka_unit_test(test_environment_switches), cmocka_unit_test(test_short_options), cmocka_unit_test(test_describe_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
