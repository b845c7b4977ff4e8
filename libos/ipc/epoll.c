/*
 * epoll.c - epoll_create/create1, epoll_ctl, epoll_wait/pwait/pwait2.
 *
 * An epoll file holds an interest list of (struct file *, fd) pairs.  Readiness is asked
 * at wait time: of the host, in one call, for the entries backed by host handles (sockets,
 * host streams), and of each other file's ->poll.  There are no wake-up callbacks: a
 * waiter sleeps in wait_event() and re-scans whenever anything calls wake_all(), or, with
 * host handles in the list, sleeps in one host poll over them and is kicked by wake_all()
 * (net/hostwait.c).
 *
 * Entries do NOT hold a reference on their file (that would keep it open after close).
 * Each remembers the process that added it (its owner) and is live while the owner's
 * table, or the caller's, still maps its fd to that same struct file; either table then
 * holds a reference, so the pointer is safe to use under the core lock.  Dead entries are
 * dropped at the next scan.  Linux instead drops an entry when its file is finally
 * released, so two cases differ: an entry whose fd was closed while a dup()ed copy keeps
 * the file open is dropped here (Linux keeps reporting it), and if a closed file's memory
 * AND fd number are both reused by a new file before the next scan, the old entry is taken
 * for the new file (EPOLL_CTL_ADD of it fails with EEXIST).  Both go away once file_put()
 * tells epoll about released files (not wired yet: needs a hook in fdtable.c).
 *
 * Semantics: level-triggered by default; EPOLLONESHOT disarms an entry after one report
 * until EPOLL_CTL_MOD; EPOLLET is approximated by reporting an entry only when its
 * readiness gained a bit since the previous scan (Linux reports on every wake-up, e.g.
 * each new write to a pipe that was already readable; here that second write is not
 * reported until the program drains the pipe).  For a host socket, an operation that found
 * it empty or full (-EAGAIN) since the previous scan also counts as a new edge, so a
 * program that reads until EAGAIN, as edge-triggered programs must, is told of data that
 * arrived after its last read.  Ready entries are reported round-robin
 * so that a small maxevents cannot starve the later ones.
 */
#include "libos.h"
#include "proc/proc.h"
#include "net/net.h"

#define EPOLL_CLOEXEC O_CLOEXEC
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLRDHUP 0x2000u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
/* Bits that are poll() readiness (IN PRI OUT ERR HUP RDNORM RDBAND WRNORM WRBAND MSG RDHUP). */
#define EP_POLL_BITS 0x27dfu
/* What EPOLLEXCLUSIVE may be combined with (Linux EPOLLEXCLUSIVE_OK_BITS). */
#define EP_EXCL_OK (POLLIN | POLLOUT | POLLERR | POLLHUP | EPOLLWAKEUP | EPOLLET | \
                    EPOLLEXCLUSIVE | POLLRDNORM | 0x80 | POLLWRNORM | 0x200)
#define EP_MAX_NESTS 4             /* Linux's limit on epoll-in-epoll depth */
#define EP_EVENT_SIZE 12           /* struct epoll_event is packed on x86-64 */
#define EP_MAX_EVENTS (0x7fffffff / EP_EVENT_SIZE)

struct epoll_event_abi {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));

struct epitem {
    struct file *file; /* identity only; see the header comment */
    int fd;
    int owner;         /* pid of the process whose fd this is */
    uint32_t events;   /* interest (with EPOLLERR|EPOLLHUP) and flags; ONESHOT clears it */
    uint64_t data;
    uint32_t last;     /* EPOLLET: readiness seen at the previous scan */
    int32_t hrev;      /* readiness from this wait's host poll, -1: ask ->poll */
    uint32_t seq;      /* EPOLLET on a host socket: its inet_edge_seq at the last scan */
};

struct eventpoll {
    struct epitem *items;
    int n, cap;
    int cursor;              /* where the next scan starts (round-robin fairness) */
};

/* Nesting of epoll_poll() through epoll-in-epoll; only changes under the core lock. */
static int poll_depth;
static const struct file_ops epoll_ops;

static int is_epoll(struct file *f)
{
    return f->ops == &epoll_ops;
}

/* Drop entry i (order is irrelevant: the cursor only spreads reports). */
static void item_remove(struct eventpoll *ep, int i)
{
    ep->items[i] = ep->items[--ep->n];
}

