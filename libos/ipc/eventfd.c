/*
 * eventfd.c - eventfd(2)/eventfd2(2): a 64-bit counter behind a file descriptor.
 *
 * write() adds to the counter, read() takes it (or, with EFD_SEMAPHORE, takes 1), both
 * 8 bytes at a time.  The counter never exceeds 0xfffffffffffffffe: a write that would
 * pass it blocks (or fails with EAGAIN), a read of a zero counter likewise.  Waits use
 * wait_until() (core lock dropped; the fd's reference is held by file.c), so a pending
 * signal ends them with -ERESTARTSYS as Linux does.  Every change calls wake_all().
 */
#include "libos.h"
#include "ipc/ipc.h"

#define EFD_SEMAPHORE 1
#define EFD_CLOEXEC O_CLOEXEC
#define EFD_NONBLOCK O_NONBLOCK
#define EFD_MAX 0xfffffffffffffffeull /* largest value the counter may hold */

struct eventfd {
    uint64_t count;
    int semaphore;
};

/* Wait conditions: a read needs a non-zero counter, a write room for its value. */
static int efd_readable(void *arg)
{
    return ((struct eventfd *)arg)->count > 0;
}

struct efd_add {
    struct eventfd *e;
    uint64_t v;
};

static int efd_room(void *arg)
{
    struct efd_add *a = arg;
    return EFD_MAX - a->e->count >= a->v;
}

/* read(2): n >= 8 or -EINVAL; copies the taken value (8 bytes) to buf and returns 8. */
static long efd_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    struct eventfd *e = f->priv;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    if (!efd_readable(e)) {
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        int r = wait_until(efd_readable, e);
        if (r < 0)
            return r;
    }
    uint64_t v = e->semaphore ? 1 : e->count;
    /* Taken before the copy, as Linux does: a bad buffer loses the value. */
    e->count -= v;
    wake_all(); /* room for blocked writers, news for epoll/poll waiters */
    if (io_out(buf, &v, sizeof(v), kbuf))
        return -EFAULT;
    return sizeof(v);
}

/* write(2): adds the 8-byte value at buf; UINT64_MAX and short buffers are -EINVAL. */
static long efd_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    struct eventfd *e = f->priv;
    uint64_t v;
    if (n < sizeof(v))
        return -EINVAL;
    if (io_in(&v, buf, sizeof(v), kbuf))
        return -EFAULT;
    if (v == ~0ull)
        return -EINVAL;
    struct efd_add a = {e, v};
    if (!efd_room(&a)) {
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        int r = wait_until(efd_room, &a);
        if (r < 0)
            return r;
    }
    e->count += v;
    wake_all(); /* readers and epoll/poll waiters */
    return sizeof(v);
}

/* Readable while the counter is non-zero; writable while adding 1 would not block. */
static int efd_poll(struct file *f, int events)
{
    struct eventfd *e = f->priv;
    int r = 0;
    if (e->count > 0)
        r |= POLLIN | POLLRDNORM;
    if (e->count < EFD_MAX)
        r |= POLLOUT | POLLWRNORM;
    return r & (events | POLLERR | POLLHUP);
}

static const struct file_ops eventfd_ops = {
    .read = efd_read,
    .write = efd_write,
    .poll = efd_poll,
    .stat = anon_inode_stat, /* Linux shows every eventfd as the shared anonymous inode */
    .release = file_release_priv,
    .seekable = 0,
};

/* eventfd2(initval, flags): a new descriptor, or -EINVAL (unknown flags) / -ENOMEM / -EMFILE. */
static long do_eventfd(unsigned initval, long flags)
{
    if (flags & ~(long)(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
        return -EINVAL;
    struct eventfd *e = kzalloc(sizeof(*e));
    struct file *f = e ? file_alloc(&eventfd_ops, O_RDWR | ((int)flags & O_NONBLOCK),
                                    "anon_inode:[eventfd]")
                       : NULL;
    if (!f) {
        kfree(e);
        return -ENOMEM;
    }
    e->count = initval;
    e->semaphore = (flags & EFD_SEMAPHORE) != 0;
    f->priv = e;
    f->mode = 0; /* anonymous inode: no S_IFMT type */
    int fd = fd_install(f, (flags & EFD_CLOEXEC) != 0, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

SYS(eventfd)
{
    return do_eventfd((unsigned)a0, 0);
}

SYS(eventfd2)
{
    return do_eventfd((unsigned)a0, (int)a1);
}

/* For AIO's IOCB_FLAG_RESFD (aio.c): is f an eventfd, and add n to its counter as
 * eventfd_signal() does in Linux (saturating at the maximum, never blocking). */
int eventfd_is(const struct file *f)
{
    return f && f->ops == &eventfd_ops;
}

void eventfd_add(struct file *f, uint64_t n)
{
    struct eventfd *e = f->priv;
    e->count = EFD_MAX - e->count < n ? EFD_MAX : e->count + n;
    wake_all();
}
