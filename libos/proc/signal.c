/*
 * signal.c - the program's signals, virtualised: dispositions, masks, pending sets,
 * delivery frames built on the program's stack exactly as Linux lays them out, and
 * rt_sigreturn.
 *
 * Signals are only ever delivered at the end of a LibOS entry (syscall, fault, async
 * event), when the core holds none of its own locks.
 */
#include "libos.h"
#include "proc/proc.h"

#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define FP_XSTATE_MAGIC1 0x46505853u

enum dfl { D_TERM, D_CORE, D_IGN, D_STOP };

static enum dfl default_action(int sig)
{
    switch (sig) {
    case SIGQUIT:
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGBUS:
    case SIGFPE:
    case SIGSEGV:
    case SIGXCPU:
    case SIGXFSZ:
    case SIGSYS:
        return D_CORE;
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
        return D_IGN;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
        return D_STOP;
    default:
        return D_TERM;
    }
}

static int ignored(int sig)
{
    const struct k_sigaction *a = &current->proc->act[sig];
    return a->handler == SIG_IGN || (a->handler == SIG_DFL && default_action(sig) == D_IGN);
}

void signal_send_thread(struct thread *t, int sig, const struct k_siginfo *info)
{
    if (sig < 1 || sig > NSIG)
        return;
    /* An ignored signal is discarded at generation time, unless the thread blocks it
     * (Linux's sig_ignored(): the handler may change before it is unblocked, and a
     * signalfd or sigwait may take it; PostgreSQL's latches wait for a blocked SIGURG). */
    if (ignored(sig) && sig != SIGKILL && !(t->sigmask & SIGBIT(sig)))
        return;
    uint64_t bit = SIGBIT(sig);
    if ((t->sig_pending & bit) && sig < 32)
        return; /* standard signals do not queue; real-time ones (32-64) do */
    struct sigq *q = kzalloc(sizeof(*q));
    if (!q) {
        if (t->sig_pending & bit)
            return; /* out of memory: the signal stays pending once, like Linux's overflow */
    } else if (info) {
        q->info = *info;
    } else {
        q->info.si_signo = sig;
        q->info.si_code = SI_KERNEL;
    }
    t->sig_pending |= bit;
    if (q) {
        struct sigq **tail = &t->sigq[sig];
        while (*tail)
            tail = &(*tail)->next;
        *tail = q;
    }
    wake_all(); /* the target may be waiting */
    if (t != current && t->host_tid)
        pal_thread_kick(t->proc->host_id, t->host_tid); /* or running program code */
}

/* Take the oldest queued instance of sig off the pending set, filling *out: 1, or 0 when
 * it was a stale POSIX timer signal, which is dropped (the caller looks again). */
static int dequeue(int sig, struct k_siginfo *out)
{
    struct process *p = current->proc;
    int from_thread = (current->sig_pending & SIGBIT(sig)) != 0;
    struct sigq **head = from_thread ? &current->sigq[sig] : &p->sigq[sig];
    struct sigq *q = *head;
    al_memset(out, 0, sizeof(*out));
    if (q) {
        *out = q->info;
        *head = q->next;
        kfree(q);
        int keep = out->si_code != -2 /* SI_TIMER */ || ptimer_dequeued(out);
        if (!keep) {
            if (!*head)
                *(from_thread ? &current->sig_pending : &p->sig_pending) &= ~SIGBIT(sig);
            return 0;
        }
    } else {
        out->si_signo = sig;
        out->si_code = SI_KERNEL;
    }
    if (!*head) {
        if (from_thread)
            current->sig_pending &= ~SIGBIT(sig);
        else
            p->sig_pending &= ~SIGBIT(sig);
    }
    return 1;
}

void sigq_free_all(struct sigq **q)
{
    for (int s = 1; s <= NSIG; s++)
        while (q[s]) {
            struct sigq *n = q[s]->next;
            kfree(q[s]);
            q[s] = n;
        }
}

