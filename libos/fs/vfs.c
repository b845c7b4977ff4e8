/*
 * vfs.c - the enclave's file name space: mounts, path resolution, and the syscalls that
 * take path names.
 *
 * Every path the program gives is resolved here into a canonical, symlink-free guest path
 * (common/path.c walks it, asking lookup() below about each component), then mapped to the
 * mount holding it.  Host mounts receive only the part below their root.
 */
#include "libos.h"

void vfs_add_synthetic_mounts(void)
{
    static const struct {
        const char *path;
        enum mount_type type;
    } syn[] = {{"/dev", MOUNT_DEV}, {"/proc", MOUNT_PROC}};
    for (unsigned i = 0; i < ARRAY_SIZE(syn) && nmounts < PAL_MAX_MOUNTS; i++) {
        /* A host directory mounted exactly there wins. */
        int taken = 0;
        for (int m = 0; m < nmounts; m++)
            if (al_strcmp(mounts[m].path, syn[i].path) == 0)
                taken = 1;
        if (taken)
            continue;
        mounts[nmounts].path = (char *)syn[i].path;
        mounts[nmounts].type = syn[i].type;
        mounts[nmounts].root = PAL_HANDLE_NONE;
        mounts[nmounts].rw = 0;
        nmounts++;
    }
}

struct mount *vfs_mount_of(const char *canon, const char **rel)
{
    struct mount *best = NULL;
    size_t bestlen = 0;
    for (int i = 0; i < nmounts; i++) {
        const char *r = path_under(canon, mounts[i].path);
        size_t l = al_strlen(mounts[i].path);
        if (r && (!best || l > bestlen)) {
            best = &mounts[i];
            bestlen = l;
            *rel = r;
        }
    }
    return best;
}

/* Is canon a mount point or an ancestor of one?  Those always exist as directories. */
static int is_mount_ancestor(const char *canon)
{
    for (int i = 0; i < nmounts; i++)
        if (path_under(mounts[i].path, canon))
            return 1;
    return 0;
}

static int kind_of(uint32_t mode)
{
    if (S_ISDIR(mode))
        return PATH_KIND_DIR;
    if (S_ISLNK(mode))
        return PATH_KIND_SYMLINK;
    return PATH_KIND_OTHER;
}

/* A small per-process cache of what directories and symlinks of read-only host mounts are,
 * so walking /usr/lib/python3.11/... does not ask the host about every prefix each time.
 * Only read-only mounts are cached: nothing in the enclave can change them. */
#define DCACHE_SIZE 512
#define DCACHE_PATH 192
static struct dentry {
    char path[DCACHE_PATH];
    char target[DCACHE_PATH];
    int kind;
} dcache[DCACHE_SIZE];

