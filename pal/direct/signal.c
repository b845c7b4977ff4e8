/*
 * signal.c - how the direct backend enters the LibOS: host signal handlers.
 *
 *  SIGSYS   the program executed `syscall` outside the core's text (Syscall User Dispatch)
 *  SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP   synchronous faults (program or core user-copy)
 *  others   asynchronous events (terminal signals, kill from the host): recorded in a pending
 *           mask and handed to the LibOS when program code was interrupted.
 *
 * While the LibOS runs, asynchronous signals stay blocked (sa_mask of every handler); the
 * only place they are let in is a blocking host call made through ppoll with an empty mask,
 * so the LibOS never sees one arrive half-way through its own work.  Every handler runs on
 * a per-thread alternate stack, never on the program's stack.
 */
#include "host.h"
#include "pal.h"
#include "al_string.h"

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSYS 31
#define SIGWINCH 28
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGIO 29
#define SIGPWR 30

#define FP_XSTATE_MAGIC1 0x46505853u
#define SIGKICK 40 /* a host real-time signal: "look at your shared state" */
#define SIGTIMER 41 /* a wake-up timer expired (timer.c): passed on as PAL_EVENT_TIMER */
#define SIGCHLD_HOST 17

volatile uint64_t pal_direct_pending;

extern void pal_direct_restorer(void);
extern void pal_direct_jump(const struct pal_context *ctx);
extern char pal_direct_block_start[], pal_direct_block_end[], pal_direct_block_eintr[];

#define BIT(s) (1ull << ((s)-1))
static const int async_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM,
                                    SIGWINCH, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGPWR,
                                    SIGKICK, SIGTIMER};
static uint64_t async_mask;

static void from_uc(struct pal_context *c, const struct host_ucontext *uc)
{
    const struct host_sigcontext *m = &uc->uc_mcontext;
    c->r8 = m->r8, c->r9 = m->r9, c->r10 = m->r10, c->r11 = m->r11;
    c->r12 = m->r12, c->r13 = m->r13, c->r14 = m->r14, c->r15 = m->r15;
    c->rdi = m->rdi, c->rsi = m->rsi, c->rbp = m->rbp, c->rbx = m->rbx;
    c->rdx = m->rdx, c->rax = m->rax, c->rcx = m->rcx, c->rsp = m->rsp;
    /* A stop inside a rewritten site's trampoline counts as a stop at the site. */
    c->rip = pal_direct_rw_fix_rip(m->rip), c->rflags = m->eflags;
    c->fs_base = pal_direct_read_fs();
    c->xstate = m->fpstate;
    c->xstate_size = 0;
    if (m->fpstate) {
        const uint32_t *sw = (const uint32_t *)((const char *)m->fpstate + 464);
        c->xstate_size = sw[0] == FP_XSTATE_MAGIC1 ? sw[1] : 512;
    }
}

static void to_uc(const struct pal_context *c, struct host_ucontext *uc, uint64_t old_fs)
{
    struct host_sigcontext *m = &uc->uc_mcontext;
    m->r8 = c->r8, m->r9 = c->r9, m->r10 = c->r10, m->r11 = c->r11;
    m->r12 = c->r12, m->r13 = c->r13, m->r14 = c->r14, m->r15 = c->r15;
    m->rdi = c->rdi, m->rsi = c->rsi, m->rbp = c->rbp, m->rbx = c->rbx;
    m->rdx = c->rdx, m->rax = c->rax, m->rcx = c->rcx, m->rsp = c->rsp;
    m->rip = pal_direct_rw_exit_rip(c->rip);
    /* The program may change the arithmetic and direction flags, not IOPL or TF. */
    m->eflags = (m->eflags & ~0xdd5ull) | (c->rflags & 0xdd5ull);
    /* sigreturn does not restore the FS base, so a change made here survives it. */
    if (c->fs_base != old_fs)
        pal_direct_write_fs(c->fs_base);
}

