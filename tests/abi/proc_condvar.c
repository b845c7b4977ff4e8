/* pthread mutex/condvar stress with 4 threads: 2 producers and 2 consumers over a bounded
 * ring (both condvars, broadcast and signal), a barrier round, a counter under a mutex,
 * pthread_cond_timedwait timing out, trylock EBUSY from another thread. */
#include "abi.h"
#include <pthread.h>
#include <time.h>

#define ITEMS 20000
#define RING 8

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long ring[RING];
static int head, tail, count, producers_left = 2;
static long consumed_sum[2], consumed_n[2];
static pthread_barrier_t bar;
static long counter;

static void *producer(void *arg)
{
    long id = (long)arg;
    for (long i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&mu);
        while (count == RING)
            pthread_cond_wait(&not_full, &mu);
        ring[tail] = i * 2 + id; /* odd/even by producer */
        tail = (tail + 1) % RING;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    producers_left--;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *consumer(void *arg)
{
    long id = (long)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (count == 0 && producers_left > 0)
            pthread_cond_wait(&not_empty, &mu);
        if (count == 0) {
            pthread_mutex_unlock(&mu);
            break;
        }
        long v = ring[head];
        head = (head + 1) % RING;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&mu);
        consumed_sum[id] += v;
        consumed_n[id]++;
    }
    return NULL;
}

static void *bar_worker(void *arg)
{
    (void)arg;
    int serial = 0;
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 100; i++) {
            pthread_mutex_lock(&mu);
            counter++;
            pthread_mutex_unlock(&mu);
        }
        if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD)
            serial++;
    }
    return (void *)(long)serial;
}

static void *try_other(void *arg)
{
    (void)arg;
    return (void *)(long)pthread_mutex_trylock(&mu);
}

int main(void)
{
    pthread_t t[4];
    pthread_create(&t[0], NULL, producer, (void *)0L);
    pthread_create(&t[1], NULL, producer, (void *)1L);
    pthread_create(&t[2], NULL, consumer, (void *)0L);
    pthread_create(&t[3], NULL, consumer, (void *)1L);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    long n = consumed_n[0] + consumed_n[1];
    long sum = consumed_sum[0] + consumed_sum[1];
    long expect = 2 * (2L * ITEMS * (ITEMS + 1) / 2) + ITEMS; /* sum of 2i + sum of 2i+1 */
    printf("items consumed: %ld (expected %d)\n", n, 2 * ITEMS);
    printf("sum matches: %s\n", sum == expect ? "yes" : "no");
    printf("ring empty at end: %s\n", count == 0 ? "yes" : "no");

    pthread_barrier_init(&bar, NULL, 4);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, bar_worker, NULL);
    long serials = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        serials += (long)r;
    }
    printf("counter: %ld, barrier serial threads: %ld\n", counter, serials);
    pthread_barrier_destroy(&bar);

    /* timed wait with nobody signalling */
    pthread_mutex_lock(&mu);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    int r = pthread_cond_timedwait(&not_empty, &mu, &ts);
    printf("cond_timedwait: %s\n", errname(r));
    pthread_t o;
    void *tr;
    pthread_create(&o, NULL, try_other, NULL);
    pthread_join(o, &tr);
    printf("trylock from another thread while held: %s\n", errname((int)(long)tr));
    pthread_mutex_unlock(&mu);
    return 0;
}
