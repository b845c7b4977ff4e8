/*
 * fork.c - processes: fork/vfork, exit and zombies, wait4/waitid, process groups and
 * sessions, signals between processes, and the end of the enclave.
 *
 * Every process is a struct process in the shared region (kernel->procs).  fork asks the
 * backend to duplicate the host process; the shared region stays shared, so the child
 * finds the same open file descriptions (and their offsets), pipes and process table.
 * An exiting process becomes a zombie holding its wait status until its parent reaps it.
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"

#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_SETTLS 0x00080000

#define WNOHANG 1
#define WUNTRACED 2
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE ((int)0x80000000u)

#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3

int vfork_released(void *arg);

struct process *process_by_pid(int pid)
{
    for (struct process *p = kernel->procs; p; p = p->next)
        if (p->pid == pid)
            return p;
    return NULL;
}

static int fdtable_copy(struct fdtable *dst, const struct fdtable *src)
{
    dst->size = src->size;
    dst->ent = kzalloc(sizeof(struct fdent) * (size_t)src->size);
    if (!dst->ent)
        return -ENOMEM;
    for (int i = 0; i < src->size; i++) {
        dst->ent[i] = src->ent[i];
        if (dst->ent[i].f)
            file_get(dst->ent[i].f);
    }
    return 0;
}

static int mm_copy(struct mm *dst, const struct mm *src)
{
    *dst = *src;
    dst->v = kmalloc(sizeof(struct vma) * (size_t)src->cap);
    if (!dst->v)
        return -ENOMEM;
    al_memcpy(dst->v, src->v, sizeof(struct vma) * (size_t)src->n);
    return 0;
}

static void process_free(struct process *p)
{
    for (struct process **pp = &kernel->procs; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    kernel->nprocs--;
    sysv_exit(p); /* a fork that failed gives back the attachments it copied */
    path_put(&p->cwd);
    sigq_free_all(p->sigq);
    kfree(p->groups);
    kfree(p->cmdline);
    kfree(p);
}

/* ---- vfork: the child borrows its parent's host thread ----------------------------------
 * vfork() and clone(CLONE_VM|CLONE_VFORK) (posix_spawn) share the parent's memory until the
 * child execs or exits, and the parent thread is suspended meanwhile.  So the child simply
 * runs on the parent's host thread, in the parent's address space: vfork saves the
 * parent's context (registers and FPU state) and returns 0 into the same host signal
 * frame as the child.  When the child ends (process_end) or execs (vfork_exec_split moves
 * it to a host process of its own at the point of no return), the core unwinds to the
 * entry of the child's current system call (VFORK_ENTRY) and returns from there into the
 * parent's saved context with the child's pid.  Stores the child made are seen by the
 * parent, as glibc's posix_spawn needs for its error report. */
struct vfork_save {
    struct pal_context ctx;
    uint32_t xsize;
    char xstate[];
};

/* Set by the child's end, read by vfork_resumed() after the unwind (one host thread at a
 * time: the core lock is held throughout). */
static struct {
    struct vfork_save *save;
    struct thread *parent;
    int pid;
} vf_resume;

static long vfork_start(struct process *c, struct thread *t, unsigned long flags, uint64_t newsp,
                        uint64_t ctid, uint64_t tls)
{
    struct pal_context *ctx = current->ctx;
    uint32_t xs = ctx->xstate ? ctx->xstate_size : 0;
    struct vfork_save *s = kmalloc(sizeof(*s) + xs);
    if (!s) {
        process_free(c);
        kfree(t);
        return -ENOMEM;
    }
    s->ctx = *ctx;
    s->xsize = xs;
    if (xs)
        al_memcpy(s->xstate, ctx->xstate, xs);
    int64_t cs = 0, cns = 0;
    if (pal_clock_get(CLOCK_THREAD_CPUTIME_ID, &cs, &cns) == 0)
        c->vf_cpu0 = cs * 1000000000 + cns;
    c->vf_save = s;
    c->vf_parent = current;
    c->vf_jb = NULL;
    c->host_id = current->proc->host_id;
    t->host_tid = current->host_tid;
    pal_thread_set_self(t);
    t->ctx = ctx;
    if (flags & CLONE_CHILD_SETTID)
        IGNORE(copy_to_user(ctid, &t->tid, sizeof(int)));
    clone_child_ctx(ctx, flags, newsp, tls);
    return 0; /* to the child; the parent hears the pid when it resumes */
}

