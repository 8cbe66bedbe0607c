/* xwing: fires N HTTP requests at rebel-base and tallies the replies per
 * cluster; `xwing serve` runs the same from inside the x-wing pod; `xwing
 * probe` runs it every second and serves it to Prometheus. This file reads
 * the command line, starts the mode it names and is the one place a mode's
 * failure to run is printed. */
#include <curl/curl.h>
#include <stdio.h>

#include "client.h"
#include "help.h"
#include "log.h"
#include "options.h"
#include "probe.h"
#include "serve.h"
#include "stop.h"

/* A service that could not start says why once: as an event line in the
 * format asked for, or as the one plain line usage errors get too. */
static int start_failed(enum log_format format, const char *mode, const struct error *err)
{
    struct log lg = {.prog = "xwing", .format = format};
    if (format == LOG_JSON)
        log_event(&lg, LOG_ERROR, err->step, "%s: %s", mode, err->msg);
    else
        fprintf(stderr, "xwing: %s: %s\n", mode, err->msg);
    return 1;
}

static int run_mode(const struct options *o)
{
    struct error err;
    int rc;
    switch (o->mode) {
    case OPTIONS_SERVE:
        stop_block();
        return serve_run(&o->serve, &err) ? start_failed(o->serve.log_format, "serve", &err) : 0;
    case OPTIONS_PROBE:
        stop_block();
        return probe_run(&o->probe, &err) ? start_failed(LOG_TEXT, "probe", &err) : 0;
    default:
        if ((rc = client_run(&o->client, &err)) >= 0)
            return rc;
        fprintf(stderr, "xwing: %s\n", err.msg);
        return 1;
    }
}

static void print_help(const struct options *o)
{
    if (o->help_of == OPTIONS_SERVE)
        help_serve(stdout);
    else if (o->help_of == OPTIONS_PROBE)
        help_probe(stdout);
    else
        help_client(stdout);
}

int main(int argc, char **argv)
{
    static struct options o;
    struct error err;
    int rc;

    if (options_parse(&o, argc, argv, &err)) {
        fprintf(stderr, "xwing: %s (see %s)\n", err.msg, options_help_command(argc, argv));
        return 2;
    }
    if (o.mode == OPTIONS_HELP) {
        print_help(&o);
        return 0;
    }
    if (o.mode == OPTIONS_VERSION) {
        printf("xwing %s (%s)\n", PROJECT_VERSION, curl_version());
        return 0;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "xwing: cannot initialise libcurl\n");
        return 1;
    }
    rc = run_mode(&o);
    curl_global_cleanup();
    return rc;
}
