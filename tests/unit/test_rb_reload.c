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

#include "answer.h"
#include "reload.h"

static struct metrics m;

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The emitter that builds the store's responses: only its served_by is used. */
static struct answer ans = {.served_by = "t"};

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
    assert_int_equal(document_store_init(&st, answer_document_response, &ans, &(struct error){0}), 0);
    reload_init(&w, path, &st, &m, &lg);

    /* Missing: fails once, then waits quietly for the file. */
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_FAILED);
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_UNCHANGED);
    assert_int_equal(atomic_load(&m.reloads_failed), 1);

    /* Appears invalid: counted once, retried every tick without counting. */
    put_file(path, "{\"Cluster\": ");
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_FAILED);
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_FAILED);
    assert_int_equal(atomic_load(&m.reloads_failed), 2);

    /* Rewritten valid in place: loaded. */
    put_file(path, "{\"Cluster\": \"Koornacht\"}\n");
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_LOADED);
    document_store_info(&st, &bytes, &hash, &version);
    assert_int_equal(version, 1);
    assert_int_equal(bytes, 25);
    /* Same bytes again (young file re-read): no new version. */
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_UNCHANGED);

    /* Renamed over: a new inode. */
    snprintf(tmp, sizeof tmp, "%s/new", dir);
    put_file(tmp, "{\"Cluster\": \"Tion\"}\n");
    assert_int_equal(rename(tmp, path), 0);
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_LOADED);
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
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_LOADED);
    snprintf(tmp, sizeof tmp, "%s/..data_tmp", dir);
    assert_int_equal(symlink("..v2", tmp), 0);
    assert_int_equal(rename(tmp, data), 0);
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_LOADED);
    document_store_info(&st, &bytes, &hash, &version);
    assert_int_equal(hash, document_hash("{\"v\": 2}", 8));

    /* An invalid swap keeps the served version and counts one failure. */
    uint64_t failed = atomic_load(&m.reloads_failed);
    snprintf(tmp, sizeof tmp, "%s/index.html", v1);
    put_file(tmp, "{\"v\": ");
    snprintf(tmp, sizeof tmp, "%s/..data_tmp", dir);
    assert_int_equal(symlink("..v1", tmp), 0);
    assert_int_equal(rename(tmp, data), 0);
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_FAILED);
    assert_int_equal(reload_tick(&w, &clock_system), RELOAD_FAILED);
    assert_int_equal(atomic_load(&m.reloads_failed), failed + 1);
    document_store_info(&st, &bytes, &hash, &version);
    assert_int_equal(hash, document_hash("{\"v\": 2}", 8));

    document_store_destroy(&st);
    fclose(lg.out);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A new watcher has tried nothing: its first tick loads, and its first
 * failure is logged whatever the cause. */
static void test_init_state(void **state)
{
    (void)state;
    struct reload w;
    struct log lg = {"test", LOG_TEXT, stderr};

    memset(&w, 0xA5, sizeof w);
    reload_init(&w, "/nonexistent", NULL, NULL, &lg);
    assert_string_equal(w.path, "/nonexistent");
    assert_false(w.tried);
    assert_false(w.last_failed);
    assert_string_equal(w.last_error, "");
    assert_false(w.last.ok);
}

static void test_key_young(void **state)
{
    (void)state;
    const uint64_t s = 1000000000ull, now = 1800000000ull * s;
    static const struct {
        int ok;
        int64_t mtime_ago_ms, ctime_ago_ms;
        int young;
    } cases[] = {
        {1, 0, 0, 1},         /* just written */
        {1, 1999, 5000, 1},   /* mtime under 2 s old */
        {1, 5000, 1999, 1},   /* ctime under 2 s old (renamed in) */
        {1, 2000, 2000, 0},   /* both 2 s old: a same-tick rewrite can no longer come */
        {1, 60000, 60000, 0}, /* old */
        {0, 0, 0, 0},         /* missing: nothing to re-read */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct reload_key k = {.ok = cases[i].ok,
                               .mtime_ns = (int64_t)now - cases[i].mtime_ago_ms * 1000000,
                               .ctime_ns = (int64_t)now - cases[i].ctime_ago_ms * 1000000};
        if (reload_key_young(&k, now) != cases[i].young)
            fail_msg("case %zu: young %d", i, !cases[i].young);
    }
}

/* A fake clock: monotonic time advances 3 ms per reading; the wall clock
 * stands where the test puts it. */
static uint64_t fake_mono, fake_wall;
static uint64_t fake_mono_ns(void)
{
    return fake_mono += 3000000;
}
static uint64_t fake_wall_ns(void)
{
    return fake_wall;
}

static void test_reload_clock(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_rb_reload.XXXXXX", path[128];
    const struct clock fake = {fake_mono_ns, fake_wall_ns};
    struct document_store st;
    struct log lg = {"test", LOG_TEXT, fopen("/dev/null", "w")};
    struct reload w;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/index.html", dir);
    put_file(path, "{\"Cluster\": \"Tion\"}\n");
    metrics_init(&m);
    assert_int_equal(document_store_init(&st, answer_document_response, &ans, &(struct error){0}), 0);
    reload_init(&w, path, &st, &m, &lg);
    /* The load is timed and dated by the clock it is given, not the system's. */
    fake_wall = clock_wall_ns() + 3600000000000ull + 123456;
    assert_int_equal(reload_tick(&w, &fake), RELOAD_LOADED);
    assert_int_equal(atomic_load(&m.doc_load_ns), 3000000);
    assert_int_equal(atomic_load(&m.doc_loaded_unix_ms), fake_wall / 1000000);
    /* To that clock the file, written just now, is an hour old: not re-read
     * (a read would be timed, moving the monotonic clock). */
    uint64_t before = fake_mono;
    assert_int_equal(reload_tick(&w, &fake), RELOAD_UNCHANGED);
    assert_int_equal(fake_mono, before);
    /* To a clock at the real time it is young: re-read, the same bytes. */
    fake_wall = clock_wall_ns();
    assert_int_equal(reload_tick(&w, &fake), RELOAD_UNCHANGED);
    assert_true(fake_mono > before);
    assert_int_equal(atomic_load(&m.reloads_ok), 1);
    document_store_destroy(&st);
    fclose(lg.out);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_state),
        cmocka_unit_test(test_key_changed),
        cmocka_unit_test(test_key_young),
        cmocka_unit_test(test_reload_clock),
        cmocka_unit_test(test_reload_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
