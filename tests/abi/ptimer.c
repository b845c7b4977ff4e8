/* POSIX timers: timer_create/settime/gettime/getoverrun/delete on every clock, SIGEV_SIGNAL, SIGEV_THREAD_ID, SIGEV_NONE, overruns, fork and exec. */
#include "abi.h"
#include <pthread.h>
#include <time.h>

struct kev { long value; int signo, notify, tid, pad[11]; };
struct kits { struct timespec interval, value; };
#define SI_TIMER_ (-2)

static long tcreate(int clock, struct kev *ev, int *id) { return syscall(SYS_timer_create, clock, ev, id); }
static long tset(int id, int flags, long v_ns, long i_ns, struct kits *old)
{
    struct kits k = {{i_ns / 1000000000, i_ns % 1000000000}, {v_ns / 1000000000, v_ns % 1000000000}};
    return syscall(SYS_timer_settime, id, flags, &k, old);
}
static long ns_of(const struct timespec *t) { return t->tv_sec * 1000000000L + t->tv_nsec; }
static long now_ns(int c) { struct timespec t; clock_gettime(c, &t); return ns_of(&t); }

static int wait_sig(int sig, siginfo_t *si, int ms)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    struct timespec to = {ms / 1000, (ms % 1000) * 1000000L};
    return sigtimedwait(&s, si, &to);
}

static volatile int got_tid, got_sig;
static int target_tid;
static void *waiter(void *arg)
{
    siginfo_t si;
    target_tid = (int)xgettid();
    __atomic_store_n((int *)arg, 1, __ATOMIC_SEQ_CST);
    if (wait_sig(SIGRTMIN + 1, &si, 2000) == SIGRTMIN + 1)
        got_tid = (int)xgettid();
    return NULL;
}

static volatile int fired;
static void on_sig(int s) { (void)s; fired++; }

