/*
 * dcache.c - the VFS objects: super_blocks, inodes, dentries, mounts, and their cache.
 *
 * Everything here lives in the shared kernel state (kernel->vfs and kmalloc'd objects) and
 * is protected by the big core lock.  See vfs.h for the lifetime rules.  The dentry cache
 * is one hash table keyed by (parent, name) plus an LRU list of unreferenced dentries;
 * past DCACHE_MAX unreferenced entries the oldest are evicted, so exhausting the cache only
 * costs lookups again.
 */
#include "vfs.h"

#define DHASH_SIZE 8192
#define DCACHE_MAX 16384     /* unreferenced dentries kept for reuse */
#define MAX_TYPES 8

struct vfs_state {
    struct dentry *hash[DHASH_SIZE];
    struct dentry *lru_first, *lru_last;
    int nlru;
    struct vfsmount *mounts, *root_mnt;
    int next_mnt_id;
    uint64_t next_dev;
    uint64_t seq;
    uint64_t epoch;
    uint64_t time_epoch;     /* the epoch op_time was read in */
    int64_t op_time;
    const struct fs_type *types[MAX_TYPES];
    int ntypes;
};

/* ---- inodes and super_blocks ---------------------------------------------------------- */

struct super_block *sb_alloc(const struct fs_type *t)
{
    struct super_block *sb = kzalloc(sizeof(*sb));
    if (!sb)
        return NULL;
    sb->type = t;
    /* Anonymous devices, as Linux numbers them for tmpfs and friends: major 0. */
    sb->dev = kernel->vfs->next_dev++;
    sb->next_ino = 2;
    return sb;
}

static void d_drop_tree(struct dentry *root);

void sb_put(struct super_block *sb)
{
    if (--sb->refs > 0)
        return;
    struct dentry *root = sb->root;
    sb->root = NULL;
    if (root) {
        d_drop_tree(root);
        dput(root);
    }
    if (sb->ops && sb->ops->put_super)
        sb->ops->put_super(sb);
    kfree(sb->source);
    kfree(sb->options);
    kfree(sb);
}

struct inode *inode_alloc(struct super_block *sb, const struct inode_ops *iops, uint32_t mode)
{
    struct inode *i = kzalloc(sizeof(*i));
    if (!i)
        return NULL;
    i->refs = 1;
    i->sb = sb;
    i->iops = iops;
    i->mode = mode;
    i->nlink = 1;
    i->ino = sb->next_ino++;
    vfs_now(&i->mtime_sec, &i->mtime_nsec);
    i->atime_sec = i->ctime_sec = i->mtime_sec;
    i->atime_nsec = i->ctime_nsec = i->mtime_nsec;
    return i;
}

struct inode *iget(struct inode *i)
{
    i->refs++;
    return i;
}

void iput(struct inode *i)
{
    if (!i || --i->refs > 0)
        return;
    fsnotify_evict(i);
    if (i->sb->ops && i->sb->ops->evict_inode)
        i->sb->ops->evict_inode(i);
    kfree(i);
}

void vfs_now(int64_t *sec, int64_t *nsec)
{
    if (pal_clock_get(CLOCK_REALTIME, sec, nsec) < 0)
        *sec = *nsec = 0;
}

int64_t vfs_op_time(void)
{
    struct vfs_state *v = kernel->vfs;
    if (v->time_epoch != v->epoch) {
        int64_t s, ns;
        if (pal_clock_get(CLOCK_MONOTONIC, &s, &ns) < 0)
            s = ns = 0;
        v->op_time = s * 1000000000 + ns;
        v->time_epoch = v->epoch;
    }
    return v->op_time;
}

/* ---- dentries -------------------------------------------------------------------------- */

static uint32_t name_hash(const struct dentry *parent, const char *name, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)((uintptr_t)parent >> 4);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

static void lru_del(struct dentry *d)
{
    struct vfs_state *v = kernel->vfs;
    if (d->lru_prev)
        d->lru_prev->lru_next = d->lru_next;
    else if (v->lru_first == d)
        v->lru_first = d->lru_next;
    else
        return; /* not on the list */
    if (d->lru_next)
        d->lru_next->lru_prev = d->lru_prev;
    else
        v->lru_last = d->lru_prev;
    d->lru_next = d->lru_prev = NULL;
    v->nlru--;
}

static void lru_add(struct dentry *d)
{
    struct vfs_state *v = kernel->vfs;
    d->lru_prev = v->lru_last;
    d->lru_next = NULL;
    if (v->lru_last)
        v->lru_last->lru_next = d;
    else
        v->lru_first = d;
    v->lru_last = d;
    v->nlru++;
}

