/*
 * erofs.c - the Alcove image as a file system: EROFS (common/erofs.c) read through the
 * dm-verity layer (common/verity.c), both over one read-only host file handle.
 *
 * Trust: the only trusted input is the root hash the launcher passes (the measured
 * config).  The footer (common/image.h) only says where the tree is; the first block read,
 * the EROFS superblock, is checked against the root hash before anything in it is used,
 * and its block count must equal the tree's data block count (the geometry binding of
 * docs/image-format.md).  Mount reads three blocks (the footer, block 0 and the tree path
 * above it), so start-up does not grow with the image.
 *
 * Every later block comes through verity_read/verity_get: checked once, then kept in the
 * verifier's bounded cache.  The struct verity lives in this instance's sb->priv, in the
 * shared kernel heap, so all processes of the enclave share the cache and a block is
 * hashed once per enclave while it stays cached.  A mismatch is -EIO for the operation and
 * one log line naming the block and the file; the enclave goes on.
 *
 * File data goes through a PAL memory object per file holding its verified pages, filled
 * lazily by page runs: read() copies from it (pal_mem_read) and mmap() maps it (including
 * PROT_EXEC for shared libraries), shared by every process and mapping of the file.  The
 * verifier's own cache then holds the tree and metadata blocks (directories, inodes).
 *
 * Everything that would write gives -EROFS.  All operations run under the big core lock.
 */
#include "vfs.h"

#include "erofs.h"
#include "image.h"
#include "verity.h"

#define EROFS_SUPER_MAGIC_V1 0xE0F5E1E2u
#define IMG_CACHE_BLOCKS 8192u   /* 32 MiB of verified blocks, data and tree */
#define BOUNCE_BLOCKS 128u       /* one verity chunk: a read's blocks hashed in one bracket */
#define EMAP_BUCKETS 4096u       /* hash chains of per-file page objects */

/* The memory object of a mapped file (by nid, so hard links and re-lookups share it). */
struct emap {
    uint64_t nid;
    uint64_t mem;
    uint64_t npages;
    uint8_t *filled;             /* bit per page: copied in and verified */
    uint64_t nfilled;            /* bits set */
    int mapped;                  /* ever mapped: its pages are never given back */
    struct emap *next;           /* all objects, newest first */
    struct emap *hnext;          /* chain of its bucket in esb.buckets */
};

struct esb {
    pal_handle_t h;
    char *source;
    struct img_footer footer;
    struct verity *v;
    struct erofs_fs fs;
    uint8_t *bounce;             /* BOUNCE_BLOCKS * 4096 */
    struct emap *maps;
    struct emap **buckets;       /* EMAP_BUCKETS chains, by nid */
    uint64_t unmapped_pages;     /* filled pages of objects never mapped */
    const char *cur;             /* the file the current operation is about (log lines) */
};

static const struct inode_ops erofs_iops;
static const struct file_ops erofs_file_ops, erofs_dir_ops;

static struct esb *esb_of(const struct super_block *sb)
{
    return sb->priv;
}

/* ---- the environment of common/verity.c and common/erofs.c ---- */

static long io_read(void *ctx, void *buf, size_t n, uint64_t off)
{
    struct esb *s = ctx;
    size_t done = 0;
    /* Host reads may be short; the verifier wants all or an error. */
    while (done < n) {
        long r = pal_read(s->h, (uint8_t *)buf + done, n - done, (int64_t)(off + done));
        if (r < 0)
            return r;
        if (r == 0 || (size_t)r > n - done)
            return -EIO;
        done += (size_t)r;
    }
    return (long)done;
}

static void io_log(void *ctx, const char *line)
{
    struct esb *s = ctx;
    kprintf("%s: %s", s->source, line);
}

static void *io_alloc(size_t n)
{
    return kmalloc(n);
}

/* Wrappers, not the functions themselves: taking the address of a function of another
 * object would go through the GOT, which the layering check refuses. */
static void io_free(void *p)
{
    kfree(p);
}

static uint64_t io_crypto_begin(void)
{
    return pal_crypto_begin();
}

static void io_crypto_end(uint64_t t)
{
    pal_crypto_end(t);
}