int main(int argc, char **argv)
{
    int id = -1, id2 = -1;
    struct kev ev;
    struct kits cur;
    siginfo_t si;
    if (argc > 1) {
        /* after exec: no timer survives, and ids go on */
        R("exec: gettime of the old timer", syscall(SYS_timer_gettime, 0, &cur));
        return 0;
    }
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigaddset(&block, SIGRTMIN);
    sigaddset(&block, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &block, NULL);

    /* --- timer_create errors, in Linux's order --- */
    memset(&ev, 0, sizeof ev);
    ev.notify = 0, ev.signo = SIGRTMIN;
    R("create: no such clock", tcreate(99, &ev, &id));
    R("create: CLOCK_MONOTONIC_RAW", tcreate(CLOCK_MONOTONIC_RAW, &ev, &id));
    R("create: CLOCK_REALTIME_COARSE", tcreate(CLOCK_REALTIME_COARSE, &ev, &id));
    R("create: CLOCK_MONOTONIC_COARSE", tcreate(CLOCK_MONOTONIC_COARSE, &ev, &id));
    R("create: clock 10", tcreate(10, &ev, &id));
    R("create: bad sigevent pointer", tcreate(CLOCK_MONOTONIC, (void *)8, &id));
    ev.notify = 7;
    R("create: bad notify", tcreate(CLOCK_MONOTONIC, &ev, &id));
    ev.notify = 0, ev.signo = 0;
    R("create: signal 0", tcreate(CLOCK_MONOTONIC, &ev, &id));
    ev.signo = 65;
    R("create: signal 65", tcreate(CLOCK_MONOTONIC, &ev, &id));
    ev.notify = 4, ev.signo = SIGRTMIN, ev.tid = 0x3ffffff0;
    R("create: thread id of nobody", tcreate(CLOCK_MONOTONIC, &ev, &id));
    ev.notify = 0;
    R("create: bad id pointer", tcreate(CLOCK_MONOTONIC, &ev, (void *)8));
    R("create: bad clock and bad sigevent", tcreate(99, (void *)8, &id));
    R("create: monotonic", tcreate(CLOCK_MONOTONIC, &ev, &id));
    printf("ids so far: first %d\n", id);
    R("create: realtime, default sigevent", tcreate(CLOCK_REALTIME, NULL, &id2));
    printf("second id %d\n", id2);

    /* --- settime/gettime/getoverrun/delete errors --- */
    R("settime: NULL new", syscall(SYS_timer_settime, id, 0, NULL, NULL));
    R("settime: bad new pointer", syscall(SYS_timer_settime, id, 0, (void *)8, NULL));
    {
        struct kits k = {{0, 0}, {0, 1000000000}};
        R("settime: value nsec 1e9", syscall(SYS_timer_settime, id, 0, &k, NULL));
        struct kits k2 = {{-1, 0}, {1, 0}};
        R("settime: negative interval", syscall(SYS_timer_settime, id, 0, &k2, NULL));
        R("settime: no such timer", syscall(SYS_timer_settime, 12345, 0, &k, NULL));
        struct kits k3 = {{0, 0}, {1, 0}};
        R("settime: no such timer, good value", syscall(SYS_timer_settime, 12345, 0, &k3, NULL));
        R("settime: bad old pointer", syscall(SYS_timer_settime, id, 0, &k3, (void *)8));
        R("gettime: armed by the failed call", syscall(SYS_timer_gettime, id, &cur));
        YN("  value set", ns_of(&cur.value) > 0);
    }
    R("gettime: no such timer", syscall(SYS_timer_gettime, 12345, &cur));
    R("gettime: bad pointer", syscall(SYS_timer_gettime, id, (void *)8));
    R("getoverrun: no such timer", syscall(SYS_timer_getoverrun, 12345));
    R("delete: no such timer", syscall(SYS_timer_delete, 12345));

    /* --- one-shot SIGEV_SIGNAL --- */
    ev.notify = 0, ev.signo = SIGRTMIN, ev.value = 0x1234;
    R("disarm", tset(id, 0, 0, 0, &cur));
    YN("old value was armed", ns_of(&cur.value) > 0);
    R("gettime disarmed", syscall(SYS_timer_gettime, id, &cur));
    YN("  all zero", ns_of(&cur.value) == 0 && ns_of(&cur.interval) == 0);
    R("delete", syscall(SYS_timer_delete, id));
    R("delete again", syscall(SYS_timer_delete, id));
    R("create with value", tcreate(CLOCK_MONOTONIC, &ev, &id));
    printf("third id %d\n", id);
    long t0 = now_ns(CLOCK_MONOTONIC);
    R("arm 30 ms", tset(id, 0, 30000000, 0, NULL));
    R("gettime", syscall(SYS_timer_gettime, id, &cur));
    YN("  0 < value <= 30 ms", ns_of(&cur.value) > 0 && ns_of(&cur.value) <= 30000000);
    YN("  no interval", ns_of(&cur.interval) == 0);
    R("wait", wait_sig(SIGRTMIN, &si, 2000));
    YN("  not early", now_ns(CLOCK_MONOTONIC) - t0 >= 30000000);
    YN("  si_code SI_TIMER", si.si_code == SI_TIMER_);
    YN("  si_value", si.si_value.sival_ptr == (void *)0x1234);
    YN("  si_timerid", ((int *)&si)[4] == id);
    printf("  si_overrun %d\n", ((int *)&si)[5]);
    R("gettime after expiry", syscall(SYS_timer_gettime, id, &cur));
    YN("  disarmed", ns_of(&cur.value) == 0);
    R("getoverrun", syscall(SYS_timer_getoverrun, id));

    /* --- absolute time in the past fires at once, default sigevent --- */
    R("realtime default: arm absolute in the past", tset(id2, TIMER_ABSTIME, 1000000000L, 0, NULL));
    R("wait SIGALRM", wait_sig(SIGALRM, &si, 2000));
    YN("  si_value is the id", si.si_value.sival_int == id2 && si.si_code == SI_TIMER_);
    R("relative realtime 10 ms", tset(id2, 0, 10000000, 0, NULL));
    R("wait SIGALRM", wait_sig(SIGALRM, &si, 2000));

    /* --- periodic with the signal blocked: overruns --- */
    R("arm 1 ms period", tset(id, 0, 1000000, 1000000, NULL));
    usleep(60000);
    R("gettime while the signal waits", syscall(SYS_timer_gettime, id, &cur));
    YN("  interval 1 ms", ns_of(&cur.interval) == 1000000);
    YN("  0 < value <= 1 ms", ns_of(&cur.value) > 0 && ns_of(&cur.value) <= 1000000);
    R("wait", wait_sig(SIGRTMIN, &si, 2000));
    int ov = ((int *)&si)[5];
    YN("  si_overrun >= 30", ov >= 30);
    YN("  getoverrun == si_overrun", syscall(SYS_timer_getoverrun, id) == ov);
    R("wait again", wait_sig(SIGRTMIN, &si, 2000));
    YN("  small overrun now", ((int *)&si)[5] < 30);
    R("re-set drops the queued signal", tset(id, 0, 5000000, 0, NULL));
    R("getoverrun after re-set", syscall(SYS_timer_getoverrun, id));
    R("wait", wait_sig(SIGRTMIN, &si, 2000));
    R("disarm", tset(id, 0, 0, 0, NULL));

    /* --- SIGEV_NONE --- */
    ev.notify = 1;
    R("SIGEV_NONE create", tcreate(CLOCK_MONOTONIC, &ev, &id2));
    R("gettime unarmed", syscall(SYS_timer_gettime, id2, &cur));
    YN("  zero", ns_of(&cur.value) == 0);
    R("arm one-shot 10 ms", tset(id2, 0, 10000000, 0, NULL));
    R("gettime", syscall(SYS_timer_gettime, id2, &cur));
    YN("  0 < value <= 10 ms", ns_of(&cur.value) > 0 && ns_of(&cur.value) <= 10000000);
    usleep(20000);
    R("gettime after expiry", syscall(SYS_timer_gettime, id2, &cur));
    YN("  zero", ns_of(&cur.value) == 0);
    R("arm periodic 3 ms", tset(id2, 0, 3000000, 3000000, NULL));
    usleep(20000);
    R("gettime", syscall(SYS_timer_gettime, id2, &cur));
    YN("  0 < value <= 3 ms", ns_of(&cur.value) > 0 && ns_of(&cur.value) <= 3000000);
    YN("  no signal came", sigpending(&block) == 0 && !sigismember(&block, SIGRTMIN));
    R("delete", syscall(SYS_timer_delete, id2));

    /* --- SIGEV_THREAD_ID to another thread --- */
    pthread_t th;
    int ready = 0;
    pthread_create(&th, NULL, waiter, &ready);
    while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST))
        usleep(1000);
    ev.notify = 4, ev.signo = SIGRTMIN + 1, ev.tid = target_tid;
    R("SIGEV_THREAD_ID create", tcreate(CLOCK_MONOTONIC, &ev, &id2));
    R("arm 10 ms", tset(id2, 0, 10000000, 0, NULL));
    pthread_join(th, NULL);
    YN("  taken by the target thread", got_tid == target_tid);
    R("delete", syscall(SYS_timer_delete, id2));

    /* --- CPU clocks --- */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGRTMIN + 2, &sa, NULL);
    ev.notify = 0, ev.signo = SIGRTMIN + 2;
    int cpu_clocks[3] = {CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, 0};
    clockid_t self_thread;
    pthread_getcpuclockid(pthread_self(), &self_thread);
    cpu_clocks[2] = self_thread;
    const char *cpu_names[3] = {"process CPU clock", "thread CPU clock", "pthread_getcpuclockid"};
    for (int i = 0; i < 3; i++) {
        fired = 0;
        R(cpu_names[i], tcreate(cpu_clocks[i], &ev, &id2));
        long c0 = now_ns(cpu_clocks[i]);
        R("  arm 20 ms of CPU", tset(id2, 0, 20000000, 0, NULL));
        long w0 = now_ns(CLOCK_MONOTONIC);
        while (!fired && now_ns(CLOCK_MONOTONIC) - w0 < 3000000000L)
            ;
        YN("  fired", fired == 1);
        YN("  after 20 ms of CPU", now_ns(cpu_clocks[i]) - c0 >= 20000000);
        R("  delete", syscall(SYS_timer_delete, id2));
    }
    R("CPU clock of no such thread", tcreate(~(0x3ffffff0 << 3) | 6, &ev, &id2));
    R("CPU clock, bad which", tcreate(-8 | 3, &ev, &id2));
    R("CPU clock, clock fd", tcreate(~(3 << 3) | 3, &ev, &id2));

    /* --- delete with the signal queued --- */
    ev.notify = 0, ev.signo = SIGRTMIN;
    R("create", tcreate(CLOCK_MONOTONIC, &ev, &id2));
    R("arm 1 ms", tset(id2, 0, 1000000, 0, NULL));
    usleep(20000);
    sigpending(&block);
    YN("signal queued", sigismember(&block, SIGRTMIN));
    R("delete", syscall(SYS_timer_delete, id2));
    sigpending(&block);
    YN("signal still queued after delete", sigismember(&block, SIGRTMIN));
    R("taking it drops it", wait_sig(SIGRTMIN, &si, 20));
    sigpending(&block);
    YN("gone now", !sigismember(&block, SIGRTMIN));
    R("create", tcreate(CLOCK_MONOTONIC, &ev, &id2));
    R("arm 1 ms", tset(id2, 0, 1000000, 0, NULL));
    usleep(20000);
    R("set again, 1 s", tset(id2, 0, 1000000000L, 0, NULL));
    R("the old setting's signal is dropped", wait_sig(SIGRTMIN, &si, 20));
    R("delete", syscall(SYS_timer_delete, id2));

    /* --- fork: not inherited; the child numbers from 0 --- */
    R("arm parent's timer 1 s", tset(id, 0, 1000000000L, 0, NULL));
    pid_t c = fork();
    if (c == 0) {
        R("child: gettime of the parent's timer", syscall(SYS_timer_gettime, id, &cur));
        int cid = -1;
        R("child: create", tcreate(CLOCK_MONOTONIC, &ev, &cid));
        printf("child: first id %d\n", cid);
        _exit(0);
    }
    wait_report("child", c);
    R("parent's timer still there", syscall(SYS_timer_gettime, id, &cur));

    /* --- the alarm clocks need CAP_WAKE_ALARM --- */
    c = fork();
    if (c == 0) {
        struct { unsigned version; int pid; } h = {0x20080522, 0};
        unsigned d[6] = {0};
        MUST(syscall(SYS_capset, &h, d));
        /* EPERM without CAP_WAKE_ALARM; a host without an RTC says EOPNOTSUPP first. */
        for (int clk = 8; clk <= 9; clk++) {
            errno = 0;
            long r = tcreate(clk, &ev, &id2);
            printf("no caps: alarm clock %d refused: %s\n", clk,
                   r == -1 && (errno == EPERM || errno == EOPNOTSUPP) ? "yes" : "no");
        }
        _exit(0);
    }
    wait_report("alarm child", c);

    /* --- exec keeps none --- */
    fflush(stdout);
    execl("/proc/self/exe", "ptimer", "exec", (char *)NULL);
    printf("exec failed\n");
    return 1;
}