/* Unwind to the child's entry and resume the parent there. */
__attribute__((noreturn)) static void vfork_resume_parent(struct core_jmp *jb,
                                                         struct vfork_save *save,
                                                         struct thread *parent, int pid)
{
    if (!jb)
        panic("vfork child %d ended outside a core entry", pid);
    vf_resume.save = save;
    vf_resume.parent = parent;
    vf_resume.pid = pid;
    core_longjmp(jb);
}

void vfork_resumed(struct pal_context *ctx)
{
    struct vfork_save *s = vf_resume.save;
    void *xs = ctx->xstate;
    uint32_t xsz = ctx->xstate_size;
    *ctx = s->ctx;
    ctx->xstate = xs;
    ctx->xstate_size = xsz;
    if (xs && s->xsize)
        al_memcpy(xs, s->xstate, MIN(xsz, s->xsize));
    ctx->rax = (uint64_t)(int64_t)vf_resume.pid;
    kfree(s);
    pal_thread_set_self(vf_resume.parent);
    current->ctx = ctx;
    signal_collect_host();
    signal_deliver(ctx);
    thread_check_exit();
}

/* clone(CLONE_VM) without CLONE_VFORK: the child runs concurrently in the parent's address
 * space, so it becomes a new host thread of the parent's host process, belonging to a
 * process of its own in the core.  It ends with its host thread (process_end) or moves to
 * a host process of its own when it execs (vfork_exec_split). */
static long vm_child_start(struct process *c, struct thread *t, unsigned long flags,
                           uint64_t newsp, uint64_t ctid, uint64_t tls)
{
    struct pal_context ctx = clone_host_thread_ctx(flags, newsp, tls);
    c->vm_hosted = 1;
    c->host_id = current->proc->host_id;
    if (flags & CLONE_CHILD_SETTID)
        IGNORE(copy_to_user(ctid, &t->tid, sizeof(int)));
    int r = pal_thread_start(&ctx, t, &t->host_tid);
    if (r < 0) {
        process_free(c);
        kfree(t);
        return r == -ENOMEM ? -EAGAIN : r;
    }
    return c->pid;
}

/* Does another live process of the enclave run in the caller's host process? */
static int host_shared(const struct process *p)
{
    for (struct process *q = kernel->procs; q; q = q->next)
        if (q != p && q->state == PROC_RUNNING && q->host_id == p->host_id)
            return 1;
    return 0;
}

int vfork_exec_split(void)
{
    struct process *c = current->proc;
    int64_t id = pal_process_fork();
    if (id < 0)
        return id == -ENOMEM ? -ENOMEM : -EAGAIN;
    if (id == 0) {
        /* The child's own host process; the old one holds the lock until the parent is
         * back on its way. */
        bkl_lock();
        futex_fork_child();
        c->host_id = pal_process_id();
        current->host_tid = pal_thread_id();
        c->vf_save = NULL;
        c->vf_parent = NULL;
        c->vf_jb = NULL;
        c->vm_hosted = 0;
        return 0;
    }
    c->host_id = id;
    if (c->vf_save)
        vfork_resume_parent(c->vf_jb, c->vf_save, c->vf_parent, c->pid);
    /* A clone(CLONE_VM) child: its host thread here is done. */
    bkl_unlock();
    pal_thread_exit();
}

