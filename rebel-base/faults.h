/* faults: fault injection for demos, inert unless --allow-faults.
 *
 * API (documented in --help):
 *   POST /admin/readiness?ready=false|true  force /readyz to 503, or undo it
 *   GET  /admin/readiness                   {"forced_not_ready":bool}
 *   GET /?delay=250ms&status=503            delay this request and/or answer it
 *                                           with that status (also /index.html)
 * Delays never block a server thread: the connection is suspended and a timer
 * thread resumes it at its deadline (or at once on shutdown). With one thread
 * per connection the connection's own thread sleeps instead. */
#ifndef REBEL_BASE_FAULTS_H
#define REBEL_BASE_FAULTS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <microhttpd.h>

#include "error.h"

struct faults_timer; /* one suspended connection waiting for its deadline */

struct faults {
    int allowed;
    uint64_t max_delay_ms;
    atomic_int forced_not_ready;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int running, stopping;
    struct faults_timer *timers; /* unsorted; there are few */
};

/* What a request asked for: delay_ms 0 and status 0 mean nothing. */
struct faults_request {
    uint64_t delay_ms;
    unsigned status;
};

/* Parses the ?delay= and ?status= values (either may be NULL). status must
 * be 200..599, delay a duration up to max_delay_ms. Returns NULL or a reason
 * naming the parameter. */
const char *faults_parse_request(const char *delay, const char *status, uint64_t max_delay_ms,
                                 struct faults_request *out);

/* Parses ?ready= for POST /admin/readiness: "true"/"false" (and the other
 * common/opt booleans). Returns NULL or a reason. */
const char *faults_parse_ready(const char *value, int *ready);

/* Starts the timer thread when allowed. Returns 0, or -1 with err naming
 * pthread's cause (nothing is left to destroy then). */
int faults_init(struct faults *f, int allowed, uint64_t max_delay_ms, struct error *err);

/* Resumes conn (which the caller has just suspended) after ms. Returns 0, or
 * -1 if it could not be scheduled (the caller resumes it itself). */
int faults_delay(struct faults *f, struct MHD_Connection *conn, uint64_t ms);

/* Blocks the calling thread for ms, or less if faults_release_all is called:
 * the delay for thread-per-connection mode, where libmicrohttpd 0.9.75 does
 * not wake a suspended connection's own thread on resume. */
void faults_sleep(struct faults *f, uint64_t ms);

/* Number of connections still waiting. */
int faults_pending(struct faults *f);

/* Resumes every waiting connection now (shutdown: MHD must not be stopped
 * with suspended connections). */
void faults_release_all(struct faults *f);

/* Releases everything and joins the timer thread. */
void faults_destroy(struct faults *f);

#endif