/* True if process p's descriptor fd refers to f (so p's table holds a reference to f). */
static int holds(const struct process *p, int fd, const struct file *f)
{
    return p && fd >= 0 && fd < p->fds.size && p->fds.ent[fd].f == f;
}

/* True if entry i still names a live file (see the header comment); the caller's own
 * match makes it the owner, so an entry survives its adder's exit (daemonising). */
static int item_live(struct eventpoll *ep, int i)
{
    struct epitem *it = &ep->items[i];
    if (holds(current->proc, it->fd, it->file)) {
        it->owner = current->proc->pid;
        return 1;
    }
    return it->owner != current->proc->pid && holds(process_by_pid(it->owner), it->fd, it->file);
}

/* Drop every entry that is no longer live. */
static void prune(struct eventpoll *ep)
{
    for (int i = 0; i < ep->n;)
        if (item_live(ep, i))
            i++;
        else
            item_remove(ep, i);
}

/* Index of the entry for (f, fd), or -1.  The caller's fd maps to f, so a match is live. */
static int item_find(struct eventpoll *ep, struct file *f, int fd)
{
    for (int i = 0; i < ep->n; i++)
        if (ep->items[i].fd == fd && ep->items[i].file == f)
            return i;
    return -1;
}

/* Current readiness of a live entry, limited to what it asks for (0 if disarmed). */
static uint32_t item_ready(const struct epitem *it)
{
    uint32_t want = it->events & EP_POLL_BITS;
    if (!want)
        return 0;
    struct file *f = it->file;
    int r = it->hrev >= 0  ? it->hrev
            : f->ops->poll ? f->ops->poll(f, (int)want)
                           : (int)(want & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM));
    return (uint32_t)r & want;
}

/* What a scan would report for this entry now: its ready bits, or 0 (ET: nothing new). */
static uint32_t item_report(const struct epitem *it, uint32_t ready)
{
    if ((it->events & EPOLLET) && !(ready & ~it->last))
        return 0;
    return ready;
}

/*
 * Scan the interest list once.  With uevents == 0 this is a dry run (for poll() on the
 * epoll file) that changes nothing and returns 1 if anything would be reported.
 * Otherwise copy up to max events to uevents, update ONESHOT/ET state of reported
 * entries, and return the count, or -EFAULT if the very first copy failed.
 */
static long scan(struct eventpoll *ep, uint64_t uevents, int max)
{
    prune(ep);
    int n = ep->n, count = 0, last_reported = -1;
    if (n == 0)
        return 0;
    int start = ep->cursor % n;
    for (int k = 0; k < n && count < max; k++) {
        int i = (start + k) % n;
        struct epitem *it = &ep->items[i];
        uint32_t ready = item_ready(it);
        if (uevents && (it->events & EPOLLET) && inet_is(it->file)) {
            /* The program found the socket empty (or full) since the last scan: whatever
             * is ready now is a new edge (see inet_edge_seq). */
            uint32_t q = inet_edge_seq(it->file);
            if (q != it->seq) {
                it->last = 0;
                it->seq = q;
            }
        }
        uint32_t rep = item_report(it, ready);
        if (!uevents) {
            if (rep)
                return 1;
            continue;
        }
        if (rep) {
            struct epoll_event_abi ev = {rep, it->data};
            if (copy_to_user(uevents + (uint64_t)count * EP_EVENT_SIZE, &ev, sizeof(ev)))
                return count ? count : -EFAULT;
            count++;
            last_reported = i;
            if (it->events & EPOLLONESHOT)
                it->events &= ~EP_POLL_BITS; /* disarmed until MOD, even for ERR/HUP */
        }
        it->last = ready;
    }
    if (last_reported >= 0)
        ep->cursor = last_reported + 1;
    return count;
}

/* poll() on an epoll file: POLLIN when epoll_wait would return something. */
static int epoll_poll(struct file *f, int events)
{
    if (poll_depth > EP_MAX_NESTS) /* cannot happen with loop checks; cheap insurance */
        return 0;
    poll_depth++;
    long r = scan(f->priv, 0, 1);
    poll_depth--;
    return r > 0 ? (events & (POLLIN | POLLRDNORM)) : 0;
}

static void epoll_release(struct file *f)
{
    struct eventpoll *ep = f->priv;
    kfree(ep->items);
    kfree(ep);
}

