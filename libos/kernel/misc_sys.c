/*
 * misc_sys.c - small system calls without a family of their own: membarrier,
 * personality, the protection keys (as a CPU without PKU), I/O priorities, the UTS names.
 */
#include "libos.h"
#include "proc/proc.h"
#include "kernel/syscall.h"

/* ---- membarrier(2) ----------------------------------------------------------------------
 * Linux's commands (kernel/sched/membarrier.c) with its flag checks and registration rules
 * (the registrations are per process, inherited by fork, cleared by exec).  The barrier on
 * every other thread of the process is made the way user space did it before membarrier
 * existed (.NET's FlushProcessWriteBuffers, liburcu): write-protecting a page that is
 * present makes the host kernel shoot down its TLB entry on every CPU running a thread of
 * this host process, and that interrupt is a full barrier there.  The page is the core's
 * own (never visible to the program) and is touched only here, under the core lock.
 * GLOBAL and GLOBAL_EXPEDITED therefore order the caller's own process only. */
#define MB_QUERY 0
#define MB_GLOBAL 1
#define MB_GLOBAL_EXPEDITED 2
#define MB_REGISTER_GLOBAL_EXPEDITED 4
#define MB_PRIVATE_EXPEDITED 8
#define MB_REGISTER_PRIVATE_EXPEDITED 16
#define MB_PRIVATE_EXPEDITED_SYNC_CORE 32
#define MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64
#define MB_PRIVATE_EXPEDITED_RSEQ 128
#define MB_REGISTER_PRIVATE_EXPEDITED_RSEQ 256
#define MB_GET_REGISTRATIONS 512
#define MB_FLAG_CPU 1

static char barrier_page[4096] __attribute__((aligned(4096)));

