/*
 * time.c - clocks and sleeping.
 */
#include "libos.h"
#include "proc/proc.h"

static int valid_clock(int c)
{
    return c >= 0 && c <= 11 && c != 8 && c != 9 && c != 10; /* no alarm clocks here */
}

/* ---- CPU-time clocks of a given thread or process --------------------------------------
 * A negative clock id encodes one (Linux's posix-cpu-timers): ~pid << 3, bit 2 for a
 * thread, and in bits 0-1 what is counted: 0 user+system, 1 user, 2 scheduler runtime
 * (CPUCLOCK_SCHED: what pthread_getcpuclockid and clock_getcpuclockid produce).  Ids with
 * (id & 7) == 3 are dynamic clocks (a posix clock device's fd): none exist here.  The pid
 * 0 means the caller; a thread clock must name a thread of the caller's process, and a
 * process clock a process (or, for reading, the caller's own tid).  The enclave's ids are
 * translated to the backend's ids before the host is asked. */

#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_SCHED 2
#define CLOCK_SELF(thread, which) (-8 | ((thread) ? CPUCLOCK_PERTHREAD : 0) | (which))

/* The host's view of a CPU clock: fills id and thread for pal_cpu_clock_get, or self (the
 * caller's own thread or process: a plain host clock id), or *zombie_ns.  0 or -EINVAL. */
struct cpu_clock {
    int self;          /* a host clock id for the caller itself, or 0 */
    int64_t id;        /* else the backend's id */
    int thread, which;
    int zombie;        /* a zombie process: its recorded CPU time */
    int64_t zombie_ns;
};

static int cpu_clock_find(int c, int gettime, struct cpu_clock *cc)
{
    al_memset(cc, 0, sizeof(*cc));
    if ((c & 7) == 3 || (c & 3) == 3)
        return -EINVAL;
    int pid = ~(c >> 3), thread = (c & CPUCLOCK_PERTHREAD) != 0, which = c & 3;
    cc->thread = thread;
    cc->which = which;
    if (thread) {
        struct thread *t = pid == 0 ? current : thread_by_tid(pid);
        if (!t)
            return -EINVAL;
        if (t == current)
            cc->self = CLOCK_SELF(1, which);
        else
            cc->id = t->host_tid;
        return 0;
    }
    struct process *p = pid == 0 ? current->proc : process_by_pid(pid);
    if (!p && gettime && pid == current->tid)
        p = current->proc;
    if (!p)
        return -EINVAL;
    if (p == current->proc)
        cc->self = CLOCK_SELF(0, which);
    else if (p->state == PROC_ZOMBIE)
        cc->zombie = 1, cc->zombie_ns = p->cpu_ns;
    else
        cc->id = p->host_id;
    return 0;
}

static int cpu_clock_get(int c, struct linux_timespec *ts)
{
    struct cpu_clock cc;
    int r = cpu_clock_find(c, 1, &cc);
    if (r < 0)
        return r;
    if (cc.zombie) {
        ts->tv_sec = cc.zombie_ns / 1000000000;
        ts->tv_nsec = cc.zombie_ns % 1000000000;
        return 0;
    }
    if (cc.self)
        return pal_clock_get(cc.self, &ts->tv_sec, &ts->tv_nsec);
    return pal_cpu_clock_get(cc.id, cc.thread, cc.which, &ts->tv_sec, &ts->tv_nsec);
}

SYS(clock_gettime)
{
    int c = (int)a0;
    struct linux_timespec ts;
    int r;
    if (c < 0)
        r = cpu_clock_get(c, &ts);
    else if (!valid_clock(c))
        return -EINVAL;
    else
        r = pal_clock_get(c, &ts.tv_sec, &ts.tv_nsec);
    if (r < 0)
        return r;
    return copy_to_user((uint64_t)a1, &ts, sizeof(ts));
}

SYS(clock_getres)
{
    int c = (int)a0;
    struct linux_timespec ts;
    int r;
    if (c < 0) {
        /* Same resolution for every thread and process: ask the host about the caller's. */
        struct cpu_clock cc;
        r = cpu_clock_find(c, 0, &cc);
        if (r < 0)
            return r;
        r = pal_clock_res(CLOCK_SELF(cc.thread, cc.which), &ts.tv_sec, &ts.tv_nsec);
    } else if (!valid_clock(c)) {
        return -EINVAL;
    } else {
        r = pal_clock_res(c, &ts.tv_sec, &ts.tv_nsec);
    }
    if (r < 0)
        return r;
    if (a1 && copy_to_user((uint64_t)a1, &ts, sizeof(ts)))
        return -EFAULT;
    return 0;
}

SYS(gettimeofday)
{
    if (a0) {
        struct linux_timeval tv;
        int64_t s, ns;
        int r = pal_clock_get(CLOCK_REALTIME, &s, &ns);
        if (r < 0)
            return r;
        tv.tv_sec = s;
        tv.tv_usec = ns / 1000;
        if (copy_to_user((uint64_t)a0, &tv, sizeof(tv)))
            return -EFAULT;
    }
    if (a1) {
        int tz[2] = {0, 0}; /* UTC, no DST: the enclave has no local time zone of its own */
        if (copy_to_user((uint64_t)a1, tz, sizeof(tz)))
            return -EFAULT;
    }
    return 0;
}