static int io_block(void *ctx, uint64_t blk, const uint8_t **out, const char *name)
{
    struct esb *s = ctx;
    return verity_get(s->v, blk, out, s->cur ? s->cur : name);
}

/* ---- inodes ---- */

static const struct erofs_inode *ei_of(const struct inode *i)
{
    return i->priv;
}

static int make_inode(struct super_block *sb, uint64_t nid, struct inode **out)
{
    struct esb *s = esb_of(sb);
    struct erofs_inode *ei = kmalloc(sizeof(*ei));
    if (!ei)
        return -ENOMEM;
    int r = erofs_iget(&s->fs, nid, ei);
    if (r < 0) {
        kfree(ei);
        return r;
    }
    struct inode *i = inode_alloc(sb, &erofs_iops, ei->mode);
    if (!i) {
        kfree(ei);
        return -ENOMEM;
    }
    i->priv = ei;
    i->ino = nid;   /* as Linux: the nid is the inode number */
    i->uid = ei->uid;
    i->gid = ei->gid;
    i->nlink = ei->nlink;
    i->rdev = ei->rdev;
    i->size = (int64_t)ei->size;
    i->blocks = (int64_t)((ei->size + 4095) / 4096 * 8);
    i->mtime_sec = i->atime_sec = i->ctime_sec = ei->mtime;
    i->mtime_nsec = i->atime_nsec = i->ctime_nsec = ei->mtime_nsec;
    *out = i;
    return 0;
}

static int erofs_ilookup(struct dentry *dir, struct dentry *d)
{
    struct esb *s = esb_of(dir->sb);
    uint64_t nid;
    s->cur = d->name;
    int r = erofs_lookup(&s->fs, ei_of(dir->inode), d->name, d->len, &nid, NULL);
    if (r == 0) {
        struct inode *i;
        r = make_inode(dir->sb, nid, &i);
        if (r == 0)
            d_instantiate(d, i);
    } else if (r == -ENOENT) {
        r = 0;   /* negative dentry */
    }
    s->cur = NULL;
    return r;
}

static int erofs_getattr(struct dentry *d, struct pal_stat *st)
{
    const struct inode *i = d->inode;
    al_memset(st, 0, sizeof(*st));
    st->ino = i->ino;
    st->nlink = i->nlink;
    st->mode = i->mode;
    st->uid = i->uid;
    st->gid = i->gid;
    st->rdev = i->rdev;
    st->size = i->size;
    st->blksize = 4096;
    st->blocks = i->blocks;
    st->atime_sec = i->atime_sec, st->atime_nsec = i->atime_nsec;
    st->mtime_sec = i->mtime_sec, st->mtime_nsec = i->mtime_nsec;
    st->ctime_sec = i->ctime_sec, st->ctime_nsec = i->ctime_nsec;
    st->dev = d->sb->dev;
    return 0;
}

static long erofs_ireadlink(struct dentry *d, char *buf, size_t size)
{
    struct esb *s = esb_of(d->sb);
    s->cur = d->name;
    long r = erofs_readlink(&s->fs, ei_of(d->inode), buf, size);
    s->cur = NULL;
    return r;
}

/* Every name of directory d but "." and "..", for an overlay above this image. */
static int erofs_iterate(struct dentry *d, int (*fn)(void *ctx, const char *name, size_t len), void *ctx)
{
    struct esb *s = esb_of(d->sb);
    const struct erofs_inode *ei = ei_of(d->inode);
    struct erofs_dent *de = kmalloc(sizeof(*de));
    if (!de)
        return -ENOMEM;
    uint64_t pos = 0;
    int r;
    s->cur = d->name;
    while ((r = erofs_readdir(&s->fs, ei, &pos, de)) == 1) {
        if ((de->len == 1 && de->name[0] == '.') || (de->len == 2 && de->name[0] == '.' && de->name[1] == '.'))
            continue;
        /* The callback may do anything (allocate, look up): the pointer s->cur is only
         * a label, and de is our own copy. */
        r = fn(ctx, de->name, de->len);
        if (r != 0)
            break;
    }
    s->cur = NULL;
    kfree(de);
    return r;
}