static struct dentry *dcache_slot(const char *p)
{
    uint32_t h = 2166136261u;
    for (const char *s = p; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return &dcache[h % DCACHE_SIZE];
}

static int lookup(void *ctx, const char *p, char *target, size_t tsize)
{
    (void)ctx;
    struct dentry *d = dcache_slot(p);
    if (d->kind && al_strcmp(d->path, p) == 0) {
        if (d->kind == PATH_KIND_SYMLINK)
            al_strlcpy(target, d->target, tsize);
        return d->kind;
    }
    if (is_mount_ancestor(p))
        return PATH_KIND_DIR;
    const char *rel;
    struct mount *m = vfs_mount_of(p, &rel);
    int kind;
    struct pal_stat st;
    switch (m->type) {
    case MOUNT_DEV:
        return dev_lookup(p, &kind, target, tsize, &st) ? kind : -ENOENT;
    case MOUNT_PROC:
        return proc_lookup(p, &kind, target, tsize, &st) ? kind : -ENOENT;
    case MOUNT_HOST:
        break;
    }
    int r = pal_fs_stat(m->root, rel, 1, &st);
    if (r < 0)
        return r;
    kind = kind_of(st.mode);
    if (kind == PATH_KIND_SYMLINK) {
        long n = pal_fs_readlink(m->root, rel, target, tsize - 1);
        if (n < 0)
            return (int)n;
        if ((size_t)n >= tsize - 1)
            return -ENAMETOOLONG;
        target[n] = '\0';
    }
    if (!m->rw && kind != PATH_KIND_OTHER && al_strlen(p) < DCACHE_PATH &&
        (kind != PATH_KIND_SYMLINK || al_strlen(target) < DCACHE_PATH)) {
        al_strlcpy(d->path, p, DCACHE_PATH);
        if (kind == PATH_KIND_SYMLINK)
            al_strlcpy(d->target, target, DCACHE_PATH);
        d->kind = kind;
    }
    return kind;
}

static const struct path_ops vfs_path_ops = {lookup};

int vfs_resolve(int dirfd, const char *path, int flags, char *out)
{
    const char *base = current->proc->cwd;
    if (!path[0])
        return -ENOENT;
    if (path[0] != '/' && dirfd != AT_FDCWD) {
        struct file *f = fd_get(dirfd);
        if (!f)
            return -EBADF;
        if (!S_ISDIR(f->mode))
            return -ENOTDIR;
        base = f->path;
    }
    return path_resolve(base, path, flags, &vfs_path_ops, NULL, out, PATH_MAX_LEN);
}

int vfs_stat(const char *canon, struct pal_stat *st)
{
    const char *rel;
    struct mount *m = vfs_mount_of(canon, &rel);
    int kind;
    char target[PATH_MAX_LEN];
    switch (m->type) {
    case MOUNT_DEV:
        return dev_lookup(canon, &kind, target, sizeof(target), st) ? 0 : -ENOENT;
    case MOUNT_PROC:
        return proc_lookup(canon, &kind, target, sizeof(target), st) ? 0 : -ENOENT;
    case MOUNT_HOST:
        break;
    }
    int r = pal_fs_stat(m->root, rel, 1, st);
    if (r == -ENOENT && is_mount_ancestor(canon)) {
        al_memset(st, 0, sizeof(*st));
        st->mode = S_IFDIR | 0755;
        st->nlink = 2;
        st->blksize = 4096;
        return 0;
    }
    return r;
}

/* Open flags the host understands (the core handles O_CLOEXEC, O_NONBLOCK...). */
#define HOST_OPEN_FLAGS \
    (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY | O_NOFOLLOW | O_PATH | \
     O_TMPFILE | O_DSYNC | O_SYNC | O_NOATIME | O_NOCTTY | O_NONBLOCK)

static int writes(int flags)
{
    return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) || (flags & O_TMPFILE) == O_TMPFILE;
}

int vfs_open(const char *canon, int flags, int mode, struct file **out)
{
    const char *rel;
    struct mount *m = vfs_mount_of(canon, &rel);
    if (m->type == MOUNT_DEV)
        return dev_open(canon, flags, out);
    if (m->type == MOUNT_PROC)
        return proc_open(canon, flags, out);
    if (!m->rw && !(flags & O_PATH) && writes(flags))
        return -EROFS;
    pal_handle_t h;
    int r = pal_fs_open(m->root, rel, flags & HOST_OPEN_FLAGS, mode, &h);
    if (r == -ENOENT && is_mount_ancestor(canon) && (flags & O_ACCMODE) == O_RDONLY)
        return -ENOTSUP; /* a directory that exists only as a mount's parent */
    if (r < 0)
        return r;
    struct pal_stat st;
    r = pal_fs_fstat(h, &st);
    if (r < 0) {
        IGNORE(pal_close(h));
        return r;
    }
    uint32_t type = st.mode & S_IFMT;
    const struct file_ops *ops =
        (type == S_IFREG || type == S_IFDIR || type == S_IFLNK) ? &host_file_ops : &host_stream_ops;
    struct file *f = file_alloc(ops, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOCTTY),
                                canon);
    if (!f) {
        IGNORE(pal_close(h));
        return -ENOMEM;
    }
    f->h = h;
    f->mode = type;
    f->mnt = m;
    f->host_nonblock = (flags & O_NONBLOCK) != 0;
    *out = f;
    return 0;
}

/* Copy a path argument from the program. */
static long get_path(uint64_t upath, char *buf)
{
    long n = strncpy_from_user(buf, upath, PATH_MAX_LEN);
    if (n < 0)
        return n;
    return 0;
}

