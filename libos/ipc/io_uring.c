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
 * Opcodes run synchronously at submit time when they cannot block (NOP, READ/WRITE(V),
 * READ/WRITE_FIXED, FSYNC, CLOSE, POLL_REMOVE on regular files and ready streams).  Those
 * that would block (POLL_ADD, TIMEOUT, READ/WRITE on a stream that is not ready) are kept
 * pending and completed when a re-check after a wake-up finds them ready (the epoll.c
 * model: enclave objects call wake_all(), host handles are asked of the host) by a thread
 * waiting in io_uring_enter(GETEVENTS), or at the next enter.  Other opcodes complete with
 * -EINVAL, as a kernel that lacks them does, and IORING_REGISTER_PROBE says so.
 *
 * Not done: SQPOLL (refused with -EPERM: no kernel thread to poll the ring), IOPOLL,
 * SQE128/CQE32, R_DISABLED (-EINVAL), IOSQE_BUFFER_SELECT, links whose head stays pending
 * (a link after a pending op runs at once), registered files beyond the table, ACCEPT,
 * CONNECT, SEND/RECV(MSG), OPENAT, STATX, ASYNC_CANCEL, LINK_TIMEOUT (-EINVAL today).
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
       OP_WRITE_FIXED = 5, OP_POLL_ADD = 6, OP_POLL_REMOVE = 7, OP_TIMEOUT = 11,
       OP_CLOSE = 19, OP_READ = 22, OP_WRITE = 23, OP_LAST = 58 };
#define TIMEOUT_ABS 1u

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

