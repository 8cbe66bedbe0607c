/* config: rebel-base's options, their defaults, parsing and validation.
 *
 * Every option is a flag (--listen) and an environment variable
 * (REBEL_BASE_LISTEN); flags override the environment. */
#ifndef REBEL_BASE_CONFIG_H
#define REBEL_BASE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "opt.h"

struct config {
    struct opt_hostport listen;   /* host "" means every address, v6+v4 */
    char document[4096];
    char served_by[256];
    uint64_t drain_ms;            /* keep answering after SIGTERM */
    uint64_t grace_ms;            /* then wait at most this for in-flight requests */
    enum log_format log_format;
    int access_log;
    int allow_faults;
    uint64_t threads;             /* 1: one epoll thread; N: pool; 0: one per CPU */
    int thread_per_connection;
    uint64_t max_connections;
    uint64_t max_per_ip;          /* 0: no per-client limit */
    uint64_t idle_timeout_ms;     /* rounded up to whole seconds for MHD */
    uint64_t header_timeout_ms;   /* first request head deadline after accept; 0: off */
    uint64_t conn_memory;         /* bytes of per-connection memory pool */
    uint64_t watch_interval_ms;
    uint64_t max_delay_ms;        /* cap for ?delay= fault injection */
    int help, version;
};

enum config_status { CONFIG_OK, CONFIG_EXIT_OK, CONFIG_USAGE };

/* Fills cfg with the defaults; served_by gets the host name. */
void config_defaults(struct config *cfg);

/* Reads REBEL_BASE_* from the environment, then argv. On a bad flag or value,
 * writes one line naming it to err and returns CONFIG_USAGE; --help and
 * --version return CONFIG_EXIT_OK (the caller prints). */
enum config_status config_parse(struct config *cfg, int argc, char **argv,
                                struct error *err);

/* The connection limits for the listen log line, each stated as what it does:
 * "max 4096 connections, 1024 per client, idle timeout 65s, header timeout
 * 10000 ms, 8192 B per connection"; 0 per client reads "unlimited per client"
 * and a 0 header timeout "header timeout off". */
void config_describe_limits(const struct config *cfg, char *buf, size_t cap);

/* The --help text. */
void config_usage(FILE *out);

#endif
