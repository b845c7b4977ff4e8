/*
 * file.c - syscalls on open descriptors: read/write and friends, lseek, getdents64, ioctl,
 * fsync/ftruncate, poll/select (sendfile, splice and copy_file_range are in splice.c).
 */
#include "libos.h"
#include "proc/proc.h"
#include "net/net.h"
#include "fs/vfs.h"
#include "ipc/ipc.h"

#define MAX_RW 0x7ffff000L /* Linux caps one transfer at 2 GiB - 4 KiB */
#define IOV_MAX 1024

long io_out(void *dst, const void *src, size_t n, int kbuf)
{
    if (kbuf) {
        al_memcpy(dst, src, n);
        return 0;
    }
    return copy_to_user((uint64_t)dst, src, n);
}

long io_in(void *dst, const void *src, size_t n, int kbuf)
{
    if (kbuf) {
        al_memcpy(dst, src, n);
        return 0;
    }
    return copy_from_user(dst, (uint64_t)src, n);
}

/* Look up fd for reading or writing; -EBADF/-EISDIR as Linux reports them.  On success
 * *out holds a reference (the transfer may block with the core lock dropped, and another
 * thread may close the fd meanwhile): release it with file_put(). */
static long rw_file(int fd, int writing, struct file **out)
{
    struct file *f = fd_get(fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    int acc = f->flags & O_ACCMODE;
    if (writing ? acc == O_RDONLY : acc == O_WRONLY)
        return -EBADF;
    if (S_ISDIR(f->mode))
        return -EISDIR;
    if (writing ? !f->ops->write : !f->ops->read)
        return -EINVAL;
    *out = file_get(f);
    return 0;
}

static long put_ret(struct file *f, long r)
{
    file_put(f);
    return r;
}

static long do_read(struct file *f, uint64_t buf, size_t n, int64_t *pos)
{
    if (n > MAX_RW)
        n = MAX_RW;
    if (!access_ok(buf, n))
        return -EFAULT;
    long r = f->ops->read(f, (void *)buf, n, pos, 0);
    if (r > 0)
        fsnotify_file(f, FSN_ACCESS);
    return r;
}

static long do_write(struct file *f, uint64_t buf, size_t n, int64_t *pos)
{
    if (n > MAX_RW)
        n = MAX_RW;
    if (!access_ok(buf, n))
        return -EFAULT;
    long r = f->ops->write(f, (const void *)buf, n, pos, 0);
    if (r > 0)
        fsnotify_file(f, FSN_MODIFY);
    if (r == -EPIPE && !unix_sock_is(f)) /* local sockets raise it themselves (streams) */
        signal_send_thread(current, SIGPIPE, NULL);
    return r;
}

static int64_t *stream_pos(struct file *f)
{
    return f->ops->seekable ? &f->pos : NULL;
}

SYS(read)
{
    struct file *f;
    long r = rw_file((int)a0, 0, &f);
    return r < 0 ? r : put_ret(f, do_read(f, (uint64_t)a1, (size_t)a2, stream_pos(f)));
}

SYS(write)
{
    struct file *f;
    long r = rw_file((int)a0, 1, &f);
    return r < 0 ? r : put_ret(f, do_write(f, (uint64_t)a1, (size_t)a2, stream_pos(f)));
}

SYS(pread64)
{
    struct file *f;
    long r = rw_file((int)a0, 0, &f);
    if (r < 0)
        return r;
    if (!f->ops->seekable || a3 < 0)
        return put_ret(f, !f->ops->seekable ? -ESPIPE : -EINVAL);
    int64_t pos = a3;
    return put_ret(f, do_read(f, (uint64_t)a1, (size_t)a2, &pos));
}

SYS(pwrite64)
{
    struct file *f;
    long r = rw_file((int)a0, 1, &f);
    if (r < 0)
        return r;
    if (!f->ops->seekable || a3 < 0)
        return put_ret(f, !f->ops->seekable ? -ESPIPE : -EINVAL);
    int64_t pos = a3;
    return put_ret(f, do_write(f, (uint64_t)a1, (size_t)a2, &pos));
}

/* readv/writev/preadv/pwritev: one transfer per vector entry, stopping at a short one. */
static long do_vec_file(struct file *f, uint64_t uiov, long cnt, int writing,
                        int64_t *pos_override);

static long do_vec(int fd, uint64_t uiov, long cnt, int writing, int64_t *pos_override)
{
    struct file *f;
    long r = rw_file(fd, writing, &f);
    if (r < 0)
        return r;
    return put_ret(f, do_vec_file(f, uiov, cnt, writing, pos_override));
}

static long do_vec_file(struct file *f, uint64_t uiov, long cnt, int writing,
                        int64_t *pos_override)
{
    long r;
    if (cnt < 0 || cnt > IOV_MAX)
        return -EINVAL;
    struct linux_iovec iov[64];
    long total = 0;
    int64_t *pos = pos_override ? pos_override : stream_pos(f);
    if (pos_override && !f->ops->seekable)
        return -ESPIPE;
    /* Validate every length first, as Linux does, so nothing is transferred on EINVAL. */
    uint64_t sum = 0;
    for (long base = 0; base < cnt; base += 64) {
        long k = MIN(64, cnt - base);
        if (copy_from_user(iov, uiov + (uint64_t)base * sizeof(iov[0]), (size_t)k * sizeof(iov[0])))
            return -EFAULT;
        for (long i = 0; i < k; i++) {
            if ((int64_t)iov[i].len < 0)
                return -EINVAL;
            sum += iov[i].len;
            if (sum > (uint64_t)0x7fffffffffffffffull)
                return -EINVAL;
        }
    }
    for (long base = 0; base < cnt; base += 64) {
        long k = MIN(64, cnt - base);
        if (copy_from_user(iov, uiov + (uint64_t)base * sizeof(iov[0]), (size_t)k * sizeof(iov[0])))
            return total ? total : -EFAULT;
        for (long i = 0; i < k; i++) {
            if (iov[i].len == 0)
                continue;
            r = writing ? do_write(f, iov[i].base, iov[i].len, pos)
                        : do_read(f, iov[i].base, iov[i].len, pos);
            if (r < 0)
                return total ? total : r;
            total += r;
            if ((uint64_t)r < iov[i].len)
                return total;
        }
    }
    return total;
}

SYS(readv)
{
    return do_vec((int)a0, (uint64_t)a1, a2, 0, NULL);
}

SYS(writev)
{
    return do_vec((int)a0, (uint64_t)a1, a2, 1, NULL);
}

SYS(preadv)
{
    if (a3 < 0)
        return -EINVAL;
    int64_t pos = a3;
    return do_vec((int)a0, (uint64_t)a1, a2, 0, &pos);
}

SYS(pwritev)
{
    if (a3 < 0)
        return -EINVAL;
    int64_t pos = a3;
    return do_vec((int)a0, (uint64_t)a1, a2, 1, &pos);
}

/* preadv2/pwritev2: offset -1 means the file's current position (as readv/writev).
 * Flags: RWF_HIPRI is a hint; RWF_DSYNC/RWF_SYNC make a write durable (fsync after it);
 * RWF_APPEND writes at the end of the file (the offset is ignored); RWF_NOAPPEND is
 * accepted; RWF_NOWAIT is accepted on regular files.  RWF_NOWAIT elsewhere, RWF_ATOMIC, RWF_DONTCACHE and unknown bits give EOPNOTSUPP, as
 * on a Linux file that does not support them.  As in Linux, an empty vector returns 0
 * before the flags are looked at. */
#define RWF_HIPRI 1
#define RWF_DSYNC 2
#define RWF_SYNC 4
#define RWF_NOWAIT 8
#define RWF_APPEND 0x10
#define RWF_NOAPPEND 0x20
static long do_vec2(int fd, uint64_t uiov, long cnt, int64_t off, int flags, int writing)
{
    struct file *f;
    if (off < -1)
        return -EINVAL;
    long r = rw_file(fd, writing, &f);
    if (r < 0)
        return r;
    if (off != -1 && !f->ops->seekable)
        return put_ret(f, -ESPIPE);
    if (cnt < 0 || cnt > IOV_MAX)
        return put_ret(f, -EINVAL);
    /* Total length first: a zero-length transfer ignores the flags. */
    uint64_t sum = 0;
    for (long i = 0; i < cnt; i++) {
        struct linux_iovec v;
        if (copy_from_user(&v, uiov + (uint64_t)i * sizeof(v), sizeof(v)))
            return put_ret(f, -EFAULT);
        if ((int64_t)v.len < 0)
            return put_ret(f, -EINVAL);
        sum += v.len;
    }
    if (sum == 0)
        return put_ret(f, 0);
    int known = RWF_HIPRI | (writing ? RWF_DSYNC | RWF_SYNC | RWF_APPEND | RWF_NOAPPEND : 0);
    if (!writing && (flags & (RWF_DSYNC | RWF_SYNC | RWF_APPEND | RWF_NOAPPEND)))
        known |= flags & (RWF_DSYNC | RWF_SYNC | RWF_APPEND | RWF_NOAPPEND); /* no effect on reads */
    if (f->ops->seekable && S_ISREG(f->mode))
        known |= RWF_NOWAIT; /* a host file's I/O does not wait on other I/O of ours */
    if (flags & ~known)
        return put_ret(f, -EOPNOTSUPP);
    int64_t pos = off;
    int64_t *pp = off == -1 ? NULL : &pos;
    if (writing && (flags & RWF_APPEND) && f->ops->seekable && f->ops->stat) {
        struct pal_stat st;
        r = f->ops->stat(f, &st);
        if (r < 0)
            return put_ret(f, r);
        pos = st.size;
        pp = &pos;
    }
    r = do_vec_file(f, uiov, cnt, writing, pp);
    if (writing && (flags & RWF_APPEND) && pp && off == -1 && r >= 0)
        f->pos = pos; /* writing at the current position moves it, to the new end */
    if (writing && r > 0 && (flags & (RWF_DSYNC | RWF_SYNC)) && f->ops->fsync) {
        long s = f->ops->fsync(f, !(flags & RWF_SYNC));
        if (s < 0)
            r = s;
    }
    return put_ret(f, r);
}

SYS(preadv2)
{
    return do_vec2((int)a0, (uint64_t)a1, a2, a3, (int)a5, 0);
}

SYS(pwritev2)
{
    return do_vec2((int)a0, (uint64_t)a1, a2, a3, (int)a5, 1);
}

SYS(lseek)
{
    struct file *f = fd_get((int)a0);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    int64_t off = a1, base;
    switch ((int)a2) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = f->pos;
        break;
    case SEEK_END:
    case SEEK_DATA:
    case SEEK_HOLE: {
        struct pal_stat st;
        int r = f->ops->stat(f, &st);
        if (r < 0)
            return r;
        if ((int)a2 == SEEK_END) {
            base = st.size;
            break;
        }
        if (off < 0 || off >= st.size)
            return -ENXIO;
        if (f->ops->seek_hole) {
            int64_t p = f->ops->seek_hole(f, off, (int)a2);
            return p < 0 ? p : (f->pos = p);
        }
        return f->pos = ((int)a2 == SEEK_DATA) ? off : st.size;
    }
    default:
        return -EINVAL;
    }
    if ((off > 0 && base > INT64_MAX - off))
        return -EOVERFLOW;
    int64_t npos = base + off;
    if (npos < 0)
        return -EINVAL;
    if (S_ISDIR(f->mode) && f->h != PAL_HANDLE_NONE) {
        /* Host directories can only be rewound (host directory cookies are not offsets);
         * enclave directories take back any offset getdents gave (telldir/seekdir). */
        if (npos != 0)
            return npos == f->pos ? npos : -EINVAL;
        if (f->ops->getdents && f->h != PAL_HANDLE_NONE) {
            int r = pal_fs_rewinddir(f->h);
            if (r < 0)
                return r;
        }
    }
    f->pos = npos;
    return npos;
}