static long do_openat(int dirfd, uint64_t upath, int flags, int mode)
{
    char path[PATH_MAX_LEN], canon[PATH_MAX_LEN];
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    if ((flags & O_TMPFILE) == O_TMPFILE && (flags & O_ACCMODE) == O_RDONLY)
        return -EINVAL;
    int rf = 0;
    if (flags & O_NOFOLLOW)
        rf |= PATH_NOFOLLOW;
    if (flags & O_CREAT) {
        rf |= PATH_PARENT;
        if (flags & O_EXCL)
            rf |= PATH_NOFOLLOW;
    }
    if (flags & O_DIRECTORY)
        rf |= PATH_DIRECTORY;
    r = vfs_resolve(dirfd, path, rf, canon);
    if (r < 0)
        return r;
    if (r == 0 && (flags & O_CREAT) && (flags & O_EXCL))
        return -EEXIST;
    if (r == 1) {
        /* Creating: the name must not end in '/' and the mount must be writable. */
        size_t l = al_strlen(path);
        if (path[l - 1] == '/')
            return -EISDIR;
        const char *rel;
        struct mount *m = vfs_mount_of(canon, &rel);
        if (m->type != MOUNT_HOST || !m->rw)
            return -EROFS;
    } else if (!(flags & O_PATH)) {
        struct pal_stat st;
        if (vfs_stat(canon, &st) == 0 && S_ISDIR(st.mode) && writes(flags))
            return -EISDIR;
    }
    struct file *f;
    r = vfs_open(canon, flags, mode & ~(int)current->proc->umask & 07777, &f);
    if (r < 0)
        return r;
    /* x86-64 Linux's open() adds O_LARGEFILE, and F_GETFL shows it (pipes and sockets,
     * which are not opened by name, do not have it). */
    f->flags |= O_LARGEFILE;
    r = fd_install(f, (flags & O_CLOEXEC) != 0, 0);
    if (r < 0)
        file_put(f);
    return r;
}

SYS(open)
{
    return do_openat(AT_FDCWD, (uint64_t)a0, (int)a1, (int)a2);
}

SYS(openat)
{
    return do_openat((int)a0, (uint64_t)a1, (int)a2, (int)a3);
}

SYS(creat)
{
    return do_openat(AT_FDCWD, (uint64_t)a0, O_CREAT | O_WRONLY | O_TRUNC, (int)a1);
}

/* Resolve (dirfd, upath) honouring AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW; an empty path with
 * AT_EMPTY_PATH yields the descriptor's file in *fout instead. */
static long resolve_at(int dirfd, uint64_t upath, int atflags, int follow_default, char *canon,
                       struct file **fout)
{
    char path[PATH_MAX_LEN];
    *fout = NULL;
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    if (path[0] == '\0' && (atflags & AT_EMPTY_PATH)) {
        if (dirfd == AT_FDCWD) {
            al_strlcpy(canon, current->proc->cwd, PATH_MAX_LEN);
            return 0;
        }
        struct file *f = fd_get(dirfd);
        if (!f)
            return -EBADF;
        *fout = f;
        return 0;
    }
    int nofollow = follow_default ? (atflags & AT_SYMLINK_NOFOLLOW) != 0
                                  : !(atflags & AT_SYMLINK_FOLLOW);
    return vfs_resolve(dirfd, path, nofollow ? PATH_NOFOLLOW : 0, canon);
}

static void to_linux_stat(struct linux_stat *ls, const struct pal_stat *st)
{
    al_memset(ls, 0, sizeof(*ls));
    ls->st_dev = st->dev, ls->st_ino = st->ino, ls->st_nlink = st->nlink;
    ls->st_mode = st->mode, ls->st_uid = st->uid, ls->st_gid = st->gid;
    ls->st_rdev = st->rdev, ls->st_size = st->size, ls->st_blksize = st->blksize;
    ls->st_blocks = st->blocks;
    ls->st_atime = (uint64_t)st->atime_sec, ls->st_atime_nsec = (uint64_t)st->atime_nsec;
    ls->st_mtime = (uint64_t)st->mtime_sec, ls->st_mtime_nsec = (uint64_t)st->mtime_nsec;
    ls->st_ctime = (uint64_t)st->ctime_sec, ls->st_ctime_nsec = (uint64_t)st->ctime_nsec;
}

static long stat_at(int dirfd, uint64_t upath, int atflags, struct pal_stat *st)
{
    char canon[PATH_MAX_LEN];
    struct file *f;
    if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    long r = resolve_at(dirfd, upath, atflags, 1, canon, &f);
    if (r < 0)
        return r;
    if (f) {
        if (!f->ops->stat)
            return -EBADF;
        return f->ops->stat(f, st);
    }
    return vfs_stat(canon, st);
}

