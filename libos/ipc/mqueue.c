/*
 * mqueue.c - POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive,
 * mq_notify, mq_getsetattr (Linux's ipc/mqueue.c).
 *
 * The queues of the enclave are one name space in the shared heap (kernel->mqueues), so
 * every process sees the same queues; a descriptor is an open file description whose
 * private data is the queue (referenced: an unlinked queue lives until its last
 * descriptor closes).  Messages are kept in one list, highest priority first and FIFO
 * within a priority.  A full send and an empty receive sleep with wait_event (lock
 * dropped) up to the absolute CLOCK_REALTIME timeout; a signal ends them with
 * -ERESTARTSYS as Linux.  poll/epoll see POLLIN while a message is queued and POLLOUT
 * while there is room; read() of a descriptor gives Linux's "QSIZE:..." line (QSIZE: the
 * bytes of the queued messages).
 *
 * mq_notify takes SIGEV_NONE and SIGEV_SIGNAL (si_code SI_MESGQ, sent when a message
 * arrives in an empty queue with no receiver waiting, then the registration ends).
 * SIGEV_THREAD needs a netlink socket, which the enclave does not have: glibc's socket()
 * fails first (its mq_notify then reports ENOSYS), a raw call gets EBADF or ECONNREFUSED.
 * Left out: the queues are not files of a mounted mqueue file system (no /dev/mqueue
 * listing), RLIMIT_MSGQUEUE and queues_max are not enforced, and a registration is not
 * dropped when its owner closes a descriptor (only at the queue's end).
 */
#include "libos.h"
#include "ipc/ipc.h"
#include "proc/proc.h"

#define MQ_PRIO_MAX 32768
#define MQ_NAME_MAX 255
#define DFLT_MSGMAX 10
#define DFLT_MSGSIZEMAX 8192
#define HARD_MSGMAX 65536
#define HARD_MSGSIZEMAX (16 * 1024 * 1024)
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SI_MESGQ (-3)

struct mq_msg {
    struct mq_msg *next;
    unsigned prio;
    size_t len;
    char text[];
};

struct mqueue {
    struct mqueue *next;        /* in kernel->mqueues while it has a name */
    char name[MQ_NAME_MAX + 1];
    int refs;                   /* descriptions, plus 1 while named */
    uint32_t uid, gid, mode;
    long maxmsg, msgsize, curmsgs;
    struct mq_msg *msgs;
    int receivers;              /* threads asleep in mq_timedreceive */
    int notify_pid;             /* 0: no registration */
    int notify_kind, notify_sig;
    uint64_t notify_value;
};

/* struct mq_attr, struct sigevent (the head of it) */
struct abi_mq_attr {
    long mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, reserved[4];
};
struct abi_sigevent {
    uint64_t value;
    int signo, notify;
    int tid;
    char pad[44];
};

static void mq_put(struct mqueue *q)
{
    if (--q->refs > 0)
        return;
    while (q->msgs) {
        struct mq_msg *m = q->msgs;
        q->msgs = m->next;
        kfree(m);
    }
    kfree(q);
}

static struct mqueue *mq_find(const char *name)
{
    for (struct mqueue *q = kernel->mqueues; q; q = q->next)
        if (al_strcmp(q->name, name) == 0)
            return q;
    return NULL;
}

static int mq_perm(const struct mqueue *q, int acc)
{
    const struct process *p = current->proc;
    uint32_t m = q->mode;
    if (p->euid == 0)
        return 0;
    if (p->euid == q->uid)
        m >>= 6;
    else if (p->egid == q->gid)
        m >>= 3;
    return (acc & ~(int)m & 7) ? -EACCES : 0;
}

static long mq_text(const struct mqueue *q, char *buf, size_t size)
{
    uint64_t qsize = 0;
    for (const struct mq_msg *m = q->msgs; m; m = m->next)
        qsize += m->len;
    return al_snprintf(buf, size, "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
                       (unsigned long)qsize, q->notify_pid ? q->notify_kind : 0,
                       q->notify_pid && q->notify_kind == SIGEV_SIGNAL ? q->notify_sig : 0,
                       q->notify_pid);
}

