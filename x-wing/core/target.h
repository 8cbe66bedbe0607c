/* target: turns what a person types (rebel-base, host:8080, host/path,
 * http://host:port/path) into the one URL libcurl is given.
 *
 * Defaults follow the lab's `curl rebel-base`: scheme http, port 80, path /.
 * Only plain http is accepted: the container build links a libcurl without
 * TLS, and rebel-base speaks plain http, so https is refused up front with a
 * clear reason rather than failing per request. */
#ifndef XW_TARGET_H
#define XW_TARGET_H

#include <stdint.h>

#define TARGET_HOST_MAX 256
#define TARGET_PATH_MAX 1024
#define TARGET_URL_MAX (TARGET_HOST_MAX + TARGET_PATH_MAX + 32)

struct target {
    char host[TARGET_HOST_MAX]; /* without brackets for IPv6 */
    uint16_t port;
    char path[TARGET_PATH_MAX]; /* starts with '/', may carry ?query */
    char url[TARGET_URL_MAX];   /* http://host:port/path, IPv6 bracketed */
};

/* Parses in into out. Returns NULL on success, or a static reason naming what
 * is wrong ("unsupported scheme 'https': ..."). out is undefined on error. */
const char *target_parse(const char *in, struct target *out);

#endif
