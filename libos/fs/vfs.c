/*
 * vfs.c - the system calls that take path names, and opening files.
 *
 * Each call walks its path (namei.c) to a (mount, dentry), checks what Linux checks in the
 * order Linux checks it (read-only mounts, permission bits against the caller's fsuid,
 * fsgid and groups, sticky directories, mount points), then asks the file system through
 * its inode_ops and updates the dentry cache to match.
 */
#include "vfs.h"
#include "ipc/ipc.h"

/* ---- small helpers ------------------------------------------------------------------------ */

static long get_path(uint64_t upath, char *buf)
{
    long n = strncpy_from_user(buf, upath, PATH_MAX_LEN);
    return n < 0 ? n : 0;
}

static int mnt_readonly(const struct vfsmount *m)
{
    return (m->flags & MNT_RDONLY) || (m->sb->flags & SB_RDONLY);
}

int vfs_same_fs(const struct file *a, const struct file *b)
{
    return a->loc.dentry && b->loc.dentry && a->loc.dentry->sb == b->loc.dentry->sb;
}

int file_readonly(const struct file *f)
{
    return f->loc.mnt && mnt_readonly(f->loc.mnt);
}

int file_path(const struct file *f, char *buf, size_t size)
{
    if (f->loc.dentry)
        return vfs_path_label(&f->loc, buf, size);
    size_t n = al_strlcpy(buf, f->path, size);
    return n >= size ? -ENAMETOOLONG : (int)n;
}

static int vfs_getattr(const struct path *p, struct pal_stat *st)
{
    struct dentry *d = p->dentry;
    int r = d->inode->iops->getattr ? d->inode->iops->getattr(d, st) : -EIO;
    if (r == 0 && st->dev == 0)
        st->dev = d->sb->dev;
    return r;
}

/* A struct nameidata is 12 KiB: off the core stack. */
static struct nameidata *nd_new(void)
{
    return kmalloc(sizeof(struct nameidata));
}

static void nd_free(struct nameidata *nd)
{
    nd_release(nd);
    kfree(nd);
}

/* Resolve (dirfd, path) honouring AT_EMPTY_PATH and AT_SYMLINK_(NO)FOLLOW.  An empty path
 * with AT_EMPTY_PATH names dirfd's file: *fout gets it (borrowed) and *out its location
 * if it has one (referenced). */
static long at_path(int dirfd, const char *path, int atflags, int follow_default, struct path *out,
                    struct file **fout)
{
    *fout = NULL;
    out->mnt = NULL;
    out->dentry = NULL;
    if (path[0] == '\0' && (atflags & AT_EMPTY_PATH)) {
        if (dirfd == AT_FDCWD) {
            *out = current->proc->cwd;
            path_get(out);
            return 0;
        }
        struct file *f = fd_get(dirfd);
        if (!f)
            return -EBADF;
        *fout = f;
        if (f->loc.dentry) {
            *out = f->loc;
            path_get(out);
        }
        return 0;
    }
    int follow = follow_default ? !(atflags & AT_SYMLINK_NOFOLLOW) : (atflags & AT_SYMLINK_FOLLOW) != 0;
    return vfs_lookup(dirfd, path, follow ? LOOKUP_FOLLOW : 0, out);
}

/* Permission with the real ids (access(2) without AT_EACCESS). */
static int permission_real(const struct inode *i, int mask)
{
    struct process *p = current->proc;
    uint32_t fu = p->fsuid, fg = p->fsgid;
    p->fsuid = p->ruid;
    p->fsgid = p->rgid;
    int r = vfs_permission(i, mask);
    p->fsuid = fu;
    p->fsgid = fg;
    return r;
}

/* ---- open ------------------------------------------------------------------------------- */

/* O_PATH descriptions: no file-system open at all; stat asks the inode. */
static int opath_stat(struct file *f, struct pal_stat *st)
{
    return vfs_getattr(&f->loc, st);
}
static const struct file_ops opath_ops = {.stat = opath_stat};
static const struct file_ops closed_ops = {0};

static int vfs_open_path_mode(const struct path *p, int flags, uint32_t cmode, struct file **out);

int vfs_open_path(const struct path *p, int flags, struct file **out)
{
    return vfs_open_path_mode(p, flags, 0, out);
}

static int vfs_open_path_mode(const struct path *p, int flags, uint32_t cmode, struct file **out)
{
    char label[PATH_MAX_LEN];
    if (vfs_path_label(p, label, sizeof(label)) < 0)
        label[0] = '\0';
    struct file *f = file_alloc(&closed_ops, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOCTTY),
                                label);
    if (!f)
        return -ENOMEM;
    f->loc = *p;
    path_get(&f->loc);
    f->cmode = cmode;
    struct dentry *d = p->dentry;
    f->mode = d->inode->mode & S_IFMT;
    if (flags & O_PATH) {
        f->ops = &opath_ops;
        *out = f;
        return 0;
    }
    if ((flags & O_ACCMODE) != O_RDONLY && S_ISREG(d->inode->mode)) {
        f->counted_writer = 1;
        p->mnt->writers++;
    }
    if (S_ISFIFO(d->inode->mode) && d->sb->type != &hostfs_type) {
        /* A FIFO the enclave owns: the pipe lives in the core, shared by every opener. */
        int r = pipe_open_named(&d->inode->fifo, flags, f->path, out);
        if (r == 0) {
            (*out)->loc = f->loc;
            path_get(&(*out)->loc);
        }
        file_put(f);
        return r;
    }
    if (d->inode->iops->open_file) {
        file_put(f);
        int r = d->inode->iops->open_file(p, flags, out);
        if (r == 0 && !(*out)->loc.dentry && (*out)->refs == 1) {
            (*out)->loc = *p;
            path_get(&(*out)->loc);
        }
        return r;
    }
    int r = d->inode->iops->open ? d->inode->iops->open(d, f, flags) : -ENXIO;
    if (r < 0) {
        file_put(f);
        return r;
    }
    *out = f;
    return 0;
}


/* What open(2) checks on an existing object (Linux's may_open). */
static int may_open(const struct path *p, int flags)
{
    const struct inode *i = p->dentry->inode;
    uint32_t type = i->mode & S_IFMT;
    if (flags & O_PATH)
        return 0;
    if (type == S_IFLNK && !i->iops->get_link)
        return -ELOOP;
    if (type == S_IFDIR && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT)))
        return -EISDIR;
    if ((flags & O_DIRECTORY) && type != S_IFDIR)
        return -ENOTDIR;
    if ((type == S_IFCHR || type == S_IFBLK) && (p->mnt->flags & MNT_NODEV))
        return -EACCES;
    int mask = 0;
    if ((flags & O_ACCMODE) != O_WRONLY)
        mask |= 4;
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
        mask |= 2;
    if ((flags & O_ACCMODE) == 3)
        mask = 6;
    if ((mask & 2) && mnt_readonly(p->mnt) && (type == S_IFREG || type == S_IFDIR || type == S_IFLNK))
        return -EROFS;
    return vfs_permission(i, mask);
}