/* fork(), vfork() and clone() without CLONE_VM (or with CLONE_VM|CLONE_VFORK: see above). */
long process_fork(unsigned long flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
    struct process *p = current->proc;
    if ((uint64_t)kernel->nprocs >= p->rlim[RLIMIT_NPROC].cur)
        return -EAGAIN;

    struct process *c = kzalloc(sizeof(*c));
    struct thread *t = kzalloc(sizeof(*t));
    if (!c || !t) {
        kfree(c), kfree(t);
        return -ENOMEM;
    }
    /* Everything the child inherits, copied from the parent. */
    al_memcpy(c, p, sizeof(*c));
    c->pid = kernel->next_id++;
    c->ppid = p->pid;
    c->cmdline = NULL;
    c->cmdline_len = 0;
    /* Named after the forking thread, as in Linux. */
    al_memcpy(c->comm, current->comm, sizeof(c->comm));
    al_memcpy(t->comm, current->comm, sizeof(t->comm));
    if (p->cmdline && (c->cmdline = kmalloc(p->cmdline_len + 1)) != NULL) {
        al_memcpy(c->cmdline, p->cmdline, p->cmdline_len);
        c->cmdline_len = p->cmdline_len;
    }
    al_memset(c->sigq, 0, sizeof(c->sigq));
    c->sig_pending = 0;
    c->state = PROC_RUNNING;
    c->vfork_done = 0;
    c->pdeathsig = 0;
    c->subreaper = 0;
    c->did_exec = 0;
    c->cpu_ns = c->children_cpu_ns = 0; /* the child's own account starts empty */
    c->maxrss_kb = c->children_maxrss_kb = 0;
    c->vf_save = NULL, c->vf_parent = NULL, c->vf_jb = NULL;
    c->vm_hosted = 0;
    c->has_ctl = 0; /* init's client hears of p's end only */
    c->exit_signal = (int)(flags & 0xff);
    c->groups = NULL;
    ptimer_fork_child(c);
    aio_fork_child(c);
    if (groups_fork(c) < 0 || fdtable_copy(&c->fds, &p->fds) < 0 || mm_copy(&c->mm, &p->mm) < 0) {
        kfree(c->groups), kfree(c), kfree(t);
        return -ENOMEM;
    }
    sysv_fork(c, p, (flags & CLONE_VM) != 0);
    path_get(&c->cwd);
    t->tid = c->pid;
    t->proc = c;
    t->sigmask = current->sigmask;
    t->altstack_sp = current->altstack_sp;
    t->altstack_size = current->altstack_size;
    t->altstack_flags = current->altstack_flags;
    sched_fork(t, c);
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_child_tid = ctid;
    c->threads = t;
    c->nthreads = 1;
    c->next = kernel->procs;
    kernel->procs = c;
    kernel->nprocs++;
    if ((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &c->pid, sizeof(int)))
        { /* Linux ignores a fault here too */ }

    struct pal_context *ctx = current->ctx;
    if ((flags & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK))
        return vfork_start(c, t, flags, newsp, ctid, tls);
    if (flags & CLONE_VM)
        return vm_child_start(c, t, flags, newsp, ctid, tls);
    int64_t id = pal_process_fork();
    if (id < 0) {
        process_free(c);
        kfree(t);
        return id == -ENOMEM ? -EAGAIN : (long)id;
    }
    if (id == 0) {
        /* The child: same memory as the parent had, but its own core thread object.  The
         * parent still holds the core lock; take it in turn before going on. */
        pal_thread_set_self(t);
        bkl_lock();
        futex_fork_child();
        if (p->has_ctl)
            IGNORE(pal_close(p->ctl_conn)); /* this host process's copy of it */
        t->ctx = ctx;
        c->host_id = pal_process_id();
        t->host_tid = pal_thread_id();
        if (flags & CLONE_CHILD_SETTID)
            IGNORE(copy_to_user(ctid, &t->tid, sizeof(int)));
        clone_child_ctx(ctx, flags, newsp, tls);
        return 0;
    }
    c->host_id = id;
    if (flags & CLONE_VFORK) {
        /* The parent sleeps until the child has exec'd or exited (posix_spawn, vfork). */
        while (!c->vfork_done) {
            int r = wait_until(vfork_released, c);
            if (r < 0 && !c->vfork_done) {
                /* A signal: vfork is not interruptible in Linux either, keep waiting but
                 * let the signal be seen first by handling nothing here. */
                continue;
            }
        }
    }
    return c->pid;
}