static int erofs_open(struct dentry *d, struct file *f, int flags)
{
    (void)flags;
    switch (d->inode->mode & S_IFMT) {
    case S_IFREG:
        f->ops = &erofs_file_ops;
        return 0;
    case S_IFDIR:
        f->ops = &erofs_dir_ops;
        return 0;
    default:
        return -ENXIO;
    }
}

/* The VFS refuses writes on the read-only mount before these are reached; they make the
 * instance itself read-only whatever mount flags it is given. */
static int ro_create(struct dentry *dir, struct dentry *d, uint32_t mode, uint64_t rdev)
{
    (void)dir, (void)d, (void)mode, (void)rdev;
    return -EROFS;
}
static int ro_mkdir(struct dentry *dir, struct dentry *d, uint32_t mode)
{
    (void)dir, (void)d, (void)mode;
    return -EROFS;
}
static int ro_symlink(struct dentry *dir, struct dentry *d, const char *t)
{
    (void)dir, (void)d, (void)t;
    return -EROFS;
}
static int ro_link(struct dentry *old, struct dentry *dir, struct dentry *d)
{
    (void)old, (void)dir, (void)d;
    return -EROFS;
}
static int ro_unlink(struct dentry *dir, struct dentry *d)
{
    (void)dir, (void)d;
    return -EROFS;
}
static int ro_rename(struct dentry *a, struct dentry *b, struct dentry *c, struct dentry *d,
                     unsigned flags)
{
    (void)a, (void)b, (void)c, (void)d, (void)flags;
    return -EROFS;
}
static int ro_setattr(struct dentry *d, const struct iattr *ia)
{
    (void)d, (void)ia;
    return -EROFS;
}

static const struct inode_ops erofs_iops = {
    .lookup = erofs_ilookup,
    .create = ro_create,
    .mkdir = ro_mkdir,
    .symlink = ro_symlink,
    .link = ro_link,
    .unlink = ro_unlink,
    .rmdir = ro_unlink,
    .rename = ro_rename,
    .getattr = erofs_getattr,
    .setattr = ro_setattr,
    .readlink = erofs_ireadlink,
    .open = erofs_open,
    .iterate = erofs_iterate,
};

/* ---- file data ----
 *
 * A file's verified pages live in its PAL memory object (struct emap), filled by runs of
 * pages on first use.  read() is then pal_mem_read() into the program's buffer, so the
 * host does that copy (a copy by the core into pages the program never touched would take
 * a fault into the core for each page), and mmap() maps the same object.  Pages of files
 * that are not mapped count against IMG_PAGE_BUDGET; over it, whole objects of other
 * unmapped files are given back (their pages are verified again if read again). */

#define IMG_PAGE_BUDGET 32768u   /* 128 MiB of verified file pages that are not mapped */
#define READ_AHEAD 32u           /* pages filled at least per miss (128 KiB) */

static int bit(const uint8_t *b, uint64_t p)
{
    return (b[p / 8] >> (p % 8)) & 1;
}

/* The object of the file (created empty on first use). */
static int emap_get(struct esb *s, const struct erofs_inode *ei, struct emap **out)
{
    struct emap **b = &s->buckets[ei->nid % EMAP_BUCKETS];
    struct emap *m = *b;
    while (m && m->nid != ei->nid)
        m = m->hnext;
    if (!m) {
        m = kzalloc(sizeof(*m));
        uint64_t np = (ei->size + 4095) / 4096;
        uint8_t *bits = m ? kzalloc((size_t)(np / 8 + 1)) : NULL;
        int r = bits ? pal_mem_create(&m->mem) : -ENOMEM;
        if (r < 0) {
            kfree(m), kfree(bits);
            return r;
        }
        m->nid = ei->nid;
        m->npages = np;
        m->filled = bits;
        m->next = s->maps;
        s->maps = m;
        m->hnext = *b;
        *b = m;
    }
    *out = m;
    return 0;
}

/* Give back the pages of unmapped objects other than keep until need more pages fit in
 * the budget; if that is not enough (one file larger than the budget, read in sequence),
 * keep's own pages below first (those before the current read) go too. */