SYS(fstat)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    struct pal_stat st;
    struct linux_stat ls;
    if (!f->ops->stat)
        return -EBADF;
    int r = f->ops->stat(f, &st);
    if (r < 0)
        return r;
    to_linux_stat(&ls, &st);
    return copy_to_user((uint64_t)a1, &ls, sizeof(ls));
}

static long stat_to_user(long r, const struct pal_stat *st, uint64_t ubuf)
{
    if (r < 0)
        return r;
    struct linux_stat ls;
    to_linux_stat(&ls, st);
    return copy_to_user(ubuf, &ls, sizeof(ls));
}

SYS(stat)
{
    struct pal_stat st;
    return stat_to_user(stat_at(AT_FDCWD, (uint64_t)a0, 0, &st), &st, (uint64_t)a1);
}

SYS(lstat)
{
    struct pal_stat st;
    return stat_to_user(stat_at(AT_FDCWD, (uint64_t)a0, AT_SYMLINK_NOFOLLOW, &st), &st,
                        (uint64_t)a1);
}

SYS(newfstatat)
{
    struct pal_stat st;
    return stat_to_user(stat_at((int)a0, (uint64_t)a1, (int)a3, &st), &st, (uint64_t)a2);
}

SYS(statx)
{
    struct pal_stat st;
    if ((unsigned)a3 & 0x80000000u) /* STATX__RESERVED */
        return -EINVAL;
    if (((int)a2 & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
        return -EINVAL;
    long r = stat_at((int)a0, (uint64_t)a1, (int)a2, &st);
    if (r < 0)
        return r;
    struct linux_statx sx;
    al_memset(&sx, 0, sizeof(sx));
    sx.stx_mask = STATX_BASIC_STATS;
    sx.stx_blksize = (uint32_t)st.blksize;
    sx.stx_nlink = (uint32_t)st.nlink;
    sx.stx_uid = st.uid;
    sx.stx_gid = st.gid;
    sx.stx_mode = (uint16_t)st.mode;
    sx.stx_ino = st.ino;
    sx.stx_size = (uint64_t)st.size;
    sx.stx_blocks = (uint64_t)st.blocks;
    sx.stx_atime.tv_sec = st.atime_sec, sx.stx_atime.tv_nsec = (uint32_t)st.atime_nsec;
    sx.stx_mtime.tv_sec = st.mtime_sec, sx.stx_mtime.tv_nsec = (uint32_t)st.mtime_nsec;
    sx.stx_ctime.tv_sec = st.ctime_sec, sx.stx_ctime.tv_nsec = (uint32_t)st.ctime_nsec;
    /* Linux's dev_t encoding: major in bits 8-19 and 32+, minor in 0-7 and 20-31. */
    sx.stx_rdev_major = (uint32_t)(((st.rdev >> 8) & 0xfff) | ((st.rdev >> 32) & ~0xfffull));
    sx.stx_rdev_minor = (uint32_t)((st.rdev & 0xff) | ((st.rdev >> 12) & ~0xffull));
    sx.stx_dev_major = (uint32_t)(((st.dev >> 8) & 0xfff) | ((st.dev >> 32) & ~0xfffull));
    sx.stx_dev_minor = (uint32_t)((st.dev & 0xff) | ((st.dev >> 12) & ~0xffull));
    return copy_to_user((uint64_t)a4, &sx, sizeof(sx));
}

static long do_access(int dirfd, uint64_t upath, int mode, int flags)
{
    char path[PATH_MAX_LEN], canon[PATH_MAX_LEN];
    if (mode & ~7)
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
        if (dirfd != AT_FDCWD && !fd_get(dirfd))
            return -EBADF;
        return 0;
    }
    r = vfs_resolve(dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) ? PATH_NOFOLLOW : 0, canon);
    if (r < 0)
        return r;
    const char *rel;
    struct mount *m = vfs_mount_of(canon, &rel);
    if ((mode & W_OK) && !(m->type == MOUNT_HOST && m->rw)) {
        /* Read-only mounts refuse writes even to root, except on device nodes. */
        struct pal_stat st;
        r = vfs_stat(canon, &st);
        if (r < 0)
            return r;
        if ((st.mode & S_IFMT) != S_IFCHR && (st.mode & S_IFMT) != S_IFIFO)
            return -EROFS;
    }
    if (m->type != MOUNT_HOST || is_mount_ancestor(canon)) {
        struct pal_stat st;
        r = vfs_stat(canon, &st);
        if (r < 0)
            return r;
        if ((mode & X_OK) && !(st.mode & 0111) && !S_ISDIR(st.mode))
            return -EACCES;
        return 0;
    }
    return pal_fs_access(m->root, rel, mode);
}