int vfork_released(void *arg)
{
    return ((struct process *)arg)->vfork_done;
}

/* Wake whoever waits on p (parent in wait4, vfork parent) and make it look. */
static void notify_parent(struct process *p)
{
    struct process *parent = process_by_pid(p->ppid);
    p->vfork_done = 1;
    if (!parent)
        return;
    int sig = p->exit_signal;
    const struct k_sigaction *a = &parent->act[SIGCHLD];
    /* SIGCHLD ignored, or SA_NOCLDWAIT: nobody will wait, the child is reaped at once (with
     * SA_NOCLDWAIT the handler still hears of it). */
    int autoreap = sig == SIGCHLD && (a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT));
    if (sig == 0 || (sig == SIGCHLD && a->handler == SIG_IGN)) {
        if (autoreap && p->state == PROC_ZOMBIE)
            process_free(p);
        wake_all();
        return;
    }
    struct k_siginfo si;
    al_memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    int st = p->wait_status;
    si.si_code = (st & 0x7f) == 0 ? CLD_EXITED : (st & 0x80) ? CLD_DUMPED : CLD_KILLED;
    si.u.chld.pid = p->pid;
    si.u.chld.uid = p->ruid; /* the child's real uid, as Linux's do_notify_parent */
    si.u.chld.status = (st & 0x7f) == 0 ? (st >> 8) & 0xff : st & 0x7f;
    signal_send_process(parent, sig, &si);
    if (autoreap && p->state == PROC_ZOMBIE)
        process_free(p);
}

#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* Tell the parent about a stop or a continue (SIGCHLD unless SA_NOCLDSTOP). */
static void notify_stop(struct process *p, int code, int sig)
{
    struct process *parent = process_by_pid(p->ppid);
    if (!parent)
        return;
    const struct k_sigaction *a = &parent->act[SIGCHLD];
    if (!(a->flags & SA_NOCLDSTOP)) {
        struct k_siginfo si;
        al_memset(&si, 0, sizeof(si));
        si.si_signo = SIGCHLD;
        si.si_code = code;
        si.u.chld.pid = p->pid;
        si.u.chld.uid = p->ruid;
        si.u.chld.status = sig;
        signal_send_process(parent, SIGCHLD, &si);
    }
    wake_all();
}

static int resumed(void *arg)
{
    struct process *p = arg;
    return !p->stopped || ((current->sig_pending | p->sig_pending) & SIGBIT(SIGKILL));
}

void process_stop(int sig)
{
    struct process *p = current->proc;
    p->stopped = 1;
    p->stop_sig = sig;
    p->report = 1;
    notify_stop(p, CLD_STOPPED, sig);
    /* Stopped: nothing but SIGCONT or SIGKILL moves this thread on. */
    wait_plain(resumed, p);
}

/* SIGCONT resumes a stopped process (whatever its handler); a stop signal discards a pending
 * SIGCONT and vice versa.  Called when sig is generated for p. */
static void job_control_on_send(struct process *p, int sig)
{
    if (sig == SIGCONT) {
        uint64_t stops = SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU);
        p->sig_pending &= ~stops;
        for (struct thread *t = p->threads; t; t = t->next_in_proc)
            t->sig_pending &= ~stops;
        if (p->stopped) {
            p->stopped = 0;
            p->report = 2;
            notify_stop(p, CLD_CONTINUED, SIGCONT);
        }
    } else if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
        p->sig_pending &= ~SIGBIT(SIGCONT);
    }
}