static void emap_trim(struct esb *s, struct emap *keep, uint64_t first, uint64_t need)
{
    for (struct emap *m = s->maps; m && s->unmapped_pages + need > IMG_PAGE_BUDGET; m = m->next) {
        if (m == keep || m->mapped || m->nfilled == 0)
            continue;
        IGNORE(pal_mem_discard(m->mem, 0, m->npages * 4096));
        al_memset(m->filled, 0, (size_t)(m->npages / 8 + 1));
        s->unmapped_pages -= m->nfilled;
        m->nfilled = 0;
    }
    if (s->unmapped_pages + need <= IMG_PAGE_BUDGET || keep->mapped || first == 0)
        return;
    uint64_t dropped = 0;
    for (uint64_t p = 0; p < first; p++)
        if (bit(keep->filled, p)) {
            keep->filled[p / 8] &= (uint8_t)~(1u << (p % 8));
            dropped++;
        }
    IGNORE(pal_mem_discard(keep->mem, 0, first * 4096));
    keep->nfilled -= dropped;
    s->unmapped_pages -= dropped;
}

/* Verify pages [p, q) of the file into its object (q - p <= BOUNCE_BLOCKS).  Pieces that
 * are contiguous in the image (a flat file, or consecutive chunks) are read and hashed as
 * one run.  Returns 0 or -errno (-EIO on a mismatch, logged by verity with the file's
 * name). */
static int fill_run(struct esb *s, const struct erofs_inode *ei, const char *name,
                    struct emap *m, uint64_t p, uint64_t q)
{
    uint64_t off = p * 4096, end = MIN(q * 4096, ei->size);
    const uint64_t cap = (uint64_t)BOUNCE_BLOCKS * 4096;
    while (off < end) {
        uint64_t pos, len;
        int hole;
        int r = erofs_map(&s->fs, ei, off, &pos, &len, &hole);
        if (r < 0)
            return r;
        if (hole) {
            /* Never-written bytes of the object read as zeros: nothing to do. */
            off += MIN(end - off, len);
            continue;
        }
        /* Extend the run while the next piece follows in the image.  An inline tail
         * sits inside one block, so in + run stays within the bounce buffer. */
        uint64_t in = pos % 4096, run = MIN(end - off, len);
        while (off + run < end && in + run < cap) {
            uint64_t p2, l2;
            int h2;
            r = erofs_map(&s->fs, ei, off + run, &p2, &l2, &h2);
            if (r < 0 || h2 || p2 != pos + run)
                break;
            run += MIN(end - off - run, l2);
        }
        run = MIN(run, cap - in);
        uint64_t nb = (in + run + 4095) / 4096;
        r = verity_read_uncached(s->v, pos / 4096, (uint32_t)nb, s->bounce, name);
        if (r < 0)
            return r;
        long w = pal_mem_write(m->mem, s->bounce + in, (size_t)run, off);
        if (w < 0)
            return (int)w;
        if ((uint64_t)w != run)
            return -EIO;
        off += run;
    }
    return 0;
}

/* Make pages [first, last] of the file (clipped to it) verified in its object.  Returns 0,
 * or -errno with *bad set to the first page that could not be filled. */
static int emap_fill(struct esb *s, const struct erofs_inode *ei, const char *name,
                     struct emap *m, uint64_t first, uint64_t last, uint64_t *bad)
{
    if (m->npages == 0)
        return 0;
    last = MIN(last, m->npages - 1);
    for (uint64_t p = first; p <= last;) {
        if (bit(m->filled, p)) {
            p++;
            continue;
        }
        /* A run of missing pages, at most one verity chunk, aligned to chunks so that a
         * sequential reader's runs line up with the tree's. */
        uint64_t q = p;
        uint64_t lim = MIN(m->npages, (p / BOUNCE_BLOCKS + 1) * BOUNCE_BLOCKS);
        while (q < lim && !bit(m->filled, q) && (q <= last || q < p + READ_AHEAD))
            q++;
        if (!m->mapped)
            emap_trim(s, m, first, q - p);
        int r = fill_run(s, ei, name, m, p, q);
        if (r < 0 && q - p > 1) {
            /* A run is verified as a whole: find the first bad page one by one, so that
             * the good pages before it (up to last) still serve the read. */
            for (; p <= last && (r = fill_run(s, ei, name, m, p, p + 1)) == 0; p++) {
                m->filled[p / 8] |= (uint8_t)(1u << (p % 8));
                m->nfilled++;
                if (!m->mapped)
                    s->unmapped_pages++;
            }
            if (r == 0)
                return 0;   /* the bad page is read-ahead only */
        }
        if (r < 0) {
            *bad = p;
            return r;
        }
        for (uint64_t k = p; k < q; k++)
            m->filled[k / 8] |= (uint8_t)(1u << (k % 8));
        m->nfilled += q - p;
        if (!m->mapped)
            s->unmapped_pages += q - p;
        p = q;
    }
    return 0;
}