/* Create the last component of nd (negative child d) as a regular file and open it. */
static int open_create(struct nameidata *nd, struct dentry *d, int flags, uint32_t mode,
                       struct file **out)
{
    struct path *dir = &nd->path;
    struct dentry *pd = dir->dentry;
    if (nd->trailing)
        return -EISDIR;
    if (mnt_readonly(dir->mnt))
        return -EROFS;
    int r = vfs_permission(pd->inode, 3);
    if (r < 0)
        return r;
    if (pd->inode->nlink == 0)
        return -ENOENT; /* the directory was removed */
    const struct inode_ops *iops = pd->inode->iops;
    mode = S_IFREG | (mode & 07777);
    char label[PATH_MAX_LEN];
    if (iops->atomic_open) {
        struct file *f = file_alloc(&closed_ops, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOCTTY), "");
        if (!f)
            return -ENOMEM;
        f->loc.mnt = dir->mnt;
        f->loc.dentry = d;
        path_get(&f->loc);
        f->mode = S_IFREG;
        r = iops->atomic_open(pd, d, f, flags, mode);
        if (r < 0) {
            file_put(f);
            return r;
        }
        d_add(d);
        fsnotify_name(pd, FSN_CREATE, d->name, d->len, 0, 0);
        if (vfs_path_label(&f->loc, label, sizeof(label)) >= 0) {
            char *s = kstrdup(label);
            if (s) {
                kfree(f->path);
                f->path = s;
            }
        }
        *out = f;
        return 0;
    }
    if (!iops->create)
        return -EROFS;
    r = iops->create(pd, d, mode, 0);
    if (r < 0)
        return r;
    d_add(d);
    fsnotify_name(pd, FSN_CREATE, d->name, d->len, 0, 0);
    struct path p = {dir->mnt, d};
    /* The creator may open what it made whatever the new mode says. */
    return vfs_open_path(&p, flags & ~O_TRUNC, out);
}

static long do_openat(int dirfd, uint64_t upath, int flags, int mode, int xlookup)
{
    char path[PATH_MAX_LEN];
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    if (!path[0])
        return -ENOENT;
    int tmpfile = (flags & O_TMPFILE) == O_TMPFILE;
    if (tmpfile && ((flags & O_ACCMODE) == O_RDONLY || (flags & O_CREAT)))
        return -EINVAL;
    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    uint32_t cmode = (uint32_t)mode & ~current->proc->umask & 07777;
    struct nameidata *nd = nd_new();
    if (!nd)
        return -ENOMEM;
    struct file *f = NULL;
    struct path p = {NULL, NULL};
    int lf = ((flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) | xlookup;
    if (flags & O_DIRECTORY)
        lf |= LOOKUP_DIRECTORY;
    r = nd_init(nd, dirfd, path, lf);
    if (r == 0)
        r = walk_to_last(nd);
    if (r < 0)
        goto out;
    if (tmpfile) {
        nd->flags |= LOOKUP_DIRECTORY | LOOKUP_FOLLOW;
        r = walk_last(nd, &p);
        if (r < 0)
            goto out;
        if (mnt_readonly(p.mnt)) {
            r = -EROFS;
            goto out;
        }
        r = vfs_permission(p.dentry->inode, 3);
        if (r < 0)
            goto out;
        if (p.dentry->sb->type == &tmpfs_type || p.dentry->sb->type == &alcovefs_type) {
            struct inode *ino;
            r = tmpfs_anon_inode(p.dentry->sb, S_IFREG | cmode, &ino);
            if (r < 0)
                goto out;
            char nm[24];
            al_snprintf(nm, sizeof(nm), "#%lu", (unsigned long)ino->ino);
            struct dentry *ad = d_alloc_anon(p.dentry->sb, nm, ino);
            if (!ad) {
                r = -ENOMEM;
                goto out;
            }
            /* An unnamed file remembers its directory for /proc/PID/fd; without O_EXCL
             * linkat may give it a name. */
            ad->parent = dget(p.dentry);
            if (!(flags & O_EXCL))
                ad->flags |= D_TMPFILE;
            struct path ap = {p.mnt, ad};
            r = vfs_open_path(&ap, flags & ~O_TMPFILE, &f);
            dput(ad);
        } else if (p.dentry->inode->iops->tmpfile) {
            f = file_alloc(&closed_ops, flags & ~(O_TMPFILE | O_EXCL | O_CLOEXEC | O_NOCTTY), "");
            if (!f) {
                r = -ENOMEM;
                goto out;
            }
            struct inode *ino;
            r = p.dentry->inode->iops->tmpfile(p.dentry, f, flags, S_IFREG | cmode, &ino);
            if (r < 0) {
                file_put(f);
                f = NULL;
                goto out;
            }
            char nm[24];
            al_snprintf(nm, sizeof(nm), "#%lu", (unsigned long)ino->ino);
            struct dentry *ad = d_alloc_anon(p.dentry->sb, nm, ino);
            if (!ad) {
                file_put(f);
                f = NULL;
                r = -ENOMEM;
                goto out;
            }
            ad->parent = dget(p.dentry);
            if (!(flags & O_EXCL))
                ad->flags |= D_TMPFILE;
            f->loc.mnt = p.mnt;
            f->loc.dentry = ad; /* the new file's reference */
            mnt_get_ref(p.mnt);
            f->mode = S_IFREG;
            char label[PATH_MAX_LEN];
            if (vfs_path_label(&f->loc, label, sizeof(label)) >= 0) {
                char *s2 = kstrdup(label);
                if (s2) {
                    kfree(f->path);
                    f->path = s2;
                }
            }
        } else {
            r = -EOPNOTSUPP;
        }
        goto out;
    }
    if (flags & O_CREAT) {
        for (;;) {
            if (nd->last_type != LAST_NORM) {
                r = -EISDIR;
                goto out;
            }
            struct dentry *d;
            r = walk_parent(nd, &d);
            if (r < 0)
                goto out;
            if (!d->inode) {
                r = open_create(nd, d, flags, cmode, &f);
                dput(d);
                goto out;
            }
            if ((flags & O_EXCL)) {
                dput(d);
                r = -EEXIST;
                goto out;
            }
            if (S_ISLNK(d->inode->mode) && !(flags & O_NOFOLLOW)) {
                r = walk_follow_last(nd, d);
                dput(d);
                if (r < 0)
                    goto out;
                if (nd->last_type == LAST_ROOT && nd->links) {
                    p = nd->path; /* a magic link's object */
                    path_get(&p);
                    break;
                }
                continue;
            }
            p.mnt = nd->path.mnt;
            p.dentry = d;
            mnt_get_ref(p.mnt);
            follow_mounts(&p);
            if (nd->trailing && !S_ISDIR(p.dentry->inode->mode)) {
                r = -ENOTDIR;
                goto out;
            }
            break;
        }
    } else {
        r = walk_last(nd, &p);
        if (r < 0)
            goto out;
    }
    if ((flags & O_NOFOLLOW) && S_ISLNK(p.dentry->inode->mode) && !(flags & O_PATH)) {
        r = -ELOOP;
        goto out;
    }
    r = may_open(&p, flags);
    if (r < 0)
        goto out;
    r = vfs_open_path(&p, flags, &f);
    if (r == 0 && (flags & O_TRUNC) && S_ISREG(f->mode))
        fsnotify_file(f, FSN_MODIFY);
    if (r == 0 && (flags & O_TRUNC) && S_ISREG(f->mode) && f->h == PAL_HANDLE_NONE &&
        f->ops->truncate) {
        /* Host files were truncated by the host's open; enclave ones are here. */
        r = f->ops->truncate(f, 0);
        if (r < 0) {
            file_put(f);
            f = NULL;
        }
    }
out:
    path_put(&p);
    nd_free(nd);
    if (r < 0)
        return r;
    /* x86-64 Linux's open() adds O_LARGEFILE, and F_GETFL shows it (pipes and sockets,
     * which are not opened by name, do not have it). */
    f->flags |= O_LARGEFILE;
    fsnotify_file(f, FSN_OPEN);
    r = fd_install(f, (flags & O_CLOEXEC) != 0, 0);
    if (r < 0)
        file_put(f);
    return r;
}

SYS(open)
{
    return do_openat(AT_FDCWD, (uint64_t)a0, (int)a1, (int)a2, 0);
}

SYS(openat)
{
    return do_openat((int)a0, (uint64_t)a1, (int)a2, (int)a3, 0);
}

/* openat2(2): struct open_how {flags, mode, resolve} with the extensible-struct size
 * protocol, and every argument checked (fs/open.c: build_open_flags): unknown open flags,
 * unknown RESOLVE_ bits, BENEATH with IN_ROOT, a mode without O_CREAT/O_TMPFILE or with
 * more than 07777, O_DIRECTORY|O_CREAT, O_TMPFILE without write access, O_PATH with other
 * flags: EINVAL; RESOLVE_CACHED with O_CREAT, O_TRUNC or O_TMPFILE: EAGAIN (every other
 * lookup counts as cached).  The RESOLVE_ rules are enforced by the walk (namei.c). */
#define OPEN_VALID_FLAGS 037777703ull
SYS(openat2)
{
    uint64_t uhow = (uint64_t)a2, usize = (uint64_t)a3;
    uint64_t how[3] = {0, 0, 0};
    if (usize < 24)
        return -EINVAL;
    if (usize > PAGE_SIZE)
        return -E2BIG;
    if (copy_from_user(how, uhow, 24))
        return -EFAULT;
    for (uint64_t off = 24; off < usize; off++) {
        unsigned char c;
        if (copy_from_user(&c, uhow + off, 1))
            return -EFAULT;
        if (c)
            return -E2BIG;
    }
    uint64_t flags = how[0] & ~(uint64_t)O_CLOEXEC, mode = how[1], resolve = how[2];
    if (flags & ~OPEN_VALID_FLAGS)
        return -EINVAL;
    if (resolve & ~0x3full)
        return -EINVAL;
    if ((resolve & 0x08) && (resolve & 0x10))
        return -EINVAL;
    int tmpfile_bit = (flags & 020000000) != 0;
    if ((flags & O_CREAT) || tmpfile_bit) {
        if (mode & ~07777ull)
            return -EINVAL;
    } else if (mode) {
        return -EINVAL;
    }
    if ((flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT))
        return -EINVAL;
    if (tmpfile_bit && (!(flags & O_DIRECTORY) || (flags & O_ACCMODE) == O_RDONLY))
        return -EINVAL;
    if ((flags & O_PATH) && (flags & ~(uint64_t)(O_DIRECTORY | O_NOFOLLOW | O_PATH)))
        return -EINVAL;
    if ((resolve & 0x20) && (flags & (O_TRUNC | O_CREAT | 020000000)))
        return -EAGAIN;
    int xl = ((resolve & 0x01) ? LOOKUP_NO_XDEV : 0) | ((resolve & 0x02) ? LOOKUP_NO_MAGICLINKS : 0) |
             ((resolve & 0x04) ? LOOKUP_NO_SYMLINKS : 0) | ((resolve & 0x08) ? LOOKUP_BENEATH : 0) |
             ((resolve & 0x10) ? LOOKUP_IN_ROOT : 0);
    return do_openat((int)a0, (uint64_t)a1, (int)how[0], (int)mode, xl);
}

SYS(creat)
{
    return do_openat(AT_FDCWD, (uint64_t)a0, O_CREAT | O_WRONLY | O_TRUNC, (int)a1, 0);
}

int vfs_open_exec(const char *path, char *canon, struct file **out, struct pal_stat *st)
{
    struct path p;
    int r = path[0] ? vfs_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, &p) : -ENOENT;
    if (r < 0)
        return r;
    r = vfs_getattr(&p, st);
    if (r == 0 && (!S_ISREG(st->mode) || (p.mnt->flags & MNT_NOEXEC)))
        r = -EACCES;
    if (r == 0) {
        struct inode tmp = *p.dentry->inode;
        tmp.mode = st->mode, tmp.uid = st->uid, tmp.gid = st->gid;
        r = vfs_permission(&tmp, 1);
    }
    if (r == 0 && !(st->mode & 0111))
        r = -EACCES;
    if (r == 0 && vfs_path_str(&p, canon, PATH_MAX_LEN) < 0)
        r = -ENAMETOOLONG;
    if (r == 0)
        r = vfs_open_path(&p, O_RDONLY, out);
    path_put(&p);
    return r;
}

