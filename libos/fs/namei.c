/*
 * namei.c - path walking: from a program's path string to (mount, dentry).
 *
 * The walk starts at the root, the cwd or a directory fd (all struct path, so a rename of
 * a directory never changes what they name), checks search permission on every directory
 * it passes, crosses mount points both ways ("..", from a mount's root, climbs to the
 * mount point's parent; ".." at the enclave's root stays there), and follows symlinks by
 * splicing their text in front of the rest of the path (at most 40: ELOOP).  Components
 * are at most 255 bytes and the whole path less than 4096 (ENAMETOOLONG).
 *
 * For host-backed file systems every cached dentry is revalidated through
 * sb->ops->revalidate before the walk relies on it (never for pinned dentries or mount
 * points, which the enclave itself owns).
 */
#include "vfs.h"

static int in_group(const struct process *p, uint32_t gid)
{
    if (p->fsgid == gid)
        return 1;
    for (int i = 0; i < p->ngroups; i++)
        if (p->groups[i] == gid)
            return 1;
    return 0;
}

int vfs_permission(const struct inode *i, int mask)
{
    const struct process *p = current->proc;
    uint32_t mode = i->mode;
    mask &= 7;
    if (p->fsuid == 0) {
        /* CAP_DAC_OVERRIDE: everything but executing a file nobody may execute. */
        if ((mask & 1) && !S_ISDIR(mode) && !(mode & 0111))
            return -EACCES;
        return 0;
    }
    uint32_t m;
    if (p->fsuid == i->uid)
        m = mode >> 6;
    else if (in_group(p, i->gid))
        m = mode >> 3;
    else
        m = mode;
    return ((m & (uint32_t)mask) == (uint32_t)mask) ? 0 : -EACCES;
}

int vfs_owner_or_root(const struct inode *i)
{
    const struct process *p = current->proc;
    return p->fsuid == 0 || p->fsuid == i->uid;
}

void vfs_new_owner(const struct inode *dir, uint32_t *mode, uint32_t *uid, uint32_t *gid)
{
    const struct process *p = current->proc;
    *uid = p->fsuid;
    *gid = p->fsgid;
    if (dir && (dir->mode & S_ISGID)) {
        *gid = dir->gid;
        if (S_ISDIR(*mode))
            *mode |= S_ISGID;
    }
}

void nd_release(struct nameidata *nd)
{
    path_put(&nd->path);
    if (nd->start.dentry)
        path_put(&nd->start);
    nd->start.mnt = NULL, nd->start.dentry = NULL;
}

static void path_set(struct path *dst, struct vfsmount *m, struct dentry *d)
{
    struct path n = {m, d};
    path_get(&n);
    path_put(dst);
    *dst = n;
}

/* Step into whatever is mounted on p, repeatedly. */
void follow_mounts(struct path *p)
{
    struct vfsmount *m;
    while ((m = lookup_mnt(p->mnt, p->dentry)) != NULL)
        path_set(p, m, m->root);
}

static void follow_dotdot(struct path *p)
{
    struct vfsmount *root = vfs_root_mnt();
    for (;;) {
        if (p->mnt == root && p->dentry == root->root)
            return;
        if (p->dentry == p->mnt->root) {
            if (!p->mnt->parent)
                return; /* a detached mount: its root is as far as one can go */
            path_set(p, p->mnt->parent, p->mnt->mountpoint);
            continue;
        }
        if (!p->dentry->parent)
            return;
        path_set(p, p->mnt, p->dentry->parent);
        break;
    }
    follow_mounts(p);
}

int nd_init(struct nameidata *nd, int dirfd, const char *path, int flags)
{
    size_t n = al_strlen(path);
    nd->path.mnt = NULL;
    nd->path.dentry = NULL;
    nd->start.mnt = NULL;
    nd->start.dentry = NULL;
    nd->links = 0;
    nd->flags = flags;
    nd->i = 0;
    vfs_bump_epoch();
    if (n >= PATH_MAX_LEN)
        return -ENAMETOOLONG;
    al_memcpy(nd->rest, path, n + 1);
    if (path[0] == '/' && (flags & LOOKUP_BENEATH))
        return -EXDEV;
    if (path[0] == '/' && !(flags & LOOKUP_IN_ROOT)) {
        struct vfsmount *r = vfs_root_mnt();
        path_set(&nd->path, r, r->root);
    } else if (dirfd == AT_FDCWD) {
        nd->path = current->proc->cwd;
        path_get(&nd->path);
    } else {
        struct file *f = fd_get(dirfd);
        if (!f)
            return -EBADF;
        if (!f->loc.dentry || !S_ISDIR(f->mode))
            return -ENOTDIR;
        nd->path = f->loc;
        path_get(&nd->path);
    }
    if (flags & (LOOKUP_SCOPED | LOOKUP_NO_XDEV)) {
        nd->start = nd->path;
        path_get(&nd->start);
    }
    return 0;
}

