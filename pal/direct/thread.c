/*
 * thread.c - threads of the direct backend.
 *
 * Each thread owns one slot of a region reserved at boot: [guard page][self page][stack].
 * The stack is the thread's signal stack, so every LibOS entry (SIGSYS, faults, async
 * events) runs on it, and the core's thread object is found from %rsp alone: the slot is
 * the stack pointer rounded down to the slot size.  The kernel clears a slot's busy word
 * when its host thread is gone (CLONE_CHILD_CLEARTID), which makes the slot reusable.
 *
 * The core lock is a Linux robust futex (pal_lock_*): every host thread registers a robust
 * list head in its self page whose "operation pending" entry is the lock word, so when a
 * thread dies holding the lock (its tid in the word) the host kernel marks the word
 * FUTEX_OWNER_DIED and wakes a waiter.  The self page also caches the thread's host tid, the
 * lock owner id, so taking the lock costs no host call.
 */
#include "host.h"
#include "pal.h"
#include "al_string.h"

#define SLOT_SIZE (512 * 1024ull)
#define SLOT_MAX 1024
#define SLOT_FREE 0u
#define SLOT_CLAIMED 0xffffffffu

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_CHILD_CLEARTID 0x200000

static uint64_t slots;
static uint32_t *lock_word; /* pal_lock_register */
static volatile int process_ending; /* pal_exit: this host process is going */
static uint64_t ended_fast_calls;   /* pal_direct_fast_calls */

/* Self page layout below the fast-entry fields (fast.c, at 1024 and up): +0 the core's
 * thread object, +8 the host tid, +16 the robust list head. */
#define SELF_TID 8
#define SELF_ROBUST 16

struct robust_head {
    void *next;       /* struct robust_list *: the (empty) list, pointing at itself */
    long futex_offset;
    void *pending;    /* list_op_pending: here the head itself, so pending + offset = word */
};
static uint64_t crypto_canary; /* see the crypto bracket below */
static uint32_t slot_busy[SLOT_MAX];

long pal_direct_clone(uint64_t flags, uint64_t stack, uint32_t *ctid);

static uint64_t slot_addr(int i)
{
    return slots + (uint64_t)i * SLOT_SIZE;
}

/* Reserve the region for every thread's stack (committed by the host on first touch). */
int pal_direct_slots_init(void)
{
    long r = HSYS6(__NR_mmap, 0, SLOT_SIZE * (SLOT_MAX + 1), 3, 0x22 | 0x4000, -1, 0);
    if (r < 0)
        return (int)r;
    uint64_t base = ((uint64_t)r + SLOT_SIZE - 1) & ~(SLOT_SIZE - 1);
    slots = base;
    if (HSYS3(__NR_getrandom, &crypto_canary, sizeof(crypto_canary), 0) != sizeof(crypto_canary))
        crypto_canary = base ^ 0x5a17c0ffee5eed00ull;
    crypto_canary &= ~0xffull; /* a zero low byte, as glibc's: string overflows stop at it */
    pal_direct_reserve((uint64_t)r, SLOT_SIZE * (SLOT_MAX + 1));
    return 0;
}

