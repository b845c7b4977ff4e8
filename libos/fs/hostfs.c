/*
 * hostfs.c - files that live on a host directory (the development root and --mount).
 *
 * The host is untrusted and may change the directory under us, so the dentry cache is only
 * a hint here, as for a Linux network file system: the last component of every walk is
 * stat'ed again (revalidate with final set), directories on the way are re-checked once
 * their last check is older than HOSTFS_DIR_TTL_NS, and every host call names its object
 * by the path below the mount's root (the backend refuses to follow symlinks or leave the
 * root), so a stale or hostile answer can make a call fail but never reach outside.
 *
 * The core keeps the offset itself (so descriptions can be shared between processes) and
 * reads and writes at explicit positions; everything the host returns is re-checked.
 */
#include "vfs.h"

#define HOSTFS_DIR_TTL_NS 1000000000ll

struct hostfs_sb {
    pal_handle_t root;   /* the host directory, inherited by every process of the enclave */
};

struct hostfs_inode {
    struct pal_stat st;  /* the host's last answer */
    pal_handle_t tmp_h;  /* an O_TMPFILE file: its handle in the process that made it */
};

static pal_handle_t root_of(const struct dentry *d)
{
    return ((struct hostfs_sb *)d->sb->priv)->root;
}

/* The host path of d below the mount's root. */
static int rel_of(const struct dentry *d, char *buf)
{
    return d_relpath(d, buf, PATH_MAX_LEN) < 0 ? -ENAMETOOLONG : 0;
}

static void attrs_from(struct inode *i, const struct pal_stat *st)
{
    struct hostfs_inode *hi = i->priv;
    if (hi)
        hi->st = *st;
    if (hi && !hi->tmp_h)
        hi->tmp_h = PAL_HANDLE_NONE;
    i->ino = st->ino;
    i->mode = st->mode, i->uid = st->uid, i->gid = st->gid;
    i->nlink = st->nlink, i->rdev = st->rdev, i->size = st->size, i->blocks = st->blocks;
    i->atime_sec = st->atime_sec, i->atime_nsec = st->atime_nsec;
    i->mtime_sec = st->mtime_sec, i->mtime_nsec = st->mtime_nsec;
    i->ctime_sec = st->ctime_sec, i->ctime_nsec = st->ctime_nsec;
}

static void mark_checked(struct dentry *d)
{
    d->checked = vfs_epoch;
    d->checked_ns = vfs_op_time();
}

/* The enclave changed the object: its cached attributes are no longer worth anything. */
static void invalidate(struct dentry *d)
{
    d->checked = 0;
    d->checked_ns = INT64_MIN / 2;
}

static const struct inode_ops hostfs_iops;

/* A new inode for d from the host's stat. */
static int instantiate(struct dentry *d, const struct pal_stat *st)
{
    uint32_t t = st->mode & S_IFMT;
    if (t != S_IFREG && t != S_IFDIR && t != S_IFLNK && t != S_IFIFO && t != S_IFSOCK &&
        t != S_IFCHR && t != S_IFBLK) {
        warn("hostfs: the host reported an impossible file type for %s; refusing it", d->name);
        return -EIO;
    }
    struct inode *i = inode_alloc(d->sb, &hostfs_iops, st->mode);
    struct hostfs_inode *hi = kzalloc(sizeof(*hi));
    if (!i || !hi) {
        kfree(hi);
        if (i)
            iput(i);
        return -ENOMEM;
    }
    i->priv = hi;
    attrs_from(i, st);
    d_instantiate(d, i);
    mark_checked(d);
    return 0;
}

static int hostfs_lookup(struct dentry *dir, struct dentry *d)
{
    char rel[PATH_MAX_LEN];
    struct pal_stat st;
    (void)dir;
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    r = pal_fs_stat(root_of(d), rel, 1, &st);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return r;
    return instantiate(d, &st);
}

static int hostfs_revalidate(struct dentry *d, int final)
{
    if (!d->inode)
        return 0;
    if (d->checked == vfs_epoch)
        return 1;
    if (!final && S_ISDIR(d->inode->mode) && vfs_op_time() - d->checked_ns < HOSTFS_DIR_TTL_NS)
        return 1;
    char rel[PATH_MAX_LEN];
    struct pal_stat st;
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    r = pal_fs_stat(root_of(d), rel, 1, &st);
    if (r == -ENOENT || r == -ENOTDIR)
        return 0;
    if (r < 0)
        return r;
    if ((st.mode & S_IFMT) != (d->inode->mode & S_IFMT) || st.ino != d->inode->ino)
        return 0; /* another object has the name now */
    attrs_from(d->inode, &st);
    mark_checked(d);
    return 1;
}

