/*
 * aio.c - Linux native AIO: io_setup, io_submit, io_getevents, io_pgetevents, io_cancel,
 * io_destroy.
 *
 * A context is what Linux's kioctx is: its id is the program address of an aio_ring header
 * followed by the completion ring, mapped (anonymous, read-write) into the program by
 * io_setup, because libaio reads completions from that ring in user space when head !=
 * tail.  The core writes each io_event, then (release order) the tail; it reads the head
 * from the ring (the program moves it) and masks it with nr, so a hostile head only
 * changes which slots are reported, never where the core writes.
 *
 * File operations (PREAD/PWRITE/PREADV/PWRITEV/FSYNC/FDSYNC) run synchronously at submit
 * time through the ordinary handlers (pread64, pwritev, fsync...), as Linux completes
 * buffered file I/O; their event is in the ring when io_submit returns.  IOCB_CMD_POLL is
 * one-shot and completes when the file becomes ready: pending polls are re-checked on
 * every wake-up of the core (the same readiness model as epoll.c: enclave objects call
 * wake_all(), host sockets are asked of the host), by a thread waiting in io_getevents or
 * at the next io_submit/io_getevents of the context.  A poll that becomes ready while no
 * thread of the program is in an io_* call shows up in the ring at the next such call,
 * not by itself (Linux's wait-queue callback writes it at once): the difference is the
 * one that libaio's user-space fast path could observe.
 *
 * Contexts are per process (Linux ties them to the mm): a forked child has none, exec and
 * exit end them.  Limits as Linux: nr_events 0 EINVAL, above 0x10000000/32 EINVAL, above
 * aio-max-nr (65536) EAGAIN.  Request slots: the ring's size minus one, EAGAIN past it.
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"
#include "net/net.h"
#include "kernel/syscall.h"

#define IOV_MAX 1024

#define AIO_RING_MAGIC 0xa10a10a1u
#define AIO_MAX_NR 65536u
#define KIOCB_KEY 0u
#define IOCB_FLAG_RESFD 1u
#define IOCB_FLAG_IOPRIO 2u
enum { CMD_PREAD = 0, CMD_PWRITE = 1, CMD_FSYNC = 2, CMD_FDSYNC = 3, CMD_POLL = 5,
       CMD_NOOP = 6, CMD_PREADV = 7, CMD_PWRITEV = 8 };
#define RWF_HIPRI 1
#define RWF_DSYNC 2
#define RWF_SYNC 4
#define RWF_NOWAIT 8
#define RWF_APPEND 0x10
#define RWF_NOAPPEND 0x20

/* The program's view (linux/aio_abi.h). */
struct aio_ring {
    uint32_t id, nr, head, tail, magic, compat_features, incompat_features, header_length;
};
struct io_event {
    uint64_t data, obj;
    int64_t res, res2;
};
struct iocb {
    uint64_t aio_data;
    uint32_t aio_key;
    int32_t aio_rw_flags;
    uint16_t aio_lio_opcode;
    int16_t aio_reqprio;
    uint32_t aio_fildes;
    uint64_t aio_buf, aio_nbytes;
    int64_t aio_offset;
    uint64_t aio_reserved2;
    uint32_t aio_flags, aio_resfd;
};

/* A pending IOCB_CMD_POLL: holds references on its file and eventfd. */
struct aio_poll {
    struct aio_poll *next;
    struct file *f, *efd;
    uint64_t obj, data;
    int events;
};

struct kioctx {
    struct kioctx *next;
    uint64_t ring;      /* program address of the aio_ring (the context id) */
    size_t ring_len;
    uint32_t nr;        /* ring slots */
    uint32_t tail;      /* the core's copy; the ring's is only written */
    uint32_t npolls;
    struct aio_poll *polls;
};

static struct kioctx *ctx_lookup(uint64_t id)
{
    for (struct kioctx *c = current->proc->aioctx; c; c = c->next)
        if (c->ring == id)
            return c;
    return NULL;
}

/* The ring's head as the program left it, reduced to a slot. */
static uint32_t ring_head(struct kioctx *c)
{
    uint32_t h = 0;
    if (copy_from_user(&h, c->ring + offsetof(struct aio_ring, head), 4))
        return c->tail; /* unreadable ring: treat as empty */
    return h % c->nr;
}