/* Claim a free slot and arm its guard page; -EAGAIN if all are taken. */
static int slot_alloc(void)
{
    for (int i = 0; i < SLOT_MAX; i++) {
        uint32_t expect = SLOT_FREE;
        if (__atomic_compare_exchange_n(&slot_busy[i], &expect, SLOT_CLAIMED, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
            HSYS3(__NR_mprotect, slot_addr(i), 4096, 0);
            return i;
        }
    }
    return -EAGAIN;
}

/* Make the slot's stack the calling thread's signal stack. */
static int use_slot(int i)
{
    struct host_stack ss = {(void *)(slot_addr(i) + 8192), 0, SLOT_SIZE - 8192};
    return (int)HSYS2(__NR_sigaltstack, &ss, 0);
}

int pal_direct_nthreads(void)
{
    int n = 0;
    for (int i = 0; i < SLOT_MAX; i++)
        n += __atomic_load_n(&slot_busy[i], __ATOMIC_RELAXED) != SLOT_FREE;
    return n;
}

/* The calling thread's self page (from %rsp, which is always on its slot's stack inside the
 * backend and the core), or 0 off the slots. */
static uint64_t self_page_of_sp(void)
{
    uint64_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    if (sp < slots || sp >= slots + SLOT_SIZE * SLOT_MAX)
        return 0;
    return (sp & ~(SLOT_SIZE - 1)) + 4096;
}

void *pal_thread_self(void)
{
    uint64_t self = self_page_of_sp();
    return self ? *(void **)self : 0;
}

/* Where pal_context_enter keeps the context it is about to load: the calling thread's
 * slot page just below its signal stack (the core's pointer is at its start).  No signal
 * frame can reach it, unlike the signal stack itself: once pal_direct_jump has moved %rsp
 * to the program's stack, a signal arriving before the final `ret` is delivered at the top
 * of the signal stack, and would overwrite a context kept there (the new thread then
 * started at address 0). */
struct pal_context *pal_direct_entry_area(void)
{
    uint64_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    return (struct pal_context *)((sp & ~(SLOT_SIZE - 1)) + 4096 + 256);
}

/* ---- the crypto bracket (pal.h) -----------------------------------------------------
 * A small TLS block in each slot's self page, laid out as the x86-64 TCB: fs:0 points at
 * itself, fs:0x28 holds the stack-protector canary libsodium's code checks.  The canary
 * is chosen once per enclave (inherited across fork, like a process's). */

static uint64_t *slot_tls(void)
{
    uint64_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    return (uint64_t *)((sp & ~(SLOT_SIZE - 1)) + 4096 + 2048);
}

uint64_t pal_crypto_begin(void)
{
    uint64_t *tls = slot_tls(), old;
    if (pal_direct_has_fsgsbase)
        __asm__ volatile("rdfsbase %0" : "=r"(old));
    else
        HSYS2(__NR_arch_prctl, 0x1003 /* ARCH_GET_FS */, &old);
    if (old == (uint64_t)tls)
        return old; /* nested */
    tls[0] = (uint64_t)tls;
    tls[5] = crypto_canary;
    if (pal_direct_has_fsgsbase)
        __asm__ volatile("wrfsbase %0" : : "r"((uint64_t)tls) : "memory");
    else
        HSYS2(__NR_arch_prctl, 0x1002 /* ARCH_SET_FS */, (uint64_t)tls);
    return old;
}

void pal_crypto_end(uint64_t old)
{
    if (old == (uint64_t)slot_tls())
        return;
    if (pal_direct_has_fsgsbase)
        __asm__ volatile("wrfsbase %0" : : "r"(old) : "memory");
    else
        HSYS2(__NR_arch_prctl, 0x1002 /* ARCH_SET_FS */, old);
}

void pal_thread_set_self(void *td)
{
    uint64_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    *(void **)((sp & ~(SLOT_SIZE - 1)) + 4096) = td;
}

/* The calling thread's host tid in its self page and, once the lock word is known, its
 * robust list (the host kernel does not carry a robust list across clone or fork). */
static void robust_thread_init(uint64_t self)
{
    *(uint32_t *)(self + SELF_TID) = (uint32_t)HSYS0(__NR_gettid);
    if (!lock_word)
        return;
    struct robust_head *h = (struct robust_head *)(self + SELF_ROBUST);
    h->next = h;
    h->futex_offset = (long)((uint64_t)lock_word - (uint64_t)h);
    h->pending = h;
    if (HSYS2(__NR_set_robust_list, h, sizeof(*h)) < 0)
        pal_direct_die("cannot register the core lock with the host (set_robust_list)");
}

void pal_lock_register(uint32_t *word)
{
    lock_word = word;
    uint64_t self = self_page_of_sp();
    if (!self)
        pal_direct_die("pal_lock_register off a thread slot");
    robust_thread_init(self);
}

uint32_t pal_lock_owner(void)
{
    uint64_t self = self_page_of_sp();
    return self ? *(uint32_t *)(self + SELF_TID) : (uint32_t)HSYS0(__NR_gettid);
}

void pal_lock_wait(uint32_t *word, uint32_t val)
{
    if (!process_ending)
        HSYS4(__NR_futex, word, 0 /* FUTEX_WAIT */, val, 0);
    /* The thread ending this process holds the lock until exit_group: a sibling woken
     * meanwhile must not take it (it would be killed inside the core). */
    while (process_ending)
        HSYS1(__NR_exit, 0);
}

void pal_direct_process_ending(void)
{
    process_ending = 1;
}

/* The main thread: claim slot 0 and return the top of its stack, where boot continues. */
uint64_t pal_direct_main_thread(void)
{
    int i = slot_alloc();
    if (i < 0 || use_slot(i) < 0)
        pal_direct_die("cannot set up the main thread's stack");
    pal_direct_fast_thread_init(slot_addr(i) + 4096, slot_addr(i) + SLOT_SIZE - 64);
    robust_thread_init(slot_addr(i) + 4096);
    return slot_addr(i) + SLOT_SIZE - 64;
}

/* First code of a new host thread, on its own slot's stack. */
__attribute__((used, noreturn)) void pal_direct_thread_entry(struct pal_context *ctx)
{
    int i = (int)((((uint64_t)ctx) - slots) / SLOT_SIZE);
    if (use_slot(i) < 0)
        pal_direct_die("cannot set up a thread's signal stack");
    pal_direct_fast_thread_init(slot_addr(i) + 4096, slot_addr(i) + SLOT_SIZE - 64);
    robust_thread_init(slot_addr(i) + 4096);
    /* Syscall User Dispatch is per thread and not inherited by clone(). */
    long r = HSYS5(__NR_prctl, 59 /* PR_SET_SYSCALL_USER_DISPATCH */, 1, pal_direct_text_start,
                   pal_direct_text_end - pal_direct_text_start, 0);
    if (r < 0)
        pal_direct_die("cannot arm Syscall User Dispatch in a new thread");
    struct pal_context c = *ctx;
    pal_context_enter(&c);
}

int64_t pal_thread_id(void)
{
    return HSYS0(__NR_gettid);
}

void pal_thread_kick(int64_t proc_id, int64_t id)
{
    HSYS3(__NR_tgkill, proc_id, id, 40 /* SIGKICK, see signal.c */);
}

int pal_thread_start(const struct pal_context *ctx, void *td, int64_t *id)
{
    int i = slot_alloc();
    if (i < 0)
        return i;
    uint64_t base = slot_addr(i);
    *(void **)(base + 4096) = td;
    /* The context travels at the top of the new stack; the child finds it at %rsp. */
    uint64_t top = base + SLOT_SIZE - 64;
    struct pal_context *c = (struct pal_context *)((top - sizeof(*c)) & ~63ull);
    *c = *ctx;
    uint64_t sp = ((uint64_t)c - 16) & ~15ull;
    *(uint64_t *)sp = (uint64_t)c;
    long r = pal_direct_clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                  CLONE_SYSVSEM | CLONE_CHILD_CLEARTID,
                              sp, &slot_busy[i]);
    if (r < 0) {
        __atomic_store_n(&slot_busy[i], SLOT_FREE, __ATOMIC_SEQ_CST);
        return (int)host_ret(r);
    }
    *id = r;
    return 0;
}

