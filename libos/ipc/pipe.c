/*
 * pipe.c - pipes inside the enclave: a ring buffer in the shared heap (64 KiB, resizable
 * with F_SETPIPE_SZ), so both ends work between processes.
 *
 * Readers and writers wait with wait_until(), which sleeps interruptibly; writes of up to
 * PIPE_BUF bytes are atomic.  The pipe_* helpers at the end let splice.c move data in and
 * out of a ring directly.
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"

#define PIPE_DEF_SIZE 65536
#define PIPE_BUF 4096
#define PIPE_MAX_SIZE 1048576 /* /proc/sys/fs/pipe-max-size */

struct pipe {
    char *buf;
    size_t size;      /* ring size: a power of two, at least one page */
    size_t head, len; /* read position, bytes stored */
    int readers, writers;
    unsigned rgen, wgen;   /* opens of each end so far (a FIFO open waits for a change) */
    struct pipe **owner;   /* a FIFO's slot in its inode, cleared when the pipe goes */
};
#define PIPE_SIZE (p->size)

struct pipe_end {
    struct pipe *p;
    int writer;
    int both;         /* a FIFO opened O_RDWR: a reader and a writer at once */
};

static int can_read(void *arg)
{
    struct pipe *p = arg;
    return p->len > 0 || p->writers == 0;
}

static long pipe_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    struct pipe *p = ((struct pipe_end *)f->priv)->p;
    if (n == 0)
        return 0;
    if (!can_read(p)) {
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        int r = wait_until(can_read, p);
        if (r < 0)
            return r;
    }
    size_t done = 0;
    while (done < n && p->len > 0) {
        size_t c = MIN(n - done, MIN(p->len, PIPE_SIZE - p->head));
        if (io_out((char *)buf + done, p->buf + p->head, c, kbuf))
            return done ? (long)done : -EFAULT;
        p->head = (p->head + c) % PIPE_SIZE;
        p->len -= c;
        done += c;
    }
    wake_all(); /* room for writers */
    return (long)done;
}

struct wr_wait {
    struct pipe *p;
    size_t need;
};

static int can_write(void *arg)
{
    struct wr_wait *w = arg;
    return w->p->readers == 0 || w->p->size - w->p->len >= w->need;
}

static long pipe_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    struct pipe *p = ((struct pipe_end *)f->priv)->p;
    size_t done = 0;
    while (done < n) {
        if (p->readers == 0)
            return done ? (long)done : -EPIPE;
        /* Small writes go in whole; large ones in whatever space there is. */
        size_t need = (n - done <= PIPE_BUF) ? n - done : 1;
        struct wr_wait w = {p, need};
        if (!can_write(&w)) {
            if (f->flags & O_NONBLOCK)
                return done ? (long)done : -EAGAIN;
            int r = wait_until(can_write, &w);
            if (r < 0)
                return done ? (long)done : r;
            continue;
        }
        size_t tail = (p->head + p->len) % PIPE_SIZE;
        size_t c = MIN(n - done, MIN(PIPE_SIZE - p->len, PIPE_SIZE - tail));
        if (io_in(p->buf + tail, (const char *)buf + done, c, kbuf))
            return done ? (long)done : -EFAULT;
        p->len += c;
        done += c;
        wake_all(); /* data for readers */
    }
    return (long)done;
}

static int pipe_poll(struct file *f, int events)
{
    struct pipe_end *e = f->priv;
    struct pipe *p = e->p;
    int r = 0;
    if (!e->writer) {
        if (p->len)
            r |= POLLIN | POLLRDNORM;
        if (!p->writers)
            r |= POLLHUP;
    } else {
        if (PIPE_SIZE - p->len >= PIPE_BUF)
            r |= POLLOUT | POLLWRNORM;
        if (!p->readers)
            r |= POLLERR;
    }
    return r & (events | POLLHUP | POLLERR);
}

static int pipe_stat(struct file *f, struct pal_stat *st)
{
    al_memset(st, 0, sizeof(*st));
    st->mode = S_IFIFO | 0600;
    st->nlink = 1;
    st->blksize = 4096;
    st->dev = 12;
    st->ino = (uint64_t)((struct pipe_end *)f->priv)->p >> 4;
    return 0;
}

static long pipe_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    if (cmd != FIONREAD)
        return -ENOTTY;
    int n = (int)((struct pipe_end *)f->priv)->p->len;
    return copy_to_user(arg, &n, sizeof(n));
}

