/*
 * io_uring.c - io_uring_setup, io_uring_enter, io_uring_register: a subset served by the
 * LibOS with the rings in program memory.
 *
 * The rings live in a shareable memory object (pal_mem_*): offset 0 holds the SQ and CQ
 * ring headers, the CQEs and the SQ index array (one mapping serves IORING_OFF_SQ_RING and
 * IORING_OFF_CQ_RING: IORING_FEAT_SINGLE_MMAP), offset IORING_OFF_SQES the SQE array.  The
 * program maps them through mmap() of the ring fd (file_ops.mmap); the core keeps its own
 * view of both, mapped once at setup in the program's address space (tracked, so nothing
 * else lands there), and touches it only through copy_from_user/copy_to_user: the program
 * may unmap or scribble on it, which costs it its completions, never the core.  Everything
 * read from the rings is distrusted: the SQ tail is taken once per enter, each index is
 * checked against sq_entries (bad ones count in sq_dropped, as Linux does), each SQE is
 * copied once and its fields checked, and the CQ head is masked.  Stores of CQEs come
 * before the release store of the CQ tail; the SQ head is stored with release after the
 * SQEs are consumed, as the kernel orders them.
 *
 * Opcodes: NOP, READ/WRITE(V), READ/WRITE_FIXED, FSYNC, CLOSE, POLL_ADD/POLL_REMOVE,
 * TIMEOUT/TIMEOUT_REMOVE (and its UPDATE), SEND/RECV, SENDMSG/RECVMSG, ACCEPT, CONNECT,
 * OPENAT, STATX, ASYNC_CANCEL (by user_data, ALL, ANY, FD) and LINK_TIMEOUT.  Each request
 * reuses the system call's own code: OPENAT/STATX call sys_openat/sys_statx, the socket
 * requests net/'s sock_*_file entry points (AF_INET/AF_INET6 and AF_UNIX alike, on a file
 * rather than an fd, so registered files work too).  A request on a socket or stream is
 * first tried with O_NONBLOCK set on its file for the attempt (under the core lock, which
 * a non-blocking attempt never drops, so no other thread sees the flag); one that would
 * block is kept pending with the readiness it waits for, and completed when a re-check
 * after a wake-up finds it ready and a new attempt succeeds (the epoll.c model: enclave
 * objects call wake_all(), host handles are watched by host_wait with the lock dropped)
 * by a thread waiting in io_uring_enter(GETEVENTS), or at the next enter.  CONNECT keeps
 * its handshake state: the attempt after POLLOUT gives the outcome.  Regular files are
 * served at once.  Unknown opcodes complete with -EINVAL, as a kernel that lacks them
 * does, and IORING_REGISTER_PROBE lists what is served.
 *
 * Links: the SQEs of an IOSQE_IO_LINK chain are gathered and run in order; a request left
 * pending carries the rest of its chain (and its LINK_TIMEOUT, the SQE right after it)
 * and runs it when it completes.  A failure (res < 0, or a short READ/WRITE(_FIXED))
 * completes the rest with -ECANCELED unless IOSQE_IO_HARDLINK.  A LINK_TIMEOUT that fires
 * first cancels its request (-ECANCELED) and completes with -ETIME; one whose request
 * completes first gets -ECANCELED.  ASYNC_CANCEL completes its targets with -ECANCELED
 * and answers 0 (the count with ALL/ANY), -ENOENT, or -EALREADY for a request whose
 * attempt is under way.  CQEs that find the CQ full wait on an overflow list
 * (IORING_FEAT_NODROP, IORING_SQ_CQ_OVERFLOW) and submission answers -EBUSY meanwhile.
 *
 * Not done: SQPOLL (refused with -EPERM: no kernel thread to poll the ring), IOPOLL,
 * SQE128/CQE32, R_DISABLED (-EINVAL), IOSQE_BUFFER_SELECT, IO_DRAIN ordering (accepted,
 * not enforced), multishot accept/recv and direct descriptors (file_index: -EINVAL),
 * TIMEOUT clock flags, registered files beyond the table.  A request failing its
 * argument checks ends the batch (as Linux's prep failures do) only when it ends its
 * chain; path and message-header faults found later than Linux's prep do not.  Other opcodes (SPLICE, PROVIDE_BUFFERS,
 * FALLOCATE, ...) answer -EINVAL.
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"
#include "net/net.h"
#include "mm/mm.h"
#include "kernel/syscall.h"

#define OFF_SQ_RING 0ull
#define OFF_CQ_RING 0x8000000ull
#define OFF_SQES 0x10000000ull
#define MAX_ENTRIES 32768u
#define MAX_CQ_ENTRIES (2 * MAX_ENTRIES)

/* setup flags */
#define SETUP_IOPOLL 1u
#define SETUP_SQPOLL 2u
#define SETUP_SQ_AFF 4u
#define SETUP_CQSIZE 8u
#define SETUP_CLAMP 16u
#define SETUP_ATTACH_WQ 32u
#define SETUP_R_DISABLED 64u
#define SETUP_SUBMIT_ALL 128u
#define SETUP_COOP_TASKRUN 256u
#define SETUP_TASKRUN_FLAG 512u
#define SETUP_SQE128 1024u
#define SETUP_CQE32 2048u
#define SETUP_SINGLE_ISSUER 4096u
#define SETUP_DEFER_TASKRUN 8192u
#define SETUP_KNOWN 0x3fffu
/* features reported */
#define FEAT_SINGLE_MMAP 1u
#define FEAT_NODROP 2u
#define FEAT_SUBMIT_STABLE 4u
#define FEAT_RW_CUR_POS 8u
#define FEAT_EXT_ARG 0x100u
/* enter flags */
#define ENTER_GETEVENTS 1u
#define ENTER_SQ_WAKEUP 2u
#define ENTER_SQ_WAIT 4u
#define ENTER_EXT_ARG 8u
/* sqe flags */
#define SQE_FIXED_FILE 1u
#define SQE_IO_DRAIN 2u
#define SQE_IO_LINK 4u
#define SQE_IO_HARDLINK 8u
#define SQE_ASYNC 16u
#define SQE_KNOWN (SQE_FIXED_FILE | SQE_IO_DRAIN | SQE_IO_LINK | SQE_IO_HARDLINK | SQE_ASYNC)

enum { OP_NOP = 0, OP_READV = 1, OP_WRITEV = 2, OP_FSYNC = 3, OP_READ_FIXED = 4,
       OP_WRITE_FIXED = 5, OP_POLL_ADD = 6, OP_POLL_REMOVE = 7, OP_SENDMSG = 9, OP_RECVMSG = 10,
       OP_TIMEOUT = 11, OP_TIMEOUT_REMOVE = 12, OP_ACCEPT = 13, OP_ASYNC_CANCEL = 14,
       OP_LINK_TIMEOUT = 15, OP_CONNECT = 16, OP_OPENAT = 18, OP_CLOSE = 19, OP_STATX = 21,
       OP_READ = 22, OP_WRITE = 23, OP_SEND = 26, OP_RECV = 27, OP_LAST = 58 };
#define TIMEOUT_ABS 1u
#define TIMEOUT_UPDATE 2u
/* ASYNC_CANCEL flags */
#define CANCEL_ALL 1u
#define CANCEL_FD 2u
#define CANCEL_ANY 4u
#define CANCEL_FD_FIXED 8u
/* send/recv ioprio flags */
#define RECVSEND_POLL_FIRST 1u
#define MSG_DONTWAIT 0x40
#define MSG_NOSIGNAL 0x4000