/* Drop every queued instance of sig (it became ignored). */
static void discard(int sig)
{
    struct sigq **heads[2] = {&current->sigq[sig], &current->proc->sigq[sig]};
    for (int i = 0; i < 2; i++)
        while (*heads[i]) {
            struct sigq *q = *heads[i];
            *heads[i] = q->next;
            kfree(q);
        }
    current->sig_pending &= ~SIGBIT(sig);
    current->proc->sig_pending &= ~SIGBIT(sig);
}

void signal_force(int sig, const struct k_siginfo *si, uint64_t trapno, uint64_t err)
{
    struct k_sigaction *a = &current->proc->act[sig];
    /* A fault that is blocked or ignored kills the process, as force_sig_fault does. */
    if ((current->sigmask & SIGBIT(sig)) || a->handler == SIG_IGN) {
        a->handler = SIG_DFL;
        current->sigmask &= ~SIGBIT(sig);
    }
    current->fault_trapno = trapno;
    current->fault_err = err;
    current->fault_addr = si->u.fault.addr;
    signal_send_thread(current, sig, si);
}

void signal_collect_host(void)
{
    uint64_t m = pal_take_interrupts();
    if (m & PAL_EVENT_TIMER) {
        /* Not a signal: a wake-up timer expired, POSIX timers may have to fire. */
        m &= ~PAL_EVENT_TIMER;
        ptimer_check();
    }
    for (int s = 1; m && s <= NSIG; s++) {
        if (m & SIGBIT(s)) {
            struct k_siginfo si;
            al_memset(&si, 0, sizeof(si));
            si.si_signo = s;
            si.si_code = SI_USER; /* sent from outside the enclave */
            /* Process-directed (a host kill, an interval timer): whichever host thread
             * caught it, any thread of the process that does not block it takes it. */
            signal_send_process(current->proc, s, &si);
            m &= ~SIGBIT(s);
        }
    }
}

static int next_signal(void)
{
    uint64_t p = (current->sig_pending | current->proc->sig_pending) & ~current->sigmask;
    if (!p)
        return 0;
    /* Synchronous faults first, then the lowest number, as Linux does. */
    static const int sync[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS};
    for (unsigned i = 0; i < ARRAY_SIZE(sync); i++)
        if (p & SIGBIT(sync[i]))
            return sync[i];
    return __builtin_ctzll(p) + 1;
}

int signal_pending_unblocked(void)
{
    return next_signal() != 0;
}

const struct k_sigaction *signal_next_handler(void)
{
    uint64_t p = (current->sig_pending | current->proc->sig_pending) & ~current->sigmask;
    for (int s = 1; p && s <= NSIG; s++) {
        if (!(p & SIGBIT(s)))
            continue;
        const struct k_sigaction *a = &current->proc->act[s];
        if (a->handler != SIG_DFL && a->handler != SIG_IGN)
            return a;
        if (a->handler == SIG_DFL && default_action(s) != D_IGN && default_action(s) != D_STOP)
            return a; /* it will terminate: no point restarting */
    }
    return NULL;
}

void signal_restore_mask_after(uint64_t old, long ret)
{
    if (ret == -EINTR || ret == -ERESTARTNOHAND || ret == -ERESTARTSYS) {
        /* The handler frame must carry the old mask; restore it after delivery. */
        current->saved_sigmask = old;
        current->has_saved_mask = 1;
    } else {
        current->sigmask = old;
    }
}

static int on_altstack(uint64_t sp)
{
    return current->altstack_size && sp > current->altstack_sp &&
           sp <= current->altstack_sp + current->altstack_size;
}