/* The process ends with Linux wait status `status`.  Never returns. */
__attribute__((noreturn)) static void process_end(int status)
{
    struct process *p = current->proc;
    /* Started for a host client (init.c): the client hears the status. */
    if (p->has_ctl) {
        IGNORE(pal_control_reply(p->ctl_conn, PAL_CONTROL_EXITED, status));
        IGNORE(pal_close(p->ctl_conn));
        p->has_ctl = 0;
    }
    /* The enclave ends with its first process: stop every other one, leave nothing behind. */
    if (p->ppid == 0) {
        for (struct process *q = kernel->procs; q; q = q->next)
            if (q != p && q->state == PROC_RUNNING && q->host_id > 0 && q->host_id != p->host_id)
                pal_process_kill(q->host_id);
        /* What the enclave wrote to its volumes persists after a normal end (a host kill
         * keeps what the last commit had). */
        IGNORE(vfs_sync_all());
        bkl_hand_over_at_exit();
        if ((status & 0x7f) == 0)
            pal_exit((status >> 8) & 0xff);
        pal_exit_signal(status & 0x7f);
    }
    /* Sharing the host process with another live process: the host process must outlive
     * this one, so its other threads leave one by one (as for exec) instead of with it. */
    int keep_host = !p->vf_save && host_shared(p);
    if (keep_host)
        threads_end_others();
    ptimer_exit_all(p); /* its timers end with it */
    sysv_exit(p);       /* SEM_UNDO adjustments, shm detaches */
    aio_exit_all(p);
    /* Close every descriptor: pipes see EOF, files are released. */
    for (int fd = 0; fd < p->fds.size; fd++)
        if (p->fds.ent[fd].f)
            IGNORE(fd_close(fd));
    /* Orphans go to the nearest subreaper ancestor, else to the enclave's first process;
     * parent-death signals go out. */
    struct process *init = NULL;
    for (struct process *q = kernel->procs; q; q = q->next)
        if (q->ppid == 0)
            init = q;
    for (struct process *a = process_by_pid(p->ppid); a; a = process_by_pid(a->ppid))
        if (a->subreaper && a->state == PROC_RUNNING) {
            init = a;
            break;
        }
    for (struct process *q = kernel->procs; q;) {
        struct process *next = q->next;
        if (q->ppid == p->pid) {
            if (q->pdeathsig)
                signal_send_process(q, q->pdeathsig, NULL);
            q->ppid = init ? init->pid : 1;
            if (q->state == PROC_ZOMBIE && init)
                notify_parent(q);
        }
        q = next;
    }
    /* What a zombie no longer needs goes back to the shared heap now. */
    path_put(&p->cwd);
    kfree(p->fds.ent);
    p->fds.ent = NULL;
    p->fds.size = 0;
    kfree(p->mm.v);
    p->mm.v = NULL;
    p->mm.n = p->mm.cap = 0;
    int64_t cs = 0, cns = 0;
    if (p->vf_save) {
        /* A vfork child on its parent's host thread: that thread's time since vfork. */
        if (pal_clock_get(CLOCK_THREAD_CPUTIME_ID, &cs, &cns) == 0)
            p->cpu_ns = cs * 1000000000 + cns - p->vf_cpu0 + p->children_cpu_ns;
    } else if (pal_clock_get(CLOCK_PROCESS_CPUTIME_ID, &cs, &cns) == 0) {
        p->cpu_ns = cs * 1000000000 + cns + p->children_cpu_ns;
    }
    p->maxrss_kb = MAX(pal_process_maxrss(), p->children_maxrss_kb);
    p->wait_status = status;
    p->state = PROC_ZOMBIE;
    p->nthreads = 0;
    struct thread *threads = p->threads;
    p->threads = NULL;
    /* A vfork child's end resumes its parent (which may reap p at once). */
    struct core_jmp *vf_jb = p->vf_jb;
    struct vfork_save *vf_save = p->vf_save;
    struct thread *vf_parent = p->vf_parent;
    int pid = p->pid;
    notify_parent(p); /* may reap p at once: p is not touched after this */
    wake_all();
    for (struct thread *t = threads; t;) {
        struct thread *next = t->next_in_proc;
        sigq_free_all(t->sigq);
        kfree(t); /* the calling thread's too: nothing below uses it */
        t = next;
    }
    if (vf_save)
        vfork_resume_parent(vf_jb, vf_save, vf_parent, pid);
    if (keep_host) {
        /* Other processes live in this host process (clone(CLONE_VM) children, or the
         * parent of one): end only this thread; the host process ends with its last. */
        bkl_unlock();
        pal_thread_exit();
    }
    /* The host process ends with the lock held: a sibling thread that was waiting for it
     * (or would take it in the moment before exit_group) is never killed inside the core. */
    bkl_hand_over_at_exit();
    pal_exit(0);
}