SYS(getdents64)
{
    struct file *f = fd_get((int)a0);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (!S_ISDIR(f->mode) || !f->ops->getdents)
        return -ENOTDIR;
    size_t n = (size_t)a2;
    if (n > MAX_RW)
        n = MAX_RW;
    if (!access_ok((uint64_t)a1, n))
        return -EFAULT;
    long r = f->ops->getdents(f, (uint64_t)a1, n);
    if (r >= 0)
        fsnotify_file(f, FSN_ACCESS); /* Linux's iterate_dir */
    return r;
}

/* getdents(2), the old record format {ino, off, reclen, name, NUL, pad, type}: a record
 * has exactly the length of its linux_dirent64 twin (both are 20 bytes + the name,
 * rounded up to 8), so the getdents64 records are rewritten in place in the program's
 * buffer.  The buffer is program memory another thread may scribble on: every record is
 * checked again before it is converted, and a broken one ends the call with EFAULT. */
SYS(getdents)
{
    long n = sys_getdents64(a0, a1, a2, 0, 0, 0);
    if (n <= 0)
        return n;
    uint64_t u = (uint64_t)a1;
    for (long off = 0; off < n;) {
        unsigned char rec[24 + 256 + 8];
        uint16_t reclen;
        if (n - off < 20 || copy_from_user(&reclen, u + (uint64_t)off + 16, 2))
            return -EFAULT;
        if (reclen < 20 || reclen > sizeof(rec) || reclen > n - off)
            return -EFAULT;
        if (copy_from_user(rec, u + (uint64_t)off, reclen))
            return -EFAULT;
        unsigned char type = rec[18];
        size_t len = 0;
        while (19 + len < reclen && rec[19 + len])
            len++;
        if (19 + len >= reclen)
            return -EFAULT; /* no NUL inside the record */
        al_memmove(rec + 18, rec + 19, len);
        rec[18 + len] = 0;
        rec[reclen - 1] = type;
        if (copy_to_user(u + (uint64_t)off, rec, reclen))
            return -EFAULT;
        off += reclen;
    }
    return n;
}