static void pipe_release(struct file *f)
{
    struct pipe_end *e = f->priv;
    struct pipe *p = e->p;
    if (e->writer || e->both)
        p->writers--;
    if (!e->writer || e->both)
        p->readers--;
    if (!p->readers && !p->writers) {
        if (p->owner)
            *p->owner = NULL;
        kfree(p->buf);
        kfree(p);
    }
    kfree(e);
    wake_all(); /* EOF or EPIPE for the other end */
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .poll = pipe_poll,
    .stat = pipe_stat,
    .ioctl = pipe_ioctl,
    .release = pipe_release,
    .seekable = 0,
};

int pipe_create(struct file **rd, struct file **wr, int flags)
{
    struct pipe *p = kzalloc(sizeof(*p));
    char *ring = kmalloc(PIPE_DEF_SIZE);
    struct pipe_end *re = kzalloc(sizeof(*re)), *we = kzalloc(sizeof(*we));
    char name[32];
    al_snprintf(name, sizeof(name), "pipe:[%lu]", (unsigned long)((uint64_t)p >> 4));
    struct file *r = file_alloc(&pipe_ops, O_RDONLY | (flags & O_NONBLOCK), name);
    struct file *w = file_alloc(&pipe_ops, O_WRONLY | (flags & O_NONBLOCK), name);
    if (!p || !ring || !re || !we || !r || !w) {
        kfree(p), kfree(ring), kfree(re), kfree(we);
        if (r)
            kfree(r->path), kfree(r);
        if (w)
            kfree(w->path), kfree(w);
        return -ENOMEM;
    }
    p->buf = ring;
    p->size = PIPE_DEF_SIZE;
    re->p = we->p = p;
    we->writer = 1;
    p->readers = p->writers = 1;
    r->priv = re;
    w->priv = we;
    r->mode = w->mode = S_IFIFO;
    *rd = r;
    *wr = w;
    return 0;
}

/* Opening a FIFO of an enclave file system (Linux's fifo_open): one pipe per inode while
 * it is open; readers wait for a writer and writers for a reader unless O_NONBLOCK (then a
 * writer without readers gets ENXIO); O_RDWR never waits. */
struct fifo_wait {
    struct pipe *p;
    int want_writer;
    unsigned gen;
};

static int fifo_peer(void *arg)
{
    struct fifo_wait *w = arg;
    return w->want_writer ? (w->p->writers > 0 || w->p->wgen != w->gen)
                          : (w->p->readers > 0 || w->p->rgen != w->gen);
}

int pipe_open_named(struct pipe **slot, int flags, const char *label, struct file **out)
{
    struct pipe *p = *slot;
    if (!p) {
        p = kzalloc(sizeof(*p));
        char *ring = kmalloc(PIPE_DEF_SIZE);
        if (!p || !ring) {
            kfree(p), kfree(ring);
            return -ENOMEM;
        }
        p->buf = ring;
        p->size = PIPE_DEF_SIZE;
        p->owner = slot;
        *slot = p;
    }
    int acc = flags & O_ACCMODE;
    struct pipe_end *e = kzalloc(sizeof(*e));
    struct file *f = e ? file_alloc(&pipe_ops, acc | (flags & O_NONBLOCK), label) : NULL;
    if (!f) {
        kfree(e);
        if (!p->readers && !p->writers) {
            *slot = NULL;
            kfree(p->buf), kfree(p);
        }
        return -ENOMEM;
    }
    e->p = p;
    e->writer = acc == O_WRONLY;
    f->priv = e;
    f->mode = S_IFIFO;
    if (acc == O_RDWR) {
        /* Both ends in one description: counted as a reader and a writer. */
        p->readers++, p->writers++, p->rgen++, p->wgen++;
        e->both = 1;
        *out = f;
        wake_all();
        return 0;
    }
    if (acc == O_RDONLY) {
        p->readers++, p->rgen++;
        wake_all();
        if (!p->writers && !(flags & O_NONBLOCK)) {
            struct fifo_wait w = {p, 1, p->wgen};
            int r = wait_until(fifo_peer, &w);
            if (r < 0) {
                file_put(f);
                return r;
            }
        }
    } else {
        if (!p->readers && (flags & O_NONBLOCK)) {
            kfree(e);
            f->priv = NULL;
            f->ops = &pipe_ops;
            /* an end never counted: free by hand */
            kfree(f->path), kfree(f);
            if (!p->readers && !p->writers) {
                *slot = NULL;
                kfree(p->buf), kfree(p);
            }
            return -ENXIO;
        }
        p->writers++, p->wgen++;
        wake_all();
        if (!p->readers) {
            struct fifo_wait w = {p, 0, p->rgen};
            int r = wait_until(fifo_peer, &w);
            if (r < 0) {
                file_put(f);
                return r;
            }
        }
    }
    *out = f;
    return 0;
}