static int hostfs_getattr(struct dentry *d, struct pal_stat *st)
{
    struct hostfs_inode *hi = d->inode->priv;
    if (d->checked == vfs_epoch && hi) {
        *st = hi->st;
        return 0;
    }
    if (d->parent && !(d->flags & D_HASHED) && hi) {
        /* Removed (an unlinked cwd or directory fd): what it was, with no links left. */
        *st = hi->st;
        st->nlink = 0;
        return 0;
    }
    char rel[PATH_MAX_LEN];
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    r = pal_fs_stat(root_of(d), rel, 1, st);
    if (r < 0)
        return r;
    attrs_from(d->inode, st);
    mark_checked(d);
    return 0;
}

static long hostfs_readlink(struct dentry *d, char *buf, size_t size)
{
    char rel[PATH_MAX_LEN];
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    long n = pal_fs_readlink(root_of(d), rel, buf, size);
    if (n > (long)size)
        return -EIO;
    return n;
}

/* After the host made an entry: learn it, and give it to the caller's ids as Linux would
 * (the host process may run under other ids than the enclave's program). */
static int made(struct dentry *d, const char *rel, struct dentry *dir)
{
    struct pal_stat st;
    int r = pal_fs_stat(root_of(d), rel, 1, &st);
    if (r < 0)
        return r;
    uint32_t mode = st.mode, uid, gid;
    vfs_new_owner(dir ? dir->inode : NULL, &mode, &uid, &gid);
    if ((st.uid != uid || st.gid != gid) && pal_fs_chown(root_of(d), rel, uid, gid) == 0) {
        st.uid = uid;
        st.gid = gid;
    }
    return instantiate(d, &st);
}

static int hostfs_create(struct dentry *dir, struct dentry *d, uint32_t mode, uint64_t rdev)
{
    char rel[PATH_MAX_LEN];
    (void)rdev;
    uint32_t t = mode & S_IFMT;
    /* Devices would be host objects; a socket node is only a name (bind in the enclave
     * attaches an enclave socket to its inode, see ipc/unix.c; the host's own sockets
     * never answer on it). */
    if (t != S_IFREG && t != S_IFIFO && t != S_IFSOCK)
        return -EPERM;
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    r = pal_fs_mknod(root_of(d), rel, mode);
    return r < 0 ? r : made(d, rel, dir);
}

static int open_ops(struct file *f, pal_handle_t h, int flags, struct pal_stat *st)
{
    uint32_t type = st->mode & S_IFMT;
    f->ops = (type == S_IFREG || type == S_IFDIR || type == S_IFLNK) ? &host_file_ops
                                                                     : &host_stream_ops;
    f->h = h;
    f->mode = type;
    f->host_nonblock = (flags & O_NONBLOCK) != 0;
    return 0;
}

/* Open flags the host understands (the core handles O_CLOEXEC, O_NONBLOCK...). */
#define HOST_OPEN_FLAGS \
    (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY | O_NOFOLLOW | \
     O_TMPFILE | O_DSYNC | O_SYNC | O_NOATIME | O_NOCTTY | O_NONBLOCK)

static int hostfs_atomic_open(struct dentry *dir, struct dentry *d, struct file *f, int flags,
                              uint32_t mode)
{
    char rel[PATH_MAX_LEN];
    pal_handle_t h;
    struct pal_stat st;
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    r = pal_fs_open(root_of(d), rel, (flags & HOST_OPEN_FLAGS) | O_CREAT, (int)(mode & 07777), &h);
    if (r < 0)
        return r;
    r = pal_fs_fstat(h, &st);
    if (r == 0 && !S_ISREG(st.mode))
        r = -EIO;
    if (r == 0) {
        uint32_t m = st.mode, uid, gid;
        vfs_new_owner(dir->inode, &m, &uid, &gid);
        if ((st.uid != uid || st.gid != gid) && pal_fs_fchown(h, uid, gid) == 0) {
            st.uid = uid;
            st.gid = gid;
        }
        r = instantiate(d, &st);
    }
    if (r < 0) {
        IGNORE(pal_close(h));
        return r;
    }
    return open_ops(f, h, flags, &st);
}

static int hostfs_open(struct dentry *d, struct file *f, int flags)
{
    char rel[PATH_MAX_LEN];
    pal_handle_t h;
    struct pal_stat st;
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    r = pal_fs_open(root_of(d), rel, flags & HOST_OPEN_FLAGS & ~(O_CREAT | O_EXCL), (int)f->cmode, &h);
    if (r < 0)
        return r;
    r = pal_fs_fstat(h, &st);
    if (r < 0) {
        IGNORE(pal_close(h));
        return r;
    }
    if ((flags & O_TMPFILE) != O_TMPFILE) {
        if ((st.mode & S_IFMT) != (d->inode->mode & S_IFMT)) {
            IGNORE(pal_close(h));
            return -EIO; /* the host swapped the object under the name meanwhile */
        }
        attrs_from(d->inode, &st);
    }
    return open_ops(f, h, flags, &st);
}

