/*
 * overlay_file.c - open files of the overlay root.
 *
 * An overlay description wraps a description of the layer object (the "real file", as
 * Linux calls it), opened by the layer's own open with loc {NULL, layer dentry} so that
 * the layer's file_ops find their inode as usual, while the overlay description keeps
 * the overlay path (/proc/PID/fd, fstat's st_dev and st_ino, locks by (dev, ino)).
 *
 *  - Opening a lower regular file for writing, or with O_TRUNC, copies it up first (with
 *    O_TRUNC without its data); read-only opens read the lower file in place.
 *  - A read-only description opened before a copy-up switches to the upper copy at its
 *    next use, so every description sees the file's current content (Linux >= 4.19).
 *  - mmap goes to the real file: MAP_PRIVATE of a lower file maps the lower layer
 *    (shared libraries need no copy); MAP_SHARED writable maps need an O_RDWR
 *    description, which copied the file up when it was opened.
 *  - Device nodes do not open (ENXIO, as for the in-enclave tmpfs): the lower layer's
 *    nodes are host objects, and the upper layer has no devices behind its nodes.
 */
#include "overlay.h"

const struct file_ops ovl_closed_fops = {0};

int ovl_open_real(struct dentry *real, int flags, struct file **out)
{
    struct file *f = file_alloc(&ovl_closed_fops,
                                flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOCTTY),
                                "overlay layer");
    if (!f)
        return -ENOMEM;
    f->loc.dentry = dget(real);
    f->mode = real->inode->mode & S_IFMT;
    const struct inode_ops *iops = real->inode->iops;
    int r = iops->open ? iops->open(real, f, flags & ~(O_CREAT | O_EXCL | O_TRUNC)) : -ENXIO;
    if (r < 0) {
        file_put(f);
        return r;
    }
    *out = f;
    return 0;
}

/* The real file of overlay description f, switched to the upper copy if the file was
 * copied up since f was opened, with f's current status flags (fcntl F_SETFL). */
static struct file *real_of(struct file *f)
{
    struct file *r = f->priv;
    struct ovl_inode *oi = OI(f->loc.dentry->inode);
    if (oi->upper && r->loc.dentry != oi->upper && S_ISREG(f->mode)) {
        struct file *n;
        if (ovl_open_real(oi->upper, (f->flags & ~O_ACCMODE) | O_RDONLY, &n) == 0) {
            file_put(r);
            f->priv = r = n;
        }
    }
    r->flags = (r->flags & O_ACCMODE) | (f->flags & ~O_ACCMODE);
    return r;
}

static void changed(struct file *f)
{
    ovl_sync_attrs(f->loc.dentry->inode);
}

static long ovl_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    struct file *r = real_of(f);
    return r->ops->read ? r->ops->read(r, buf, n, pos, kbuf) : -EINVAL;
}

static long ovl_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    struct file *r = real_of(f);
    long w = r->ops->write ? r->ops->write(r, buf, n, pos, kbuf) : -EINVAL;
    changed(f);
    return w;
}

static long ovl_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    struct file *r = real_of(f);
    return r->ops->ioctl ? r->ops->ioctl(r, cmd, arg) : -ENOTTY;
}

static int ovl_fstat(struct file *f, struct pal_stat *st)
{
    struct dentry *d = f->loc.dentry;
    (void)real_of(f);
    return d->inode->iops->getattr(d, st);
}

static int ovl_truncate(struct file *f, int64_t len)
{
    struct file *r = real_of(f);
    int e = r->ops->truncate ? r->ops->truncate(r, len) : -EINVAL;
    changed(f);
    return e;
}

static int ovl_fsync(struct file *f, int datasync)
{
    struct file *r = real_of(f);
    return r->ops->fsync ? r->ops->fsync(r, datasync) : 0;
}

static int ovl_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
    struct file *r = real_of(f);
    int e = r->ops->fallocate ? r->ops->fallocate(r, mode, off, len) : -EOPNOTSUPP;
    changed(f);
    return e;
}

static int ovl_poll(struct file *f, int events)
{
    struct file *r = real_of(f);
    return r->ops->poll ? r->ops->poll(r, events) : (events & (POLLIN | POLLOUT));
}

static int ovl_mmap(struct file *f, uint64_t addr, size_t len, int prot, unsigned flags,
                    uint64_t off, uint64_t *out)
{
    struct file *r = real_of(f);
    if (r->ops->mmap)
        return r->ops->mmap(r, addr, len, prot, flags, off, out);
    if (r->h != PAL_HANDLE_NONE && S_ISREG(r->mode))
        return pal_vm_map_file(addr, len, prot, flags, r->h, off, out);
    return -ENODEV; /* the core copies the bytes for a private map */
}

static int64_t ovl_seek_hole(struct file *f, int64_t off, int whence)
{
    struct file *r = real_of(f);
    if (r->ops->seek_hole)
        return r->ops->seek_hole(r, off, whence);
    /* The whole file is data. */
    int64_t size = f->loc.dentry->inode->size;
    if (off >= size)
        return -ENXIO;
    return whence == SEEK_DATA ? off : size;
}

static void ovl_release(struct file *f)
{
    if (f->priv)
        file_put(f->priv);
    f->priv = NULL;
}

static const struct file_ops ovl_file_ops = {
    .read = ovl_read,
    .write = ovl_write,
    .ioctl = ovl_ioctl,
    .stat = ovl_fstat,
    .truncate = ovl_truncate,
    .fsync = ovl_fsync,
    .fallocate = ovl_fallocate,
    .poll = ovl_poll,
    .mmap = ovl_mmap,
    .seek_hole = ovl_seek_hole,
    .release = ovl_release,
    .seekable = 1,
};

/* Sockets and other non-seekable objects of a layer. */
static const struct file_ops ovl_stream_ops = {
    .read = ovl_read,
    .write = ovl_write,
    .ioctl = ovl_ioctl,
    .stat = ovl_fstat,
    .poll = ovl_poll,
    .release = ovl_release,
    .seekable = 0,
};

int ovl_open_inode(struct inode *i, struct file *f, int flags)
{
    struct file *r;
    int e = ovl_open_real(ovl_real(i), flags, &r);
    if (e < 0)
        return e;
    f->priv = r;
    f->ops = r->ops->seekable ? &ovl_file_ops : &ovl_stream_ops;
    return 0;
}

int ovl_open(struct dentry *d, struct file *f, int flags)
{
    struct inode *i = d->inode;
    uint32_t type = i->mode & S_IFMT;
    if (type == S_IFDIR)
        return ovl_dir_open(d, f, flags);
    if (type == S_IFCHR || type == S_IFBLK || type == S_IFSOCK)
        return -ENXIO;
    if (type == S_IFREG && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))) {
        int r = ovl_copy_up(d, (flags & O_TRUNC) != 0);
        if (r < 0)
            return r;
    }
    return ovl_open_inode(i, f, flags);
}
