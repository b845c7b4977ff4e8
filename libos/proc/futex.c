/*
 * futex.c - futex(2): wait queues keyed by address, kept in the core heap.
 *
 * A waiter checks the futex word and queues itself while holding the core lock; a waker
 * (who also takes the lock) therefore always finds it.  The queue is per process (a static
 * of the core), keyed by address.  A futex without FUTEX_PRIVATE_FLAG may sit in memory
 * shared with other processes (MAP_SHARED, e.g. a POSIX semaphore in /dev/shm): its waiter
 * also returns when it sees the word change, and a shared wake makes every waiter in the
 * enclave look (futex waits may end spuriously; callers re-check, as with Linux).
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
#define BITSET_ANY 0xffffffffu

struct waiter {
    uint64_t uaddr;
    uint32_t bitset;
    int woken;
    int shared;       /* no FUTEX_PRIVATE_FLAG: watch the value too */
    uint32_t val;
    struct waiter *next;
};

static struct waiter *queue;

/* In a forked child only the forking thread exists: the parent's other threads' waiters
 * (on their core stacks, which the child's new threads will reuse) must not be seen. */
void futex_fork_child(void)
{
    queue = NULL;
}

long raw_cmpxchg32(uint64_t uaddr, uint32_t old, uint32_t newv, uint32_t *cur);

static int woken(void *arg)
{
    struct waiter *w = arg;
    if (w->woken)
        return 1;
    uint32_t cur;
    return w->shared && (copy_from_user(&cur, w->uaddr, 4) || cur != w->val);
}

static void unqueue(struct waiter *w)
{
    for (struct waiter **pp = &queue; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

/* Wake up to n waiters on uaddr whose bitset meets mask; returns how many. */
int futex_wake(uint64_t uaddr, int n, uint32_t mask)
{
    int done = 0;
    for (struct waiter **pp = &queue; *pp && done < n;) {
        struct waiter *w = *pp;
        if (w->uaddr == uaddr && (w->bitset & mask)) {
            *pp = w->next;
            w->woken = 1;
            done++;
        } else {
            pp = &w->next;
        }
    }
    if (done)
        wake_all();
    return done;
}

static long do_wait(uint64_t uaddr, uint32_t val, uint64_t utimeout, int absolute, int clock,
                    uint32_t bitset, int shared)
{
    int64_t deadline = -1;
    if (utimeout) {
        struct linux_timespec ts;
        long tr = timespec_from_user(utimeout, &ts);
        if (tr < 0)
            return tr;
        deadline = ts.tv_sec * 1000000000 + ts.tv_nsec;
        if (!absolute) {
            int64_t s, ns;
            if (pal_clock_get(clock, &s, &ns) < 0)
                return -EIO;
            deadline += s * 1000000000 + ns;
        }
    }
    uint32_t cur;
    if (copy_from_user(&cur, uaddr, 4))
        return -EFAULT;
    if (cur != val)
        return -EAGAIN;
    struct waiter w = {uaddr, bitset, 0, shared, val, queue};
    queue = &w;
    int r = wait_event(woken, &w, clock, deadline);
    if (!w.woken)
        unqueue(&w);
    if (w.woken || r == 0)
        return 0;
    return r;
}

/* FUTEX_WAKE_OP's operation on *uaddr2, done atomically against the program. */
static long wake_op(uint64_t uaddr2, uint32_t encoded, int *cond)
{
    uint32_t old, val;
    int op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
    uint32_t oparg = (encoded >> 12) & 0xfff, cmparg = encoded & 0xfff;
    if (encoded & (1u << 31))
        oparg = 1u << (oparg & 31);
    if (copy_from_user(&old, uaddr2, 4))
        return -EFAULT;
    for (;;) {
        switch (op) {
        case 0: val = oparg; break;
        case 1: val = old + oparg; break;
        case 2: val = old | oparg; break;
        case 3: val = old & ~oparg; break;
        case 4: val = old ^ oparg; break;
        default: return -ENOSYS;
        }
        uint32_t seen;
        long r = raw_cmpxchg32(uaddr2, old, val, &seen);
        if (r < 0)
            return r;
        if (seen == old)
            break;
        old = seen;
    }
    switch (cmp) {
    case 0: *cond = old == cmparg; break;
    case 1: *cond = old != cmparg; break;
    case 2: *cond = (int)old < (int)cmparg; break;
    case 3: *cond = (int)old <= (int)cmparg; break;
    case 4: *cond = (int)old > (int)cmparg; break;
    case 5: *cond = (int)old >= (int)cmparg; break;
    default: return -ENOSYS;
    }
    return 0;
}

SYS(futex)
{
    uint64_t uaddr = (uint64_t)a0;
    int shared = !((int)a1 & FUTEX_PRIVATE_FLAG);
    int op = (int)a1 & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    int clock = ((int)a1 & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
    if (uaddr & 3)
        return -EINVAL;
    if (!access_ok(uaddr, 4))
        return -EFAULT;
    switch (op) {
    case FUTEX_WAIT:
        if ((int)a1 & FUTEX_CLOCK_REALTIME)
            return -ENOSYS;
        return do_wait(uaddr, (uint32_t)a2, (uint64_t)a3, 0, clock, BITSET_ANY, shared);
    case FUTEX_WAIT_BITSET:
        if ((uint32_t)a5 == 0)
            return -EINVAL;
        return do_wait(uaddr, (uint32_t)a2, (uint64_t)a3, 1, clock, (uint32_t)a5, shared);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        if (op == FUTEX_WAKE_BITSET && (uint32_t)a5 == 0)
            return -EINVAL;
        int n = futex_wake(uaddr, (int)a2, op == FUTEX_WAKE ? BITSET_ANY : (uint32_t)a5);
        if (shared && n < (int)a2)
            wake_all(); /* waiters in other processes re-check their words */
        return n;
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
        uint64_t uaddr2 = (uint64_t)a4;
        int nwake = (int)a2, nreq = (int)a3; /* val2 travels in the timeout slot */
        if (uaddr2 & 3)
            return -EINVAL;
        if (nwake < 0 || nreq < 0)
            return -EINVAL;
        if (op == FUTEX_CMP_REQUEUE) {
            uint32_t cur;
            if (copy_from_user(&cur, uaddr, 4))
                return -EFAULT;
            if (cur != (uint32_t)a5)
                return -EAGAIN;
        }
        int done = futex_wake(uaddr, nwake, BITSET_ANY), moved = 0;
        for (struct waiter *w = queue; w && moved < nreq; w = w->next)
            if (w->uaddr == uaddr) {
                w->uaddr = uaddr2;
                moved++;
            }
        return done + moved;
    }
    case FUTEX_WAKE_OP: {
        uint64_t uaddr2 = (uint64_t)a4;
        int cond = 0;
        if (uaddr2 & 3)
            return -EINVAL;
        long r = wake_op(uaddr2, (uint32_t)a5, &cond);
        if (r < 0)
            return r;
        int n = futex_wake(uaddr, (int)a2, BITSET_ANY);
        if (cond)
            n += futex_wake(uaddr2, (int)a3, BITSET_ANY);
        return n;
    }
    default:
        return -ENOSYS;
    }
}
