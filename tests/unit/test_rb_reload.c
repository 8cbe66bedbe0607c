/* Unit tests for rebel-base/reload: change detection and reload outcomes
 * against real files (plain rewrite, rename, kubelet ..data swap, invalid). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "reload.h"

static struct metrics m;

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_key_changed(void **state)
{
    (void)state;
    struct reload_key a = {1, 0, 1, 100, 45, 1000, 1000}, b;
    static const struct { int field; int changed; } cases[] = {
        {0, 0}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        b = a;
        switch (cases[i].field) {
        case 1: b.dev++; break;
        case 2: b.ino++; break;
        case 3: b.size++; break;
        case 4: b.mtime_ns++; break;
        case 5: b.ctime_ns++; break;
        case 6: b.ok = 0, b.err = 2; break;
        }
        assert_int_equal(reload_key_changed(&a, &b), cases[i].changed);
    }
    struct reload_key gone1 = {0, 2, 0, 0, 0, 0, 0}, gone2 = gone1, denied = {0, 13, 0, 0, 0, 0, 0};
    assert_int_equal(reload_key_changed(&gone1, &gone2), 0);
    assert_int_equal(reload_key_changed(&gone1, &denied), 1);
}

static void test_reload_sequence(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_rb_reload.XXXXXX", path[128], tmp[160], v1[64], v2[64], data[128];
    struct document_store st;
    struct log lg = {"test", LOG_TEXT, fopen("/dev/null", "w")};
    struct reload w;
    size_t bytes;
    uint64_t hash, version;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/index.html", dir);
    metrics_init(&m);
    assert_int_equal(document_store_init(&st, "t"), 0);
    reload_init(&w, path, &st, &m, &lg);

    /* Missing: fails once, then waits quietly for the file. */
    assert_int_equal(reload_tick(&w), RELOAD_FAILED);
    assert_int_equal(reload_tick(&w), RELOAD_UNCHANGED);
    assert_int_equal(atomic_load(&m.reloads_failed), 1);

    /* Appears invalid: counted once, retried every tick without counting. */
    put_file(path, "{\"Cluster\": ");
    assert_int_equal(reload_tick(&w), RELOAD_FAILED);
    assert_int_equal(reload_tick(&w), RELOAD_FAILED);
    assert_int_equal(atomic_load(&m.reloads_failed), 2);

    /* Rewritten valid in place: loaded. */
    put_file(path, "{\"Cluster\": \"Koornacht\"}\n");
    assert_int_equal(reload_tick(&w), RELOAD_LOADED);
    document_store_info(&st, &bytes, &hash, &version);
    assert_int_equal(version, 1);
    assert_int_equal(bytes, 25);
    /* Same bytes again (young file re-read): no new version. */
    assert_int_equal(reload_tick(&w), RELOAD_UNCHANGED);

    /* Renamed over: a new inode. */
    snprintf(tmp, sizeof tmp, "%s/new", dir);
    put_file(tmp, "{\"Cluster\": \"Tion\"}\n");
    assert_int_equal(rename(tmp, path), 0);
    assert_int_equal(reload_tick(&w), RELOAD_LOADED);
    assert_int_equal(atomic_load(&m.reloads_ok), 2);

    /* Kubelet layout: index.html -> ..data/index.html, ..data -> ..v1, then a swap to ..v2. */
    unlink(path);
    snprintf(v1, sizeof v1, "%s/..v1", dir);
    snprintf(v2, sizeof v2, "%s/..v2", dir);
    mkdir(v1, 0755);
    mkdir(v2, 0755);
    snprintf(tmp, sizeof tmp, "%s/index.html", v1);
    put_file(tmp, "{\"v\": 1}");
    snprintf(tmp, sizeof tmp, "%s/index.html", v2);
    put_file(tmp, "{\"v\": 2}");
    snprintf(data, sizeof data, "%s/..data", dir);
    assert_int_equal(symlink("..v1", data), 0);
    assert_int_equal(symlink("..data/index.html", path), 0);
    assert_int_equal(reload_tick(&w), RELOAD_LOADED);
    snprintf(tmp, sizeof tmp, "%s/..data_tmp", dir);
    assert_int_equal(symlink("..v2", tmp), 0);
    assert_int_equal(rename(tmp, data), 0);
    assert_int_equal(reload_tick(&w), RELOAD_LOADED);
    document_store_info(&st, &bytes, &hash, &version);
    assert_int_equal(hash, document_hash("{\"v\": 2}", 8));

    /* An invalid swap keeps the served version and counts one failure. */
    uint64_t failed = atomic_load(&m.reloads_failed);
    snprintf(tmp, sizeof tmp, "%s/index.html", v1);
    put_file(tmp, "{\"v\": ");
    snprintf(tmp, sizeof tmp, "%s/..data_tmp", dir);
    assert_int_equal(symlink("..v1", tmp), 0);
    assert_int_equal(rename(tmp, data), 0);
    assert_int_equal(reload_tick(&w), RELOAD_FAILED);
    assert_int_equal(reload_tick(&w), RELOAD_FAILED);
    assert_int_equal(atomic_load(&m.reloads_failed), failed + 1);
    document_store_info(&st, &bytes, &hash, &version);
    assert_int_equal(hash, document_hash("{\"v\": 2}", 8));

    document_store_destroy(&st);
    fclose(lg.out);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_changed),
        cmocka_unit_test(test_reload_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