struct sqe {
    uint8_t opcode, flags;
    uint16_t ioprio;
    int32_t fd;
    uint64_t off, addr;
    uint32_t len, op_flags;
    uint64_t user_data;
    uint16_t buf_index, personality;
    int32_t file_index;
    uint64_t addr3, pad;
};
struct cqe {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
};
struct sqring_offsets {
    uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1;
    uint64_t user_addr;
};
struct cqring_offsets {
    uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1;
    uint64_t user_addr;
};
struct uring_params {
    uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd,
        resv[3];
    struct sqring_offsets sq_off;
    struct cqring_offsets cq_off;
};

/* Layout of the ring area (offsets in the object and in each mapping of it). */
#define R_SQ_HEAD 0
#define R_SQ_TAIL 4
#define R_CQ_HEAD 64
#define R_CQ_TAIL 68
#define R_SQ_MASK 128
#define R_CQ_MASK 132
#define R_SQ_ENTRIES 136
#define R_CQ_ENTRIES 140
#define R_SQ_DROPPED 144
#define R_SQ_FLAGS 148
#define R_CQ_FLAGS 152
#define R_CQ_OVERFLOW 156
#define R_CQES 192

/* A LINK_TIMEOUT guarding the request before it in a chain. */
struct ltimeout {
    int on;
    uint64_t data;      /* its user_data */
    int64_t deadline;   /* CLOCK_MONOTONIC ns */
};

/* An operation waiting for readiness or time, with what hangs on it. */
struct pend {
    struct pend *next;
    struct sqe s;
    struct file *f;     /* referenced; NULL for TIMEOUT */
    int events;         /* the readiness wanted before the next attempt */
    int64_t deadline;   /* TIMEOUT: CLOCK_MONOTONIC ns */
    uint64_t target;    /* TIMEOUT with a count: completions to reach */
    int busy;           /* being attempted (the lock may be dropped): ASYNC_CANCEL -EALREADY */
    int connecting;     /* CONNECT: the handshake is under way */
    uint32_t seen;      /* the scan pass that last looked at it */
    struct ltimeout lt;
    struct sqe *chain;  /* the linked requests to run after it (kmalloc'd), nchain of them */
    uint32_t nchain;
};

/* A CQE that found the CQ full (IORING_FEAT_NODROP): posted when room appears. */
struct ovf {
    struct ovf *next;
    uint64_t data;
    int32_t res;
};

struct uring {
    uint64_t mem;           /* the pal_mem object */
    uint64_t kring, ksqes;  /* the core's views (program addresses) */
    size_t ring_len, sqes_len;
    uint32_t sq_entries, cq_entries, flags;
    uint32_t sq_head, cq_tail, dropped;
    uint64_t completed;     /* CQEs posted, ever (TIMEOUT counts) */
    struct file *efd;       /* IORING_REGISTER_EVENTFD */
    struct linux_iovec *bufs;
    uint32_t nbufs;
    struct file **files;
    uint32_t nfiles;
    struct pend *pend;
    struct ovf *ovf, **ovf_tail;
    uint32_t scan_gen;
    int prep_err;           /* the request just run failed its argument checks */
    struct process *owner;
};

static const struct file_ops uring_ops;

static int ring_get32(struct uring *u, uint32_t off, uint32_t *v)
{
    if (copy_from_user(v, u->kring + off, 4))
        return -EFAULT;
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* what the value publishes is read after it */
    return 0;
}

static void ring_put32(struct uring *u, uint32_t off, uint32_t v)
{
    __atomic_thread_fence(__ATOMIC_RELEASE); /* what the value publishes is written first */
    IGNORE(copy_to_user(u->kring + off, &v, 4));
}

static uint32_t cq_ready(struct uring *u)
{
    uint32_t h;
    if (ring_get32(u, R_CQ_HEAD, &h) < 0)
        return 0;
    uint32_t n = u->cq_tail - h;
    return n > u->cq_entries ? u->cq_entries : n; /* a hostile head: clamp */
}

static int cq_full(struct uring *u)
{
    return cq_ready(u) >= u->cq_entries;
}

static void cqe_store(struct uring *u, uint64_t data, int32_t res)
{
    struct cqe c = {data, res, 0};
    uint32_t slot = u->cq_tail & (u->cq_entries - 1);
    IGNORE(copy_to_user(u->kring + R_CQES + (uint64_t)slot * sizeof(c), &c, sizeof(c)));
    u->cq_tail++;
    ring_put32(u, R_CQ_TAIL, u->cq_tail);
}

#define SQ_CQ_OVERFLOW 2u /* IORING_SQ_CQ_OVERFLOW in the SQ ring's flags */

/* CQEs kept back for want of room go out, oldest first, as far as room allows. */
static void ovf_flush(struct uring *u)
{
    if (!u->ovf)
        return;
    while (u->ovf && !cq_full(u)) {
        struct ovf *o = u->ovf;
        u->ovf = o->next;
        cqe_store(u, o->data, o->res);
        kfree(o);
    }
    if (!u->ovf)
        u->ovf_tail = &u->ovf;
    ring_put32(u, R_SQ_FLAGS, u->ovf ? SQ_CQ_OVERFLOW : 0);
    wake_all();
}

/* Post a CQE; with the CQ full (or older CQEs waiting) it queues behind them, as Linux's
 * overflow list does (IORING_FEAT_NODROP), unless memory runs out (then sq_dropped's
 * neighbour, the CQ overflow counter, tells the loss). */
static void post(struct uring *u, uint64_t data, int32_t res)
{
    u->completed++;
    if (u->ovf || cq_full(u)) {
        struct ovf *o = kzalloc(sizeof(*o));
        if (!o) {
            uint32_t n = 0;
            IGNORE(ring_get32(u, R_CQ_OVERFLOW, &n));
            ring_put32(u, R_CQ_OVERFLOW, n + 1);
            return;
        }
        o->data = data, o->res = res;
        if (!u->ovf_tail)
            u->ovf_tail = &u->ovf;
        *u->ovf_tail = o;
        u->ovf_tail = &o->next;
        ring_put32(u, R_SQ_FLAGS, SQ_CQ_OVERFLOW);
    } else {
        cqe_store(u, data, res);
    }
    if (u->efd)
        eventfd_add(u->efd, 1);
    wake_all();
}

static struct file *op_file(struct uring *u, const struct sqe *s)
{
    if (s->flags & SQE_FIXED_FILE)
        return (uint32_t)s->fd < u->nfiles ? u->files[s->fd] : NULL;
    return fd_get(s->fd);
}

static int readiness(struct file *f, int ev)
{
    ev |= POLLERR | POLLHUP;
    pal_handle_t h = file_host_poll_handle(f);
    if (h != PAL_HANDLE_NONE) {
        struct pal_pollfd pf = {h, (int16_t)ev, 0, 0};
        return pal_poll(&pf, 1, 0) > 0 ? pf.revents & ev : 0;
    }
    int r = f->ops->poll ? f->ops->poll(f, ev) : (ev & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM));
    return r & ev;
}

/* READ/WRITE(V)/_FIXED on a checked file: the CQE's res.  Runs the ordinary handlers on a
 * temporary fd-free path: the file is given by pointer (fixed files have no fd). */