SYS(ioctl)
{
    struct file *f = fd_get((int)a0);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    struct fdtable *t = &current->proc->fds;
    switch ((unsigned)a1) {
    case FIOCLEX:
        t->ent[a0].cloexec = 1;
        return 0;
    case FIONCLEX:
        t->ent[a0].cloexec = 0;
        return 0;
    case FIONBIO: {
        int on;
        if (copy_from_user(&on, (uint64_t)a2, sizeof(on)))
            return -EFAULT;
        f->flags = on ? (f->flags | O_NONBLOCK) : (f->flags & ~O_NONBLOCK);
        return 0;
    }
    }
    if (!f->ops->ioctl)
        return -ENOTTY;
    return f->ops->ioctl(f, (unsigned)a1, (uint64_t)a2);
}

static long do_fsync(long fd, int datasync)
{
    struct file *f = fd_get((int)fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (!f->ops->fsync)
        return -EINVAL;
    return f->ops->fsync(f, datasync);
}

SYS(fsync)
{
    return do_fsync(a0, 0);
}

SYS(fdatasync)
{
    return do_fsync(a0, 1);
}

SYS(ftruncate)
{
    struct file *f = fd_get((int)a0);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (a1 < 0)
        return -EINVAL;
    if (S_ISDIR(f->mode) || (f->flags & O_ACCMODE) == O_RDONLY || !f->ops->truncate)
        return -EINVAL;
    if (file_readonly(f))
        return -EROFS;
    long r = f->ops->truncate(f, a1);
    if (r == 0)
        fsnotify_file(f, FSN_MODIFY);
    return r;
}

/* fallocate(2), checked in Linux's order (vfs_fallocate): EBADF, EINVAL for the range,
 * EOPNOTSUPP for mode combinations Linux refuses, EBADF unless open for writing, ESPIPE on
 * pipes, EISDIR, ENODEV for other non-regular files, EFBIG when off + len wraps; then the
 * file system: host files pass the mode to the host file (mode 0 allocates and extends,
 * FALLOC_FL_KEEP_SIZE does not extend, the others as the host file system supports them);
 * files without the operation give EOPNOTSUPP. */
#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20
#define FALLOC_FL_UNSHARE_RANGE 0x40
#define FALLOC_FL_WRITE_ZEROES 0x80
SYS(fallocate)
{
    int mode = (int)a1;
    int64_t off = a2, len = a3;
    struct file *f = fd_get((int)a0);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (off < 0 || len <= 0)
        return -EINVAL;
    const int modes = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE |
                      FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_WRITE_ZEROES;
    if (mode & ~(modes | FALLOC_FL_KEEP_SIZE))
        return -EOPNOTSUPP;
    switch (mode & modes) {
    case 0:
    case FALLOC_FL_UNSHARE_RANGE:
    case FALLOC_FL_ZERO_RANGE:
        break;
    case FALLOC_FL_PUNCH_HOLE:
        if (!(mode & FALLOC_FL_KEEP_SIZE))
            return -EOPNOTSUPP;
        break;
    case FALLOC_FL_COLLAPSE_RANGE:
    case FALLOC_FL_INSERT_RANGE:
    case FALLOC_FL_WRITE_ZEROES:
        if (mode & FALLOC_FL_KEEP_SIZE)
            return -EOPNOTSUPP;
        break;
    default:
        return -EOPNOTSUPP;
    }
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    if ((f->mode & S_IFMT) == S_IFIFO)
        return -ESPIPE;
    if (S_ISDIR(f->mode))
        return -EISDIR;
    if (!S_ISREG(f->mode))
        return -ENODEV;
    if ((uint64_t)off + (uint64_t)len > (uint64_t)INT64_MAX) /* wraps (no signed overflow) */
        return -EFBIG;
    if (!f->ops->fallocate)
        return -EOPNOTSUPP;
    if (file_readonly(f))
        return -EROFS;
    return f->ops->fallocate(f, mode, off, len);
}

/* sync(2), syncfs(2): host files are written to the host with each write (the host kernel
 * writes its cache back as for any other process); file systems that keep data in the
 * enclave (the encrypted volume) commit it (vfs_sync_all, sb->ops->sync).  sync(2) cannot
 * fail; syncfs reports a failed commit. */
SYS(sync)
{
    IGNORE(vfs_sync_all());
    return 0;
}

SYS(syncfs)
{
    struct file *f = fd_get((int)a0);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    return vfs_syncfs(f);
}

SYS(fadvise64)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    if ((int)a3 < 0 || (int)a3 > 5 || a2 < 0)
        return -EINVAL;
    return 0; /* advice only: the host's page cache decides */
}

