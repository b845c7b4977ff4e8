/*
 * hostwait.c - sleeping in the host on host handles and enclave objects at once.
 *
 * The core's own waits sleep on the generation futex (lock.c), which the host cannot
 * combine with a poll on sockets.  A thread that waits for host handles therefore sleeps
 * in pal_poll; if it also waits for something inside the enclave (a pipe in the same
 * poll set, a change to its epoll interest list), it registers here, and bkl_unlock()
 * after a wake_all() kicks every registered sleeper once (a host signal that ends its
 * pal_poll with -EINTR).  The sleeper then re-takes the lock and re-scans.
 *
 * Registration and the caller's last scan both happen under the core lock, so a change
 * made after the scan comes with a kick; and a kick that lands between dropping the lock
 * and entering the host poll still ends the poll (the backend's blocking-call window
 * checks for pending events right before the host call).
 */
#include "libos.h"
#include "proc/proc.h"
#include "fs/fs.h"
#include "net.h"

/* A registered sleeper.  kmalloc'd (the list is shared by every process of the enclave,
 * and a thread's stack is private to its host process). */
struct hostwaiter {
    struct hostwaiter *next, **pprev;
    int64_t proc, tid;   /* the backend's ids, for pal_thread_kick */
    int kicked;          /* a kick is already on its way */
};

int64_t net_now_ns(void)
{
    int64_t s, ns;
    if (pal_clock_get(CLOCK_MONOTONIC, &s, &ns) < 0)
        return 0;
    return s * 1000000000 + ns;
}

int hostwait_collect(struct hostwait_kick *k)
{
    int n = 0;
    for (struct hostwaiter *w = kernel->hostwaiters; w && n < HOSTWAIT_KICKS; w = w->next) {
        if (w->kicked)
            continue;
        w->kicked = 1;
        k->proc[n] = w->proc;
        k->tid[n] = w->tid;
        n++;
    }
    /* More sleepers than kicks: the rest notice at their next slice (see host_wait). */
    return n;
}

pal_handle_t file_host_poll_handle(const struct file *f)
{
    if (f->h == PAL_HANDLE_NONE)
        return PAL_HANDLE_NONE;
    return inet_is(f) || f->ops == &host_stream_ops ? f->h : PAL_HANDLE_NONE;
}

int host_wait(struct pal_pollfd *fds, int n, int watch, int64_t deadline_ns)
{
    signal_collect_host();
    if (signal_pending_unblocked() || current->must_exit)
        return -ERESTARTSYS;
    int64_t timeout = -1;
    if (deadline_ns >= 0) {
        int64_t now = net_now_ns();
        if (now >= deadline_ns)
            return 0;
        timeout = deadline_ns - now;
    }
    struct hostwaiter *w = NULL;
    if (watch) {
        /* A safety slice, in case more sleepers than HOSTWAIT_KICKS were due a kick. */
        if (timeout < 0 || timeout > 1000000000)
            timeout = 1000000000;
        w = kzalloc(sizeof(*w));
        if (!w)
            return -ENOMEM;
        w->proc = current->proc->host_id;
        w->tid = current->host_tid;
        w->next = kernel->hostwaiters;
        w->pprev = &kernel->hostwaiters;
        if (w->next)
            w->next->pprev = &w->next;
        kernel->hostwaiters = w;
    }
    bkl_unlock();
    int r = pal_poll(fds, n, timeout);
    bkl_lock();
    if (w) {
        *w->pprev = w->next;
        if (w->next)
            w->next->pprev = w->pprev;
        kfree(w);
    }
    if (r == -EINTR) {
        /* A kick or a host signal: signals win, otherwise the caller re-scans. */
        signal_collect_host();
        if (signal_pending_unblocked() || current->must_exit)
            return -ERESTARTSYS;
        return 0;
    }
    return r;
}