static int32_t do_rw(struct uring *u, const struct sqe *s, struct file *f)
{
    int op = s->opcode;
    int writing = op == OP_WRITEV || op == OP_WRITE || op == OP_WRITE_FIXED;
    int acc = f->flags & O_ACCMODE;
    if ((f->flags & O_PATH) || (writing ? acc == O_RDONLY : acc == O_WRONLY))
        return -EBADF;
    if (writing ? !f->ops->write : !f->ops->read)
        return -EINVAL;
    if (s->op_flags & ~0x3fu) /* RWF_* known to preadv2 */
        return -EOPNOTSUPP;
    int64_t pos, *pp;
    if ((int64_t)s->off == -1 || !f->ops->seekable) {
        pp = f->ops->seekable ? &f->pos : NULL; /* IORING_FEAT_RW_CUR_POS */
    } else {
        if ((int64_t)s->off < 0)
            return -EINVAL;
        pos = (int64_t)s->off;
        pp = &pos;
    }
    if (op == OP_READV || op == OP_WRITEV) {
        if (s->len > 1024)
            return -EINVAL;
        struct linux_iovec iov;
        long total = 0;
        for (uint32_t i = 0; i < s->len; i++) {
            if (copy_from_user(&iov, s->addr + (uint64_t)i * sizeof(iov), sizeof(iov)))
                return total ? (int32_t)total : -EFAULT;
            if ((int64_t)iov.len < 0)
                return -EINVAL;
            if (!access_ok(iov.base, iov.len))
                return total ? (int32_t)total : -EFAULT;
            long r = writing ? f->ops->write(f, (const void *)iov.base, iov.len, pp, 0)
                             : f->ops->read(f, (void *)iov.base, iov.len, pp, 0);
            if (r < 0)
                return total ? (int32_t)total : (int32_t)r;
            total += r;
            if ((uint64_t)r < iov.len)
                break;
        }
        return (int32_t)total;
    }
    if (op == OP_READ_FIXED || op == OP_WRITE_FIXED) {
        if (s->buf_index >= u->nbufs)
            return -EFAULT;
        struct linux_iovec *b = &u->bufs[s->buf_index];
        if (s->addr < b->base || s->addr + s->len < s->addr || s->addr + s->len > b->base + b->len)
            return -EFAULT;
    }
    size_t n = s->len > 0x7ffff000u ? 0x7ffff000u : s->len;
    if (!access_ok(s->addr, n))
        return -EFAULT;
    long r = writing ? f->ops->write(f, (const void *)s->addr, n, pp, 0)
                     : f->ops->read(f, (void *)s->addr, n, pp, 0);
    return (int32_t)(r == -ERESTARTSYS ? -EINTR : r);
}

static int is_rw(int op)
{
    return op == OP_READV || op == OP_WRITEV || op == OP_READ || op == OP_WRITE ||
           op == OP_READ_FIXED || op == OP_WRITE_FIXED;
}

static int is_sock(int op)
{
    return op == OP_SEND || op == OP_RECV || op == OP_SENDMSG || op == OP_RECVMSG ||
           op == OP_ACCEPT || op == OP_CONNECT;
}

static int is_writing(int op)
{
    return op == OP_WRITEV || op == OP_WRITE || op == OP_WRITE_FIXED || op == OP_SEND ||
           op == OP_SENDMSG || op == OP_CONNECT;
}

/* Does a completion with res sever the chain after it?  A failure does, and so does a short
 * READ/WRITE(_FIXED), as in Linux (the request asked for len bytes). */
static int fails_link(const struct sqe *s, int32_t res)
{
    if (res < 0)
        return 1;
    int op = s->opcode;
    return (op == OP_READ || op == OP_WRITE || op == OP_READ_FIXED || op == OP_WRITE_FIXED) &&
           (uint32_t)res != s->len;
}

static void pend_free(struct pend *p)
{
    if (p->f)
        file_put(p->f);
    kfree(p->chain);
    kfree(p);
}

static int pend_add(struct uring *u, const struct sqe *s, struct file *f, int events,
                    int64_t deadline, uint64_t target, const struct sqe *chain, uint32_t nchain,
                    const struct ltimeout *lt)
{
    struct pend *p = kzalloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    if (nchain) {
        p->chain = kmalloc(sizeof(*chain) * nchain);
        if (!p->chain) {
            kfree(p);
            return -ENOMEM;
        }
        al_memcpy(p->chain, chain, sizeof(*chain) * nchain);
        p->nchain = nchain;
    }
    p->s = *s;
    p->f = f ? file_get(f) : NULL;
    p->events = events;
    p->deadline = deadline;
    p->target = target;
    if (lt)
        p->lt = *lt;
    p->next = u->pend;
    u->pend = p;
    return 0;
}

static void chain_run(struct uring *u, const struct sqe *c, uint32_t n);

/* Every request of a severed chain completes with -ECANCELED. */
static void chain_cancel(struct uring *u, const struct sqe *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        post(u, c[i].user_data, -ECANCELED);
}

/* p completes with res (its link timeout, if any, with lt_res): off the list, its CQEs
 * posted, then the rest of its chain run or cancelled. */
