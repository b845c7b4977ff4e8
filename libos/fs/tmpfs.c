/*
 * tmpfs.c - the enclave's tmpfs: a file system that lives wholly in the enclave (the
 * defaults /tmp and /dev/shm, `alcove run --tmpfs`, mount(2) of "tmpfs", and the unnamed
 * files of memfd_create(2) and O_TMPFILE).
 *
 * Where things are:
 *  - names: only in the dentry cache.  Every name tmpfs makes is a pinned dentry (d_pin),
 *    so there is no lookup: an uncached name does not exist.  A directory is empty when
 *    it has no positive hashed child.
 *  - attributes: in struct inode, which is the truth here (getattr just copies it).
 *  - file data: one PAL memory object per regular file (pal_mem_*), created at the first
 *    write, mmap or fallocate, so every process of the enclave reads the same bytes and
 *    MAP_SHARED mappings made in different processes share their pages.
 *
 * Invariants:
 *  - a page of a file counts as allocated (st_blocks, the size= limit) iff its bit is set
 *    in the file's page bitmap; only write and fallocate set bits, only truncate, hole
 *    punching and eviction clear them, and sb->used_pages is the sum over the instance.
 *    Pages dirtied through a MAP_SHARED mapping are not seen (nor charged).
 *  - bytes past i_size inside the object are zeros (truncate discards them), so growing
 *    a file never shows old data.
 *  - used_inodes counts inodes and extra hard links, as Linux's free-inode count does.
 *  - tmpfs holds no inode references: an inode lives while a dentry or an open file names
 *    it, and evict_inode frees everything it had.  A memory object that was ever mapped
 *    is leaked instead of destroyed: the core does not track mappings, and destroying it
 *    would turn the pages of a live mapping into zeros.
 *  - times: create sets all three; write, truncate and directory changes set mtime and
 *    ctime; chmod/chown/link count changes set ctime.  atime is set at create and by
 *    utimensat only (reads do not touch it: simpler than relatime, and no program we run
 *    depends on it).
 *
 * Everything runs under the big core lock; nothing here drops it.
 */
#include "tmpfs.h"

#define TMPFS_MAGIC 0x01021994
#define TPAGE 4096ull
#define BOGO_DIRENT 20               /* directory st_size per entry, as Linux's tmpfs */
#define CHUNK_PAGES 2048ull          /* pages per bitmap chunk: 256 bytes for 8 MiB */
#define CHUNK_WORDS (CHUNK_PAGES / 64)
#define TMPFS_MAX_FILE ((int64_t)PAL_MEM_MAX_SIZE)

struct tmpfs_sb {
    uint64_t max_pages, used_pages;      /* size= (0: no limit) and pages charged */
    uint64_t max_inodes, used_inodes;    /* nr_inodes= (0: no limit) */
    const struct tmpfs_backing_ops *bops;/* a backed instance (tmpfs.h), else NULL */
    void *bpriv;                         /* the backing file system's */
};

struct tmpfs_inode {
    int has_mem;                         /* mem is a live PAL memory object */
    int mapped;                          /* mem was mapped once: never destroy it */
    uint64_t mem;
    uint64_t **chunk;                    /* the page bitmap: nchunks chunks, NULL = clear */
    uint64_t nchunks;
    uint64_t npages;                     /* bits set */
    char *target;                        /* symlinks */
    void *bpriv;                         /* a backed instance's per-inode state */
};

static const struct inode_ops tmpfs_iops;
static const struct file_ops tmpfs_file_ops, tmpfs_dir_ops;

static struct tmpfs_sb *sbi(const struct super_block *sb)
{
    return sb->priv;
}

static struct inode *file_ino(const struct file *f)
{
    return f->loc.dentry->inode;
}

/* Backed instances (tmpfs.h): tell the backing file system what changed, or bring a
 * file's data in before its first use.  No-ops on plain tmpfs. */
static void bdirty(struct inode *i, unsigned what, uint64_t first, uint64_t last)
{
    const struct tmpfs_backing_ops *b = sbi(i->sb)->bops;
    if (b)
        b->dirty(i, what, first, last);
}

static int bload(struct inode *i)
{
    const struct tmpfs_backing_ops *b = sbi(i->sb)->bops;
    return b ? b->load(i) : 0;
}

static void touch(struct inode *i, int mtime)
{
    /* Every change to an inode passes here; a directory's mtime moves when its entries do. */
    bdirty(i, TB_ATTR | (mtime && S_ISDIR(i->mode) ? TB_DIR : 0), 0, 0);
    vfs_now(&i->ctime_sec, &i->ctime_nsec);
    if (mtime) {
        i->mtime_sec = i->ctime_sec;
        i->mtime_nsec = i->ctime_nsec;
    }
}

/* ---- the page bitmap ------------------------------------------------------------------ */

enum { PG_COUNT, PG_SET, PG_CLEAR };

/* Apply op to the bits of pages [first, last]: the number of bits that were set (count),
 * newly set (set) or cleared (clear).  Set needs the chunks (chunks_alloc) first. */
static uint64_t pages_op(struct tmpfs_inode *ti, uint64_t first, uint64_t last, int op)
{
    uint64_t n = 0;
    /* Past the last chunk every bit is clear: never walk there (ranges may be huge). */
    if (!ti->nchunks)
        return 0;
    last = MIN(last, ti->nchunks * CHUNK_PAGES - 1);
    for (uint64_t p = first; p <= last;) {
        uint64_t c = p / CHUNK_PAGES, cend = MIN(last, c * CHUNK_PAGES + CHUNK_PAGES - 1);
        uint64_t *w = c < ti->nchunks ? ti->chunk[c] : NULL;
        if (!w) {
            p = cend + 1;
            continue;
        }
        for (uint64_t q = p; q <= cend;) {
            unsigned b = (unsigned)(q % 64);
            unsigned e = cend - q >= 63u - b ? 63u : b + (unsigned)(cend - q);
            uint64_t mask = (e == 63 ? ~0ull : (1ull << (e + 1)) - 1) & ~((1ull << b) - 1);
            uint64_t *word = &w[(q % CHUNK_PAGES) / 64];
            if (op == PG_COUNT)
                n += (uint64_t)__builtin_popcountll(*word & mask);
            else if (op == PG_SET)
                n += (uint64_t)__builtin_popcountll(~*word & mask), *word |= mask;
            else
                n += (uint64_t)__builtin_popcountll(*word & mask), *word &= ~mask;
            q += e - b + 1;
        }
        if (op == PG_CLEAR && p == c * CHUNK_PAGES && cend == p + CHUNK_PAGES - 1) {
            kfree(w); /* the whole chunk is clear now */
            ti->chunk[c] = NULL;
        }
        p = cend + 1;
    }
    if (op == PG_SET)
        ti->npages += n;
    else if (op == PG_CLEAR)
        ti->npages -= n;
    return n;
}

