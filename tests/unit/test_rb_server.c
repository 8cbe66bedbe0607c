/* Unit tests for rebel-base/server: the whole request path in process. A
 * server listens on 127.0.0.1:0 and raw HTTP/1.0 requests check what comes
 * back for each kind of request: status, headers (X-Served-By, Allow, the
 * content type) and body, through the router's decision, the endpoints, fault
 * injection (a forced status, a delay that suspends the connection) and the
 * body policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "server.h"

#define DOC "{\"Cluster\": \"Koornacht\", \"Planet\": \"N'Zoth\"}\n"

static struct metrics m; /* large: keep it off the stack */

struct world {
    struct config cfg;
    struct log log;
    struct answer answer;
    struct document_store store;
    struct faults faults;
    struct server server;
    uint16_t port;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    struct error err;
    assert_non_null(w);
    config_defaults(&w->cfg);
    assert_null(opt_parse_hostport("127.0.0.1:0", &w->cfg.listen));
    snprintf(w->cfg.served_by, sizeof w->cfg.served_by, "pod-s");
    w->cfg.allow_faults = 1;
    w->log = (struct log){"test", LOG_TEXT, fopen("/dev/null", "w")};
    metrics_init(&m);
    w->answer = (struct answer){.served_by = w->cfg.served_by, .metrics = &m, .log = &w->log};
    assert_int_equal(answer_init(&w->answer, &err), 0);
    assert_int_equal(document_store_init(&w->store, answer_document_response, &w->answer, &(struct error){0}), 0);
    assert_true(document_store_swap(&w->store, strdup(DOC), strlen(DOC)) > 0);
    assert_int_equal(faults_init(&w->faults, 1, 5000, &(struct error){0}), 0);
    struct server_parts parts = {.cfg = &w->cfg, .log = &w->log, .answer = &w->answer,
                                 .store = &w->store, .metrics = &m, .faults = &w->faults};
    if (server_start(&w->server, &parts, &err))
        fail_msg("%s: %s", err.step, err.msg);
    w->port = (uint16_t)atoi(strrchr(w->server.listen_desc, ':') + 1);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    server_stop(&w->server);
    faults_destroy(&w->faults);
    document_store_destroy(&w->store);
    answer_destroy(&w->answer);
    fclose(w->log.out);
    free(w);
    return 0;
}

