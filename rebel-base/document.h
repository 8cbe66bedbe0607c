/* document: load and validate the served JSON file, and hold the current
 * version as one immutable libmicrohttpd response that request threads queue
 * without copying. The response itself (its headers) comes from the emitter,
 * through the respond function the store is given (answer.h).
 *
 * Swap safety: a request thread reads the current response pointer and hands
 * it to MHD_queue_response, which takes MHD's own reference. Both happen under
 * the read side of a rwlock (document_store_queue runs the queue function
 * there); document_store_swap replaces the pointer under the write side and
 * only then drops the store's reference. So the old response can be freed only
 * after no thread can still be between "read the pointer" and "MHD took its
 * reference"; connections still sending it hold MHD's reference and free it
 * when done. Every reply is one whole version. */
#ifndef REBEL_BASE_DOCUMENT_H
#define REBEL_BASE_DOCUMENT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "error.h"

#define DOCUMENT_MAX_BYTES (1024u * 1024u) /* the ConfigMap size limit */

/* Checks that buf[0..len) (with buf[len] == '\0') is one JSON text (any JSON value: object, array,
 * string, number, true/false/null; surrounding whitespace allowed). Returns
 * 0, or -1 with err naming the line:column of the first error. */
int document_validate(const char *buf, size_t len, struct error *err);

/* Reads path (following symlinks) into a fresh malloc'd buffer, refusing
 * files over DOCUMENT_MAX_BYTES and anything but a regular file (a FIFO, a
 * socket, a device: named in err, never waited on), then validates it.
 * Returns 0 with *buf and *len
 * (NUL-terminated at len; caller frees), or -1 with err starting with the path and the cause. */
int document_read(const char *path, char **buf, size_t *len, struct error *err);

/* 64-bit FNV-1a of the bytes; the watcher compares versions with it. */
uint64_t document_hash(const char *buf, size_t len);

/* Builds the response for one version's len bytes, taking buf (freed with the
 * response, or at once when it returns NULL). */
typedef struct MHD_Response *(*document_respond_fn)(void *ctx, char *buf, size_t len);

/* Queues current on a connection; runs under the store's read lock, so it
 * must do nothing else. Returns MHD_YES or MHD_NO. */
typedef int (*document_queue_fn)(const void *ctx, struct MHD_Response *current);

struct document_store {
    pthread_rwlock_t lock;
    struct MHD_Response *current; /* NULL until a valid document is loaded */
    size_t bytes;
    uint64_t hash;
    uint64_t version;             /* 1 for the first load, +1 per swap */
    document_respond_fn respond;
    void *respond_ctx;
};

/* Returns 0, or -1 with err naming pthread's cause. */
int document_store_init(struct document_store *st, document_respond_fn respond, void *ctx,
                        struct error *err);
void document_store_destroy(struct document_store *st);

/* Builds the response for buf (taking ownership of it, freed with the
 * response) and makes it current. Returns the new version number, or 0 if the
 * response could not be built (buf is freed). */
uint64_t document_store_swap(struct document_store *st, char *buf, size_t len);

/* Hands the current version's response to queue(ctx, ...) under the read
 * lock. Returns what queue returned, or -1 if there is no document. */
int document_store_queue(struct document_store *st, document_queue_fn queue, const void *ctx);

/* Snapshot of the current version's size, hash and number (0 if none). */
void document_store_info(struct document_store *st, size_t *bytes, uint64_t *hash,
                         uint64_t *version);

#endif
