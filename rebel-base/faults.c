#include "faults.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "opt.h"

struct faults_timer {
    struct MHD_Connection *conn;
    struct timespec deadline; /* CLOCK_MONOTONIC */
    struct faults_timer *next;
};

const char *faults_parse_request(const char *delay, const char *status, uint64_t max_delay_ms,
                                 struct faults_request *out)
{
    uint64_t v;
    out->delay_ms = 0;
    out->status = 0;
    if (delay) {
        if (opt_parse_duration(delay, &v))
            return "delay: expected a duration like 250ms or 2s";
        if (v > max_delay_ms)
            return "delay: longer than --max-delay";
        out->delay_ms = v;
    }
    if (status) {
        if (opt_uint(status, 200, 599, &v))
            return "status: expected a status code 200..599";
        out->status = (unsigned)v;
    }
    return NULL;
}

const char *faults_parse_ready(const char *value, int *ready)
{
    if (!value)
        return "ready: missing, expected ?ready=true or ?ready=false";
    if (opt_parse_bool(value, ready))
        return "ready: expected true or false";
    return NULL;
}

/* Resumes and frees every timer due by now (all of them when stopping).
 * Returns the earliest remaining deadline in *next, or 0 if none. */
static int fire_due(struct faults *f, struct timespec *next)
{
    struct timespec now;
    struct faults_timer **pp = &f->timers;
    int have_next = 0;

    clock_gettime(CLOCK_MONOTONIC, &now);
    while (*pp) {
        struct faults_timer *t = *pp;
        if (f->stopping || !clock_ts_before(&now, &t->deadline)) {
            *pp = t->next;
            MHD_resume_connection(t->conn);
            free(t);
            continue;
        }
        if (!have_next || clock_ts_before(&t->deadline, next))
            *next = t->deadline, have_next = 1;
        pp = &t->next;
    }
    return have_next;
}

static void *timer_main(void *arg)
{
    struct faults *f = arg;
    struct timespec next;

    pthread_mutex_lock(&f->mu);
    for (;;) {
        int have_next = fire_due(f, &next);
        pthread_cond_broadcast(&f->cv); /* faults_release_all waits for an empty list */
        if (f->stopping && !f->timers)
            break;
        if (have_next)
            pthread_cond_timedwait(&f->cv, &f->mu, &next);
        else
            pthread_cond_wait(&f->cv, &f->mu);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* The timer's condition variable waits on the monotonic clock, so a wall
 * clock step neither fires nor holds back a delay. Returns pthread's error. */
static int cond_init_monotonic(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    int rc = pthread_condattr_init(&ca);
    if (rc)
        return rc;
    rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (!rc)
        rc = pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
    return rc;
}

int faults_init(struct faults *f, int allowed, uint64_t max_delay_ms, struct error *err)
{
    int rc;

    memset(f, 0, sizeof *f);
    f->allowed = allowed;
    f->max_delay_ms = max_delay_ms;
    atomic_init(&f->forced_not_ready, 0);
    /* pthread calls return their error: errno is not set. */
    if ((rc = pthread_mutex_init(&f->mu, NULL)))
        return error_set(err, "start", "cannot create the fault timer's lock: %s", strerror(rc));
    if ((rc = cond_init_monotonic(&f->cv))) {
        pthread_mutex_destroy(&f->mu);
        return error_set(err, "start", "cannot create the fault timer's condition: %s",
                         strerror(rc));
    }
    if (allowed && (rc = pthread_create(&f->thread, NULL, timer_main, f))) {
        pthread_cond_destroy(&f->cv);
        pthread_mutex_destroy(&f->mu);
        return error_set(err, "start", "cannot start the fault timer thread: %s", strerror(rc));
    }
    f->running = allowed;
    return 0;
}

int faults_delay(struct faults *f, struct MHD_Connection *conn, uint64_t ms)
{
    struct faults_timer *t = malloc(sizeof *t);
    if (!t)
        return -1;
    t->conn = conn;
    t->deadline = clock_mono_deadline(ms);
    pthread_mutex_lock(&f->mu);
    if (!f->running || f->stopping) {
        pthread_mutex_unlock(&f->mu);
        free(t);
        return -1;
    }
    t->next = f->timers;
    f->timers = t;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return 0;
}

void faults_sleep(struct faults *f, uint64_t ms)
{
    struct timespec deadline = clock_mono_deadline(ms);
    pthread_mutex_lock(&f->mu);
    while (!f->stopping) {
        if (pthread_cond_timedwait(&f->cv, &f->mu, &deadline) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&f->mu);
}

int faults_pending(struct faults *f)
{
    int n = 0;
    pthread_mutex_lock(&f->mu);
    for (struct faults_timer *t = f->timers; t; t = t->next)
        n++;
    pthread_mutex_unlock(&f->mu);
    return n;
}

void faults_release_all(struct faults *f)
{
    pthread_mutex_lock(&f->mu);
    if (f->running) {
        f->stopping = 1;
        pthread_cond_broadcast(&f->cv);
        while (f->timers)
            pthread_cond_wait(&f->cv, &f->mu);
    }
    pthread_mutex_unlock(&f->mu);
}

void faults_destroy(struct faults *f)
{
    faults_release_all(f);
    if (f->running)
        pthread_join(f->thread, NULL);
    f->running = 0;
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
}
