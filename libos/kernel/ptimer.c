/*
 * ptimer.c - POSIX per-process timers: timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete (Linux's kernel/time/posix-timers.c semantics).
 *
 * Clocks: CLOCK_REALTIME, MONOTONIC, BOOTTIME and TAI; the CPU time of the calling process
 * (CLOCK_PROCESS_CPUTIME_ID or its encoded id) and of any thread of it (CLOCK_THREAD_
 * CPUTIME_ID, pthread_getcpuclockid).  The *_ALARM clocks are refused with EPERM, as for a
 * process without CAP_WAKE_ALARM; MONOTONIC_RAW and the coarse clocks have no timers
 * (EOPNOTSUPP), as in Linux.  Notification: SIGEV_SIGNAL (process-directed), SIGEV_THREAD_ID
 * (to one thread; glibc's and musl's SIGEV_THREAD are built on it), SIGEV_NONE, and the
 * kernel's SIGEV_THREAD (treated as SIGEV_SIGNAL, as Linux does).
 *
 * How expiry works without polling: every timer that signals owns a backend wake-up timer
 * (pal_wakeup_*) armed at its next expiry.  The backend raises PAL_EVENT_TIMER, and
 * signal_collect_host() calls ptimer_check(), which reads the clocks and queues the signal
 * of every expired timer.  Linux's overrun rules: a periodic timer whose signal is still
 * queued is not re-armed; when the signal is taken (ptimer_dequeued, from signal.c) the
 * timer is moved past "now", the periods it skipped are its overrun (si_overrun, and what
 * timer_getoverrun returns), and it is armed again.  A signal queued by a setting that
 * timer_settime or timer_delete (or exec) has since replaced stays pending, but is
 * dropped when it would be taken, as in Linux 6.13 and later.
 *
 * Lifetime: timers belong to a process (in its struct process, shared heap), are not
 * inherited by fork, end at exec and at exit (ptimer_exit_all).  A CPU-clock wake-up is
 * armed for the remaining CPU time on the host's scheduler clock, which runs at least as
 * fast as the user-time clocks, so it never fires late and is simply re-armed if early.
 * Not done: timers on another process's CPU clock (EINVAL); a periodic timer whose queued
 * signal was discarded because it became ignored stays parked until timer_settime.
 */
#include "libos.h"
#include "proc/proc.h"
#include "kernel/syscall.h"

#define SI_TIMER (-2)
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4
#define NS 1000000000ll
#define INT_MAX_ 0x7fffffff

enum { PT_CLOCK, PT_PROC_CPU, PT_THREAD_CPU };

struct ptimer {
    struct ptimer *next;
    int id;
    int kind;           /* PT_CLOCK: clock is a Linux clock id; else a CPU clock */
    int clock, which;   /* which: 0 user+system, 1 user, 2 scheduler runtime (CPU clocks) */
    int cpu_tid;        /* PT_THREAD_CPU: the thread whose CPU time counts */
    int notify, signo, target_tid;
    uint64_t value;     /* sigev_value */
    pal_handle_t wake;  /* the backend wake-up, PAL_HANDLE_NONE for SIGEV_NONE */
    int armed;          /* has an expiry (one-shot: until it fires) */
    int pending;        /* periodic, fired, its signal not yet taken (requeue pending) */
    int64_t deadline, interval; /* ns on the timer's clock */
    int64_t overrun;    /* -1 + periods passed since the signalled expiry */
    int overrun_last;   /* timer_getoverrun */
    uint32_t seq;       /* bumped by timer_settime: older queued signals are dropped */
};

struct k_sigevent {
    uint64_t value;
    int signo, notify;
    int tid;
    int pad[11];
};

struct k_itimerspec {
    struct linux_timespec interval, value;
};

static struct ptimer *find(struct process *p, int id)
{
    for (struct ptimer *t = p->ptimers; t; t = t->next)
        if (t->id == id)
            return t;
    return NULL;
}

/* The timer's clock now, in ns: 0 or a negative errno (its thread is gone). */
static int now_of(const struct process *p, const struct ptimer *t, int64_t *now)
{
    int64_t s, ns;
    int r;
    if (t->kind == PT_CLOCK) {
        r = pal_clock_get(t->clock, &s, &ns);
    } else if (t->kind == PT_PROC_CPU) {
        r = pal_clock_get(-8 | t->which, &s, &ns); /* this host process's CPU clock */
    } else {
        struct thread *th = proc_thread(p, t->cpu_tid);
        if (!th)
            return -ESRCH;
        r = th == current ? pal_clock_get(-8 | 4 | t->which, &s, &ns)
                          : pal_cpu_clock_get(th->host_tid, 1, t->which, &s, &ns);
    }
    if (r < 0)
        return r;
    *now = s * NS + ns;
    return 0;
}