static long erofs_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)kbuf;   /* pal_mem_read takes program or core memory alike */
    struct inode *i = f->loc.dentry->inode;
    struct esb *s = esb_of(i->sb);
    const struct erofs_inode *ei = ei_of(i);
    if (*pos < 0 || (uint64_t)*pos >= ei->size || n == 0)
        return 0;
    uint64_t off = (uint64_t)*pos;
    size_t c = (size_t)MIN((uint64_t)n, ei->size - off);
    struct emap *m;
    int r = emap_get(s, ei, &m);
    if (r < 0)
        return r;
    uint64_t bad = 0;
    r = emap_fill(s, ei, f->path, m, off / 4096, (off + c - 1) / 4096, &bad);
    if (r < 0) {
        /* Give what was good before the bad page; the error when nothing was. */
        if (bad * 4096 <= off)
            return r;
        c = (size_t)(bad * 4096 - off);
    }
    long got = pal_mem_read(m->mem, buf, c, off);
    if (got > 0)
        *pos += got;
    return got;
}

static long ro_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)f, (void)buf, (void)n, (void)pos, (void)kbuf;
    return -EROFS;
}
static int ro_truncate(struct file *f, int64_t len)
{
    (void)f, (void)len;
    return -EROFS;
}
static int ro_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
    (void)f, (void)mode, (void)off, (void)len;
    return -EROFS;
}

static int erofs_fstat(struct file *f, struct pal_stat *st)
{
    return erofs_getattr(f->loc.dentry, st);
}

static int erofs_fsync(struct file *f, int datasync)
{
    (void)f, (void)datasync;
    return 0;
}

static int erofs_poll(struct file *f, int events)
{
    (void)f;
    return events & (POLLIN | POLLOUT);
}

/* SEEK_DATA (3) / SEEK_HOLE (4): chunk holes (mkfs.erofs --chunksize writes zero chunks
 * as holes) are holes, everything else is data, so an overlay copy-up stays sparse. */
static int64_t erofs_seek_hole(struct file *f, int64_t off, int whence)
{
    struct inode *i = f->loc.dentry->inode;
    struct esb *s = esb_of(i->sb);
    const struct erofs_inode *ei = ei_of(i);
    if (off < 0 || (uint64_t)off >= ei->size)
        return -ENXIO;
    uint64_t at = (uint64_t)off;
    while (at < ei->size) {
        uint64_t pos, len;
        int hole;
        int r = erofs_map(&s->fs, ei, at, &pos, &len, &hole);
        if (r < 0)
            return r;
        if ((whence == 3 && !hole) || (whence == 4 && hole))
            return (int64_t)at;
        at += len;
    }
    return whence == 4 ? (int64_t)ei->size : -ENXIO;
}