/* Make sure the chunks of pages [first, last] exist (so a later PG_SET cannot fail). */
static int chunks_alloc(struct tmpfs_inode *ti, uint64_t first, uint64_t last)
{
    uint64_t need = last / CHUNK_PAGES + 1;
    if (need > ti->nchunks) {
        uint64_t cap = MAX(need, ti->nchunks * 2);
        uint64_t **nc = kzalloc(cap * sizeof(*nc));
        if (!nc)
            return -ENOMEM;
        if (ti->nchunks)
            al_memcpy(nc, ti->chunk, ti->nchunks * sizeof(*nc));
        kfree(ti->chunk);
        ti->chunk = nc;
        ti->nchunks = cap;
    }
    for (uint64_t c = first / CHUNK_PAGES; c <= last / CHUNK_PAGES; c++)
        if (!ti->chunk[c] && !(ti->chunk[c] = kzalloc(CHUNK_WORDS * sizeof(uint64_t))))
            return -ENOMEM;
    return 0;
}

static int page_set(const struct tmpfs_inode *ti, uint64_t p)
{
    uint64_t c = p / CHUNK_PAGES;
    return c < ti->nchunks && ti->chunk[c] && (ti->chunk[c][(p % CHUNK_PAGES) / 64] >> (p % 64) & 1);
}

/* The first page in [p, last] whose bit is want, or last + 1. */
static uint64_t page_find(const struct tmpfs_inode *ti, uint64_t p, uint64_t last, int want)
{
    while (p <= last) {
        uint64_t c = p / CHUNK_PAGES;
        if (c >= ti->nchunks || !ti->chunk[c]) {
            if (!want)
                return p;
            if (c >= ti->nchunks)
                break; /* no bit is set past the last chunk (last may be huge) */
            p = (c + 1) * CHUNK_PAGES;
            continue;
        }
        if (page_set(ti, p) == want)
            return p;
        p++;
    }
    return last + 1;
}

/* Charge the pages of [first, last] not allocated yet: all of them or -ENOSPC. */
static int charge(struct inode *i, uint64_t first, uint64_t last)
{
    struct tmpfs_sb *ts = sbi(i->sb);
    struct tmpfs_inode *ti = i->priv;
    uint64_t need = last - first + 1 - pages_op(ti, first, last, PG_COUNT);
    if (ts->max_pages && need > ts->max_pages - MIN(ts->used_pages, ts->max_pages))
        return -ENOSPC;
    int r = chunks_alloc(ti, first, last);
    if (r < 0)
        return r;
    ts->used_pages += pages_op(ti, first, last, PG_SET);
    return 0;
}

/* Drop the pages from page first on (all of them with first 0). */
static void uncharge_from(struct inode *i, uint64_t first)
{
    struct tmpfs_inode *ti = i->priv;
    uint64_t last = ti->nchunks * CHUNK_PAGES;
    if (ti->nchunks && first < last) {
        struct tmpfs_sb *ts = sbi(i->sb);
        ts->used_pages -= pages_op(ti, first, last - 1, PG_CLEAR);
    }
}

static void blocks_update(struct inode *i)
{
    i->blocks = (int64_t)(((struct tmpfs_inode *)i->priv)->npages * (TPAGE / 512));
}

/* The memory object of a regular file, made on first need. */
static int mem_get(struct tmpfs_inode *ti)
{
    if (ti->has_mem)
        return 0;
    int r = pal_mem_create(&ti->mem);
    if (r < 0)
        return r;
    ti->has_mem = 1;
    return 0;
}

/* ---- inodes ------------------------------------------------------------------------------ */

/* A new inode of sb owned by the caller (as vfs_new_owner says for directory dir); with
 * no calling thread (boot), by root. */
static int new_inode(struct super_block *sb, struct inode *dir, uint32_t mode, struct inode **out)
{
    struct tmpfs_sb *ts = sbi(sb);
    if (ts->max_inodes && ts->used_inodes >= ts->max_inodes)
        return -ENOSPC;
    struct tmpfs_inode *ti = kzalloc(sizeof(*ti));
    struct inode *i = ti ? inode_alloc(sb, &tmpfs_iops, mode) : NULL;
    if (!i) {
        kfree(ti);
        return -ENOMEM;
    }
    i->priv = ti;
    if (ts->bops && ts->bops->init(i) < 0) {
        i->priv = NULL;
        kfree(ti);
        iput(i);
        return -ENOMEM;
    }
    ts->used_inodes++;
    if (current)
        vfs_new_owner(dir, &i->mode, &i->uid, &i->gid);
    i->size = S_ISDIR(mode) ? 2 * BOGO_DIRENT : 0;
    *out = i;
    return 0;
}

static void tmpfs_evict(struct inode *i)
{
    struct tmpfs_inode *ti = i->priv;
    struct tmpfs_sb *ts = sbi(i->sb);
    if (!ti)
        return;
    if (ts->bops)
        ts->bops->evict(i);
    uncharge_from(i, 0);
    for (uint64_t c = 0; c < ti->nchunks; c++)
        kfree(ti->chunk[c]);
    kfree(ti->chunk);
    kfree(ti->target);
    /* A mapped object may still back a mapping somewhere: leak it (see the top). */
    if (ti->has_mem && !ti->mapped)
        pal_mem_destroy(ti->mem);
    kfree(ti);
    i->priv = NULL;
    if (ts->used_inodes)
        ts->used_inodes--;
}