static const struct file_ops epoll_ops = {
    .poll = epoll_poll,
    .stat = anon_inode_stat,
    .release = epoll_release,
    .seekable = 0,
};

/* epoll_create1(flags): a new epoll descriptor; only EPOLL_CLOEXEC is a valid flag. */
static long do_create(long flags)
{
    if (flags & ~(long)EPOLL_CLOEXEC)
        return -EINVAL;
    struct eventpoll *ep = kzalloc(sizeof(*ep));
    struct file *f = ep ? file_alloc(&epoll_ops, O_RDWR, "anon_inode:[eventpoll]") : NULL;
    if (!f) {
        kfree(ep);
        return -ENOMEM;
    }
    f->priv = ep;
    f->mode = 0;
    int fd = fd_install(f, (flags & EPOLL_CLOEXEC) != 0, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

SYS(epoll_create1)
{
    return do_create((int)a0);
}

SYS(epoll_create)
{
    if ((int)a0 <= 0)
        return -EINVAL;
    return do_create(0);
}

/* True if target (an epoll file) reaches ep through its entries, or nests too deep. */
static int loops(struct eventpoll *ep, struct file *target, int depth)
{
    struct eventpoll *t = target->priv;
    if (t == ep || depth >= EP_MAX_NESTS)
        return 1;
    for (int i = 0; i < t->n; i++)
        if (item_live(t, i) && is_epoll(t->items[i].file) &&
            loops(ep, t->items[i].file, depth + 1))
            return 1;
    return 0;
}

/* An O_PATH descriptor is not a file to epoll (Linux's fdget() skips them). */
static struct file *ep_fd(int fd)
{
    struct file *f = fd_get(fd);
    return f && !(f->flags & O_PATH) ? f : NULL;
}

/* Linux's /dev/null, /dev/zero and /dev/full (major 1, minors 3, 5, 7) have no poll
 * method, so epoll refuses them; dev.c gives every device the default poll mask. */
static int unpollable_dev(struct file *f)
{
    struct pal_stat st;
    if (!f->ops->stat || f->ops->stat(f, &st) < 0 || (st.mode & S_IFMT) != S_IFCHR)
        return 0;
    return st.rdev == 0x103 || st.rdev == 0x105 || st.rdev == 0x107;
}

/* epoll_ctl(epfd, op, fd, event): errors checked in Linux's order. */
SYS(epoll_ctl)
{
    int op = (int)a1, fd = (int)a2;
    struct epoll_event_abi ev = {0, 0};
    if (op != EPOLL_CTL_DEL && copy_from_user(&ev, (uint64_t)a3, sizeof(ev)))
        return -EFAULT;
    struct file *epf = ep_fd((int)a0), *tf = ep_fd(fd);
    if (!epf || !tf)
        return -EBADF;
    /* Files that cannot be polled (regular files, directories...) are refused. */
    if (!tf->ops->poll || S_ISREG(tf->mode) || S_ISDIR(tf->mode) || unpollable_dev(tf))
        return -EPERM;
    if (epf == tf || !is_epoll(epf))
        return -EINVAL;
    if (op != EPOLL_CTL_DEL && (ev.events & EPOLLEXCLUSIVE)) {
        if (op == EPOLL_CTL_MOD)
            return -EINVAL;
        if (op == EPOLL_CTL_ADD && (is_epoll(tf) || (ev.events & ~EP_EXCL_OK)))
            return -EINVAL;
    }
    struct eventpoll *ep = epf->priv;
    if (op == EPOLL_CTL_ADD && is_epoll(tf) && loops(ep, tf, 0))
        return -ELOOP;
    int i = item_find(ep, tf, fd);
    switch (op) {
    case EPOLL_CTL_ADD:
        if (i >= 0)
            return -EEXIST;
        if (ep->n == ep->cap) {
            int ncap = ep->cap ? ep->cap * 2 : 8;
            struct epitem *n = kmalloc(sizeof(*n) * (size_t)ncap);
            if (!n)
                return -ENOMEM;
            if (ep->n)
                al_memcpy(n, ep->items, sizeof(*n) * (size_t)ep->n);
            kfree(ep->items);
            ep->items = n;
            ep->cap = ncap;
        }
        /* last = 0: whatever is ready now is reported by the next wait, even with ET. */
        ep->items[ep->n++] = (struct epitem){tf, fd, current->proc->pid,
                                             ev.events | POLLERR | POLLHUP, ev.data, 0, -1,
                                             inet_is(tf) ? inet_edge_seq(tf) : 0};
        wake_all(); /* a thread may be waiting on this epoll */
        return 0;
    case EPOLL_CTL_DEL:
        if (i < 0)
            return -ENOENT;
        item_remove(ep, i);
        return 0;
    case EPOLL_CTL_MOD:
        if (i < 0)
            return -ENOENT;
        if (ep->items[i].events & EPOLLEXCLUSIVE)
            return -EINVAL;
        ep->items[i].events = ev.events | POLLERR | POLLHUP;
        ep->items[i].data = ev.data;
        ep->items[i].last = 0; /* re-armed: report current readiness again */
        wake_all();
        return 0;
    default:
        return -EINVAL;
    }
}

/* Dry-run scan for wait_event(): would a scan report anything now? */
static int any_ready(void *arg)
{
    return scan(arg, 0, 1) > 0;
}

/*
 * Ask the host, in one call, about every live armed entry whose readiness is the host's
 * (sockets, host streams), and keep the answers in the entries for the scan that follows.
 * With hp, also list their handles there (and reference their files in hf) for a sleep.
 * Returns how many there are, or -ENOMEM.
 */
static int host_scan(struct eventpoll *ep, struct pal_pollfd **php, struct file ***phf)
{
    prune(ep);
    int nh = 0;
    for (int i = 0; i < ep->n; i++) {
        struct epitem *it = &ep->items[i];
        it->hrev = -1;
        if ((it->events & EP_POLL_BITS) && file_host_poll_handle(it->file) != PAL_HANDLE_NONE)
            nh++;
    }
    if (!nh)
        return 0;
    nh = MIN(nh, PAL_POLL_MAX);
    struct pal_pollfd *hp = kmalloc(sizeof(*hp) * (size_t)nh);
    struct file **hf = kmalloc(sizeof(*hf) * (size_t)nh);
    int *idx = kmalloc(sizeof(*idx) * (size_t)nh);
    if (!hp || !hf || !idx) {
        kfree(hp);
        kfree(hf);
        kfree(idx);
        return -ENOMEM;
    }
    int k = 0;
    for (int i = 0; i < ep->n && k < nh; i++) {
        struct epitem *it = &ep->items[i];
        pal_handle_t h = file_host_poll_handle(it->file);
        if (!(it->events & EP_POLL_BITS) || h == PAL_HANDLE_NONE)
            continue;
        hp[k] = (struct pal_pollfd){h, (int16_t)((it->events & EP_POLL_BITS) | POLLERR | POLLHUP),
                                    0, 0};
        hf[k] = it->file;
        idx[k++] = i;
    }
    int r = pal_poll(hp, k, 0);
    for (int j = 0; j < k; j++)
        ep->items[idx[j]].hrev = r < 0 ? POLLERR : hp[j].revents;
    kfree(idx);
    if (php) {
        for (int j = 0; j < k; j++)
            file_get(hf[j]);
        *php = hp;
        *phf = hf;
    } else {
        kfree(hp);
        kfree(hf);
    }
    return k;
}

/* Forget the host answers of host_scan (later scans, e.g. a poll() of this epoll file,
 * ask ->poll again). */
static void host_forget(struct eventpoll *ep)
{
    for (int i = 0; i < ep->n; i++)
        ep->items[i].hrev = -1;
}

/* Nanoseconds on CLOCK_MONOTONIC, or -1 if the clock failed. */
static int64_t now_ns(void)
{
    int64_t s, ns;
    return pal_clock_get(CLOCK_MONOTONIC, &s, &ns) < 0 ? -1 : s * 1000000000 + ns;
}

/*
 * Wait on a referenced epoll file: ready events (count > 0), 0 on timeout (timeout_ns < 0
 * waits forever), -EINTR when a signal arrives first (epoll_wait is never restarted),
 * -EFAULT.  The core lock is dropped while sleeping: on the generation when every entry is
 * an enclave object, else in one host poll over the host handles, kicked by any change in
 * the enclave (its other entries, or this interest list).
 */
static long wait_loop(struct eventpoll *ep, uint64_t uevents, int max, int64_t timeout_ns)
{
    int64_t start = now_ns();
    if (start < 0)
        return -EIO;
    int64_t deadline = timeout_ns < 0 ? -1 : start + timeout_ns;
    for (;;) {
        struct pal_pollfd *hp = NULL;
        struct file **hf = NULL;
        current->wake_hint = 0; /* a timerfd's ->poll leaves its next expiry here */
        int nh = host_scan(ep, &hp, &hf);
        if (nh < 0)
            return nh;
        long r = scan(ep, uevents, max);
        host_forget(ep);
        if (r != 0 || timeout_ns == 0 || nh == 0) {
            for (int k = 0; k < nh; k++)
                file_put(hf[k]);
            kfree(hp);
            kfree(hf);
        }
        if (r != 0 || timeout_ns == 0)
            return r;
        signal_collect_host();
        if (signal_pending_unblocked())
            return -EINTR;
        if (nh == 0) {
            int w = wait_event(any_ready, ep, CLOCK_MONOTONIC, deadline);
            if (w == -ETIMEDOUT)
                return 0;
            if (w == -ERESTARTSYS)
                return -EINTR;
            if (w < 0)
                return w;
            continue;
        }
        int w = host_wait(hp, nh, 1, wait_hint_take(deadline));
        for (int k = 0; k < nh; k++)
            file_put(hf[k]);
        kfree(hp);
        kfree(hf);
        if (w == -ERESTARTSYS)
            return -EINTR;
        if (w < 0)
            return w;
        if (deadline >= 0 && now_ns() >= deadline) {
            /* One last look, as Linux reports what is ready at the timeout. */
            if (host_scan(ep, NULL, NULL) < 0)
                return -ENOMEM;
            r = scan(ep, uevents, max);
            host_forget(ep);
            return r;
        }
    }
}

/*
 * The common body of the epoll_wait family: checks the arguments in Linux's order
 * (-EINVAL, -EFAULT, -EBADF, -EINVAL for a non-epoll fd), then waits.
 */
static long do_wait(int epfd, uint64_t uevents, int max, int64_t timeout_ns)
{
    if (max <= 0 || max > EP_MAX_EVENTS)
        return -EINVAL;
    /* Linux only checks that the array lies below the user limit here; whether it is
     * mapped shows when an event is copied (nothing ready: no -EFAULT). */
    uint64_t end = uevents + (uint64_t)max * EP_EVENT_SIZE;
    if (end < uevents || end > boot_info->user_limit)
        return -EFAULT;
    struct file *epf = ep_fd(epfd);
    if (!epf)
        return -EBADF;
    if (!is_epoll(epf))
        return -EINVAL;
    /* Another thread may close epfd while this one sleeps. */
    file_get(epf);
    long r = wait_loop(epf->priv, uevents, max, timeout_ns);
    file_put(epf);
    return r;
}

SYS(epoll_wait)
{
    int ms = (int)a3;
    return do_wait((int)a0, (uint64_t)a1, (int)a2, ms < 0 ? -1 : (int64_t)ms * 1000000);
}

/* epoll_pwait/epoll_pwait2: the wait runs with *sigmask; the old mask returns afterwards
 * (after the handler when the wait was interrupted). */
static long wait_masked(long epfd, long uevents, long max, int64_t t, long umask, long size)
{
    uint64_t old = current->sigmask;
    if (umask) {
        uint64_t m;
        if ((size_t)size != 8)
            return -EINVAL;
        if (copy_from_user(&m, (uint64_t)umask, 8))
            return -EFAULT;
        current->sigmask = m & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
    }
    long r = do_wait((int)epfd, (uint64_t)uevents, (int)max, t);
    if (umask)
        signal_restore_mask_after(old, r);
    return r;
}

SYS(epoll_pwait)
{
    int ms = (int)a3;
    return wait_masked(a0, a1, a2, ms < 0 ? -1 : (int64_t)ms * 1000000, a4, a5);
}

SYS(epoll_pwait2)
{
    int64_t t = -1;
    if (a3) {
        struct linux_timespec ts;
        if (copy_from_user(&ts, (uint64_t)a3, sizeof(ts)))
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        t = ts.tv_sec > 9000000000 ? -1 : ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    return wait_masked(a0, a1, a2, t, a4, a5);
}