int64_t pal_process_fork(void)
{
    uint64_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    /* No syscall-site patch is half done in the child. */
    pal_direct_rw_fork_lock();
    long r = HSYS5(__NR_clone, 17 /* SIGCHLD */, 0, 0, 0, 0);
    pal_direct_rw_fork_unlock(r == 0);
    if (r != 0)
        return r < 0 ? host_ret(r) : r;
    /* The child: only this thread came along, so only its slot is in use. */
    int mine = (int)((sp - slots) / SLOT_SIZE);
    for (int i = 0; i < SLOT_MAX; i++)
        slot_busy[i] = i == mine ? SLOT_CLAIMED : SLOT_FREE;
    __atomic_store_n(&pal_direct_pending, 0, __ATOMIC_SEQ_CST);
    /* Counted anew, with a new tid and no robust list (the parent's thread still owns the
     * lock word). */
    ended_fast_calls = 0;
    *(uint64_t *)(self_page_of_sp() + PAL_DIRECT_F_NCALLS) = 0;
    robust_thread_init(self_page_of_sp());
    /* Syscall User Dispatch is not inherited by fork either. */
    r = HSYS5(__NR_prctl, 59, 1, pal_direct_text_start, pal_direct_text_end - pal_direct_text_start, 0);
    if (r < 0)
        pal_direct_die("cannot arm Syscall User Dispatch in a new process");
    return 0;
}

/* Fast entries (fast.S counts them in each self page at PAL_DIRECT_F_NCALLS) of this host
 * process: its live threads' counts plus those of threads that have ended. */

uint64_t pal_direct_fast_calls(void)
{
    uint64_t n = __atomic_load_n(&ended_fast_calls, __ATOMIC_RELAXED);
    for (int i = 0; i < SLOT_MAX; i++)
        if (__atomic_load_n(&slot_busy[i], __ATOMIC_RELAXED) != SLOT_FREE)
            n += *(volatile uint64_t *)(slot_addr(i) + 4096 + PAL_DIRECT_F_NCALLS);
    return n;
}

void pal_thread_exit(void)
{
    uint64_t self = self_page_of_sp();
    if (self) {
        __atomic_add_fetch(&ended_fast_calls, *(uint64_t *)(self + PAL_DIRECT_F_NCALLS), __ATOMIC_RELAXED);
        *(uint64_t *)(self + PAL_DIRECT_F_NCALLS) = 0; /* the slot's next thread starts from zero */
    }
    for (;;)
        HSYS1(__NR_exit, 0);
}

int pal_futex_wait(uint32_t *word, uint32_t val, int64_t timeout_ns)
{
    struct host_timespec ts, *tsp = 0;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
    }
    /* Let asynchronous events in for the wait only; the window in the assembly stub makes
     * sure one arriving just before the syscall still ends it. */
    uint64_t none = 0, old;
    HSYS4(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &none, &old, 8);
    long r = pal_direct_blocking_syscall(__NR_futex, (long)word, 0 /* FUTEX_WAIT */, val,
                                         (long)tsp, 0);
    HSYS4(__NR_rt_sigprocmask, 2, &old, 0, 8);
    if (r == -EAGAIN || r == 0)
        return 0;
    if (r == -ETIMEDOUT || r == -EINTR)
        return (int)r;
    return (int)host_ret(r);
}

void pal_futex_wake(uint32_t *word, int n)
{
    HSYS3(__NR_futex, word, 1 /* FUTEX_WAKE */, n);
}