/* One name of i went (unlink, or a rename replaced it). */
static void drop_link(struct inode *i)
{
    struct tmpfs_sb *ts = sbi(i->sb);
    if (i->nlink > 1 && !S_ISDIR(i->mode) && ts->used_inodes)
        ts->used_inodes--; /* the extra link's slot (Linux's shmem_unlink) */
    if (i->nlink)
        i->nlink--;
    touch(i, 0);
}

/* The name d in directory dir now holds the new inode i. */
static void add_name(struct dentry *dir, struct dentry *d, struct inode *i)
{
    d_instantiate(d, i);
    d_pin(d);
    dir->inode->size += BOGO_DIRENT;
    touch(dir->inode, 1);
}

static int tmpfs_create(struct dentry *dir, struct dentry *d, uint32_t mode, uint64_t rdev)
{
    struct inode *i;
    int r = new_inode(dir->sb, dir->inode, mode, &i);
    if (r < 0)
        return r;
    uint32_t t = mode & S_IFMT;
    i->rdev = (t == S_IFCHR || t == S_IFBLK) ? rdev : 0; /* the VFS refuses them today */
    add_name(dir, d, i);
    return 0;
}

static int tmpfs_mkdir(struct dentry *dir, struct dentry *d, uint32_t mode)
{
    struct inode *i;
    int r = new_inode(dir->sb, dir->inode, S_IFDIR | (mode & 07777), &i);
    if (r < 0)
        return r;
    i->nlink = 2;
    dir->inode->nlink++;
    add_name(dir, d, i);
    return 0;
}

static int tmpfs_symlink(struct dentry *dir, struct dentry *d, const char *target)
{
    char *t = kstrdup(target);
    if (!t)
        return -ENOMEM;
    struct inode *i;
    int r = new_inode(dir->sb, dir->inode, S_IFLNK | 0777, &i);
    if (r < 0) {
        kfree(t);
        return r;
    }
    ((struct tmpfs_inode *)i->priv)->target = t;
    i->size = (int64_t)al_strlen(t);
    add_name(dir, d, i);
    return 0;
}

static int tmpfs_link(struct dentry *old, struct dentry *dir, struct dentry *d)
{
    struct inode *i = old->inode;
    struct tmpfs_sb *ts = sbi(dir->sb);
    /* Every name but an O_TMPFILE file's first takes an inode slot, as in Linux. */
    if (i->nlink > 0) {
        if (ts->max_inodes && ts->used_inodes >= ts->max_inodes)
            return -ENOSPC;
        ts->used_inodes++;
    }
    i->nlink++;
    touch(i, 0);
    add_name(dir, d, iget(i));
    return 0;
}

static void remove_name(struct dentry *dir)
{
    if (dir->inode->size >= BOGO_DIRENT)
        dir->inode->size -= BOGO_DIRENT;
    touch(dir->inode, 1);
}

static int tmpfs_unlink(struct dentry *dir, struct dentry *d)
{
    drop_link(d->inode);
    remove_name(dir);
    return 0;
}

/* Linux's simple_empty: no positive, hashed child. */
static int dir_empty(const struct dentry *d)
{
    for (const struct dentry *c = d->child_first; c; c = c->sib_next)
        if (c->inode && (c->flags & D_HASHED))
            return 0;
    return 1;
}

static int tmpfs_rmdir(struct dentry *dir, struct dentry *d)
{
    if (!dir_empty(d))
        return -ENOTEMPTY;
    d->inode->nlink = 0; /* its "." and its name */
    touch(d->inode, 0);
    if (dir->inode->nlink > 2)
        dir->inode->nlink--; /* its ".." */
    remove_name(dir);
    return 0;
}

static int tmpfs_rename(struct dentry *odir, struct dentry *od, struct dentry *ndir,
                        struct dentry *nd, unsigned flags)
{
    struct inode *oi = od->inode, *ni = nd->inode;
    int odir_is = S_ISDIR(oi->mode);
    if (flags & RENAME_EXCHANGE) {
        int ndir_is = S_ISDIR(ni->mode);
        /* A directory changing parents takes its ".." along. */
        if (odir != ndir && odir_is != ndir_is) {
            struct inode *from = odir_is ? odir->inode : ndir->inode;
            struct inode *to = odir_is ? ndir->inode : odir->inode;
            from->nlink--;
            to->nlink++;
        }
        touch(oi, 0);
        touch(ni, 0);
        touch(odir->inode, 1);
        touch(ndir->inode, 1);
        return 0;
    }
    if (ni) {
        if (S_ISDIR(ni->mode) && !dir_empty(nd))
            return -ENOTEMPTY;
        /* The replaced name goes as by unlink/rmdir (the VFS drops its dentry). */
        if (S_ISDIR(ni->mode)) {
            ni->nlink = 0;
            touch(ni, 0);
            ndir->inode->nlink--;
        } else {
            drop_link(ni);
        }
        remove_name(ndir);
    }
    if (odir_is && odir != ndir) {
        odir->inode->nlink--;
        ndir->inode->nlink++;
    }
    remove_name(odir);
    ndir->inode->size += BOGO_DIRENT;
    touch(ndir->inode, 1);
    touch(oi, 0);
    return 0;
}

static int tmpfs_getattr(struct dentry *d, struct pal_stat *st)
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
    st->blksize = (int64_t)TPAGE;
    st->blocks = S_ISREG(i->mode) ? i->blocks : 0;
    st->atime_sec = i->atime_sec, st->atime_nsec = i->atime_nsec;
    st->mtime_sec = i->mtime_sec, st->mtime_nsec = i->mtime_nsec;
    st->ctime_sec = i->ctime_sec, st->ctime_nsec = i->ctime_nsec;
    st->dev = d->sb->dev;
    return 0;
}