int vfs_boot_cwd(const char *path)
{
    struct vfsmount *r = vfs_root_mnt();
    struct path *cwd = &current->proc->cwd;
    cwd->mnt = r;
    cwd->dentry = r->root;
    path_get(cwd);
    follow_mounts(cwd);
    struct path p;
    int e = vfs_lookup(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
    if (e < 0)
        return e;
    path_put(cwd);
    *cwd = p;
    return 0;
}

int vfs_stat_path(const char *path, struct pal_stat *st)
{
    struct path p;
    int r = path[0] ? vfs_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, &p) : -ENOENT;
    if (r < 0)
        return r;
    r = vfs_getattr(&p, st);
    path_put(&p);
    return r;
}

/* ---- stat --------------------------------------------------------------------------------- */

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

static int file_stat(struct file *f, struct pal_stat *st)
{
    if (!f->ops->stat)
        return -EBADF;
    int r = f->ops->stat(f, st);
    if (r == 0 && st->dev == 0 && f->loc.dentry)
        st->dev = f->loc.dentry->sb->dev;
    return r;
}

static long stat_at(int dirfd, uint64_t upath, int atflags, struct pal_stat *st)
{
    char path[PATH_MAX_LEN];
    if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    if (!path[0] && !(atflags & AT_EMPTY_PATH))
        return -ENOENT;
    struct path p;
    struct file *f;
    r = at_path(dirfd, path, atflags, 1, &p, &f);
    if (r < 0)
        return r;
    if (f)
        r = file_stat(f, st);
    else
        r = vfs_getattr(&p, st);
    path_put(&p);
    return r;
}

SYS(fstat)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    struct pal_stat st;
    struct linux_stat ls;
    int r = file_stat(f, &st);
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

/* ---- access ---------------------------------------------------------------------------------- */

