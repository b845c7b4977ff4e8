/*
 * sched.c - scheduling attributes: nice values (getpriority/setpriority), policies and
 * real-time priorities (sched_setscheduler and friends), CPU affinity, sched_yield, getcpu.
 *
 * Everything here is bookkeeping with Linux's checks and errno values: the nice value is
 * kept per process, the policy, priority and affinity mask per thread, all inherited over
 * fork and clone (with SCHED_RESET_ON_FORK applied).  The host scheduling is NOT changed:
 * every enclave thread keeps running as an ordinary SCHED_OTHER host thread at the
 * backend's nice value on every CPU, whatever the program asked for.  Programs can observe
 * their settings, not their effect.
 */
#include "libos.h"
#include "proc/proc.h"

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2
#define MIN_NICE (-20)
#define MAX_NICE 19

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_DEADLINE 6
#define SCHED_RESET_ON_FORK 0x40000000
#define SETPARAM_POLICY (-1)
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 15
#define RR_TIMESLICE_NS 100000000 /* Linux's default sched_rr_timeslice_ms */

static int privileged(void)
{
    return current->proc->euid == 0; /* CAP_SYS_NICE: root of the enclave */
}

struct thread *task_by_tid(int tid)
{
    for (struct process *p = kernel->procs; p; p = p->next) {
        struct thread *t = proc_thread(p, tid);
        if (t)
            return t;
    }
    return NULL;
}

/* find_process_by_pid(): 0 is the caller, otherwise any thread of the enclave by tid. */
static struct thread *find_task(int pid)
{
    return pid == 0 ? current : task_by_tid(pid);
}

void sched_fork(struct thread *t, struct process *c)
{
    const struct thread *me = current;
    t->sched_policy = me->sched_policy;
    t->sched_prio = me->sched_prio;
    t->has_affinity = me->has_affinity;
    al_memcpy(t->affinity, me->affinity, sizeof(t->affinity));
    if (me->sched_reset_on_fork) {
        int rt = me->sched_policy == SCHED_FIFO || me->sched_policy == SCHED_RR;
        if (rt) {
            t->sched_policy = SCHED_OTHER;
            t->sched_prio = 0;
        }
        if (c != me->proc && (rt || c->nice < 0))
            c->nice = 0; /* the nice value is per process here: only a new process resets */
    }
    t->sched_reset_on_fork = 0;
}

/* ---- nice values -------------------------------------------------------------------- */

/* The processes PRIO_* selects, one at a time: *it starts NULL; NULL when done. */
static struct process *prio_next(int which, int who, struct process *it)
{
    if (which == PRIO_PROCESS) {
        if (it)
            return NULL;
        if (who == 0)
            return current->proc;
        struct thread *t = task_by_tid(who);
        return t ? t->proc : process_by_pid(who); /* a zombie still has its nice value */
    }
    for (struct process *p = it ? it->next : kernel->procs; p; p = p->next) {
        if (which == PRIO_PGRP && p->pgid == (who ? who : current->proc->pgid))
            return p;
        if (which == PRIO_USER && p->ruid == (who ? (uint32_t)who : current->proc->ruid))
            return p;
    }
    return NULL;
}

/* getpriority(2): the raw call returns 20 - nice (1..40) of the highest-priority match, so
 * that no success is negative; libc turns it back into a nice value. */
SYS(getpriority)
{
    int which = (int)a0, who = (int)a1;
    if (which < PRIO_PROCESS || which > PRIO_USER)
        return -EINVAL;
    long best = -ESRCH;
    for (struct process *p = prio_next(which, who, NULL); p; p = prio_next(which, who, p))
        if (20 - p->nice > best)
            best = 20 - p->nice;
    return best;
}

/* setpriority(2): the value is clamped to -20..19; a process owned by someone else is
 * EPERM, a lower nice value than the rlimit allows EACCES (root may do both).  With several
 * matches the last failure is the result, as in Linux's set_one_prio(). */