SYS(time)
{
    int64_t s, ns;
    int r = pal_clock_get(CLOCK_REALTIME, &s, &ns);
    if (r < 0)
        return r;
    if (a0 && copy_to_user((uint64_t)a0, &s, sizeof(s)))
        return -EFAULT;
    return (long)s;
}

static int64_t to_ns(const struct linux_timespec *t)
{
    return t->tv_sec * 1000000000 + t->tv_nsec;
}

/* Sleep on clock until abs_ns (absolute) or for rel_ns; on a signal store the remaining
 * time in urem (relative sleeps) and return -EINTR-class results. */
static long do_sleep(int clock, int absolute, const struct linux_timespec *req, uint64_t urem)
{
    int64_t s0, ns0;
    int r = pal_clock_get(clock, &s0, &ns0);
    if (r < 0)
        return r;
    int64_t deadline = absolute ? to_ns(req) : s0 * 1000000000 + ns0 + to_ns(req);
    for (;;) {
        int64_t s, ns;
        r = pal_clock_get(clock, &s, &ns);
        if (r < 0)
            return r;
        int64_t now = s * 1000000000 + ns;
        if (now >= deadline)
            return 0;
        signal_collect_host();
        if (signal_pending_unblocked()) {
            if (!absolute && urem) {
                struct linux_timespec rem = {(deadline - now) / 1000000000,
                                             (deadline - now) % 1000000000};
                if (copy_to_user(urem, &rem, sizeof(rem)))
                    return -EFAULT;
            }
            return -EINTR;
        }
        int64_t left = deadline - now;
        bkl_unlock();
        r = pal_sleep(clock == CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC, 0,
                      left / 1000000000, left % 1000000000);
        bkl_lock();
        if (r < 0 && r != -EINTR)
            return r;
    }
}

long timespec_from_user(uint64_t ureq, struct linux_timespec *req)
{
    if (copy_from_user(req, ureq, sizeof(*req)))
        return -EFAULT;
    if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000)
        return -EINVAL;
    return 0;
}

SYS(nanosleep)
{
    struct linux_timespec req;
    long r = timespec_from_user((uint64_t)a0, &req);
    if (r < 0)
        return r;
    return do_sleep(CLOCK_MONOTONIC, 0, &req, (uint64_t)a1);
}

SYS(clock_nanosleep)
{
    int c = (int)a0;
    if (c == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    if (!valid_clock(c))
        return -EINVAL;
    if (c == CLOCK_PROCESS_CPUTIME_ID)
        return -ENOTSUP;
    if (a1 & ~TIMER_ABSTIME)
        return -EINVAL;
    struct linux_timespec req;
    long r = timespec_from_user((uint64_t)a2, &req);
    if (r < 0)
        return r;
    return do_sleep(c, (a1 & TIMER_ABSTIME) != 0, &req, (uint64_t)a3);
}

/* clock_settime(2), in Linux's order: EINVAL for a clock that cannot be set (every clock
 * but CLOCK_REALTIME, and CPU clocks that name nobody), EFAULT, then EINVAL for a bad
 * time, and EPERM: existing CPU clocks are never settable, and the enclave's real-time
 * clock is the host's, which the enclave may not move (even as its root). */
SYS(clock_settime)
{
    int c = (int)a0;
    struct cpu_clock cc;
    if (c < 0 ? cpu_clock_find(c, 0, &cc) < 0 : c != CLOCK_REALTIME)
        return -EINVAL;
    struct linux_timespec ts;
    if (copy_from_user(&ts, (uint64_t)a1, sizeof(ts)))
        return -EFAULT;
    if (c < 0)
        return -EPERM;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    return -EPERM;
}

/* ---- interval timers: the platform raises SIGALRM/SIGVTALRM/SIGPROF as async events --- */

static long itimer_in(uint64_t u, int64_t v[4])
{
    if (copy_from_user(v, u, sizeof(int64_t) * 4))
        return -EFAULT;
    for (int i = 0; i < 4; i += 2)
        if (v[i] < 0 || v[i + 1] < 0 || v[i + 1] >= 1000000)
            return -EINVAL;
    return 0;
}

SYS(setitimer)
{
    int which = (int)a0;
    int64_t nv[4] = {0, 0, 0, 0}, old[4];
    if (which < 0 || which > 2)
        return -EINVAL;
    if (a1) {
        long r = itimer_in((uint64_t)a1, nv);
        if (r < 0)
            return r;
    }
    int r = pal_timer_set(which, nv, old);
    if (r < 0)
        return r;
    if (a2 && copy_to_user((uint64_t)a2, old, sizeof(old)))
        return -EFAULT;
    return 0;
}

SYS(getitimer)
{
    int which = (int)a0;
    int64_t cur[4];
    if (which < 0 || which > 2)
        return -EINVAL;
    int r = pal_timer_get(which, cur);
    if (r < 0)
        return r;
    return copy_to_user((uint64_t)a1, cur, sizeof(cur));
}

SYS(alarm)
{
    int64_t nv[4] = {0, 0, (int64_t)(unsigned)a0, 0}, old[4];
    if (pal_timer_set(0, nv, old) < 0)
        return 0;
    /* Round the remaining time as Linux does: up to whole seconds, never 0 if armed. */
    long left = (long)old[2] + (old[3] >= 500000 ? 1 : 0);
    if (left == 0 && (old[2] || old[3]))
        left = 1;
    return left;
}
