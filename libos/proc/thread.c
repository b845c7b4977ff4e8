/*
 * thread.c - threads: clone(CLONE_VM | CLONE_THREAD | ...), thread exit, lookup by tid.
 *
 * A thread shares its process's fd table, address space and signal dispositions; it has
 * its own signal mask, pending set, alternate stack and clear_child_tid.  The backend
 * provides the host thread; the core keeps the bookkeeping.  fork (clone without
 * CLONE_VM) arrives with processes.
 */
#include "libos.h"
#include "proc/proc.h"
#include "kernel/syscall.h"

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PIDFD 0x00001000
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000


struct thread *proc_thread(const struct process *p, int tid)
{
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        if (t->tid == tid)
            return t;
    return NULL;
}

struct thread *thread_by_tid(int tid)
{
    return proc_thread(current->proc, tid);
}

void clone_child_ctx(struct pal_context *ctx, unsigned long flags, uint64_t newsp, uint64_t tls)
{
    ctx->rax = 0;
    if (newsp)
        ctx->rsp = newsp;
    if (flags & CLONE_SETTLS)
        ctx->fs_base = tls;
}

struct pal_context clone_host_thread_ctx(unsigned long flags, uint64_t newsp, uint64_t tls)
{
    struct pal_context c = *current->ctx;
    clone_child_ctx(&c, flags, newsp, tls);
    c.xstate = NULL; /* the backend's clean FPU state */
    c.xstate_size = 0;
    return c;
}

SYS(clone)
{
    unsigned long flags = (unsigned long)a0;
    uint64_t newsp = (uint64_t)a1, ptid = (uint64_t)a2, ctid = (uint64_t)a3, tls = (uint64_t)a4;
    struct process *p = current->proc;
    const unsigned long thread_flags = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
    const unsigned long known = thread_flags | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM |
                                CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |
                                CLONE_CHILD_SETTID | CLONE_DETACHED | 0xff /* exit signal */;
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return -EINVAL;
    if (!(flags & CLONE_THREAD)) {
        /* A new process: fork, vfork, posix_spawn. */
        if ((flags & 0xff) != SIGCHLD && (flags & 0xff) != 0)
            return -EINVAL; /* only SIGCHLD (or nothing) announces a child's end */
        return process_fork(flags, newsp, ptid, ctid, tls);
    }
    if ((flags & thread_flags) != thread_flags)
        return -EINVAL;
    if (flags & ~known)
        return -EINVAL;
    if ((flags & CLONE_SETTLS) && tls >= (1ull << 47))
        return -EPERM;
    int max = boot_info->max_threads ? (int)boot_info->max_threads : 1024;
    if (p->nthreads >= max)
        return -EAGAIN;

    struct thread *t = kzalloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->tid = kernel->next_id++;
    t->proc = p;
    al_memcpy(t->comm, current->comm, sizeof(t->comm)); /* inherited from the creator */
    t->sigmask = current->sigmask;
    t->altstack_flags = SS_DISABLE;
    sched_fork(t, p);
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_child_tid = ctid;
    if ((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &t->tid, sizeof(int))) {
        kfree(t);
        return -EFAULT;
    }
    if ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &t->tid, sizeof(int))) {
        kfree(t);
        return -EFAULT;
    }
    struct pal_context c = clone_host_thread_ctx(flags, newsp, tls);

    t->next_in_proc = p->threads;
    p->threads = t;
    p->nthreads++;
    int r = pal_thread_start(&c, t, &t->host_tid);
    if (r < 0) {
        p->threads = t->next_in_proc;
        p->nthreads--;
        kfree(t);
        return r == -ENOMEM ? -EAGAIN : r;
    }
    return t->tid;
}

/* clone3(args, size): the same processes and threads as clone(), described by struct
 * clone_args (stack as base + size).  Linux's checks: size from 64 (version 0) to a page,
 * (E2BIG above), bytes past the fields known here must be zero (E2BIG), no exit signal or
 * CLONE_DETACHED in the flags, a
 * stack base and size both set or both zero.  CLONE_PIDFD stores a pidfd of the new
 * process at args.pidfd; set_tid (choosing the child's pid) needs privileges over a pid
 * namespace and is refused with EINVAL, as is cgroup placement. */