SYS(setpriority)
{
    int which = (int)a0, who = (int)a1, niceval = (int)a2;
    if (which < PRIO_PROCESS || which > PRIO_USER)
        return -EINVAL;
    niceval = niceval < MIN_NICE ? MIN_NICE : niceval > MAX_NICE ? MAX_NICE : niceval;
    const struct process *me = current->proc;
    long err = -ESRCH;
    for (struct process *p = prio_next(which, who, NULL); p; p = prio_next(which, who, p)) {
        if (p->ruid != me->euid && p->euid != me->euid && !privileged()) {
            err = -EPERM;
            continue;
        }
        if (niceval < p->nice && 20 - niceval > (long)p->rlim[RLIMIT_NICE].cur && !privileged()) {
            err = -EACCES;
            continue;
        }
        if (err == -ESRCH)
            err = 0;
        p->nice = niceval;
    }
    return err;
}

/* ---- policies and real-time priorities ----------------------------------------------- */

static int rt_policy(int policy)
{
    return policy == SCHED_FIFO || policy == SCHED_RR;
}

static int valid_policy(int policy)
{
    return policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ||
           rt_policy(policy) || policy == SCHED_DEADLINE;
}

/* Linux's do_sched_setscheduler()/__sched_setscheduler() for the legacy calls: EINVAL for
 * a NULL param or negative pid, EFAULT, ESRCH, then the policy/priority checks
 * (SCHED_DEADLINE cannot be set without sched_setattr's parameters) and the permission
 * checks of an unprivileged caller. */
static long do_setscheduler(int pid, int policy, uint64_t uparam)
{
    if (!uparam || pid < 0)
        return -EINVAL;
    int prio;
    if (copy_from_user(&prio, uparam, sizeof(prio)))
        return -EFAULT;
    struct thread *t = find_task(pid);
    if (!t)
        return -ESRCH;
    int reset;
    if (policy == SETPARAM_POLICY) {
        policy = t->sched_policy;
        reset = t->sched_reset_on_fork;
    } else {
        reset = (policy & SCHED_RESET_ON_FORK) != 0;
        policy &= ~SCHED_RESET_ON_FORK;
        if (!valid_policy(policy))
            return -EINVAL;
    }
    if ((uint32_t)prio > 99)
        return -EINVAL;
    if (policy == SCHED_DEADLINE || rt_policy(policy) != (prio != 0))
        return -EINVAL;
    if (!privileged()) {
        uint64_t rlim = t->proc->rlim[RLIMIT_RTPRIO].cur;
        const struct process *me = current->proc;
        if (rt_policy(policy) && ((policy != t->sched_policy && !rlim) ||
                                  ((uint32_t)prio > (uint32_t)t->sched_prio && (uint64_t)prio > rlim)))
            return -EPERM;
        if (t->sched_policy == SCHED_IDLE && policy != SCHED_IDLE &&
            20 - t->proc->nice > (long)t->proc->rlim[RLIMIT_NICE].cur)
            return -EPERM;
        if (me->euid != t->proc->euid && me->euid != t->proc->ruid)
            return -EPERM;
        if (t->sched_reset_on_fork && !reset)
            return -EPERM;
    }
    /* Recorded only: the host thread keeps its ordinary host scheduling (see the top). */
    t->sched_policy = policy;
    t->sched_prio = prio;
    t->sched_reset_on_fork = reset;
    return 0;
}

SYS(sched_setscheduler)
{
    if ((int)a1 < 0)
        return -EINVAL;
    return do_setscheduler((int)a0, (int)a1, (uint64_t)a2);
}

SYS(sched_setparam)
{
    return do_setscheduler((int)a0, SETPARAM_POLICY, (uint64_t)a1);
}

SYS(sched_getscheduler)
{
    if ((int)a0 < 0)
        return -EINVAL;
    struct thread *t = find_task((int)a0);
    if (!t)
        return -ESRCH;
    return t->sched_policy | (t->sched_reset_on_fork ? SCHED_RESET_ON_FORK : 0);
}

SYS(sched_getparam)
{
    if (!a1 || (int)a0 < 0)
        return -EINVAL;
    struct thread *t = find_task((int)a0);
    if (!t)
        return -ESRCH;
    int prio = rt_policy(t->sched_policy) ? t->sched_prio : 0;
    return copy_to_user((uint64_t)a1, &prio, sizeof(prio));
}