static void pend_finish(struct uring *u, struct pend *p, int32_t res, int32_t lt_res)
{
    for (struct pend **pp = &u->pend; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    post(u, p->s.user_data, res);
    if (p->lt.on)
        post(u, p->lt.data, lt_res);
    if (p->nchain) {
        if (fails_link(&p->s, res) && !(p->s.flags & SQE_IO_HARDLINK))
            chain_cancel(u, p->chain, p->nchain);
        else
            chain_run(u, p->chain, p->nchain);
    }
    pend_free(p);
}

/* Sockets and streams are tried with O_NONBLOCK set for the attempt (under the lock, and a
 * non-blocking attempt never drops it): the one socket code path serves both the system
 * calls and the ring, and an attempt that would block says -EAGAIN instead. */
static int nb_on(struct file *f)
{
    int old = f->flags & O_NONBLOCK;
    f->flags |= O_NONBLOCK;
    return old;
}

static void nb_off(struct file *f, int old)
{
    f->flags = (f->flags & ~O_NONBLOCK) | old;
}

#define WOULD_WAIT (-0x10000) /* internal: not ready, wait for *ev */

/* One non-blocking attempt of a socket or stream operation on f: the CQE's res, or
 * WOULD_WAIT with *ev the readiness to wait for.  *connecting: CONNECT's state. */
static int32_t try_op(struct uring *u, const struct sqe *s, struct file *f, int *ev,
                      int *connecting)
{
    int op = s->opcode;
    int flags = (int)s->op_flags;
    long r;
    *ev = is_writing(op) ? POLLOUT : POLLIN;
    if (is_rw(op) && (S_ISREG(f->mode) || (f->mode & S_IFMT) == S_IFBLK))
        return do_rw(u, s, f); /* files do not wait for readiness */
    int old = nb_on(f);
    switch (op) {
    case OP_SEND: /* io_uring never raises SIGPIPE (MSG_NOSIGNAL, as Linux adds) */
        r = sock_sendto_file(f, s->addr, s->len, flags | MSG_NOSIGNAL, 0, 0);
        break;
    case OP_RECV:
        r = sock_recvfrom_file(f, s->addr, s->len, flags, 0, 0);
        break;
    case OP_SENDMSG:
        r = sock_sendmsg_file(f, s->addr, flags | MSG_NOSIGNAL);
        break;
    case OP_RECVMSG:
        r = sock_recvmsg_file(f, s->addr, flags);
        break;
    case OP_ACCEPT:
        r = sock_accept_file(f, s->addr, s->off, flags);
        break;
    case OP_CONNECT:
        r = sock_connect_file(f, s->addr, (int)s->off);
        if (*connecting && r == -EISCONN)
            r = 0; /* the handshake we started has completed */
        if (r == -EINPROGRESS || r == -EALREADY)
            *connecting = 1, r = -EAGAIN;
        break;
    default:
        r = do_rw(u, s, f);
        break;
    }
    nb_off(f, old);
    /* MSG_DONTWAIT asks for -EAGAIN rather than a wait (REQ_F_NOWAIT) */
    if (r == -EAGAIN && !(is_sock(op) && op != OP_ACCEPT && op != OP_CONNECT &&
                          (flags & MSG_DONTWAIT)))
        return WOULD_WAIT;
    return (int32_t)(r == -ERESTARTSYS ? -EINTR : r);
}

/* A pending request, looked at once: completed (1, and the list may have changed) or not. */
static int pend_check(struct uring *u, struct pend *p, int64_t *now)
{
    if (p->lt.on || p->s.opcode == OP_TIMEOUT) {
        if (*now < 0)
            *now = net_now_ns();
    }
    if (p->lt.on && *now >= p->lt.deadline) {
        pend_finish(u, p, -ECANCELED, -ETIME); /* the link timeout fired first */
        return 1;
    }
    if (p->s.opcode == OP_TIMEOUT) {
        if (p->target && u->completed >= p->target)
            pend_finish(u, p, 0, -ECANCELED);
        else if (*now >= p->deadline)
            pend_finish(u, p, -ETIME, -ECANCELED);
        else
            return 0;
        return 1;
    }
    int m = readiness(p->f, p->events);
    if (!m)
        return 0;
    int32_t res = m;
    if (p->s.opcode != OP_POLL_ADD) {
        p->busy = 1;
        int ev;
        res = try_op(u, &p->s, p->f, &ev, &p->connecting);
        p->busy = 0;
        if (res == WOULD_WAIT) {
            p->events = ev; /* someone else took it first: wait again */
            return 0;
        }
    }
    pend_finish(u, p, res, -ECANCELED);
    return 1;
}

/* Pending operations that can complete now do.  Each is looked at once per pass; after a
 * completion (which may have dropped the lock, run chains, added requests) the walk starts
 * again from the head. */
static void pend_scan(struct uring *u)
{
    int64_t now = -1;
    uint32_t gen = ++u->scan_gen;
    ovf_flush(u);
    for (;;) {
        struct pend *p = u->pend;
        while (p && (p->busy || p->seen == gen))
            p = p->next;
        if (!p)
            break;
        p->seen = gen;
        pend_check(u, p, &now);
    }
}

static int timespec_ns(uint64_t addr, int64_t *ns)
{
    struct linux_timespec ts;
    if (timespec_from_user(addr, &ts) < 0)
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    *ns = ts.tv_sec * 1000000000 + ts.tv_nsec;
    return 0;
}

/* A TIMEOUT's or LINK_TIMEOUT's deadline from its timespec (TIMEOUT_ABS: CLOCK_MONOTONIC). */
static int timeout_deadline(uint64_t addr, uint32_t flags, int64_t *dl)
{
    int64_t t;
    int r = timespec_ns(addr, &t);
    if (r < 0)
        return r;
    if (flags & TIMEOUT_ABS) {
        int64_t sec, ns;
        if (pal_clock_get(CLOCK_MONOTONIC, &sec, &ns) < 0)
            return -EINVAL;
        *dl = net_now_ns() + (t - (sec * 1000000000 + ns));
    } else {
        *dl = net_now_ns() + t;
    }
    return 0;
}

/* LINK_TIMEOUT's checks (Linux's io_timeout_prep for a link): 0 with the deadline, or -errno. */
static int lt_prep(const struct sqe *s, struct ltimeout *lt)
{
    if (s->len != 1 || s->off || (s->op_flags & ~TIMEOUT_ABS) || s->buf_index ||
        (s->flags & SQE_FIXED_FILE))
        return -EINVAL;
    lt->on = 1;
    lt->data = s->user_data;
    return timeout_deadline(s->addr, s->op_flags, &lt->deadline);
}

/* ASYNC_CANCEL: what matches, cancelled; the count (ALL/ANY), 0, -ENOENT or -EALREADY. */
static int32_t do_cancel(struct uring *u, const struct sqe *s)
{
    uint32_t fl = s->op_flags;
    if (s->off || s->len || s->buf_index || (fl & ~(CANCEL_ALL | CANCEL_FD | CANCEL_ANY | CANCEL_FD_FIXED)))
        return -EINVAL;
    if ((fl & CANCEL_ANY) && (fl & CANCEL_FD))
        return -EINVAL;
    if ((fl & CANCEL_FD_FIXED) && !(fl & CANCEL_FD))
        return -EINVAL;
    int many = (fl & (CANCEL_ALL | CANCEL_ANY)) != 0, n = 0, busy = 0;
    uint32_t gen = ++u->scan_gen;
    for (struct pend *p = u->pend; p; p = p->next)
        p->seen = gen; /* only what is pending now: a chain run below adds requests */
    for (;;) {
        struct pend *p;
        for (p = u->pend; p; p = p->next) {
            if (p->seen != gen)
                continue;
            int match;
            if (fl & CANCEL_ANY)
                match = 1;
            else if (fl & CANCEL_FD)
                match = p->f && p->s.fd == s->fd &&
                        !(p->s.flags & SQE_FIXED_FILE) == !(fl & CANCEL_FD_FIXED);
            else
                match = p->s.user_data == s->addr;
            if (match)
                break;
        }
        if (!p)
            break;
        p->seen = 0;
        if (p->busy) {
            busy = 1;
        } else {
            pend_finish(u, p, -ECANCELED, -ECANCELED);
            n++;
        }
        if (!many)
            break;
    }
    if (n)
        return many ? n : 0;
    return busy ? -EALREADY : -ENOENT;
}

/* TIMEOUT_REMOVE (and, with TIMEOUT_UPDATE, a new expiry): 0, -ENOENT, -EINVAL, -EFAULT. */
static int32_t do_timeout_remove(struct uring *u, const struct sqe *s)
{
    if (s->buf_index || s->len || (s->flags & SQE_FIXED_FILE))
        return -EINVAL;
    uint32_t fl = s->op_flags;
    int64_t dl = 0;
    if (fl & TIMEOUT_UPDATE) {
        if (fl & ~(TIMEOUT_UPDATE | TIMEOUT_ABS))
            return -EINVAL;
        int r = timeout_deadline(s->off, fl, &dl);
        if (r < 0)
            return r;
    } else if (fl) {
        return -EINVAL;
    }
    for (struct pend *p = u->pend; p; p = p->next) {
        if (p->s.opcode != OP_TIMEOUT || p->s.user_data != s->addr)
            continue;
        if (fl & TIMEOUT_UPDATE)
            p->deadline = dl;
        else
            pend_finish(u, p, -ECANCELED, -ECANCELED);
        return 0;
    }
    return -ENOENT;
}

/* A request that fails its argument checks (Linux's prep): its error, and the batch ends
 * after it unless IORING_SETUP_SUBMIT_ALL (submit() looks at prep_err). */
static int prep_fail(struct uring *u, int32_t *res, int32_t e)
{
    u->prep_err = 1;
    *res = e;
    return 1;
}

/* One SQE (chain: the requests linked after it, lt: its link timeout): 1 if it completed
 * now (res in *res, nothing posted), 0 if it was left pending (the pending request took
 * the chain and the link timeout). */
static int run_sqe(struct uring *u, const struct sqe *s, int32_t *res, const struct sqe *chain,
                   uint32_t nchain, const struct ltimeout *lt)
{
    struct file *f = NULL;
    int op = s->opcode;
    if (s->flags & ~SQE_KNOWN)
        return prep_fail(u, res, -EINVAL);
    switch (op) {
    case OP_NOP:
        return *res = 0, 1;
    case OP_TIMEOUT: {
        int64_t dl;
        if (s->len != 1 || (s->op_flags & ~TIMEOUT_ABS) || s->fd != -1 || s->buf_index)
            return prep_fail(u, res, -EINVAL);
        int r = timeout_deadline(s->addr, s->op_flags, &dl);
        if (r < 0)
            return prep_fail(u, res, r);
        r = pend_add(u, s, NULL, 0, dl, s->off ? u->completed + s->off : 0, chain, nchain, lt);
        return r < 0 ? (*res = r, 1) : 0;
    }
    case OP_TIMEOUT_REMOVE:
        *res = do_timeout_remove(u, s);
        return *res == -EINVAL || *res == -EFAULT ? prep_fail(u, res, *res) : 1;
    case OP_ASYNC_CANCEL:
        *res = do_cancel(u, s);
        return *res == -EINVAL ? prep_fail(u, res, *res) : 1;
    case OP_LINK_TIMEOUT:
        return prep_fail(u, res, -EINVAL); /* not after a linked request */
    case OP_POLL_REMOVE:
        for (struct pend *p = u->pend; p; p = p->next)
            if (p->s.opcode == OP_POLL_ADD && p->s.user_data == s->addr) {
                pend_finish(u, p, -ECANCELED, -ECANCELED);
                return *res = 0, 1;
            }
        return *res = -ENOENT, 1;
    case OP_CLOSE: {
        if ((s->flags & SQE_FIXED_FILE) || s->addr || s->len || s->off || s->buf_index)
            return prep_fail(u, res, -EINVAL);
        struct file *cf = fd_get(s->fd);
        if (cf && cf->ops == &uring_ops)
            return *res = -EBADF, 1; /* Linux refuses to close an io_uring fd this way */
        return *res = (int32_t)sys_close(s->fd, 0, 0, 0, 0, 0), 1;
    }
    case OP_OPENAT:
        /* no direct descriptors (file_index) here */
        if (s->buf_index || s->file_index)
            return prep_fail(u, res, -EINVAL);
        if (s->flags & SQE_FIXED_FILE)
            return *res = -EBADF, 1;
        return *res = (int32_t)sys_openat(s->fd, (long)s->addr,
                                          (long)(s->op_flags | O_LARGEFILE), s->len, 0, 0), 1;
    case OP_STATX:
        if (s->buf_index || s->file_index)
            return prep_fail(u, res, -EINVAL);
        if (s->flags & SQE_FIXED_FILE)
            return *res = -EBADF, 1;
        return *res = (int32_t)sys_statx(s->fd, (long)s->addr, s->op_flags, s->len,
                                         (long)s->off, 0), 1;
    }
    if (!is_rw(op) && !is_sock(op) && op != OP_FSYNC && op != OP_POLL_ADD)
        return prep_fail(u, res, -EINVAL);
    /* Linux's prep checks of the socket requests */
    if ((op == OP_SEND || op == OP_SENDMSG || op == OP_RECV || op == OP_RECVMSG) &&
        (s->file_index || s->addr3 || (s->ioprio & ~RECVSEND_POLL_FIRST)))
        return prep_fail(u, res, -EINVAL);
    if (op == OP_ACCEPT && (s->len || s->buf_index || s->file_index || s->ioprio))
        return prep_fail(u, res, -EINVAL); /* multishot and direct accept are not offered */
    if (op == OP_CONNECT && (s->len || s->buf_index || s->op_flags || s->file_index))
        return prep_fail(u, res, -EINVAL);
    f = op_file(u, s);
    if (!f)
        return *res = -EBADF, 1;
    if (op == OP_FSYNC) {
        if (s->addr || s->len || s->buf_index || (s->op_flags & ~1u))
            return prep_fail(u, res, -EINVAL);
        if ((f->flags & O_PATH) || !f->ops->fsync)
            return *res = (f->flags & O_PATH) ? -EBADF : -EINVAL, 1;
        return *res = f->ops->fsync(f, s->op_flags & 1), 1;
    }
    int ev = 0, connecting = 0;
    if (op == OP_POLL_ADD) {
        if (s->addr || s->buf_index || s->off || s->len)
            return prep_fail(u, res, -EINVAL);
        ev = (int)(s->op_flags & 0xffff);
        int m = readiness(f, ev);
        if (m)
            return *res = m, 1;
    } else {
        f = file_get(f); /* the attempt may drop the lock */
        int32_t r = (s->ioprio & RECVSEND_POLL_FIRST) && is_sock(op) && !readiness(f, is_writing(op) ? POLLOUT : POLLIN)
                        ? WOULD_WAIT : try_op(u, s, f, &ev, &connecting);
        if (r != WOULD_WAIT) {
            file_put(f);
            return *res = r, 1;
        }
        if (!ev)
            ev = is_writing(op) ? POLLOUT : POLLIN;
        int e = pend_add(u, s, f, ev, 0, 0, chain, nchain, lt);
        if (e == 0)
            u->pend->connecting = connecting;
        file_put(f);
        return e < 0 ? (*res = e, 1) : 0;
    }
    int r = pend_add(u, s, f, ev, 0, 0, chain, nchain, lt);
    return r < 0 ? (*res = r, 1) : 0;
}

/* Run a chain of linked requests c[0..n): each in turn, until one is left pending (it
 * carries the rest) or fails (the rest complete with -ECANCELED; IOSQE_IO_HARDLINK goes
 * on).  A LINK_TIMEOUT right after a request guards that request. */
static void chain_run(struct uring *u, const struct sqe *c, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        const struct sqe *s = &c[i];
        uint32_t next = i + 1;
        struct ltimeout lt = {0, 0, 0};
        if ((s->flags & (SQE_IO_LINK | SQE_IO_HARDLINK)) && next < n &&
            c[next].opcode == OP_LINK_TIMEOUT) {
            int r = lt_prep(&c[next], &lt);
            if (r < 0) {
                u->prep_err = 1;
                /* a member that fails its checks fails the whole link */
                post(u, s->user_data, -ECANCELED);
                post(u, c[next].user_data, r);
                chain_cancel(u, c + next + 1, n - next - 1);
                return;
            }
            next++;
        }
        int32_t res;
        if (!run_sqe(u, s, &res, c + next, n - next, lt.on ? &lt : NULL))
            return;
        post(u, s->user_data, res);
        if (lt.on)
            post(u, lt.data, -ECANCELED); /* the request beat its timeout */
        if (fails_link(s, res) && !(s->flags & SQE_IO_HARDLINK)) {
            chain_cancel(u, c + next, n - next);
            return;
        }
        i = next;
    }
}