static int erofs_mmap(struct file *f, uint64_t addr, size_t len, int prot, unsigned flags,
                      uint64_t off, uint64_t *out)
{
    struct inode *i = f->loc.dentry->inode;
    struct esb *s = esb_of(i->sb);
    const struct erofs_inode *ei = ei_of(i);
    if (off > PAL_MEM_MAX_SIZE || len > PAL_MEM_MAX_SIZE - off || len == 0)
        return -EINVAL;
    struct emap *m;
    int r = emap_get(s, ei, &m);
    if (r < 0)
        return r;
    /* From now on the object's pages stay: a mapping sees them.  Its filled pages leave
     * the budget of unmapped ones. */
    if (!m->mapped) {
        m->mapped = 1;
        s->unmapped_pages -= m->nfilled;
    }
    uint64_t bad;
    r = emap_fill(s, ei, f->path, m, off / 4096, (off + len - 1) / 4096, &bad);
    if (r < 0)
        return r;
    /* Pages past the end of the file stay zero.  Shared mappings see the verified pages
     * (never written: the file cannot be open for writing); private ones get copy-on-write
     * pages of them. */
    return pal_mem_map(m->mem, off, addr, len, prot, flags, out);
}

static const struct file_ops erofs_file_ops = {
    .read = erofs_read,
    .write = ro_write,
    .stat = erofs_fstat,
    .truncate = ro_truncate,
    .fsync = erofs_fsync,
    .fallocate = ro_fallocate,
    .poll = erofs_poll,
    .mmap = erofs_mmap,
    .seek_hole = erofs_seek_hole,
    .seekable = 1,
};

/* ---- directories ---- */

/* f->pos is erofs_readdir's cursor ("." and ".." are stored entries). */
static long erofs_getdents(struct file *f, uint64_t ubuf, size_t n)
{
    struct dentry *dir = f->loc.dentry;
    struct esb *s = esb_of(dir->sb);
    const struct erofs_inode *ei = ei_of(dir->inode);
    char rec[NAME_MAX_LEN + 32];
    size_t done = 0, rl = 0;
    struct erofs_dent de;
    long ret = 0;
    s->cur = f->path;
    for (;;) {
        uint64_t next = (uint64_t)f->pos;
        int r = erofs_readdir(&s->fs, ei, &next, &de);
        if (r <= 0) {
            if (r < 0 && done == 0)
                ret = r;
            break;
        }
        uint8_t dt = erofs_ftype_to_dt(de.ftype);
        rl = dirent_fill(rec, sizeof(rec), de.nid, (int64_t)next, dt, de.name);
        if (rl == 0 || done + rl > n) {
            if (rl == 0)
                rl = 1;
            break;
        }
        if (copy_to_user(ubuf + done, rec, rl)) {
            if (!done)
                ret = -EFAULT;
            break;
        }
        done += rl;
        rl = 0;
        f->pos = (int64_t)next;
    }
    s->cur = NULL;
    if (ret < 0)
        return ret;
    if (done == 0 && rl)
        return -EINVAL;   /* not even one record fits */
    return (long)done;
}

static const struct file_ops erofs_dir_ops = {
    .getdents = erofs_getdents, .stat = erofs_fstat, .fsync = erofs_fsync, .seekable = 1,
};

/* ---- the instance ---- */

static int erofs_statfs(struct dentry *d, uint64_t out[15])
{
    const struct esb *s = esb_of(d->sb);
    out[0] = EROFS_SUPER_MAGIC_V1;
    out[1] = 4096;
    out[2] = s->fs.blocks;
    out[5] = s->fs.inos;
    out[7] = d->sb->dev;
    out[8] = EROFS_NAME_MAX;
    out[9] = 4096;
    return 0;
}

static void erofs_evict(struct inode *i)
{
    kfree(i->priv);
    i->priv = NULL;
}

static void esb_free(struct esb *s)
{
    /* Memory objects are not destroyed: a mapping may outlive the instance (the core
     * does not track mappings), as tmpfs does for mapped files. */
    while (s->maps) {
        struct emap *m = s->maps;
        s->maps = m->next;
        kfree(m->filled);
        kfree(m);
    }
    kfree(s->buckets);
    verity_close(s->v);
    kfree(s->bounce);
    kfree(s->source);
    if (s->h != PAL_HANDLE_NONE)
        pal_close(s->h);
    kfree(s);
}

static void erofs_put_super(struct super_block *sb)
{
    esb_free(esb_of(sb));
    sb->priv = NULL;
}

static const struct fs_ops erofs_ops = {
    .statfs = erofs_statfs, .evict_inode = erofs_evict, .put_super = erofs_put_super,
};