static int at_start(const struct nameidata *nd)
{
    return nd->path.mnt == nd->start.mnt && nd->path.dentry == nd->start.dentry;
}

/* ".." under openat2's rules: it may not climb out of a scoped walk's start (BENEATH:
 * EXDEV; IN_ROOT: it stays there) nor cross a mount with NO_XDEV. */
static int walk_dotdot(struct nameidata *nd)
{
    if ((nd->flags & LOOKUP_SCOPED) && at_start(nd))
        return (nd->flags & LOOKUP_BENEATH) ? -EXDEV : 0;
    struct vfsmount *m = nd->path.mnt;
    follow_dotdot(&nd->path);
    if ((nd->flags & LOOKUP_NO_XDEV) && nd->path.mnt != m)
        return -EXDEV;
    return 0;
}

/* A host-backed file system's root is reached through its mount, never through a lookup:
 * bring its attributes up to date (with the directory TTL) before permissions use them. */
static void refresh_root(const struct path *p)
{
    struct dentry *d = p->dentry;
    const struct fs_ops *ops = d->sb->ops;
    if (!d->parent && ops && ops->revalidate && !(d->flags & D_AUTODIR))
        IGNORE(ops->revalidate(d, 0));
}

/* Is there any component other than separators from position i on? */
static int more_after(const char *s, size_t i)
{
    for (; s[i]; i++)
        if (s[i] != '/')
            return 1;
    return 0;
}

/* The cached child of dir named name, revalidated, or a fresh lookup.  Returns a
 * referenced dentry: positive (hashed), or negative (unhashed; usable for a create). */
int lookup_child(const struct path *dir, const char *name, size_t len, int final,
                 struct dentry **out)
{
    struct dentry *pd = dir->dentry;
    struct dentry *d = d_lookup(pd, name, len);
    if (d) {
        const struct fs_ops *ops = d->sb->ops;
        if (ops && ops->revalidate && !(d->flags & (D_PINNED | D_AUTODIR)) && !d->mounted) {
            dget(d);
            int r = ops->revalidate(d, final);
            if (r < 0) {
                dput(d);
                return r;
            }
            if (r == 0) {
                d_drop(d);
                dput(d);
                d = NULL;
            } else {
                *out = d;
                return 0;
            }
        } else {
            *out = dget(d);
            return 0;
        }
    }
    d = d_alloc(pd, name, len);
    if (!d)
        return -ENOMEM;
    if (pd->inode->iops->lookup) {
        int r = pd->inode->iops->lookup(pd, d);
        if (r < 0) {
            dput(d);
            return r;
        }
        if (d->inode)
            d_add(d);
    }
    *out = d;
    return 0;
}

/* Splice the text of the symlink d in front of the rest of the walk; the walk goes on
 * from the directory holding the link (nd->path), or the root for an absolute target.
 * Magic links (get_link) jump to their object instead: 1 then, with nd->path moved. */
