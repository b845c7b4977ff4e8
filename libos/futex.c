/*
 * futex.c - futex(2).
 *
 * Today the enclave runs one thread, so no other thread can ever be waiting on or waking a
 * futex: WAKE wakes nobody (returns 0), WAIT either fails with EAGAIN (value changed) or
 * sleeps until its timeout or a signal.  Those are exactly Linux's results for a lone
 * thread; wait queues arrive with threads.
 */
#include "libos.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

static int never(void *arg)
{
    (void)arg;
    return 0;
}

SYS(futex)
{
    uint64_t uaddr = (uint64_t)a0;
    int op = (int)a1 & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    int clock = ((int)a1 & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
    if (uaddr & 3)
        return -EINVAL;
    switch (op) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        if (op == FUTEX_WAIT_BITSET && (uint32_t)a5 == 0)
            return -EINVAL;
        if (op == FUTEX_WAIT && ((int)a1 & FUTEX_CLOCK_REALTIME))
            return -ENOSYS;
        uint32_t cur;
        if (copy_from_user(&cur, uaddr, 4))
            return -EFAULT;
        struct linux_timespec ts;
        int64_t deadline = -1;
        if (a3) {
            if (copy_from_user(&ts, (uint64_t)a3, sizeof(ts)))
                return -EFAULT;
            if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
                return -EINVAL;
            deadline = ts.tv_sec * 1000000000 + ts.tv_nsec;
            if (op == FUTEX_WAIT) { /* relative timeout */
                int64_t s, ns;
                if (pal_clock_get(clock, &s, &ns) < 0)
                    return -EIO;
                deadline += s * 1000000000 + ns;
            }
        }
        if (cur != (uint32_t)a2)
            return -EAGAIN;
        if (deadline < 0)
            return wait_until(never, NULL);
        for (;;) {
            int64_t s, ns;
            if (pal_clock_get(clock, &s, &ns) < 0)
                return -EIO;
            int64_t now = s * 1000000000 + ns;
            if (now >= deadline)
                return -ETIMEDOUT;
            signal_collect_host();
            if (signal_pending_unblocked())
                return -EINTR;
            int r = pal_sleep(clock, 0, (deadline - now) / 1000000000, (deadline - now) % 1000000000);
            if (r < 0 && r != -EINTR)
                return r;
        }
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
        if (op == FUTEX_WAKE_BITSET && (uint32_t)a5 == 0)
            return -EINVAL;
        return 0;
    case FUTEX_REQUEUE:
        return 0;
    case FUTEX_CMP_REQUEUE: {
        uint32_t cur;
        if (copy_from_user(&cur, uaddr, 4))
            return -EFAULT;
        return cur == (uint32_t)a5 ? 0 : -EAGAIN;
    }
    case FUTEX_WAKE_OP: {
        /* Apply the operation to *uaddr2 even though nobody is woken. */
        uint64_t uaddr2 = (uint64_t)a4;
        uint32_t encoded = (uint32_t)a5, old, val;
        if (uaddr2 & 3)
            return -EINVAL;
        if (copy_from_user(&old, uaddr2, 4))
            return -EFAULT;
        int opn = (encoded >> 28) & 7;
        uint32_t oparg = (encoded >> 12) & 0xfff;
        if (encoded & (1u << 31))
            oparg = 1u << (oparg & 31);
        switch (opn) {
        case 0: val = oparg; break;
        case 1: val = old + oparg; break;
        case 2: val = old | oparg; break;
        case 3: val = old & ~oparg; break;
        case 4: val = old ^ oparg; break;
        default: return -ENOSYS;
        }
        if (copy_to_user(uaddr2, &val, 4))
            return -EFAULT;
        return 0;
    }
    default:
        return -ENOSYS;
    }
}