static void barrier_all_threads(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (current->proc->nthreads < 2)
        return; /* no other thread to order */
    *(volatile char *)barrier_page = 1; /* present and writable: a protection change flushes */
    IGNORE(pal_vm_protect((uint64_t)barrier_page, sizeof(barrier_page), 1 /* PROT_READ */));
    IGNORE(pal_vm_protect((uint64_t)barrier_page, sizeof(barrier_page), 3 /* RW */));
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

SYS(membarrier)
{
    int cmd = (int)a0;
    unsigned flags = (unsigned)a1;
    struct process *p = current->proc;
    if (cmd == MB_PRIVATE_EXPEDITED_RSEQ) {
        if (flags && flags != MB_FLAG_CPU)
            return -EINVAL;
    } else if (flags) {
        return -EINVAL;
    }
    switch (cmd) {
    case MB_QUERY:
        return 1023; /* every command below */
    case MB_GLOBAL:
    case MB_GLOBAL_EXPEDITED:
        barrier_all_threads();
        return 0;
    case MB_PRIVATE_EXPEDITED:
    case MB_PRIVATE_EXPEDITED_SYNC_CORE:
    case MB_PRIVATE_EXPEDITED_RSEQ:
        /* Each needs its registration first (the command's REGISTER_ twin: cmd * 2). */
        if (!(p->membarrier_reg & (cmd << 1)))
            return -EPERM;
        barrier_all_threads();
        return 0;
    case MB_REGISTER_GLOBAL_EXPEDITED:
    case MB_REGISTER_PRIVATE_EXPEDITED:
    case MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
    case MB_REGISTER_PRIVATE_EXPEDITED_RSEQ:
        p->membarrier_reg |= cmd;
        return 0;
    case MB_GET_REGISTRATIONS:
        return p->membarrier_reg;
    default:
        return -EINVAL;
    }
}

/* ---- personality(2) ---------------------------------------------------------------------
 * Linux stores any value and returns the old one (0xffffffff only asks).  The value is
 * recorded, inherited by fork and kept by exec; the LibOS does not act on its flags
 * (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ...). */
SYS(personality)
{
    struct process *p = current->proc;
    uint32_t old = p->personality;
    if ((uint32_t)a0 != 0xffffffffu)
        p->personality = (uint32_t)a0;
    return old;
}

/* ---- protection keys: the answers of a CPU without PKU ----------------------------------
 * The host kernel refuses pkey_alloc with EINVAL when the CPU has no protection keys
 * (checked on a host without PKU), whatever the arguments. */

SYS(pkey_alloc)
{
    return -EINVAL;
}

SYS(pkey_free)
{
    return -EINVAL; /* never allocated */
}

/* pkey_mprotect with key -1 is mprotect; any other key was never allocated: EINVAL after
 * mprotect's own first checks (mm/mprotect.c). */
SYS(pkey_mprotect)
{
    if ((int)a3 == -1)
        return sys_mprotect(a0, a1, a2, 0, 0, 0);
    uint64_t start = (uint64_t)a0, len = (uint64_t)a1;
    uint64_t prot = (uint64_t)a2 & ~(uint64_t)0x03000000; /* PROT_GROWSDOWN|PROT_GROWSUP */
    if (((uint64_t)a2 & 0x03000000) == 0x03000000)
        return -EINVAL;
    if (start & (PAGE_SIZE - 1))
        return -EINVAL;
    if (!len)
        return 0;
    len = PAGE_UP(len);
    if (start + len <= start)
        return -ENOMEM;
    if (prot & ~(uint64_t)0xf) /* PROT_READ|WRITE|EXEC|SEM */
        return -EINVAL;
    return -EINVAL;
}

/* ---- ioprio_get(2) / ioprio_set(2) ------------------------------------------------------
 * Recorded per process (Linux: per I/O context, that is per thread unless CLONE_IO) and
 * inherited by fork; the host's I/O scheduling is not changed.  Checks in Linux's order
 * (block/ioprio.c): the priority (class, level, the real-time class needs CAP_SYS_ADMIN or
 * CAP_SYS_NICE: the enclave's root), then which/who, then permission to change another
 * user's process. */
#define IOPRIO_CLASS(p) (((p) >> 13) & 7)
#define IOPRIO_LEVEL(p) ((p) & 7)
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP 2
#define IOPRIO_WHO_USER 3

static int ioprio_check(int ioprio)
{
    /* Since Linux 6.1 the level is 3 bits; bits 3-12 are hints, not checked here. */
    int cls = IOPRIO_CLASS(ioprio), level = IOPRIO_LEVEL(ioprio);
    switch (cls) {
    case 1: /* IOPRIO_CLASS_RT */
        if (current->proc->euid != 0)
            return -EPERM;
        /* fall through */
    case 2: /* IOPRIO_CLASS_BE */
        if (level >= 8)
            return -EINVAL;
        return 0;
    case 3: /* IOPRIO_CLASS_IDLE */
        return 0;
    case 0: /* IOPRIO_CLASS_NONE */
        return level ? -EINVAL : 0;
    default:
        return -EINVAL;
    }
}

/* Apply fn to every running process the (which, who) pair names: the count, -EINVAL for a
 * bad which, or fn's error. */
static int ioprio_each(int which, int who, int (*fn)(struct process *, int), int arg, int *best)
{
    struct process *me = current->proc;
    int n = 0;
    for (struct process *q = kernel->procs; q; q = q->next) {
        if (q->state != PROC_RUNNING)
            continue;
        int match;
        switch (which) {
        case IOPRIO_WHO_PROCESS:
            match = who == 0 ? q == me : q->pid == who;
            break;
        case IOPRIO_WHO_PGRP:
            match = q->pgid == (who == 0 ? me->pgid : who);
            break;
        case IOPRIO_WHO_USER:
            match = q->ruid == (who == 0 ? me->ruid : (uint32_t)who);
            break;
        default:
            return -EINVAL;
        }
        if (!match)
            continue;
        n++;
        if (fn) {
            int r = fn(q, arg);
            if (r < 0)
                return r;
        } else if (best) {
            /* Several processes: Linux's ioprio_best, class NONE counting as BE level 4. */
            int v = q->ioprio_set ? q->ioprio : 0 /* IOPRIO_DEFAULT */;
            if (n == 1) {
                *best = v;
            } else {
                int a = IOPRIO_CLASS(*best) ? *best : (2 << 13) | 4;
                int b = IOPRIO_CLASS(v) ? v : (2 << 13) | 4;
                *best = MIN(a, b);
            }
        }
    }
    return n;
}

static int ioprio_apply(struct process *q, int ioprio)
{
    struct process *me = current->proc;
    if (me->euid != 0 && me->euid != q->ruid && me->euid != q->euid)
        return -EPERM;
    q->ioprio = ioprio;
    q->ioprio_set = 1;
    return 0;
}

SYS(ioprio_set)
{
    int which = (int)a0, who = (int)a1, ioprio = (int)a2;
    int r = ioprio_check(ioprio);
    if (r < 0)
        return r;
    r = ioprio_each(which, who, ioprio_apply, ioprio, NULL);
    if (r < 0)
        return r;
    return r == 0 ? -ESRCH : 0;
}

SYS(ioprio_get)
{
    int which = (int)a0, who = (int)a1, best = 0;
    int r = ioprio_each(which, who, NULL, 0, &best);
    if (r < 0)
        return r;
    return r == 0 ? -ESRCH : best;
}

/* ---- sethostname(2) / setdomainname(2) --------------------------------------------------
 * The enclave has one UTS name space of its own: the names start as the host's and, once
 * set by the enclave's root, uname() in every process of the enclave reports them; the
 * host's names never change.  The order is the host kernel's (6.18, checked natively):
 * EPERM without CAP_SYS_ADMIN (the enclave's root has it), then EINVAL for a length
 * outside [0, 64], then EFAULT.  The host name can also be set at start (`alcove run
 * --hostname NAME`, the config's "hostname"). */
static long set_uts(char *dst, uint8_t *set, uint64_t uname, int len)
{
    if (current->proc->euid != 0)
        return -EPERM;
    if (len < 0 || len > 64)
        return -EINVAL;
    char tmp[65];
    al_memset(tmp, 0, sizeof(tmp));
    if (copy_from_user(tmp, uname, (size_t)len))
        return -EFAULT;
    al_memcpy(dst, tmp, sizeof(tmp));
    *set = 1;
    return 0;
}

SYS(sethostname)
{
    return set_uts(kernel->uts_node, &kernel->uts_node_set, (uint64_t)a0, (int)a1);
}

SYS(setdomainname)
{
    return set_uts(kernel->uts_domain, &kernel->uts_domain_set, (uint64_t)a0, (int)a1);
}
