/* Unit tests for rebel-base/document: validation, reading, swapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "answer.h"
#include "document.h"

static void test_validate_table(void **state)
{
    (void)state;
    static const struct { const char *in; int ok; const char *where; } cases[] = {
        {"{\"Cluster\": \"Koornacht\", \"Planet\": \"N'Zoth\"}\n", 1, NULL},
        {"{}", 1, NULL},
        {"  \n{\"a\":[1,2,{\"b\":null}]}\n\n", 1, NULL},
        {"[1,2,3]", 1, NULL},            /* any JSON value is a document */
        {"\"just a string\"", 1, NULL},
        {"42", 1, NULL},
        {"null", 1, NULL},
        {"", 0, "empty"},
        {" \n\t\r\n", 0, "empty"},
        {"{\"a\":1,}", 0, "line 1 column"},
        {"{\"a\":1}\n{\"b\":2}", 0, "line 2 column 1"},     /* two values */
        {"{\"a\":1} x", 0, "line 1 column 9"},             /* trailing garbage */
        {"{\n  \"a\": 1,\n  \"b\": tru\n}", 0, "line 3"},
        {"{\"Cluster\": \"Koornacht\"", 0, "invalid JSON"},  /* truncated */
        {"<html>nginx</html>", 0, "line 1 column 1"},
        {"\xEF\xBB\xBF{\"Cluster\": \"Tion\"}", 0, "byte order mark"}, /* served as is */
        {"\xEF\xBB\xBF" "7", 0, "byte order mark"}, /* found by fuzz_document: cJSON kept the BOM */
        {" \xEF\xBB\xBF{}", 0, "line 1 column 2"},       /* not at the start: not JSON */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct error err = {0};
        int rc = document_validate(cases[i].in, strlen(cases[i].in), &err);
        if (cases[i].ok) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, -1);
            if (!strstr(err.msg, cases[i].where))
                fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].where);
        }
    }
}

static void test_validate_nul_byte(void **state)
{
    (void)state;
    const char buf[] = "{\"a\":1}\0{}";
    struct error err;
    assert_int_equal(document_validate(buf, sizeof buf - 1, &err), -1);
    assert_non_null(strstr(err.msg, "NUL byte at line 1 column 8"));
}

static char *write_tmp(const char *dir, const char *name, const char *data, size_t len)
{
    char *path;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

static void test_read_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_rb_document.XXXXXX";
    struct error err;
    char *buf, *path;
    size_t len;

    assert_non_null(mkdtemp(dir));
    path = write_tmp(dir, "good.json", "{\"Cluster\":\"Tion\"}\n", 19);
    assert_int_equal(document_read(path, &buf, &len, &err), 0);
    assert_int_equal(len, 19);
    assert_memory_equal(buf, "{\"Cluster\":\"Tion\"}\n", 19);
    assert_int_equal(buf[len], '\0');
    free(buf);
    unlink(path);
    free(path);

    path = write_tmp(dir, "bad.json", "{\n\"a\" 1}", 8);
    assert_int_equal(document_read(path, &buf, &len, &err), -1);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "line 2 column 5"));
    unlink(path);
    free(path);

    path = write_tmp(dir, "empty.json", "", 0);
    assert_int_equal(document_read(path, &buf, &len, &err), -1);
    assert_non_null(strstr(err.msg, "empty document"));
    unlink(path);
    free(path);

    /* Exactly the limit is fine, one byte more is not. */
    size_t big = DOCUMENT_MAX_BYTES;
    char *data = malloc(big + 1);
    assert_non_null(data);
    memset(data, ' ', big + 1);
    data[0] = '[', data[1] = ']';
    path = write_tmp(dir, "limit.json", data, big);
    assert_int_equal(document_read(path, &buf, &len, &err), 0);
    assert_int_equal(len, big);
    free(buf);
    unlink(path);
    free(path);
    path = write_tmp(dir, "over.json", data, big + 1);
    assert_int_equal(document_read(path, &buf, &len, &err), -1);
    assert_non_null(strstr(err.msg, "too large"));
    unlink(path);
    free(path);
    free(data);

    assert_true(asprintf(&path, "%s/missing.json", dir) > 0);
    assert_int_equal(document_read(path, &buf, &len, &err), -1);
    assert_non_null(strstr(err.msg, "No such file"));
    free(path);

    assert_int_equal(document_read(dir, &buf, &len, &err), -1);
    assert_non_null(strstr(err.msg, "is a directory"));
    rmdir(dir);
}