/* Build the handler frame; 0 or -EFAULT if the program's stack is unusable. */
static int setup_frame(struct pal_context *ctx, int sig, const struct k_sigaction *a,
                       const struct k_siginfo *si, uint64_t oldmask)
{
    uint64_t sp = ctx->rsp;
    int onstack = on_altstack(sp);
    if ((a->flags & SA_ONSTACK) && current->altstack_size && !onstack &&
        !(current->altstack_flags & SS_DISABLE))
        sp = current->altstack_sp + current->altstack_size;
    else
        sp -= 128; /* skip the red zone */

    uint64_t fp = 0;
    if (ctx->xstate && ctx->xstate_size) {
        sp = (sp - ctx->xstate_size) & ~63ull;
        fp = sp;
        if (copy_to_user(fp, ctx->xstate, ctx->xstate_size))
            return -EFAULT;
    }
    sp -= sizeof(struct linux_rt_sigframe);
    sp = (sp & ~15ull) - 8; /* as after a call: (sp + 8) is 16-byte aligned */

    struct linux_rt_sigframe f;
    al_memset(&f, 0, sizeof(f));
    f.pretcode = a->restorer;
    f.uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    f.uc.uc_stack.ss_sp = current->altstack_sp;
    f.uc.uc_stack.ss_size = current->altstack_size;
    f.uc.uc_stack.ss_flags = current->altstack_size ? (onstack ? SS_ONSTACK : current->altstack_flags)
                                                    : SS_DISABLE;
    struct linux_sigcontext *m = &f.uc.uc_mcontext;
    m->r8 = ctx->r8, m->r9 = ctx->r9, m->r10 = ctx->r10, m->r11 = ctx->r11;
    m->r12 = ctx->r12, m->r13 = ctx->r13, m->r14 = ctx->r14, m->r15 = ctx->r15;
    m->rdi = ctx->rdi, m->rsi = ctx->rsi, m->rbp = ctx->rbp, m->rbx = ctx->rbx;
    m->rdx = ctx->rdx, m->rax = ctx->rax, m->rcx = ctx->rcx, m->rsp = ctx->rsp;
    m->rip = ctx->rip, m->eflags = ctx->rflags;
    m->cs = 0x33;
    m->ss = 0x2b;
    m->oldmask = oldmask;
    m->fpstate = fp;
    if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP) {
        m->trapno = current->fault_trapno;
        m->err = current->fault_err;
        m->cr2 = current->fault_addr;
    }
    f.uc.uc_sigmask = oldmask;
    f.info = *si;
    if (copy_to_user(sp, &f, sizeof(f)))
        return -EFAULT;

    /* The handler starts with a clean FPU state (MXCSR 0x1f80...), as on Linux; the
     * program's own state is in the frame and comes back with rt_sigreturn. */
    xstate_reset(ctx);
    ctx->rsp = sp;
    ctx->rip = a->handler;
    ctx->rdi = (uint64_t)sig;
    ctx->rsi = sp + __builtin_offsetof(struct linux_rt_sigframe, info);
    ctx->rdx = sp + __builtin_offsetof(struct linux_rt_sigframe, uc);
    ctx->rax = 0;
    ctx->rflags &= ~(0x400ull | 0x100ull); /* DF, TF */
    if (current->altstack_flags & SS_AUTODISARM && (a->flags & SA_ONSTACK))
        current->altstack_size = 0;
    return 0;
}

void signal_deliver(struct pal_context *ctx)
{
    int sig;
    while ((sig = next_signal()) != 0) {
        struct k_siginfo local;
        if (!dequeue(sig, &local))
            continue;
        struct k_sigaction *a = &current->proc->act[sig];
        if (a->handler == SIG_IGN)
            continue;
        if (a->handler == SIG_DFL) {
            switch (default_action(sig)) {
            case D_IGN:
                continue;
            case D_STOP:
                process_stop(sig);
                continue;
            case D_TERM:
            case D_CORE:
                process_exit_signal(sig);
            }
        }
        uint64_t oldmask = current->has_saved_mask ? current->saved_sigmask : current->sigmask;
        current->has_saved_mask = 0;
        struct k_sigaction act = *a;
        if (setup_frame(ctx, sig, &act, &local, oldmask) < 0) {
            /* No usable stack for the handler: Linux kills with SIGSEGV. */
            process_exit_signal(SIGSEGV);
        }
        current->sigmask = oldmask | act.mask | ((act.flags & SA_NODEFER) ? 0 : SIGBIT(sig));
        current->sigmask &= ~UNBLOCKABLE;
        if (act.flags & SA_RESETHAND) {
            a->handler = SIG_DFL;
            a->flags &= ~SA_SIGINFO;
        }
        /* Only one frame per entry; further signals are delivered when it returns. */
        return;
    }
    if (current->has_saved_mask) {
        current->sigmask = current->saved_sigmask;
        current->has_saved_mask = 0;
    }
}