static void sigsys_handler(int sig, struct host_siginfo *si, struct host_ucontext *uc)
{
    (void)sig;
    struct pal_context ctx;
    from_uc(&ctx, uc);
    uint64_t fs = ctx.fs_base;
    ctx.rax = (uint64_t)(int64_t)si->u.sys.syscall;
    pal_direct_rw_trap(&uc->uc_mcontext);
    libos_syscall(&ctx);
    /* The cheaper way back: SIGSYS runs with the program's own (empty) host mask, so
     * nothing rt_sigreturn would restore is needed but the registers and the FPU state,
     * which the fast entry's exit window loads (a host event pending is handled there). */
    if (pal_direct_fast_ok && ctx.xstate && ctx.xstate == uc->uc_mcontext.fpstate &&
        ctx.xstate_size > 512 + 64 && uc->uc_sigmask == 0)
        pal_direct_trap_leave(&ctx, uc->uc_mcontext.eflags, fs);
    to_uc(&ctx, uc, fs);
}

static void async_handler(int sig, struct host_siginfo *si, struct host_ucontext *uc)
{
    (void)si;
    __atomic_or_fetch(&pal_direct_pending, BIT(sig), __ATOMIC_SEQ_CST);
    uint64_t rip = uc->uc_mcontext.rip;
    if (pal_direct_in_core(rip)) {
        /* Only a blocking call lets us in here; make sure it reports -EINTR. */
        if (rip >= (uint64_t)pal_direct_block_start && rip < (uint64_t)pal_direct_block_end)
            uc->uc_mcontext.rip = (uint64_t)pal_direct_block_eintr;
        /* The fast entry's way out checks for events again (fast.S). */
        else if (rip >= (uint64_t)pal_direct_fast_window &&
                 rip < (uint64_t)pal_direct_fast_window_end)
            uc->uc_mcontext.rip = (uint64_t)pal_direct_fast_window;
        return;
    }
    struct pal_context ctx;
    from_uc(&ctx, uc);
    uint64_t fs = ctx.fs_base;
    libos_interrupt(&ctx);
    to_uc(&ctx, uc, fs);
}

static void fault_handler(int sig, struct host_siginfo *si, struct host_ucontext *uc)
{
    if (si->si_code <= 0) {
        /* Sent with kill()/sigqueue() by someone on the host: an asynchronous event. */
        async_handler(sig, si, uc);
        return;
    }
    /* An int3 the syscall-site patcher left for a moment (rewrite.c). */
    if (sig == SIGTRAP && si->si_code == 0x80 /* SI_KERNEL */ &&
        !pal_direct_in_core(uc->uc_mcontext.rip) && pal_direct_rw_int3(uc))
        return;
    struct pal_context ctx;
    from_uc(&ctx, uc);
    uint64_t fs = ctx.fs_base;
    struct pal_fault f = {sig, si->si_code, si->u.fault.addr, uc->uc_mcontext.trapno,
                          uc->uc_mcontext.err, pal_direct_in_core(uc->uc_mcontext.rip)};
    libos_exception(&ctx, &f);
    to_uc(&ctx, uc, fs);
}

static void set_handler(int sig, void *fn, unsigned long flags, uint64_t mask)
{
    struct host_sigaction sa = {fn, flags | HSA_SIGINFO | HSA_ONSTACK | HSA_RESTORER,
                                pal_direct_restorer, mask};
    if (HSYS4(__NR_rt_sigaction, sig, &sa, 0, 8) < 0)
        pal_direct_die("cannot install a host signal handler");
}

