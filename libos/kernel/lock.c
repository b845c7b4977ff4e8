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
 *
 * Two refinements keep wake-ups cheap (they matter most when writer and reader share one
 * CPU): the host is only asked to wake anybody when a thread is registered as sleeping on
 * the generation (gen_waiters, counted under the lock), and the wake itself is deferred to
 * bkl_unlock(), after the lock is free.  Woken before that, a sleeper would run straight
 * into the held lock and sleep again on it: two extra host context switches per wake-up.
 */
#include "libos.h"
#include "proc/proc.h"
#include "net/net.h"

#ifndef GEN_SPINS
#define GEN_SPINS 200
#endif

#define bkl (kernel->bkl)
#define generation (kernel->generation)

static void owner_died(void);

void bkl_lock(void)
{
    uint32_t me = pal_lock_owner(), c = 0;
    if (__atomic_compare_exchange_n(&bkl, &c, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    for (int spin = 0; spin < 100; spin++) {
        __asm__ volatile("pause");
        c = 0;
        if (__atomic_compare_exchange_n(&bkl, &c, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
    }
    /* Contended: mark it and sleep in the platform until the holder lets go.  Taken after a
     * sleep, the word keeps PAL_LOCK_WAITERS (another sleeper may be there). */
    for (;;) {
        c = __atomic_load_n(&bkl, __ATOMIC_RELAXED);
        if (!(c & PAL_LOCK_ID_MASK)) {
            if (!__atomic_compare_exchange_n(&bkl, &c, me | PAL_LOCK_WAITERS, 0, __ATOMIC_ACQUIRE,
                                             __ATOMIC_RELAXED))
                continue;
            if (c & PAL_LOCK_OWNER_DIED)
                owner_died();
            return;
        }
        if (!(c & PAL_LOCK_WAITERS) &&
            !__atomic_compare_exchange_n(&bkl, &c, c | PAL_LOCK_WAITERS, 0, __ATOMIC_RELAXED,
                                         __ATOMIC_RELAXED))
            continue;
        pal_lock_wait(&bkl, c | PAL_LOCK_WAITERS);
    }
}

/* The deferred wake-ups of the holder (read and cleared under the lock: exactly one holder
 * owes them). */
struct owed_wakes {
    int gen;
    struct hostwait_kick kicks;
};

static void owed_collect(struct owed_wakes *w)
{
    w->gen = kernel->wake_pending;
    kernel->wake_pending = 0;
    /* Threads asleep in a host poll cannot see the generation: kick them (net/hostwait.c). */
    w->kicks.n = w->gen && kernel->hostwaiters ? hostwait_collect(&w->kicks) : 0;
}

static void owed_deliver(const struct owed_wakes *w)
{
    if (w->gen)
        pal_futex_wake(&generation, 0x7fffffff);
    for (int i = 0; i < w->kicks.n; i++)
        pal_thread_kick(w->kicks.proc[i], w->kicks.tid[i]);
}

void bkl_unlock(void)
{
    struct owed_wakes w;
    owed_collect(&w);
    if (__atomic_exchange_n(&bkl, 0, __ATOMIC_RELEASE) & PAL_LOCK_WAITERS)
        pal_futex_wake(&bkl, 1);
    owed_deliver(&w);
}

/* The calling process's host process is about to end (pal_exit): its wake-ups go out but
 * the lock stays held, so no other thread of the host process can be inside the core when
 * the host kills it; the backend frees the word when this thread is gone (PAL_LOCK_*). */
void bkl_hand_over_at_exit(void)
{
    struct owed_wakes w;
    owed_collect(&w);
    kernel->bkl_exit_handover = 1;
    owed_deliver(&w);
}

/* The lock came back from a dead holder.  After bkl_hand_over_at_exit that is the normal
 * end of a process; otherwise a process died inside the core (killed from outside the
 * enclave), and what it was changing may be half done. */
static void owner_died(void)
{
    if (kernel->bkl_exit_handover) {
        kernel->bkl_exit_handover = 0;
        return;
    }
    kprintf("warning: a process of the enclave died inside the core (killed by the host?); "
            "the enclave's state may be inconsistent");
}

/* Called with the lock held (every caller is inside the core). */
void wake_all(void)
{
    __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&kernel->gen_waiters, __ATOMIC_RELAXED) || kernel->hostwaiters)
        kernel->wake_pending = 1;
}

/* Sleep on the generation sampled as GEN (lock held on entry and on return). */
static int gen_sleep(uint32_t gen, int64_t slice)
{
    /* With another CPU to make progress, watch the generation a little before sleeping:
     * a pipe or futex partner often answers within microseconds, and a spinning waiter
     * costs the waker no host wake-up and itself no host sleep. */
    if (boot_info->ncpus > 1 && GEN_SPINS > 0) {
        bkl_unlock();
        for (int i = 0; i < GEN_SPINS; i++) {
            if (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) != gen)
                break;
            __asm__ volatile("pause");
        }
        bkl_lock();
        if (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) != gen)
            return 0;
    }
    kernel->gen_waiters++;
    bkl_unlock();
    int r = pal_futex_wait(&generation, gen, slice);
    bkl_lock();
    kernel->gen_waiters--;
    return r;
}

static int64_t mono_now(void)
{
    int64_t s, ns;
    return pal_clock_get(CLOCK_MONOTONIC, &s, &ns) < 0 ? 0 : s * 1000000000 + ns;
}

void wait_hint(int clock, int64_t deadline_ns)
{
    int64_t at = deadline_ns;
    if (clock != CLOCK_MONOTONIC) {
        int64_t s, ns;
        if (pal_clock_get(clock, &s, &ns) < 0)
            return;
        at = mono_now() + (deadline_ns - (s * 1000000000 + ns));
    }
    if (at <= 0)
        at = 1;
    if (!current->wake_hint || at < current->wake_hint)
        current->wake_hint = at;
}

int64_t wait_hint_take(int64_t deadline_ns)
{
    int64_t h = current->wake_hint;
    current->wake_hint = 0;
    if (h && (deadline_ns < 0 || h < deadline_ns))
        return h;
    return deadline_ns;
}

int wait_event(int (*cond)(void *), void *arg, int clock, int64_t deadline_ns)
{
    for (;;) {
        current->wake_hint = 0;
        if (cond(arg)) {
            current->wake_hint = 0;
            return 0;
        }
        int64_t hint = current->wake_hint;
        current->wake_hint = 0;
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
        if (hint) {
            /* Something in the condition becomes true at a known time: sleep until then. */
            int64_t left = hint - mono_now();
            if (left <= 0)
                continue;
            slice = MIN(slice, left);
        }
        uint32_t gen = __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
        int r = gen_sleep(gen, slice);
        if (r < 0 && r != -ETIMEDOUT && r != -EINTR)
            return r;
    }
}

void wait_plain(int (*cond)(void *), void *arg)
{
    while (!cond(arg)) {
        uint32_t gen = __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
        IGNORE(gen_sleep(gen, 100 * 1000 * 1000));
    }
}

int wait_until(int (*cond)(void *), void *arg)
{
    return wait_event(cond, arg, CLOCK_MONOTONIC, -1);
}
