/* fuzz_reply: x-wing's reply handling, from what came back to the tally and the
 * report. The input is a run: a tally mode (--by, --key), then outcome records
 * (transport result, status, X-Served-By, address, body, latency), each counted
 * with run_count exactly as a live run does. Checks, besides ASan/UBSan:
 *   - every label is terminated within its buffer and has no control bytes;
 *   - the tally adds up: tally_total == ok + failed == rows summed == records;
 *   - report_json is valid JSON and valid UTF-8 whatever the bodies held, and its
 *     "requests" and rows agree with the records;
 *   - expectations evaluate without crashing and exit codes are 0 or 1.
 * SOURCES: x-wing/core/run.c x-wing/core/reply.c x-wing/core/tally.c x-wing/core/histogram.c x-wing/core/report.c x-wing/core/outcome.c x-wing/core/expect.c x-wing/core/fire.c x-wing/core/fire_threads.c common/clock.c common/opt.c common/log.c common/error.c
 * OPTIONS: -max_len=65536 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "report.h"
#include "run.h"

#define MAX_RECORDS 256

struct in {
    const uint8_t *d;
    size_t n;
};

static unsigned take_u(struct in *in, size_t bytes)
{
    unsigned v = 0;
    for (size_t i = 0; i < bytes; i++) {
        v <<= 8;
        if (in->n) {
            v |= *in->d++;
            in->n--;
        }
    }
    return v;
}

/* A copy of the next len bytes in a buffer of exactly that size, so ASan sees
 * any read past the end (bodies are not NUL-terminated). */
static char *take_bytes(struct in *in, size_t len, int terminate, size_t *got)
{
    if (len > in->n)
        len = in->n;
    if (got)
        *got = len;
    char *p = malloc(len + (terminate ? 1 : 0) + 1);
    memcpy(p, in->d, len);
    if (terminate)
        p[len] = '\0';
    in->d += len;
    in->n -= len;
    return p;
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k;
        unsigned min, cp;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xE0) == 0xC0) k = 1, min = 0x80, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) k = 2, min = 0x800, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) k = 3, min = 0x10000, cp = c & 0x07;
        else return 0;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

static const char *keys[] = {"Cluster", "a.b", "Planet", "a.b.c.d", "x", "0", "Cluster.name", "a..b"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tally t; /* big (per-status rows): keep it off the stack */
    static struct histogram h;
    struct in in = {data, size};
    enum reply_by by = (enum reply_by)(take_u(&in, 1) % 4);
    const char *key = keys[take_u(&in, 1) % (sizeof keys / sizeof *keys)];
    tally_init(&t);
    histogram_init(&h);
    uint64_t records = 0, replies = 0;
    while (in.n && records < MAX_RECORDS) {
        struct fire_outcome o;
        memset(&o, 0, sizeof o);
        o.err = (enum fire_err)(take_u(&in, 1) % 6);
        o.status = (long)(int16_t)take_u(&in, 2);
        unsigned flags = take_u(&in, 1);
        char *served_by = take_bytes(&in, take_u(&in, 1) % 64, 1, NULL);
        char *ip = take_bytes(&in, take_u(&in, 1) % 48, 1, NULL);
        o.latency_us = take_u(&in, 4);
        size_t blen;
        char *body = take_bytes(&in, take_u(&in, 2), 0, &blen);
        o.body = body;
        o.body_len = blen;
        o.served_by = (flags & 1) ? served_by : NULL;
        o.ip = (flags & 2) ? ip : NULL;
        o.detail = "";

        char label[REPLY_LABEL_MAX];
        memset(label, 'Z', sizeof label);
        int ok = run_count(&o, by, key, &t, &h, label, sizeof label);
        size_t ln = strnlen(label, sizeof label);
        if (ln == sizeof label)
            abort(); /* label not terminated */
        for (size_t i = 0; i < ln; i++)
            if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
                abort(); /* control byte in a row label */
        records++;
        replies += (uint64_t)(ok == 1);
        free(served_by);
        free(ip);
        free(body);
    }
    if (tally_total(&t) != records || t.ok + t.failed != records || t.ok != replies)
        abort();
    static struct tally_row rows[TALLY_ROWS_MAX];
    size_t nr = tally_rows(&t, rows, TALLY_ROWS_MAX);
    uint64_t sum = 0;
    for (size_t i = 0; i < nr; i++)
        sum += rows[i].count;
    if (sum != records)
        abort();

    struct expect e;
    struct expect_result er;
    expect_init(&e);
    if (nr && !rows[0].error)
        expect_set_only(&e, rows[0].value);
    expect_evaluate(&e, &t, &er);
    if (expect_exit_code(&er) != 0 && expect_exit_code(&er) != 1)
        abort();
    const char *urls[] = {"http://127.0.0.1:1/"};
    struct report r = {.tally = &t, .latency = &h, .elapsed_s = 1.0, .expect = &er,
                       .urls = urls, .nurls = 1, .by = by, .key = key};
    char *js = report_json(&r);
    if (!js)
        abort();
    if (!utf8_ok((const unsigned char *)js, strlen(js)))
        abort(); /* the JSON report must be UTF-8 whatever the replies held */
    cJSON *root = cJSON_Parse(js);
    if (!root)
        abort();
    cJSON *req = cJSON_GetObjectItemCaseSensitive(root, "requests");
    if (!cJSON_IsNumber(req) || (uint64_t)req->valuedouble != records)
        abort();
    cJSON *jrows = cJSON_GetObjectItemCaseSensitive(root, "rows"), *it;
    uint64_t jsum = 0;
    cJSON_ArrayForEach(it, jrows) jsum += (uint64_t)cJSON_GetObjectItemCaseSensitive(it, "count")->valuedouble;
    if (jsum != records)
        abort();
    cJSON_Delete(root);
    free(js);
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    report_text(devnull, &r);
    return 0;
}
