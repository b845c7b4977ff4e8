/* CPU-time clocks: pthread_getcpuclockid/clock_getcpuclockid ids for the caller, another
 * thread and a child; clock_gettime/clock_getres on them; invalid encodings; and
 * clock_settime's errors in Linux's order (no clock is actually set). */
#include "abi.h"
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

#define MAKE_PROCESS_CPUCLOCK(pid, clock) ((int)((unsigned)~(pid) << 3) | (clock))
#define MAKE_THREAD_CPUCLOCK(tid, clock) MAKE_PROCESS_CPUCLOCK(tid, (clock) | 4)
#define CPUCLOCK_PROF 0
#define CPUCLOCK_VIRT 1
#define CPUCLOCK_SCHED 2

static volatile int stop;
static pid_t other_tid;

static void *spin(void *arg)
{
    (void)arg;
    other_tid = (pid_t)syscall(SYS_gettid);
    while (!stop)
        usleep(1000);
    return NULL;
}

static void gt(const char *label, int clk)
{
    struct timespec a, b;
    errno = 0;
    long r = syscall(SYS_clock_gettime, clk, &a);
    if (r < 0) {
        printf("%s = -1 %s\n", label, errname(errno));
        return;
    }
    MUST(syscall(SYS_clock_gettime, clk, &b));
    printf("%s = 0 valid=%d monotonic=%d\n", label, a.tv_nsec >= 0 && a.tv_nsec < 1000000000,
           b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
}

int main(void)
{
    clockid_t cid;
    R("pthread_getcpuclockid self", pthread_getcpuclockid(pthread_self(), &cid));
    R("encodes gettid", cid == MAKE_THREAD_CPUCLOCK((pid_t)syscall(SYS_gettid), CPUCLOCK_SCHED));
    YN("negative", cid < 0);
    gt("gettime own thread clock", cid);
    R("clock_getcpuclockid self", clock_getcpuclockid(0, &cid));
    YN("is CLOCK_PROCESS_CPUTIME_ID", cid == CLOCK_PROCESS_CPUTIME_ID);
    gt("gettime own process by pid", MAKE_PROCESS_CPUCLOCK(getpid(), CPUCLOCK_SCHED));
    gt("gettime thread pid 0 SCHED", MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_SCHED));
    gt("gettime thread pid 0 PROF", MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_PROF));
    gt("gettime thread pid 0 VIRT", MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_VIRT));
    gt("gettime process pid 0 PROF", MAKE_PROCESS_CPUCLOCK(0, CPUCLOCK_PROF));
    gt("gettime which 3 (thread)", MAKE_THREAD_CPUCLOCK(0, 3));
    gt("gettime CLOCKFD encoding", MAKE_PROCESS_CPUCLOCK(0, 3));
    gt("gettime unknown thread", MAKE_THREAD_CPUCLOCK(0x7ffffff0, CPUCLOCK_SCHED));
    gt("gettime unknown process", MAKE_PROCESS_CPUCLOCK(0x7ffffff0, CPUCLOCK_SCHED));
    R("gettime bad ptr", syscall(SYS_clock_gettime, MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_SCHED), (void *)8));

    struct timespec res;
    R("getres thread SCHED", syscall(SYS_clock_getres, MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_SCHED), &res));
    printf("resolution = %ld.%09ld\n", (long)res.tv_sec, res.tv_nsec);
    R("getres process SCHED", syscall(SYS_clock_getres, MAKE_PROCESS_CPUCLOCK(getpid(), CPUCLOCK_SCHED), &res));
    printf("resolution = %ld.%09ld\n", (long)res.tv_sec, res.tv_nsec);
    R("getres NULL", syscall(SYS_clock_getres, MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_SCHED), NULL));
    R("getres unknown", syscall(SYS_clock_getres, MAKE_THREAD_CPUCLOCK(0x7ffffff0, CPUCLOCK_SCHED), &res));
    R("getres bad ptr", syscall(SYS_clock_getres, MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_SCHED), (void *)8));
    R("getres TAI", syscall(SYS_clock_getres, 11, &res));

    /* Another thread of the process: its clock by tid; as a process clock it is not one. */
    pthread_t th;
    MUST(pthread_create(&th, NULL, spin, NULL) == 0 ? 0 : -1);
    while (!__atomic_load_n(&other_tid, __ATOMIC_SEQ_CST))
        usleep(1000);
    R("pthread_getcpuclockid other", pthread_getcpuclockid(th, &cid));
    R("encodes its tid", cid == MAKE_THREAD_CPUCLOCK(other_tid, CPUCLOCK_SCHED));
    gt("gettime other thread", cid);
    gt("gettime other thread's tid as process", MAKE_PROCESS_CPUCLOCK(other_tid, CPUCLOCK_SCHED));
    R("getres other thread's tid as process",
      syscall(SYS_clock_getres, MAKE_PROCESS_CPUCLOCK(other_tid, CPUCLOCK_SCHED), &res));
    gt("gettime own tid as process", MAKE_PROCESS_CPUCLOCK((pid_t)syscall(SYS_gettid), CPUCLOCK_SCHED));
    stop = 1;
    pthread_join(th, NULL);

    /* A child process: its process clock works, its thread clock is not ours to read. */
    int gate[2];
    MUST(pipe(gate));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        char x;
        close(gate[1]);
        MUST(read(gate[0], &x, 1));
        _exit(0);
    }
    close(gate[0]);
    R("clock_getcpuclockid child", clock_getcpuclockid(c, &cid));
    gt("gettime child process", cid);
    gt("gettime child as thread", MAKE_THREAD_CPUCLOCK(c, CPUCLOCK_SCHED));
    MUST(write(gate[1], "x", 1));
    MUST(waitpid(c, NULL, 0));
    gt("gettime reaped child", cid);

    /* clock_settime: clock first, then the pointer, then the value; never a valid time. */
    struct timespec bad = {0, 2000000000};
    R("settime MONOTONIC", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &bad));
    R("settime MONOTONIC bad ptr", syscall(SYS_clock_settime, CLOCK_MONOTONIC, (void *)8));
    R("settime BOOTTIME", syscall(SYS_clock_settime, CLOCK_BOOTTIME, &bad));
    R("settime 100", syscall(SYS_clock_settime, 100, &bad));
    R("settime PROCESS_CPUTIME_ID", syscall(SYS_clock_settime, CLOCK_PROCESS_CPUTIME_ID, &bad));
    R("settime REALTIME bad ptr", syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8));
    R("settime REALTIME bad nsec", syscall(SYS_clock_settime, CLOCK_REALTIME, &bad));
    R("settime thread clock", syscall(SYS_clock_settime, MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_SCHED), &bad));
    R("settime thread clock bad ptr", syscall(SYS_clock_settime, MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_SCHED), (void *)8));
    R("settime unknown thread clock", syscall(SYS_clock_settime, MAKE_THREAD_CPUCLOCK(0x7ffffff0, CPUCLOCK_SCHED), (void *)8));
    return 0;
}