void process_exit(int code)
{
    process_end((code & 0xff) << 8);
}

void process_exit_signal(int sig)
{
    int core = sig == SIGQUIT || sig == SIGILL || sig == SIGTRAP || sig == SIGABRT ||
               sig == SIGBUS || sig == SIGFPE || sig == SIGSEGV || sig == SIGXCPU ||
               sig == SIGXFSZ || sig == SIGSYS;
    (void)core; /* no core files are written, so the core-dump bit stays clear */
    process_end(sig & 0x7f);
}

/* Does child q match wait4's pid selector for the caller? */
static int wait_match(const struct process *q, int pid, int options)
{
    const struct process *p = current->proc;
    if (q->ppid != p->pid)
        return 0;
    /* Children that announce their end with something else than SIGCHLD are "clone"
     * children: only __WCLONE (or __WALL) waits for them, and __WCLONE only for them. */
    if (!(options & __WALL) && ((q->exit_signal != SIGCHLD) != !!(options & __WCLONE)))
        return 0;
    if (pid > 0)
        return q->pid == pid;
    if (pid == -1)
        return 1;
    if (pid == 0)
        return q->pgid == p->pgid;
    return q->pgid == -pid;
}

struct wait_req {
    int pid;
    int options;
    struct process *found;
    int any;
    int64_t cpu_ns;
};

static int wait_ready(void *arg)
{
    struct wait_req *w = arg;
    w->found = NULL;
    w->any = 0;
    for (struct process *q = kernel->procs; q; q = q->next) {
        if (!wait_match(q, w->pid, w->options))
            continue;
        w->any = 1;
        if ((q->state == PROC_ZOMBIE && (w->options & WEXITED)) ||
            (q->report == 1 && (w->options & WUNTRACED)) ||
            (q->report == 2 && (w->options & WCONTINUED))) {
            w->found = q;
            return 1;
        }
    }
    return !w->any; /* no children at all: stop waiting (ECHILD) */
}

static long do_wait(int pid, int options, int *status, int *pid_out, int64_t *cpu_out,
                    int64_t *rss_out)
{
    struct wait_req w = {pid, options, NULL, 0, 0};
    if (cpu_out)
        *cpu_out = 0;
    int r = (options & WNOHANG) ? (wait_ready(&w), 0) : wait_until(wait_ready, &w);
    if (r < 0)
        return r;
    if (!w.any)
        return -ECHILD;
    if (!w.found)
        return 0; /* WNOHANG and nobody ready */
    *pid_out = w.found->pid;
    if (w.found->state != PROC_ZOMBIE) {
        /* A stop (status 0x7f | sig << 8) or a continue (0xffff), reported once. */
        *status = w.found->report == 1 ? 0x7f | (w.found->stop_sig << 8) : 0xffff;
        if (!(options & WNOWAIT))
            w.found->report = 0;
        return 1;
    }
    *status = w.found->wait_status;
    w.cpu_ns = w.found->cpu_ns;
    if (rss_out)
        *rss_out = w.found->maxrss_kb;
    if (!(options & WNOWAIT)) {
        struct process *me = current->proc;
        me->children_cpu_ns += w.found->cpu_ns;
        me->children_maxrss_kb = MAX(me->children_maxrss_kb, w.found->maxrss_kb);
        process_free(w.found);
    }
    if (cpu_out)
        *cpu_out = w.cpu_ns;
    return 1;
}

SYS(wait4)
{
    int pid = (int)a0, options = (int)a2;
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH;
    int status = 0, cpid = 0;
    int64_t cpu = 0, rss = 0;
    long r = do_wait(pid, options | WEXITED, &status, &cpid, &cpu, &rss);
    if (r <= 0)
        return r;
    if (a1 && copy_to_user((uint64_t)a1, &status, sizeof(status)))
        return -EFAULT;
    if (a3) {
        struct linux_rusage ru;
        al_memset(&ru, 0, sizeof(ru));
        ru.ru_utime.tv_sec = cpu / 1000000000; /* the host does not split user/system */
        ru.ru_utime.tv_usec = cpu % 1000000000 / 1000;
        ru.ru_maxrss = rss;
        if (copy_to_user((uint64_t)a3, &ru, sizeof(ru)))
            return -EFAULT;
    }
    return cpid;
}