/* sync_file_range(2), Linux's checks (fs/sync.c): EBADF, unknown flags and a negative or
 * wrapping range EINVAL, ESPIPE for anything but a regular file, directory or link.  The
 * LibOS cannot write back part of a file: SYNC_FILE_RANGE_WRITE writes back its data
 * (fdatasync), the wait flags alone do nothing more. */
SYS(sync_file_range)
{
    struct file *f = fd_get((int)a0);
    int64_t off = a1, n = a2;
    unsigned flags = (unsigned)a3;
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (flags & ~7u)
        return -EINVAL;
    if (off < 0 || (int64_t)((uint64_t)off + (uint64_t)n) < 0 || (uint64_t)off + (uint64_t)n < (uint64_t)off)
        return -EINVAL;
    if (!S_ISREG(f->mode) && !S_ISDIR(f->mode) && !S_ISLNK(f->mode))
        return -ESPIPE;
    if (flags & 2 /* SYNC_FILE_RANGE_WRITE */)
        return do_fsync(a0, 1);
    return 0;
}

/* readahead(2): EBADF unless open for reading, EINVAL for what has no page cache (anything
 * but a regular file); then advice only, as fadvise(WILLNEED). */
SYS(readahead)
{
    struct file *f = fd_get((int)a0);
    if (!f || (f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    if (!S_ISREG(f->mode))
        return -EINVAL;
    return 0;
}

/* ---- poll/select ------------------------------------------------------------------------ */

static int poll_file(struct file *f, int events)
{
    if (f->ops->poll)
        return f->ops->poll(f, events);
    return events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
}

struct poll_state {
    struct linux_pollfd *fds;
    unsigned long n;
    int ready;
};

static int poll_scan(void *arg)
{
    struct poll_state *s = arg;
    s->ready = 0;
    for (unsigned long i = 0; i < s->n; i++) {
        struct linux_pollfd *p = &s->fds[i];
        p->revents = 0;
        if (p->fd < 0)
            continue;
        struct file *f = fd_get(p->fd);
        if (!f)
            p->revents = POLLNVAL;
        else
            p->revents = (short)(poll_file(f, p->events | POLLERR | POLLHUP) &
                                 (p->events | POLLERR | POLLHUP));
        if (p->revents)
            s->ready++;
    }
    return s->ready > 0;
}

/*
 * Wait for any of the descriptors, up to timeout_ns (-1 forever).  Files whose readiness is
 * the host's (host sockets, host streams) are asked in one host poll; enclave files (pipes,
 * eventfd...) through ->poll.  With any host handle in the set the thread sleeps in the
 * host (net/hostwait.c), kicked when an enclave object changes; with none, it sleeps on the
 * core's generation.  Never a polling loop.
 */
static long do_poll(struct linux_pollfd *fds, unsigned long n, int64_t timeout_ns)
{
    struct poll_state s = {fds, n, 0};
    int64_t deadline = timeout_ns < 0 ? -1 : net_now_ns() + timeout_ns;
    struct pal_pollfd *hp = kmalloc(sizeof(*hp) * (n ? n : 1));
    struct file **hf = kmalloc(sizeof(*hf) * (n ? n : 1));
    int *hi = kmalloc(sizeof(*hi) * (n ? n : 1));
    long ret;
    if (!hp || !hf || !hi) {
        ret = -ENOMEM;
        goto out;
    }
    for (;;) {
        int nh = 0, enclave = 0;
        s.ready = 0;
        current->wake_hint = 0; /* a timerfd's ->poll leaves its next expiry here */
        for (unsigned long i = 0; i < n; i++) {
            struct linux_pollfd *p = &fds[i];
            p->revents = 0;
            if (p->fd < 0)
                continue;
            struct file *f = fd_get(p->fd);
            pal_handle_t h = f ? file_host_poll_handle(f) : PAL_HANDLE_NONE;
            if (!f) {
                p->revents = POLLNVAL;
            } else if (h != PAL_HANDLE_NONE && nh < PAL_POLL_MAX) {
                hp[nh] = (struct pal_pollfd){h, (int16_t)(p->events | POLLERR | POLLHUP), 0, 0};
                hf[nh] = file_get(f);
                hi[nh++] = (int)i;
                continue;
            } else {
                enclave = 1;
                p->revents = (short)(poll_file(f, p->events | POLLERR | POLLHUP) &
                                     (p->events | POLLERR | POLLHUP));
            }
            if (p->revents)
                s.ready++;
        }
        if (!nh) {
            if (s.ready || timeout_ns == 0) {
                ret = s.ready;
                goto out;
            }
            /* Enclave objects only: every change of theirs calls wake_all(). */
            int w = wait_event(poll_scan, &s, CLOCK_MONOTONIC, deadline);
            if (w == -ETIMEDOUT || w == -ERESTARTSYS || w < 0) {
                ret = w == -ETIMEDOUT ? 0 : w == -ERESTARTSYS ? -ERESTARTNOHAND : w;
                goto out;
            }
            continue; /* ready: scan again to fill every revents */
        }
        int r;
        int look = s.ready || timeout_ns == 0 || (deadline >= 0 && net_now_ns() >= deadline);
        if (look)
            r = pal_poll(hp, nh, 0);
        else
            r = host_wait(hp, nh, enclave, wait_hint_take(deadline));
        for (int k = 0; k < nh; k++)
            file_put(hf[k]);
        if (r == -ERESTARTSYS) {
            ret = -ERESTARTNOHAND;
            goto out;
        }
        if (r < 0) {
            ret = r;
            goto out;
        }
        if (!look && r == 0)
            continue; /* kicked (or a slice ended): look at everything again */
        /* Host handles ready: their revents are fresh; enclave ones were 0 at the scan. */
        for (int k = 0; k < nh; k++) {
            struct linux_pollfd *p = &fds[hi[k]];
            p->revents = (short)(hp[k].revents & (p->events | POLLERR | POLLHUP | POLLNVAL));
            if (p->revents)
                s.ready++;
        }
        ret = s.ready;
        goto out;
    }
out:
    kfree(hp);
    kfree(hf);
    kfree(hi);
    return ret;
}

static long poll_common(uint64_t ufds, unsigned long n, int64_t timeout_ns)
{
    if (n > (unsigned long)current->proc->rlim[RLIMIT_NOFILE].cur)
        return -EINVAL;
    struct linux_pollfd *fds = kmalloc(sizeof(*fds) * (n ? n : 1));
    if (!fds)
        return -ENOMEM;
    long r = copy_from_user(fds, ufds, sizeof(*fds) * n);
    if (r == 0) {
        r = do_poll(fds, n, timeout_ns);
        for (unsigned long i = 0; i < n && r >= 0; i++)
            if (copy_to_user(ufds + i * sizeof(*fds) + 6, &fds[i].revents, 2))
                r = -EFAULT;
    }
    kfree(fds);
    return r;
}

SYS(poll)
{
    int ms = (int)a2;
    return poll_common((uint64_t)a0, (unsigned long)a1, ms < 0 ? -1 : (int64_t)ms * 1000000);
}

SYS(ppoll)
{
    int64_t t = -1;
    if (a2) {
        struct linux_timespec ts;
        long r = timespec_from_user((uint64_t)a2, &ts);
        if (r < 0)
            return r;
        t = ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    uint64_t old = current->sigmask;
    if (a3) {
        uint64_t m;
        if ((size_t)a4 != 8)
            return -EINVAL;
        if (copy_from_user(&m, (uint64_t)a3, 8))
            return -EFAULT;
        current->sigmask = m & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
    }
    long r = poll_common((uint64_t)a0, (unsigned long)a1, t);
    if (a3)
        signal_restore_mask_after(old, r);
    return r == -ERESTARTNOHAND && a3 ? -EINTR : r;
}

static long select_common(int n, uint64_t urd, uint64_t uwr, uint64_t uex, int64_t timeout_ns)
{
    if (n < 0 || n > FD_MAX)
        return -EINVAL;
    size_t bytes = (size_t)((n + 63) / 64) * 8;
    uint64_t in[3][FD_MAX / 64], out[3][FD_MAX / 64];
    uint64_t uptr[3] = {urd, uwr, uex};
    al_memset(in, 0, sizeof(in));
    for (int k = 0; k < 3; k++)
        if (uptr[k] && copy_from_user(in[k], uptr[k], bytes))
            return -EFAULT;
    /* Convert to a poll set. */
    int cnt = 0;
    for (int fd = 0; fd < n; fd++)
        if ((in[0][fd / 64] | in[1][fd / 64] | in[2][fd / 64]) >> (fd % 64) & 1)
            cnt++;
    struct linux_pollfd *fds = kmalloc(sizeof(*fds) * (size_t)(cnt ? cnt : 1));
    if (!fds)
        return -ENOMEM;
    int i = 0;
    for (int fd = 0; fd < n; fd++) {
        uint64_t b = 1ull << (fd % 64);
        int ev = ((in[0][fd / 64] & b) ? POLLIN : 0) | ((in[1][fd / 64] & b) ? POLLOUT : 0) |
                 ((in[2][fd / 64] & b) ? POLLPRI : 0);
        if (ev) {
            if (!fd_get(fd)) {
                kfree(fds);
                return -EBADF;
            }
            fds[i].fd = fd;
            fds[i].events = (short)ev;
            i++;
        }
    }
    long r = do_poll(fds, (unsigned long)cnt, timeout_ns);
    if (r >= 0) {
        al_memset(out, 0, sizeof(out));
        r = 0;
        for (i = 0; i < cnt; i++) {
            int fd = fds[i].fd;
            uint64_t b = 1ull << (fd % 64);
            short rev = fds[i].revents;
            if ((fds[i].events & POLLIN) && (rev & (POLLIN | POLLHUP | POLLERR)))
                out[0][fd / 64] |= b, r++;
            if ((fds[i].events & POLLOUT) && (rev & (POLLOUT | POLLERR)))
                out[1][fd / 64] |= b, r++;
            if ((fds[i].events & POLLPRI) && (rev & POLLPRI))
                out[2][fd / 64] |= b, r++;
        }
        for (int k = 0; k < 3; k++)
            if (uptr[k] && copy_to_user(uptr[k], out[k], bytes))
                r = -EFAULT;
    }
    kfree(fds);
    return r;
}

SYS(select)
{
    int64_t t = -1;
    if (a4) {
        struct linux_timeval tv;
        if (copy_from_user(&tv, (uint64_t)a4, sizeof(tv)))
            return -EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0)
            return -EINVAL;
        t = tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
    }
    return select_common((int)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3, t);
}

SYS(pselect6)
{
    int64_t t = -1;
    if (a4) {
        struct linux_timespec ts;
        long r = timespec_from_user((uint64_t)a4, &ts);
        if (r < 0)
            return r;
        t = ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    uint64_t old = current->sigmask;
    int masked = 0;
    if (a5) {
        struct {
            uint64_t set, size;
        } sm;
        if (copy_from_user(&sm, (uint64_t)a5, sizeof(sm)))
            return -EFAULT;
        if (sm.set) {
            uint64_t m;
            if (sm.size != 8)
                return -EINVAL;
            if (copy_from_user(&m, sm.set, 8))
                return -EFAULT;
            current->sigmask = m & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
            masked = 1;
        }
    }
    long r = select_common((int)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3, t);
    if (masked)
        signal_restore_mask_after(old, r);
    return r == -ERESTARTNOHAND && masked ? -EINTR : r;
}
