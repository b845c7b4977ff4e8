/*
 * dev.c - the enclave's /dev: null, zero, full, random, urandom and the stdio links.
 * Host device nodes are never exposed.
 */
#include "vfs.h"

struct devnode {
    const char *name;
    uint32_t mode;
    uint64_t rdev;    /* makedev(major, minor) */
    const char *link; /* symlink target */
};

static const struct devnode nodes[] = {
    {"null", S_IFCHR | 0666, (1 << 8) | 3, NULL},
    {"zero", S_IFCHR | 0666, (1 << 8) | 5, NULL},
    {"full", S_IFCHR | 0666, (1 << 8) | 7, NULL},
    {"random", S_IFCHR | 0666, (1 << 8) | 8, NULL},
    {"urandom", S_IFCHR | 0666, (1 << 8) | 9, NULL},
    {"stdin", S_IFLNK | 0777, 0, "/proc/self/fd/0"},
    {"stdout", S_IFLNK | 0777, 0, "/proc/self/fd/1"},
    {"stderr", S_IFLNK | 0777, 0, "/proc/self/fd/2"},
    {"fd", S_IFLNK | 0777, 0, "/proc/self/fd"},
};

static const struct devnode *find(const char *canon)
{
    const char *rel = path_under(canon, "/dev");
    if (!rel || !*rel)
        return NULL;
    for (unsigned i = 0; i < ARRAY_SIZE(nodes); i++)
        if (al_strcmp(rel, nodes[i].name) == 0)
            return &nodes[i];
    return NULL;
}

static void fill_stat(struct pal_stat *st, uint32_t mode, uint64_t rdev, uint64_t ino)
{
    al_memset(st, 0, sizeof(*st));
    st->mode = mode;
    st->rdev = rdev;
    st->nlink = S_ISDIR(mode) ? 2 : 1;
    st->blksize = 4096;
    st->dev = 5;
    st->ino = ino;
}

static int dev_lookup(const char *canon, int *kind, char *target, size_t tsize, struct pal_stat *st)
{
    if (al_strcmp(canon, "/dev") == 0) {
        *kind = PATH_KIND_DIR;
        fill_stat(st, S_IFDIR | 0755, 0, 1);
        return 1;
    }
    const struct devnode *n = find(canon);
    if (!n)
        return 0;
    fill_stat(st, n->mode, n->rdev, 2 + (uint64_t)(n - nodes));
    if (n->link) {
        *kind = PATH_KIND_SYMLINK;
        al_strlcpy(target, n->link, tsize);
        st->size = (int64_t)al_strlen(n->link);
    } else {
        *kind = PATH_KIND_OTHER;
    }
    return 1;
}

static long dev_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    const char *name = (const char *)f->priv;
    if (al_strcmp(name, "null") == 0)
        return 0;
    if (al_strcmp(name, "zero") == 0 || al_strcmp(name, "full") == 0) {
        if (kbuf) {
            al_memset(buf, 0, n);
            return (long)n;
        }
        return clear_user((uint64_t)buf, n) ? -EFAULT : (long)n;
    }
    /* random, urandom: from the platform's generator, in chunks. */
    char tmp[256];
    size_t done = 0;
    while (done < n) {
        size_t c = MIN(n - done, sizeof(tmp));
        int r = pal_random(tmp, c);
        if (r < 0)
            return done ? (long)done : r;
        if (io_out((char *)buf + done, tmp, c, kbuf))
            return done ? (long)done : -EFAULT;
        done += c;
    }
    return (long)n;
}

static long dev_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)buf, (void)pos, (void)kbuf;
    if (al_strcmp((const char *)f->priv, "full") == 0)
        return -ENOSPC;
    return (long)n;
}

static int dev_stat(struct file *f, struct pal_stat *st)
{
    int kind;
    char t[64];
    return dev_lookup(f->path, &kind, t, sizeof(t), st) ? 0 : -ENOENT;
}

static int dev_poll(struct file *f, int events)
{
    (void)f;
    return events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
}

static const struct file_ops dev_ops = {
    .read = dev_read, .write = dev_write, .stat = dev_stat, .poll = dev_poll, .seekable = 1,
};