SYS(waitid)
{
    int idtype = (int)a0, id = (int)a1, options = (int)a3;
    if (options & ~(WNOHANG | WEXITED | WUNTRACED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL |
                    __WCLONE))
        return -EINVAL;
    if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
        return -EINVAL;
    int pid, eagain = 0;
    switch (idtype) {
    case 0: /* P_ALL */
        pid = -1;
        break;
    case 1: /* P_PID */
        if (id <= 0)
            return -EINVAL;
        pid = id;
        break;
    case 2: /* P_PGID */
        if (id < 0)
            return -EINVAL;
        pid = id ? -id : 0;
        break;
    case 3: { /* P_PIDFD: the child a pidfd names; O_NONBLOCK on it implies WNOHANG */
        if (id < 0)
            return -EINVAL;
        int nonblock = 0;
        pid = pidfd_pid(id, &nonblock);
        if (pid < 0)
            return pid;
        if (nonblock && !(options & WNOHANG))
            eagain = 1, options |= WNOHANG;
        break;
    }
    default:
        return -EINVAL;
    }
    int status = 0, cpid = 0;
    int64_t cpu = 0, rss = 0;
    long r = do_wait(pid, options, &status, &cpid, &cpu, &rss);
    if (r < 0)
        return r;
    if (r == 0 && eagain)
        return -EAGAIN;
    struct k_siginfo si;
    al_memset(&si, 0, sizeof(si));
    if (r > 0) {
        si.si_signo = SIGCHLD;
        si.u.chld.pid = cpid;
        if (status == 0xffff) {
            si.si_code = CLD_CONTINUED;
            si.u.chld.status = SIGCONT;
        } else if ((status & 0xff) == 0x7f) {
            si.si_code = CLD_STOPPED;
            si.u.chld.status = (status >> 8) & 0xff;
        } else {
            si.si_code = (status & 0x7f) == 0 ? CLD_EXITED : (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
            si.u.chld.status = (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f;
        }
    }
    if (a2 && copy_to_user((uint64_t)a2, &si, sizeof(si)))
        return -EFAULT;
    if (a4) {
        struct linux_rusage ru;
        al_memset(&ru, 0, sizeof(ru));
        ru.ru_utime.tv_sec = cpu / 1000000000;
        ru.ru_utime.tv_usec = cpu % 1000000000 / 1000;
        ru.ru_maxrss = rss;
        if (copy_to_user((uint64_t)a4, &ru, sizeof(ru)))
            return -EFAULT;
    }
    return 0;
}

SYS(fork)
{
    return process_fork(SIGCHLD, 0, 0, 0, 0);
}

SYS(vfork)
{
    return process_fork(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}

/* ---- process groups and sessions ------------------------------------------------------ */

SYS(getpgid)
{
    struct process *p = a0 ? process_by_pid((int)a0) : current->proc;
    if (!p || p->state == PROC_ZOMBIE)
        return -ESRCH;
    return p->pgid;
}

SYS(getsid)
{
    struct process *p = a0 ? process_by_pid((int)a0) : current->proc;
    if (!p || p->state == PROC_ZOMBIE)
        return -ESRCH;
    return p->sid;
}

SYS(setpgid)
{
    struct process *me = current->proc;
    if ((int)a0 < 0 || (int)a1 < 0)
        return -EINVAL;
    int pid = a0 ? (int)a0 : me->pid, pgid = a1 ? (int)a1 : pid;
    struct process *p = process_by_pid(pid);
    if (!p || (p != me && p->ppid != me->pid))
        return -ESRCH;
    if (p != me && p->did_exec)
        return -EACCES;
    if (p->sid != me->sid)
        return -EPERM;
    if (p->sid == p->pid)
        return -EPERM; /* a session leader cannot move */
    if (pgid != pid) {
        /* Joining a group: it must exist in the same session. */
        int ok = 0;
        for (struct process *q = kernel->procs; q; q = q->next)
            if (q->pgid == pgid && q->sid == me->sid && q->state == PROC_RUNNING)
                ok = 1;
        if (!ok)
            return -EPERM;
    }
    p->pgid = pgid;
    return 0;
}

SYS(getpgrp)
{
    return current->proc->pgid;
}

SYS(setsid)
{
    struct process *p = current->proc;
    for (struct process *q = kernel->procs; q; q = q->next)
        if (q->pgid == p->pid)
            return -EPERM; /* already a group leader (or its id is a group's) */
    p->sid = p->pgid = p->pid;
    return p->sid;
}

/* ---- signals between processes --------------------------------------------------------- */

void signal_send_process(struct process *p, int sig, const struct k_siginfo *info)
{
    if (p->state != PROC_RUNNING || sig < 1 || sig > NSIG)
        return;
    job_control_on_send(p, sig);
    const struct k_sigaction *a = &p->act[sig];
    /* Ignored signals are discarded unless the target (the leader, as Linux's kill picks
     * it) blocks them: sig_ignored(). */
    struct thread *lead = proc_thread(p, p->pid);
    if (!lead)
        lead = p->threads;
    int blocked = lead && (lead->sigmask & SIGBIT(sig));
    if (sig != SIGKILL && !blocked && (a->handler == SIG_IGN ||
                           (a->handler == SIG_DFL && (sig == SIGCHLD || sig == SIGCONT ||
                                                      sig == SIGURG || sig == SIGWINCH))))
        return;
    uint64_t bit = SIGBIT(sig);
    if (!((p->sig_pending & bit) && sig < 32)) {
        struct sigq *q = kzalloc(sizeof(*q));
        if (q) {
            if (info)
                q->info = *info;
            else {
                q->info.si_signo = sig;
                q->info.si_code = SI_KERNEL;
            }
            struct sigq **tail = &p->sigq[sig];
            while (*tail)
                tail = &(*tail)->next;
            *tail = q;
        }
        p->sig_pending |= bit;
    }
    wake_all();
    /* Make one thread that can take it look now, as Linux's complete_signal() does: the
     * caller itself if it may (it looks on its way out), else the first thread of p that
     * does not block it; with every thread blocking it the signal just stays pending. */
    if (p == current->proc && !(current->sigmask & bit))
        return;
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCONT) {
        /* Every thread must look (a stop halts them all); kicked one by one, since p may
         * share its host process with another process. */
        for (struct thread *t = p->threads; t; t = t->next_in_proc)
            if (t != current && t->host_tid)
                pal_thread_kick(p->host_id, t->host_tid);
        return;
    }
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        if (!(t->sigmask & bit)) {
            if (t != current && t->host_tid)
                pal_thread_kick(p->host_id, t->host_tid);
            return;
        }
}

SYS(kill)
{
    int pid = (int)a0, sig = (int)a1;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    struct process *me = current->proc;
    struct k_siginfo si;
    al_memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = SI_USER;
    si.u.kill.pid = me->pid;
    si.u.kill.uid = me->ruid;
    if (pid > 0) {
        struct process *p = process_by_pid(pid);
        if (!p || p->state != PROC_RUNNING)
            return p ? 0 : -ESRCH; /* a zombie accepts and ignores signals */
        if (sig)
            signal_send_process(p, sig, &si);
        return 0;
    }
    int found = 0;
    for (struct process *p = kernel->procs; p; p = p->next) {
        int hit = pid == 0 ? p->pgid == me->pgid
                  : pid == -1 ? (p->ppid != 0 && p != me)
                              : p->pgid == -pid;
        if (!hit || p->state != PROC_RUNNING)
            continue;
        found = 1;
        if (sig)
            signal_send_process(p, sig, &si);
    }
    if (pid == -1 && sig && !found)
        return -ESRCH;
    return found ? 0 : -ESRCH;
}