/* Cut or extend a regular file to len (sparse: extending allocates nothing). */
static int resize(struct inode *i, int64_t len)
{
    struct tmpfs_inode *ti = i->priv;
    if (len > TMPFS_MAX_FILE)
        return -EFBIG;
    int lr = bload(i);
    if (lr < 0)
        return lr;
    if (len < i->size) {
        /* The tail of the last page and every page after it read as zeros again. */
        if (ti->has_mem) {
            int r = pal_mem_discard(ti->mem, (uint64_t)len, PAL_MEM_MAX_SIZE - (uint64_t)len);
            if (r < 0)
                return r;
        }
        uncharge_from(i, PAGE_UP(len) / TPAGE);
        blocks_update(i);
        bdirty(i, TB_TRUNC, (uint64_t)len, 0);
    } else if (len > i->size && ti->mapped) {
        /* A shared mapping may have written past the old end: the new bytes read as zeros. */
        int r = pal_mem_discard(ti->mem, (uint64_t)i->size, (uint64_t)(len - i->size));
        if (r < 0)
            return r;
        bdirty(i, TB_PUNCH, (uint64_t)i->size / TPAGE, (uint64_t)(len - 1) / TPAGE);
    }
    i->size = len;
    bdirty(i, TB_ATTR, 0, 0);
    return 0;
}

static int tmpfs_setattr(struct dentry *d, const struct iattr *ia)
{
    struct inode *i = d->inode;
    if (ia->valid & ATTR_SIZE) {
        if (!S_ISREG(i->mode))
            return S_ISDIR(i->mode) ? -EISDIR : -EINVAL;
        int r = resize(i, ia->size);
        if (r < 0)
            return r;
    }
    if (ia->valid & ATTR_MODE)
        i->mode = (i->mode & S_IFMT) | (ia->mode & 07777);
    if (ia->valid & ATTR_UID)
        i->uid = ia->uid;
    if (ia->valid & ATTR_GID)
        i->gid = ia->gid;
    if (ia->valid & ATTR_ATIME)
        i->atime_sec = ia->atime_sec, i->atime_nsec = ia->atime_nsec;
    if (ia->valid & ATTR_CTIME)
        touch(i, 0);
    if (ia->valid & ATTR_MTIME)
        i->mtime_sec = ia->mtime_sec, i->mtime_nsec = ia->mtime_nsec;
    bdirty(i, TB_ATTR, 0, 0);
    return 0;
}

static long tmpfs_readlink(struct dentry *d, char *buf, size_t size)
{
    const char *t = ((struct tmpfs_inode *)d->inode->priv)->target;
    if (!t)
        return -EINVAL;
    size_t n = MIN(al_strlen(t), size);
    al_memcpy(buf, t, n);
    return (long)n;
}

static int tmpfs_open(struct dentry *d, struct file *f, int flags)
{
    (void)flags;
    switch (d->inode->mode & S_IFMT) {
    case S_IFREG:
        f->ops = &tmpfs_file_ops;
        return 0;
    case S_IFDIR:
        f->ops = &tmpfs_dir_ops;
        return 0;
    default:
        /* Sockets: ENXIO as in Linux.  FIFOs are opened by the VFS, never reach here. */
        return -ENXIO;
    }
}

static const struct inode_ops tmpfs_iops = {
    .create = tmpfs_create,
    .mkdir = tmpfs_mkdir,
    .symlink = tmpfs_symlink,
    .link = tmpfs_link,
    .unlink = tmpfs_unlink,
    .rmdir = tmpfs_rmdir,
    .rename = tmpfs_rename,
    .getattr = tmpfs_getattr,
    .setattr = tmpfs_setattr,
    .readlink = tmpfs_readlink,
    .open = tmpfs_open,
};

int tmpfs_anon_inode(struct super_block *sb, uint32_t mode, struct inode **out)
{
    int r = new_inode(sb, NULL, mode, out);
    if (r == 0)
        (*out)->nlink = 0; /* no name: linkat may give it one */
    return r;
}

/* ---- regular files ----------------------------------------------------------------------- */

static long tmpfs_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    struct inode *i = file_ino(f);
    struct tmpfs_inode *ti = i->priv;
    if (*pos >= i->size || n == 0)
        return 0;
    long r = bload(i);
    if (r < 0)
        return r;
    size_t c = (size_t)MIN((int64_t)n, i->size - *pos);
    if (ti->has_mem) {
        r = pal_mem_read(ti->mem, buf, c, (uint64_t)*pos); /* program or core memory alike */
    } else if (kbuf) {
        al_memset(buf, 0, c);
        r = (long)c;
    } else {
        r = clear_user((uint64_t)buf, c) ? -EFAULT : (long)c;
    }
    if (r > 0)
        *pos += r;
    return r;
}

/* RLIMIT_FSIZE: clip a write at offset off, or fail it with EFBIG and SIGXFSZ (as hostfs). */
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

/* How much of a write of n bytes at pos fits in the instance's size limit (0: none). */
static size_t space_clip(struct inode *i, int64_t pos, size_t n)
{
    struct tmpfs_sb *ts = sbi(i->sb);
    struct tmpfs_inode *ti = i->priv;
    if (!ts->max_pages)
        return n;
    uint64_t avail = ts->max_pages - MIN(ts->used_pages, ts->max_pages);
    uint64_t first = (uint64_t)pos / TPAGE, last = ((uint64_t)pos + n - 1) / TPAGE;
    uint64_t need = last - first + 1 - pages_op(ti, first, last, PG_COUNT);
    if (need <= avail)
        return n;
    uint64_t p = first;
    for (uint64_t got = 0; p <= last; p++)
        if (!page_set(ti, p) && got++ == avail)
            break;
    /* Up to the first page that does not fit (nothing if that is the first one). */
    return p * TPAGE > (uint64_t)pos ? (size_t)(p * TPAGE - (uint64_t)pos) : 0;
}

/* A write by someone without CAP_FSETID drops set-user-ID (and set-group-ID with group
 * execute), as Linux's file_remove_privs. */
static void drop_privs(struct inode *i)
{
    uint32_t kill = 0;
    if (i->mode & S_ISUID)
        kill |= S_ISUID;
    if ((i->mode & (S_ISGID | 010)) == (S_ISGID | 010))
        kill |= S_ISGID;
    if (kill && current->proc->fsuid != 0) {
        i->mode &= ~kill;
        touch(i, 0);
    }
}