struct dentry *dget(struct dentry *d)
{
    if (d->refs++ == 0)
        lru_del(d);
    return d;
}

static void unhash(struct dentry *d)
{
    if (!(d->flags & D_HASHED))
        return;
    struct dentry **pp = &kernel->vfs->hash[d->hash % DHASH_SIZE];
    while (*pp && *pp != d)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = d->hnext;
    d->hnext = NULL;
    d->flags &= ~D_HASHED;
    struct dentry *p = d->parent;
    if (p) {
        if (d->sib_prev)
            d->sib_prev->sib_next = d->sib_next;
        else
            p->child_first = d->sib_next;
        if (d->sib_next)
            d->sib_next->sib_prev = d->sib_prev;
        else
            p->child_last = d->sib_prev;
    }
    d->sib_next = d->sib_prev = NULL;
}

static void rehash(struct dentry *d)
{
    struct dentry *p = d->parent;
    d->hash = name_hash(p, d->name, d->len);
    struct dentry **b = &kernel->vfs->hash[d->hash % DHASH_SIZE];
    d->hnext = *b;
    *b = d;
    d->flags |= D_HASHED;
    d->seq = kernel->vfs->seq++;
    if (p) {
        d->sib_prev = p->child_last;
        d->sib_next = NULL;
        if (p->child_last)
            p->child_last->sib_next = d;
        else
            p->child_first = d;
        p->child_last = d;
    }
}

static void d_free(struct dentry *d)
{
    while (d) {
        struct dentry *parent = d->parent;
        unhash(d);
        lru_del(d);
        iput(d->inode);
        kfree(d->name);
        kfree(d);
        /* The child's reference on its parent goes with it. */
        d = NULL;
        if (parent && --parent->refs == 0) {
            if (parent->flags & D_HASHED) {
                lru_add(parent);
            } else {
                d = parent;
            }
        }
    }
}

/* Evict the oldest unreferenced dentries while the cache is over its limit. */
static void dcache_shrink(void)
{
    struct vfs_state *v = kernel->vfs;
    while (v->nlru > DCACHE_MAX && v->lru_first)
        d_free(v->lru_first);
}

void dput(struct dentry *d)
{
    if (!d)
        return;
    if (d->refs <= 0)
        panic("dput of a dead dentry %s", d->name);
    if (--d->refs > 0)
        return;
    if (!(d->flags & D_HASHED) || !d->parent) {
        d_free(d);
        return;
    }
    lru_add(d);
    dcache_shrink();
}

static struct dentry *d_new(struct dentry *parent, struct super_block *sb, const char *name,
                            size_t len)
{
    struct dentry *d = kzalloc(sizeof(*d));
    char *n = kmalloc(len + 1);
    if (!d || !n) {
        kfree(d), kfree(n);
        return NULL;
    }
    al_memcpy(n, name, len);
    n[len] = '\0';
    d->name = n;
    d->len = (uint32_t)len;
    d->refs = 1;
    d->sb = sb;
    d->parent = parent ? dget(parent) : NULL;
    return d;
}

struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len)
{
    return d_new(parent, parent->sb, name, len);
}

struct dentry *d_alloc_anon(struct super_block *sb, const char *name, struct inode *i)
{
    struct dentry *d = d_new(NULL, sb, name, al_strlen(name));
    if (!d) {
        iput(i);
        return NULL;
    }
    d->inode = i;
    return d;
}

struct dentry *d_make_root(struct inode *root)
{
    struct dentry *d = d_new(NULL, root->sb, "/", 1);
    if (!d) {
        iput(root);
        return NULL;
    }
    d->inode = root;
    return d; /* its one reference is the super_block's (sb_put drops it) */
}

void d_instantiate(struct dentry *d, struct inode *i)
{
    d->inode = i;
}

void d_pin(struct dentry *d)
{
    if (!(d->flags & D_PINNED)) {
        d->flags |= D_PINNED;
        dget(d);
    }
}

struct dentry *d_lookup(struct dentry *parent, const char *name, size_t len)
{
    uint32_t h = name_hash(parent, name, len);
    for (struct dentry *d = kernel->vfs->hash[h % DHASH_SIZE]; d; d = d->hnext)
        if (d->hash == h && d->parent == parent && d->len == len && !al_memcmp(d->name, name, len))
            return d;
    return NULL;
}

