/*
 * fdtable.c - the per-process file descriptor table and open file descriptions.
 *
 * A descriptor points at a struct file (an open file description) with a reference count;
 * dup() and, later, fork() share the description and therefore its offset and flags.
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"
#include "fs/vfs.h"

int fdtable_init(struct fdtable *t)
{
    t->size = 64;
    t->ent = kzalloc(sizeof(struct fdent) * (size_t)t->size);
    return t->ent ? 0 : -ENOMEM;
}

/* stat of the files Linux keeps on its one anonymous inode (eventfd, epoll, pidfd...):
 * mode 0600 without a file type, anon_inodefs' device. */
int anon_inode_stat(struct file *f, struct pal_stat *st)
{
    (void)f;
    al_memset(st, 0, sizeof(*st));
    st->mode = 0600;
    st->nlink = 1;
    st->blksize = 4096;
    st->dev = 14; /* anon_inodefs */
    st->ino = 1;
    return 0;
}

/* release of a file whose priv is one kmalloc'd block. */
void file_release_priv(struct file *f)
{
    kfree(f->priv);
}

struct file *file_alloc(const struct file_ops *ops, int flags, const char *path)
{
    struct file *f = kzalloc(sizeof(*f));
    if (!f)
        return NULL;
    f->refs = 1;
    f->ops = ops;
    f->flags = flags;
    f->h = PAL_HANDLE_NONE;
    f->path = kstrdup(path ? path : "");
    if (!f->path) {
        kfree(f);
        return NULL;
    }
    return f;
}

struct file *file_get(struct file *f)
{
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_SEQ_CST);
    return f;
}

void file_put(struct file *f)
{
    if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_SEQ_CST) > 0)
        return;
    lock_release(f, 0);
    fsnotify_file(f, (f->flags & O_ACCMODE) != O_RDONLY ? FSN_CLOSE_WRITE : FSN_CLOSE_NOWRITE);
    if (f->ops->release)
        f->ops->release(f);
    if (f->h != PAL_HANDLE_NONE)
        IGNORE(pal_close(f->h));
    if (f->counted_writer)
        mnt_writer_done(f->loc.mnt);
    path_put(&f->loc);
    kfree(f->path);
    kfree(f);
}

static int fd_limit(void)
{
    uint64_t lim = current->proc->rlim[RLIMIT_NOFILE].cur;
    return lim > FD_MAX ? FD_MAX : (int)lim;
}

int fd_install(struct file *f, int cloexec, int minfd)
{
    struct fdtable *t = &current->proc->fds;
    int lim = fd_limit();
    for (int fd = minfd; fd < lim; fd++) {
        if (fd >= t->size) {
            int nsize = t->size;
            while (nsize <= fd)
                nsize *= 2;
            if (nsize > FD_MAX)
                nsize = FD_MAX;
            struct fdent *n = kzalloc(sizeof(*n) * (size_t)nsize);
            if (!n)
                return -ENOMEM;
            al_memcpy(n, t->ent, sizeof(*n) * (size_t)t->size);
            kfree(t->ent);
            t->ent = n;
            t->size = nsize;
        }
        if (!t->ent[fd].f) {
            t->ent[fd].f = f;
            t->ent[fd].cloexec = cloexec;
            return fd;
        }
    }
    return minfd >= lim ? -EINVAL : -EMFILE;
}

/* Put f at exactly fd, closing what was there (dup2/dup3). */
static int fd_install_at(struct file *f, int fd, int cloexec)
{
    struct fdtable *t = &current->proc->fds;
    if (fd < 0 || fd >= fd_limit())
        return -EBADF;
    if (fd >= t->size) {
        int r = fd_install(f, cloexec, fd);
        return r;
    }
    struct file *old = t->ent[fd].f;
    t->ent[fd].f = f;
    t->ent[fd].cloexec = cloexec;
    if (old)
        file_put(old);
    return fd;
}

struct file *fd_get(int fd)
{
    struct fdtable *t = &current->proc->fds;
    if (fd < 0 || fd >= t->size)
        return NULL;
    return t->ent[fd].f;
}