static int follow_link(struct nameidata *nd, struct dentry *d, struct vfsmount *mnt)
{
    if (nd->flags & LOOKUP_NO_SYMLINKS)
        return -ELOOP;
    if (++nd->links > PATH_MAX_SYMLINKS)
        return -ELOOP;
    const struct inode_ops *iops = d->inode->iops;
    if (iops->get_link) {
        struct path to;
        int r = iops->get_link(d, &to);
        if (r < 0)
            return r;
        if (r == 0 || r == 2) {
            /* A magic link: openat2's rules, as Linux's nd_jump_link. */
            struct vfsmount *tm = r == 0 ? to.mnt : mnt;
            int e = (nd->flags & LOOKUP_NO_MAGICLINKS) ? -ELOOP
                    : ((nd->flags & LOOKUP_NO_XDEV) && tm != nd->path.mnt) ? -EXDEV
                    : (nd->flags & LOOKUP_SCOPED) ? -EXDEV : 0;
            if (e < 0) {
                if (r == 0)
                    path_put(&to);
                return e;
            }
        }
        if (r == 0) {
            path_put(&nd->path);
            nd->path = to;
            return 1;
        }
        if (r == 2) {
            path_set(&nd->path, mnt, d);
            return 1;
        }
    }
    if (!iops->readlink)
        return -EIO;
    char target[PATH_MAX_LEN];
    long n = iops->readlink(d, target, sizeof(target) - 1);
    if (n < 0)
        return (int)n;
    if (n == 0)
        return -ENOENT;
    if ((size_t)n >= sizeof(target) - 1)
        return -ENAMETOOLONG;
    target[n] = '\0';
    size_t rl = al_strlen(nd->rest + nd->i);
    if ((size_t)n + 1 + rl + 1 > sizeof(nd->rest))
        return -ENAMETOOLONG;
    al_memmove(nd->rest + n + 1, nd->rest + nd->i, rl + 1);
    al_memcpy(nd->rest, target, (size_t)n);
    nd->rest[n] = rl ? '/' : '\0';
    if (!rl)
        nd->rest[n] = '\0';
    nd->i = 0;
    if (target[0] == '/') {
        if (nd->flags & LOOKUP_BENEATH)
            return -EXDEV;
        if (nd->flags & LOOKUP_IN_ROOT) {
            path_set(&nd->path, nd->start.mnt, nd->start.dentry);
            return 0;
        }
        struct vfsmount *r = vfs_root_mnt();
        if ((nd->flags & LOOKUP_NO_XDEV) && r != nd->path.mnt)
            return -EXDEV;
        path_set(&nd->path, r, r->root);
    }
    return 0;
}

/* Walk every component but the last.  Leaves nd->path at the last one's directory and
 * the last one in nd->last / last_type / trailing. */
int walk_to_last(struct nameidata *nd)
{
    for (;;) {
        char *s = nd->rest;
        size_t i = nd->i;
        while (s[i] == '/')
            i++;
        if (!s[i]) {
            nd->i = i;
            nd->last_type = LAST_ROOT; /* "/" or "a/" handled by the caller's trailing */
            nd->last_len = 0;
            nd->last[0] = '\0';
            nd->trailing = 0;
            return 0;
        }
        size_t st = i;
        while (s[i] && s[i] != '/')
            i++;
        size_t n = i - st;
        if (n > NAME_MAX_LEN)
            return -ENAMETOOLONG;
        int last = !more_after(s, i);
        if (last) {
            al_memcpy(nd->last, s + st, n);
            nd->last[n] = '\0';
            nd->last_len = n;
            nd->trailing = s[i] == '/';
            nd->last_type = (n == 1 && s[st] == '.') ? LAST_DOT
                            : (n == 2 && s[st] == '.' && s[st + 1] == '.') ? LAST_DOTDOT
                                                                           : LAST_NORM;
            nd->i = i; /* a trailing slash stays in rest: a link followed keeps it */
            return 0;
        }
        nd->i = i;
        if (n == 1 && s[st] == '.')
            continue;
        if (n == 2 && s[st] == '.' && s[st + 1] == '.') {
            int e = walk_dotdot(nd);
            if (e < 0)
                return e;
            continue;
        }
        refresh_root(&nd->path);
        struct inode *dir = nd->path.dentry->inode;
        int r = vfs_permission(dir, 1);
        if (r < 0)
            return r;
        struct dentry *d;
        r = lookup_child(&nd->path, s + st, n, 0, &d);
        if (r < 0)
            return r;
        if (!d->inode) {
            dput(d);
            return -ENOENT;
        }
        if (S_ISLNK(d->inode->mode)) {
            r = follow_link(nd, d, nd->path.mnt);
            dput(d);
            if (r < 0)
                return r;
            if (r == 1 && !S_ISDIR(nd->path.dentry->inode->mode))
                return -ENOTDIR;
            continue;
        }
        if (!S_ISDIR(d->inode->mode)) {
            dput(d);
            return -ENOTDIR;
        }
        struct path np = {nd->path.mnt, d};
        mnt_get_ref(np.mnt);
        path_put(&nd->path);
        nd->path = np;
        follow_mounts(&nd->path);
        if ((nd->flags & LOOKUP_NO_XDEV) && nd->path.mnt != np.mnt)
            return -EXDEV;
    }
}