/* An operation waiting for readiness or time. */
struct pend {
    struct pend *next;
    struct sqe s;
    struct file *f;     /* referenced; NULL for TIMEOUT */
    int events;         /* POLL_ADD / stream rw: the readiness wanted */
    int64_t deadline;   /* TIMEOUT: CLOCK_MONOTONIC ns */
    uint64_t target;    /* TIMEOUT with a count: completions to reach */
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

/* Post a CQE.  Callers check cq_full() first (no overflow list: submit stops instead). */
static void post(struct uring *u, uint64_t data, int32_t res)
{
    struct cqe c = {data, res, 0};
    uint32_t slot = u->cq_tail & (u->cq_entries - 1);
    IGNORE(copy_to_user(u->kring + R_CQES + (uint64_t)slot * sizeof(c), &c, sizeof(c)));
    u->cq_tail++;
    u->completed++;
    ring_put32(u, R_CQ_TAIL, u->cq_tail);
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

static void pend_free(struct pend *p)
{
    if (p->f)
        file_put(p->f);
    kfree(p);
}

static int pend_add(struct uring *u, const struct sqe *s, struct file *f, int events,
                    int64_t deadline, uint64_t target)
{
    struct pend *p = kzalloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->s = *s;
    p->f = f ? file_get(f) : NULL;
    p->events = events;
    p->deadline = deadline;
    p->target = target;
    p->next = u->pend;
    u->pend = p;
    return 0;
}

/* Pending operations that can complete now do (room in the CQ permitting). */
static void pend_scan(struct uring *u)
{
    int64_t now = -1;
    for (struct pend **pp = &u->pend; *pp && !cq_full(u);) {
        struct pend *p = *pp;
        int32_t res;
        int done = 0;
        if (p->s.opcode == OP_TIMEOUT) {
            if (now < 0)
                now = net_now_ns();
            if (p->target && u->completed >= p->target)
                res = 0, done = 1;
            else if (now >= p->deadline)
                res = -ETIME, done = 1;
        } else {
            int m = readiness(p->f, p->events);
            if (m) {
                done = 1;
                res = p->s.opcode == OP_POLL_ADD ? m : do_rw(u, &p->s, p->f);
            }
        }
        if (!done) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        post(u, p->s.user_data, res);
        pend_free(p);
    }
}

/* One SQE: 1 if it completed now (its CQE posted, res in *res), 0 if left pending. */
static int run_sqe(struct uring *u, const struct sqe *s, int32_t *res)
{
    struct file *f = NULL;
    int op = s->opcode;
    if (s->flags & ~SQE_KNOWN)
        return *res = -EINVAL, 1;
    if (op == OP_NOP)
        return *res = 0, 1;
    if (op == OP_TIMEOUT) {
        struct linux_timespec ts;
        if (s->len != 1 || (s->op_flags & ~TIMEOUT_ABS) || s->fd != -1 || s->buf_index)
            return *res = -EINVAL, 1;
        if (timespec_from_user(s->addr, &ts) < 0)
            return *res = -EFAULT, 1;
        int64_t t = ts.tv_sec * 1000000000 + ts.tv_nsec, dl;
        if (s->op_flags & TIMEOUT_ABS) {
            int64_t sec, ns;
            if (pal_clock_get(CLOCK_MONOTONIC, &sec, &ns) < 0)
                return *res = -EINVAL, 1;
            dl = net_now_ns() + (t - (sec * 1000000000 + ns));
        } else {
            dl = net_now_ns() + t;
        }
        int r = pend_add(u, s, NULL, 0, dl, s->off ? u->completed + s->off : 0);
        return r < 0 ? (*res = r, 1) : 0;
    }
    if (op == OP_POLL_REMOVE) {
        for (struct pend **pp = &u->pend; *pp; pp = &(*pp)->next) {
            struct pend *p = *pp;
            if (p->s.opcode != OP_POLL_ADD || p->s.user_data != s->addr)
                continue;
            *pp = p->next;
            post(u, p->s.user_data, -ECANCELED);
            pend_free(p);
            return *res = 0, 1;
        }
        return *res = -ENOENT, 1;
    }
    if (op == OP_CLOSE) {
        if ((s->flags & SQE_FIXED_FILE) || s->addr || s->len || s->off || s->buf_index)
            return *res = -EINVAL, 1;
        struct file *cf = fd_get(s->fd);
        if (cf && cf->ops == &uring_ops)
            return *res = -EBADF, 1; /* Linux refuses to close an io_uring fd this way */
        return *res = (int32_t)sys_close(s->fd, 0, 0, 0, 0, 0), 1;
    }
    if (!is_rw(op) && op != OP_FSYNC && op != OP_POLL_ADD)
        return *res = -EINVAL, 1;
    f = op_file(u, s);
    if (!f)
        return *res = -EBADF, 1;
    if (op == OP_FSYNC) {
        if (s->addr || s->len || s->buf_index || (s->op_flags & ~1u))
            return *res = -EINVAL, 1;
        if ((f->flags & O_PATH) || !f->ops->fsync)
            return *res = (f->flags & O_PATH) ? -EBADF : -EINVAL, 1;
        return *res = f->ops->fsync(f, s->op_flags & 1), 1;
    }
    if (op == OP_POLL_ADD) {
        if (s->addr || s->buf_index || s->off || s->len)
            return *res = -EINVAL, 1;
        int ev = (int)(s->op_flags & 0xffff);
        int m = readiness(f, ev);
        if (m)
            return *res = m, 1;
        int r = pend_add(u, s, f, ev, 0, 0);
        return r < 0 ? (*res = r, 1) : 0;
    }
    /* read/write: a stream that is not ready waits instead of blocking the submitter */
    if (!S_ISREG(f->mode) && (f->mode & S_IFMT) != S_IFBLK) {
        int writing = op == OP_WRITEV || op == OP_WRITE || op == OP_WRITE_FIXED;
        int ev = writing ? POLLOUT : POLLIN;
        if (!readiness(f, ev)) {
            int r = pend_add(u, s, f, ev, 0, 0);
            return r < 0 ? (*res = r, 1) : 0;
        }
    }
    f = file_get(f); /* the transfer may drop the lock */
    *res = do_rw(u, s, f);
    file_put(f);
    return 1;
}

/* Consume up to n SQEs: the number consumed or, with none, an error. */
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
    uint32_t done = 0;
    int link_failed = 0, in_link = 0;
    while (done < n) {
        if (cq_full(u))
            return done ? (long)done : -EBUSY;
        uint32_t idx;
        if (copy_from_user(&idx, u->kring + u->cq_entries * sizeof(struct cqe) + R_CQES +
                                     (uint64_t)(u->sq_head & (u->sq_entries - 1)) * 4, 4))
            return done ? (long)done : -EFAULT;
        u->sq_head++;
        if (idx >= u->sq_entries) {
            /* as Linux: counted in sq_dropped, not submitted, and submission stops */
            u->dropped++;
            ring_put32(u, R_SQ_DROPPED, u->dropped);
            break;
        }
        done++;
        struct sqe s;
        if (copy_from_user(&s, u->ksqes + (uint64_t)idx * sizeof(s), sizeof(s)))
            return done ? (long)done : -EFAULT;
        int32_t res;
        if (s.flags & ~SQE_KNOWN) {
            /* a request that fails its initial checks ends the batch unless SUBMIT_ALL */
            post(u, s.user_data, -EINVAL);
            if (!(u->flags & SETUP_SUBMIT_ALL))
                break;
            continue;
        }
        int linked = (s.flags & (SQE_IO_LINK | SQE_IO_HARDLINK)) != 0;
        if (in_link && link_failed) {
            post(u, s.user_data, -ECANCELED);
        } else if (run_sqe(u, &s, &res)) {
            post(u, s.user_data, res);
            if (res < 0 && !(s.flags & SQE_IO_HARDLINK))
                link_failed = linked;
        }
        in_link = linked;
        if (!linked)
            link_failed = 0;
    }
    ring_put32(u, R_SQ_HEAD, u->sq_head);
    return done;
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

/* The earliest TIMEOUT deadline (-1: none): a GETEVENTS wait must wake for it. */
static int64_t next_deadline(struct uring *u)
{
    int64_t d = -1;
    for (struct pend *p = u->pend; p; p = p->next)
        if (p->s.opcode == OP_TIMEOUT && (d < 0 || p->deadline < d))
            d = p->deadline;
    return d;
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
            int r = wait_event(cq_enough, &w, CLOCK_MONOTONIC, d);
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
                                  OP_WRITE_FIXED, OP_POLL_ADD, OP_POLL_REMOVE, OP_TIMEOUT,
                                  OP_CLOSE, OP_READ, OP_WRITE};
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
