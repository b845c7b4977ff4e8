/* A SIGEV_THREAD_ID timer at 1 kHz for 2 s taken by a worker thread: signals + overruns account for every period; libc's SIGEV_THREAD timers. */
#include "abi.h"
#include <pthread.h>
#include <time.h>

struct kev { long value; int signo, notify, tid, pad[11]; };
static volatile int worker_tid, stop;
static long taken, overruns;

static long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }

static void *worker(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + 3);
    worker_tid = (int)xgettid();
    while (!stop) {
        siginfo_t si;
        struct timespec to = {0, 50000000};
        if (sigtimedwait(&s, &si, &to) == SIGRTMIN + 3) {
            taken++;
            overruns += ((int *)&si)[5];
        }
    }
    return NULL;
}

static volatile int cb_runs;
static void on_expiry(union sigval v) { if (v.sival_int == 42) __atomic_add_fetch(&cb_runs, 1, __ATOMIC_SEQ_CST); }

int main(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + 3);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    while (!worker_tid)
        usleep(1000);
    struct kev ev = {0, SIGRTMIN + 3, 4 /* SIGEV_THREAD_ID */, worker_tid, {0}};
    int id;
    MUST(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id));
    struct itimerspec its = {{0, 1000000}, {0, 1000000}};
    long t0 = now_ns();
    MUST(syscall(SYS_timer_settime, id, 0, &its, NULL));
    usleep(2000000);
    struct itimerspec off = {{0, 0}, {0, 0}};
    MUST(syscall(SYS_timer_settime, id, 0, &off, NULL));
    long periods = (now_ns() - t0) / 1000000;
    usleep(100000);
    stop = 1;
    pthread_join(th, NULL);
    long accounted = taken + overruns;
    fprintf(stderr, "periods %ld, signals taken %ld, overruns %ld\n", periods, taken, overruns);
    YN("signals were taken", taken > 0);
    YN("signals + overruns within 5% of the periods",
       accounted * 100 >= periods * 95 && accounted <= periods + 2);
    MUST(syscall(SYS_timer_delete, id));

    /* libc's SIGEV_THREAD: a helper thread runs the function (SIGEV_THREAD_ID inside). */
    timer_t lt;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_notify_function = on_expiry;
    sev.sigev_value.sival_int = 42;
    R("libc timer_create SIGEV_THREAD", timer_create(CLOCK_MONOTONIC, &sev, &lt));
    struct itimerspec once = {{0, 0}, {0, 10000000}};
    R("libc timer_settime", timer_settime(lt, 0, &once, NULL));
    for (int i = 0; i < 200 && !cb_runs; i++)
        usleep(5000);
    YN("function ran once", cb_runs == 1);
    struct itimerspec per = {{0, 5000000}, {0, 5000000}};
    R("libc periodic", timer_settime(lt, 0, &per, NULL));
    for (int i = 0; i < 200 && cb_runs < 4; i++)
        usleep(5000);
    YN("function ran again", cb_runs >= 4);
    R("libc timer_delete", timer_delete(lt));
    return 0;
}
