/*
 * xattr.c - extended attributes: {,l,f}{set,get,list,remove}xattr.
 *
 * The enclave's file systems (host directories, /dev, /proc) do not store extended
 * attributes yet, so every call answers what Linux answers for a file system without xattr
 * support: set/get/remove fail with EOPNOTSUPP and list returns an empty list (0), as on
 * /proc.  Everything Linux checks first is checked the same way and in the same order
 * (fs/xattr.c of Linux 6.13+: the arguments are copied in before the path is looked up or
 * the fd is checked):
 *   1. flags (EINVAL), name (EFAULT; ERANGE if empty or longer than 255), size (E2BIG),
 *      value (EFAULT);
 *   2. the path (ENOENT, ENOTDIR, ELOOP, EFAULT...) or the fd (EBADF, also for O_PATH);
 *   3. a read-only mount for set/remove (EROFS);
 *   4. xattr_permission(): trusted.* needs privilege (EPERM to write, ENODATA to read),
 *      user.* exists only on regular files and directories (EPERM / ENODATA), and on a
 *      host path the host's access check (EACCES).  For the fd variants the inode
 *      permission check is left out: the description may name a file that was renamed.
 * shutil.copystat/copy2 and CPython's test_os treat EOPNOTSUPP as "not supported here".
 */
#include "vfs.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_CREATE 1
#define XATTR_REPLACE 2

enum { XA_SET, XA_GET, XA_LIST, XA_REMOVE };

/* What the operation is applied to, after lookup. */
struct xa_target {
    struct pal_stat st;
    int readonly;         /* on a read-only mount */
    struct inode *ino;    /* NULL for anonymous files (pipes...) */
};

static long xattr_name(uint64_t uname, char *kname)
{
    long n = strncpy_from_user(kname, uname, XATTR_NAME_MAX + 1);
    if (n == -EFAULT)
        return n;
    return n <= 0 ? -ERANGE : 0; /* empty, or too long (-ENAMETOOLONG) */
}

/* Look the target up by path (following the last symlink or not) or by fd (path == 0). */
static long xattr_target(uint64_t upath, int follow, int fd, struct path *p, struct xa_target *t)
{
    t->ino = NULL;
    t->readonly = 0;
    if (!upath) {
        struct file *f = fd_get(fd);
        if (!f || (f->flags & O_PATH))
            return -EBADF;
        t->readonly = file_readonly(f);
        if (f->loc.dentry)
            t->ino = f->loc.dentry->inode;
        if (!f->ops->stat)
            return -EBADF;
        return f->ops->stat(f, &t->st);
    }
    char path[PATH_MAX_LEN];
    long r = strncpy_from_user(path, upath, PATH_MAX_LEN);
    if (r < 0)
        return r;
    r = path[0] ? vfs_lookup(AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, p) : -ENOENT;
    if (r < 0)
        return r;
    struct dentry *d = p->dentry;
    r = d->inode->iops->getattr ? d->inode->iops->getattr(d, &t->st) : -EIO;
    t->ino = d->inode;
    t->readonly = (p->mnt->flags & MNT_RDONLY) || (d->sb->flags & SB_RDONLY);
    return r;
}

static int prefixed(const char *name, const char *prefix)
{
    return al_strncmp(name, prefix, al_strlen(prefix)) == 0;
}

/* Linux's xattr_permission() for a file system that has no attributes to show. */
static long xattr_permission(const struct xa_target *t, const char *name, int write)
{
    if (prefixed(name, "security.") || prefixed(name, "system."))
        return 0;
    if (prefixed(name, "trusted.")) {
        if (current->proc->euid != 0)
            return write ? -EPERM : -ENODATA;
        return 0;
    }
    if (prefixed(name, "user.") && !S_ISREG(t->st.mode) && !S_ISDIR(t->st.mode))
        return write ? -EPERM : -ENODATA;
    if (t->ino && !S_ISLNK(t->st.mode)) {
        struct inode tmp = *t->ino;
        tmp.mode = t->st.mode, tmp.uid = t->st.uid, tmp.gid = t->st.gid;
        return vfs_permission(&tmp, write ? 2 : 4);
    }
    return 0;
}