static long do_access(int dirfd, uint64_t upath, int mode, int flags)
{
    char path[PATH_MAX_LEN];
    if (mode & ~7)
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    if (!path[0] && !(flags & AT_EMPTY_PATH))
        return -ENOENT;
    struct path p;
    struct file *f;
    r = at_path(dirfd, path, flags, 1, &p, &f);
    if (r < 0)
        return r;
    if (!p.dentry) {
        /* an anonymous file (pipe...) by fd */
        path_put(&p);
        return 0;
    }
    struct pal_stat st;
    r = vfs_getattr(&p, &st);
    if (r == 0 && (mode & W_OK) && mnt_readonly(p.mnt)) {
        uint32_t t = st.mode & S_IFMT;
        if (t == S_IFREG || t == S_IFDIR || t == S_IFLNK)
            r = -EROFS;
    }
    if (r == 0 && (mode & X_OK) && S_ISREG(st.mode) && (p.mnt->flags & MNT_NOEXEC))
        r = -EACCES;
    if (r == 0 && mode) {
        struct inode tmp = *p.dentry->inode;
        tmp.mode = st.mode, tmp.uid = st.uid, tmp.gid = st.gid;
        r = (flags & AT_EACCESS) ? vfs_permission(&tmp, mode) : permission_real(&tmp, mode);
    }
    path_put(&p);
    return r;
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

/* ---- readlink, cwd -------------------------------------------------------------------------- */

static long do_readlinkat(int dirfd, uint64_t upath, uint64_t ubuf, long size)
{
    char path[PATH_MAX_LEN], target[PATH_MAX_LEN];
    if (size <= 0)
        return -EINVAL;
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    struct path p;
    struct file *f;
    r = at_path(dirfd, path, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, 1, &p, &f);
    if (r < 0)
        return r;
    if (!p.dentry) {
        r = -ENOENT;
    } else if (!S_ISLNK(p.dentry->inode->mode) || !p.dentry->inode->iops->readlink) {
        r = f ? -ENOENT : -EINVAL;
    } else {
        r = p.dentry->inode->iops->readlink(p.dentry, target, sizeof(target));
    }
    path_put(&p);
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
    char buf[PATH_MAX_LEN];
    struct path *cwd = &current->proc->cwd;
    if (d_unlinked(cwd))
        return -ENOENT; /* the directory was removed */
    int n = vfs_path_str(cwd, buf, sizeof(buf));
    if (n < 0)
        return n;
    if ((size_t)a1 < (size_t)n + 1)
        return -ERANGE;
    if (copy_to_user((uint64_t)a0, buf, (size_t)n + 1))
        return -EFAULT;
    return n + 1;
}

static long set_cwd(struct path *p)
{
    if (!S_ISDIR(p->dentry->inode->mode)) {
        path_put(p);
        return -ENOTDIR;
    }
    int r = vfs_permission(p->dentry->inode, 1);
    if (r < 0) {
        path_put(p);
        return r;
    }
    path_put(&current->proc->cwd);
    current->proc->cwd = *p;
    return 0;
}

SYS(chdir)
{
    char path[PATH_MAX_LEN];
    long r = get_path((uint64_t)a0, path);
    if (r < 0)
        return r;
    struct path p;
    r = path[0] ? vfs_lookup(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p) : -ENOENT;
    if (r < 0)
        return r;
    return set_cwd(&p);
}

SYS(fchdir)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (!f->loc.dentry || !S_ISDIR(f->mode))
        return -ENOTDIR;
    struct path p = f->loc;
    path_get(&p);
    return set_cwd(&p);
}

/* ---- making and removing names ---------------------------------------------------------- */

/* Walk to the parent of the last component of upath and look the child up.  On success
 * the caller owns nd (nd_free) and *child (dput; NULL when last_type != LAST_NORM). */
static long parent_at_k(int dirfd, const char *path, struct nameidata **ndp,
                        struct dentry **child);

static long parent_at(int dirfd, uint64_t upath, struct nameidata **ndp, struct dentry **child)
{
    char path[PATH_MAX_LEN];
    *ndp = NULL;
    *child = NULL;
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    return parent_at_k(dirfd, path, ndp, child);
}

/* parent_at with the path in core memory. */
static long parent_at_k(int dirfd, const char *path, struct nameidata **ndp,
                        struct dentry **child)
{
    long r;
    *ndp = NULL;
    *child = NULL;
    if (!path[0])
        return -ENOENT;
    struct nameidata *nd = nd_new();
    if (!nd)
        return -ENOMEM;
    r = nd_init(nd, dirfd, path, 0);
    if (r == 0)
        r = walk_to_last(nd);
    if (r == 0)
        r = walk_parent(nd, child);
    if (r < 0) {
        nd_free(nd);
        return r;
    }
    *ndp = nd;
    return 0;
}

static void parent_done(struct nameidata *nd, struct dentry *child)
{
    if (child)
        dput(child);
    if (nd)
        nd_free(nd);
}

/* May the caller create in dir?  (mount writable, write+search permission, dir alive) */
static int may_create(const struct path *dir)
{
    if (mnt_readonly(dir->mnt))
        return -EROFS;
    int r = vfs_permission(dir->dentry->inode, 3);
    if (r < 0)
        return r;
    return dir->dentry->inode->nlink == 0 ? -ENOENT : 0;
}

/* May the caller remove victim from dir?  (Linux's may_delete) */
static int may_delete(const struct path *dir, struct dentry *victim, int isdir)
{
    const struct inode *di = dir->dentry->inode, *vi = victim->inode;
    int r = vfs_permission(di, 3);
    if (r < 0)
        return r;
    const struct process *p = current->proc;
    if ((di->mode & S_ISVTX) && p->fsuid != 0 && p->fsuid != vi->uid && p->fsuid != di->uid)
        return -EPERM;
    if (isdir) {
        if (!S_ISDIR(vi->mode))
            return -ENOTDIR;
        if (victim == dir->mnt->root)
            return -EBUSY;
    } else if (S_ISDIR(vi->mode)) {
        return -EISDIR;
    }
    if (victim->mounted)
        return -EBUSY;
    return 0;
}