void pal_direct_signals_init(void)
{
    for (unsigned i = 0; i < sizeof(async_signals) / sizeof(async_signals[0]); i++)
        async_mask |= BIT(async_signals[i]);
    /* Boot runs with asynchronous signals blocked; pal_context_enter lets them in. */
    HSYS4(__NR_rt_sigprocmask, 0 /* SIG_BLOCK */, &async_mask, 0, 8);
    /* SIGSYS leaves the host mask as the program had it (empty): its handler may then go
     * back without rt_sigreturn.  Events arriving meanwhile find rip in the core and are
     * only recorded, as during a fast entry (fast.S). */
    if (pal_direct_fast_ok)
        set_handler(SIGSYS, sigsys_handler, HSA_NODEFER, 0);
    else
        set_handler(SIGSYS, sigsys_handler, 0, async_mask); /* back with rt_sigreturn */
    static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        set_handler(faults[i], fault_handler, HSA_NODEFER, async_mask);
    for (unsigned i = 0; i < sizeof(async_signals) / sizeof(async_signals[0]); i++)
        set_handler(async_signals[i], async_handler, 0, async_mask);
    /* A write to a closed pipe returns -EPIPE; the LibOS raises SIGPIPE for the program. */
    struct host_sigaction ign = {(void *)1 /* SIG_IGN */, HSA_RESTORER, pal_direct_restorer, 0};
    HSYS4(__NR_rt_sigaction, SIGPIPE, &ign, 0, 8);
    /* Exit statuses travel through the shared state; let the host reap its children. */
    HSYS4(__NR_rt_sigaction, SIGCHLD_HOST, &ign, 0, 8);
}

uint64_t pal_take_interrupts(void)
{
    /* A kick carries no signal of its own: entering the core was its whole purpose. */
    return __atomic_exchange_n(&pal_direct_pending, 0, __ATOMIC_SEQ_CST) & ~BIT(SIGKICK);
}

int64_t pal_process_id(void)
{
    return HSYS0(__NR_getpid);
}

int64_t pal_process_maxrss(void)
{
    /* struct rusage: two timevals, then ru_maxrss (KiB), then 13 more longs. */
    long ru[18];
    if (HSYS2(__NR_getrusage, 0 /* RUSAGE_SELF */, ru) < 0)
        return 0;
    return ru[4] > 0 ? ru[4] : 0;
}

void pal_process_kick(int64_t id)
{
    HSYS2(__NR_kill, id, SIGKICK);
}

void pal_process_kill(int64_t id)
{
    HSYS2(__NR_kill, id, SIGKILL);
}

void pal_context_enter(const struct pal_context *ctx)
{
    struct pal_context *c = pal_direct_entry_area(); /* see there */
    *c = *ctx;
    c->rip = pal_direct_rw_exit_rip(c->rip);
    pal_direct_write_fs(c->fs_base);
    uint64_t none = 0;
    HSYS4(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &none, 0, 8);
    pal_direct_jump(c);
    __builtin_unreachable();
}

void pal_exit(int code)
{
    pal_direct_process_ending();
    pal_direct_rw_report();
    for (;;)
        HSYS1(__NR_exit_group, code);
}

void pal_exit_signal(int signo)
{
    pal_direct_process_ending();
    pal_direct_rw_report();
    /* Die the way the program would have, without leaving a host core file behind. */
    uint64_t zero[2] = {0, 0};
    HSYS4(__NR_prlimit64, 0, 4 /* RLIMIT_CORE */, zero, 0);
    struct host_sigaction dfl = {0, HSA_RESTORER, pal_direct_restorer, 0};
    HSYS4(__NR_rt_sigaction, signo, &dfl, 0, 8);
    uint64_t m = BIT(signo);
    HSYS4(__NR_rt_sigprocmask, 1 /* SIG_UNBLOCK */, &m, 0, 8);
    long pid = HSYS0(__NR_getpid);
    HSYS3(__NR_tgkill, pid, HSYS0(__NR_gettid), signo);
    pal_exit(128 + signo);
}

void pal_log_write(const char *buf, size_t len)
{
    while (len) {
        long n = HSYS3(__NR_write, 2, buf, len);
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}
