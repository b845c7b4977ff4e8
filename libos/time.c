/*
 * time.c - clocks and sleeping.
 */
#include "libos.h"

static int valid_clock(int c)
{
    return c >= 0 && c <= 11 && c != 8 && c != 9 && c != 10; /* no alarm clocks or TAI here */
}

SYS(clock_gettime)
{
    int c = (int)a0;
    if (!valid_clock(c) && c != 11)
        return -EINVAL;
    struct linux_timespec ts;
    int r = pal_clock_get(c, &ts.tv_sec, &ts.tv_nsec);
    if (r < 0)
        return r;
    return copy_to_user((uint64_t)a1, &ts, sizeof(ts));
}

SYS(clock_getres)
{
    int c = (int)a0;
    if (!valid_clock(c))
        return -EINVAL;
    struct linux_timespec ts;
    int r = pal_clock_res(c, &ts.tv_sec, &ts.tv_nsec);
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

SYS(clock_settime)
{
    struct linux_timespec ts;
    if (copy_from_user(&ts, (uint64_t)a1, sizeof(ts)))
        return -EFAULT;
    if ((int)a0 != CLOCK_REALTIME)
        return -EINVAL;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    /* The enclave's time comes from the platform; it may not move the host's clock. */
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