SYS(access)
{
    return do_access(AT_FDCWD, (uint64_t)a0, (int)a1, 0);
}

SYS(faccessat)
{
    return do_access((int)a0, (uint64_t)a1, (int)a2, 0);
}

SYS(faccessat2)
{
    return do_access((int)a0, (uint64_t)a1, (int)a2, (int)a3);
}

/* Read the target of the symlink at canon (host or synthetic). */
static long read_link(const char *canon, char *buf, size_t size)
{
    const char *rel;
    struct mount *m = vfs_mount_of(canon, &rel);
    int kind;
    struct pal_stat st;
    if (m->type == MOUNT_HOST) {
        if (is_mount_ancestor(canon))
            return -EINVAL;
        return pal_fs_readlink(m->root, rel, buf, size);
    }
    int found = m->type == MOUNT_DEV ? dev_lookup(canon, &kind, buf, size, &st)
                                     : proc_lookup(canon, &kind, buf, size, &st);
    if (!found)
        return -ENOENT;
    if (!S_ISLNK(st.mode))
        return -EINVAL;
    return (long)al_strlen(buf);
}

static long do_readlinkat(int dirfd, uint64_t upath, uint64_t ubuf, long size)
{
    char canon[PATH_MAX_LEN], target[PATH_MAX_LEN];
    struct file *f;
    if (size <= 0)
        return -EINVAL;
    long r = resolve_at(dirfd, upath, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, 1, canon, &f);
    if (r < 0)
        return r;
    if (f)
        return -ENOENT;
    r = read_link(canon, target, sizeof(target));
    if (r < 0)
        return r;
    if (r > size)
        r = size;
    return copy_to_user(ubuf, target, (size_t)r) ? -EFAULT : r;
}

SYS(readlink)
{
    return do_readlinkat(AT_FDCWD, (uint64_t)a0, (uint64_t)a1, a2);
}

SYS(readlinkat)
{
    return do_readlinkat((int)a0, (uint64_t)a1, (uint64_t)a2, a3);
}

SYS(getcwd)
{
    const char *cwd = current->proc->cwd;
    size_t n = al_strlen(cwd) + 1;
    struct pal_stat st;
    if (vfs_stat(cwd, &st) == -ENOENT)
        return -ENOENT; /* the directory was removed */
    if ((size_t)a1 < n)
        return -ERANGE;
    if (copy_to_user((uint64_t)a0, cwd, n))
        return -EFAULT;
    return (long)n;
}

SYS(chdir)
{
    char path[PATH_MAX_LEN], canon[PATH_MAX_LEN];
    long r = get_path((uint64_t)a0, path);
    if (r < 0)
        return r;
    r = vfs_resolve(AT_FDCWD, path, PATH_DIRECTORY, canon);
    if (r < 0)
        return r;
    al_strlcpy(current->proc->cwd, canon, PATH_MAX_LEN);
    return 0;
}

SYS(fchdir)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (!S_ISDIR(f->mode))
        return -ENOTDIR;
    al_strlcpy(current->proc->cwd, f->path, PATH_MAX_LEN);
    return 0;
}

/* Resolve a path naming an entry to create or remove: the parent must exist; the entry
 * itself is not followed.  Returns the mount (host, writable) or -errno. */
static long entry_at(int dirfd, uint64_t upath, char *canon, int *exists, struct mount **mout,
                     const char **rel, int flags)
{
    char path[PATH_MAX_LEN];
    *exists = 0;
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    r = vfs_resolve(dirfd, path, PATH_PARENT | PATH_NOFOLLOW | flags, canon);
    if (r < 0)
        return r;
    *exists = r == 0;
    if (al_strcmp(canon, "/") == 0 || is_mount_ancestor(canon))
        return *exists ? -EBUSY : -EROFS;
    struct mount *m = vfs_mount_of(canon, rel);
    if (m->type != MOUNT_HOST || !m->rw)
        return -EROFS;
    *mout = m;
    return 0;
}