static long do_mkdirat(int dirfd, uint64_t upath, int mode)
{
    struct nameidata *nd;
    struct dentry *d;
    long r = parent_at(dirfd, upath, &nd, &d);
    if (r < 0)
        return r;
    if (!d || d->inode)
        r = -EEXIST;
    else if ((r = may_create(&nd->path)) == 0) {
        const struct inode_ops *iops = nd->path.dentry->inode->iops;
        /* set-user/group-ID bits of mkdir's mode mean nothing (set-group-ID is inherited) */
        r = iops->mkdir ? iops->mkdir(nd->path.dentry, d,
                                      S_IFDIR | ((uint32_t)mode & ~current->proc->umask & 01777))
                        : -EPERM;
        if (r == 0) {
            d_add(d);
            fsnotify_name(nd->path.dentry, FSN_CREATE, d->name, d->len, 0, 1);
        }
    }
    parent_done(nd, d);
    return r;
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
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    int isdir = (flags & AT_REMOVEDIR) != 0;
    struct dentry *gone_dir = NULL;
    char gone[NAME_MAX_LEN + 1];
    size_t gone_len = 0;
    struct nameidata *nd;
    struct dentry *d;
    long r = parent_at(dirfd, upath, &nd, &d);
    if (r < 0)
        return r;
    if (!d) {
        if (isdir)
            r = nd->last_type == LAST_DOT ? -EINVAL : nd->last_type == LAST_DOTDOT ? -ENOTEMPTY : -EBUSY;
        else
            r = -EISDIR;
    } else if (!d->inode) {
        r = -ENOENT;
    } else if (!isdir && nd->trailing) {
        r = S_ISDIR(d->inode->mode) ? -EISDIR : -ENOTDIR;
    } else if (mnt_readonly(nd->path.mnt)) {
        r = -EROFS;
    } else if ((r = may_delete(&nd->path, d, isdir)) == 0) {
        const struct inode_ops *iops = nd->path.dentry->inode->iops;
        int (*op)(struct dentry *, struct dentry *) = isdir ? iops->rmdir : iops->unlink;
        r = op ? op(nd->path.dentry, d) : -EPERM;
        if (r == 0) {
            d_drop(d);
            if (isdir)
                d->inode->nlink = 0; /* freed from now on: IN_DELETE_SELF at its iput */
            else
                fsnotify_inode(d->inode, FSN_ATTRIB); /* its link count (no parent event) */
            /* IN_DELETE comes after the inode's own IN_DELETE_SELF (Linux's d_delete_notify
             * drops the inode first): told once the walk let go of it. */
            gone_dir = dget(nd->path.dentry);
            al_memcpy(gone, d->name, d->len + 1);
            gone_len = d->len;
        }
    }
    parent_done(nd, d);
    if (gone_dir) {
        fsnotify_name(gone_dir, FSN_DELETE, gone, gone_len, 0, isdir);
        dput(gone_dir);
    }
    return r;
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

/* Is a an ancestor of (or equal to) b within one super_block? */
static int is_ancestor(const struct dentry *a, const struct dentry *b)
{
    for (; b; b = b->parent)
        if (a == b)
            return 1;
    return 0;
}

static long do_renameat2(int olddir, uint64_t uold, int newdir, uint64_t unew, unsigned flags)
{
    if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
        return -EINVAL;
    if (flags & RENAME_WHITEOUT)
        return -EINVAL; /* overlay whiteouts: not on these file systems */
    struct nameidata *ond, *nnd = NULL;
    struct dentry *od, *ndd = NULL;
    long r = parent_at(olddir, uold, &ond, &od);
    if (r < 0)
        return r;
    r = parent_at(newdir, unew, &nnd, &ndd);
    if (r < 0)
        goto out;
    if (ond->path.mnt != nnd->path.mnt) {
        r = -EXDEV;
        goto out;
    }
    if (!od || !ndd) {
        r = (!od || !(flags & RENAME_NOREPLACE)) ? -EBUSY : -EEXIST;
        goto out;
    }
    if (mnt_readonly(ond->path.mnt)) {
        r = od->inode ? -EROFS : -ENOENT;
        goto out;
    }
    if (!od->inode) {
        r = -ENOENT;
        goto out;
    }
    int odir = S_ISDIR(od->inode->mode);
    if (!odir && (ond->trailing || (nnd->trailing && !(flags & RENAME_EXCHANGE)))) {
        r = -ENOTDIR;
        goto out;
    }
    if ((flags & RENAME_NOREPLACE) && ndd->inode) {
        r = -EEXIST;
        goto out;
    }
    if ((flags & RENAME_EXCHANGE) && !ndd->inode) {
        r = -ENOENT;
        goto out;
    }
    struct dentry *opd = ond->path.dentry, *npd = nnd->path.dentry;
    /* The source must not be an ancestor of the target, nor the target of the source. */
    if (is_ancestor(od, npd)) {
        r = -EINVAL;
        goto out;
    }
    if (ndd->inode && is_ancestor(ndd, opd)) {
        r = (flags & RENAME_EXCHANGE) ? -EINVAL : -ENOTEMPTY;
        goto out;
    }
    if (od->inode == ndd->inode) {
        r = 0; /* the same file under both names: nothing happens */
        goto out;
    }
    r = may_delete(&ond->path, od, odir);
    if (r == 0) {
        if (ndd->inode)
            r = may_delete(&nnd->path, ndd, (flags & RENAME_EXCHANGE) ? S_ISDIR(ndd->inode->mode) : odir);
        else
            r = may_create(&nnd->path);
    }
    /* Moving a directory elsewhere rewrites its "..": write permission on it. */
    if (r == 0 && odir && opd != npd)
        r = vfs_permission(od->inode, 2);
    if (r == 0 && (flags & RENAME_EXCHANGE) && S_ISDIR(ndd->inode->mode) && opd != npd)
        r = vfs_permission(ndd->inode, 2);
    if (r < 0)
        goto out;
    const struct inode_ops *iops = opd->inode->iops;
    r = iops->rename ? iops->rename(opd, od, npd, ndd, flags & (RENAME_NOREPLACE | RENAME_EXCHANGE))
                     : -EPERM;
    if (r < 0)
        goto out;
    {
        /* Linux's fsnotify_move, before the cache moves the names. */
        uint32_t ck = fsnotify_cookie();
        int isd = S_ISDIR(od->inode->mode);
        fsnotify_name(opd, FSN_MOVED_FROM, od->name, od->len, ck, isd);
        fsnotify_name(npd, FSN_MOVED_TO, ndd->name, ndd->len, ck, isd);
        if (flags & RENAME_EXCHANGE) {
            uint32_t ck2 = fsnotify_cookie();
            int isd2 = S_ISDIR(ndd->inode->mode);
            fsnotify_name(npd, FSN_MOVED_FROM, ndd->name, ndd->len, ck2, isd2);
            fsnotify_name(opd, FSN_MOVED_TO, od->name, od->len, ck2, isd2);
            fsnotify_inode(ndd->inode, FSN_MOVE_SELF);
        }
        fsnotify_inode(od->inode, FSN_MOVE_SELF);
    }
    if (flags & RENAME_EXCHANGE) {
        char oname[NAME_MAX_LEN + 1];
        al_memcpy(oname, od->name, od->len + 1);
        size_t olen = od->len;
        r = d_move(od, npd, ndd->name, ndd->len);
        if (r == 0)
            r = d_move(ndd, opd, oname, olen);
    } else {
        if (ndd->inode)
            d_drop(ndd);
        r = d_move(od, npd, nnd->last, nnd->last_len);
    }
    if (r < 0)
        warn("rename: the dentry cache is out of memory; names may show stale until evicted");
    r = 0;
out:
    parent_done(nnd, ndd);
    parent_done(ond, od);
    return r;
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
    char path[PATH_MAX_LEN];
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    long r = get_path(uold, path);
    if (r < 0)
        return r;
    if (!path[0] && !(flags & AT_EMPTY_PATH))
        return -ENOENT;
    struct path op;
    struct file *f;
    r = at_path(olddir, path, flags, 0, &op, &f);
    if (r < 0)
        return r;
    if (!op.dentry)
        return -ENOENT; /* an anonymous file by fd */
    struct nameidata *nd;
    struct dentry *d;
    r = parent_at(newdir, unew, &nd, &d);
    if (r < 0) {
        path_put(&op);
        return r;
    }
    if (!d || d->inode)
        r = -EEXIST;
    else if (nd->path.mnt != op.mnt)
        r = -EXDEV;
    else if ((r = may_create(&nd->path)) < 0)
        ;
    else if (S_ISDIR(op.dentry->inode->mode))
        r = -EPERM;
    else if (op.dentry->inode->nlink == 0 && !(op.dentry->flags & D_TMPFILE))
        r = -ENOENT;
    else {
        const struct inode_ops *iops = nd->path.dentry->inode->iops;
        r = iops->link ? iops->link(op.dentry, nd->path.dentry, d) : -EPERM;
        if (r == 0) {
            d_add(d);
            fsnotify_inode(op.dentry->inode, FSN_ATTRIB);
            fsnotify_name(nd->path.dentry, FSN_CREATE, d->name, d->len, 0, 0);
        }
    }
    parent_done(nd, d);
    path_put(&op);
    return r;
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
    char target[PATH_MAX_LEN];
    long r = get_path(utarget, target);
    if (r < 0)
        return r;
    if (!target[0])
        return -ENOENT;
    struct nameidata *nd;
    struct dentry *d;
    r = parent_at(newdir, upath, &nd, &d);
    if (r < 0)
        return r;
    if (!d || d->inode)
        r = -EEXIST;
    else if ((r = may_create(&nd->path)) == 0) {
        const struct inode_ops *iops = nd->path.dentry->inode->iops;
        r = iops->symlink ? iops->symlink(nd->path.dentry, d, target) : -EPERM;
        if (r == 0) {
            d_add(d);
            fsnotify_name(nd->path.dentry, FSN_CREATE, d->name, d->len, 0, 0);
        }
    }
    parent_done(nd, d);
    return r;
}

SYS(symlink)
{
    return do_symlinkat((uint64_t)a0, AT_FDCWD, (uint64_t)a1);
}

SYS(symlinkat)
{
    return do_symlinkat((uint64_t)a0, (int)a1, (uint64_t)a2);
}

static long do_mknodat(int dirfd, uint64_t upath, uint32_t mode, uint64_t dev)
{
    uint32_t type = mode & S_IFMT;
    if (type == 0)
        type = S_IFREG;
    if (type == S_IFDIR)
        return -EPERM;
    if (type != S_IFREG && type != S_IFIFO && type != S_IFCHR && type != S_IFBLK && type != S_IFSOCK)
        return -EINVAL;
    struct nameidata *nd;
    struct dentry *d;
    long r = parent_at(dirfd, upath, &nd, &d);
    if (r < 0)
        return r;
    if (!d || d->inode)
        r = -EEXIST;
    else if ((r = may_create(&nd->path)) < 0)
        ;
    else if ((type == S_IFCHR || type == S_IFBLK) && current->proc->euid != 0)
        r = -EPERM; /* CAP_MKNOD */
    else {
        const struct inode_ops *iops = nd->path.dentry->inode->iops;
        r = iops->create ? iops->create(nd->path.dentry, d,
                                        type | (mode & 07777 & ~current->proc->umask), dev)
                         : -EPERM;
        if (r == 0) {
            d_add(d);
            fsnotify_name(nd->path.dentry, FSN_CREATE, d->name, d->len, 0, 0);
        }
    }
    parent_done(nd, d);
    return r;
}

int vfs_sock_bind(const char *path, void *sock, struct path *out)
{
    struct nameidata *nd;
    struct dentry *d;
    long r = parent_at_k(AT_FDCWD, path, &nd, &d);
    if (r < 0)
        return (int)r;
    if (!d || d->inode)
        r = -EEXIST;
    else if ((r = may_create(&nd->path)) < 0)
        ;
    else {
        const struct inode_ops *iops = nd->path.dentry->inode->iops;
        r = iops->create ? iops->create(nd->path.dentry, d,
                                        S_IFSOCK | (0777 & ~current->proc->umask), 0)
                         : -EPERM;
        if (r == 0) {
            d_add(d);
            d->inode->sock = sock;
            out->mnt = nd->path.mnt;
            out->dentry = d;
            path_get(out);
        }
    }
    parent_done(nd, d);
    return (int)r;
}

int vfs_sock_find(const char *path, void **sock)
{
    struct path p;
    int r = path[0] ? vfs_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, &p) : -ENOENT;
    if (r < 0)
        return r;
    struct inode *i = p.dentry->inode;
    r = vfs_permission(i, 2); /* connecting is writing (MAY_WRITE) */
    if (r == 0 && ((i->mode & S_IFMT) != S_IFSOCK || !i->sock))
        r = -ECONNREFUSED;
    if (r == 0)
        *sock = i->sock;
    path_put(&p);
    return r;
}

