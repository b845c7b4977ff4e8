/*
 * hostfs.c - files that live on a host directory (the development root and --mount).
 *
 * The core keeps the offset itself (so descriptions can be shared between processes) and
 * reads and writes at explicit positions; everything the host returns is re-checked.
 */
#include "libos.h"

static long host_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)kbuf; /* the host writes straight into program or core memory */
    if (!pos && (f->flags & O_NONBLOCK) && !f->host_nonblock) {
        /* The host handle would block: only read what is ready now. */
        int ready = pal_poll_one(f->h, POLLIN, 0);
        if (ready == 0)
            return -EAGAIN;
    }
    int64_t mode = f->host_nonblock ? PAL_STREAM_NOWAIT : PAL_STREAM;
    if (!pos) {
        /* A stream may block for ever: let the other threads run meanwhile. */
        bkl_unlock();
        long r = pal_read(f->h, buf, n, mode);
        bkl_lock();
        /* Interrupted by an event: restart or EINTR depending on the handler (SA_RESTART). */
        return r == -EINTR ? -ERESTARTSYS : r;
    }
    long r = pal_read(f->h, buf, n, *pos);
    if (r > 0 && pos)
        *pos += r;
    return r;
}

/* RLIMIT_FSIZE: clip a write at offset off, or fail it with EFBIG and SIGXFSZ. */
static long fsize_clip(int64_t off, size_t *n)
{
    uint64_t lim = current->proc->rlim[RLIMIT_FSIZE].cur;
    if (lim == RLIM_INFINITY || *n == 0)
        return 0;
    if ((uint64_t)off >= lim) {
        signal_send_thread(current, SIGXFSZ, NULL);
        return -EFBIG;
    }
    if ((uint64_t)off + *n > lim)
        *n = (size_t)(lim - (uint64_t)off);
    return 0;
}

static long host_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)kbuf;
    if (f->mnt && !f->mnt->rw)
        return -EROFS;
    if (pos && (f->flags & O_APPEND)) {
        /* Write at the end.  If the host descriptor was opened with O_APPEND too, the host
         * puts it at the true end even if someone else grew the file meanwhile; with
         * O_APPEND set later by fcntl, the end we measured is used. */
        struct pal_stat st;
        int sr = pal_fs_fstat(f->h, &st);
        if (sr < 0)
            return sr;
        long lr = fsize_clip(st.size, &n);
        if (lr < 0)
            return lr;
        long r = pal_write(f->h, buf, n, st.size);
        if (r >= 0 && pal_fs_fstat(f->h, &st) == 0)
            *pos = st.size;
        return r;
    }
    if (!pos && (f->flags & O_NONBLOCK) && !f->host_nonblock) {
        int ready = pal_poll_one(f->h, POLLOUT, 0);
        if (ready == 0)
            return -EAGAIN;
    }
    if (pos && S_ISREG(f->mode)) {
        long lr = fsize_clip(*pos, &n);
        if (lr < 0)
            return lr;
    }
    int64_t mode = f->host_nonblock ? PAL_STREAM_NOWAIT : PAL_STREAM;
    if (!pos) {
        bkl_unlock();
        long r = pal_write(f->h, buf, n, mode);
        bkl_lock();
        return r == -EINTR ? -ERESTARTSYS : r;
    }
    long r = pal_write(f->h, buf, n, *pos);
    if (r > 0 && pos)
        *pos += r;
    return r;
}

static int host_stat(struct file *f, struct pal_stat *st)
{
    return pal_fs_fstat(f->h, st);
}

static int host_truncate(struct file *f, int64_t len)
{
    uint64_t lim = current->proc->rlim[RLIMIT_FSIZE].cur;
    if (lim != RLIM_INFINITY && (uint64_t)len > lim) {
        signal_send_thread(current, SIGXFSZ, NULL);
        return -EFBIG;
    }
    return pal_fs_truncate(f->h, len);
}

static int host_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
    /* Growing the file past RLIMIT_FSIZE: EFBIG and SIGXFSZ, as for a write. */
    uint64_t lim = current->proc->rlim[RLIMIT_FSIZE].cur;
    if (!(mode & 1 /* FALLOC_FL_KEEP_SIZE */) && lim != RLIM_INFINITY && (uint64_t)(off + len) > lim) {
        signal_send_thread(current, SIGXFSZ, NULL);
        return -EFBIG;
    }
    return pal_fs_fallocate(f->h, mode, off, len);
}

static int host_fsync(struct file *f, int datasync)
{
    return pal_fs_fsync(f->h, datasync);
}

/* Copy host getdents64 records to the program after checking each one. */
static long host_getdents(struct file *f, uint64_t ubuf, size_t n)
{
    size_t cap = MIN(n, (size_t)65536);
    char *buf = kmalloc(cap);
    if (!buf)
        return -ENOMEM;
    long r = pal_fs_getdents(f->h, buf, cap);
    if (r > 0) {
        for (long off = 0; off < r;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (r - off < 20 || d->d_reclen < 20 || d->d_reclen > r - off ||
                al_strnlen(d->d_name, d->d_reclen - 19) >= (size_t)(d->d_reclen - 19)) {
                warn("host returned a malformed directory record; rejecting it");
                r = -EIO;
                break;
            }
            off += d->d_reclen;
        }
        if (r > 0 && copy_to_user(ubuf, buf, (size_t)r))
            r = -EFAULT;
    }
    kfree(buf);
    return r;
}

