/*
 * lock.c - the core's big lock and its wait/wake machinery.
 *
 * One lock serialises the LibOS: every entry (syscall, fault, async event) takes it and
 * releases it on the way back to the program, so no program code ever runs while the core
 * holds it, and signals are only delivered after it is dropped.  A thread that must wait
 * (pipe, futex, sleep, a host stream) drops the lock for the wait.
 *
 * Waiting is generation based: any change that may satisfy a waiter calls wake_all(), which
 * bumps `generation` and wakes every sleeper; each one re-checks its own condition.  Simple
 * and free of lost wake-ups (a waiter samples the generation while holding the lock).
 */
#include "libos.h"

#define bkl (kernel->bkl)
#define generation (kernel->generation)

void bkl_lock(void)
{
    uint32_t c = 0;
    if (__atomic_compare_exchange_n(&bkl, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    for (int spin = 0; spin < 100; spin++) {
        __asm__ volatile("pause");
        c = 0;
        if (__atomic_compare_exchange_n(&bkl, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
    }
    /* Contended: mark it and sleep in the platform until the holder lets go. */
    while (__atomic_exchange_n(&bkl, 2, __ATOMIC_ACQUIRE) != 0)
        IGNORE(pal_futex_wait(&bkl, 2, -1));
}

void bkl_unlock(void)
{
    if (__atomic_exchange_n(&bkl, 0, __ATOMIC_RELEASE) == 2)
        pal_futex_wake(&bkl, 1);
}

void wake_all(void)
{
    __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
    pal_futex_wake(&generation, 0x7fffffff);
}

int wait_event(int (*cond)(void *), void *arg, int clock, int64_t deadline_ns)
{
    for (;;) {
        if (cond(arg))
            return 0;
        signal_collect_host();
        if (signal_pending_unblocked() || current->must_exit)
            return -ERESTARTSYS;
        int64_t slice = 100 * 1000 * 1000; /* re-check now and then, whatever happens */
        if (deadline_ns >= 0) {
            int64_t s, ns;
            if (pal_clock_get(clock, &s, &ns) < 0)
                return -EIO;
            int64_t now = s * 1000000000 + ns;
            if (now >= deadline_ns)
                return -ETIMEDOUT;
            slice = MIN(slice, deadline_ns - now);
        }
        uint32_t gen = __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
        bkl_unlock();
        int r = pal_futex_wait(&generation, gen, slice);
        bkl_lock();
        if (r < 0 && r != -ETIMEDOUT && r != -EINTR)
            return r;
    }
}

void wait_plain(int (*cond)(void *), void *arg)
{
    while (!cond(arg)) {
        uint32_t gen = __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
        bkl_unlock();
        IGNORE(pal_futex_wait(&generation, gen, 100 * 1000 * 1000));
        bkl_lock();
    }
}

int wait_until(int (*cond)(void *), void *arg)
{
    return wait_event(cond, arg, CLOCK_MONOTONIC, -1);
}