static uint32_t ring_used(struct kioctx *c)
{
    return (c->tail + c->nr - ring_head(c)) % c->nr;
}

/* Post one completion (and signal its eventfd).  Slots were reserved at submit. */
static void aio_complete(struct kioctx *c, uint64_t obj, uint64_t data, int64_t res,
                         struct file *efd)
{
    struct io_event ev = {data, obj, res, 0};
    uint32_t t = c->tail;
    if (copy_to_user(c->ring + sizeof(struct aio_ring) + (uint64_t)t * sizeof(ev), &ev, sizeof(ev)))
        return; /* the program unmapped its ring: the event is lost, as its memory is */
    t = (t + 1) % c->nr;
    c->tail = t;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the event before the tail that shows it */
    IGNORE(copy_to_user(c->ring + offsetof(struct aio_ring, tail), &t, 4));
    if (efd)
        eventfd_add(efd, 1);
    wake_all();
}

static void poll_free(struct aio_poll *p)
{
    file_put(p->f);
    if (p->efd)
        file_put(p->efd);
    kfree(p);
}

/* Readiness of one pending poll, without blocking. */
static int poll_ready(struct aio_poll *p)
{
    pal_handle_t h = file_host_poll_handle(p->f);
    int ev = p->events | POLLERR | POLLHUP;
    if (h != PAL_HANDLE_NONE) {
        struct pal_pollfd pf = {h, (int16_t)ev, 0, 0};
        return pal_poll(&pf, 1, 0) > 0 ? pf.revents & ev : 0;
    }
    int r = p->f->ops->poll ? p->f->ops->poll(p->f, ev) : (ev & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM));
    return r & ev;
}

/* Complete every pending poll of c that is ready now. */
static void polls_scan(struct kioctx *c)
{
    for (struct aio_poll **pp = &c->polls; *pp;) {
        struct aio_poll *p = *pp;
        int m = poll_ready(p);
        if (!m) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        c->npolls--;
        /* Linux completes a deferred poll from the wake-up, with the waker's whole mask:
         * the NORM bits come with IN/OUT (a pipe writer wakes with POLLIN|POLLRDNORM). */
        if (m & POLLIN)
            m |= POLLRDNORM;
        if (m & POLLOUT)
            m |= POLLWRNORM;
        aio_complete(c, p->obj, p->data, m, p->efd);
        poll_free(p);
    }
}

static void ctx_free(struct kioctx *c)
{
    while (c->polls) {
        struct aio_poll *p = c->polls;
        c->polls = p->next;
        poll_free(p);
    }
    kfree(c);
}

void aio_exit_all(struct process *p)
{
    while (p->aioctx) {
        struct kioctx *c = p->aioctx;
        p->aioctx = c->next;
        ctx_free(c);
    }
}

void aio_fork_child(struct process *c)
{
    c->aioctx = NULL; /* Linux maps the ring VM_DONTCOPY: the child has no context */
}