static long do_mkdirat(int dirfd, uint64_t upath, int mode)
{
    char canon[PATH_MAX_LEN];
    int exists;
    struct mount *m;
    const char *rel;
    long r = entry_at(dirfd, upath, canon, &exists, &m, &rel, 0);
    if (r < 0 && r != -EROFS && r != -EBUSY)
        return r;
    if (exists)
        return -EEXIST;
    if (r < 0)
        return r;
    return pal_fs_mkdir(m->root, rel, mode & ~(int)current->proc->umask & 07777);
}

SYS(mkdir)
{
    return do_mkdirat(AT_FDCWD, (uint64_t)a0, (int)a1);
}

SYS(mkdirat)
{
    return do_mkdirat((int)a0, (uint64_t)a1, (int)a2);
}

static long do_unlinkat(int dirfd, uint64_t upath, int flags)
{
    char canon[PATH_MAX_LEN];
    int exists;
    struct mount *m;
    const char *rel;
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    if (flags & AT_REMOVEDIR) {
        /* rmdir("x/.") is EINVAL, rmdir("x/..") ENOTEMPTY, as Linux says. */
        char path[PATH_MAX_LEN];
        long r = get_path(upath, path);
        if (r < 0)
            return r;
        size_t l = al_strlen(path);
        while (l > 1 && path[l - 1] == '/')
            l--;
        if ((l == 1 && path[0] == '.') || (l >= 2 && path[l - 1] == '.' && path[l - 2] == '/'))
            return -EINVAL;
        if ((l == 2 && path[0] == '.' && path[1] == '.') ||
            (l >= 3 && path[l - 1] == '.' && path[l - 2] == '.' && path[l - 3] == '/'))
            return -ENOTEMPTY;
    }
    long r = entry_at(dirfd, upath, canon, &exists, &m, &rel, 0);
    if (r < 0 && !(r == -EROFS && !exists))
        return r;
    if (!exists)
        return -ENOENT;
    if (r < 0)
        return r;
    return pal_fs_unlink(m->root, rel, flags);
}

SYS(unlink)
{
    return do_unlinkat(AT_FDCWD, (uint64_t)a0, 0);
}

SYS(unlinkat)
{
    return do_unlinkat((int)a0, (uint64_t)a1, (int)a2);
}

SYS(rmdir)
{
    return do_unlinkat(AT_FDCWD, (uint64_t)a0, AT_REMOVEDIR);
}

static long do_renameat2(int olddir, uint64_t uold, int newdir, uint64_t unew, unsigned flags)
{
    char oc[PATH_MAX_LEN], nc[PATH_MAX_LEN];
    int oe, ne;
    struct mount *om, *nm;
    const char *orel, *nrel;
    if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
        return -EINVAL;
    long r = entry_at(olddir, uold, oc, &oe, &om, &orel, 0);
    if (r < 0 && !(r == -EROFS && !oe))
        return r;
    if (!oe)
        return -ENOENT;
    if (r < 0)
        return r;
    r = entry_at(newdir, unew, nc, &ne, &nm, &nrel, 0);
    if (r < 0)
        return r;
    if (om != nm)
        return -EXDEV;
    if ((flags & RENAME_NOREPLACE) && ne)
        return -EEXIST;
    return pal_fs_rename(om->root, orel, nm->root, nrel, flags);
}

SYS(rename)
{
    return do_renameat2(AT_FDCWD, (uint64_t)a0, AT_FDCWD, (uint64_t)a1, 0);
}

SYS(renameat)
{
    return do_renameat2((int)a0, (uint64_t)a1, (int)a2, (uint64_t)a3, 0);
}

SYS(renameat2)
{
    return do_renameat2((int)a0, (uint64_t)a1, (int)a2, (uint64_t)a3, (unsigned)a4);
}