/* Linux answers 0 for SCHED_EXT (7) too, although it can be set only while a BPF scheduler
 * is loaded (never here: sched_setscheduler gives EINVAL for it). */
#define SCHED_EXT 7

SYS(sched_get_priority_max)
{
    int p = (int)a0;
    return rt_policy(p) ? 99 : (valid_policy(p) || p == SCHED_EXT ? 0 : -EINVAL);
}

SYS(sched_get_priority_min)
{
    int p = (int)a0;
    return rt_policy(p) ? 1 : (valid_policy(p) || p == SCHED_EXT ? 0 : -EINVAL);
}

/* sched_rr_get_interval(2): 100 ms for SCHED_RR (Linux's default timeslice), 0 for
 * SCHED_FIFO, and for the fair policies a nominal slice (Linux reports the current CFS
 * slice, which depends on the load; this does not model it). */
SYS(sched_rr_get_interval)
{
    if ((int)a0 < 0)
        return -EINVAL;
    struct thread *t = find_task((int)a0);
    if (!t)
        return -ESRCH;
    int64_t ns = t->sched_policy == SCHED_RR ? RR_TIMESLICE_NS
                 : t->sched_policy == SCHED_FIFO ? 0 : 4000000;
    struct linux_timespec ts = {ns / 1000000000, ns % 1000000000};
    return copy_to_user((uint64_t)a1, &ts, sizeof(ts));
}

/* ---- CPU affinity -------------------------------------------------------------------- */

#define MASK_WORDS 16 /* 1024 CPUs */

static int ncpus(void)
{
    int n = (int)boot_info->ncpus;
    return n < 1 ? 1 : n > MASK_WORDS * 64 ? MASK_WORDS * 64 : n;
}

/* The bytes of a mask Linux copies: whole longs covering the CPUs (cpumask_size()). */
static size_t mask_bytes(void)
{
    return (size_t)((ncpus() + 63) / 64) * 8;
}

static void all_cpus(uint64_t *m)
{
    al_memset(m, 0, sizeof(uint64_t) * MASK_WORDS);
    for (int i = 0; i < ncpus(); i++)
        m[i / 64] |= 1ull << (i % 64);
}

static void thread_mask(const struct thread *t, uint64_t *m)
{
    if (t->has_affinity)
        al_memcpy(m, t->affinity, sizeof(uint64_t) * MASK_WORDS);
    else
        all_cpus(m);
}

SYS(sched_getaffinity)
{
    size_t len = (size_t)a1;
    if (len * 8 < (size_t)ncpus() || (len & 7))
        return -EINVAL;
    struct thread *t = find_task((int)a0);
    if (!t)
        return -ESRCH;
    uint64_t mask[MASK_WORDS];
    thread_mask(t, mask);
    size_t out = MIN(len, mask_bytes());
    if (copy_to_user((uint64_t)a2, mask, out))
        return -EFAULT;
    return (long)out;
}

/* sched_setaffinity(2): the mask is recorded (getaffinity and getcpu report it); placement
 * stays the host scheduler's business. */
SYS(sched_setaffinity)
{
    size_t len = MIN((size_t)a1, mask_bytes());
    uint64_t m[MASK_WORDS];
    al_memset(m, 0, sizeof(m));
    if (copy_from_user(m, (uint64_t)a2, len))
        return -EFAULT;
    struct thread *t = find_task((int)a0);
    if (!t)
        return -ESRCH;
    const struct process *me = current->proc;
    if (!privileged() && me->euid != t->proc->euid && me->euid != t->proc->ruid)
        return -EPERM;
    uint64_t all[MASK_WORDS], any = 0;
    all_cpus(all);
    for (int i = 0; i < MASK_WORDS; i++)
        any |= (m[i] &= all[i]);
    if (!any)
        return -EINVAL;
    al_memcpy(t->affinity, m, sizeof(m));
    t->has_affinity = 1;
    return 0;
}

SYS(sched_yield)
{
    return 0;
}

/* getcpu(2): the lowest CPU of the caller's affinity mask (the host CPU is not asked), and
 * node 0. */