/* Linux's hrtimer_forward: move an expired periodic timer past now; the periods moved. */
static int64_t forward(struct ptimer *t, int64_t now)
{
    if (!t->interval || now < t->deadline)
        return 0;
    int64_t n = (now - t->deadline) / t->interval + 1;
    t->deadline += n * t->interval;
    return n;
}

/* Point the backend wake-up at the timer's next expiry, or disarm it. */
static void arm_wake(const struct process *p, struct ptimer *t)
{
    if (t->wake == PAL_HANDLE_NONE)
        return;
    if (!t->armed || t->pending) {
        IGNORE(pal_wakeup_arm(t->wake, 1, 0, 0));
        return;
    }
    if (t->kind == PT_CLOCK) {
        /* An absolute time in the past fires at once, which is what is wanted. */
        int64_t d = t->deadline > 0 ? t->deadline : 1;
        IGNORE(pal_wakeup_arm(t->wake, 1, d / NS, d % NS));
        return;
    }
    int64_t now;
    if (now_of(p, t, &now) < 0)
        return;
    int64_t left = t->deadline - now;
    if (left <= 0)
        left = 1;
    IGNORE(pal_wakeup_arm(t->wake, 0, left / NS, left % NS));
}

/* The queue the timer's signal goes to. */
static struct sigq **queue_of(struct process *p, const struct ptimer *t, uint64_t **pending)
{
    if (t->notify == SIGEV_THREAD_ID) {
        struct thread *th = proc_thread(p, t->target_tid);
        if (!th)
            return NULL;
        *pending = &th->sig_pending;
        return &th->sigq[t->signo];
    }
    *pending = &p->sig_pending;
    return &p->sigq[t->signo];
}

/* Linux's si_sys_private: which setting of the timer queued the signal (offset 16 of the
 * union, after si_timerid, si_overrun and si_value); never shown to the program. */
static uint32_t info_seq(const struct k_siginfo *si)
{
    uint32_t v;
    al_memcpy(&v, (const char *)&si->u + 16, sizeof(v));
    return v;
}

static void set_info_seq(struct k_siginfo *si, uint32_t v)
{
    al_memcpy((char *)&si->u + 16, &v, sizeof(v));
}

static int is_ours(const struct sigq *q, const struct ptimer *t)
{
    return q->info.si_code == SI_TIMER && q->info.u.kill.pid == t->id &&
           info_seq(&q->info) == t->seq;
}

static int signal_queued(struct process *p, const struct ptimer *t)
{
    uint64_t *pend;
    struct sigq **head = queue_of(p, t, &pend);
    for (struct sigq *q = head ? *head : NULL; q; q = q->next)
        if (is_ours(q, t))
            return 1;
    return 0;
}

/* After the signal is taken (or lost): Linux's posixtimer_rearm. */
static void rearm(struct process *p, struct ptimer *t, int64_t now)
{
    t->overrun += forward(t, now);
    t->overrun_last = t->overrun > INT_MAX_ ? INT_MAX_ : (int)t->overrun;
    t->overrun = -1;
    t->pending = 0;
    arm_wake(p, t);
}

static void fire(struct process *p, struct ptimer *t, int64_t now)
{
    struct k_siginfo si;
    al_memset(&si, 0, sizeof(si));
    si.si_signo = t->signo;
    si.si_code = SI_TIMER;
    si.u.kill.pid = t->id;   /* si_timerid */
    si.u.kill.uid = 0;       /* si_overrun, filled in when the signal is taken */
    si.u.kill.value = t->value;
    set_info_seq(&si, t->seq);
    if (t->notify == SIGEV_THREAD_ID) {
        struct thread *th = proc_thread(p, t->target_tid);
        if (th)
            signal_send_thread(th, t->signo, &si);
    } else {
        signal_send_process(p, t->signo, &si);
    }
    if (!t->interval) {
        t->armed = 0;
        return;
    }
    t->pending = 1;
    if (!signal_queued(p, t))
        rearm(p, t, now); /* ignored or no target: nothing will be taken */
}

void ptimer_check(void)
{
    int64_t host = current->proc->host_id;
    for (struct process *p = kernel->procs; p; p = p->next) {
        if (p->state != PROC_RUNNING || p->host_id != host)
            continue;
        for (struct ptimer *t = p->ptimers; t; t = t->next) {
            if (!t->armed || t->notify == SIGEV_NONE)
                continue;
            int64_t now;
            if (now_of(p, t, &now) < 0)
                continue;
            if (t->pending) {
                if (!signal_queued(p, t))
                    rearm(p, t, now);
            } else if (now >= t->deadline) {
                fire(p, t, now);
            } else if (t->kind != PT_CLOCK) {
                arm_wake(p, t); /* a CPU clock ran slower than the host's scheduler clock */
            }
        }
    }
}