static long do_linkat(int olddir, uint64_t uold, int newdir, uint64_t unew, int flags)
{
    char oc[PATH_MAX_LEN], nc[PATH_MAX_LEN];
    struct file *f;
    int ne;
    struct mount *nm;
    const char *nrel;
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    long r = resolve_at(olddir, uold, flags, 0, oc, &f);
    if (r < 0)
        return r;
    if (f)
        al_strlcpy(oc, f->path, sizeof(oc));
    r = entry_at(newdir, unew, nc, &ne, &nm, &nrel, 0);
    if (r < 0 && r != -EROFS && r != -EBUSY)
        return r;
    if (ne)
        return -EEXIST;
    if (r < 0)
        return r;
    const char *orel;
    struct mount *om = vfs_mount_of(oc, &orel);
    if (om != nm)
        return -EXDEV;
    struct pal_stat st;
    r = vfs_stat(oc, &st);
    if (r < 0)
        return r;
    if (S_ISDIR(st.mode))
        return -EPERM;
    return pal_fs_link(om->root, orel, nm->root, nrel);
}

SYS(link)
{
    return do_linkat(AT_FDCWD, (uint64_t)a0, AT_FDCWD, (uint64_t)a1, 0);
}

SYS(linkat)
{
    return do_linkat((int)a0, (uint64_t)a1, (int)a2, (uint64_t)a3, (int)a4);
}

static long do_symlinkat(uint64_t utarget, int newdir, uint64_t upath)
{
    char target[PATH_MAX_LEN], canon[PATH_MAX_LEN];
    int exists;
    struct mount *m;
    const char *rel;
    long r = get_path(utarget, target);
    if (r < 0)
        return r;
    if (!target[0])
        return -ENOENT;
    r = entry_at(newdir, upath, canon, &exists, &m, &rel, 0);
    if (r < 0 && r != -EROFS && r != -EBUSY)
        return r;
    if (exists)
        return -EEXIST;
    if (r < 0)
        return r;
    return pal_fs_symlink(target, m->root, rel);
}

SYS(symlink)
{
    return do_symlinkat((uint64_t)a0, AT_FDCWD, (uint64_t)a1);
}

SYS(symlinkat)
{
    return do_symlinkat((uint64_t)a0, (int)a1, (uint64_t)a2);
}

static long do_fchmodat(int dirfd, uint64_t upath, int mode)
{
    char path[PATH_MAX_LEN], canon[PATH_MAX_LEN];
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    r = vfs_resolve(dirfd, path, 0, canon);
    if (r < 0)
        return r;
    const char *rel;
    struct mount *m = vfs_mount_of(canon, &rel);
    if (m->type != MOUNT_HOST || !m->rw || is_mount_ancestor(canon))
        return -EROFS;
    return pal_fs_chmod(m->root, rel, mode & 07777);
}

SYS(chmod)
{
    return do_fchmodat(AT_FDCWD, (uint64_t)a0, (int)a1);
}

SYS(fchmodat)
{
    return do_fchmodat((int)a0, (uint64_t)a1, (int)a2);
}

SYS(fchmod)
{
    struct file *f = fd_get((int)a0);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (f->h == PAL_HANDLE_NONE || !f->mnt)
        return -EPERM;
    if (!f->mnt->rw)
        return -EROFS;
    return pal_fs_fchmod(f->h, (int)a1 & 07777);
}

SYS(umask)
{
    uint32_t old = current->proc->umask;
    current->proc->umask = (uint32_t)a0 & 0777;
    return old;
}

SYS(utimensat)
{
    int64_t times[4] = {0, 0x3fffffff /* UTIME_NOW */, 0, 0x3fffffff};
    char canon[PATH_MAX_LEN];
    int flags = (int)a3;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (a2 && copy_from_user(times, (uint64_t)a2, sizeof(times)))
        return -EFAULT;
    for (int i = 0; i < 2; i++) {
        int64_t ns = times[2 * i + 1];
        if (ns != 0x3fffffff && ns != 0x3ffffffe && (ns < 0 || ns >= 1000000000))
            return -EINVAL;
    }
    if (!a1) {
        /* futimens(fd): the descriptor's own file. */
        struct file *f = fd_get((int)a0);
        if (!f)
            return -EBADF;
        al_strlcpy(canon, f->path, sizeof(canon));
    } else {
        struct file *f;
        long r = resolve_at((int)a0, (uint64_t)a1, flags, 1, canon, &f);
        if (r < 0)
            return r;
        if (f)
            al_strlcpy(canon, f->path, sizeof(canon));
    }
    const char *rel;
    struct mount *m = vfs_mount_of(canon, &rel);
    if (m->type != MOUNT_HOST || !m->rw || is_mount_ancestor(canon))
        return -EROFS;
    return pal_fs_utimens(m->root, rel, times);
}