/* Paths that are not regular files are refused by name, and none of them is
 * waited on: open() of a FIFO with no writer blocks for ever, so the alarm
 * turns a hang into a failure (the old code hung here). */
static void test_read_special_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_rb_document.XXXXXX";
    static const struct {
        const char *path; /* NULL: the FIFO, or the socket, made below */
        int fifo, sock;
        const char *want;
    } cases[] = {
        {NULL, 1, 0, "is a FIFO (named pipe), not a regular file"},
        {NULL, 0, 1, "is a socket, not a regular file"},
        {"/dev/null", 0, 0, "is a character device, not a regular file"},
        {"/dev/zero", 0, 0, "is a character device, not a regular file"},
    };
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char fifo[64], sockp[64];
    int sfd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(sockp, sizeof sockp, "%s/sock", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sockp);
    assert_true(sfd >= 0);
    assert_int_equal(bind(sfd, (struct sockaddr *)&sa, sizeof sa), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = cases[i].fifo ? fifo : cases[i].sock ? sockp : cases[i].path;
        struct error err;
        char *buf = NULL;
        size_t len = 0;
        alarm(5);
        assert_int_equal(document_read(path, &buf, &len, &err), -1);
        alarm(0);
        assert_non_null(strstr(err.msg, path));
        if (!strstr(err.msg, cases[i].want))
            fail_msg("%s: got '%s', want '%s'", path, err.msg, cases[i].want);
    }
    close(sfd);
    unlink(sockp);
    unlink(fifo);
    rmdir(dir);
}

static int never_queued(const void *ctx, struct MHD_Response *current)
{
    (void)ctx;
    (void)current;
    fail_msg("queued without a document");
    return MHD_NO;
}

static void test_store_swap(void **state)
{
    (void)state;
    struct document_store st;
    size_t bytes;
    uint64_t hash, version;

    struct answer ans = {.served_by = "pod-1"};

    assert_int_equal(document_store_init(&st, answer_document_response, &ans, &(struct error){0}), 0);
    document_store_info(&st, &bytes, &hash, &version);
    assert_int_equal(version, 0);
    assert_int_equal(document_store_queue(&st, never_queued, NULL), -1); /* nothing to serve yet */

    char *a = strdup("{\"v\":1}");
    assert_int_equal(document_store_swap(&st, a, 7), 1);
    document_store_info(&st, &bytes, &hash, &version);
    assert_int_equal(bytes, 7);
    assert_int_equal(version, 1);
    assert_int_equal(hash, document_hash("{\"v\":1}", 7));
    /* The emitter made the response: the document goes out as JSON, naming the pod. */
    assert_string_equal(MHD_get_response_header(st.current, "Content-Type"), "application/json");
    assert_string_equal(MHD_get_response_header(st.current, "X-Served-By"), "pod-1");

    char *b = strdup("{\"v\":22}");
    assert_int_equal(document_store_swap(&st, b, 8), 2);
    document_store_info(&st, &bytes, &hash, &version);
    assert_int_equal(bytes, 8);
    assert_int_equal(version, 2);
    assert_true(hash != document_hash("{\"v\":1}", 7));
    document_store_destroy(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_table),
        cmocka_unit_test(test_validate_nul_byte),
        cmocka_unit_test(test_read_files),
        cmocka_unit_test(test_read_special_files),
        cmocka_unit_test(test_store_swap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