static long tmpfs_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)kbuf; /* the backend copies from program or core memory alike */
    struct inode *i = file_ino(f);
    struct tmpfs_inode *ti = i->priv;
    if (file_readonly(f))
        return -EROFS;
    if (f->flags & O_APPEND)
        *pos = i->size;
    if (n == 0)
        return 0;
    long r = fsize_clip(*pos, &n);
    if (r < 0)
        return r;
    if ((r = bload(i)) < 0)
        return r;
    if (*pos >= TMPFS_MAX_FILE)
        return -EFBIG;
    n = (size_t)MIN((int64_t)n, TMPFS_MAX_FILE - *pos);
    n = space_clip(i, *pos, n);
    if (n == 0)
        return -ENOSPC;
    uint64_t first = (uint64_t)*pos / TPAGE, last = ((uint64_t)*pos + n - 1) / TPAGE;
    /* Everything that can fail comes before the data moves: then nothing written is lost. */
    if ((r = mem_get(ti)) < 0 || (r = chunks_alloc(ti, first, last)) < 0)
        return r;
    long w = pal_mem_write(ti->mem, buf, n, (uint64_t)*pos);
    if (w <= 0)
        return w < 0 ? w : -EIO;
    if ((size_t)w > n)
        w = (long)n; /* a count larger than asked is not believed */
    last = ((uint64_t)*pos + (uint64_t)w - 1) / TPAGE;
    sbi(i->sb)->used_pages += pages_op(ti, first, last, PG_SET);
    bdirty(i, TB_DATA, first, last);
    blocks_update(i);
    *pos += w;
    if (*pos > i->size)
        i->size = *pos;
    touch(i, 1);
    drop_privs(i);
    return w;
}

static int tmpfs_fstat(struct file *f, struct pal_stat *st)
{
    return tmpfs_getattr(f->loc.dentry, st);
}

static int tmpfs_truncate(struct file *f, int64_t len)
{
    struct inode *i = file_ino(f);
    uint64_t lim = current->proc->rlim[RLIMIT_FSIZE].cur;
    if (lim != RLIM_INFINITY && (uint64_t)len > lim) {
        signal_send_thread(current, SIGXFSZ, NULL);
        return -EFBIG;
    }
    int r = resize(i, len);
    if (r < 0)
        return r;
    touch(i, 1);
    drop_privs(i);
    return 0;
}

static int tmpfs_fsync(struct file *f, int datasync)
{
    const struct tmpfs_backing_ops *b = sbi(f->loc.dentry->sb)->bops;
    if (b)
        return b->fsync(f, datasync);
    return 0; /* nothing to write back */
}

/* fallocate: what Linux's tmpfs supports (allocate, with or without KEEP_SIZE, and
 * PUNCH_HOLE|KEEP_SIZE); ZERO_RANGE and the rest are EOPNOTSUPP there too. */
#define FL_KEEP_SIZE 1
#define FL_PUNCH_HOLE 2
static int tmpfs_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
    struct inode *i = file_ino(f);
    struct tmpfs_inode *ti = i->priv;
    int lr = bload(i);
    if (lr < 0)
        return lr;
    if (mode == (FL_PUNCH_HOLE | FL_KEEP_SIZE)) {
        /* Past the end too: fallocate(KEEP_SIZE) may have allocated pages there. */
        if (ti->has_mem) {
            int r = pal_mem_discard(ti->mem, (uint64_t)off, (uint64_t)len);
            if (r < 0)
                return r;
        }
        /* Whole pages inside the hole are freed; partial ones were only zeroed. */
        uint64_t first = PAGE_UP(off) / TPAGE, end = PAGE_DOWN(off + len) / TPAGE;
        if (end > first)
            sbi(i->sb)->used_pages -= pages_op(ti, first, end - 1, PG_CLEAR);
        bdirty(i, TB_PUNCH, (uint64_t)off / TPAGE, (uint64_t)(off + len - 1) / TPAGE);
        blocks_update(i);
        touch(i, 1);
        return 0;
    }
    if (mode != 0 && mode != FL_KEEP_SIZE)
        return -EOPNOTSUPP;
    int64_t end = off + len;
    uint64_t lim = current->proc->rlim[RLIMIT_FSIZE].cur;
    if (!(mode & FL_KEEP_SIZE) && lim != RLIM_INFINITY && (uint64_t)end > lim) {
        signal_send_thread(current, SIGXFSZ, NULL);
        return -EFBIG;
    }
    if (end > TMPFS_MAX_FILE)
        return -EFBIG;
    int r = mem_get(ti);
    if (r == 0)
        r = charge(i, (uint64_t)off / TPAGE, (uint64_t)(end - 1) / TPAGE);
    if (r < 0)
        return r;
    bdirty(i, TB_DATA, (uint64_t)off / TPAGE, (uint64_t)(end - 1) / TPAGE);
    blocks_update(i);
    if (!(mode & FL_KEEP_SIZE) && end > i->size)
        i->size = end;
    touch(i, 1);
    return 0;
}

/* SEEK_DATA / SEEK_HOLE from the page bitmap (off is inside the file: checked). */
static int64_t tmpfs_seek_hole(struct file *f, int64_t off, int whence)
{
    struct inode *i = file_ino(f);
    int lr = bload(i);
    if (lr < 0)
        return lr;
    uint64_t last = ((uint64_t)i->size - 1) / TPAGE;
    uint64_t p = page_find(i->priv, (uint64_t)off / TPAGE, last, whence == 3 /* SEEK_DATA */);
    if (p > last)
        return whence == 3 ? -ENXIO : i->size;
    int64_t at = MAX(off, (int64_t)(p * TPAGE));
    return MIN(at, i->size);
}

static int tmpfs_mmap(struct file *f, uint64_t addr, size_t len, int prot, unsigned flags,
                      uint64_t off, uint64_t *out)
{
    struct inode *i = file_ino(f);
    struct tmpfs_inode *ti = i->priv;
    if (off > PAL_MEM_MAX_SIZE || len > PAL_MEM_MAX_SIZE - off)
        return -EINVAL;
    int r = bload(i);
    if (r < 0)
        return r;
    /* Writes through a shared mapping are not seen: the backing store rereads it all. */
    if ((flags & PAL_VM_SHARED) && (f->flags & O_ACCMODE) == O_RDWR)
        bdirty(i, TB_MAPPED, 0, 0);
    r = mem_get(ti);
    if (r < 0)
        return r;
    r = pal_mem_map(ti->mem, off, addr, len, prot, flags, out);
    if (r == 0)
        ti->mapped = 1;
    return r;
}

