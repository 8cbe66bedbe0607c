/* fuzz_document: rebel-base's document loader and validator, and the swap of
 * the served version. The input is a candidate ConfigMap file. Checks, besides
 * ASan/UBSan:
 *   - document_validate and document_read agree (read = size check + validate);
 *   - a refusal comes with a terminated, non-empty reason;
 *   - whatever the validator accepts, cJSON parses (rebel-base never serves a
 *     body its own JSON library would reject), and it is never empty;
 *   - an accepted document swapped into the store is reported with its exact
 *     size and hash, and the version number counts up.
 * SOURCES: rebel-base/document.c common/error.c
 * OPTIONS: -max_len=131072 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "document.h"

static struct document_store store;
static int store_ready;
static uint64_t swaps;

static void check_err(const struct error *e)
{
    size_t n = strnlen(e->msg, sizeof e->msg);
    if (n == 0 || n == sizeof e->msg)
        abort();
}

/* The store's responses, without the server's headers. */
static struct MHD_Response *respond(void *ctx, char *buf, size_t len)
{
    (void)ctx;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!r)
        free(buf);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store_ready) {
        if (document_store_init(&store, respond, NULL, &(struct error){0}) != 0)
            abort();
        store_ready = 1;
    }
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    struct error err;
    memset(&err, 0, sizeof err);
    int v = document_validate(buf, size, &err);
    if (v != 0) {
        check_err(&err);
    } else {
        cJSON *j = cJSON_ParseWithLength(buf, size);
        if (!j || size == 0)
            abort(); /* accepted something cJSON cannot parse */
        cJSON_Delete(j);
    }

    /* The same bytes through the file path. */
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("doc", MFD_CLOEXEC);
    if (fd >= 0 && ftruncate(fd, 0) == 0) {
        if (pwrite(fd, data, size, 0) == (ssize_t)size) {
            char path[64];
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
            char *rb = NULL;
            size_t rlen = 0;
            struct error rerr;
            memset(&rerr, 0, sizeof rerr);
            int r = document_read(path, &rb, &rlen, &rerr);
            if (r != v)
                abort(); /* read and validate disagree about the same bytes */
            if (r == 0) {
                if (rlen != size || memcmp(rb, data, size) != 0 || rb[rlen] != '\0')
                    abort();
                uint64_t before_version;
                size_t b;
                uint64_t hh;
                document_store_info(&store, &b, &hh, &before_version);
                uint64_t ver = document_store_swap(&store, rb, rlen); /* takes rb */
                if (ver == 0 || ver != before_version + 1)
                    abort();
                document_store_info(&store, &b, &hh, &ver);
                if (b != size || hh != document_hash((const char *)data, size))
                    abort();
                swaps++;
            } else {
                check_err(&rerr);
                free(rb);
            }
        }
    }
    free(buf);
    return 0;
}