/* io_setup(nr_events, ctxp): *ctxp must be 0; maps the ring and stores its address. */
SYS(io_setup)
{
    unsigned nr_events = (unsigned)a0;
    uint64_t uctx = (uint64_t)a1, old;
    if (copy_from_user(&old, uctx, 8))
        return -EFAULT;
    if (old || !nr_events)
        return -EINVAL;
    if (nr_events > 0x10000000u / sizeof(struct io_event))
        return -EINVAL;
    if (nr_events > AIO_MAX_NR)
        return -EAGAIN;
    /* Linux's sizing: room for max(nr, 4 per CPU) * 2 events, rounded up to pages. */
    uint64_t n = nr_events;
    if (n < (uint64_t)boot_info->ncpus * 4)
        n = (uint64_t)boot_info->ncpus * 4;
    n *= 2;
    size_t len = PAGE_UP(sizeof(struct aio_ring) + n * sizeof(struct io_event));
    struct kioctx *c = kzalloc(sizeof(*c));
    if (!c)
        return -ENOMEM;
    long addr = sys_mmap(0, (long)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (addr < 0) {
        kfree(c);
        return addr == -ENOMEM ? -EAGAIN : addr;
    }
    c->ring = (uint64_t)addr;
    c->ring_len = len;
    c->nr = (uint32_t)((len - sizeof(struct aio_ring)) / sizeof(struct io_event));
    struct aio_ring hdr = {0, c->nr, 0, 0, AIO_RING_MAGIC, 1, 0, sizeof(struct aio_ring)};
    if (copy_to_user(c->ring, &hdr, sizeof(hdr)) || copy_to_user(uctx, &c->ring, 8)) {
        IGNORE(sys_munmap(addr, (long)len, 0, 0, 0, 0));
        kfree(c);
        return -EFAULT;
    }
    c->next = current->proc->aioctx;
    current->proc->aioctx = c;
    return 0;
}

/* The fd of a read/write iocb checked as Linux's aio_read/aio_write do. */
static long rw_check(struct file *f, const struct iocb *cb, int writing)
{
    int fl = cb->aio_rw_flags;
    if (fl & ~(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND))
        return -EOPNOTSUPP;
    if ((fl & RWF_NOWAIT) && !S_ISREG(f->mode))
        return -EOPNOTSUPP;
    int acc = f->flags & O_ACCMODE;
    if (writing ? acc == O_RDONLY : acc == O_WRONLY)
        return -EBADF;
    if (writing ? !f->ops->write : !f->ops->read)
        return -EINVAL;
    if (cb->aio_lio_opcode == CMD_PREAD || cb->aio_lio_opcode == CMD_PWRITE) {
        if (!access_ok(cb->aio_buf, cb->aio_nbytes))
            return -EFAULT;
    } else if (cb->aio_nbytes > IOV_MAX) {
        return -EINVAL;
    } else if (!access_ok(cb->aio_buf, cb->aio_nbytes * 16)) {
        return -EFAULT;
    }
    if (cb->aio_offset < 0 && f->ops->seekable)
        return -EINVAL;
    return 0;
}

/* Run a checked read/write: the event's res. */
static int64_t rw_run(struct file *f, const struct iocb *cb, int writing)
{
    long fd = (long)cb->aio_fildes;
    int64_t off = cb->aio_offset;
    if (writing && (cb->aio_rw_flags & RWF_APPEND)) {
        struct pal_stat st;
        if (f->ops->stat && f->ops->stat(f, &st) == 0)
            off = st.size;
    }
    long r;
    int vec = cb->aio_lio_opcode == CMD_PREADV || cb->aio_lio_opcode == CMD_PWRITEV;
    if (vec)
        r = writing ? sys_pwritev(fd, (long)cb->aio_buf, (long)cb->aio_nbytes, off, 0, 0)
                    : sys_preadv(fd, (long)cb->aio_buf, (long)cb->aio_nbytes, off, 0, 0);
    else
        r = writing ? sys_pwrite64(fd, (long)cb->aio_buf, (long)cb->aio_nbytes, off, 0, 0)
                    : sys_pread64(fd, (long)cb->aio_buf, (long)cb->aio_nbytes, off, 0, 0);
    if (r >= 0 && writing && (cb->aio_rw_flags & (RWF_DSYNC | RWF_SYNC)) && f->ops->fsync) {
        int s = f->ops->fsync(f, !(cb->aio_rw_flags & RWF_SYNC));
        if (s < 0)
            r = s;
    }
    return r == -ERESTARTSYS ? -EINTR : r;
}

/* One iocb, in Linux's order of checks (io_submit_one/__io_submit_one). */
static long submit_one(struct kioctx *c, uint64_t ucb)
{
    struct iocb cb;
    if (copy_from_user(&cb, ucb, sizeof(cb)))
        return -EFAULT;
    if (cb.aio_reserved2)
        return -EINVAL;
    if ((int64_t)cb.aio_nbytes < 0)
        return -EINVAL;
    /* a slot for the completion: the ring keeps one empty */
    if (ring_used(c) + c->npolls + 1 >= c->nr)
        return -EAGAIN;
    struct file *f = fd_get((int)cb.aio_fildes);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    struct file *efd = NULL;
    if (cb.aio_flags & IOCB_FLAG_RESFD) {
        efd = fd_get((int)cb.aio_resfd);
        if (!efd)
            return -EBADF;
        if (!eventfd_is(efd))
            return -EINVAL;
    }
    uint32_t key = KIOCB_KEY;
    if (copy_to_user(ucb + offsetof(struct iocb, aio_key), &key, 4))
        return -EFAULT;
    int64_t res;
    long r;
    switch (cb.aio_lio_opcode) {
    case CMD_PREAD:
    case CMD_PREADV:
    case CMD_PWRITE:
    case CMD_PWRITEV: {
        int writing = cb.aio_lio_opcode == CMD_PWRITE || cb.aio_lio_opcode == CMD_PWRITEV;
        if ((r = rw_check(f, &cb, writing)) < 0)
            return r;
        f = file_get(f); /* the transfer may drop the lock */
        res = rw_run(f, &cb, writing);
        file_put(f);
        break;
    }
    case CMD_FSYNC:
    case CMD_FDSYNC:
        if (cb.aio_buf || cb.aio_offset || cb.aio_nbytes || cb.aio_rw_flags)
            return -EINVAL;
        if (!f->ops->fsync)
            return -EINVAL;
        res = f->ops->fsync(f, cb.aio_lio_opcode == CMD_FDSYNC);
        break;
    case CMD_POLL: {
        if ((uint16_t)cb.aio_buf != cb.aio_buf)
            return -EINVAL;
        if (cb.aio_offset || cb.aio_nbytes || cb.aio_rw_flags)
            return -EINVAL;
        struct aio_poll *p = kzalloc(sizeof(*p));
        if (!p)
            return -ENOMEM;
        p->f = file_get(f);
        p->efd = efd ? file_get(efd) : NULL;
        p->obj = ucb;
        p->data = cb.aio_data;
        p->events = (int)cb.aio_buf;
        int m = poll_ready(p);
        if (m) {
            aio_complete(c, ucb, cb.aio_data, m, efd);
            poll_free(p);
        } else {
            p->next = c->polls;
            c->polls = p;
            c->npolls++;
        }
        return 0;
    }
    default:
        return -EINVAL;
    }
    aio_complete(c, ucb, cb.aio_data, res, efd);
    return 0;
}

/* io_submit(ctx, nr, iocbpp): the number submitted, or the first iocb's error. */
SYS(io_submit)
{
    long nr = a1;
    uint64_t upp = (uint64_t)a2;
    if (nr < 0)
        return -EINVAL;
    struct kioctx *c = ctx_lookup((uint64_t)a0);
    if (!c)
        return -EINVAL;
    if (nr > (long)c->nr)
        nr = c->nr;
    long i;
    for (i = 0; i < nr; i++) {
        uint64_t ucb;
        long r = copy_from_user(&ucb, upp + (uint64_t)i * 8, 8) ? -EFAULT : 0;
        if (r == 0)
            r = submit_one(c, ucb);
        if (r < 0)
            return i ? i : r;
        /* the context may have been destroyed by another thread while a transfer slept */
        if (ctx_lookup((uint64_t)a0) != c)
            return i + 1;
    }
    return i;
}

struct ev_wait {
    struct kioctx *c;
    uint64_t id;
    long min;
};

/* Wait condition: enough events, or the context went away.  Re-checks pending polls. */
static int ev_enough(void *arg)
{
    struct ev_wait *w = arg;
    if (ctx_lookup(w->id) != w->c)
        return 1;
    polls_scan(w->c);
    return (long)ring_used(w->c) >= w->min;
}

/* Copy up to nr events from the ring to the program and move the head. */
static long take_events(struct kioctx *c, long nr, uint64_t uev)
{
    long got = 0;
    uint32_t h = ring_head(c);
    while (got < nr && h != c->tail) {
        struct io_event ev;
        if (copy_from_user(&ev, c->ring + sizeof(struct aio_ring) + (uint64_t)h * sizeof(ev), sizeof(ev)))
            break;
        if (copy_to_user(uev + (uint64_t)got * sizeof(ev), &ev, sizeof(ev)))
            return got ? got : -EFAULT;
        got++;
        h = (h + 1) % c->nr;
        IGNORE(copy_to_user(c->ring + offsetof(struct aio_ring, head), &h, 4));
    }
    return got;
}

static long do_getevents(uint64_t id, long min_nr, long nr, uint64_t uev, int has_ts,
                         struct linux_timespec *ts)
{
    struct kioctx *c = ctx_lookup(id);
    if (!c || min_nr > nr || min_nr < 0 || nr < 0)
        return -EINVAL;
    struct ev_wait w = {c, id, min_nr};
    int64_t deadline = -1;
    if (has_ts) {
        int64_t t = ts->tv_sec * 1000000000 + ts->tv_nsec;
        deadline = net_now_ns() + (t > 0 ? t : 0);
    }
    int r = 0;
    if (!ev_enough(&w) && !(has_ts && deadline <= net_now_ns()))
        r = wait_event(ev_enough, &w, CLOCK_MONOTONIC, deadline);
    if (ctx_lookup(id) != c)
        return -EINVAL;
    long got = take_events(c, nr, uev);
    if (got == 0 && r == -ERESTARTSYS)
        return -EINTR;
    return got;
}

SYS(io_getevents)
{
    struct linux_timespec ts;
    if (a4 && copy_from_user(&ts, (uint64_t)a4, sizeof(ts)))
        return -EFAULT;
    return do_getevents((uint64_t)a0, a1, a2, (uint64_t)a3, a4 != 0, &ts);
}

/* io_pgetevents: io_getevents with a signal mask for the wait ({mask pointer, size}). */
SYS(io_pgetevents)
{
    struct linux_timespec ts;
    struct {
        uint64_t mask, size;
    } us = {0, 0};
    if (a4 && copy_from_user(&ts, (uint64_t)a4, sizeof(ts)))
        return -EFAULT;
    if (a5 && copy_from_user(&us, (uint64_t)a5, sizeof(us)))
        return -EFAULT;
    uint64_t old = current->sigmask, m;
    if (us.mask) {
        if (us.size != 8)
            return -EINVAL;
        if (copy_from_user(&m, us.mask, 8))
            return -EFAULT;
        current->sigmask = m & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
    }
    long r = do_getevents((uint64_t)a0, a1, a2, (uint64_t)a3, a4 != 0, &ts);
    if (us.mask) {
        if (r == -EINTR)
            r = -ERESTARTNOHAND;
        signal_restore_mask_after(old, r);
        if (r == -ERESTARTNOHAND)
            r = -EINTR;
    }
    return r;
}

/* io_cancel(ctx, iocb, result): only pending polls can be cancelled (as in Linux, where
 * only poll requests have a cancel method); they complete with res 0 and the call says
 * -EINPROGRESS.  Anything else, completed ones included, is -EINVAL. */
SYS(io_cancel)
{
    uint64_t ucb = (uint64_t)a1;
    uint32_t key;
    if (copy_from_user(&key, ucb + offsetof(struct iocb, aio_key), 4))
        return -EFAULT;
    if (key != KIOCB_KEY)
        return -EINVAL;
    struct kioctx *c = ctx_lookup((uint64_t)a0);
    if (!c)
        return -EINVAL;
    for (struct aio_poll **pp = &c->polls; *pp; pp = &(*pp)->next) {
        struct aio_poll *p = *pp;
        if (p->obj != ucb)
            continue;
        *pp = p->next;
        c->npolls--;
        aio_complete(c, p->obj, p->data, 0, p->efd);
        poll_free(p);
        return -EINPROGRESS;
    }
    return -EINVAL;
}

/* io_destroy(ctx): cancels pending polls, unmaps the ring, forgets the context. */
SYS(io_destroy)
{
    struct kioctx **cp = &current->proc->aioctx;
    while (*cp && (*cp)->ring != (uint64_t)a0)
        cp = &(*cp)->next;
    struct kioctx *c = *cp;
    if (!c)
        return -EINVAL;
    *cp = c->next;
    IGNORE(sys_munmap((long)c->ring, (long)c->ring_len, 0, 0, 0, 0));
    ctx_free(c);
    wake_all(); /* waiters in io_getevents see it gone */
    return 0;
}