static int tmpfs_poll(struct file *f, int events)
{
    (void)f;
    return events & (POLLIN | POLLOUT); /* regular files are always ready */
}

static long tmpfs_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    if (cmd != FIONREAD)
        return -ENOTTY;
    int64_t size = file_ino(f)->size;
    int avail = size > f->pos ? (int)MIN(size - f->pos, (int64_t)0x7fffffff) : 0;
    return copy_to_user(arg, &avail, sizeof(avail));
}

static const struct file_ops tmpfs_file_ops = {
    .read = tmpfs_read,
    .write = tmpfs_write,
    .ioctl = tmpfs_ioctl,
    .stat = tmpfs_fstat,
    .truncate = tmpfs_truncate,
    .fsync = tmpfs_fsync,
    .fallocate = tmpfs_fallocate,
    .poll = tmpfs_poll,
    .mmap = tmpfs_mmap,
    .seek_hole = tmpfs_seek_hole,
    .seekable = 1,
};

/* ---- directories ------------------------------------------------------------------------- */

/* f->pos is the cursor: 0 ".", 1 "..", then 2 + a child's position (d_next_child). */
static long tmpfs_getdents(struct file *f, uint64_t ubuf, size_t n)
{
    struct dentry *dir = f->loc.dentry, *c = NULL;
    char rec[NAME_MAX_LEN + 32];
    size_t done = 0, rl = 0;
    for (;;) {
        uint64_t cur = (uint64_t)f->pos, next;
        const struct inode *ci;
        const char *name;
        if (cur < 2) {
            name = cur == 0 ? "." : "..";
            ci = cur == 0 || !dir->parent ? dir->inode : dir->parent->inode;
            next = cur + 1;
        } else {
            /* Children are in position order: after the first, follow the list. */
            if (!c) {
                uint64_t p = cur - 2;
                c = d_next_child(dir, &p);
            } else {
                for (c = c->sib_next; c && !c->inode; c = c->sib_next)
                    ;
            }
            if (!c)
                break;
            name = c->name;
            ci = c->inode;
            next = c->seq + 3;
        }
        rl = dirent_fill(rec, sizeof(rec), ci->ino, (int64_t)next, dtype_of(ci->mode), name);
        if (done + rl > n)
            break;
        if (copy_to_user(ubuf + done, rec, rl))
            return done ? (long)done : -EFAULT;
        done += rl;
        rl = 0;
        f->pos = (int64_t)next;
    }
    if (done == 0 && rl)
        return -EINVAL; /* not even one record fits */
    return (long)done;
}

static const struct file_ops tmpfs_dir_ops = {
    .getdents = tmpfs_getdents, .stat = tmpfs_fstat, .fsync = tmpfs_fsync, .seekable = 1,
};

/* ---- the instance ------------------------------------------------------------------------ */

static int tmpfs_statfs(struct dentry *d, uint64_t out[15])
{
    const struct tmpfs_sb *ts = sbi(d->sb);
    out[0] = TMPFS_MAGIC;
    out[1] = TPAGE;
    if (ts->max_pages) {
        out[2] = ts->max_pages;
        out[3] = out[4] = ts->max_pages - MIN(ts->used_pages, ts->max_pages);
    }
    if (ts->max_inodes) {
        out[5] = ts->max_inodes;
        out[6] = ts->max_inodes - MIN(ts->used_inodes, ts->max_inodes);
    }
    out[7] = d->sb->dev;
    out[8] = NAME_MAX_LEN;
    out[9] = TPAGE;
    return 0;
}

static void tmpfs_put_super(struct super_block *sb)
{
    kfree(sb->priv);
    sb->priv = NULL;
}

static const struct fs_ops tmpfs_ops = {
    .statfs = tmpfs_statfs, .evict_inode = tmpfs_evict, .put_super = tmpfs_put_super,
};

/* A number as Linux's memparse: base by prefix (0x, 0), then k/m/g/t/p/e. */
static int parse_size(const char *s, uint64_t *out, int percent_ok)
{
    uint64_t v = 0, base = 10;
    const char *p = s;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2;
    else if (p[0] == '0' && p[1])
        base = 8, p++;
    const char *digits = p;
    for (;; p++) {
        unsigned dv;
        if (*p >= '0' && *p <= '9')
            dv = (unsigned)(*p - '0');
        else if (base == 16 && ((*p | 32) >= 'a' && (*p | 32) <= 'f'))
            dv = (unsigned)((*p | 32) - 'a' + 10);
        else
            break;
        if (dv >= base || v > (~0ull - dv) / base)
            return -EINVAL;
        v = v * base + dv;
    }
    if (p == digits && !(base == 8))
        return -EINVAL;
    static const char suffixes[] = "kmgtpe";
    for (int k = 0; suffixes[k]; k++)
        if ((*p | 32) == suffixes[k]) {
            for (int j = 0; j <= k; j++) {
                if (v > (~0ull >> 10))
                    return -EINVAL;
                v <<= 10;
            }
            p++;
            break;
        }
    if (*p == '%' && percent_ok && p[1] == '\0') {
        if (v > 100000)
            return -EINVAL;
        v = boot_info->mem_total / 100 * v;
        p++;
    }
    if (*p)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_uint(const char *s, int base, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        unsigned dv = (unsigned)(*s - '0');
        if (*s < '0' || *s > '9' || dv >= (unsigned)base || v > (max - dv) / (uint64_t)base)
            return -EINVAL;
        v = v * (uint64_t)base + dv;
    }
    *out = v;
    return 0;
}

struct tmpfs_opts {
    uint64_t size, nr_inodes, mode, uid, gid;
};