int fd_close(int fd)
{
    struct fdtable *t = &current->proc->fds;
    if (fd < 0 || fd >= t->size || !t->ent[fd].f)
        return -EBADF;
    struct file *f = t->ent[fd].f;
    t->ent[fd].f = NULL;
    t->ent[fd].cloexec = 0;
    /* POSIX: closing any descriptor of a file drops the process's record locks on it. */
    lock_release(f, 1);
    file_put(f);
    return 0;
}

/* Close the descriptors marked close-on-exec (execve). */
void fd_close_on_exec(void)
{
    struct fdtable *t = &current->proc->fds;
    for (int fd = 0; fd < t->size; fd++)
        if (t->ent[fd].f && t->ent[fd].cloexec)
            IGNORE(fd_close(fd));
}

SYS(close)
{
    return fd_close((int)a0);
}

SYS(close_range)
{
    unsigned first = (unsigned)a0, last = (unsigned)a1;
    unsigned flags = (unsigned)a2;
    if (flags & ~6u) /* CLOSE_RANGE_UNSHARE 2, CLOSE_RANGE_CLOEXEC 4 */
        return -EINVAL;
    if (first > last)
        return -EINVAL;
    struct fdtable *t = &current->proc->fds;
    for (unsigned fd = first; fd <= last && fd < (unsigned)t->size; fd++) {
        if (!t->ent[fd].f)
            continue;
        if (flags & 4)
            t->ent[fd].cloexec = 1;
        else
            IGNORE(fd_close((int)fd));
    }
    return 0;
}

SYS(dup)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    int r = fd_install(file_get(f), 0, 0);
    if (r < 0)
        file_put(f);
    return r;
}

static long do_dup3(int oldfd, int newfd, int flags)
{
    struct file *f = fd_get(oldfd);
    if (!f)
        return -EBADF;
    if (newfd < 0 || newfd >= fd_limit())
        return -EBADF;
    int r = fd_install_at(file_get(f), newfd, (flags & O_CLOEXEC) != 0);
    if (r < 0)
        file_put(f);
    return r;
}

SYS(dup2)
{
    if (a0 == a1)
        return fd_get((int)a0) ? a1 : -EBADF;
    return do_dup3((int)a0, (int)a1, 0);
}

SYS(dup3)
{
    if (a2 & ~O_CLOEXEC)
        return -EINVAL;
    if (a0 == a1)
        return -EINVAL;
    return do_dup3((int)a0, (int)a1, (int)a2);
}

SYS(fcntl)
{
    int fd = (int)a0, cmd = (int)a1;
    struct fdtable *t = &current->proc->fds;
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if (a2 < 0 || a2 >= fd_limit())
            return -EINVAL;
        int r = fd_install(file_get(f), cmd == F_DUPFD_CLOEXEC, (int)a2);
        if (r < 0)
            file_put(f);
        return r;
    }
    case F_GETFD:
        return t->ent[fd].cloexec ? FD_CLOEXEC : 0;
    case F_SETFD:
        t->ent[fd].cloexec = (a2 & FD_CLOEXEC) != 0;
        return 0;
    case F_GETFL:
        return f->flags;
    case F_SETFL: {
        const int changeable = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
        f->flags = (f->flags & ~changeable) | ((int)a2 & changeable);
        return 0;
    }
    case F_GETLK:
    case F_OFD_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_SETLK:
    case F_OFD_SETLKW: {
        struct file *ref = file_get(f); /* F_SETLKW may wait with the lock dropped */
        long r = lock_fcntl(ref, cmd, (uint64_t)a2);
        file_put(ref);
        return r;
    }
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
        return pipe_fcntl(f, cmd, (unsigned long)a2);
    case 1026: /* F_NOTIFY (dnotify) */
        /* No directory notifications are delivered in the enclave: clearing them (no event
         * bits, DN_MULTISHOT alone) succeeds, asking for events is EINVAL as on a kernel
         * with dnotify disabled. */
        if (!((unsigned long)a2 & 0x7fffffffu))
            return 0;
        return S_ISDIR(f->mode) ? -EINVAL : -ENOTDIR;
    case F_GETOWN:
        return 0;
    case F_SETOWN:
        return 0;
    case F_GET_SEALS:
    case F_ADD_SEALS:
        return -EINVAL;
    default:
        return -EINVAL;
    }
}

SYS(flock)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    struct file *ref = file_get(f);
    long r = lock_flock(ref, (int)a1);
    file_put(ref);
    return r;
}