static long mqf_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    char text[128];
    long len = mq_text(f->priv, text, sizeof(text));
    if (*pos >= len)
        return 0;
    size_t c = MIN(n, (size_t)(len - *pos));
    if (io_out(buf, text + *pos, c, kbuf))
        return -EFAULT;
    *pos += (int64_t)c;
    return (long)c;
}

static int mqf_poll(struct file *f, int events)
{
    const struct mqueue *q = f->priv;
    int r = 0;
    if (q->curmsgs)
        r |= POLLIN | POLLRDNORM;
    if (q->curmsgs < q->maxmsg)
        r |= POLLOUT | POLLWRNORM;
    return r & (events | POLLERR | POLLHUP);
}

static int mqf_stat(struct file *f, struct pal_stat *st)
{
    const struct mqueue *q = f->priv;
    al_memset(st, 0, sizeof(*st));
    st->mode = S_IFREG | (q->mode & 07777);
    st->uid = q->uid, st->gid = q->gid;
    st->nlink = 1;
    st->blksize = 4096;
    st->dev = 0x13; /* a device of its own, as the mqueue file system */
    return 0;
}

static void mqf_release(struct file *f)
{
    mq_put(f->priv);
}

static const struct file_ops mq_ops = {
    .read = mqf_read, .poll = mqf_poll, .stat = mqf_stat, .release = mqf_release, .seekable = 1,
};

static long mq_name_in(uint64_t uname, char *name)
{
    long n = strncpy_from_user(name, uname, MQ_NAME_MAX + 1);
    if (n < 0)
        return n;
    if (n == 0)
        return -ENOENT;
    if (al_strchr(name, '/'))
        return -EACCES; /* lookup_one_len() refuses these */
    if (al_strcmp(name, ".") == 0 || al_strcmp(name, "..") == 0)
        return -EACCES;
    return 0;
}