int ptimer_dequeued(struct k_siginfo *info)
{
    struct process *p = current->proc;
    struct ptimer *t = find(p, info->u.kill.pid);
    uint32_t seq = info_seq(info);
    set_info_seq(info, 0);
    /* Deleted, or set again since (exec deletes them all): Linux drops the signal. */
    if (!t || seq != t->seq)
        return 0;
    if (!t->pending)
        return 1;
    int64_t now;
    if (now_of(p, t, &now) < 0)
        now = t->deadline;
    rearm(p, t, now);
    info->u.kill.uid = (uint32_t)t->overrun_last;
    return 1;
}

/* A signal it queued stays pending, and is dropped when taken (ptimer_dequeued). */
static void destroy(struct ptimer *t)
{
    if (t->wake != PAL_HANDLE_NONE)
        pal_wakeup_delete(t->wake);
    kfree(t);
}

void ptimer_exit_all(struct process *p)
{
    while (p->ptimers) {
        struct ptimer *t = p->ptimers;
        p->ptimers = t->next;
        destroy(t);
    }
}

void ptimer_fork_child(struct process *c)
{
    c->ptimers = NULL; /* not inherited; the new process numbers its timers from 0 */
    c->ptimer_next_id = 0;
}

/* Which clock a timer may run on: 0 and kind/which/tid, or the error Linux gives once the
 * timer is otherwise set up (alarm clocks, CPU clocks naming nobody); *early is set for the
 * errors Linux gives before anything else (EINVAL for no such clock, EOPNOTSUPP). */
static int timer_clock(int c, struct ptimer *t, int *early)
{
    *early = 0;
    t->clock = c;
    if (c >= 0) {
        switch (c) {
        case CLOCK_REALTIME:
        case CLOCK_MONOTONIC:
        case CLOCK_BOOTTIME:
        case 11: /* CLOCK_TAI */
            t->kind = PT_CLOCK;
            return 0;
        case CLOCK_PROCESS_CPUTIME_ID:
            t->kind = PT_PROC_CPU, t->which = 2;
            return 0;
        case CLOCK_THREAD_CPUTIME_ID:
            t->kind = PT_THREAD_CPU, t->which = 2, t->cpu_tid = current->tid;
            return 0;
        case CLOCK_MONOTONIC_RAW:
        case CLOCK_REALTIME_COARSE:
        case CLOCK_MONOTONIC_COARSE:
            *early = 1;
            return -EOPNOTSUPP;
        case 8: /* CLOCK_REALTIME_ALARM */
        case 9: /* CLOCK_BOOTTIME_ALARM */
            return -EPERM; /* no CAP_WAKE_ALARM */
        default:
            *early = 1;
            return -EINVAL;
        }
    }
    if ((c & 7) == 3) {
        *early = 1;
        return -EOPNOTSUPP; /* a dynamic (posix clock device) clock: no timers */
    }
    int pid = ~(c >> 3), thread = (c & 4) != 0;
    t->which = c & 3;
    if (t->which == 3)
        return -EINVAL;
    if (thread) {
        struct thread *th = pid == 0 ? current : proc_thread(current->proc, pid);
        if (!th)
            return -EINVAL;
        t->kind = PT_THREAD_CPU, t->cpu_tid = th->tid;
        return 0;
    }
    if (pid != 0 && pid != current->proc->pid)
        return -EINVAL; /* another process's CPU clock: not offered */
    t->kind = PT_PROC_CPU;
    return 0;
}

/* timer_create(2), in Linux's order: EFAULT for the sigevent, EINVAL/EOPNOTSUPP for the
 * clock, EINVAL for the sigevent, EFAULT for the id (which is then used up), then the
 * clock's own refusals (EPERM for the alarm clocks, EINVAL for a CPU clock of nobody). */