/* "size=64k,nr_inodes=100,mode=1777,uid=0,gid=0" (Linux's names and rules). */
static int parse_opts(const char *data, struct tmpfs_opts *o)
{
    char buf[512];
    if (!data)
        return 0;
    if (al_strlcpy(buf, data, sizeof(buf)) >= sizeof(buf))
        return -EINVAL;
    for (char *opt = buf; opt;) {
        char *comma = al_strchr(opt, ',');
        if (comma)
            *comma++ = '\0';
        char *val = al_strchr(opt, '=');
        if (val)
            *val++ = '\0';
        int r = 0;
        if (!opt[0])
            ;
        else if (!val && (!al_strcmp(opt, "inode64") || !al_strcmp(opt, "inode32") ||
                          !al_strcmp(opt, "noswap")))
            ; /* accepted, no effect here */
        else if (!val)
            r = -EINVAL;
        else if (!al_strcmp(opt, "size"))
            r = parse_size(val, &o->size, 1);
        else if (!al_strcmp(opt, "nr_blocks")) {
            r = parse_size(val, &o->size, 0);
            if (r == 0 && o->size > ~0ull / TPAGE)
                r = -EINVAL;
            o->size *= TPAGE;
        } else if (!al_strcmp(opt, "nr_inodes"))
            r = parse_size(val, &o->nr_inodes, 0);
        else if (!al_strcmp(opt, "mode"))
            r = parse_uint(val, 8, 07777, &o->mode);
        else if (!al_strcmp(opt, "uid"))
            r = parse_uint(val, 10, 0xfffffffeu, &o->uid);
        else if (!al_strcmp(opt, "gid"))
            r = parse_uint(val, 10, 0xfffffffeu, &o->gid);
        else if (!al_strcmp(opt, "huge") || !al_strcmp(opt, "mpol"))
            ; /* no huge pages nor NUMA policy in the enclave */
        else
            r = -EINVAL;
        if (r < 0)
            return r;
        opt = comma;
    }
    return 0;
}

static int tmpfs_fill(struct super_block *sb, const char *data,
                      const struct tmpfs_backing_ops *bops)
{
    uint64_t mem = boot_info->mem_total;
    /* Linux's defaults: half the memory, half as many inodes as pages, the caller's ids. */
    struct tmpfs_opts def = {mem / 2, mem / TPAGE / 2, 01777, 0, 0};
    if (current)
        def.uid = current->proc->fsuid, def.gid = current->proc->fsgid;
    struct tmpfs_opts o = def;
    int r = parse_opts(data, &o);
    if (r < 0)
        return r;
    struct tmpfs_sb *ts = kzalloc(sizeof(*ts));
    if (!ts)
        return -ENOMEM;
    ts->max_pages = o.size / TPAGE + (o.size % TPAGE != 0); /* 0: no limit */
    ts->max_inodes = o.nr_inodes;                           /* 0: no limit */
    ts->bops = bops;
    sb->priv = ts;
    sb->ops = &tmpfs_ops;
    struct inode *root;
    r = new_inode(sb, NULL, S_IFDIR | (uint32_t)o.mode, &root);
    if (r == 0 && !(sb->root = d_make_root(root)))
        r = -ENOMEM; /* d_make_root dropped the inode */
    if (r < 0) {
        kfree(ts);
        sb->priv = NULL;
        return r;
    }
    root->nlink = 2;
    root->mode = S_IFDIR | (uint32_t)o.mode;
    root->uid = (uint32_t)o.uid;
    root->gid = (uint32_t)o.gid;
    /* What /proc/mounts shows, as Linux: only what differs from the defaults. */
    char opts[160];
    int len = 0;
    opts[0] = '\0';
    if (o.size != def.size)
        len += al_snprintf(opts + len, sizeof(opts) - (size_t)len, ",size=%luk",
                           (unsigned long)(ts->max_pages * (TPAGE / 1024)));
    if (o.nr_inodes != def.nr_inodes)
        len += al_snprintf(opts + len, sizeof(opts) - (size_t)len, ",nr_inodes=%lu",
                           (unsigned long)o.nr_inodes);
    if (o.mode != def.mode)
        len += al_snprintf(opts + len, sizeof(opts) - (size_t)len, ",mode=%03o", (unsigned)o.mode);
    if (o.uid != 0)
        len += al_snprintf(opts + len, sizeof(opts) - (size_t)len, ",uid=%u", (unsigned)o.uid);
    if (o.gid)
        len += al_snprintf(opts + len, sizeof(opts) - (size_t)len, ",gid=%u", (unsigned)o.gid);
    sb->options = len ? kstrdup(opts + 1) : NULL;
    return 0;
}

static int tmpfs_mount(struct super_block *sb, const char *data, unsigned long msflags)
{
    (void)msflags; /* mount flags belong to the vfsmount */
    return tmpfs_fill(sb, data, NULL);
}

const struct fs_type tmpfs_type = {"tmpfs", tmpfs_mount, 1};

/* ---- backed instances (tmpfs.h) ------------------------------------------------------------ */

int tmpfs_fill_super(struct super_block *sb, const char *data, const struct tmpfs_backing_ops *bops)
{
    return tmpfs_fill(sb, data, bops);
}

int tmpfs_is(const struct super_block *sb)
{
    return sb->type == &tmpfs_type || sb->type == &alcovefs_type;
}

void **tmpfs_bpriv(struct inode *i)
{
    return &((struct tmpfs_inode *)i->priv)->bpriv;
}

void **tmpfs_sb_bpriv(struct super_block *sb)
{
    return &sbi(sb)->bpriv;
}

int tmpfs_new_inode(struct super_block *sb, uint32_t mode, struct inode **out)
{
    int r = new_inode(sb, NULL, mode, out);
    if (r == 0) {
        (*out)->mode = mode;
        (*out)->uid = (*out)->gid = 0;
    }
    return r;
}

void tmpfs_set_target(struct inode *i, char *target)
{
    struct tmpfs_inode *ti = i->priv;
    kfree(ti->target);
    ti->target = target;
}

const char *tmpfs_target(const struct inode *i)
{
    return ((const struct tmpfs_inode *)i->priv)->target;
}

