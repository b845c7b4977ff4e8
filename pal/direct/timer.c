/*
 * timer.c - the wake-up timers of pal.h (version 3): host POSIX timers whose expiry is the
 * host real-time signal 41, one of the asynchronous set (signal.c), which reaches the core
 * as PAL_EVENT_TIMER.  Host timers are per host process and are not inherited by fork,
 * which is what the contract promises.
 */
#include "host.h"
#include "pal.h"

#define SIGTIMER 41 /* see signal.c: its bit is PAL_EVENT_TIMER */

struct host_sigevent {
    uint64_t value;
    int signo, notify;
    int pad[12];
};

int pal_wakeup_create(int clock, int64_t thread, pal_handle_t *out)
{
    int hclock;
    switch (clock) {
    case 0: /* CLOCK_REALTIME */
    case 1: /* CLOCK_MONOTONIC */
    case 2: /* CLOCK_PROCESS_CPUTIME_ID */
    case 7: /* CLOCK_BOOTTIME */
    case 11: /* CLOCK_TAI */
        hclock = clock;
        break;
    case 3: /* CLOCK_THREAD_CPUTIME_ID */
        if (thread < 0 || thread > 0x3fffffff)
            return -EINVAL;
        /* Another thread's clock: Linux's ~tid << 3 | per-thread | CPUCLOCK_SCHED. */
        hclock = thread ? (int)((unsigned)~(int)thread << 3) | 4 | 2 : 3;
        break;
    default:
        return -EINVAL;
    }
    struct host_sigevent ev = {0, SIGTIMER, 0 /* SIGEV_SIGNAL */, {0}};
    int id = -1;
    long r = host_ret(HSYS3(__NR_timer_create, hclock, &ev, &id));
    if (r < 0)
        return (int)r;
    *out = id;
    return 0;
}

int pal_wakeup_arm(pal_handle_t h, int absolute, int64_t sec, int64_t nsec)
{
    if (sec < 0 || nsec < 0 || nsec >= 1000000000)
        return -EINVAL;
    struct host_timespec its[2] = {{0, 0}, {sec, nsec}};
    return (int)host_ret(HSYS4(__NR_timer_settime, (int)h, absolute ? 1 /* TIMER_ABSTIME */ : 0,
                               its, 0));
}

void pal_wakeup_delete(pal_handle_t h)
{
    HSYS1(__NR_timer_delete, (int)h);
}