static long do_xattr(int op, uint64_t upath, int follow, int fd, uint64_t uname, uint64_t uvalue,
                     size_t size, int flags)
{
    char kname[XATTR_NAME_MAX + 1];
    struct path p = {NULL, NULL};
    long r;
    if (op == XA_SET && (flags & ~(XATTR_CREATE | XATTR_REPLACE)))
        return -EINVAL;
    if (op != XA_LIST && (r = xattr_name(uname, kname)) < 0)
        return r;
    if (op == XA_SET) {
        /* The value is copied in before the lookup, as Linux does. */
        if (size > XATTR_SIZE_MAX)
            return -E2BIG;
        char *kvalue = size ? kmalloc(size) : NULL;
        if (size && !kvalue)
            return -ENOMEM;
        r = size ? copy_from_user(kvalue, uvalue, size) : 0;
        kfree(kvalue);
        if (r < 0)
            return r;
    }
    struct xa_target t;
    r = xattr_target(upath, follow, fd, &p, &t);
    if (r == 0 && op != XA_LIST) {
        int write = op == XA_SET || op == XA_REMOVE;
        if (write && t.readonly)
            r = -EROFS;
        if (r == 0)
            r = xattr_permission(&t, kname, write);
        if (r == 0)
            r = -EOPNOTSUPP;
    }
    /* XA_LIST: no attributes (no security module lists any either). */
    path_put(&p);
    return r;
}

SYS(setxattr)
{
    return do_xattr(XA_SET, (uint64_t)a0, 1, -1, (uint64_t)a1, (uint64_t)a2, (size_t)a3, (int)a4);
}

SYS(lsetxattr)
{
    return do_xattr(XA_SET, (uint64_t)a0, 0, -1, (uint64_t)a1, (uint64_t)a2, (size_t)a3, (int)a4);
}

SYS(fsetxattr)
{
    return do_xattr(XA_SET, 0, 0, (int)a0, (uint64_t)a1, (uint64_t)a2, (size_t)a3, (int)a4);
}

SYS(getxattr)
{
    return do_xattr(XA_GET, (uint64_t)a0, 1, -1, (uint64_t)a1, (uint64_t)a2, (size_t)a3, 0);
}

SYS(lgetxattr)
{
    return do_xattr(XA_GET, (uint64_t)a0, 0, -1, (uint64_t)a1, (uint64_t)a2, (size_t)a3, 0);
}

SYS(fgetxattr)
{
    return do_xattr(XA_GET, 0, 0, (int)a0, (uint64_t)a1, (uint64_t)a2, (size_t)a3, 0);
}

SYS(listxattr)
{
    return do_xattr(XA_LIST, (uint64_t)a0, 1, -1, 0, (uint64_t)a1, (size_t)a2, 0);
}

SYS(llistxattr)
{
    return do_xattr(XA_LIST, (uint64_t)a0, 0, -1, 0, (uint64_t)a1, (size_t)a2, 0);
}

SYS(flistxattr)
{
    return do_xattr(XA_LIST, 0, 0, (int)a0, 0, (uint64_t)a1, (size_t)a2, 0);
}

SYS(removexattr)
{
    return do_xattr(XA_REMOVE, (uint64_t)a0, 1, -1, (uint64_t)a1, 0, 0, 0);
}

SYS(lremovexattr)
{
    return do_xattr(XA_REMOVE, (uint64_t)a0, 0, -1, (uint64_t)a1, 0, 0, 0);
}

SYS(fremovexattr)
{
    return do_xattr(XA_REMOVE, 0, 0, (int)a0, (uint64_t)a1, 0, 0, 0);
}