void vfs_sock_unbind(struct path *p, void *sock)
{
    if (p->dentry && p->dentry->inode && p->dentry->inode->sock == sock)
        p->dentry->inode->sock = NULL;
    path_put(p);
}

SYS(mknod)
{
    return do_mknodat(AT_FDCWD, (uint64_t)a0, (uint32_t)a1, (uint64_t)a2);
}

SYS(mknodat)
{
    return do_mknodat((int)a0, (uint64_t)a1, (uint32_t)a2, (uint64_t)a3);
}

/* ---- attributes ------------------------------------------------------------------------------ */

static int setattr(const struct path *p, struct iattr *ia)
{
    struct dentry *d = p->dentry;
    if (mnt_readonly(p->mnt))
        return -EROFS;
    if (!d->inode->iops->setattr)
        return -EPERM;
    int r = d->inode->iops->setattr(d, ia);
    if (r == 0) {
        /* Linux's fsnotify_change */
        unsigned v = ia->valid;
        uint32_t m = (v & (ATTR_MODE | ATTR_UID | ATTR_GID)) ? FSN_ATTRIB : 0;
        if (v & ATTR_SIZE)
            m |= FSN_MODIFY;
        if ((v & (ATTR_ATIME | ATTR_MTIME)) == (ATTR_ATIME | ATTR_MTIME))
            m |= FSN_ATTRIB;
        else if (v & ATTR_ATIME)
            m |= FSN_ACCESS;
        else if (v & ATTR_MTIME)
            m |= FSN_MODIFY;
        for (uint32_t b = 1; b <= FSN_ATTRIB; b <<= 1)
            if (m & b)
                fsnotify_dentry(d, b);
    }
    return r;
}

static long chmod_path(const struct path *p, uint32_t mode)
{
    struct inode *i = p->dentry->inode;
    if (mnt_readonly(p->mnt))
        return -EROFS;
    if (!vfs_owner_or_root(i))
        return -EPERM;
    const struct process *pr = current->proc;
    mode &= 07777;
    /* A non-root owner outside the file's group cannot keep it set-group-ID. */
    if (pr->fsuid != 0 && (mode & S_ISGID) && pr->fsgid != i->gid) {
        int in = 0;
        for (int k = 0; k < pr->ngroups; k++)
            in |= pr->groups[k] == i->gid;
        if (!in)
            mode &= ~(uint32_t)S_ISGID;
    }
    struct iattr ia = {.valid = ATTR_MODE | ATTR_CTIME, .mode = mode};
    return setattr(p, &ia);
}

static long do_fchmodat(int dirfd, uint64_t upath, int mode)
{
    char path[PATH_MAX_LEN];
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    struct path p;
    r = path[0] ? vfs_lookup(dirfd, path, LOOKUP_FOLLOW, &p) : -ENOENT;
    if (r < 0)
        return r;
    r = chmod_path(&p, (uint32_t)mode);
    path_put(&p);
    return r;
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
    if (!f->loc.dentry)
        return -EPERM;
    return chmod_path(&f->loc, (uint32_t)a1);
}

static long chown_path(const struct path *p, uint32_t uid, uint32_t gid)
{
    struct inode *i = p->dentry->inode;
    const struct process *pr = current->proc;
    if (mnt_readonly(p->mnt))
        return -EROFS;
    if (pr->euid != 0) {
        /* The owner may only give the file to a group of their own, keeping its uid. */
        int ok = pr->fsuid == i->uid && (uid == (uint32_t)-1 || uid == i->uid);
        if (ok && gid != (uint32_t)-1 && gid != pr->fsgid) {
            int in = 0;
            for (int k = 0; k < pr->ngroups; k++)
                in |= pr->groups[k] == gid;
            ok = in || gid == i->gid;
        }
        if (!ok)
            return -EPERM;
    }
    struct iattr ia = {.valid = ATTR_CTIME};
    if (uid != (uint32_t)-1)
        ia.valid |= ATTR_UID, ia.uid = uid;
    if (gid != (uint32_t)-1)
        ia.valid |= ATTR_GID, ia.gid = gid;
    if (!S_ISDIR(i->mode) && !S_ISLNK(i->mode) && (ia.valid & (ATTR_UID | ATTR_GID)) &&
        (i->mode & (S_ISUID | S_ISGID))) {
        /* Linux drops set-user-ID (and set-group-ID with group execute) on chown. */
        uint32_t m = i->mode & 07777 & ~(uint32_t)S_ISUID;
        if (i->mode & 010)
            m &= ~(uint32_t)S_ISGID;
        ia.valid |= ATTR_MODE;
        ia.mode = m;
    }
    return setattr(p, &ia);
}