/* Consume up to n SQEs: the number consumed or, with none, an error.  Linked SQEs are
 * gathered into a chain and run together once its last member is read (or the batch ends,
 * which ends a link as in Linux). */
static long submit(struct uring *u, uint32_t n)
{
    uint32_t tail;
    if (ring_get32(u, R_SQ_TAIL, &tail) < 0)
        return -EFAULT;
    uint32_t avail = tail - u->sq_head;
    if (avail > u->sq_entries)
        avail = u->sq_entries; /* a hostile tail */
    if (n > avail)
        n = avail;
    uint32_t done = 0, cn = 0, cap = 0;
    struct sqe *c = NULL;
    long err = 0;
    while (done < n) {
        if (cq_full(u) || u->ovf) {
            err = -EBUSY;
            break;
        }
        uint32_t idx;
        if (copy_from_user(&idx, u->kring + u->cq_entries * sizeof(struct cqe) + R_CQES +
                                     (uint64_t)(u->sq_head & (u->sq_entries - 1)) * 4, 4)) {
            err = -EFAULT;
            break;
        }
        u->sq_head++;
        if (idx >= u->sq_entries) {
            /* as Linux: counted in sq_dropped, not submitted, and submission stops */
            u->dropped++;
            ring_put32(u, R_SQ_DROPPED, u->dropped);
            break;
        }
        done++;
        if (cn == cap) {
            uint32_t ncap = cap ? 2 * cap : 8;
            struct sqe *nc = kmalloc(sizeof(*nc) * ncap);
            if (!nc) {
                err = -ENOMEM;
                break;
            }
            if (cn)
                al_memcpy(nc, c, sizeof(*nc) * cn);
            kfree(c);
            c = nc, cap = ncap;
        }
        struct sqe *s = &c[cn];
        if (copy_from_user(s, u->ksqes + (uint64_t)idx * sizeof(*s), sizeof(*s))) {
            err = -EFAULT;
            break;
        }
        if (s->flags & ~SQE_KNOWN) {
            /* a request that fails its initial checks fails its link and ends the batch
             * unless SUBMIT_ALL */
            chain_cancel(u, c, cn);
            post(u, s->user_data, -EINVAL);
            cn = 0;
            if (!(u->flags & SETUP_SUBMIT_ALL))
                break;
            continue;
        }
        cn++;
        if (!(s->flags & (SQE_IO_LINK | SQE_IO_HARDLINK))) {
            u->prep_err = 0;
            chain_run(u, c, cn);
            cn = 0;
            if (u->prep_err && !(u->flags & SETUP_SUBMIT_ALL))
                break;
        }
    }
    if (cn)
        chain_run(u, c, cn);
    kfree(c);
    ring_put32(u, R_SQ_HEAD, u->sq_head);
    return done ? (long)done : err;
}

