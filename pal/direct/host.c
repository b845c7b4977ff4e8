/*
 * host.c - the direct backend's PAL calls that reach the host: memory, files, time.
 *
 * File system calls are confined to the mount's host directory with openat2(2):
 * RESOLVE_BENEATH refuses "..", absolute paths and anything outside, RESOLVE_NO_SYMLINKS
 * refuses symlinks (the LibOS resolves symlinks itself, inside the enclave's view), so a
 * host-side race cannot redirect an access outside the root.
 */
#include "host.h"
#include "pal.h"
#include "al_string.h"

#define O_RDONLY 0
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define O_CREAT 0100
#define O_TMPFILE 020200000
#define AT_EMPTY_PATH 0x1000
#define AT_SYMLINK_NOFOLLOW 0x100

#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08

struct open_how {
    uint64_t flags, mode, resolve;
};

struct host_stat {
    uint64_t st_dev, st_ino, st_nlink;
    uint32_t st_mode, st_uid, st_gid, __pad0;
    uint64_t st_rdev;
    int64_t st_size, st_blksize, st_blocks;
    uint64_t st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
    int64_t __unused[3];
};

struct host_pollfd {
    int fd;
    short events, revents;
};

long pal_direct_errno(long r)
{
    return host_ret(r);
}

/* --- memory ------------------------------------------------------------------------------ */

static long mmap_flags(unsigned flags, int anon)
{
    long f = (flags & PAL_VM_SHARED) ? 0x01 : 0x02;
    if (anon)
        f |= 0x20;
    if (flags & PAL_VM_FIXED)
        f |= 0x10;
    else if (flags & PAL_VM_NOREPLACE)
        f |= 0x100000; /* MAP_FIXED_NOREPLACE */
    if (flags & PAL_VM_NORESERVE)
        f |= 0x4000;
    return f;
}

static int finish_map(long r, uint64_t addr, unsigned flags, size_t len, uint64_t *out)
{
    if (r < 0 && r >= -4095)
        return (int)host_ret(r);
    if (flags & PAL_VM_FIXED)
        pal_direct_rw_forget(addr, len, 0); /* what was there, rewritten sites too, is gone */
    if ((flags & PAL_VM_NOREPLACE) && (uint64_t)r != addr) {
        /* Kernels before 4.17 treat MAP_FIXED_NOREPLACE as a hint. */
        HSYS2(__NR_munmap, r, len);
        return -EEXIST;
    }
    *out = (uint64_t)r;
    return 0;
}

int pal_vm_map(uint64_t addr, size_t len, int prot, unsigned flags, uint64_t *out)
{
    long r = HSYS6(__NR_mmap, addr, len, prot, mmap_flags(flags, 1), -1, 0);
    return finish_map(r, addr, flags, len, out);
}

int pal_vm_map_file(uint64_t addr, size_t len, int prot, unsigned flags, pal_handle_t h,
                    uint64_t off, uint64_t *out)
{
    long r = HSYS6(__NR_mmap, addr, len, prot, mmap_flags(flags, 0), h, off);
    if (r == -EACCES || r == -ENODEV || r == -EINVAL)
        return -ENODEV; /* the core falls back to copying */
    return finish_map(r, addr, flags, len, out);
}

int pal_vm_unmap(uint64_t addr, size_t len)
{
    long r = host_ret(HSYS2(__NR_munmap, addr, len));
    if (r == 0)
        pal_direct_rw_forget(addr, len, 0);
    return (int)r;
}

int pal_vm_protect(uint64_t addr, size_t len, int prot)
{
    /* Code the program makes writable (a JIT) or reads must be what it wrote: rewritten
     * syscall sites in the range get their original bytes back first (rewrite.c). */
    pal_direct_rw_forget(addr, len, 1);
    return (int)host_ret(HSYS3(__NR_mprotect, addr, len, prot));
}

int pal_vm_remap(uint64_t old, size_t oldlen, size_t newlen, int flags, uint64_t newaddr,
                 uint64_t *out)
{
    /* A rewritten site's jump is relative: it may not move. */
    pal_direct_rw_forget(old, oldlen, 1);
    long r = HSYS5(__NR_mremap, old, oldlen, newlen, flags, newaddr);
    if (r < 0 && r >= -4095)
        return (int)host_ret(r);
    pal_direct_rw_forget((uint64_t)r, newlen, 0);
    *out = (uint64_t)r;
    return 0;
}

