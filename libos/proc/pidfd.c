/*
 * pidfd.c - process file descriptors: pidfd_open(2), pidfd_send_signal(2), and the pidfd
 * side of waitid(P_PIDFD) (fork.c).
 *
 * A pidfd is a core file ("anon_inode:[pidfd]") that names a process by its pid.  It holds
 * the pid, not the struct process: a reaped process is freed, and pids are never reused
 * inside an enclave (one counter), so looking the pid up again is exact.  poll/epoll report
 * POLLIN | POLLRDNORM once the process has exited (a zombie) and add POLLHUP once it has
 * been reaped, as Linux's pidfd_poll().  Every exit calls wake_all(), which is what poll
 * and epoll waiters sleep on.  As in Linux, an fd of a /proc/PID directory is accepted
 * wherever a pidfd is.
 */
#include "libos.h"
#include "proc/proc.h"

#define PIDFD_NONBLOCK O_NONBLOCK
#define PIDFD_THREAD O_EXCL
#define PIDFD_SIGNAL_THREAD 1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4
#define POLLIN 0x001
#define POLLHUP 0x010
#define POLLRDNORM 0x040

struct pidfd {
    int pid;     /* a process id, or a thread id with PIDFD_THREAD */
    int thread;  /* PIDFD_THREAD: about this thread only */
};

static const struct file_ops pidfd_ops;

static int pidfd_poll(struct file *f, int events)
{
    (void)events;
    const struct pidfd *pf = f->priv;
    if (pf->thread && task_by_tid(pf->pid))
        return 0;
    const struct process *p = process_by_pid(pf->pid);
    if (!p)
        return POLLIN | POLLRDNORM | POLLHUP;
    if (p->state == PROC_ZOMBIE || pf->thread)
        return POLLIN | POLLRDNORM;
    return 0;
}

static const struct file_ops pidfd_ops = {
    .poll = pidfd_poll,
    .stat = anon_inode_stat,
    .release = file_release_priv,
    .seekable = 0,
};

/* The pid a descriptor names: a pidfd, or a /proc/PID directory (Linux's
 * tgid_pidfd_to_pid()).  -EBADF for anything else. */
static int file_pid(struct file *f, int *thread)
{
    *thread = 0;
    if (f->ops == &pidfd_ops) {
        const struct pidfd *pf = f->priv;
        *thread = pf->thread;
        return pf->pid;
    }
    return vfs_proc_pid_of(f);
}

int pidfd_pid(int fd, int *nonblock)
{
    struct file *f = fd_get(fd);
    int thread;
    if (!f)
        return -EBADF;
    *nonblock = (f->flags & O_NONBLOCK) != 0;
    return file_pid(f, &thread);
}

/* pidfd_open(pid, flags): EINVAL for unknown flags or pid <= 0, ESRCH for no such process
 * (a zombie still has one), EINVAL for a thread that is not a process's leader unless
 * PIDFD_THREAD.  The descriptor is always close-on-exec. */
SYS(pidfd_open)
{
    int pid = (int)a0;
    unsigned flags = (unsigned)a1;
    if (flags & ~(unsigned)(PIDFD_NONBLOCK | PIDFD_THREAD))
        return -EINVAL;
    if (pid <= 0)
        return -EINVAL;
    struct thread *t = task_by_tid(pid);
    struct process *p = process_by_pid(pid);
    if (!t && !p)
        return -ESRCH;
    if (!p && !(flags & PIDFD_THREAD))
        return -EINVAL;
    struct pidfd *pf = kzalloc(sizeof(*pf));
    struct file *f = pf ? file_alloc(&pidfd_ops, O_RDWR | (int)(flags & PIDFD_NONBLOCK),
                                     "anon_inode:[pidfd]")
                        : NULL;
    if (!f) {
        kfree(pf);
        return -ENOMEM;
    }
    pf->pid = pid;
    pf->thread = (flags & PIDFD_THREAD) != 0;
    f->priv = pf;
    f->mode = 0; /* anonymous inode */
    int fd = fd_install(f, 1, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* pidfd_send_signal(pidfd, sig, info, flags), in Linux's order: EINVAL for unknown or
 * several scope flags, EBADF for a non-pidfd, EFAULT/EINVAL/EPERM for the siginfo (only
 * a process may forge a kernel-looking si_code for itself), then EINVAL for a bad signal
 * and ESRCH for a reaped process.  A zombie accepts and ignores the signal. */
SYS(pidfd_send_signal)
{
    int sig = (int)a1;
    unsigned flags = (unsigned)a3;
    const unsigned scopes = PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP |
                            PIDFD_SIGNAL_PROCESS_GROUP;
    if (flags & ~scopes)
        return -EINVAL;
    if (__builtin_popcount(flags) > 1)
        return -EINVAL;
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    int thread;
    int pid = file_pid(f, &thread);
    if (pid < 0)
        return pid;
    int to_thread = flags ? (flags & PIDFD_SIGNAL_THREAD) != 0 : thread;
    int to_pgrp = (flags & PIDFD_SIGNAL_PROCESS_GROUP) != 0;
    struct process *me = current->proc;
    struct k_siginfo si;
    al_memset(&si, 0, sizeof(si));
    if (a2) {
        if (copy_from_user(&si, (uint64_t)a2, sizeof(si)))
            return -EFAULT;
        if (si.si_signo != sig)
            return -EINVAL;
        if ((pid != current->tid || to_pgrp) && (si.si_code >= 0 || si.si_code == SI_TKILL))
            return -EPERM;
    } else {
        si.si_signo = sig;
        si.si_code = to_thread ? SI_TKILL : SI_USER;
        si.u.kill.pid = me->pid;
        si.u.kill.uid = me->ruid;
    }
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    struct thread *t = task_by_tid(pid);
    struct process *p = process_by_pid(pid);
    if (to_thread) {
        if (!t)
            return p ? 0 : -ESRCH; /* an exited leader: a zombie */
        if (sig) {
            if (t->proc == me)
                signal_send_thread(t, sig, &si);
            else
                signal_send_process(t->proc, sig, &si); /* approximation: its process */
        }
        return 0;
    }
    if (!p && t)
        p = t->proc;
    if (!p)
        return -ESRCH;
    if (to_pgrp) {
        int pgid = p->pgid, found = 0;
        for (struct process *q = kernel->procs; q; q = q->next)
            if (q->pgid == pgid && q->state == PROC_RUNNING) {
                found = 1;
                if (sig)
                    signal_send_process(q, sig, &si);
            }
        return found ? 0 : -ESRCH;
    }
    if (sig && p->state == PROC_RUNNING)
        signal_send_process(p, sig, &si);
    return 0;
}