SYS(timer_create)
{
    struct process *p = current->proc;
    struct k_sigevent ev;
    if (a1 && copy_from_user(&ev, (uint64_t)a1, sizeof(ev)))
        return -EFAULT;
    struct ptimer *t = kzalloc(sizeof(*t));
    if (!t)
        return -EAGAIN;
    t->wake = PAL_HANDLE_NONE;
    int early;
    int cr = timer_clock((int)a0, t, &early);
    if (cr < 0 && early) {
        kfree(t);
        return cr;
    }
    t->id = p->ptimer_next_id;
    p->ptimer_next_id = (p->ptimer_next_id + 1) & INT_MAX_;
    t->overrun = -1;
    if (a1) {
        int ok = 0;
        switch (ev.notify) {
        case SIGEV_THREAD_ID | SIGEV_SIGNAL:
            if (!proc_thread(p, ev.tid))
                break;
            /* fall through */
        case SIGEV_SIGNAL:
        case SIGEV_THREAD:
            ok = ev.signo > 0 && ev.signo <= NSIG;
            break;
        case SIGEV_NONE:
            ok = 1;
            break;
        }
        if (!ok) {
            kfree(t);
            return -EINVAL;
        }
        t->notify = ev.notify == SIGEV_THREAD ? SIGEV_SIGNAL : ev.notify;
        t->signo = ev.signo;
        t->target_tid = ev.tid;
        t->value = ev.value;
    } else {
        t->notify = SIGEV_SIGNAL;
        t->signo = SIGALRM;
        t->value = (uint64_t)t->id;
    }
    if (copy_to_user((uint64_t)a2, &t->id, sizeof(int))) {
        kfree(t);
        return -EFAULT;
    }
    if (cr < 0) {
        kfree(t);
        return cr;
    }
    if (t->notify != SIGEV_NONE) {
        struct thread *th = t->kind == PT_THREAD_CPU ? proc_thread(p, t->cpu_tid) : NULL;
        int r = pal_wakeup_create(t->kind == PT_CLOCK      ? t->clock
                                  : t->kind == PT_PROC_CPU ? CLOCK_PROCESS_CPUTIME_ID
                                                           : CLOCK_THREAD_CPUTIME_ID,
                                  th ? th->host_tid : 0, &t->wake);
        if (r < 0) {
            kfree(t);
            return -EAGAIN;
        }
    }
    t->next = p->ptimers;
    p->ptimers = t;
    return 0;
}

/* What timer_gettime reports (Linux's common_timer_get), forwarding a periodic timer that
 * waits for its signal to be taken or that never signals. */
static void get_spec(struct process *p, struct ptimer *t, struct k_itimerspec *out)
{
    al_memset(out, 0, sizeof(*out));
    out->interval.tv_sec = t->interval / NS;
    out->interval.tv_nsec = t->interval % NS;
    int none = t->notify == SIGEV_NONE;
    if (!t->interval && !t->armed && !none)
        return;
    int64_t now;
    if (now_of(p, t, &now) < 0)
        return;
    if (t->interval && (t->pending || none))
        t->overrun += forward(t, now);
    int64_t left = t->armed ? t->deadline - now : -1;
    if (left <= 0) {
        if (!none && t->armed)
            out->value.tv_nsec = 1;
    } else {
        out->value.tv_sec = left / NS;
        out->value.tv_nsec = left % NS;
    }
}

static int spec_valid(const struct linux_timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NS;
}

SYS(timer_settime)
{
    struct process *p = current->proc;
    struct k_itimerspec nv, old;
    if (!a2)
        return -EINVAL;
    if (copy_from_user(&nv, (uint64_t)a2, sizeof(nv)))
        return -EFAULT;
    if (!spec_valid(&nv.interval) || !spec_valid(&nv.value))
        return -EINVAL;
    struct ptimer *t = find(p, (int)a0);
    if (!t)
        return -EINVAL;
    if (a3)
        get_spec(p, t, &old);
    /* A signal of the old setting stays pending but is dropped when taken; the overrun
     * account starts again. */
    t->seq++;
    t->pending = 0;
    t->overrun = -1;
    t->overrun_last = 0;
    int64_t value = nv.value.tv_sec * NS + nv.value.tv_nsec;
    t->interval = value ? nv.interval.tv_sec * NS + nv.interval.tv_nsec : 0;
    t->armed = value != 0;
    t->deadline = 0;
    if (t->armed) {
        int64_t now = 0;
        if (!(a1 & TIMER_ABSTIME) && now_of(p, t, &now) < 0)
            now = 0;
        t->deadline = (a1 & TIMER_ABSTIME) ? value : now + value;
    }
    arm_wake(p, t);
    if (a3 && copy_to_user((uint64_t)a3, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

SYS(timer_gettime)
{
    struct process *p = current->proc;
    struct ptimer *t = find(p, (int)a0);
    if (!t)
        return -EINVAL;
    struct k_itimerspec cur;
    get_spec(p, t, &cur);
    return copy_to_user((uint64_t)a1, &cur, sizeof(cur));
}

SYS(timer_getoverrun)
{
    struct ptimer *t = find(current->proc, (int)a0);
    if (!t)
        return -EINVAL;
    return t->overrun_last;
}

SYS(timer_delete)
{
    struct process *p = current->proc;
    for (struct ptimer **pt = &p->ptimers; *pt; pt = &(*pt)->next) {
        if ((*pt)->id == (int)a0) {
            struct ptimer *t = *pt;
            *pt = t->next;
            destroy(t);
            return 0;
        }
    }
    return -EINVAL;
}
