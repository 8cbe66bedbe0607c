#include "document.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
    *line = 1, *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n')
            ++*line, *col = 1;
        else
            ++*col;
    }
}

int document_validate(const char *buf, size_t len, struct error *err)
{
    const char *end = NULL;
    const char *nul = memchr(buf, '\0', len);
    size_t line, col, i;

    for (i = 0; i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'); i++)
        ;
    if (i == len)
        return error_set(err, "document", "empty document (%zu bytes of whitespace)", len);
    /* cJSON skips a leading BOM only when more than 4 bytes follow it, and the body
     * would go out with it: RFC 8259 (8.1) forbids one in JSON sent over a network. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        return error_set(err, "document",
                         "starts with a UTF-8 byte order mark, which JSON sent over a network "
                         "must not have (RFC 8259, 8.1): save the file without it");
    if (nul) {
        line_col(buf, (size_t)(nul - buf), &line, &col);
        return error_set(err, "document", "NUL byte at line %zu column %zu (offset %zu)", line,
                         col, (size_t)(nul - buf));
    }
    /* With require_null_terminated cJSON refuses anything after the value
     * and its whitespace; it wants the terminating NUL inside the length. */
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
    if (root) {
        cJSON_Delete(root);
        return 0;
    }
    size_t off = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : len;
    line_col(buf, off, &line, &col);
    return error_set(err, "document", "invalid JSON at line %zu column %zu (offset %zu)", line,
                     col, off);
}

/* What a path that is not a regular file is, in words: the user handed it
 * to us and needs to know why it cannot be served. */
static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "is a directory";
    if (S_ISFIFO(mode))
        return "is a FIFO (named pipe), not a regular file";
    if (S_ISSOCK(mode))
        return "is a socket, not a regular file";
    if (S_ISCHR(mode))
        return "is a character device, not a regular file";
    if (S_ISBLK(mode))
        return "is a block device, not a regular file";
    return "not a regular file";
}

/* Checks st is a regular file within the size limit: 0, or -1 with err. */
static int check_regular(const char *path, const struct stat *st, struct error *err)
{
    if (!S_ISREG(st->st_mode))
        return error_set(err, "document", "%s: %s", path, file_kind(st->st_mode));
    if (st->st_size > (off_t)DOCUMENT_MAX_BYTES)
        return error_set(err, "document", "%s: too large (%lld bytes, at most %u)", path,
                         (long long)st->st_size, DOCUMENT_MAX_BYTES);
    return 0;
}

/* Opens path and checks it is a regular file within the size limit. The
 * type is checked before the open, because open() of a FIFO blocks until a
 * writer comes (rebel-base hung before listening, deaf to SIGTERM), and again
 * on the descriptor, opened O_NONBLOCK in case the path was swapped for a
 * FIFO in between: nothing a path can name makes this wait. */
static int open_regular(const char *path, struct error *err)
{
    struct stat st;
    int fd;

    if (stat(path, &st) != 0)
        return error_set(err, "document", "%s: %s", path, strerror(errno));
    if (check_regular(path, &st, err))
        return -1;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0)
        return error_set(err, "document", "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0)
        error_set(err, "document", "%s: %s", path, strerror(errno));
    else if (check_regular(path, &st, err) == 0)
        return fd;
    close(fd);
    return -1;
}

/* Reads fd to its end into buf (DOCUMENT_MAX_BYTES + 1 bytes of room): up to
 * one byte past the limit, since the file may grow after fstat. */
static int read_capped(int fd, const char *path, char *buf, size_t *len, struct error *err)
{
    *len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + *len, DOCUMENT_MAX_BYTES + 1 - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return error_set(err, "document", "%s: read: %s", path, strerror(errno));
        if (n == 0)
            return 0;
        *len += (size_t)n;
        if (*len > DOCUMENT_MAX_BYTES)
            return error_set(err, "document", "%s: too large (more than %u bytes)", path,
                             DOCUMENT_MAX_BYTES);
    }
}

int document_read(const char *path, char **out, size_t *outlen, struct error *err)
{
    struct error why;
    size_t len = 0;
    int fd = open_regular(path, err), rc;
    char *buf;

    if (fd < 0)
        return -1;
    if (!(buf = malloc(DOCUMENT_MAX_BYTES + 1))) {
        close(fd);
        return error_set(err, "document", "%s: out of memory", path);
    }
    rc = read_capped(fd, path, buf, &len, err);
    close(fd);
    if (rc == 0) {
        buf[len] = '\0';
        if (document_validate(buf, len, &why) == 0) {
            char *shrunk = realloc(buf, len + 1);
            *out = shrunk ? shrunk : buf;
            *outlen = len;
            return 0;
        }
        error_set(err, "document", "%.3000s: %.400s", path, why.msg);
    }
    free(buf);
    return -1;
}

uint64_t document_hash(const char *buf, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
    return h;
}

int document_store_init(struct document_store *st, document_respond_fn respond, void *ctx,
                        struct error *err)
{
    memset(st, 0, sizeof *st);
    st->respond = respond;
    st->respond_ctx = ctx;
    int rc = pthread_rwlock_init(&st->lock, NULL); /* pthread returns its error: errno is not set */
    if (rc)
        return error_set(err, "start", "cannot create the document lock: %s", strerror(rc));
    return 0;
}

void document_store_destroy(struct document_store *st)
{
    if (st->current)
        MHD_destroy_response(st->current);
    st->current = NULL;
    pthread_rwlock_destroy(&st->lock);
}

uint64_t document_store_swap(struct document_store *st, char *buf, size_t len)
{
    uint64_t hash = document_hash(buf, len), version;
    struct MHD_Response *old, *resp = st->respond(st->respond_ctx, buf, len);

    if (!resp)
        return 0;
    pthread_rwlock_wrlock(&st->lock);
    old = st->current;
    st->current = resp;
    st->bytes = len;
    st->hash = hash;
    version = ++st->version;
    pthread_rwlock_unlock(&st->lock);
    /* No reader can still hold old without MHD's own reference: see the header. */
    if (old)
        MHD_destroy_response(old);
    return version;
}

int document_store_queue(struct document_store *st, document_queue_fn queue, const void *ctx)
{
    int rc = -1;
    pthread_rwlock_rdlock(&st->lock);
    if (st->current)
        rc = queue(ctx, st->current);
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

void document_store_info(struct document_store *st, size_t *bytes, uint64_t *hash,
                         uint64_t *version)
{
    pthread_rwlock_rdlock(&st->lock);
    *bytes = st->bytes;
    *hash = st->hash;
    *version = st->version;
    pthread_rwlock_unlock(&st->lock);
}