SYS(rt_sigreturn)
{
    struct pal_context *ctx = current->ctx;
    uint64_t frame = ctx->rsp - 8;
    struct linux_rt_sigframe f;
    if (copy_from_user(&f, frame, sizeof(f)))
        process_exit_signal(SIGSEGV);
    const struct linux_sigcontext *m = &f.uc.uc_mcontext;
    if (m->fpstate && ctx->xstate && ctx->xstate_size) {
        /* Take the program's saved registers, but keep the host's description of the
         * format so a tampered frame cannot make the backend's own sigreturn fail. */
        char *x = ctx->xstate;
        char keep[48];
        al_memcpy(keep, x + 464, sizeof(keep));
        uint32_t mxcsr_mask = *(uint32_t *)(x + 28);
        uint64_t bv_allowed = ctx->xstate_size > 512 + 64 ? *(uint64_t *)(x + 464 + 8) : 3;
        if (copy_from_user(x, m->fpstate, ctx->xstate_size))
            process_exit_signal(SIGSEGV);
        al_memcpy(x + 464, keep, sizeof(keep));
        *(uint32_t *)(x + 28) = mxcsr_mask;
        *(uint32_t *)(x + 24) &= mxcsr_mask ? mxcsr_mask : 0xffbf;
        if (ctx->xstate_size >= 512 + 64) {
            *(uint64_t *)(x + 512) &= bv_allowed;      /* XSTATE_BV */
            al_memset(x + 520, 0, 56);                  /* XCOMP_BV and reserved */
        }
    }
    ctx->r8 = m->r8, ctx->r9 = m->r9, ctx->r10 = m->r10, ctx->r11 = m->r11;
    ctx->r12 = m->r12, ctx->r13 = m->r13, ctx->r14 = m->r14, ctx->r15 = m->r15;
    ctx->rdi = m->rdi, ctx->rsi = m->rsi, ctx->rbp = m->rbp, ctx->rbx = m->rbx;
    ctx->rdx = m->rdx, ctx->rax = m->rax, ctx->rcx = m->rcx, ctx->rsp = m->rsp;
    ctx->rip = m->rip;
    ctx->rflags = m->eflags;
    current->sigmask = f.uc.uc_sigmask & ~UNBLOCKABLE;
    /* Restore the alternate stack setting, as the kernel's sigreturn does. */
    if (!on_altstack(ctx->rsp) && !(f.uc.uc_stack.ss_flags & SS_DISABLE) && f.uc.uc_stack.ss_size) {
        current->altstack_sp = f.uc.uc_stack.ss_sp;
        current->altstack_size = f.uc.uc_stack.ss_size;
        current->altstack_flags = f.uc.uc_stack.ss_flags & (int)SS_AUTODISARM;
    }
    return (long)ctx->rax;
}

SYS(rt_sigaction)
{
    int sig = (int)a0;
    if ((size_t)a3 != 8)
        return -EINVAL;
    if (sig < 1 || sig > NSIG)
        return -EINVAL;
    struct k_sigaction na, *cur = &current->proc->act[sig];
    if (a1) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        if (copy_from_user(&na, (uint64_t)a1, sizeof(na)))
            return -EFAULT;
    }
    if (a2 && copy_to_user((uint64_t)a2, cur, sizeof(*cur)))
        return -EFAULT;
    if (a1) {
        na.mask &= ~UNBLOCKABLE;
        *cur = na;
        /* Setting SIG_IGN (or SIG_DFL for a default-ignored signal) discards pending ones. */
        if (ignored(sig))
            discard(sig);
    }
    return 0;
}