int pal_vm_advise(uint64_t addr, size_t len, int advice)
{
    long r = host_ret(HSYS3(__NR_madvise, addr, len, advice));
    /* MADV_DONTNEED and friends drop our private copy of rewritten code pages. */
    if (r == 0)
        pal_direct_rw_forget(addr, len, 0);
    return (int)r;
}

/* --- files ------------------------------------------------------------------------------- */

static long open_beneath(pal_handle_t root, const char *rel, uint64_t flags, uint64_t mode)
{
    struct open_how how = {flags | O_CLOEXEC, mode, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                                        RESOLVE_NO_MAGICLINKS};
    if (!(flags & (O_CREAT | O_TMPFILE)))
        how.mode = 0;
    return host_ret(HSYS4(__NR_openat2, root, rel[0] ? rel : ".", &how, sizeof(how)));
}

/* Open the parent directory of rel and point *base at its last component. */
static long open_parent(pal_handle_t root, const char *rel, const char **base)
{
    char dir[4096];
    const char *slash = al_strrchr(rel, '/');
    if (!slash) {
        *base = rel;
        return open_beneath(root, "", O_PATH | O_DIRECTORY, 0);
    }
    size_t n = (size_t)(slash - rel);
    if (n >= sizeof(dir))
        return -ENAMETOOLONG;
    al_memcpy(dir, rel, n);
    dir[n] = '\0';
    *base = slash + 1;
    return open_beneath(root, dir, O_PATH | O_DIRECTORY, 0);
}

int pal_fs_open(pal_handle_t root, const char *rel, int flags, int mode, pal_handle_t *out)
{
    long fd = open_beneath(root, rel, (uint32_t)flags, (uint32_t)mode);
    if (fd < 0)
        return (int)fd;
    *out = fd;
    return 0;
}

static void conv_stat(struct pal_stat *st, const struct host_stat *h)
{
    st->dev = h->st_dev, st->ino = h->st_ino, st->nlink = h->st_nlink;
    st->mode = h->st_mode, st->uid = h->st_uid, st->gid = h->st_gid;
    st->rdev = h->st_rdev, st->size = h->st_size, st->blksize = h->st_blksize;
    st->blocks = h->st_blocks;
    st->atime_sec = h->st_atime, st->atime_nsec = h->st_atime_nsec;
    st->mtime_sec = h->st_mtime, st->mtime_nsec = h->st_mtime_nsec;
    st->ctime_sec = h->st_ctime, st->ctime_nsec = h->st_ctime_nsec;
}

int pal_fs_fstat(pal_handle_t h, struct pal_stat *st)
{
    struct host_stat hs;
    long r = host_ret(HSYS2(__NR_fstat, h, &hs));
    if (r < 0)
        return (int)r;
    conv_stat(st, &hs);
    return 0;
}

int pal_fs_stat(pal_handle_t root, const char *rel, int nofollow, struct pal_stat *st)
{
    (void)nofollow; /* the core resolved every symlink already */
    long fd = open_beneath(root, rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0)
        return (int)fd;
    int r = pal_fs_fstat(fd, st);
    HSYS1(__NR_close, fd);
    return r;
}

long pal_fs_readlink(pal_handle_t root, const char *rel, char *buf, size_t size)
{
    long fd = open_beneath(root, rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0)
        return fd;
    long r = host_ret(HSYS4(__NR_readlinkat, fd, "", buf, size));
    if (r == -ENOENT) {
        /* readlinkat(fd, "") says ENOENT when fd is not a symlink; Linux's readlink says
         * EINVAL for that. */
        struct host_stat hs;
        if (HSYS2(__NR_fstat, fd, &hs) == 0 && (hs.st_mode & 0170000) != 0120000)
            r = -EINVAL;
    }
    HSYS1(__NR_close, fd);
    if (r > (long)size)
        r = -EIO;
    return r;
}

int pal_fs_access(pal_handle_t root, const char *rel, int mode)
{
    long fd = open_beneath(root, rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0)
        return (int)fd;
    long r = host_ret(HSYS4(__NR_faccessat2, fd, "", mode, AT_EMPTY_PATH));
    HSYS1(__NR_close, fd);
    return (int)r;
}