SYS(mq_open)
{
    int oflag = (int)a1;
    uint32_t mode = (uint32_t)a2;
    uint64_t uattr = (uint64_t)a3;
    struct abi_mq_attr attr;
    char name[MQ_NAME_MAX + 1];
    if (uattr && copy_from_user(&attr, uattr, sizeof(attr)))
        return -EFAULT;
    long r = mq_name_in((uint64_t)a0, name);
    if (r == -ENAMETOOLONG || (r >= 0 && al_strlen(name) > MQ_NAME_MAX))
        return -ENAMETOOLONG;
    if (r < 0)
        return r;
    struct mqueue *q = mq_find(name);
    int acc = (oflag & O_ACCMODE) == O_RDONLY ? 4 : (oflag & O_ACCMODE) == O_WRONLY ? 2 : 6;
    if (q) {
        if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
            return -EEXIST;
        if ((oflag & O_ACCMODE) == O_ACCMODE)
            return -EINVAL;
        if (mq_perm(q, acc) < 0)
            return -EACCES;
    } else {
        if (!(oflag & O_CREAT))
            return -ENOENT;
        const struct process *p = current->proc;
        long maxmsg = DFLT_MSGMAX, msgsize = DFLT_MSGSIZEMAX;
        if (uattr) {
            if (attr.mq_maxmsg <= 0 || attr.mq_msgsize <= 0)
                return -EINVAL;
            if (p->euid != 0 && (attr.mq_maxmsg > DFLT_MSGMAX || attr.mq_msgsize > DFLT_MSGSIZEMAX))
                return -EINVAL;
            if (attr.mq_maxmsg > HARD_MSGMAX || attr.mq_msgsize > HARD_MSGSIZEMAX)
                return -EINVAL;
            maxmsg = attr.mq_maxmsg;
            msgsize = attr.mq_msgsize;
        }
        q = kzalloc(sizeof(*q));
        if (!q)
            return -ENOMEM;
        al_strlcpy(q->name, name, sizeof(q->name));
        q->refs = 1; /* the name's */
        q->uid = p->euid;
        q->gid = p->egid;
        q->mode = mode & ~p->umask & 0777;
        q->maxmsg = maxmsg;
        q->msgsize = msgsize;
        q->next = kernel->mqueues;
        kernel->mqueues = q;
    }
    struct file *f = file_alloc(&mq_ops, (oflag & (O_ACCMODE | O_NONBLOCK)), name);
    if (!f)
        return -ENOMEM;
    q->refs++;
    f->priv = q;
    f->mode = S_IFREG;
    int fd = fd_install(f, (oflag & O_CLOEXEC) != 0, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

SYS(mq_unlink)
{
    char name[MQ_NAME_MAX + 1];
    long r = mq_name_in((uint64_t)a0, name);
    if (r < 0)
        return r;
    for (struct mqueue **pp = &kernel->mqueues; *pp; pp = &(*pp)->next) {
        struct mqueue *q = *pp;
        if (al_strcmp(q->name, name))
            continue;
        const struct process *p = current->proc;
        if (p->euid != 0 && p->euid != q->uid)
            return -EPERM; /* the mqueue root is sticky */
        *pp = q->next;
        mq_put(q);
        return 0;
    }
    return -ENOENT;
}

/* The queue of mqd, which must be open with access acc (FMODE_READ 1 / FMODE_WRITE 2). */
static struct file *mq_file(int fd, int acc)
{
    struct file *f = fd_get(fd);
    if (!f || f->ops != &mq_ops)
        return NULL;
    int m = f->flags & O_ACCMODE;
    if ((acc == 1 && m == O_WRONLY) || (acc == 2 && m == O_RDONLY))
        return NULL;
    return f;
}

static long abs_timeout(uint64_t uts, int64_t *deadline)
{
    *deadline = -1;
    if (!uts)
        return 0;
    struct linux_timespec ts;
    if (copy_from_user(&ts, uts, sizeof(ts)))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    *deadline = ts.tv_sec * 1000000000 + ts.tv_nsec;
    return 0;
}

static int mq_has_room(void *arg)
{
    const struct mqueue *q = arg;
    return q->curmsgs < q->maxmsg;
}

static int mq_has_msg(void *arg)
{
    return ((const struct mqueue *)arg)->curmsgs > 0;
}

SYS(mq_timedsend)
{
    int fd = (int)a0;
    uint64_t ubuf = (uint64_t)a1;
    size_t len = (size_t)a2;
    unsigned prio = (unsigned)a3;
    int64_t deadline;
    long r = abs_timeout((uint64_t)a4, &deadline);
    if (r < 0)
        return r;
    if ((unsigned long)a3 >= MQ_PRIO_MAX)
        return -EINVAL;
    struct file *f = mq_file(fd, 2);
    if (!f)
        return -EBADF;
    struct mqueue *q = f->priv;
    if ((long)len > q->msgsize || (long)len < 0)
        return -EMSGSIZE;
    struct mq_msg *m = kmalloc(sizeof(*m) + len);
    if (!m)
        return -ENOMEM;
    if (copy_from_user(m->text, ubuf, len)) {
        kfree(m);
        return -EFAULT;
    }
    m->prio = prio;
    m->len = len;
    if (!mq_has_room(q)) {
        if (f->flags & O_NONBLOCK) {
            kfree(m);
            return -EAGAIN;
        }
        file_get(f);
        r = wait_event(mq_has_room, q, CLOCK_REALTIME, deadline);
        file_put(f);
        if (r < 0) {
            kfree(m);
            return r;
        }
    }
    struct mq_msg **pp = &q->msgs;
    while (*pp && (*pp)->prio >= prio)
        pp = &(*pp)->next;
    m->next = *pp;
    *pp = m;
    q->curmsgs++;
    if (q->curmsgs == 1 && q->notify_pid && !q->receivers) {
        /* The queue became non-empty with nobody waiting: notify once. */
        struct process *owner = process_by_pid(q->notify_pid);
        if (owner && owner->state == PROC_RUNNING && q->notify_kind == SIGEV_SIGNAL) {
            struct k_siginfo si;
            al_memset(&si, 0, sizeof(si));
            si.si_signo = q->notify_sig;
            si.si_code = SI_MESGQ;
            si.u.kill.pid = current->proc->pid;
            si.u.kill.uid = current->proc->ruid;
            si.u.kill.value = q->notify_value;
            signal_send_process(owner, q->notify_sig, &si);
        }
        q->notify_pid = 0;
    }
    wake_all();
    return 0;
}

SYS(mq_timedreceive)
{
    int fd = (int)a0;
    uint64_t ubuf = (uint64_t)a1, uprio = (uint64_t)a3;
    size_t len = (size_t)a2;
    int64_t deadline;
    long r = abs_timeout((uint64_t)a4, &deadline);
    if (r < 0)
        return r;
    struct file *f = mq_file(fd, 1);
    if (!f)
        return -EBADF;
    struct mqueue *q = f->priv;
    if (len < (size_t)q->msgsize)
        return -EMSGSIZE;
    if (!mq_has_msg(q)) {
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        file_get(f);
        q->receivers++;
        r = wait_event(mq_has_msg, q, CLOCK_REALTIME, deadline);
        q->receivers--;
        file_put(f);
        if (r < 0)
            return r;
    }
    struct mq_msg *m = q->msgs;
    q->msgs = m->next;
    q->curmsgs--;
    wake_all();
    r = (long)m->len;
    if ((uprio && copy_to_user(uprio, &m->prio, sizeof(unsigned))) ||
        copy_to_user(ubuf, m->text, m->len))
        r = -EFAULT;
    kfree(m);
    return r;
}

SYS(mq_notify)
{
    int fd = (int)a0;
    uint64_t usev = (uint64_t)a1;
    struct abi_sigevent ev;
    if (usev) {
        if (copy_from_user(&ev, usev, sizeof(ev)))
            return -EFAULT;
        if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_THREAD)
            return -EINVAL;
        if (ev.notify == SIGEV_SIGNAL && (ev.signo < 0 || ev.signo > NSIG))
            return -EINVAL;
        if (ev.notify == SIGEV_THREAD)
            /* sigev_signo names a netlink socket: the enclave has none */
            return fd_get(ev.signo) ? -ECONNREFUSED : -EBADF;
    }
    struct file *f = fd_get(fd);
    if (!f || f->ops != &mq_ops)
        return -EBADF;
    struct mqueue *q = f->priv;
    int pid = current->proc->pid;
    if (!usev) {
        if (q->notify_pid == pid)
            q->notify_pid = 0;
        return 0;
    }
    if (q->notify_pid) {
        struct process *owner = process_by_pid(q->notify_pid);
        if (owner && owner->state == PROC_RUNNING)
            return -EBUSY;
    }
    q->notify_pid = pid;
    q->notify_kind = ev.notify;
    q->notify_sig = ev.signo;
    q->notify_value = ev.value;
    return 0;
}

SYS(mq_getsetattr)
{
    int fd = (int)a0;
    uint64_t unew = (uint64_t)a1, uold = (uint64_t)a2;
    struct abi_mq_attr in, out;
    if (unew) {
        if (copy_from_user(&in, unew, sizeof(in)))
            return -EFAULT;
        if (in.mq_flags & ~(long)O_NONBLOCK)
            return -EINVAL;
    }
    struct file *f = fd_get(fd);
    if (!f || f->ops != &mq_ops)
        return -EBADF;
    const struct mqueue *q = f->priv;
    al_memset(&out, 0, sizeof(out));
    out.mq_flags = f->flags & O_NONBLOCK;
    out.mq_maxmsg = q->maxmsg;
    out.mq_msgsize = q->msgsize;
    out.mq_curmsgs = q->curmsgs;
    if (unew)
        f->flags = (f->flags & ~O_NONBLOCK) | (int)(in.mq_flags & O_NONBLOCK);
    if (uold && copy_to_user(uold, &out, sizeof(out)))
        return -EFAULT;
    return 0;
}