SYS(rt_sigprocmask)
{
    int how = (int)a0;
    if ((size_t)a3 != 8)
        return -EINVAL;
    uint64_t old = current->sigmask, set;
    if (a1) {
        if (copy_from_user(&set, (uint64_t)a1, 8))
            return -EFAULT;
        switch (how) {
        case SIG_BLOCK:
            current->sigmask |= set;
            break;
        case SIG_UNBLOCK:
            current->sigmask &= ~set;
            break;
        case SIG_SETMASK:
            current->sigmask = set;
            break;
        default:
            return -EINVAL;
        }
        current->sigmask &= ~UNBLOCKABLE;
    }
    if (a2 && copy_to_user((uint64_t)a2, &old, 8)) {
        current->sigmask = old;
        return -EFAULT;
    }
    return 0;
}

SYS(rt_sigpending)
{
    if ((size_t)a1 > 8)
        return -EINVAL;
    uint64_t p = (current->sig_pending | current->proc->sig_pending) & current->sigmask;
    return copy_to_user((uint64_t)a0, &p, (size_t)a1);
}

static int signal_ready(void *arg)
{
    (void)arg;
    return signal_pending_unblocked();
}

SYS(rt_sigsuspend)
{
    uint64_t m;
    if ((size_t)a1 != 8)
        return -EINVAL;
    if (copy_from_user(&m, (uint64_t)a0, 8))
        return -EFAULT;
    uint64_t old = current->sigmask;
    current->sigmask = m & ~UNBLOCKABLE;
    for (;;) {
        int r = wait_until(signal_ready, NULL);
        (void)r;
        if (signal_next_handler())
            break;
        /* Only ignored/stop signals arrived: discard them and keep waiting. */
        signal_deliver(current->ctx);
    }
    signal_restore_mask_after(old, -EINTR);
    return -EINTR;
}

SYS(pause)
{
    for (;;) {
        int r = wait_until(signal_ready, NULL);
        (void)r;
        if (signal_next_handler())
            return -ERESTARTNOHAND;
        signal_deliver(current->ctx);
    }
}

