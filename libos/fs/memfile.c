/*
 * memfile.c - read-only files and directories whose content the core generates
 * (/proc entries, the /dev listing).
 */
#include "vfs.h"

static long mem_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    if (*pos >= (int64_t)f->priv_len)
        return 0;
    size_t c = MIN(n, f->priv_len - (size_t)*pos);
    if (io_out(buf, (char *)f->priv + *pos, c, kbuf))
        return -EFAULT;
    *pos += (int64_t)c;
    return (long)c;
}

static int mem_stat(struct file *f, struct pal_stat *st)
{
    al_memset(st, 0, sizeof(*st));
    st->mode = f->mode | (S_ISDIR(f->mode) ? 0555 : 0444);
    st->nlink = S_ISDIR(f->mode) ? 2 : 1;
    st->size = S_ISDIR(f->mode) ? 0 : 0; /* like procfs: size 0, content on read */
    st->blksize = 1024;
    st->dev = 4;
    return 0;
}

static const struct file_ops mem_ops = {
    .read = mem_read, .stat = mem_stat, .release = file_release_priv, .seekable = 1,
};

struct file *memfile_new(const char *path, char *data, size_t len, uint32_t mode)
{
    struct file *f = file_alloc(&mem_ops, O_RDONLY, path);
    if (!f) {
        kfree(data);
        return NULL;
    }
    f->priv = data;
    f->priv_len = len;
    f->mode = mode;
    return f;
}

/* Directory listing: priv holds ready-made dirent64 records; pos indexes bytes into it. */
static long memdir_getdents(struct file *f, uint64_t ubuf, size_t n)
{
    size_t done = 0;
    while ((size_t)f->pos < f->priv_len) {
        struct linux_dirent64 *d = (struct linux_dirent64 *)((char *)f->priv + f->pos);
        if (done + d->d_reclen > n)
            break;
        if (copy_to_user(ubuf + done, d, d->d_reclen))
            return done ? (long)done : -EFAULT;
        done += d->d_reclen;
        f->pos += d->d_reclen;
    }
    if (done == 0 && (size_t)f->pos < f->priv_len)
        return -EINVAL;
    return (long)done;
}

static const struct file_ops memdir_ops = {
    .getdents = memdir_getdents, .stat = mem_stat, .release = file_release_priv, .seekable = 1,
};

struct file *memdir_new(const char *path, const char *const *names, const uint8_t *types, int n)
{
    size_t size = 0;
    for (int i = -2; i < n; i++) {
        const char *nm = i == -2 ? "." : i == -1 ? ".." : names[i];
        size += (19 + al_strlen(nm) + 1 + 7) & ~7ul;
    }
    char *buf = kzalloc(size ? size : 8);
    if (!buf)
        return NULL;
    size_t off = 0;
    for (int i = -2; i < n; i++) {
        const char *nm = i == -2 ? "." : i == -1 ? ".." : names[i];
        struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
        uint16_t rl = (uint16_t)((19 + al_strlen(nm) + 1 + 7) & ~7ul);
        d->d_ino = 100 + (uint64_t)(i + 2);
        d->d_off = (int64_t)(off + rl);
        d->d_reclen = rl;
        d->d_type = i < 0 ? DT_DIR : types[i];
        al_memcpy(d->d_name, nm, al_strlen(nm) + 1);
        off += rl;
    }
    struct file *f = file_alloc(&memdir_ops, O_RDONLY | O_DIRECTORY, path);
    if (!f) {
        kfree(buf);
        return NULL;
    }
    f->priv = buf;
    f->priv_len = size;
    f->mode = S_IFDIR;
    return f;
}