int pal_fs_mkdir(pal_handle_t root, const char *rel, int mode)
{
    const char *base;
    long d = open_parent(root, rel, &base);
    if (d < 0)
        return (int)d;
    long r = host_ret(HSYS3(__NR_mkdirat, d, base, mode));
    HSYS1(__NR_close, d);
    return (int)r;
}

int pal_fs_unlink(pal_handle_t root, const char *rel, int flags)
{
    const char *base;
    long d = open_parent(root, rel, &base);
    if (d < 0)
        return (int)d;
    long r = host_ret(HSYS3(__NR_unlinkat, d, base, flags & 0x200));
    HSYS1(__NR_close, d);
    return (int)r;
}

int pal_fs_rename(pal_handle_t oldroot, const char *oldrel, pal_handle_t newroot,
                  const char *newrel, unsigned flags)
{
    const char *ob, *nb;
    long od = open_parent(oldroot, oldrel, &ob);
    if (od < 0)
        return (int)od;
    long nd = open_parent(newroot, newrel, &nb);
    if (nd < 0) {
        HSYS1(__NR_close, od);
        return (int)nd;
    }
    long r = host_ret(HSYS5(__NR_renameat2, od, ob, nd, nb, flags));
    HSYS1(__NR_close, od);
    HSYS1(__NR_close, nd);
    return (int)r;
}

int pal_fs_symlink(const char *target, pal_handle_t root, const char *rel)
{
    const char *base;
    long d = open_parent(root, rel, &base);
    if (d < 0)
        return (int)d;
    long r = host_ret(HSYS3(__NR_symlinkat, target, d, base));
    HSYS1(__NR_close, d);
    return (int)r;
}

int pal_fs_link(pal_handle_t oldroot, const char *oldrel, pal_handle_t newroot, const char *newrel)
{
    const char *ob, *nb;
    long od = open_parent(oldroot, oldrel, &ob);
    if (od < 0)
        return (int)od;
    long nd = open_parent(newroot, newrel, &nb);
    if (nd < 0) {
        HSYS1(__NR_close, od);
        return (int)nd;
    }
    long r = host_ret(HSYS5(__NR_linkat, od, ob, nd, nb, 0));
    HSYS1(__NR_close, od);
    HSYS1(__NR_close, nd);
    return (int)r;
}

int pal_fs_link_handle(pal_handle_t h, pal_handle_t newroot, const char *newrel)
{
    const char *nb;
    long nd = open_parent(newroot, newrel, &nb);
    if (nd < 0)
        return (int)nd;
    long r = host_ret(HSYS5(__NR_linkat, h, "", nd, nb, 0x1000 /* AT_EMPTY_PATH */));
    HSYS1(__NR_close, nd);
    return (int)r;
}

int pal_fs_chmod(pal_handle_t root, const char *rel, int mode)
{
    /* Change the entry itself, never what a symlink planted meanwhile points to:
     * fchmodat2(O_PATH fd, "", AT_EMPTY_PATH) where the host has it (Linux 6.6+). */
    long fd = open_beneath(root, rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0)
        return (int)fd;
    long r = HSYS4(452 /* __NR_fchmodat2 */, fd, "", mode, AT_EMPTY_PATH);
    HSYS1(__NR_close, fd);
    if (r != -ENOSYS)
        return (int)host_ret(r);
    const char *base;
    long d = open_parent(root, rel, &base);
    if (d < 0)
        return (int)d;
    r = host_ret(HSYS3(__NR_fchmodat, d, base, mode));
    HSYS1(__NR_close, d);
    return (int)r;
}

int pal_fs_chown(pal_handle_t root, const char *rel, uint32_t uid, uint32_t gid)
{
    long fd = open_beneath(root, rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0)
        return (int)fd;
    long r = host_ret(HSYS5(__NR_fchownat, fd, "", uid, gid, AT_EMPTY_PATH));
    HSYS1(__NR_close, fd);
    return (int)r;
}

int pal_fs_fchown(pal_handle_t h, uint32_t uid, uint32_t gid)
{
    return (int)host_ret(HSYS5(__NR_fchownat, h, "", uid, gid, AT_EMPTY_PATH));
}

