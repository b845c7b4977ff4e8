/* sched_setattr/sched_getattr: the size protocol, flags, policies, nice, clamps, deadline parameters, errors. */
#include "abi.h"
#include <pthread.h>

struct attr {
    unsigned size, policy;
    unsigned long long flags;
    int nice;
    unsigned prio;
    unsigned long long runtime, deadline, period;
    unsigned util_min, util_max;
};

static void show(const char *label, int pid)
{
    struct attr a;
    memset(&a, 0xff, sizeof a);
    long r = syscall(SYS_sched_getattr, pid, &a, sizeof a, 0);
    if (r < 0) {
        printf("%s: %s\n", label, errname(errno));
        return;
    }
    printf("%s: size %u policy %u flags %#llx nice %d prio %u dl %llu/%llu/%llu util %u..%u\n", label,
           a.size, a.policy, a.flags, a.nice, a.prio, a.runtime, a.deadline, a.period, a.util_min,
           a.util_max);
}

static void *dl_thread(void *arg)
{
    (void)arg;
    struct attr a = {sizeof a, 6, 0, 0, 0, 10000000, 30000000, 100000000, 0, 0};
    R("thread: set SCHED_DEADLINE", syscall(SYS_sched_setattr, 0, &a, 0));
    show("thread: deadline", 0);
    struct attr o = {sizeof o, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    R("thread: back to SCHED_OTHER", syscall(SYS_sched_setattr, 0, &o, 0));
    return NULL;
}

int main(void)
{
    struct attr a;
    show("initial", 0);
    R("get: NULL", syscall(SYS_sched_getattr, 0, NULL, sizeof a, 0));
    R("get: negative pid", syscall(SYS_sched_getattr, -1, &a, sizeof a, 0));
    R("get: size too small", syscall(SYS_sched_getattr, 0, &a, 40, 0));
    R("get: size too big", syscall(SYS_sched_getattr, 0, &a, 8192, 0));
    R("get: flags", syscall(SYS_sched_getattr, 0, &a, sizeof a, 1));
    R("get: no such pid", syscall(SYS_sched_getattr, 0x3ffffff0, &a, sizeof a, 0));
    R("get: bad pointer", syscall(SYS_sched_getattr, 0, (void *)8, sizeof a, 0));
    memset(&a, 0, sizeof a);
    R("get: size 48", syscall(SYS_sched_getattr, 0, &a, 48, 0));
    printf("  size field %u\n", a.size);
    char big[128];
    memset(big, 0, sizeof big);
    R("get: size 128", syscall(SYS_sched_getattr, 0, big, 128, 0));
    printf("  size field %u\n", *(unsigned *)big);

    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.nice = 5;
    R("set: nice 5", syscall(SYS_sched_setattr, 0, &a, 0));
    show("nice 5", 0);
    a.nice = 100;
    R("set: nice 100 (clamped)", syscall(SYS_sched_setattr, 0, &a, 0));
    show("clamped", 0);
    a.nice = 0;
    R("set: nice 0", syscall(SYS_sched_setattr, 0, &a, 0));
    a.runtime = 5000000;
    R("set: custom slice 5 ms", syscall(SYS_sched_setattr, 0, &a, 0));
    show("slice", 0);
    a.runtime = 1;
    R("set: custom slice 1 ns", syscall(SYS_sched_setattr, 0, &a, 0));
    show("slice", 0);
    a.runtime = 0;
    R("set: default slice", syscall(SYS_sched_setattr, 0, &a, 0));
    R("set: NULL", syscall(SYS_sched_setattr, 0, NULL, 0));
    R("set: flags arg", syscall(SYS_sched_setattr, 0, &a, 1));
    R("set: negative pid", syscall(SYS_sched_setattr, -1, &a, 0));
    R("set: bad pointer", syscall(SYS_sched_setattr, 0, (void *)8, 0));
    a.size = 40;
    R("set: size 40", syscall(SYS_sched_setattr, 0, &a, 0));
    printf("  size written back %u\n", a.size);
    a.size = 8192;
    R("set: size 8192", syscall(SYS_sched_setattr, 0, &a, 0));
    printf("  size written back %u\n", a.size);
    memset(big, 0, sizeof big);
    *(unsigned *)big = 64;
    R("set: size 64, zero tail", syscall(SYS_sched_setattr, 0, big, 0));
    big[60] = 1;
    R("set: size 64, nonzero tail", syscall(SYS_sched_setattr, 0, big, 0));
    printf("  size written back %u\n", *(unsigned *)big);
    memset(&a, 0, sizeof a);
    a.size = 0;
    R("set: size 0 (VER0)", syscall(SYS_sched_setattr, 0, &a, 0));
    a.size = sizeof a;
    a.policy = 4;
    R("set: policy 4", syscall(SYS_sched_setattr, 0, &a, 0));
    a.policy = (unsigned)-2;
    R("set: negative policy", syscall(SYS_sched_setattr, 0, &a, 0));
    a.policy = 0;
    a.flags = 0x80;
    R("set: unknown flag", syscall(SYS_sched_setattr, 0, &a, 0));
    a.flags = 0;
    a.prio = 5;
    R("set: priority with SCHED_OTHER", syscall(SYS_sched_setattr, 0, &a, 0));
    a.policy = 1, a.prio = 0;
    R("set: FIFO priority 0", syscall(SYS_sched_setattr, 0, &a, 0));
    a.prio = 100;
    R("set: FIFO priority 100", syscall(SYS_sched_setattr, 0, &a, 0));
    a.policy = 3, a.prio = 0, a.nice = 2;
    R("set: BATCH nice 2", syscall(SYS_sched_setattr, 0, &a, 0));
    show("batch", 0);
    a.policy = 5, a.nice = 0;
    a.flags = 1;
    R("set: IDLE reset-on-fork", syscall(SYS_sched_setattr, 0, &a, 0));
    show("idle", 0);
    R("getscheduler", syscall(SYS_sched_getscheduler, 0));
    a.policy = 0, a.flags = 0x8 | 0x10; /* KEEP_POLICY | KEEP_PARAMS */
    R("set: keep policy and params", syscall(SYS_sched_setattr, 0, &a, 0));
    show("kept", 0);
    a.flags = 0x20 | 0x40, a.util_min = 100, a.util_max = 500;
    R("set: clamps 100..500 (policy kept? no)", syscall(SYS_sched_setattr, 0, &a, 0));
    show("clamps", 0);
    a.util_min = 600;
    R("set: clamp min > max", syscall(SYS_sched_setattr, 0, &a, 0));
    a.util_min = 2000, a.util_max = 500;
    R("set: clamp min > 1024", syscall(SYS_sched_setattr, 0, &a, 0));
    a.flags = 0x20, a.util_min = 0xffffffff;
    R("set: clamp min reset", syscall(SYS_sched_setattr, 0, &a, 0));
    a.flags = 0x40, a.util_max = 0xffffffff;
    R("set: clamp max reset", syscall(SYS_sched_setattr, 0, &a, 0));
    show("clamps reset", 0);
    a.flags = 0x20, a.util_min = 10;
    a.size = 48;
    R("set: clamp with a VER0 size", syscall(SYS_sched_setattr, 0, &a, 0));
    memset(&a, 0, sizeof a);
    a.size = sizeof a, a.policy = 6;
    R("set: deadline 0", syscall(SYS_sched_setattr, 0, &a, 0));
    a.runtime = 100, a.deadline = 30000000, a.period = 100000000;
    R("set: runtime too small", syscall(SYS_sched_setattr, 0, &a, 0));
    a.runtime = 40000000;
    R("set: runtime > deadline", syscall(SYS_sched_setattr, 0, &a, 0));
    a.runtime = 10000000, a.period = 20000000;
    R("set: period < deadline", syscall(SYS_sched_setattr, 0, &a, 0));
    a.period = 10000000000ULL;
    R("set: period > 4 s", syscall(SYS_sched_setattr, 0, &a, 0));
    pthread_t th;
    pthread_create(&th, NULL, dl_thread, NULL);
    pthread_join(th, NULL);
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    R("set: no such pid", syscall(SYS_sched_setattr, 0x3ffffff0, &a, 0));
    R("set: back to OTHER", syscall(SYS_sched_setattr, 0, &a, 0));
    show("final", 0);
    return 0;
}