SYS(getcpu)
{
    uint64_t m[MASK_WORDS];
    thread_mask(current, m);
    unsigned cpu = 0, node = 0;
    for (int i = 0; i < MASK_WORDS * 64; i++)
        if (m[i / 64] & (1ull << (i % 64))) {
            cpu = (unsigned)i;
            break;
        }
    if (a0 && copy_to_user((uint64_t)a0, &cpu, 4))
        return -EFAULT;
    if (a1 && copy_to_user((uint64_t)a1, &node, 4))
        return -EFAULT;
    return 0;
}

/* ---- sched_setattr(2) / sched_getattr(2) --------------------------------------------------
 * struct sched_attr, size 56 (SCHED_ATTR_SIZE_VER1).  Linux's checks (kernel/sched/
 * syscalls.c): the size protocol (E2BIG with the kernel's size written back, nonzero
 * bytes past what the kernel knows), flags, policy and priority, the deadline parameters,
 * then the permission checks of an unprivileged caller.  As the host kernel (6.18, built
 * without utilization clamping): the clamp flags give EOPNOTSUPP and the clamps read 0,
 * and a fair policy's sched_runtime is its EEVDF slice (a custom one, 0.1..100 ms, or the
 * default 0.7 ms x (1 + log2 CPUs)).  Recorded only, as everything in this file;
 * SCHED_DEADLINE has no admission control. */
#define SCHED_ATTR_SIZE_VER0 48
#define SF_RESET_ON_FORK 0x01
#define SF_DL_FLAGS 0x06 /* SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN */
#define SF_KEEP_POLICY 0x08
#define SF_KEEP_PARAMS 0x10
#define SF_UTIL_CLAMP 0x60
#define SF_ALL 0x7f
#define SF_SUGOV 0x10000000

struct sched_attr_k {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t prio;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
};

static uint64_t default_slice(void)
{
    int n = boot_info->ncpus > 0 ? boot_info->ncpus : 1, log = 0;
    while ((2 << log) <= n && log < 3)
        log++; /* Linux caps the factor at 8 CPUs */
    return 700000ull * (uint64_t)(1 + log);
}

static void get_params(const struct thread *t, struct sched_attr_k *a)
{
    if (t->sched_policy == SCHED_DEADLINE) {
        a->runtime = t->dl_runtime, a->deadline = t->dl_deadline, a->period = t->dl_period;
        a->flags |= t->dl_flags;
    } else if (rt_policy(t->sched_policy)) {
        a->prio = (uint32_t)t->sched_prio;
    } else {
        a->nice = t->proc->nice;
        a->runtime = t->fair_slice ? t->fair_slice : default_slice();
    }
}

SYS(sched_getattr)
{
    uint64_t u = (uint64_t)a1;
    uint32_t usize = (uint32_t)a2;
    if (!u || (int)a0 < 0 || usize > PAGE_SIZE || usize < SCHED_ATTR_SIZE_VER0 || (uint32_t)a3)
        return -EINVAL;
    struct thread *t = find_task((int)a0);
    if (!t)
        return -ESRCH;
    struct sched_attr_k k;
    al_memset(&k, 0, sizeof(k));
    k.policy = (uint32_t)t->sched_policy;
    if (t->sched_reset_on_fork)
        k.flags |= SF_RESET_ON_FORK;
    get_params(t, &k);
    k.size = MIN(usize, (uint32_t)sizeof(k));
    if (!access_ok(u, usize))
        return -EFAULT;
    return copy_to_user(u, &k, k.size);
}

/* Linux's __checkparam_dl with the default sysctl limits (100 us .. 4 s periods). */
static int dl_params_ok(const struct sched_attr_k *a)
{
    if (a->deadline == 0)
        return 0;
    if (a->runtime < (1ull << 10))
        return 0;
    if ((a->deadline | a->period) & (1ull << 63))
        return 0;
    uint64_t period = a->period ? a->period : a->deadline;
    if (period < a->deadline || a->deadline < a->runtime)
        return 0;
    if (period < 100000ull || period > 4194304000ull)
        return 0;
    return 1;
}

static long attr_e2big(uint64_t u)
{
    uint32_t ks = (uint32_t)sizeof(struct sched_attr_k);
    if (copy_to_user(u, &ks, sizeof(ks)))
        return -EFAULT;
    return -E2BIG;
}