/* Resolve the last component of an existing object into *out (referenced). */
int walk_last(struct nameidata *nd, struct path *out)
{
    for (;;) {
        if (nd->last_type == LAST_ROOT || nd->last_type == LAST_DOT) {
            *out = nd->path;
            path_get(out);
            break;
        }
        if (nd->last_type == LAST_DOTDOT) {
            int e = walk_dotdot(nd);
            if (e < 0)
                return e;
            *out = nd->path;
            path_get(out);
            break;
        }
        refresh_root(&nd->path);
        int r = vfs_permission(nd->path.dentry->inode, 1);
        if (r < 0)
            return r;
        struct dentry *d;
        r = lookup_child(&nd->path, nd->last, nd->last_len, 1, &d);
        if (r < 0)
            return r;
        if (!d->inode) {
            dput(d);
            return -ENOENT;
        }
        if (S_ISLNK(d->inode->mode) && ((nd->flags & LOOKUP_FOLLOW) || nd->trailing)) {
            r = follow_link(nd, d, nd->path.mnt);
            dput(d);
            if (r < 0)
                return r;
            if (r == 1) {
                *out = nd->path;
                path_get(out);
                break;
            }
            r = walk_to_last(nd);
            if (r < 0)
                return r;
            continue;
        }
        out->mnt = nd->path.mnt;
        out->dentry = d;
        mnt_get_ref(out->mnt);
        follow_mounts(out);
        if ((nd->flags & LOOKUP_NO_XDEV) && out->mnt != nd->path.mnt) {
            path_put(out);
            return -EXDEV;
        }
        break;
    }
    if ((nd->trailing || (nd->flags & LOOKUP_DIRECTORY)) && !S_ISDIR(out->dentry->inode->mode)) {
        path_put(out);
        return -ENOTDIR;
    }
    return 0;
}

int vfs_lookup(int dirfd, const char *path, int flags, struct path *out)
{
    struct nameidata *nd = kmalloc(sizeof(*nd));
    if (!nd)
        return -ENOMEM;
    int r = path[0] ? nd_init(nd, dirfd, path, flags) : -ENOENT;
    if (r == 0)
        r = walk_to_last(nd);
    if (r == 0)
        r = walk_last(nd, out);
    nd_release(nd);
    kfree(nd);
    return r;
}

/* For the calls that make or remove a name: the directory and the (maybe negative) child
 * of the last component, not following it.  "." and ".." and "/" come back as
 * last_type with no child. */
int walk_parent(struct nameidata *nd, struct dentry **child)
{
    *child = NULL;
    if (nd->last_type != LAST_NORM)
        return 0;
    refresh_root(&nd->path);
    int r = vfs_permission(nd->path.dentry->inode, 1);
    if (r < 0)
        return r;
    return lookup_child(&nd->path, nd->last, nd->last_len, 1, child);
}

/* The last component was a symlink to follow (open with O_CREAT): splice it and walk to
 * the new last component. */
int walk_follow_last(struct nameidata *nd, struct dentry *link)
{
    int r = follow_link(nd, link, nd->path.mnt);
    if (r < 0)
        return r;
    if (r == 1) {
        nd->last_type = LAST_ROOT; /* a magic link: the object itself */
        nd->trailing = 0;
        return 0;
    }
    return walk_to_last(nd);
}

int walk_create_autodirs(const char *canon, struct path *out)
{
    struct vfsmount *root = vfs_root_mnt();
    struct path p = {root, root->root};
    path_get(&p);
    follow_mounts(&p);
    const char *s = canon;
    for (;;) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        const char *e = s;
        while (*e && *e != '/')
            e++;
        struct dentry *d;
        int r = (size_t)(e - s) > NAME_MAX_LEN ? -ENAMETOOLONG
                                               : lookup_child(&p, s, (size_t)(e - s), 0, &d);
        if (r < 0) {
            path_put(&p);
            return r;
        }
        if (!d->inode) {
            dput(d);
            d = d_autodir(p.dentry, s, (size_t)(e - s));
            if (!d) {
                path_put(&p);
                return -ENOMEM;
            }
            dget(d);
        } else if (!S_ISDIR(d->inode->mode)) {
            dput(d);
            path_put(&p);
            return -ENOTDIR;
        }
        struct path np = {p.mnt, d};
        mnt_get_ref(np.mnt);
        path_put(&p);
        p = np;
        follow_mounts(&p);
        s = e;
    }
    *out = p;
    return 0;
}