static long do_pipe2(uint64_t ufds, int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return -EINVAL;
    struct file *r, *w;
    int err = pipe_create(&r, &w, flags);
    if (err < 0)
        return err;
    int fds[2];
    fds[0] = fd_install(r, (flags & O_CLOEXEC) != 0, 0);
    if (fds[0] < 0) {
        file_put(r);
        file_put(w);
        return fds[0];
    }
    fds[1] = fd_install(w, (flags & O_CLOEXEC) != 0, 0);
    if (fds[1] < 0) {
        IGNORE(fd_close(fds[0]));
        file_put(w);
        return fds[1];
    }
    if (copy_to_user(ufds, fds, sizeof(fds))) {
        IGNORE(fd_close(fds[0]));
        IGNORE(fd_close(fds[1]));
        return -EFAULT;
    }
    return 0;
}

SYS(pipe)
{
    return do_pipe2((uint64_t)a0, 0);
}

SYS(pipe2)
{
    return do_pipe2((uint64_t)a0, (int)a1);
}

/* ---- F_GETPIPE_SZ / F_SETPIPE_SZ -------------------------------------------------------- */

/* fcntl on a pipe (Linux's pipe_fcntl): the ring size, or resize it.  The new size is rounded
 * up to a power of two of at least one page; above pipe-max-size (1 MiB) is EPERM (the
 * enclave has no CAP_SYS_RESOURCE), above 2 GiB EINVAL, and EBUSY if the content would
 * not fit.  -EBADF for anything that is not an enclave pipe. */
long pipe_fcntl(struct file *f, int cmd, unsigned long arg)
{
    if (f->ops != &pipe_ops) {
        /* A host FIFO: its ring is the host's; report the default size and keep it. */
        if ((f->mode & S_IFMT) == S_IFIFO)
            return PIPE_DEF_SIZE;
        return -EBADF;
    }
    struct pipe *p = ((struct pipe_end *)f->priv)->p;
    if (cmd == F_GETPIPE_SZ)
        return (long)p->size;
    unsigned int req = (unsigned int)arg; /* Linux takes the argument as an unsigned int */
    if (req > (1u << 31))
        return -EINVAL;
    size_t size = PAGE_SIZE;
    while (size < req)
        size <<= 1;
    if (size > PIPE_MAX_SIZE)
        return -EPERM;
    if (size == p->size)
        return (long)size;
    if (p->len > size)
        return -EBUSY;
    char *nb = kmalloc(size);
    if (!nb)
        return -ENOMEM;
    size_t n = pipe_peek(p, nb, p->len);
    kfree(p->buf);
    p->buf = nb;
    p->size = size;
    p->head = 0;
    p->len = n;
    wake_all(); /* a bigger ring may let a writer go on */
    return (long)size;
}

/* ---- helpers for splice, tee, sendfile (splice.c) ---------------------------------------- */

struct pipe *pipe_of(struct file *f)
{
    return f->ops == &pipe_ops ? ((struct pipe_end *)f->priv)->p : NULL;
}

static int has_data(void *arg)
{
    struct pipe *p = arg;
    return p->len > 0 || p->writers == 0;
}

int pipe_wait_data(struct pipe *p, int nonblock)
{
    if (!has_data(p)) {
        if (nonblock)
            return -EAGAIN;
        int r = wait_until(has_data, p);
        if (r < 0)
            return r;
    }
    return p->len > 0;
}

static int has_room(void *arg)
{
    struct pipe *p = arg;
    return p->readers == 0 || p->len < p->size;
}

long pipe_wait_room(struct pipe *p, int nonblock)
{
    if (!has_room(p)) {
        if (nonblock)
            return -EAGAIN;
        int r = wait_until(has_room, p);
        if (r < 0)
            return r;
    }
    if (p->readers == 0) {
        signal_send_thread(current, SIGPIPE, NULL);
        return -EPIPE;
    }
    return (long)(p->size - p->len);
}

size_t pipe_peek(struct pipe *p, void *buf, size_t n)
{
    n = MIN(n, p->len);
    size_t first = MIN(n, p->size - p->head);
    al_memcpy(buf, p->buf + p->head, first);
    al_memcpy((char *)buf + first, p->buf, n - first);
    return n;
}

void pipe_consume(struct pipe *p, size_t n)
{
    n = MIN(n, p->len);
    p->head = (p->head + n) % p->size;
    p->len -= n;
    wake_all();
}

size_t pipe_append(struct pipe *p, const void *buf, size_t n)
{
    n = MIN(n, p->size - p->len);
    size_t tail = (p->head + p->len) % p->size;
    size_t first = MIN(n, p->size - tail);
    al_memcpy(p->buf + tail, buf, first);
    al_memcpy(p->buf, (const char *)buf + first, n - first);
    p->len += n;
    wake_all();
    return n;
}
