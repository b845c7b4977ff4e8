/* sched_setscheduler/getscheduler/setparam/getparam, priority ranges, rr_get_interval,
 * SCHED_RESET_ON_FORK, inheritance by threads and children, affinity masks: the values
 * read back, and EINVAL/ESRCH/EFAULT/EPERM in Linux's order. */
#include "abi.h"
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>

#ifndef SCHED_BATCH
#define SCHED_BATCH 3
#endif
#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif
#define SCHED_DEADLINE 6
#define RESET_ON_FORK 0x40000000

static long getsched(int pid)
{
    return syscall(SYS_sched_getscheduler, pid);
}

static int getprio(int pid)
{
    struct sched_param sp = {-1};
    if (syscall(SYS_sched_getparam, pid, &sp) < 0)
        return -1000 - errno;
    return sp.sched_priority;
}

static void *thread_main(void *arg)
{
    (void)arg;
    printf("thread policy = %ld prio = %d\n", getsched(0), getprio(0));
    return NULL;
}

int main(void)
{
    struct sched_param sp = {0};
    for (int p = 0; p <= 7; p++)
        printf("policy %d: max %ld min %ld\n", p, syscall(SYS_sched_get_priority_max, p),
               syscall(SYS_sched_get_priority_min, p));
    R("getscheduler self", getsched(0));
    R("getscheduler own pid", getsched(getpid()));
    R("getscheduler -1", getsched(-1));
    R("getscheduler unknown", getsched(0x7ffffff0));
    R("getparam self", getprio(0));
    R("getparam NULL", syscall(SYS_sched_getparam, 0, NULL));
    R("getparam -1", syscall(SYS_sched_getparam, -1, &sp));
    R("getparam bad ptr", syscall(SYS_sched_getparam, 0, (void *)8));
    R("getparam unknown", syscall(SYS_sched_getparam, 0x7ffffff0, &sp));

    /* Errors of setscheduler, in order. */
    R("set policy -1", syscall(SYS_sched_setscheduler, 0, -1, &sp));
    R("set NULL param", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL));
    R("set pid -1", syscall(SYS_sched_setscheduler, -1, SCHED_OTHER, &sp));
    R("set bad ptr", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (void *)8));
    R("set unknown pid", syscall(SYS_sched_setscheduler, 0x7ffffff0, 99, &sp));
    R("set policy 4", syscall(SYS_sched_setscheduler, 0, 4, &sp));
    R("set policy 7", syscall(SYS_sched_setscheduler, 0, 7, &sp));
    R("set deadline", syscall(SYS_sched_setscheduler, 0, SCHED_DEADLINE, &sp));
    sp.sched_priority = 1;
    R("OTHER with prio 1", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
    sp.sched_priority = 0;
    R("FIFO with prio 0", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &sp));
    sp.sched_priority = 100;
    R("RR with prio 100", syscall(SYS_sched_setscheduler, 0, SCHED_RR, &sp));
    sp.sched_priority = -1;
    R("setparam -1", syscall(SYS_sched_setparam, 0, &sp));
    R("setparam NULL", syscall(SYS_sched_setparam, 0, NULL));
    R("setparam bad ptr", syscall(SYS_sched_setparam, 0, (void *)8));

    /* Successful changes read back. */
    sp.sched_priority = 0;
    R("set BATCH", syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp));
    R("-> policy", getsched(0));
    R("set IDLE", syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &sp));
    R("-> policy", getsched(0));
    R("set OTHER", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
    R("setparam 0 (OTHER)", syscall(SYS_sched_setparam, 0, &sp));
    sp.sched_priority = 5;
    R("setparam 5 (OTHER)", syscall(SYS_sched_setparam, 0, &sp));
    sp.sched_priority = 10;
    R("set RR 10", syscall(SYS_sched_setscheduler, 0, SCHED_RR, &sp));
    R("-> policy", getsched(0));
    R("-> prio", getprio(0));
    struct timespec ts = {-1, -1};
    R("rr_get_interval RR", syscall(SYS_sched_rr_get_interval, 0, &ts));
    printf("RR interval = %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    sp.sched_priority = 20;
    R("setparam 20", syscall(SYS_sched_setparam, 0, &sp));
    R("-> prio", getprio(0));
    sp.sched_priority = 0;
    R("setparam 0 (RR)", syscall(SYS_sched_setparam, 0, &sp));

    /* Threads inherit the policy; SCHED_RESET_ON_FORK drops RT in children. */
    pthread_t th;
    fflush(stdout);
    MUST(pthread_create(&th, NULL, thread_main, NULL) == 0 ? 0 : -1);
    pthread_join(th, NULL);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        printf("child policy = %ld prio = %d\n", getsched(0), getprio(0));
        _exit(0);
    }
    MUST(waitpid(c, NULL, 0));
    sp.sched_priority = 15;
    R("set FIFO|RESET_ON_FORK", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO | RESET_ON_FORK, &sp));
    R("-> policy", getsched(0));
    R("rr_get_interval FIFO", syscall(SYS_sched_rr_get_interval, 0, &ts));
    printf("FIFO interval = %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        printf("child policy = %ld prio = %d\n", getsched(0), getprio(0));
        _exit(0);
    }
    MUST(waitpid(c, NULL, 0));
    sp.sched_priority = 0;
    R("back to OTHER", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
    R("-> policy", getsched(0));

    R("rr_get_interval -1", syscall(SYS_sched_rr_get_interval, -1, &ts));
    R("rr_get_interval unknown", syscall(SYS_sched_rr_get_interval, 0x7ffffff0, &ts));
    R("rr_get_interval bad ptr", syscall(SYS_sched_rr_get_interval, 0, (void *)8));
    ts.tv_sec = -1;
    R("rr_get_interval OTHER", syscall(SYS_sched_rr_get_interval, 0, &ts));
    YN("OTHER interval in [0, 1s)", ts.tv_sec == 0 && ts.tv_nsec >= 0);

    /* An unprivileged process may not take a real-time policy (RLIMIT_RTPRIO 0). */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct rlimit { unsigned long cur, max; } rl = {0, 0};
        MUST(syscall(SYS_setrlimit, 15 /* RLIMIT_RTPRIO */, &rl));
        MUST(setuid(65534));
        sp.sched_priority = 1;
        R("user: set FIFO", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &sp));
        sp.sched_priority = 0;
        R("user: set BATCH", syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp));
        R("user: parent's", syscall(SYS_sched_setscheduler, getppid(), SCHED_OTHER, &sp));
        _exit(0);
    }
    MUST(waitpid(c, NULL, 0));

    /* Affinity: a recorded mask reads back; no CPU left is EINVAL. */
    cpu_set_t s, one;
    MUST(sched_getaffinity(0, sizeof s, &s));
    int first = -1;
    for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
        if (CPU_ISSET(i, &s))
            first = i;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    R("setaffinity first cpu", sched_setaffinity(0, sizeof one, &one));
    CPU_ZERO(&s);
    MUST(sched_getaffinity(0, sizeof s, &s));
    YN("reads back", CPU_EQUAL(&s, &one));
    unsigned cpu = 9999;
    MUST(syscall(SYS_getcpu, &cpu, NULL, NULL));
    YN("getcpu in mask", cpu == (unsigned)first);
    CPU_ZERO(&s);
    CPU_SET(CPU_SETSIZE - 1, &s);
    R("setaffinity no existing cpu", sched_setaffinity(0, sizeof s, &s));
    R("setaffinity bad ptr", syscall(SYS_sched_setaffinity, 0, sizeof s, (void *)8));
    R("setaffinity unknown pid", sched_setaffinity(0x7ffffff0, sizeof one, &one));
    R("setaffinity -1", sched_setaffinity(-1, sizeof one, &one));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        CPU_ZERO(&s);
        MUST(sched_getaffinity(0, sizeof s, &s));
        YN("child inherits mask", CPU_EQUAL(&s, &one));
        _exit(0);
    }
    MUST(waitpid(c, NULL, 0));
    return 0;
}