struct cq_wait {
    struct uring *u;
    uint32_t min;
};

static int cq_enough(void *arg)
{
    struct cq_wait *w = arg;
    pend_scan(w->u);
    return cq_ready(w->u) >= w->min;
}

/* The earliest TIMEOUT or LINK_TIMEOUT deadline (-1: none): a GETEVENTS wait wakes for it. */
static int64_t next_deadline(struct uring *u)
{
    int64_t d = -1;
    for (struct pend *p = u->pend; p; p = p->next) {
        if (p->s.opcode == OP_TIMEOUT && (d < 0 || p->deadline < d))
            d = p->deadline;
        if (p->lt.on && (d < 0 || p->lt.deadline < d))
            d = p->lt.deadline;
    }
    return d;
}

/* The host handles the pending requests wait on (files referenced, so a close during the
 * wait cannot pull a handle from under the host poll): how many, or -ENOMEM. */
static int host_set(struct uring *u, struct pal_pollfd **fds, struct file ***files)
{
    int n = 0;
    *fds = NULL, *files = NULL;
    for (struct pend *p = u->pend; p; p = p->next)
        if (p->f && !p->busy && file_host_poll_handle(p->f) != PAL_HANDLE_NONE)
            n++;
    if (!n)
        return 0;
    *fds = kmalloc(sizeof(**fds) * n);
    *files = kmalloc(sizeof(**files) * n);
    if (!*fds || !*files) {
        kfree(*fds);
        kfree(*files);
        return -ENOMEM;
    }
    int i = 0;
    for (struct pend *p = u->pend; p && i < n; p = p->next) {
        pal_handle_t h;
        if (!p->f || p->busy || (h = file_host_poll_handle(p->f)) == PAL_HANDLE_NONE)
            continue;
        (*fds)[i] = (struct pal_pollfd){h, (int16_t)(p->events | POLLERR | POLLHUP), 0, 0};
        (*files)[i++] = file_get(p->f);
    }
    return i;
}

/* Wait (lock dropped) until a completion may have come: an enclave change, a host handle
 * of a pending request ready, or deadline d.  0, -ETIMEDOUT, -ERESTARTSYS or -errno. */
static int ring_wait(struct uring *u, struct cq_wait *w, int64_t d)
{
    struct pal_pollfd *fds;
    struct file **files;
    int n = host_set(u, &fds, &files);
    if (n < 0)
        return n;
    if (n == 0)
        return wait_event(cq_enough, w, CLOCK_MONOTONIC, d);
    int r = host_wait(fds, n, 1, d);
    for (int i = 0; i < n; i++)
        file_put(files[i]);
    kfree(fds);
    kfree(files);
    if (r < 0)
        return r;
    return d >= 0 && net_now_ns() >= d ? -ETIMEDOUT : 0;
}

static int uring_poll(struct file *f, int events)
{
    struct uring *u = f->priv;
    pend_scan(u);
    int r = POLLOUT | POLLWRNORM;
    if (cq_ready(u))
        r |= POLLIN | POLLRDNORM;
    return r & events;
}

static int uring_mmap(struct file *f, uint64_t addr, size_t len, int prot, unsigned flags,
                      uint64_t off, uint64_t *out)
{
    struct uring *u = f->priv;
    uint64_t base;
    size_t max;
    if (off == OFF_SQ_RING || off == OFF_CQ_RING)
        base = 0, max = u->ring_len;
    else if (off == OFF_SQES)
        base = OFF_SQES, max = u->sqes_len;
    else
        return -EINVAL;
    if (len > max)
        return -EINVAL;
    return pal_mem_map(u->mem, base, addr, len, prot, flags | PAL_VM_SHARED, out);
}

static void uring_release(struct file *f)
{
    struct uring *u = f->priv;
    while (u->pend) {
        struct pend *p = u->pend;
        u->pend = p->next;
        pend_free(p);
    }
    while (u->ovf) {
        struct ovf *o = u->ovf;
        u->ovf = o->next;
        kfree(o);
    }
    for (uint32_t i = 0; i < u->nfiles; i++)
        if (u->files[i])
            file_put(u->files[i]);
    if (u->efd)
        file_put(u->efd);
    /* The core's views stay mapped while their owner lives (it may still use them through
     * its own mappings of the object, which keep the pages); the object goes with the
     * enclave.  Unmap them when the owner is the closer. */
    if (u->owner == current->proc) {
        IGNORE(pal_vm_unmap(u->kring, u->ring_len));
        IGNORE(pal_vm_unmap(u->ksqes, u->sqes_len));
        mm_untrack(&current->proc->mm, u->kring, u->kring + u->ring_len);
        mm_untrack(&current->proc->mm, u->ksqes, u->ksqes + u->sqes_len);
    }
    kfree(u->files);
    kfree(u->bufs);
    kfree(u);
}

static const struct file_ops uring_ops = {
    .poll = uring_poll,
    .mmap = uring_mmap,
    .stat = anon_inode_stat,
    .release = uring_release,
    .seekable = 0,
};

