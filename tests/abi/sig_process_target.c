/* Process-directed signals reach a thread that does not block them: with a second thread
 * blocking every signal (as CPython's faulthandler watchdog does), 200 one-shot ITIMER_REAL
 * timers each interrupt the main thread's sleep, and kill(getpid()) sent by the blocking
 * thread interrupts the main thread's nanosleep with EINTR. */
#include "abi.h"
#include <pthread.h>
#include <sys/time.h>

static volatile sig_atomic_t got_alrm, got_usr1;
static void on_alrm(int s) { (void)s; got_alrm++; }
static void on_usr1(int s) { (void)s; got_usr1++; }

static int stop;
static void *blocker(void *a)
{
    (void)a;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
        usleep(1000);
    return NULL;
}

static void *killer(void *a)
{
    (void)a;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    usleep(200 * 1000);
    kill(getpid(), SIGUSR1);
    return NULL;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t b, k;
    if ((errno = pthread_create(&b, NULL, blocker, NULL)) != 0) {
        printf("pthread_create: %s\n", errname(errno));
        return 1;
    }
    int lost = 0;
    for (int i = 0; i < 200; i++) {
        int want = got_alrm + 1;
        struct itimerval it = {{0, 0}, {0, 1 + i % 10}};
        setitimer(ITIMER_REAL, &it, NULL);
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (got_alrm < want) {
            usleep(10);
            clock_gettime(CLOCK_MONOTONIC, &t);
            if (t.tv_sec - t0.tv_sec >= 5) {
                lost++;
                break;
            }
        }
    }
    printf("timer signals handled: %d, lost: %d\n", (int)got_alrm, lost);

    if ((errno = pthread_create(&k, NULL, killer, NULL)) != 0) {
        printf("pthread_create: %s\n", errname(errno));
        return 1;
    }
    struct timespec ten = {10, 0};
    R("nanosleep interrupted by kill from a blocking thread", nanosleep(&ten, NULL));
    printf("SIGUSR1 handled: %d\n", (int)got_usr1);
    pthread_join(k, NULL);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    pthread_join(b, NULL);
    return 0;
}
