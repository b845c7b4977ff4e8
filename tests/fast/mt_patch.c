/* Threads all make calls from one syscall site while the first trap patches it: no crash,
 * no lost or doubled call (each write(2) adds 1 to an eventfd counter; the sum must be
 * exact) and every call's result right. */
#include "fast.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <unistd.h>

SITE(site_write, 1)

#define NTHREADS 8
#define CALLS 3000

static int efd;
static atomic_int go;
static atomic_long bad;

static void *worker(void *arg)
{
    (void)arg;
    uint64_t one = 1;
    while (!atomic_load(&go))
        ; /* start together: the first trap races with the other threads' calls */
    for (int i = 0; i < CALLS; i++)
        if (site_write(efd, (long)&one, 8) != 8)
            atomic_fetch_add(&bad, 1);
    return NULL;
}

int main(void)
{
    efd = eventfd(0, 0);
    CHECK(efd >= 0, "eventfd");
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0, "pthread_create");
    atomic_store(&go, 1);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    uint64_t sum = 0;
    CHECK(read(efd, &sum, 8) == 8, "read eventfd");
    printf("calls %d, counted %llu, bad results %ld\n", NTHREADS * CALLS, (unsigned long long)sum,
           (long)atomic_load(&bad));
    fprintf(stderr, "patched=%d\n", PATCHED(site_write));
    return sum == (uint64_t)NTHREADS * CALLS && atomic_load(&bad) == 0 ? 0 : 1;
}