SYS(clone3)
{
    struct {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
            set_tid, set_tid_size, cgroup;
    } ca;
    size_t size = (size_t)a1;
    if (size > 4096)
        return -E2BIG;
    if (size < 64)
        return -EINVAL;
    al_memset(&ca, 0, sizeof(ca));
    if (copy_from_user(&ca, (uint64_t)a0, MIN(size, sizeof(ca))))
        return -EFAULT;
    for (size_t off = sizeof(ca); off < size; off += 8) {
        uint64_t w = 0;
        size_t n = MIN((size_t)8, size - off);
        if (copy_from_user(&w, (uint64_t)a0 + off, n))
            return -EFAULT;
        if (w)
            return -E2BIG;
    }
    const uint64_t CLONE_PIDFD_ = 0x1000, CLONE_CLEAR_SIGHAND = 0x100000000ull,
                   CLONE_INTO_CGROUP = 0x200000000ull;
    if (ca.flags & (0xff | CLONE_DETACHED)) /* the exit signal has its own field */
        return -EINVAL;
    if (ca.exit_signal > NSIG || ((ca.flags & CLONE_THREAD) && ca.exit_signal))
        return -EINVAL;
    if ((ca.stack == 0) != (ca.stack_size == 0))
        return -EINVAL;
    if (ca.set_tid || ca.set_tid_size || (ca.flags & (CLONE_INTO_CGROUP | CLONE_CLEAR_SIGHAND)))
        return -EINVAL;
    if ((ca.flags & CLONE_PIDFD_) && (ca.flags & CLONE_THREAD))
        return -EINVAL;
    if ((ca.flags >> 32) != 0)
        return -EINVAL;
    uint64_t newsp = ca.stack ? ca.stack + ca.stack_size : 0;
    unsigned long flags = (unsigned long)(ca.flags & ~CLONE_PIDFD_) | (unsigned long)ca.exit_signal;
    long pid = sys_clone((long)flags, (long)newsp, (long)ca.parent_tid, (long)ca.child_tid,
                         (long)ca.tls, 0);
    if (pid <= 0 || !(ca.flags & CLONE_PIDFD_))
        return pid;
    long fd = sys_pidfd_open(pid, 0, 0, 0, 0, 0);
    if (fd >= 0) {
        int v = (int)fd;
        IGNORE(copy_to_user(ca.pidfd, &v, sizeof(v)));
    }
    return pid;
}

/* Robust futexes: mark every lock the dying thread still holds as owner-died and wake one
 * waiter of each, walking the list it registered with set_robust_list (as Linux does). */
static void robust_release(struct thread *t)
{
    uint64_t head = t->robust_list;
    if (!head)
        return;
    struct {
        uint64_t next;
        int64_t offset;
        uint64_t pending;
    } h;
    if (copy_from_user(&h, head, sizeof(h)))
        return;
    uint64_t entry = h.next;
    for (int n = 0; n < 2048 && entry && entry != head; n++) {
        uint64_t next;
        if (copy_from_user(&next, entry, 8))
            return;
        uint64_t word = entry + (uint64_t)h.offset;
        uint32_t v;
        if (copy_from_user(&v, word, 4) == 0 && (v & 0x3fffffff) == (uint32_t)t->tid) {
            uint32_t nv = (v & 0x80000000u) | 0x40000000u; /* keep WAITERS, set OWNER_DIED */
            if (copy_to_user(word, &nv, 4) == 0 && (v & 0x80000000u))
                futex_wake(word, 1, 0xffffffffu);
        }
        entry = next;
    }
}

/* Remove t from its process and free it; the caller's host thread must then end. */
static void thread_unlink(struct thread *t)
{
    struct process *p = t->proc;
    for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->next_in_proc)
        if (*pp == t) {
            *pp = t->next_in_proc;
            break;
        }
    p->nthreads--;
    sigq_free_all(t->sigq);
    kfree(t);
    wake_all();
}

static int alone(void *arg)
{
    return ((struct process *)arg)->nthreads <= 1;
}

void threads_end_others(void)
{
    struct process *p = current->proc;
    if (p->nthreads <= 1)
        return;
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        if (t != current) {
            t->must_exit = 1;
            pal_thread_kick(p->host_id, t->host_tid);
        }
    wake_all();
    wait_plain(alone, p);
    /* Like Linux, the thread that exec'd takes over the process's id as its tid. */
    current->tid = p->pid;
}

void thread_set_comm(struct thread *t, const char *name)
{
    al_memset(t->comm, 0, sizeof(t->comm));
    al_strlcpy(t->comm, name, sizeof(t->comm));
    if (t->tid == t->proc->pid)
        al_memcpy(t->proc->comm, t->comm, sizeof(t->comm));
}

void thread_check_exit(void)
{
    struct thread *t = current;
    if (!t || !t->must_exit)
        return;
    thread_unlink(t);
    bkl_unlock();
    pal_thread_exit();
}

/* The calling thread ends; the process ends with it if it was the last one. */
__attribute__((noreturn)) void thread_exit(int code)
{
    struct thread *t = current;
    struct process *p = t->proc;
    if (p->nthreads <= 1)
        process_exit(code);
    robust_release(t);
    /* CLONE_CHILD_CLEARTID / set_tid_address: zero the word and wake its waiter (this is
     * how pthread_join learns that the thread is gone). */
    if (t->clear_child_tid) {
        uint32_t zero = 0;
        if (copy_to_user(t->clear_child_tid, &zero, 4) == 0)
            futex_wake(t->clear_child_tid, 1, 0xffffffffu);
    }
    thread_unlink(t); /* pending thread-directed signals die with the thread */
    bkl_unlock();
    pal_thread_exit();
}
