/* Unit tests for rebel-base's initialisers when pthread refuses: each returns
 * -1 with a struct error naming what it was creating and pthread's own cause
 * (pthread functions return their error and leave errno alone, so a message
 * built from errno would name an unrelated cause).
 *
 * The Makefile links this test with -Wl,--wrap for the pthread calls below:
 * while `refuse` names one, it fails with `refuse_rc`, and errno is set to
 * something else to catch a message read from it. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "answer.h"
#include "deadline.h"
#include "document.h"
#include "faults.h"

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __real_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int __real_pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a);
int __real_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int __wrap_pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a);
int __wrap_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);

/* Test state: single-threaded until a refused call would have started one. */
static struct {
    const char *refuse;
    int rc;
} fake;

static int refused(const char *fn)
{
    if (!fake.refuse || strcmp(fake.refuse, fn) != 0)
        return 0;
    errno = ENOTTY; /* a decoy: the message must not come from errno */
    return fake.rc;
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    int rc = refused("pthread_create");
    return rc ? rc : __real_pthread_create(t, a, fn, arg);
}

int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    int rc = refused("pthread_mutex_init");
    return rc ? rc : __real_pthread_mutex_init(m, a);
}

int __wrap_pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
    int rc = refused("pthread_rwlock_init");
    return rc ? rc : __real_pthread_rwlock_init(l, a);
}

int __wrap_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
    int rc = refused("pthread_cond_init");
    return rc ? rc : __real_pthread_cond_init(c, a);
}

enum which { DOCUMENT, DEADLINE, FAULTS, FAULTS_OFF };

static int init(enum which w, struct error *err)
{
    static struct document_store st;
    static struct deadline d;
    static struct faults f;
    switch (w) {
    case DOCUMENT:
        return document_store_init(&st, NULL, NULL, err);
    case DEADLINE:
        return deadline_init(&d, 1000, err);
    case FAULTS:
        return faults_init(&f, 1, 1000, err);
    case FAULTS_OFF:
        return faults_init(&f, 0, 1000, err);
    }
    return 0;
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        enum which w;
        const char *refuse;
        int rc;
        const char *want;
    } cases[] = {
        {DOCUMENT, "pthread_rwlock_init", EAGAIN,
         "cannot create the document lock: Resource temporarily unavailable"},
        {DEADLINE, "pthread_mutex_init", ENOMEM, "header deadline's lock: Cannot allocate memory"},
        {FAULTS, "pthread_mutex_init", EAGAIN,
         "fault timer's lock: Resource temporarily unavailable"},
        {FAULTS, "pthread_cond_init", ENOMEM, "fault timer's condition: Cannot allocate memory"},
        {FAULTS, "pthread_create", EAGAIN,
         "cannot start the fault timer thread: Resource temporarily unavailable"},
        {FAULTS_OFF, "pthread_cond_init", EAGAIN, "condition: Resource temporarily unavailable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct error err = {0};
        fake.refuse = cases[i].refuse;
        fake.rc = cases[i].rc;
        int rc = init(cases[i].w, &err);
        fake.refuse = NULL;
        if (rc != -1)
            fail_msg("case %zu (%s refused): init returned %d", i, cases[i].refuse, rc);
        if (!strstr(err.msg, cases[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].want);
        assert_string_equal(err.step, "start");
    }
}

/* With fault injection off, no thread is needed: refusing one changes nothing. */
static void test_faults_off_needs_no_thread(void **state)
{
    (void)state;
    struct error err = {0};
    fake.refuse = "pthread_create";
    fake.rc = EAGAIN;
    assert_int_equal(init(FAULTS_OFF, &err), 0);
    fake.refuse = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_faults_off_needs_no_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
