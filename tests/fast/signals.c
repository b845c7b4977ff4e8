/* Signals landing during fast entries: a 10 kHz interval timer while 10^6 calls loop on one
 * site (every result right, the handler ran), and tgkill from another thread, one signal at
 * a time with a handshake: every signal handled, and none left waiting while the program
 * runs without making calls (a signal stuck in the way out of the LibOS would show here). */
#define _GNU_SOURCE
#include "fast.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

SITE(site_getppid, 110)

#define CALLS 1000000
#define KICKS 2000

static atomic_long alarms, usr1, sent;
static volatile int done;
static pid_t main_tid;

static void on_alarm(int s)
{
    (void)s;
    atomic_fetch_add(&alarms, 1);
}

static void on_usr1(int s)
{
    (void)s;
    atomic_fetch_add(&usr1, 1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *kicker(void *arg)
{
    (void)arg;
    for (int k = 1; k <= KICKS; k++) {
        atomic_store(&sent, k);
        syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
        double t0 = now();
        while (atomic_load(&usr1) < k && now() - t0 < 5)
            ;
        if (atomic_load(&usr1) < k)
            break;
    }
    done = 1;
    return NULL;
}

int main(void)
{
    long ppid = getppid();
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
    struct itimerval it = {{0, 100}, {0, 100}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
    long wrong = 0;
    for (long i = 0; i < CALLS; i++)
        if (site_getppid(0, 0, 0) != ppid)
            wrong++;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    CHECK(wrong == 0, "%ld wrong results under the timer", wrong);
    CHECK(atomic_load(&alarms) > 0, "no SIGALRM handled");

    main_tid = gettid();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, kicker, NULL) == 0, "pthread_create");
    long stuck = 0;
    while (!done) {
        if (site_getppid(0, 0, 0) != ppid)
            wrong++;
        /* Sent but not handled: wait without a single call.  A signal must arrive. */
        long s = atomic_load(&sent);
        if (atomic_load(&usr1) < s) {
            double t0 = now(); /* the vDSO: no call into the LibOS */
            while (atomic_load(&usr1) < s && now() - t0 < 1.0)
                ;
            if (atomic_load(&usr1) < s)
                stuck++;
        }
    }
    pthread_join(t, NULL);
    CHECK(wrong == 0, "%ld wrong results under tgkill", wrong);
    printf("timer: results right, handler ran; tgkill: %ld of %d handled, %ld stuck\n",
           (long)atomic_load(&usr1), KICKS, stuck);
    fprintf(stderr, "alarms=%ld patched=%d\n", (long)atomic_load(&alarms), PATCHED(site_getppid));
    return atomic_load(&usr1) == KICKS && stuck == 0 ? 0 : 1;
}