SYS(truncate)
{
    char path[PATH_MAX_LEN], canon[PATH_MAX_LEN];
    long r = get_path((uint64_t)a0, path);
    if (r < 0)
        return r;
    if (a1 < 0)
        return -EINVAL;
    r = vfs_resolve(AT_FDCWD, path, 0, canon);
    if (r < 0)
        return r;
    struct file *f;
    r = vfs_open(canon, O_WRONLY, 0, &f);
    if (r < 0)
        return r;
    r = f->ops->truncate ? f->ops->truncate(f, a1) : -EINVAL;
    file_put(f);
    return r;
}

static long do_mknodat(int dirfd, uint64_t upath, uint32_t mode, uint64_t dev)
{
    char canon[PATH_MAX_LEN];
    int exists;
    struct mount *m;
    const char *rel;
    uint32_t type = mode & S_IFMT;
    (void)dev;
    if (type == 0)
        type = S_IFREG;
    if (type == S_IFDIR)
        return -EPERM;
    if ((type != S_IFREG && type != S_IFIFO && type != S_IFCHR &&
                            type != S_IFBLK && type != S_IFSOCK))
        return -EINVAL;
    long r = entry_at(dirfd, upath, canon, &exists, &m, &rel, 0);
    if (r < 0 && r != -EROFS && r != -EBUSY)
        return r;
    if (exists)
        return -EEXIST;
    if (r < 0)
        return r;
    /* Device nodes and sockets would reach host objects: not inside an enclave. */
    if (type != S_IFREG && type != S_IFIFO)
        return -EPERM;
    return pal_fs_mknod(m->root, rel, type | (mode & 07777 & ~current->proc->umask));
}

SYS(mknod)
{
    return do_mknodat(AT_FDCWD, (uint64_t)a0, (uint32_t)a1, (uint64_t)a2);
}

SYS(mknodat)
{
    return do_mknodat((int)a0, (uint64_t)a1, (uint32_t)a2, (uint64_t)a3);
}

/* statfs(2): the host's figures for host mounts (flagged read-only where the enclave sees
 * them so), fixed ones for the synthetic /dev and /proc. */
static long statfs_mount(struct mount *m, const char *rel, struct file *f, uint64_t ubuf)
{
    uint64_t st[15];
    al_memset(st, 0, sizeof(st));
    if (m->type == MOUNT_HOST) {
        int r = f && f->h != PAL_HANDLE_NONE ? pal_fs_fstatfs(f->h, st)
                                             : pal_fs_statfs(m->root, rel, st);
        if (r < 0)
            return r;
        if (!m->rw)
            st[12] |= 1; /* ST_RDONLY in f_flags */
    } else {
        st[0] = m->type == MOUNT_PROC ? 0x9fa0 /* PROC_SUPER_MAGIC */ : 0x01021994 /* TMPFS */;
        st[1] = 4096;
        st[8] = 255; /* f_namelen */
        st[9] = 4096;
        st[12] = 1 | 2 | 4; /* ST_RDONLY | ST_NOSUID | ST_NODEV */
    }
    return copy_to_user(ubuf, st, sizeof(st));
}

SYS(statfs)
{
    char path[PATH_MAX_LEN], canon[PATH_MAX_LEN];
    long r = get_path((uint64_t)a0, path);
    if (r < 0)
        return r;
    r = vfs_resolve(AT_FDCWD, path, 0, canon);
    if (r < 0)
        return r;
    const char *rel;
    struct mount *m = vfs_mount_of(canon, &rel);
    return statfs_mount(m, rel, NULL, (uint64_t)a1);
}

SYS(fstatfs)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    const char *rel = "";
    struct mount *m = f->mnt;
    if (!m) {
        m = f->path[0] == '/' ? vfs_mount_of(f->path, &rel) : NULL;
        if (!m || m->type == MOUNT_HOST) {
            /* pipes, sockets, stdio: an anonymous pseudo file system */
            uint64_t st[15];
            al_memset(st, 0, sizeof(st));
            st[0] = 0x50495045; /* PIPEFS_MAGIC */
            st[1] = 4096;
            st[8] = 255;
            st[9] = 4096;
            return copy_to_user((uint64_t)a1, st, sizeof(st));
        }
    }
    return statfs_mount(m, rel, f, (uint64_t)a1);
}