static uint32_t pow2_up(uint32_t v)
{
    uint32_t p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

static int map_view(struct uring *u, uint64_t off, size_t len, uint64_t *out)
{
    int r = pal_mem_map(u->mem, off, 0, len, PROT_READ | PROT_WRITE, PAL_VM_SHARED, out);
    if (r < 0)
        return r;
    if (!access_ok(*out, len)) {
        IGNORE(pal_vm_unmap(*out, len));
        return -ENOMEM;
    }
    mm_track(&current->proc->mm, *out, *out + len, PROT_READ | PROT_WRITE, VMA_SHARED | VMA_FILE);
    return 0;
}

SYS(io_uring_setup)
{
    uint32_t entries = (uint32_t)a0;
    uint64_t up = (uint64_t)a1;
    struct uring_params p;
    if (copy_from_user(&p, up, sizeof(p)))
        return -EFAULT;
    for (int i = 0; i < 3; i++)
        if (p.resv[i])
            return -EINVAL;
    if (p.flags & ~SETUP_KNOWN)
        return -EINVAL;
    if (!entries)
        return -EINVAL;
    if (entries > MAX_ENTRIES) {
        if (!(p.flags & SETUP_CLAMP))
            return -EINVAL;
        entries = MAX_ENTRIES;
    }
    /* Features this LibOS cannot honour: SQPOLL needs a thread polling the ring on the
     * program's behalf (-EPERM, what kernels before 5.11 gave an unprivileged caller);
     * IOPOLL, 128-byte SQEs, 32-byte CQEs, disabled rings and work-queue sharing answer
     * -EINVAL, as kernels that predate them do. */
    if (p.flags & SETUP_SQPOLL)
        return -EPERM;
    if (p.flags & (SETUP_IOPOLL | SETUP_SQE128 | SETUP_CQE32 | SETUP_R_DISABLED | SETUP_ATTACH_WQ | SETUP_SQ_AFF))
        return -EINVAL;
    if ((p.flags & SETUP_TASKRUN_FLAG) && !(p.flags & (SETUP_COOP_TASKRUN | SETUP_DEFER_TASKRUN)))
        return -EINVAL;
    if ((p.flags & SETUP_DEFER_TASKRUN) && !(p.flags & SETUP_SINGLE_ISSUER))
        return -EINVAL;
    uint32_t sq = pow2_up(entries), cq;
    if (p.flags & SETUP_CQSIZE) {
        if (!p.cq_entries)
            return -EINVAL;
        cq = p.cq_entries;
        if (cq > MAX_CQ_ENTRIES) {
            if (!(p.flags & SETUP_CLAMP))
                return -EINVAL;
            cq = MAX_CQ_ENTRIES;
        }
        cq = pow2_up(cq);
        if (cq < sq)
            return -EINVAL;
    } else {
        cq = 2 * sq;
    }
    struct uring *u = kzalloc(sizeof(*u));
    if (!u)
        return -ENOMEM;
    u->sq_entries = sq, u->cq_entries = cq, u->flags = p.flags;
    u->owner = current->proc;
    u->ring_len = PAGE_UP(R_CQES + (size_t)cq * sizeof(struct cqe) + (size_t)sq * 4);
    u->sqes_len = PAGE_UP((size_t)sq * sizeof(struct sqe));
    int r = pal_mem_create(&u->mem);
    if (r < 0) {
        kfree(u);
        return r;
    }
    if ((r = map_view(u, 0, u->ring_len, &u->kring)) < 0 ||
        (r = map_view(u, OFF_SQES, u->sqes_len, &u->ksqes)) < 0) {
        if (u->kring) {
            IGNORE(pal_vm_unmap(u->kring, u->ring_len));
            mm_untrack(&current->proc->mm, u->kring, u->kring + u->ring_len);
        }
        pal_mem_destroy(u->mem);
        kfree(u);
        return r;
    }
    uint32_t hdr[4] = {sq - 1, cq - 1, sq, cq};
    if (copy_to_user(u->kring + R_SQ_MASK, hdr, sizeof(hdr)))
        r = -EFAULT;
    p.sq_entries = sq, p.cq_entries = cq;
    p.features = FEAT_SINGLE_MMAP | FEAT_NODROP | FEAT_SUBMIT_STABLE | FEAT_RW_CUR_POS | FEAT_EXT_ARG;
    p.sq_off = (struct sqring_offsets){R_SQ_HEAD, R_SQ_TAIL, R_SQ_MASK, R_SQ_ENTRIES, R_SQ_FLAGS,
                                       R_SQ_DROPPED, (uint32_t)(R_CQES + cq * sizeof(struct cqe)), 0, 0};
    p.cq_off = (struct cqring_offsets){R_CQ_HEAD, R_CQ_TAIL, R_CQ_MASK, R_CQ_ENTRIES, R_CQ_OVERFLOW,
                                       R_CQES, R_CQ_FLAGS, 0, 0};
    struct file *f = file_alloc(&uring_ops, O_RDWR, "anon_inode:[io_uring]");
    if (!f) {
        kfree(u); /* the views stay mapped; the object with the enclave */
        return -ENOMEM;
    }
    f->priv = u;
    f->mode = 0;
    if (r == 0 && copy_to_user(up, &p, sizeof(p)))
        r = -EFAULT;
    int fd = r < 0 ? r : fd_install(f, 1, 0); /* Linux makes it O_CLOEXEC */
    if (fd < 0)
        file_put(f);
    return fd;
}

static struct uring *uring_of(int fd, long *err)
{
    struct file *f = fd_get(fd);
    if (!f) {
        *err = -EBADF;
        return NULL;
    }
    if (f->ops != &uring_ops) {
        *err = -EOPNOTSUPP;
        return NULL;
    }
    return f->priv;
}

SYS(io_uring_enter)
{
    uint32_t to_submit = (uint32_t)a1, min_complete = (uint32_t)a2, flags = (uint32_t)a3;
    uint64_t argp = (uint64_t)a4;
    size_t argsz = (size_t)a5;
    if (flags & ~(ENTER_GETEVENTS | ENTER_SQ_WAKEUP | ENTER_SQ_WAIT | ENTER_EXT_ARG))
        return -EINVAL;
    long err = -EBADF;
    struct uring *u = uring_of((int)a0, &err);
    if (!u)
        return err;
    struct file *uf = file_get(fd_get((int)a0)); /* the wait drops the lock */
    int64_t deadline = -1;
    uint64_t mask = 0;
    int has_mask = 0;
    if (flags & ENTER_EXT_ARG) {
        struct {
            uint64_t sigmask;
            uint32_t sigmask_sz, pad;
            uint64_t ts;
        } ea;
        if (argsz != sizeof(ea)) {
            file_put(uf);
            return -EINVAL;
        }
        if (copy_from_user(&ea, argp, sizeof(ea))) {
            file_put(uf);
            return -EFAULT;
        }
        if (ea.ts) {
            struct linux_timespec ts;
            long r = timespec_from_user(ea.ts, &ts);
            if (r < 0) {
                file_put(uf);
                return r;
            }
            deadline = net_now_ns() + ts.tv_sec * 1000000000 + ts.tv_nsec;
        }
        argp = ea.sigmask, argsz = ea.sigmask_sz;
    }
    if (argp && (flags & ENTER_GETEVENTS)) {
        if (argsz != 8 || copy_from_user(&mask, argp, 8)) {
            file_put(uf);
            return argsz != 8 ? -EINVAL : -EFAULT;
        }
        has_mask = 1;
    }
    long ret = 0;
    if (to_submit) {
        ret = submit(u, to_submit);
        if (ret < 0) {
            file_put(uf);
            return ret;
        }
    }
    if (flags & ENTER_GETEVENTS) {
        uint64_t old = current->sigmask;
        if (has_mask)
            current->sigmask = mask & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
        if (min_complete > u->cq_entries)
            min_complete = u->cq_entries;
        struct cq_wait w = {u, min_complete};
        for (;;) {
            if (cq_enough(&w))
                break;
            int64_t d = next_deadline(u);
            if (deadline >= 0 && (d < 0 || deadline < d))
                d = deadline;
            int r = ring_wait(u, &w, d);
            if (r == -ETIMEDOUT) {
                if (deadline >= 0 && net_now_ns() >= deadline) {
                    if (!ret)
                        ret = -ETIME;
                    break;
                }
                continue; /* a TIMEOUT op is due: the next check completes it */
            }
            if (r < 0) {
                if (!ret)
                    ret = -EINTR;
                break;
            }
        }
        if (has_mask)
            signal_restore_mask_after(old, ret == -EINTR ? -ERESTARTNOHAND : ret);
    } else {
        pend_scan(u);
    }
    file_put(uf);
    return ret;
}

/* IORING_REGISTER_* */
enum { REG_BUFFERS = 0, REG_UNBUFFERS = 1, REG_FILES = 2, REG_UNFILES = 3, REG_EVENTFD = 4,
       REG_UNEVENTFD = 5, REG_FILES_UPDATE = 6, REG_PROBE = 8 };

static long reg_probe(uint64_t arg, uint32_t nr)
{
    struct {
        uint8_t last_op, ops_len;
        uint16_t resv;
        uint32_t resv2[3];
    } hdr;
    if (nr > 256)
        nr = 256;
    uint8_t hb[16];
    if (copy_from_user(hb, arg, 16))
        return -EFAULT;
    for (int i = 0; i < 16; i++)
        if (hb[i])
            return -EINVAL;
    for (uint32_t i = 0; i < nr; i++) {
        uint8_t e[8] = {0};
        if (copy_from_user(e, arg + 16 + i * 8, 8))
            return -EFAULT;
        for (int k = 0; k < 8; k++)
            if (e[k])
                return -EINVAL;
    }
    static const uint8_t ops[] = {OP_NOP, OP_READV, OP_WRITEV, OP_FSYNC, OP_READ_FIXED,
                                  OP_WRITE_FIXED, OP_POLL_ADD, OP_POLL_REMOVE, OP_SENDMSG,
                                  OP_RECVMSG, OP_TIMEOUT, OP_TIMEOUT_REMOVE, OP_ACCEPT,
                                  OP_ASYNC_CANCEL, OP_LINK_TIMEOUT, OP_CONNECT, OP_OPENAT,
                                  OP_CLOSE, OP_STATX, OP_READ, OP_WRITE, OP_SEND, OP_RECV};
    hdr.last_op = OP_LAST;
    hdr.ops_len = (uint8_t)(nr < OP_LAST + 1 ? nr : OP_LAST + 1);
    hdr.resv = 0, hdr.resv2[0] = hdr.resv2[1] = hdr.resv2[2] = 0;
    if (copy_to_user(arg, &hdr, sizeof(hdr)))
        return -EFAULT;
    for (uint32_t i = 0; i < hdr.ops_len; i++) {
        struct {
            uint8_t op, resv;
            uint16_t flags;
            uint32_t resv2;
        } e = {(uint8_t)i, 0, 0, 0};
        for (unsigned k = 0; k < sizeof(ops); k++)
            if (ops[k] == i)
                e.flags = 1; /* IO_URING_OP_SUPPORTED */
        if (copy_to_user(arg + 16 + i * 8, &e, 8))
            return -EFAULT;
    }
    return 0;
}

static long reg_files_update(struct uring *u, uint64_t arg, uint32_t nr)
{
    struct {
        uint32_t offset, resv;
        uint64_t fds;
    } up;
    if (!u->files)
        return -ENXIO;
    if (copy_from_user(&up, arg, sizeof(up)))
        return -EFAULT;
    if (up.resv)
        return -EINVAL;
    if (up.offset > u->nfiles || nr > u->nfiles - up.offset)
        return -EINVAL;
    uint32_t i;
    for (i = 0; i < nr; i++) {
        int32_t fd;
        if (copy_from_user(&fd, up.fds + i * 4, 4))
            return i ? (long)i : -EFAULT;
        if (fd == -2) /* IORING_REGISTER_FILES_SKIP */
            continue;
        struct file *nf = NULL;
        if (fd != -1) {
            nf = fd_get(fd);
            if (!nf)
                return i ? (long)i : -EBADF;
            if (nf->ops == &uring_ops)
                return i ? (long)i : -EBADF;
            nf = file_get(nf);
        }
        struct file **slot = &u->files[up.offset + i];
        if (*slot)
            file_put(*slot);
        *slot = nf;
    }
    return i;
}

SYS(io_uring_register)
{
    unsigned op = (unsigned)a1;
    uint64_t arg = (uint64_t)a2;
    uint32_t nr = (uint32_t)a3;
    long err = -EBADF;
    struct uring *u = uring_of((int)a0, &err);
    if (!u)
        return err;
    switch (op) {
    case REG_BUFFERS: {
        if (u->bufs)
            return -EBUSY;
        if (!nr || nr > 16384)
            return -EINVAL;
        struct linux_iovec *b = kmalloc(sizeof(*b) * nr);
        if (!b)
            return -ENOMEM;
        if (copy_from_user(b, arg, sizeof(*b) * nr)) {
            kfree(b);
            return -EFAULT;
        }
        for (uint32_t i = 0; i < nr; i++)
            if (b[i].len > (1u << 30) || (b[i].base == 0 && b[i].len) ||
                !access_ok(b[i].base, b[i].len)) {
                kfree(b);
                return b[i].len > (1u << 30) ? -EINVAL : -EFAULT;
            }
        u->bufs = b, u->nbufs = nr;
        return 0;
    }
    case REG_UNBUFFERS:
        if (arg || nr)
            return -EINVAL;
        if (!u->bufs)
            return -ENXIO;
        kfree(u->bufs);
        u->bufs = NULL, u->nbufs = 0;
        return 0;
    case REG_FILES: {
        if (u->files)
            return -EBUSY;
        if (!nr || nr > 32768)
            return -EINVAL;
        struct file **t = kzalloc(sizeof(*t) * nr);
        if (!t)
            return -ENOMEM;
        for (uint32_t i = 0; i < nr; i++) {
            int32_t fd;
            long r = 0;
            struct file *nf = NULL;
            if (copy_from_user(&fd, arg + i * 4, 4))
                r = -EFAULT;
            else if (fd != -1 && (!(nf = fd_get(fd)) || nf->ops == &uring_ops))
                r = -EBADF;
            if (r < 0) {
                for (uint32_t k = 0; k < i; k++)
                    if (t[k])
                        file_put(t[k]);
                kfree(t);
                return r;
            }
            t[i] = nf ? file_get(nf) : NULL;
        }
        u->files = t, u->nfiles = nr;
        return 0;
    }
    case REG_UNFILES:
        if (arg || nr)
            return -EINVAL;
        if (!u->files)
            return -ENXIO;
        for (uint32_t i = 0; i < u->nfiles; i++)
            if (u->files[i])
                file_put(u->files[i]);
        kfree(u->files);
        u->files = NULL, u->nfiles = 0;
        return 0;
    case REG_FILES_UPDATE:
        return reg_files_update(u, arg, nr);
    case REG_EVENTFD: {
        if (nr != 1)
            return -EINVAL;
        if (u->efd)
            return -EBUSY;
        int32_t fd;
        if (copy_from_user(&fd, arg, 4))
            return -EFAULT;
        struct file *e = fd_get(fd);
        if (!e)
            return -EBADF;
        if (!eventfd_is(e))
            return -EINVAL;
        u->efd = file_get(e);
        return 0;
    }
    case REG_UNEVENTFD:
        if (arg || nr)
            return -EINVAL;
        if (!u->efd)
            return -ENXIO;
        file_put(u->efd);
        u->efd = NULL;
        return 0;
    case REG_PROBE:
        return reg_probe(arg, nr);
    default:
        return -EINVAL;
    }
}
