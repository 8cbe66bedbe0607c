#include "lookup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

#define HOST_MAX 256 /* a DNS name is at most 253 characters */

/* Shared by the waiter and the lookup's thread; the last of the two to let go
 * of it (refs) frees it, so neither waits for the other. */
struct job {
    pthread_mutex_t mu;
    pthread_cond_t done_cv; /* on CLOCK_MONOTONIC, as the deadline */
    int refs, done;
    struct addrinfo hints, *res;
    char host[HOST_MAX], port[16];
};

/* Lets go of j, whose mutex the caller holds. */
static void job_drop(struct job *j)
{
    int last = --j->refs == 0;
    pthread_mutex_unlock(&j->mu);
    if (!last)
        return;
    if (j->res)
        freeaddrinfo(j->res);
    pthread_cond_destroy(&j->done_cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

static void *resolve(void *arg)
{
    struct job *j = arg;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(j->host, j->port, &j->hints, &res);

    pthread_mutex_lock(&j->mu);
    j->res = rc == 0 ? res : NULL;
    j->done = 1;
    pthread_cond_signal(&j->done_cv);
    job_drop(j);
    return NULL;
}

static struct job *job_new(const char *host, const char *port, const struct addrinfo *hints)
{
    struct job *j;
    pthread_condattr_t ca;

    if (strlen(host) >= sizeof j->host || strlen(port) >= sizeof j->port ||
        !(j = calloc(1, sizeof *j)))
        return NULL;
    strcpy(j->host, host);
    strcpy(j->port, port);
    j->hints = *hints;
    j->refs = 2;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->done_cv, &ca);
    pthread_condattr_destroy(&ca);
    return j;
}

static int start(struct job *j)
{
    pthread_attr_t a;
    pthread_t t;
    int rc;

    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&t, &a, resolve, j);
    pthread_attr_destroy(&a);
    return rc;
}

int lookup_by(const char *host, const char *port, const struct addrinfo *hints,
              uint64_t deadline_ns, struct addrinfo **res)
{
    struct timespec until = {.tv_sec = (time_t)(deadline_ns / 1000000000u),
                             .tv_nsec = (long)(deadline_ns % 1000000000u)};
    struct job *j;

    *res = NULL;
    if (clock_mono_ns() >= deadline_ns || !(j = job_new(host, port, hints)))
        return -1;
    pthread_mutex_lock(&j->mu);
    if (start(j) != 0)
        j->refs = 1; /* no thread: ours is the only hold */
    else /* 0 is a wake-up (maybe spurious); ETIMEDOUT (or an error) ends the wait */
        for (int w = 0; !j->done && w == 0;)
            w = pthread_cond_timedwait(&j->done_cv, &j->mu, &until);
    if (j->done) {
        *res = j->res;
        j->res = NULL;
    }
    job_drop(j);
    return *res ? 0 : -1;
}