static int hostfs_mkdir(struct dentry *dir, struct dentry *d, uint32_t mode)
{
    char rel[PATH_MAX_LEN];
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    r = pal_fs_mkdir(root_of(d), rel, (int)(mode & 07777));
    if (r == 0 && dir->inode)
        dir->inode->nlink++;
    return r < 0 ? r : made(d, rel, dir);
}

static int hostfs_symlink(struct dentry *dir, struct dentry *d, const char *target)
{
    char rel[PATH_MAX_LEN];
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    r = pal_fs_symlink(target, root_of(d), rel);
    return r < 0 ? r : made(d, rel, dir);
}

static int hostfs_tmpfile(struct dentry *dir, struct file *f, int flags, uint32_t mode,
                          struct inode **out)
{
    char rel[PATH_MAX_LEN];
    pal_handle_t h;
    struct pal_stat st;
    int r = rel_of(dir, rel);
    if (r < 0)
        return r;
    r = pal_fs_open(root_of(dir), rel, flags & HOST_OPEN_FLAGS, (int)(mode & 07777), &h);
    if (r < 0)
        return r;
    r = pal_fs_fstat(h, &st);
    if (r == 0 && !S_ISREG(st.mode))
        r = -EIO;
    struct inode *i = r == 0 ? inode_alloc(dir->sb, &hostfs_iops, st.mode) : NULL;
    struct hostfs_inode *hi = i ? kzalloc(sizeof(*hi)) : NULL;
    if (r == 0 && !hi) {
        if (i)
            iput(i);
        r = -ENOMEM;
    }
    if (r < 0) {
        IGNORE(pal_close(h));
        return r;
    }
    i->priv = hi;
    attrs_from(i, &st);
    hi->tmp_h = h;
    *out = i;
    return open_ops(f, h, flags, &st);
}

static int hostfs_link(struct dentry *old, struct dentry *dir, struct dentry *d)
{
    char orel[PATH_MAX_LEN], nrel[PATH_MAX_LEN];
    (void)dir;
    struct hostfs_inode *ohi = old->inode->priv;
    int r = rel_of(d, nrel);
    if (r == 0 && (old->flags & D_TMPFILE) && ohi && ohi->tmp_h != PAL_HANDLE_NONE)
        r = pal_fs_link_handle(ohi->tmp_h, root_of(d), nrel);
    else if (r == 0 && (r = rel_of(old, orel)) == 0)
        r = pal_fs_link(root_of(old), orel, root_of(d), nrel);
    if (r < 0)
        return r;
    old->inode->nlink++;
    d_instantiate(d, iget(old->inode));
    invalidate(old);
    invalidate(d); /* attributes (nlink, ctime) changed: ask again */
    return 0;
}

static int hostfs_remove(struct dentry *dir, struct dentry *d, int flags)
{
    char rel[PATH_MAX_LEN];
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    r = pal_fs_unlink(root_of(d), rel, flags);
    if (r == 0 && d->inode->nlink)
        d->inode->nlink--;
    if (r == 0 && flags && dir->inode->nlink > 2)
        dir->inode->nlink--;
    return r;
}

static int hostfs_unlink(struct dentry *dir, struct dentry *d)
{
    return hostfs_remove(dir, d, 0);
}

static int hostfs_rmdir(struct dentry *dir, struct dentry *d)
{
    return hostfs_remove(dir, d, AT_REMOVEDIR);
}

static int hostfs_rename(struct dentry *odir, struct dentry *od, struct dentry *ndir,
                         struct dentry *nd, unsigned flags)
{
    char orel[PATH_MAX_LEN], nrel[PATH_MAX_LEN];
    (void)odir, (void)ndir;
    int r = rel_of(od, orel);
    if (r == 0)
        r = rel_of(nd, nrel);
    if (r == 0)
        r = pal_fs_rename(root_of(od), orel, root_of(nd), nrel, flags);
    if (r == 0)
        invalidate(od);
    return r;
}