static long do_fchownat(int dirfd, uint64_t upath, uint32_t uid, uint32_t gid, int flags)
{
    char path[PATH_MAX_LEN];
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    long r = get_path(upath, path);
    if (r < 0)
        return r;
    if (!path[0] && !(flags & AT_EMPTY_PATH))
        return -ENOENT;
    struct path p;
    struct file *f;
    r = at_path(dirfd, path, flags, 1, &p, &f);
    if (r < 0)
        return r;
    r = p.dentry ? chown_path(&p, uid, gid) : -EPERM;
    path_put(&p);
    return r;
}

SYS(chown)
{
    return do_fchownat(AT_FDCWD, (uint64_t)a0, (uint32_t)a1, (uint32_t)a2, 0);
}

SYS(lchown)
{
    return do_fchownat(AT_FDCWD, (uint64_t)a0, (uint32_t)a1, (uint32_t)a2, AT_SYMLINK_NOFOLLOW);
}

SYS(fchownat)
{
    return do_fchownat((int)a0, (uint64_t)a1, (uint32_t)a2, (uint32_t)a3, (int)a4);
}

SYS(fchown)
{
    struct file *f = fd_get((int)a0);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (!f->loc.dentry)
        return -EPERM;
    return chown_path(&f->loc, (uint32_t)a1, (uint32_t)a2);
}

SYS(umask)
{
    uint32_t old = current->proc->umask;
    current->proc->umask = (uint32_t)a0 & 0777;
    return old;
}

#define UTIME_NOW_ 0x3fffffff
#define UTIME_OMIT_ 0x3ffffffe
/* The common part of utimensat, utimes, futimesat and utime (Linux's do_utimes): times
 * are {atime sec, nsec, mtime sec, nsec}, already checked, UTIME_NOW/UTIME_OMIT allowed. */
static long do_utimes(int dirfd, uint64_t upath, const int64_t times[4], int flags)
{
    struct path p = {NULL, NULL};
    long r;
    if (!upath) {
        /* futimens(fd): the descriptor's own file. */
        struct file *f = fd_get(dirfd);
        if (!f)
            return -EBADF;
        if (!f->loc.dentry)
            return -EPERM;
        p = f->loc;
        path_get(&p);
    } else {
        char path[PATH_MAX_LEN];
        struct file *f;
        r = get_path(upath, path);
        if (r < 0)
            return r;
        if (!path[0] && !(flags & AT_EMPTY_PATH))
            return -ENOENT;
        r = at_path(dirfd, path, flags, 1, &p, &f);
        if (r < 0)
            return r;
        if (!p.dentry)
            return -EPERM;
    }
    int omit_a = times[1] == UTIME_OMIT_, omit_m = times[3] == UTIME_OMIT_;
    if (omit_a && omit_m) {
        path_put(&p);
        return 0;
    }
    struct inode *i = p.dentry->inode;
    int now_only = (omit_a || times[1] == UTIME_NOW_) && (omit_m || times[3] == UTIME_NOW_);
    r = mnt_readonly(p.mnt) ? -EROFS : 0;
    if (r == 0 && !vfs_owner_or_root(i))
        r = now_only ? vfs_permission(i, 2) : -EPERM;
    if (r == 0) {
        int64_t s, ns;
        vfs_now(&s, &ns);
        struct iattr ia = {.valid = ATTR_CTIME};
        if (!omit_a) {
            ia.valid |= ATTR_ATIME;
            ia.atime_sec = times[1] == UTIME_NOW_ ? s : times[0];
            ia.atime_nsec = times[1] == UTIME_NOW_ ? ns : times[1];
        }
        if (!omit_m) {
            ia.valid |= ATTR_MTIME;
            ia.mtime_sec = times[3] == UTIME_NOW_ ? s : times[2];
            ia.mtime_nsec = times[3] == UTIME_NOW_ ? ns : times[3];
        }
        r = setattr(&p, &ia);
    }
    path_put(&p);
    return r;
}

SYS(utimensat)
{
    int64_t times[4] = {0, UTIME_NOW_, 0, UTIME_NOW_};
    int flags = (int)a3;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (a2 && copy_from_user(times, (uint64_t)a2, sizeof(times)))
        return -EFAULT;
    for (int i = 0; i < 2; i++) {
        int64_t ns = times[2 * i + 1];
        if (ns != UTIME_NOW_ && ns != UTIME_OMIT_ && (ns < 0 || ns >= 1000000000))
            return -EINVAL;
    }
    return do_utimes((int)a0, (uint64_t)a1, times, flags);
}

/* futimesat(2) and utimes(2): struct timeval pairs (NULL: now); a microsecond count
 * outside [0, 1e6) is EINVAL (Linux's fs/utimes.c). */
static long do_futimesat(int dirfd, uint64_t upath, uint64_t utv)
{
    int64_t times[4] = {0, UTIME_NOW_, 0, UTIME_NOW_};
    if (utv) {
        int64_t tv[4];
        if (copy_from_user(tv, utv, sizeof(tv)))
            return -EFAULT;
        if (tv[1] < 0 || tv[1] >= 1000000 || tv[3] < 0 || tv[3] >= 1000000)
            return -EINVAL;
        times[0] = tv[0], times[1] = tv[1] * 1000, times[2] = tv[2], times[3] = tv[3] * 1000;
    }
    return do_utimes(dirfd, upath, times, 0);
}

SYS(futimesat)
{
    return do_futimesat((int)a0, (uint64_t)a1, (uint64_t)a2);
}

SYS(utimes)
{
    return do_futimesat(AT_FDCWD, (uint64_t)a0, (uint64_t)a1);
}

/* utime(2): struct utimbuf {actime, modtime} in whole seconds, NULL for now. */
SYS(utime)
{
    int64_t times[4] = {0, UTIME_NOW_, 0, UTIME_NOW_};
    if (a1) {
        int64_t ub[2];
        if (copy_from_user(ub, (uint64_t)a1, sizeof(ub)))
            return -EFAULT;
        times[0] = ub[0], times[1] = 0, times[2] = ub[1], times[3] = 0;
    }
    return do_utimes(AT_FDCWD, (uint64_t)a0, times, 0);
}

SYS(truncate)
{
    char path[PATH_MAX_LEN];
    long r = get_path((uint64_t)a0, path);
    if (r < 0)
        return r;
    if (a1 < 0)
        return -EINVAL;
    struct path p;
    r = path[0] ? vfs_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, &p) : -ENOENT;
    if (r < 0)
        return r;
    struct inode *i = p.dentry->inode;
    if (S_ISDIR(i->mode))
        r = -EISDIR;
    else if (!S_ISREG(i->mode))
        r = -EINVAL;
    else if (mnt_readonly(p.mnt))
        r = -EROFS;
    else
        r = vfs_permission(i, 2);
    if (r == 0) {
        uint64_t lim = current->proc->rlim[RLIMIT_FSIZE].cur;
        if (lim != RLIM_INFINITY && (uint64_t)a1 > lim) {
            signal_send_thread(current, SIGXFSZ, NULL);
            r = -EFBIG;
        }
    }
    if (r == 0) {
        struct iattr ia = {.valid = ATTR_SIZE | ATTR_CTIME | ATTR_MTIME, .size = a1};
        vfs_now(&ia.mtime_sec, &ia.mtime_nsec);
        r = setattr(&p, &ia);
    }
    path_put(&p);
    return r;
}

/* ---- statfs -------------------------------------------------------------------------------- */

