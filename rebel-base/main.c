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

#include "clock.h"
#include "config.h"
#include "document.h"
#include "drain.h"
#include "faults.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "reload.h"

static volatile sig_atomic_t stop_signal;
static int wake_pipe[2] = {-1, -1};

/* First signal: start draining (main loop wakes up through the pipe).
 * Second: leave at once, as the operator asked twice. */
static void on_signal(int sig)
{
    if (stop_signal)
        _exit(128 + sig);
    stop_signal = sig;
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

/* After the listener closes: how long requests on just-accepted connections
 * get to be read before "0 in flight" is believed. */
#define DRAIN_SETTLE_MS 100

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

static long probe_inflight(void *ctx)
{
    return server_inflight(ctx);
}

static void probe_tick(void *ctx)
{
    server_sweep_header_deadlines(ctx);
}

/* Serves for --drain with /readyz 503, still following reloads. */
static void drain_serving(struct server *srv, struct reload *w, const struct config *cfg,
                          const struct log *lg)
{
    uint64_t until = clock_mono_ms() + cfg->drain_ms;
    server_set_draining(srv);
    log_event(lg, LOG_INFO, "drain", "signal %d: /readyz now 503, serving for %llu ms more",
              (int)stop_signal, (unsigned long long)cfg->drain_ms);
    for (uint64_t now = clock_mono_ms(); now < until; now = clock_mono_ms()) {
        reload_tick(w);
        server_sweep_header_deadlines(srv);
        nap(until - now < cfg->watch_interval_ms ? until - now : cfg->watch_interval_ms);
    }
}

/* Drains and returns how many requests --grace cut short (0: none). */
static long drain(struct server *srv, struct reload *w, const struct config *cfg,
                  const struct log *lg)
{
    struct drain_probe probe = {probe_inflight, probe_tick, clock_mono_ms, clock_sleep_ms, srv};
    uint64_t start = clock_mono_ms();

    drain_serving(srv, w, cfg, lg);
    server_stop_accepting(srv);
    /* A connection accepted just before the listener closed may not have had
     * its request read yet, so it is not "in flight"; stopping at once lets
     * libmicrohttpd's last pass answer it and then close it unsent (seen in
     * tests/stress/shutdown.sh: access log > replies received). */
    long left = drain_wait(&probe, DRAIN_SETTLE_MS, cfg->grace_ms);
    log_event(lg, left ? LOG_WARN : LOG_INFO, "drain",
              "stopped accepting; %ld request(s) still in flight after %llu ms", left,
              (unsigned long long)(clock_mono_ms() - start));
    if (left > 0) {
        /* Out of grace: answer delayed requests now, and give libmicrohttpd
         * (which resumes them asynchronously) a moment to send them. */
        faults_release_all(srv->faults);
        struct drain_probe quick = {probe_inflight, NULL, clock_mono_ms, clock_sleep_ms, srv};
        log_event(lg, LOG_WARN, "drain", "released delayed requests; %ld still in flight",
                  drain_wait(&quick, 0, 1000));
    }
    return left;
}

/* Parses the options; returns -1 to go on, or the exit status (help,
 * version, usage error). */
static int parse_options(struct config *cfg, int argc, char **argv)
{
    struct opt_error err;
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

int main(int argc, char **argv)
{
    static struct metrics metrics; /* 34 KiB of counters: not on the stack */
    struct config cfg;
    struct log lg = {"rebel-base", LOG_TEXT, NULL};
    struct document_store store;
    struct faults faults;
    struct server srv;
    struct reload w;
    int status = parse_options(&cfg, argc, argv);

    if (status >= 0)
        return status;
    lg.format = cfg.log_format;
    if (install_signals()) {
        log_event(&lg, LOG_ERROR, "start", "cannot install signal handlers: %s", strerror(errno));
        return 1;
    }
    log_event(&lg, LOG_INFO, "start", "rebel-base %s pid %d, document %s, served-by %s%s",
              PROJECT_VERSION, (int)getpid(), cfg.document, cfg.served_by,
              cfg.allow_faults ? ", FAULT INJECTION ENABLED" : "");
    metrics_init(&metrics);
    if (document_store_init(&store, cfg.served_by) ||
        faults_init(&faults, cfg.allow_faults, cfg.max_delay_ms)) {
        log_event(&lg, LOG_ERROR, "start", "cannot initialise: %s", strerror(errno));
        return 1;
    }
    reload_init(&w, cfg.document, &store, &metrics, &lg);
    reload_tick(&w); /* load before listening: the first /readyz can be 200 */
    if (server_start(&srv, &cfg, &lg, &store, &metrics, &faults)) {
        faults_destroy(&faults);
        document_store_destroy(&store);
        return 1;
    }
    while (!stop_signal) {
        nap(cfg.watch_interval_ms);
        if (!stop_signal)
            reload_tick(&w);
        server_sweep_header_deadlines(&srv);
    }
    long cut_short = drain(&srv, &w, &cfg, &lg);
    server_stop(&srv);
    faults_destroy(&faults);
    document_store_destroy(&store);
    char msg[96];
    status = drain_exit(cut_short, msg, sizeof msg);
    log_event(&lg, status ? LOG_WARN : LOG_INFO, "exit", "%s", msg);
    return status;
}