void d_add(struct dentry *d)
{
    if (!(d->flags & D_HASHED))
        rehash(d);
}

/* The name is gone (unlink, rmdir, overwritten by rename) or no longer trusted. */
void d_drop(struct dentry *d)
{
    dget(d);
    unhash(d);
    if (d->flags & D_PINNED) {
        d->flags &= ~D_PINNED;
        d->refs--;
    }
    dput(d);
}

/* rename: d now is newparent/name. */
int d_move(struct dentry *d, struct dentry *newparent, const char *name, size_t len)
{
    char *n = kmalloc(len + 1);
    if (!n)
        return -ENOMEM;
    al_memcpy(n, name, len);
    n[len] = '\0';
    dget(d);
    unhash(d);
    kfree(d->name);
    d->name = n;
    d->len = (uint32_t)len;
    if (d->parent != newparent) {
        struct dentry *old = d->parent;
        d->parent = dget(newparent);
        dput(old);
    }
    rehash(d);
    dput(d);
    return 0;
}

/* Unmount of the last instance: every name below root goes (open files keep theirs). */
static void d_drop_tree(struct dentry *root)
{
    struct dentry *d = root;
    while (d) {
        if (d->child_first) {
            d = d->child_first;
            continue;
        }
        if (d == root)
            break;
        struct dentry *p = d->parent;
        d_drop(d);
        d = p;
    }
}

struct dentry *d_next_child(struct dentry *dir, uint64_t *pos)
{
    for (struct dentry *c = dir->child_first; c; c = c->sib_next)
        if (c->seq >= *pos && c->inode) {
            *pos = c->seq + 1;
            return c;
        }
    return NULL;
}

uint8_t dtype_of(uint32_t mode)
{
    return (uint8_t)((mode & S_IFMT) >> 12);
}

size_t dirent_fill(void *buf, size_t cap, uint64_t ino, int64_t off, uint8_t type, const char *name)
{
    size_t nl = al_strlen(name);
    size_t rl = (19 + nl + 1 + 7) & ~(size_t)7;
    if (rl > cap)
        return 0;
    struct linux_dirent64 *d = buf;
    al_memset(d, 0, rl);
    d->d_ino = ino;
    d->d_off = off;
    d->d_reclen = (uint16_t)rl;
    d->d_type = type;
    al_memcpy(d->d_name, name, nl + 1);
    return rl;
}

int d_relpath(const struct dentry *d, char *buf, size_t size)
{
    /* Measure, then fill from the end. */
    size_t len = 0;
    for (const struct dentry *x = d; x->parent; x = x->parent)
        len += x->len + (x->parent->parent ? 1 : 0);
    if (len + 1 > size)
        return -ENAMETOOLONG;
    buf[len] = '\0';
    size_t end = len;
    for (const struct dentry *x = d; x->parent; x = x->parent) {
        end -= x->len;
        al_memcpy(buf + end, x->name, x->len);
        if (x->parent->parent)
            buf[--end] = '/';
    }
    return (int)len;
}

/* ---- paths and mounts ------------------------------------------------------------------ */

static void mnt_get(struct vfsmount *m)
{
    m->refs++;
}

static void mnt_free(struct vfsmount *m);

void mnt_get_ref(struct vfsmount *m)
{
    mnt_get(m);
}

void mnt_writer_done(struct vfsmount *m)
{
    if (m && m->writers > 0)
        m->writers--;
}

static void mnt_put(struct vfsmount *m)
{
    if (!m)
        return;
    if (--m->refs > 0 || !(m->flags & MNT_DETACHED))
        return;
    mnt_free(m);
}

void path_get(struct path *p)
{
    if (p->mnt)
        mnt_get(p->mnt);
    if (p->dentry)
        dget(p->dentry);
}

void path_put(struct path *p)
{
    struct dentry *d = p->dentry;
    struct vfsmount *m = p->mnt;
    p->dentry = NULL;
    p->mnt = NULL;
    if (d)
        dput(d);
    if (m)
        mnt_put(m);
}

struct vfsmount *vfs_root_mnt(void)
{
    return kernel->vfs->root_mnt;
}

/* The most recent mount on (parent, d), or NULL. */
struct vfsmount *lookup_mnt(struct vfsmount *parent, struct dentry *d)
{
    struct vfsmount *found = NULL;
    if (!d->mounted)
        return NULL;
    for (struct vfsmount *m = kernel->vfs->mounts; m; m = m->next)
        if (m->parent == parent && m->mountpoint == d && !(m->flags & MNT_DETACHED))
            found = m;
    return found;
}