int pal_fs_mknod(pal_handle_t root, const char *rel, uint32_t mode)
{
    uint32_t type = mode & 0170000;
    if (type != 0010000 && type != 0100000 && type != 0140000) /* FIFO, file, socket name */
        return -EPERM;
    const char *base;
    long d = open_parent(root, rel, &base);
    if (d < 0)
        return (int)d;
    long r = host_ret(HSYS4(__NR_mknodat, d, base, mode, 0));
    HSYS1(__NR_close, d);
    return (int)r;
}

int pal_fs_utimens(pal_handle_t root, const char *rel, const int64_t times[4])
{
    const char *base;
    long d = open_parent(root, rel, &base);
    if (d < 0)
        return (int)d;
    long r = host_ret(HSYS4(__NR_utimensat, d, base, times, AT_SYMLINK_NOFOLLOW));
    HSYS1(__NR_close, d);
    return (int)r;
}

/* Wait for readiness with asynchronous signals let in for exactly this call. */
static long wait_ready(pal_handle_t h, short events, int64_t timeout_ns)
{
    struct host_pollfd p = {(int)h, events, 0};
    struct host_timespec ts, *tsp = 0;
    uint64_t nomask = 0;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
    }
    long r = pal_direct_blocking_syscall(__NR_ppoll, (long)&p, 1, (long)tsp, (long)&nomask, 8);
    if (r < 0)
        return host_ret(r);
    return r == 0 ? 0 : p.revents;
}

long pal_read(pal_handle_t h, void *buf, size_t n, int64_t off)
{
    if (off >= 0) {
        long r = host_ret(HSYS4(__NR_pread64, h, buf, n, off));
        return r > (long)n ? -EIO : r;
    }
    long r = off == PAL_STREAM_NOWAIT ? 0 : wait_ready(h, 1 /* POLLIN */, -1);
    if (r < 0)
        return r;
    r = host_ret(HSYS3(__NR_read, h, buf, n));
    return r > (long)n ? -EIO : r;
}

long pal_write(pal_handle_t h, const void *buf, size_t n, int64_t off)
{
    if (off >= 0) {
        long r = host_ret(HSYS4(__NR_pwrite64, h, buf, n, off));
        return r > (long)n ? -EIO : r;
    }
    long r = off == PAL_STREAM_NOWAIT ? 0 : wait_ready(h, 4 /* POLLOUT */, -1);
    if (r < 0)
        return r;
    r = host_ret(HSYS3(__NR_write, h, buf, n));
    return r > (long)n ? -EIO : r;
}

int pal_poll_one(pal_handle_t h, int events, int64_t timeout_ns)
{
    return (int)wait_ready(h, (short)events, timeout_ns);
}

long pal_fs_getdents(pal_handle_t h, void *buf, size_t n)
{
    long r = host_ret(HSYS3(__NR_getdents64, h, buf, n));
    return r > (long)n ? -EIO : r;
}

int pal_fs_rewinddir(pal_handle_t h)
{
    long r = host_ret(HSYS3(__NR_lseek, h, 0, 0));
    return r < 0 ? (int)r : 0;
}

int pal_fs_truncate(pal_handle_t h, int64_t len)
{
    return (int)host_ret(HSYS2(__NR_ftruncate, h, len));
}

int64_t pal_fs_seek_hole(pal_handle_t h, int64_t off, int whence)
{
    if (whence != 3 && whence != 4)
        return -EINVAL;
    return host_ret(HSYS3(__NR_lseek, h, off, whence));
}

int pal_fs_fallocate(pal_handle_t h, int mode, int64_t off, int64_t len)
{
    return (int)host_ret(HSYS4(__NR_fallocate, h, mode, off, len));
}

int pal_fs_memfd(const char *name, unsigned flags, pal_handle_t *out)
{
    long r = host_ret(HSYS2(__NR_memfd_create, name, flags | 1u /* MFD_CLOEXEC */));
    if (r < 0)
        return (int)r;
    *out = r;
    return 0;
}

int pal_fs_fsync(pal_handle_t h, int datasync)
{
    return (int)host_ret(HSYS1(datasync ? __NR_fdatasync : __NR_fsync, h));
}