static long statfs_path(const struct path *p, uint64_t ubuf)
{
    uint64_t st[15];
    al_memset(st, 0, sizeof(st));
    struct super_block *sb = p->dentry->sb;
    int r = sb->ops && sb->ops->statfs ? sb->ops->statfs(p->dentry, st) : -ENOSYS;
    if (r < 0)
        return r;
    const struct vfsmount *m = p->mnt;
    if (mnt_readonly(m))
        st[10] |= 1; /* ST_RDONLY */
    if (m->flags & MNT_NOSUID)
        st[10] |= 2;
    if (m->flags & MNT_NODEV)
        st[10] |= 4;
    if (m->flags & MNT_NOEXEC)
        st[10] |= 8;
    st[10] |= 0x20; /* ST_VALID: f_flags is meaningful */
    return copy_to_user(ubuf, st, sizeof(st));
}

SYS(statfs)
{
    char path[PATH_MAX_LEN];
    long r = get_path((uint64_t)a0, path);
    if (r < 0)
        return r;
    struct path p;
    r = path[0] ? vfs_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, &p) : -ENOENT;
    if (r < 0)
        return r;
    r = statfs_path(&p, (uint64_t)a1);
    path_put(&p);
    return r;
}

SYS(fstatfs)
{
    struct file *f = fd_get((int)a0);
    if (!f)
        return -EBADF;
    if (!f->loc.dentry) {
        /* pipes, sockets, stdio: an anonymous pseudo file system */
        uint64_t st[15];
        al_memset(st, 0, sizeof(st));
        st[0] = 0x50495045; /* PIPEFS_MAGIC */
        st[1] = 4096;
        st[8] = 255;
        st[9] = 4096;
        st[10] = 0x20;
        return copy_to_user((uint64_t)a1, st, sizeof(st));
    }
    return statfs_path(&f->loc, (uint64_t)a1);
}

/* ---- mount(2), umount2(2) ------------------------------------------------------------------ */

#define MS_RDONLY_ 1ul
#define MS_NOSUID_ 2ul
#define MS_NODEV_ 4ul
#define MS_NOEXEC_ 8ul
#define MS_REMOUNT_ 32ul
#define MS_BIND_ 4096ul
#define MS_MOVE_ 8192ul
#define MS_REC_ 16384ul
#define MS_PROPAGATION_ ((1ul << 17) | (1ul << 18) | (1ul << 19) | (1ul << 20))

static int mnt_flags_of(unsigned long ms)
{
    return ((ms & MS_RDONLY_) ? MNT_RDONLY : 0) | ((ms & MS_NOSUID_) ? MNT_NOSUID : 0) |
           ((ms & MS_NODEV_) ? MNT_NODEV : 0) | ((ms & MS_NOEXEC_) ? MNT_NOEXEC : 0);
}

SYS(mount)
{
    char target[PATH_MAX_LEN], type[64], source[PATH_MAX_LEN], *data = NULL;
    unsigned long ms = (unsigned long)a3;
    if ((ms & 0xffff0000ul) == 0xC0ED0000ul)
        ms &= 0xffff; /* MS_MGC_VAL, from old programs */
    long r = get_path((uint64_t)a1, target);
    if (r < 0)
        return r;
    if (current->proc->euid != 0)
        return -EPERM;
    type[0] = source[0] = '\0';
    if (a2 && !(ms & (MS_REMOUNT_ | MS_BIND_))) {
        r = strncpy_from_user(type, (uint64_t)a2, sizeof(type));
        if (r < 0)
            return r == -ENAMETOOLONG ? -ENODEV : r;
    }
    if (a0 && (r = strncpy_from_user(source, (uint64_t)a0, sizeof(source))) < 0)
        return r;
    struct path tp;
    r = target[0] ? vfs_lookup(AT_FDCWD, target, LOOKUP_FOLLOW, &tp) : -ENOENT;
    if (r < 0)
        return r;
    if (a4 && !(ms & MS_BIND_)) {
        data = kmalloc(PAGE_SIZE);
        if (!data) {
            r = -ENOMEM;
            goto out;
        }
        /* Mount data is a page at most; a shorter string ends at its NUL. */
        r = strncpy_from_user(data, (uint64_t)a4, PAGE_SIZE);
        if (r < 0)
            goto out;
    }
    if (ms & MS_REMOUNT_) {
        if (tp.dentry != tp.mnt->root) {
            r = -EINVAL;
            goto out;
        }
        int keep = tp.mnt->flags & ~(MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC);
        if (!(ms & MS_RDONLY_) && (tp.mnt->sb->flags & SB_RDONLY)) {
            r = -EROFS; /* a host directory given read-only stays so */
            goto out;
        }
        if ((ms & MS_RDONLY_) && !(tp.mnt->flags & MNT_RDONLY) && tp.mnt->writers) {
            r = -EBUSY; /* a file is open for writing there */
            goto out;
        }
        tp.mnt->flags = keep | mnt_flags_of(ms);
        r = 0;
        goto out;
    }
    if (ms & MS_BIND_) {
        struct path sp;
        r = source[0] ? vfs_lookup(AT_FDCWD, source, LOOKUP_FOLLOW, &sp) : -ENOENT;
        if (r < 0)
            goto out;
        if (S_ISDIR(sp.dentry->inode->mode) != S_ISDIR(tp.dentry->inode->mode))
            r = S_ISDIR(sp.dentry->inode->mode) ? -ENOTDIR : -EISDIR;
        else
            r = do_mount_at(&tp, NULL, NULL, ms, &sp, mnt_flags_of(ms) | (sp.mnt->flags & MNT_RDONLY));
        path_put(&sp);
        goto out;
    }
    if (ms & MS_MOVE_) {
        r = -EINVAL; /* moving mounts is not offered */
        goto out;
    }
    if (!type[0] && (ms & MS_PROPAGATION_)) {
        /* The enclave has one mount name space: propagation types change nothing. */
        r = 0;
        goto out;
    }
    const struct fs_type *t = vfs_find_type(type);
    if (!t && al_strcmp(type, "proc") == 0)
        t = &procfs_type;
    if (!t && al_strcmp(type, "devtmpfs") == 0)
        t = &devfs_type;
    if (!t) {
        r = -ENODEV;
        goto out;
    }
    if (t == &hostfs_type) {
        r = -EPERM; /* nothing a program does reaches a host directory not given at start */
        goto out;
    }
    if (!S_ISDIR(tp.dentry->inode->mode)) {
        r = -ENOTDIR;
        goto out;
    }
    r = do_mount_at(&tp, t, data, ms, NULL, mnt_flags_of(ms));
    if (r == 0 && source[0]) {
        struct vfsmount *m = lookup_mnt(tp.mnt, tp.dentry);
        if (m && !m->sb->source)
            m->sb->source = kstrdup(source);
    }
out:
    kfree(data);
    path_put(&tp);
    return r;
}

SYS(umount2)
{
    char target[PATH_MAX_LEN];
    int flags = (int)a1;
    if (flags & ~(1 | 2 | 4 | 8))
        return -EINVAL;
    if ((flags & 4) && (flags & (1 | 2)))
        return -EINVAL;
    long r = get_path((uint64_t)a0, target);
    if (r < 0)
        return r;
    if (current->proc->euid != 0)
        return -EPERM;
    struct path p;
    r = target[0] ? vfs_lookup(AT_FDCWD, target, (flags & 8) ? 0 : LOOKUP_FOLLOW, &p) : -ENOENT;
    if (r < 0)
        return r;
    struct vfsmount *m = p.mnt;
    int isroot = p.dentry == m->root;
    path_put(&p); /* the tree still holds m */
    if (!isroot)
        return -EINVAL;
    if (flags & 4)
        return mount_busy(m) ? -EBUSY : -EAGAIN; /* MNT_EXPIRE: not marked yet */
    return do_umount(m, flags);
}