static int dev_open(const char *canon, int flags, struct file **out)
{
    if (al_strcmp(canon, "/dev") == 0) {
        static const char *const names[] = {"null",  "zero",   "full",   "random", "urandom",
                                            "stdin", "stdout", "stderr", "fd"};
        static const uint8_t types[] = {DT_CHR, DT_CHR, DT_CHR, DT_CHR, DT_CHR,
                                        DT_LNK, DT_LNK, DT_LNK, DT_LNK};
        if ((flags & O_ACCMODE) != O_RDONLY)
            return -EISDIR;
        *out = memdir_new(canon, names, types, (int)ARRAY_SIZE(names));
        return *out ? 0 : -ENOMEM;
    }
    const struct devnode *n = find(canon);
    if (!n || n->link)
        return -ENOENT;
    if (flags & O_DIRECTORY)
        return -ENOTDIR;
    struct file *f = file_alloc(&dev_ops, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC), canon);
    if (!f)
        return -ENOMEM;
    f->priv = (void *)n->name;
    f->mode = S_IFCHR;
    *out = f;
    return 0;
}

/* ---- the file-system type: names below the mount map onto the table above ---- */

static int canon_of(const struct dentry *d, char *buf)
{
    al_memcpy(buf, "/dev/", 6);
    if (d_relpath(d, buf + 5, PATH_MAX_LEN - 5) < 0)
        return -ENAMETOOLONG;
    if (!buf[5])
        buf[4] = '\0'; /* the root: "/dev" */
    return 0;
}

static const struct inode_ops devfs_iops;

static int devfs_lookup(struct dentry *dir, struct dentry *d)
{
    char canon[PATH_MAX_LEN], target[64];
    struct pal_stat st;
    int kind;
    (void)dir;
    if (canon_of(d, canon) < 0 || !dev_lookup(canon, &kind, target, sizeof(target), &st))
        return 0;
    struct inode *i = inode_alloc(d->sb, &devfs_iops, st.mode);
    if (!i)
        return -ENOMEM;
    i->ino = st.ino;
    i->rdev = st.rdev;
    d_instantiate(d, i);
    return 0;
}

static int devfs_getattr(struct dentry *d, struct pal_stat *st)
{
    char canon[PATH_MAX_LEN], target[64];
    int kind;
    if (canon_of(d, canon) < 0)
        return -ENAMETOOLONG;
    if (d->flags & D_AUTODIR)
        return -ENOENT;
    if (!dev_lookup(canon, &kind, target, sizeof(target), st))
        return -ENOENT;
    st->dev = 0; /* the VFS fills the instance's */
    return 0;
}

static long devfs_readlink(struct dentry *d, char *buf, size_t size)
{
    char canon[PATH_MAX_LEN];
    struct pal_stat st;
    int kind;
    if (canon_of(d, canon) < 0 || !dev_lookup(canon, &kind, buf, size, &st))
        return -ENOENT;
    if (kind != PATH_KIND_SYMLINK)
        return -EINVAL;
    return (long)al_strlen(buf);
}

static int devfs_open_file(const struct path *p, int flags, struct file **out)
{
    char canon[PATH_MAX_LEN];
    if (canon_of(p->dentry, canon) < 0)
        return -ENAMETOOLONG;
    return dev_open(canon, flags, out);
}

static const struct inode_ops devfs_iops = {
    .lookup = devfs_lookup, .getattr = devfs_getattr, .readlink = devfs_readlink,
    .open_file = devfs_open_file,
};

static int devfs_statfs(struct dentry *d, uint64_t st[15])
{
    (void)d;
    st[0] = 0x01021994; /* TMPFS_MAGIC, as Linux's devtmpfs */
    st[1] = 4096;
    st[8] = 255;
    st[9] = 4096;
    return 0;
}

static const struct fs_ops devfs_ops = {.statfs = devfs_statfs};

static int devfs_mount(struct super_block *sb, const char *data, unsigned long msflags)
{
    (void)data, (void)msflags;
    struct inode *i = inode_alloc(sb, &devfs_iops, S_IFDIR | 0755);
    if (!i)
        return -ENOMEM;
    i->ino = 1;
    sb->ops = &devfs_ops;
    sb->source = kstrdup("devtmpfs");
    sb->root = d_make_root(i);
    return sb->root ? 0 : -ENOMEM;
}

const struct fs_type devfs_type = {"devtmpfs", devfs_mount, 1};