static int hostfs_setattr(struct dentry *d, const struct iattr *ia)
{
    char rel[PATH_MAX_LEN];
    int r = rel_of(d, rel);
    if (r < 0)
        return r;
    pal_handle_t root = root_of(d);
    invalidate(d);
    if (ia->valid & (ATTR_UID | ATTR_GID)) {
        r = pal_fs_chown(root, rel, (ia->valid & ATTR_UID) ? ia->uid : (uint32_t)-1,
                         (ia->valid & ATTR_GID) ? ia->gid : (uint32_t)-1);
        if (r < 0)
            return r;
    }
    if (ia->valid & ATTR_MODE) {
        r = pal_fs_chmod(root, rel, (int)(ia->mode & 07777));
        if (r < 0)
            return r;
    }
    if (ia->valid & ATTR_SIZE) {
        pal_handle_t h;
        r = pal_fs_open(root, rel, O_WRONLY, 0, &h);
        if (r < 0)
            return r;
        r = pal_fs_truncate(h, ia->size);
        IGNORE(pal_close(h));
        if (r < 0)
            return r;
    }
    if (ia->valid & (ATTR_ATIME | ATTR_MTIME)) {
        int64_t t[4] = {ia->atime_sec, ia->atime_nsec, ia->mtime_sec, ia->mtime_nsec};
        if (!(ia->valid & ATTR_ATIME))
            t[0] = 0, t[1] = 0x3ffffffe; /* UTIME_OMIT */
        if (!(ia->valid & ATTR_MTIME))
            t[2] = 0, t[3] = 0x3ffffffe;
        r = pal_fs_utimens(root, rel, t);
        if (r < 0)
            return r;
    }
    return 0;
}

static const struct inode_ops hostfs_iops = {
    .lookup = hostfs_lookup,
    .create = hostfs_create,
    .mkdir = hostfs_mkdir,
    .symlink = hostfs_symlink,
    .link = hostfs_link,
    .unlink = hostfs_unlink,
    .rmdir = hostfs_rmdir,
    .rename = hostfs_rename,
    .getattr = hostfs_getattr,
    .setattr = hostfs_setattr,
    .readlink = hostfs_readlink,
    .open = hostfs_open,
    .atomic_open = hostfs_atomic_open,
    .tmpfile = hostfs_tmpfile,
};

static int hostfs_statfs(struct dentry *d, uint64_t out[15])
{
    char rel[PATH_MAX_LEN];
    int r = rel_of(d, rel);
    return r < 0 ? r : pal_fs_statfs(root_of(d), rel, out);
}

static void hostfs_evict(struct inode *i)
{
    kfree(i->priv);
}

static const struct fs_ops hostfs_ops = {
    .statfs = hostfs_statfs, .evict_inode = hostfs_evict, .revalidate = hostfs_revalidate,
};

/* A program cannot mount host directories: only the launcher names them (boot). */
static int hostfs_mount(struct super_block *sb, const char *data, unsigned long msflags)
{
    (void)sb, (void)data, (void)msflags;
    return -EPERM;
}

const struct fs_type hostfs_type = {"hostfs", hostfs_mount, 0};

int hostfs_boot_sb(pal_handle_t root, int rw, const char *source, struct super_block **out)
{
    struct super_block *sb = sb_alloc(&hostfs_type);
    struct hostfs_sb *hs = kzalloc(sizeof(*hs));
    struct pal_stat st;
    if (!sb || !hs) {
        kfree(sb), kfree(hs);
        return -ENOMEM;
    }
    hs->root = root;
    sb->priv = hs;
    sb->ops = &hostfs_ops;
    sb->flags = rw ? 0 : SB_RDONLY;
    sb->source = kstrdup(source);
    /* /proc/mounts says what protects a mount: nothing, for the host's directories. */
    sb->options = kstrdup("unprotected");
    int r = pal_fs_stat(root, "", 1, &st);
    if (r == 0 && !S_ISDIR(st.mode))
        r = -ENOTDIR;
    struct inode *i = r == 0 ? inode_alloc(sb, &hostfs_iops, st.mode) : NULL;
    struct hostfs_inode *hi = i ? kzalloc(sizeof(*hi)) : NULL;
    if (r == 0 && (!i || !hi))
        r = -ENOMEM;
    if (r < 0) {
        if (i)
            iput(i);
        kfree(hi), kfree(sb->source), kfree(hs), kfree(sb);
        return r;
    }
    i->priv = hi;
    attrs_from(i, &st);
    sb->show_dev = st.dev;
    sb->root = d_make_root(i);
    if (!sb->root)
        return -ENOMEM;
    *out = sb;
    return 0;
}

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
    if (file_readonly(f))
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

static int64_t host_seek_hole(struct file *f, int64_t off, int whence)
{
    int64_t r = pal_fs_seek_hole(f->h, off, whence);
    return (r < 0 && r != -ENXIO) ? r : r; /* the core checks the range before and after */
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
                al_strnlen(d->d_name, d->d_reclen - 19) >= (size_t)(d->d_reclen - 19) ||
                !d->d_name[0] || al_strchr(d->d_name, '/')) {
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
    .seek_hole = host_seek_hole,
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