int pal_fs_fchmod(pal_handle_t h, int mode)
{
    return (int)host_ret(HSYS2(__NR_fchmod, h, mode));
}

int pal_fs_fstatfs(pal_handle_t h, uint64_t out[15])
{
    return (int)host_ret(HSYS2(__NR_fstatfs, h, out));
}

int pal_fs_statfs(pal_handle_t root, const char *rel, uint64_t out[15])
{
    long fd = open_beneath(root, rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0)
        return (int)fd;
    long r = host_ret(HSYS2(__NR_fstatfs, fd, out));
    HSYS1(__NR_close, fd);
    return (int)r;
}

int pal_close(pal_handle_t h)
{
    return (int)host_ret(HSYS1(__NR_close, h));
}

int pal_tty_ioctl(pal_handle_t h, unsigned cmd, void *arg)
{
    switch (cmd) {
    case 0x5401: /* TCGETS */
    case 0x5402: /* TCSETS */
    case 0x5403: /* TCSETSW */
    case 0x5404: /* TCSETSF */
    case 0x5413: /* TIOCGWINSZ */
    case 0x5414: /* TIOCSWINSZ */
    case 0x540f: /* TIOCGPGRP */
    case 0x541b: /* FIONREAD */
        return (int)host_ret(HSYS3(__NR_ioctl, h, cmd, arg));
    default:
        return -ENOTTY;
    }
}

/* --- time, randomness, identity ---------------------------------------------------------- */

int pal_clock_get(int clock, int64_t *sec, int64_t *nsec)
{
    struct host_timespec ts;
    long r = host_ret(HSYS2(__NR_clock_gettime, clock, &ts));
    if (r < 0)
        return (int)r;
    *sec = ts.tv_sec;
    *nsec = ts.tv_nsec;
    return 0;
}

int pal_clock_res(int clock, int64_t *sec, int64_t *nsec)
{
    struct host_timespec ts;
    long r = host_ret(HSYS2(__NR_clock_getres, clock, &ts));
    if (r < 0)
        return (int)r;
    *sec = ts.tv_sec;
    *nsec = ts.tv_nsec;
    return 0;
}

int pal_cpu_clock_get(int64_t id, int thread, int which, int64_t *sec, int64_t *nsec)
{
    if (id <= 0 || id > 0x3fffffff || which < 0 || which > 2)
        return -EINVAL;
    /* Linux's CPU clock ids: ~pid << 3 | per-thread bit 4 | which. */
    int clock = (int)((unsigned)~(int)id << 3) | (thread ? 4 : 0) | which;
    return pal_clock_get(clock, sec, nsec);
}

int pal_sleep(int clock, int absolute, int64_t sec, int64_t nsec)
{
    struct host_timespec ts = {sec, nsec};
    if (absolute) {
        int64_t s = 0, ns = 0;
        int r = pal_clock_get(clock, &s, &ns);
        if (r < 0)
            return r;
        ts.tv_sec = sec - s;
        ts.tv_nsec = nsec - ns;
        if (ts.tv_nsec < 0) {
            ts.tv_nsec += 1000000000;
            ts.tv_sec--;
        }
        if (ts.tv_sec < 0)
            return 0;
    }
    uint64_t nomask = 0;
    long r = pal_direct_blocking_syscall(__NR_ppoll, 0, 0, (long)&ts, (long)&nomask, 8);
    return r < 0 ? (int)host_ret(r) : 0;
}

int pal_timer_set(int which, const int64_t nv[4], int64_t old[4])
{
    int64_t o[4];
    long r = host_ret(HSYS3(__NR_setitimer, which, nv, o));
    if (r == 0 && old)
        al_memcpy(old, o, sizeof(o));
    return (int)r;
}

int pal_timer_get(int which, int64_t cur[4])
{
    return (int)host_ret(HSYS2(__NR_getitimer, which, cur));
}

int pal_random(void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        long r = HSYS3(__NR_getrandom, p, n, 0);
        if (r == -EINTR)
            continue;
        if (r <= 0 || (size_t)r > n)
            return -EIO;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int pal_uname(struct pal_uname *u)
{
    return (int)host_ret(HSYS1(__NR_uname, u));
}