/* Sends request as is and returns the whole reply (HTTP/1.0: the server closes). */
static char *exchange(uint16_t port, const char *request)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {5, 0};
    static char reply[65536];
    size_t len = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(write(fd, request, strlen(request)), (ssize_t)strlen(request));
    while (len < sizeof reply - 1 && (n = read(fd, reply + len, sizeof reply - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    reply[len] = '\0';
    return reply;
}

static void expect(uint16_t port, const char *request, int status, const char *header,
                   const char *body)
{
    char *reply = exchange(port, request), line[32], *sep = strstr(reply, "\r\n\r\n");
    snprintf(line, sizeof line, " %d ", status);
    if (strncmp(reply, "HTTP/1.", 7) != 0 || !strstr(reply, line) || strstr(reply, line) > strchr(reply, '\r'))
        fail_msg("%s: status line of '%s', want %d", request, reply, status);
    if (!strcasestr(reply, "\r\nX-Served-By: pod-s\r\n"))
        fail_msg("%s: no X-Served-By in '%s'", request, reply);
    if (header && !strcasestr(reply, header))
        fail_msg("%s: no '%s' in '%s'", request, header, reply);
    if (body && (!sep || strcmp(sep + 4, body) != 0))
        fail_msg("%s: body '%s', want '%s'", request, sep ? sep + 4 : "", body);
}

static void test_routes(void **state)
{
    struct world *w = *state;
    uint16_t p = w->port;

    expect(p, "GET / HTTP/1.0\r\n\r\n", 200, "\r\nContent-Type: application/json\r\n", DOC);
    expect(p, "GET /index.html HTTP/1.0\r\n\r\n", 200, NULL, DOC);
    expect(p, "HEAD / HTTP/1.0\r\n\r\n", 200, NULL, "");
    expect(p, "GET /healthz HTTP/1.0\r\n\r\n", 200, NULL, "{\"status\":\"ok\"}\n");
    expect(p, "GET /readyz HTTP/1.0\r\n\r\n", 200, NULL, "{\"ready\":true}\n");
    expect(p, "GET /nope HTTP/1.0\r\n\r\n", 404, NULL, "{\"error\":\"not found\"}\n");
    expect(p, "PUT / HTTP/1.0\r\n\r\n", 405, "\r\nAllow: GET, HEAD\r\n",
           "{\"error\":\"method not allowed\"}\n");
    expect(p, "DELETE /admin/readiness HTTP/1.0\r\n\r\n", 405, "\r\nAllow: GET, HEAD, POST\r\n",
           "{\"error\":\"method not allowed\"}\n");
    expect(p, "GET /admin/other HTTP/1.0\r\n\r\n", 404, NULL, NULL);
    expect(p, "POST / HTTP/1.0\r\nContent-Length: 99999\r\n\r\n", 413, NULL,
           "{\"error\":\"request bodies over 16384 bytes are refused\"}\n");
}

static void test_faults_and_readiness(void **state)
{
    struct world *w = *state;
    uint16_t p = w->port;

    expect(p, "POST /admin/readiness?ready=false HTTP/1.0\r\n\r\n", 200, NULL,
           "{\"forced_not_ready\":true}\n");
    expect(p, "GET /readyz HTTP/1.0\r\n\r\n", 503, NULL,
           "{\"ready\":false,\"reason\":\"forced not ready (fault injection)\"}\n");
    expect(p, "POST /admin/readiness?ready=maybe HTTP/1.0\r\n\r\n", 400, NULL,
           "{\"error\":\"ready: expected true or false\"}\n");
    expect(p, "POST /admin/readiness?ready=true HTTP/1.0\r\n\r\n", 200, NULL,
           "{\"forced_not_ready\":false}\n");
    expect(p, "GET /?status=503 HTTP/1.0\r\n\r\n", 503, NULL,
           "{\"error\":\"injected fault\",\"status\":503}\n");
    expect(p, "GET /?status=99 HTTP/1.0\r\n\r\n", 400, NULL,
           "{\"error\":\"status: expected a status code 200..599\"}\n");
    expect(p, "GET /index.html?delay=30ms&status=502 HTTP/1.0\r\n\r\n", 502, NULL, NULL);
    expect(p, "GET /?delay=30ms HTTP/1.0\r\n\r\n", 200, NULL, DOC);
    atomic_store(&w->server.draining, 1);
    expect(p, "GET /readyz HTTP/1.0\r\n\r\n", 503, NULL,
           "{\"ready\":false,\"reason\":\"draining\"}\n");
    expect(p, "GET / HTTP/1.0\r\n\r\n", 200, NULL, DOC); /* still served while draining */
}

static void test_metrics(void **state)
{
    struct world *w = *state;
    expect(w->port, "GET /nope HTTP/1.0\r\n\r\n", 404, NULL, NULL);
    char *reply = exchange(w->port, "GET /metrics HTTP/1.0\r\n\r\n");
    assert_non_null(strcasestr(reply, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    /* The scrape counts itself. */
    assert_non_null(strstr(reply, "rebel_base_http_requests_total{path=\"/metrics\",code=\"200\"} 1\n"));
    assert_non_null(strstr(reply, "rebel_base_http_requests_total{path=\"other\",code=\"404\"} 1\n"));
    assert_non_null(strstr(reply, "rebel_base_ready 1\n"));
    assert_non_null(strstr(reply, "threading=\"epoll\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_and_readiness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