/* Build "/a/b" for p into buf from the end backwards; returns the start or NULL. */
static char *path_build(const struct path *p, char *buf, size_t size, int *reachable)
{
    struct vfsmount *m = p->mnt;
    const struct dentry *d = p->dentry;
    size_t end = size - 1;
    buf[end] = '\0';
    *reachable = 1;
    for (;;) {
        if (m && d == m->root) {
            if (!m->parent) {
                if (m->flags & MNT_DETACHED)
                    *reachable = 0;
                break;
            }
            d = m->mountpoint;
            m = m->parent;
            continue;
        }
        if (!d->parent) {
            *reachable = 0; /* an anonymous dentry or a detached tree */
            break;
        }
        if (d->len + 1 > end)
            return NULL;
        end -= d->len;
        al_memcpy(buf + end, d->name, d->len);
        buf[--end] = '/';
        d = d->parent;
    }
    if (end == size - 1)
        buf[--end] = '/';
    return buf + end;
}

int vfs_path_str(const struct path *p, char *buf, size_t size)
{
    char tmp[PATH_MAX_LEN];
    int reach;
    char *s = path_build(p, tmp, sizeof(tmp), &reach);
    if (!s)
        return -ENAMETOOLONG;
    size_t n = al_strlen(s);
    if (n + 1 > size)
        return -ENAMETOOLONG;
    al_memcpy(buf, s, n + 1);
    return (int)n;
}

int vfs_path_label(const struct path *p, char *buf, size_t size)
{
    const struct dentry *d = p->dentry;
    if (!d->parent && !(p->mnt && d == p->mnt->root)) {
        /* anonymous: memfd, O_TMPFILE */
        return al_snprintf(buf, size, "/%s (deleted)", d->name);
    }
    int r = vfs_path_str(p, buf, size);
    if (r < 0)
        return r;
    int deleted = 0;
    for (const struct dentry *x = d; x->parent; x = x->parent)
        if (!(x->flags & D_HASHED))
            deleted = 1;
    if (deleted && (size_t)r + 11 < size) {
        al_memcpy(buf + r, " (deleted)", 11);
        r += 10;
    }
    return r;
}

/* Is the dentry (or an ancestor up to its mount root) unlinked? */
int d_unlinked(const struct path *p)
{
    for (const struct dentry *x = p->dentry; x->parent && x != p->mnt->root; x = x->parent)
        if (!(x->flags & D_HASHED))
            return 1;
    return 0;
}

static struct vfsmount *mnt_alloc(struct super_block *sb, struct dentry *root, int flags)
{
    struct vfsmount *m = kzalloc(sizeof(*m));
    if (!m)
        return NULL;
    m->sb = sb;
    sb->refs++;
    m->root = dget(root);
    m->flags = flags;
    m->id = kernel->vfs->next_mnt_id++;
    return m;
}

/* Hook m onto (parent, mountpoint) and into the kernel-wide list. */
static void mnt_attach(struct vfsmount *m, struct vfsmount *parent, struct dentry *mp)
{
    m->parent = parent;
    m->mountpoint = mp ? dget(mp) : NULL;
    if (parent)
        mnt_get(parent);
    if (mp)
        mp->mounted++;
    struct vfsmount **pp = &kernel->vfs->mounts;
    while (*pp)
        pp = &(*pp)->next;
    *pp = m;
    m->next = NULL;
}

static void mnt_free(struct vfsmount *m)
{
    struct dentry *root = m->root;
    struct super_block *sb = m->sb;
    kfree(m);
    dput(root);
    sb_put(sb);
}