int tmpfs_fill_page(struct inode *i, uint64_t p, const void *buf, size_t n)
{
    struct tmpfs_inode *ti = i->priv;
    int r = mem_get(ti);
    if (r == 0)
        r = chunks_alloc(ti, p, p);
    if (r < 0)
        return r;
    long w = pal_mem_write(ti->mem, buf, n, p * TPAGE);
    if (w != (long)n)
        return w < 0 ? (int)w : -EIO;
    sbi(i->sb)->used_pages += pages_op(ti, p, p, PG_SET);
    blocks_update(i);
    return 0;
}

int tmpfs_fill_pages(struct inode *i, uint64_t p, const void *buf, uint64_t n)
{
    struct tmpfs_inode *ti = i->priv;
    int r = n ? mem_get(ti) : 0;
    if (r == 0 && n)
        r = chunks_alloc(ti, p, p + n - 1);
    if (r < 0 || !n)
        return r;
    long w = pal_mem_write(ti->mem, buf, n * TPAGE, p * TPAGE);
    if (w != (long)(n * TPAGE))
        return w < 0 ? (int)w : -EIO;
    sbi(i->sb)->used_pages += pages_op(ti, p, p + n - 1, PG_SET);
    blocks_update(i);
    return 0;
}

int tmpfs_read_pages(const struct inode *i, uint64_t p, void *buf, uint64_t n)
{
    const struct tmpfs_inode *ti = i->priv;
    if (!ti->has_mem) {
        al_memset(buf, 0, n * TPAGE);
        return 0;
    }
    long r = pal_mem_read(ti->mem, buf, n * TPAGE, p * TPAGE);
    return r == (long)(n * TPAGE) ? 0 : (r < 0 ? (int)r : -EIO);
}

int tmpfs_page_present(const struct inode *i, uint64_t p)
{
    return page_set(i->priv, p);
}

uint64_t tmpfs_page_find(const struct inode *i, uint64_t p, uint64_t last, int want)
{
    return page_find(i->priv, p, last, want);
}

int tmpfs_read_page(const struct inode *i, uint64_t p, void *buf)
{
    const struct tmpfs_inode *ti = i->priv;
    if (!ti->has_mem) {
        al_memset(buf, 0, TPAGE);
        return 0;
    }
    long r = pal_mem_read(ti->mem, buf, TPAGE, p * TPAGE);
    return r == (long)TPAGE ? 0 : (r < 0 ? (int)r : -EIO);
}

void tmpfs_space(const struct super_block *sb, uint64_t *used, uint64_t *max)
{
    *used = sbi(sb)->used_pages;
    *max = sbi(sb)->max_pages;
}

void tmpfs_inode_space(const struct super_block *sb, uint64_t *used, uint64_t *max)
{
    *used = sbi(sb)->used_inodes;
    *max = sbi(sb)->max_inodes;
}

void tmpfs_charge_extra(struct super_block *sb, int64_t delta)
{
    struct tmpfs_sb *ts = sbi(sb);
    if (delta < 0 && (uint64_t)-delta > ts->used_pages)
        ts->used_pages = 0;
    else
        ts->used_pages += (uint64_t)delta;
}

void tmpfs_set_limits(struct super_block *sb, uint64_t max_pages, uint64_t max_inodes)
{
    sbi(sb)->max_pages = max_pages;
    sbi(sb)->max_inodes = max_inodes;
}

void tmpfs_evict_inode(struct inode *i)
{
    tmpfs_evict(i);
}

void tmpfs_free_super(struct super_block *sb)
{
    tmpfs_put_super(sb);
}

int tmpfs_statfs_words(struct dentry *d, uint64_t out[15])
{
    return tmpfs_statfs(d, out);
}

/* ---- memfd_create(2) ------------------------------------------------------------------------
 * An unnamed file of the internal tmpfs instance kernel->memfd_mnt (made at the first call,
 * default size limit), opened O_RDWR; /proc/PID/fd shows "/memfd:NAME (deleted)".  Flags as
 * Linux checks them; the name is at most 249 bytes.  Sealing (F_ADD_SEALS) is not offered:
 * MFD_ALLOW_SEALING is accepted and means nothing. */
#define MFD_CLOEXEC 1u
#define MFD_ALLOW_SEALING 2u
#define MFD_HUGETLB 4u
#define MFD_NOEXEC_SEAL 8u
#define MFD_EXEC 0x10u
#define MFD_NAME_MAX 249
SYS(memfd_create)
{
    unsigned flags = (unsigned)a1;
    char name[MFD_NAME_MAX + 1];
    if (flags & MFD_HUGETLB) {
        if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL |
                      MFD_EXEC | (0x3fu << 26)))
            return -EINVAL;
    } else if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) {
        return -EINVAL;
    }
    if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL))
        return -EINVAL;
    long n = strncpy_from_user(name, (uint64_t)a0, sizeof(name));
    if (n == -EFAULT)
        return n;
    if (n < 0)
        return -EINVAL; /* longer than MFD_NAME_MAX */
    if (flags & MFD_HUGETLB)
        return -EINVAL; /* the enclave has no huge pages to back it */
    if (!kernel->memfd_mnt && !(kernel->memfd_mnt = vfs_kern_mount(&tmpfs_type, NULL)))
        return -ENOMEM;
    struct vfsmount *m = kernel->memfd_mnt;
    struct inode *i;
    /* Linux makes memfds 0777 (0666 with MFD_NOEXEC_SEAL), owned by the caller. */
    int r = tmpfs_anon_inode(m->sb, S_IFREG | ((flags & MFD_NOEXEC_SEAL) ? 0666 : 0777), &i);
    if (r < 0)
        return r;
    char label[MFD_NAME_MAX + 8];
    al_snprintf(label, sizeof(label), "memfd:%s", name);
    struct dentry *d = d_alloc_anon(m->sb, label, i);
    if (!d)
        return -ENOMEM;
    struct path p = {m, d};
    struct file *f;
    r = vfs_open_path(&p, O_RDWR | O_LARGEFILE, &f);
    dput(d); /* the file holds it now (or it goes, with the inode) */
    if (r < 0)
        return r;
    r = fd_install(f, (flags & MFD_CLOEXEC) != 0, 0);
    if (r < 0)
        file_put(f);
    return r;
}
