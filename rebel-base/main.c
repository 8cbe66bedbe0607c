/* rebel-base: serves one JSON document from a ConfigMap, reloading it live.
 * main wires the modules together and runs the watch and shutdown loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "answer.h"
#include "clock.h"
#include "config.h"
#include "document.h"
#include "drain.h"
#include "error.h"
#include "faults.h"
#include "log.h"
#include "metrics.h"
#include "reload.h"
#include "server.h"

/* The first stop signal, 0 while none came. The handler may run on any
 * thread (libmicrohttpd's do not block signals) and main reads it: a
 * lock-free atomic, which C11 lets a handler write, not a volatile
 * sig_atomic_t, which only orders it within one thread. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler may only write lock-free atomics");
static atomic_int stop_signal;
static int wake_pipe[2] = {-1, -1};

/* First signal: start draining (main loop wakes up through the pipe).
 * Second: leave at once, as the operator asked twice. */
static void on_signal(int sig)
{
    if (atomic_exchange(&stop_signal, sig))
        _exit(128 + sig);
    int saved = errno;
    if (write(wake_pipe[1], "x", 1) < 0) {
        /* the pipe is full: main is awake anyway */
    }
    errno = saved;
}

static int install_signals(void)
{
    struct sigaction sa;
    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* Sleeps up to ms or until a signal arrives. */
static void nap(uint64_t ms)
{
    struct pollfd p = {.fd = wake_pipe[0], .events = POLLIN};
    char buf[16];
    if (poll(&p, 1, (int)ms) > 0) {
        while (read(wake_pipe[0], buf, sizeof buf) > 0) {
        }
    }
}

/* Parses the options; returns -1 to go on, or the exit status (help,
 * version, usage error). */
static int parse_options(struct config *cfg, int argc, char **argv)
{
    struct error err;
    config_defaults(cfg);
    switch (config_parse(cfg, argc, argv, &err)) {
    case CONFIG_USAGE:
        fprintf(stderr, "rebel-base: %s (see --help)\n", err.msg);
        return 2;
    case CONFIG_EXIT_OK:
        if (cfg->help)
            config_usage(stdout);
        else
            printf("rebel-base %s (libmicrohttpd %s, cJSON %s)\n", PROJECT_VERSION,
                   MHD_get_version(), cJSON_Version());
        return 0;
    case CONFIG_OK:
        break;
    }
    return -1;
}

/* Every part of the server; main owns them and lends them out. */
struct rebel {
    struct config cfg;
    struct log log;
    struct metrics *metrics;
    struct answer answer;
    struct document_store store;
    struct faults faults;
    struct reload reload;
    struct server server;
};

/* The drain's tick: keep following the document while still serving. */
static void follow_reload(void *ctx)
{
    reload_tick(ctx, &clock_system);
}

/* Builds the parts, loads the document and starts listening. Returns 0, or
 * -1 with err. */
static int start(struct rebel *rb, struct error *err)
{
    const struct config *cfg = &rb->cfg;

    metrics_init(rb->metrics);
    rb->answer = (struct answer){.served_by = cfg->served_by, .metrics = rb->metrics,
                                 .log = &rb->log, .access_log = cfg->access_log};
    if (answer_init(&rb->answer, err))
        return -1;
    if (document_store_init(&rb->store, answer_document_response, &rb->answer, err)) {
        answer_destroy(&rb->answer);
        return -1;
    }
    if (faults_init(&rb->faults, cfg->allow_faults, cfg->max_delay_ms, err)) {
        document_store_destroy(&rb->store);
        answer_destroy(&rb->answer);
        return -1;
    }
    reload_init(&rb->reload, cfg->document, &rb->store, rb->metrics, &rb->log);
    reload_tick(&rb->reload, &clock_system); /* load before listening: the first /readyz can be 200 */
    struct server_parts parts = {.cfg = cfg, .log = &rb->log, .answer = &rb->answer,
                                 .store = &rb->store, .metrics = rb->metrics,
                                 .faults = &rb->faults};
    if (server_start(&rb->server, &parts, err)) {
        faults_destroy(&rb->faults);
        document_store_destroy(&rb->store);
        answer_destroy(&rb->answer);
        return -1;
    }
    return 0;
}

/* Hands the memory of a burst of connections back once it is over (trim.h),
 * and says so with what it cost: an operator watching RSS fall sees why. */
static void release_memory(struct rebel *rb)
{
    uint64_t t0 = clock_mono_ns();
    int64_t open = metrics_open_connections(rb->metrics);
    int64_t closed = trim_tick(&rb->server.trim, open, t0 / 1000000u);
    if (closed)
        log_event(&rb->log, LOG_INFO, "memory",
                  "%lld connections closed since the peak: freed memory handed back in %.3f ms",
                  (long long)closed, (double)(clock_mono_ns() - t0) / 1e6);
}

/* Serves until the first stop signal, following the document. */
static void serve(struct rebel *rb)
{
    while (!atomic_load(&stop_signal)) {
        nap(rb->cfg.watch_interval_ms);
        if (!atomic_load(&stop_signal))
            reload_tick(&rb->reload, &clock_system);
        server_sweep_header_deadlines(&rb->server);
        release_memory(rb);
    }
}

/* Drains, frees everything and logs the exit; returns the exit status. */
static int finish(struct rebel *rb)
{
    char msg[96];
    long cut_short = server_drain(&rb->server, atomic_load(&stop_signal), follow_reload, &rb->reload);
    server_stop(&rb->server);
    faults_destroy(&rb->faults);
    document_store_destroy(&rb->store);
    answer_destroy(&rb->answer);
    int status = drain_exit(cut_short, msg, sizeof msg);
    log_event(&rb->log, status ? LOG_WARN : LOG_INFO, "exit", "%s", msg);
    return status;
}

int main(int argc, char **argv)
{
    static struct metrics metrics; /* 34 KiB of counters: not on the stack */
    struct rebel rb = {.log = {"rebel-base", LOG_TEXT, NULL}, .metrics = &metrics};
    struct error err;
    int status = parse_options(&rb.cfg, argc, argv);

    if (status >= 0)
        return status;
    rb.log.format = rb.cfg.log_format;
    if (install_signals()) {
        log_event(&rb.log, LOG_ERROR, "start", "cannot install signal handlers: %s",
                  strerror(errno));
        return 1;
    }
    log_event(&rb.log, LOG_INFO, "start", "rebel-base %s pid %d, document %s, served-by %s%s",
              PROJECT_VERSION, (int)getpid(), rb.cfg.document, rb.cfg.served_by,
              rb.cfg.allow_faults ? ", FAULT INJECTION ENABLED" : "");
    if (start(&rb, &err)) {
        log_event(&rb.log, LOG_ERROR, err.step, "%s", err.msg);
        return 1;
    }
    serve(&rb);
    return finish(&rb);
}