SYS(sched_setattr)
{
    uint64_t u = (uint64_t)a1;
    if (!u || (int)a0 < 0 || (uint32_t)a2)
        return -EINVAL;
    uint32_t size;
    if (copy_from_user(&size, u, sizeof(size)))
        return -EFAULT;
    if (size > PAGE_SIZE)
        return attr_e2big(u);
    if (!size)
        size = SCHED_ATTR_SIZE_VER0;
    if (size < SCHED_ATTR_SIZE_VER0)
        return attr_e2big(u);
    struct sched_attr_k k;
    al_memset(&k, 0, sizeof(k));
    if (copy_from_user(&k, u, MIN(size, (uint32_t)sizeof(k))))
        return -EFAULT;
    /* copy_struct_from_user: what the kernel does not know must be zero. */
    for (uint32_t off = (uint32_t)sizeof(k); off < size; off++) {
        unsigned char c;
        if (copy_from_user(&c, u + off, 1))
            return -EFAULT;
        if (c)
            return attr_e2big(u);
    }
    if ((k.flags & SF_UTIL_CLAMP) && size < sizeof(k))
        return -EINVAL;
    k.nice = k.nice < MIN_NICE ? MIN_NICE : k.nice > MAX_NICE ? MAX_NICE : k.nice;
    if ((int)k.policy < 0)
        return -EINVAL;
    int policy = (int)k.policy;
    if (k.flags & SF_KEEP_POLICY)
        policy = SETPARAM_POLICY;
    struct thread *t = find_task((int)a0);
    if (!t)
        return -ESRCH;
    if (k.flags & SF_KEEP_PARAMS)
        get_params(t, &k);
    int reset;
    if (policy < 0) {
        reset = t->sched_reset_on_fork;
        policy = t->sched_policy;
    } else {
        reset = (k.flags & SF_RESET_ON_FORK) != 0;
        if (!valid_policy(policy))
            return -EINVAL;
    }
    if (k.flags & ~(uint64_t)(SF_ALL | SF_SUGOV))
        return -EINVAL;
    if (k.prio > 99)
        return -EINVAL;
    if ((policy == SCHED_DEADLINE && !dl_params_ok(&k)) || rt_policy(policy) != (k.prio != 0))
        return -EINVAL;
    /* Linux's fair_policy(): SCHED_IDLE keeps its nice value and slice. */
    int fair = policy == SCHED_OTHER || policy == SCHED_BATCH;
    if (!privileged()) {
        const struct process *me = current->proc;
        uint64_t rlim = t->proc->rlim[RLIMIT_RTPRIO].cur;
        if (fair && k.nice < t->proc->nice && 20 - k.nice > (long)t->proc->rlim[RLIMIT_NICE].cur)
            return -EPERM;
        if (rt_policy(policy) && ((policy != t->sched_policy && !rlim) ||
                                  (k.prio > (uint32_t)t->sched_prio && (uint64_t)k.prio > rlim)))
            return -EPERM;
        if (policy == SCHED_DEADLINE)
            return -EPERM;
        if (me->euid != t->proc->euid && me->euid != t->proc->ruid)
            return -EPERM;
        if (t->sched_reset_on_fork && !reset)
            return -EPERM;
    }
    if (k.flags & SF_SUGOV)
        return -EINVAL;
    if (k.flags & SF_UTIL_CLAMP)
        return -EOPNOTSUPP; /* no utilization clamping */
    t->sched_policy = policy;
    t->sched_prio = (int)k.prio;
    t->sched_reset_on_fork = reset;
    if (fair) {
        t->proc->nice = k.nice;
        t->fair_slice = !k.runtime ? 0 : k.runtime < 100000 ? 100000
                        : k.runtime > 100000000 ? 100000000 : k.runtime;
    }
    if (policy == SCHED_DEADLINE) {
        t->dl_runtime = k.runtime, t->dl_deadline = k.deadline;
        t->dl_period = k.period ? k.period : k.deadline;
        t->dl_flags = k.flags & SF_DL_FLAGS;
    }
    return 0;
}