SYS(sigaltstack)
{
    struct linux_stack old, ns;
    uint64_t sp = current->ctx->rsp;
    old.ss_sp = current->altstack_sp;
    old.ss_size = current->altstack_size;
    old.ss_flags = on_altstack(sp) ? SS_ONSTACK
                   : current->altstack_size ? current->altstack_flags : SS_DISABLE;
    old._pad = 0;
    if (a0) {
        if (copy_from_user(&ns, (uint64_t)a0, sizeof(ns)))
            return -EFAULT;
        if (on_altstack(sp))
            return -EPERM;
        int mode = ns.ss_flags & ~(int)SS_AUTODISARM;
        if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
            return -EINVAL;
        if (mode == SS_DISABLE) {
            current->altstack_sp = current->altstack_size = 0;
            current->altstack_flags = SS_DISABLE;
        } else {
            if (ns.ss_size < MINSIGSTKSZ)
                return -ENOMEM;
            current->altstack_sp = ns.ss_sp;
            current->altstack_size = ns.ss_size;
            current->altstack_flags = ns.ss_flags & (int)SS_AUTODISARM;
        }
    }
    if (a1 && copy_to_user((uint64_t)a1, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* A signal for one thread of this process. */
static long kill_thread(int tid, int sig)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    struct thread *t = thread_by_tid(tid);
    if (!t)
        return -ESRCH;
    if (sig == 0)
        return 0;
    struct k_siginfo si;
    al_memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = SI_TKILL;
    si.u.kill.pid = current->proc->pid;
    signal_send_thread(t, sig, &si);
    return 0;
}

SYS(rt_tgsigqueueinfo)
{
    struct k_siginfo si;
    int sig = (int)a2;
    if (copy_from_user(&si, (uint64_t)a3, sizeof(si)))
        return -EFAULT;
    if ((int)a0 != current->proc->pid)
        return -ESRCH;
    if (si.si_code >= 0 || si.si_code == SI_TKILL)
        return -EPERM;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    struct thread *t = thread_by_tid((int)a1);
    if (!t)
        return -ESRCH;
    if (sig == 0)
        return 0;
    si.si_signo = sig;
    signal_send_thread(t, sig, &si);
    return 0;
}

SYS(tkill)
{
    if ((int)a0 <= 0)
        return -EINVAL;
    return kill_thread((int)a0, (int)a1);
}

SYS(tgkill)
{
    if ((int)a0 <= 0 || (int)a1 <= 0)
        return -EINVAL;
    if ((int)a0 != current->proc->pid)
        return -ESRCH;
    return kill_thread((int)a1, (int)a2);
}

SYS(rt_sigqueueinfo)
{
    int sig = (int)a1;
    struct k_siginfo si;
    if (copy_from_user(&si, (uint64_t)a2, sizeof(si)))
        return -EFAULT;
    struct process *p = process_by_pid((int)a0);
    if (!p || p->state != PROC_RUNNING)
        return -ESRCH;
    /* Only negative codes may be forged by the sender, as Linux enforces. */
    if (si.si_code >= 0 || si.si_code == SI_TKILL)
        return -EPERM;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (sig == 0)
        return 0;
    si.si_signo = sig;
    signal_send_process(p, sig, &si);
    return 0;
}

void xstate_reset(struct pal_context *ctx)
{
    if (!ctx->xstate || ctx->xstate_size < 512)
        return;
    char *x = ctx->xstate;
    al_memset(x, 0, 160 + 256);          /* x87 control words, ST and XMM registers */
    *(uint16_t *)(x + 0) = 0x37f;        /* FCW */
    *(uint32_t *)(x + 24) = 0x1f80;      /* MXCSR */
    if (ctx->xstate_size >= 512 + 64)
        *(uint64_t *)(x + 512) = 0;      /* XSTATE_BV: every component in its init state */
}

struct tw {
    uint64_t set;
};

static int wanted_pending(void *arg)
{
    struct tw *w = arg;
    return ((current->sig_pending | current->proc->sig_pending) & w->set) != 0;
}

SYS(rt_sigtimedwait)
{
    uint64_t set;
    if ((size_t)a3 != 8)
        return -EINVAL;
    if (copy_from_user(&set, (uint64_t)a0, 8))
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    int64_t deadline = -1;
    if (a2) {
        struct linux_timespec ts;
        long tr = timespec_from_user((uint64_t)a2, &ts);
        if (tr < 0)
            return tr;
        int64_t s, ns;
        if (pal_clock_get(CLOCK_MONOTONIC, &s, &ns) < 0)
            return -EIO;
        deadline = (s + ts.tv_sec) * 1000000000 + ns + ts.tv_nsec;
    }
    struct tw w = {set};
    /* While waiting, the awaited signals count as unblocked for waking purposes only. */
    for (;;) {
        signal_collect_host();
        if (wanted_pending(&w)) {
            uint64_t p = (current->sig_pending | current->proc->sig_pending) & set;
            int sig = __builtin_ctzll(p) + 1;
            struct k_siginfo si;
            if (!dequeue(sig, &si))
                continue;
            if (a1 && copy_to_user((uint64_t)a1, &si, sizeof(si)))
                return -EFAULT;
            return sig;
        }
        if (signal_pending_unblocked())
            return -EINTR;
        int64_t slice = 10 * 1000 * 1000;
        if (deadline >= 0) {
            int64_t s, ns;
            if (pal_clock_get(CLOCK_MONOTONIC, &s, &ns) < 0)
                return -EIO;
            int64_t now = s * 1000000000 + ns;
            if (now >= deadline)
                return -EAGAIN;
            slice = MIN(slice, deadline - now);
        }
        bkl_unlock();
        int r = pal_sleep(CLOCK_MONOTONIC, 0, slice / 1000000000, slice % 1000000000);
        bkl_lock();
        if (r < 0 && r != -EINTR)
            return r;
    }
}