/* Images are mounted by the launcher only (they need a host file and a trusted hash). */
static int erofs_mount_syscall(struct super_block *sb, const char *data, unsigned long msflags)
{
    (void)sb, (void)data, (void)msflags;
    return -ENODEV;
}

const struct fs_type erofs_type = {"erofs", erofs_mount_syscall, 0};

static void hex32(const uint8_t h[32], char out[65])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = d[h[i] >> 4];
        out[2 * i + 1] = d[h[i] & 15];
    }
    out[64] = 0;
}

/* Open the image: footer, verifier, EROFS superblock (verified against root_hash). */
static int esb_open(struct esb *s, const uint8_t root_hash[32])
{
    struct pal_stat st;
    int r = pal_fs_fstat(s->h, &st);
    if (r < 0) {
        kprintf("%s: cannot stat the image: error %d", s->source, -r);
        return r;
    }
    if (st.size < 3 * 4096 || st.size % 4096 != 0) {
        kprintf("%s: not an Alcove image (size %lld is not a multiple of 4096 of at least 3 "
                "blocks; truncated?)", s->source, (long long)st.size);
        return -EINVAL;
    }
    s->bounce = kmalloc((size_t)BOUNCE_BLOCKS * 4096);
    s->buckets = kzalloc(EMAP_BUCKETS * sizeof(*s->buckets));
    if (!s->bounce || !s->buckets)
        return -ENOMEM;
    r = (int)io_read(s, s->bounce, 4096, (uint64_t)st.size - 4096);
    if (r < 0) {
        kprintf("%s: cannot read the image footer: error %d", s->source, -r);
        return r;
    }
    const char *why;
    if (img_footer_check(s->bounce, (uint64_t)st.size, &s->footer, &why) < 0) {
        kprintf("%s: not a valid Alcove image: %s", s->source, why);
        return -EINVAL;
    }
    struct verity_io vio = {s, io_read, io_alloc, io_free, io_crypto_begin, io_crypto_end, io_log};
    r = verity_open(&vio, &s->footer, root_hash, IMG_CACHE_BLOCKS, &s->v);
    if (r < 0) {
        kprintf("%s: cannot set up verification: error %d", s->source, -r);
        return r;
    }
    struct erofs_io eio = {s, io_block, io_log};
    r = erofs_mount(&s->fs, &eio, s->footer.data_blocks);
    if (r == -EIO) {
        char want[65], got[65];
        hex32(root_hash, want);
        hex32(s->footer.root_hash, got);
        if (al_memcmp(root_hash, s->footer.root_hash, 32) != 0)
            kprintf("%s: root hash mismatch: expected %s, the image was built as %s", s->source,
                    want, got);
        else
            kprintf("%s: the image does not match its root hash %s (tampered)", s->source, want);
    } else if (r < 0) {
        kprintf("%s: not a valid Alcove image (bad EROFS file system)", s->source);
    }
    return r;
}

int erofs_boot_sb(pal_handle_t h, const uint8_t root_hash[32], const char *source,
                  struct super_block **out)
{
    struct super_block *sb = sb_alloc(&erofs_type);
    struct esb *s = kzalloc(sizeof(*s));
    if (!sb || !s) {
        kfree(sb), kfree(s);
        kprintf("%s: out of memory mounting the image", source);
        return -ENOMEM;
    }
    s->h = h;
    s->source = kstrdup(source);
    int r = s->source ? esb_open(s, root_hash) : -ENOMEM;
    struct inode *root = NULL;
    sb->priv = s;
    sb->ops = &erofs_ops;
    if (r == 0) {
        r = make_inode(sb, s->fs.root_nid, &root);
        if (r == 0 && !S_ISDIR(root->mode)) {
            kprintf("%s: the image's root is not a directory", source);
            r = -EINVAL;
        }
    }
    if (r < 0) {
        if (root)
            iput(root);
        esb_free(s);
        kfree(sb);
        return r;
    }
    sb->flags = SB_RDONLY;
    sb->source = kstrdup(source);
    sb->options = kstrdup("verity");   /* /proc/mounts: "ro,verity" */
    sb->root = d_make_root(root);
    if (!sb->root)
        return -ENOMEM;
    *out = sb;
    return 0;
}
