/* pthreads: clone with TLS, per-thread TLS values, gettid != getpid in threads,
 * join with CLONE_CHILD_CLEARTID, mutex/condvar (futex). */
#include "abi.h"
#include <pthread.h>

#define NT 4
static __thread int mine = -1;
static __thread char tbuf[64];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int arrived;
static long tids[NT];
static int notmain[NT];

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    mine = id;
    snprintf(tbuf, sizeof tbuf, "thread-%d", id);
    tids[id] = xgettid();
    notmain[id] = tids[id] != getpid();
    pthread_mutex_lock(&mu);
    arrived++;
    pthread_cond_broadcast(&cv);
    while (arrived < NT)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    int ok = mine == id && strcmp(tbuf, "thread-") > 0;
    return (void *)(long)(ok ? 100 + id : -1);
}

static void *detached(void *x)
{
    write(*(int *)x, "D", 1);
    return NULL;
}

int main(void)
{
    pthread_t t[NT];
    mine = 99;
    strcpy(tbuf, "main");
    for (long i = 0; i < NT; i++)
        if ((errno = pthread_create(&t[i], NULL, worker, (void *)i)) != 0) {
            printf("pthread_create: %s\n", errname(errno));
            return 1;
        }
    for (int i = 0; i < NT; i++) {
        void *ret;
        int r = pthread_join(t[i], &ret);
        printf("join %d: r=%d ret=%ld tid!=pid=%d\n", i, r, (long)ret, notmain[i]);
    }
    printf("counter: %ld\n", counter);
    printf("main TLS: %d %s\n", mine, tbuf);
    int distinct = 1;
    for (int i = 0; i < NT; i++)
        for (int j = i + 1; j < NT; j++)
            if (tids[i] == tids[j])
                distinct = 0;
    YN("tids distinct", distinct);
    YN("main gettid == getpid", xgettid() == getpid());

    /* detached thread + sleep-free handoff via a pipe */
    int p[2];
    MUST(pipe(p));
    pthread_t d;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    R("detached create", pthread_create(&d, &a, detached, &p[1]));
    char c = 0;
    R("read from detached", read(p[0], &c, 1));
    printf("got: %c\n", c);
    return 0;
}