/* Unhook m from the tree (umount); it dies at its last reference. */
static void mnt_detach(struct vfsmount *m)
{
    for (struct vfsmount **pp = &kernel->vfs->mounts; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    m->flags |= MNT_DETACHED;
    struct vfsmount *parent = m->parent;
    struct dentry *mp = m->mountpoint;
    m->parent = NULL;
    m->mountpoint = NULL;
    if (mp) {
        mp->mounted--;
        dput(mp);
    }
    if (parent)
        mnt_put(parent);
    m->refs++;
    mnt_put(m);
}

void vfs_register(const struct fs_type *t)
{
    struct vfs_state *v = kernel->vfs;
    if (v->ntypes < MAX_TYPES)
        v->types[v->ntypes++] = t;
}

const struct fs_type *vfs_find_type(const char *name)
{
    struct vfs_state *v = kernel->vfs;
    for (int i = 0; i < v->ntypes; i++)
        if (al_strcmp(v->types[i]->name, name) == 0)
            return v->types[i];
    return NULL;
}

/* A new instance of t, with one mount of its root (not attached). */
static int new_instance(const struct fs_type *t, const char *data, unsigned long msflags,
                        struct super_block *sb_in, int mflags, struct vfsmount **out)
{
    struct super_block *sb = sb_in;
    if (!sb) {
        sb = sb_alloc(t);
        if (!sb)
            return -ENOMEM;
        int r = t->mount(sb, data, msflags);
        if (r < 0) {
            kfree(sb);
            return r;
        }
    }
    struct vfsmount *m = mnt_alloc(sb, sb->root, mflags);
    if (!m) {
        sb->refs++;
        sb_put(sb);
        return -ENOMEM;
    }
    *out = m;
    return 0;
}

struct vfsmount *vfs_kern_mount(const struct fs_type *t, const char *data)
{
    struct vfsmount *m;
    if (new_instance(t, data, 0, NULL, 0, &m) < 0)
        return NULL;
    m->refs = 1;
    return m;
}

/* ---- boot ------------------------------------------------------------------------------- */

/* A directory that exists only because something is mounted below it. */
static int autodir_getattr(struct dentry *d, struct pal_stat *st)
{
    al_memset(st, 0, sizeof(*st));
    st->mode = d->inode->mode;
    st->nlink = 2;
    st->blksize = 4096;
    st->ino = d->inode->ino;
    st->mtime_sec = st->atime_sec = st->ctime_sec = d->inode->mtime_sec;
    return 0;
}

static int autodir_open(struct dentry *d, struct file *f, int flags);
static const struct inode_ops autodir_iops = {
    .getattr = autodir_getattr, .open = autodir_open,
};

static long autodir_getdents(struct file *f, uint64_t ubuf, size_t n)
{
    /* ".", "..", and the names of the mount points and made-up directories below. */
    char buf[512];
    size_t done = 0;
    for (;;) {
        const char *name = NULL;
        uint64_t ino = 1;
        uint8_t type = DT_DIR;
        uint64_t cur = (uint64_t)f->pos;
        if (cur == 0)
            name = ".";
        else if (cur == 1)
            name = "..";
        else {
            uint64_t p = cur - 2;
            struct dentry *c = d_next_child(f->loc.dentry, &p);
            if (!c)
                break;
            name = c->name;
            ino = c->inode->ino;
            type = dtype_of(c->inode->mode);
            cur = p + 1; /* so that next cursor = p + 2 */
            size_t rl = dirent_fill(buf, sizeof(buf), ino, (int64_t)(cur + 1), type, name);
            if (done + rl > n)
                break;
            if (copy_to_user(ubuf + done, buf, rl))
                return done ? (long)done : -EFAULT;
            done += rl;
            f->pos = (int64_t)(cur + 1);
            continue;
        }
        size_t rl = dirent_fill(buf, sizeof(buf), ino, (int64_t)cur + 1, type, name);
        if (done + rl > n)
            break;
        if (copy_to_user(ubuf + done, buf, rl))
            return done ? (long)done : -EFAULT;
        done += rl;
        f->pos = (int64_t)cur + 1;
    }
    if (done == 0 && n < 24)
        return -EINVAL;
    return (long)done;
}

static int autodir_stat(struct file *f, struct pal_stat *st)
{
    int r = autodir_getattr(f->loc.dentry, st);
    st->dev = f->loc.dentry->sb->dev;
    return r;
}

static const struct file_ops autodir_fops = {
    .getdents = autodir_getdents, .stat = autodir_stat, .seekable = 1,
};

static int autodir_open(struct dentry *d, struct file *f, int flags)
{
    (void)d;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return -EISDIR;
    f->ops = &autodir_fops;
    return 0;
}


struct dentry *d_autodir(struct dentry *parent, const char *name, size_t len)
{
    struct inode *i = inode_alloc(parent->sb, &autodir_iops, S_IFDIR | 0755);
    if (!i)
        return NULL;
    struct dentry *d = d_alloc(parent, name, len);
    if (!d) {
        iput(i);
        return NULL;
    }
    d->inode = i;
    d->flags |= D_AUTODIR;
    d_add(d);
    d_pin(d);
    dput(d);
    return d;
}

/* Mount a new instance (or bind, with sb) at the canonical path canon. */
static int boot_mount(const char *canon, const struct fs_type *t, const char *data,
                      struct super_block *sb, int mflags)
{
    struct vfsmount *m;
    int r = new_instance(t, data, 0, sb, mflags, &m);
    if (r < 0)
        return r;
    m->refs = 1; /* the tree's */
    if (!kernel->vfs->root_mnt) {
        mnt_attach(m, NULL, NULL);
        m->refs++; /* the root mount is never unmounted */
        kernel->vfs->root_mnt = m;
        return 0;
    }
    struct path mp;
    r = walk_create_autodirs(canon, &mp);
    if (r < 0) {
        mnt_free(m);
        return r;
    }
    mnt_attach(m, mp.mnt, mp.dentry);
    path_put(&mp);
    return 0;
}

static int depth_of(const char *p)
{
    int n = 0;
    for (; *p; p++)
        n += *p == '/' && p[1];
    return al_strcmp(p, "/") == 0 ? 0 : n;
}

/* A boot mount of the image, a volume or the overlay root: its super_block, type and
 * mount flags.  The file systems log what is wrong themselves. */
static int protected_boot_sb(const struct pal_boot *boot, const struct pal_mount *pm,
                             struct super_block **out, const struct fs_type **t, int *mflags)
{
    const char *src = pm->source ? pm->source : pm->fstype;
    int rw = (pm->flags & PAL_MOUNT_RW) != 0;
    if (al_strcmp(pm->fstype, "erofs") == 0) {
        *t = &erofs_type;
        *mflags = MNT_RDONLY;
        return erofs_boot_sb(pm->root, pm->root_hash, src, out);
    }
    if (!boot->has_volume_key && (al_strcmp(pm->fstype, "alcovefs") == 0 || pm->upper != PAL_HANDLE_NONE)) {
        kprintf("%s: a volume needs a key (--key-file)", src);
        return -ENOKEY;
    }
    if (al_strcmp(pm->fstype, "alcovefs") == 0) {
        *t = &alcovefs_type;
        *mflags = rw ? 0 : MNT_RDONLY;
        return alcovefs_boot_sb(pm->root, boot->volume_key, rw, boot->state_dir, src, out);
    }
    /* overlay: lower, then upper, then the overlay over both */
    struct super_block *lower = NULL, *upper = NULL;
    int r;
    if (pm->lower_fstype && al_strcmp(pm->lower_fstype, "erofs") == 0)
        r = erofs_boot_sb(pm->root, pm->root_hash, src, &lower);
    else
        r = hostfs_boot_sb(pm->root, 0, "host:/", &lower);
    if (r < 0)
        return r;
    if (pm->upper != PAL_HANDLE_NONE) {
        r = alcovefs_boot_sb(pm->upper, boot->volume_key, 1, boot->state_dir, src, &upper);
    } else {
        /* An upper layer in enclave memory: changes last until the enclave ends. */
        upper = sb_alloc(&tmpfs_type);
        r = upper ? tmpfs_type.mount(upper, "mode=755", 0) : -ENOMEM;
        if (r < 0) {
            kfree(upper);
            upper = NULL;
        }
    }
    if (r < 0) {
        lower->refs++;
        sb_put(lower);
        return r;
    }
    *t = &overlay_type;
    *mflags = 0;
    return overlay_boot_sb(lower, upper, src, out);
}

int vfs_boot(const struct pal_boot *boot)
{
    struct vfs_state *v = kzalloc(sizeof(*v));
    if (!v)
        return -ENOMEM;
    kernel->vfs = v;
    v->next_mnt_id = 21;
    v->next_dev = 0x20;
    v->epoch = 1;
    vfs_register(&hostfs_type);
    vfs_register(&tmpfs_type);
    vfs_register(&devfs_type);
    vfs_register(&procfs_type);
    vfs_register(&erofs_type);
    vfs_register(&alcovefs_type);
    vfs_register(&overlay_type);

    /* The boot mounts and the defaults, shallowest first (stable), the user's first among
     * equals; a user mount at exactly a default's path replaces the default. */
    struct bm {
        char path[PATH_MAX_LEN];
        const struct pal_mount *pm;   /* NULL: a default */
        const char *type;
    };
    static const char *const defaults[][2] = {
        {"/proc", "proc"}, {"/dev", "devtmpfs"}, {"/dev/shm", "tmpfs"}, {"/tmp", "tmpfs"},
    };
    int n = 0, cap = boot->nmounts + 4;
    struct bm *list = kzalloc(sizeof(struct bm) * (size_t)cap);
    if (!list)
        return -ENOMEM;
    for (int i = 0; i < boot->nmounts; i++) {
        if (path_normalize(boot->mounts[i].guest_path, list[n].path, PATH_MAX_LEN) < 0) {
            kprintf("mount point too long: %s", boot->mounts[i].guest_path);
            kfree(list);
            return -ENAMETOOLONG;
        }
        list[n].pm = &boot->mounts[i];
        list[n].type = boot->mounts[i].fstype ? boot->mounts[i].fstype : "hostfs";
        n++;
    }
    for (unsigned k = 0; k < ARRAY_SIZE(defaults); k++) {
        int taken = 0;
        for (int i = 0; i < boot->nmounts; i++)
            if (al_strcmp(list[i].path, defaults[k][0]) == 0)
                taken = 1;
        if (taken)
            continue;
        al_strlcpy(list[n].path, defaults[k][0], PATH_MAX_LEN);
        list[n].type = defaults[k][1];
        n++;
    }
    /* stable insertion sort by depth */
    for (int i = 1; i < n; i++) {
        struct bm tmp = list[i];
        int j = i;
        while (j > 0 && depth_of(list[j - 1].path) > depth_of(tmp.path)) {
            list[j] = list[j - 1];
            j--;
        }
        list[j] = tmp;
    }
    if (n == 0 || al_strcmp(list[0].path, "/") != 0) {
        kprintf("no root file system");
        kfree(list);
        return -EINVAL;
    }
    int r = 0;
    for (int i = 0; i < n && r == 0; i++) {
        const struct pal_mount *pm = list[i].pm;
        const char *type = list[i].type;
        if (pm && al_strcmp(type, "hostfs") == 0) {
            struct super_block *sb;
            char src[PATH_MAX_LEN + 8];
            al_snprintf(src, sizeof(src), "host:%s", list[i].path);
            r = hostfs_boot_sb(pm->root, (pm->flags & PAL_MOUNT_RW) != 0, src, &sb);
            if (r == 0)
                r = boot_mount(list[i].path, &hostfs_type, NULL, sb,
                               (pm->flags & PAL_MOUNT_RW) ? 0 : MNT_RDONLY);
        } else if (pm && (al_strcmp(type, "erofs") == 0 || al_strcmp(type, "alcovefs") == 0 ||
                          al_strcmp(type, "overlay") == 0)) {
            struct super_block *sb = NULL;
            const struct fs_type *t;
            int mflags = 0;
            r = protected_boot_sb(boot, pm, &sb, &t, &mflags);
            if (r == 0)
                r = boot_mount(list[i].path, t, NULL, sb, mflags);
        } else if (al_strcmp(type, "tmpfs") == 0) {
            char opts[64] = "mode=1777";
            if (pm && pm->size)
                al_snprintf(opts, sizeof(opts), "mode=1777,size=%lu", (unsigned long)pm->size);
            r = boot_mount(list[i].path, &tmpfs_type, opts, NULL, MNT_NOSUID | MNT_NODEV);
        } else if (al_strcmp(type, "proc") == 0) {
            r = boot_mount(list[i].path, &procfs_type, NULL, NULL, MNT_NOSUID | MNT_NODEV | MNT_NOEXEC);
        } else if (al_strcmp(type, "devtmpfs") == 0) {
            r = boot_mount(list[i].path, &devfs_type, NULL, NULL, MNT_NOSUID);
        } else {
            kprintf("unknown file system type %s for %s", type, list[i].path);
            r = -ENODEV;
        }
        if (r < 0)
            kprintf("cannot mount %s on %s: error %d", type, list[i].path, -r);
    }
    kfree(list);
    return r;
}

/* ---- mount(2), umount2(2) ------------------------------------------------------------------ */

int mount_busy(struct vfsmount *m)
{
    /* References: the tree's (1), plus every open file, cwd and walk in progress. */
    if (m->refs > 1)
        return 1;
    for (struct vfsmount *c = kernel->vfs->mounts; c; c = c->next)
        if (c->parent == m)
            return 1;
    return 0;
}

int do_umount(struct vfsmount *m, int flags)
{
    if (m == kernel->vfs->root_mnt)
        return -EBUSY;
    if (!(flags & 2 /* MNT_DETACH */) && mount_busy(m))
        return -EBUSY;
    if (flags & 2) {
        /* Lazy: unhook this mount and every one below it. */
        for (;;) {
            struct vfsmount *child = NULL;
            for (struct vfsmount *c = kernel->vfs->mounts; c; c = c->next)
                if (c->parent == m)
                    child = c;
            if (!child)
                break;
            int r = do_umount(child, flags);
            if (r < 0)
                return r;
        }
    }
    m->refs--; /* the tree's reference, given by mount */
    mnt_detach(m);
    return 0;
}

/* Attach a new mount of sb's root (or of a bind source) at mp. */
int do_mount_at(const struct path *mp, const struct fs_type *t, const char *data,
                unsigned long msflags, const struct path *bind_src, int mflags)
{
    struct vfsmount *m;
    int r;
    if (bind_src) {
        m = mnt_alloc(bind_src->mnt->sb, bind_src->dentry, mflags);
        if (!m)
            return -ENOMEM;
    } else {
        r = new_instance(t, data, msflags, NULL, mflags, &m);
        if (r < 0)
            return r;
    }
    m->refs = 1; /* the tree's */
    mnt_attach(m, mp->mnt, mp->dentry);
    return 0;
}

/* /proc/mounts and /proc/self/mountinfo. */
struct sbuf2 {
    char *p;
    size_t len, cap;
};

static void sb2_add(struct sbuf2 *b, const char *s)
{
    size_t n = al_strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *np = kmalloc(nc);
        if (!np)
            return;
        if (b->p)
            al_memcpy(np, b->p, b->len);
        kfree(b->p);
        b->p = np;
        b->cap = nc;
    }
    al_memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static void mnt_opts(const struct vfsmount *m, char *buf, size_t size)
{
    int ro = (m->flags & MNT_RDONLY) || (m->sb->flags & SB_RDONLY);
    al_snprintf(buf, size, "%s%s%s%s", ro ? "ro" : "rw", (m->flags & MNT_NOSUID) ? ",nosuid" : "",
                (m->flags & MNT_NODEV) ? ",nodev" : "", (m->flags & MNT_NOEXEC) ? ",noexec" : "");
}

long vfs_mounts_text(int mountinfo, char **out)
{
    struct sbuf2 b = {0, 0, 0};
    char line[PATH_MAX_LEN * 2 + 256], where[PATH_MAX_LEN], root[PATH_MAX_LEN], opts[64];
    for (struct vfsmount *m = kernel->vfs->mounts; m; m = m->next) {
        struct path p = {m, m->root};
        if (vfs_path_str(&p, where, sizeof(where)) < 0)
            continue;
        mnt_opts(m, opts, sizeof(opts));
        const char *type = m->sb->type->name;
        const char *src = m->sb->source ? m->sb->source : type;
        const char *fsopts = m->sb->options;
        if (!mountinfo) {
            al_snprintf(line, sizeof(line), "%s %s %s %s%s%s 0 0\n", src, where, type, opts,
                        fsopts ? "," : "", fsopts ? fsopts : "");
        } else {
            root[0] = '/';
            int rl = d_relpath(m->root, root + 1, sizeof(root) - 1);
            if (rl < 0)
                continue;
            int ro = (m->flags & MNT_RDONLY) || (m->sb->flags & SB_RDONLY);
            uint64_t dv = m->sb->show_dev ? m->sb->show_dev : m->sb->dev;
            unsigned maj = (unsigned)(((dv >> 8) & 0xfff) | ((dv >> 32) & ~0xfffull));
            unsigned min = (unsigned)((dv & 0xff) | ((dv >> 12) & ~0xffull));
            al_snprintf(line, sizeof(line), "%d %d %u:%u %s %s %s - %s %s %s%s%s\n", m->id,
                        m->parent ? m->parent->id : m->id, maj, min, root, where,
                        opts, type, src, ro ? "ro" : "rw", fsopts ? "," : "", fsopts ? fsopts : "");
        }
        sb2_add(&b, line);
    }
    if (!b.p)
        b.p = kzalloc(1);
    *out = b.p;
    return b.p ? (long)b.len : -ENOMEM;
}

long vfs_filesystems_text(char **out)
{
    struct sbuf2 b = {0, 0, 0};
    struct vfs_state *v = kernel->vfs;
    char line[64];
    for (int i = 0; i < v->ntypes; i++) {
        al_snprintf(line, sizeof(line), "%s\t%s\n", v->types[i]->nodev ? "nodev" : "",
                    v->types[i]->name);
        sb2_add(&b, line);
    }
    if (!b.p)
        b.p = kzalloc(1);
    *out = b.p;
    return b.p ? (long)b.len : -ENOMEM;
}

void vfs_bump_epoch(void)
{
    kernel->vfs->epoch++;
}

uint64_t vfs_cur_epoch(void)
{
    return kernel->vfs->epoch;
}