static int host_stream_poll(struct file *f, int events)
{
    int r = pal_poll_one(f->h, events, 0);
    return r < 0 ? POLLERR : r;
}

static long host_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    char buf[64];
    size_t in = 0, out = 0;
    switch (cmd) {
    case TCGETS:
        out = LINUX_TERMIOS_SIZE;
        break;
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
        in = LINUX_TERMIOS_SIZE;
        break;
    case TIOCGWINSZ:
        out = LINUX_WINSIZE_SIZE;
        break;
    case TIOCSWINSZ:
        in = LINUX_WINSIZE_SIZE;
        break;
    case TIOCGPGRP:
        out = 4;
        break;
    case FIONREAD:
        out = 4;
        break;
    default:
        return -ENOTTY;
    }
    if (in && copy_from_user(buf, arg, in))
        return -EFAULT;
    /* Fail a bad output pointer before the host acts. */
    if (out && !access_ok(arg, out))
        return -EFAULT;
    int r = pal_tty_ioctl(f->h, cmd, buf);
    if (r < 0)
        return r;
    if (cmd == TIOCGPGRP) {
        /* The program sees its own process group as the terminal's foreground group. */
        int pg = current->proc->pgid;
        al_memcpy(buf, &pg, 4);
    }
    if (out && copy_to_user(arg, buf, out))
        return -EFAULT;
    return 0;
}

static long regular_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    if (cmd == FIONREAD && S_ISREG(f->mode)) {
        struct pal_stat st;
        int r = pal_fs_fstat(f->h, &st);
        if (r < 0)
            return r;
        int avail = st.size > f->pos ? (int)MIN(st.size - f->pos, (int64_t)0x7fffffff) : 0;
        return copy_to_user(arg, &avail, sizeof(avail));
    }
    return -ENOTTY;
}

const struct file_ops host_file_ops = {
    .read = host_read,
    .write = host_write,
    .getdents = host_getdents,
    .ioctl = regular_ioctl,
    .stat = host_stat,
    .truncate = host_truncate,
    .fsync = host_fsync,
    .fallocate = host_fallocate,
    .seekable = 1,
};

const struct file_ops host_stream_ops = {
    .read = host_read,
    .write = host_write,
    .ioctl = host_ioctl,
    .stat = host_stat,
    .fsync = host_fsync,
    .poll = host_stream_poll,
    .seekable = 0,
};

int stdio_install(const pal_handle_t h[3])
{
    static const char *const names[3] = {"host:[stdin]", "host:[stdout]", "host:[stderr]"};
    for (int i = 0; i < 3; i++) {
        struct pal_stat st;
        if (pal_fs_fstat(h[i], &st) < 0)
            continue; /* closed on the host: leave the fd closed too */
        struct file *f = file_alloc(&host_stream_ops, i == 0 ? O_RDONLY : O_WRONLY, names[i]);
        if (!f)
            return -ENOMEM;
        f->h = h[i];
        f->mode = st.mode & S_IFMT;
        /* A regular file given as stdio is read/written at the host's shared offset. */
        int r = fd_install(f, 0, i);
        if (r != i) {
            file_put(f);
            return r < 0 ? r : -EBADF;
        }
    }
    return 0;
}

/* memfd_create(2): an anonymous in-memory file.  The enclave asks the host for a memfd and
 * treats it as a regular host file (read/write/ftruncate/fallocate/mmap, MAP_SHARED
 * coherent across fork).  Flags as Linux checks them; the name is at most 249 bytes and
 * /proc/self/fd shows "/memfd:NAME (deleted)".  Sealing (F_ADD_SEALS) is not offered. */
#define MFD_CLOEXEC 1u
#define MFD_ALLOW_SEALING 2u
#define MFD_HUGETLB 4u
#define MFD_NOEXEC_SEAL 8u
#define MFD_EXEC 0x10u
#define MFD_NAME_MAX 249
SYS(memfd_create)
{
    unsigned flags = (unsigned)a1;
    char name[MFD_NAME_MAX + 1];
    if (flags & MFD_HUGETLB) {
        if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL |
                      MFD_EXEC | (0x3fu << 26)))
            return -EINVAL;
    } else if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) {
        return -EINVAL;
    }
    if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL))
        return -EINVAL;
    long n = strncpy_from_user(name, (uint64_t)a0, sizeof(name));
    if (n == -EFAULT)
        return n;
    if (n < 0)
        return -EINVAL; /* longer than MFD_NAME_MAX */
    if (flags & MFD_HUGETLB)
        return -EINVAL; /* the enclave has no huge pages to back it */
    char path[MFD_NAME_MAX + 32];
    al_snprintf(path, sizeof(path), "/memfd:%s (deleted)", name);
    struct file *f = file_alloc(&host_file_ops, O_RDWR | O_LARGEFILE, path);
    if (!f)
        return -ENOMEM;
    int r = pal_fs_memfd(name, flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING), &f->h);
    if (r < 0) {
        file_put(f);
        return r;
    }
    f->mode = S_IFREG;
    r = fd_install(f, (flags & MFD_CLOEXEC) != 0, 0);
    if (r < 0)
        file_put(f);
    return r;
}
