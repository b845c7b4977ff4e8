/*
 * alcovefs.c - the encrypted volume as a file system: tmpfs with a persistent, sealed
 * backing store (`alcove run --volume FILE:GUEST`, and the upper layer of an overlay root).
 *
 * Where things are:
 *  - The volume (common/vol.h): sealed 4 KiB blocks under a copy-on-write Merkle tree,
 *    inodes, directories, an atomic commit.  The file system never trusts a byte from the
 *    host file that the volume code has not authenticated.
 *  - The tree the programs see is a tmpfs instance (tmpfs.c, tmpfs.h) whose hooks point
 *    here: names are pinned dentries, attributes live in struct inode, file data in PAL
 *    memory objects, so every tmpfs semantic (open flags, rename flags, links, sparse
 *    files, locks, MAP_SHARED across fork) is the same here, and every process of the
 *    enclave sees one tree through the shared kernel state.
 *  - Mount loads the whole namespace (every directory and every inode's attributes) into
 *    pinned dentries; file data is read lazily, a whole file at its first use (read, write,
 *    mmap, truncate, ...).  A block that fails its MAC then is -EIO for that file, with one
 *    log line naming the inode and block; the rest of the volume and the enclave go on.
 *  - Changes are recorded by the hooks (dirty inodes, dirty directories, dirty pages) and
 *    written at a commit: fsync/fdatasync of any file of the volume, sync, syncfs,
 *    msync(MS_SYNC), umount and the enclave's normal end.  A commit writes everything
 *    dirty in the instance, not only the file asked about (simpler, and as durable), then
 *    switches the superblock atomically (vol_commit): after a kill at any moment the
 *    volume holds exactly the last commit.
 *
 * Limits:
 *  - the data of every file used since mount stays in enclave memory (no eviction);
 *  - a file mapped MAP_SHARED and writable is written whole at every commit (writes
 *    through mappings are not seen one by one);
 *  - mount time grows with the number of files (the namespace is loaded at once).
 *
 * Space: the instance's tmpfs size limit is what it holds plus the volume's room (data
 * blocks a write may still take before the next commit, vol_room).  Besides the pages
 * tmpfs charges, the next commit's other needs are charged too (s->extra): a fresh block
 * for every rewritten page that is on the volume (copy-on-write holds the old one until
 * the commit), the blocks of files and tails cut since the commit, directory blocks.  When
 * those near the room, a data operation commits first (pressure()), so held blocks come
 * back.  A commit that still runs out of room fails with ENOSPC, keeps everything dirty in
 * memory and may be retried; any other commit failure makes the instance read-only.
 *
 * Tampering found after mount: a block (or tree node) of a file that fails authentication
 * makes that file -EIO from then on (AF_BAD; vol.c logs the block, and a file whose
 * reachable blocks fall short of its count says so), everything else goes on.  A bad
 * directory or inode table block at mount refuses the mount ("wrong key or corrupted
 * volume").  The glue to the PAL (the volume file, the counter state files) is in
 * alcovefs_vol.c.
 *
 * Everything runs under the big core lock.  The volume's state is kmalloc'd (shared by
 * every process of the enclave) and its host file handle is inherited across fork.
 */
#include "alcovefs.h"

#define AFS_MAGIC 0x414c4346u /* "ALCF" */
#define APAGE 4096ull
#define DIRENT_BOGO 20           /* a directory's st_size per entry, as tmpfs */
#define DCHUNK 2048ull           /* pages per dirty-bitmap chunk */
#define DWORDS (DCHUNK / 64)

/* Inode flags (struct afs_inode.flags). */
#define AF_LISTED 1u   /* on the instance's dirty list */
#define AF_ATTR 2u     /* attributes to write */
#define AF_DIR 4u      /* directory entries to write */
#define AF_NEW 8u      /* not on the volume yet: every page is data to write */
#define AF_MAPPED 16u  /* mapped shared and writable: every page at every commit */
#define AF_LOADED 32u  /* data in the memory object (or nothing to load) */
#define AF_BAD 64u     /* its data failed authentication: -EIO from now on */

struct afs_inode {
    struct inode *i;
    uint64_t vino;                /* the volume's inode number, 0: none yet */
    unsigned flags;
    uint64_t precharge;           /* pages charged at mount for data not loaded yet */
    uint64_t vpages;              /* pages [0, vpages) may hold blocks on the volume */
    int64_t trunc_to;             /* cut to this size at the next commit (-1: no cut) */
    uint64_t **dchunk, ndchunks;  /* dirty pages (sparse bitmap) */
    uint64_t dmin, dmax;          /* dirty pages lie in [dmin, dmax] (when any) */
    struct dentry *dd;            /* a directory's one dentry (valid while nlink > 0), or NULL */
    struct afs_inode *dnext, *dprev;
};

static int mem_has(const void *p, int c, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (((const unsigned char *)p)[k] == (unsigned char)c)
            return 1;
    return 0;
}

static struct afs_sb *asb(const struct super_block *sb)
{
    return *tmpfs_sb_bpriv((struct super_block *)sb);
}

static struct afs_inode *ain(struct inode *i)
{
    return *tmpfs_bpriv(i);
}

uint64_t afs_vino(struct inode *i)
{
    struct afs_inode *a = i->sb->type == &alcovefs_type ? ain(i) : NULL;
    return a ? a->vino : 0;
}

/* ---- the dirty-page bitmap ------------------------------------------------------------ */

static int dbit_get(const struct afs_inode *a, uint64_t p)
{
    uint64_t c = p / DCHUNK;
    return c < a->ndchunks && a->dchunk[c] && (a->dchunk[c][(p % DCHUNK) / 64] >> (p % 64) & 1);
}

/* Bits of word w (pages base..base+63) below page lim. */
static uint64_t below(uint64_t w, uint64_t base, uint64_t lim)
{
    if (lim <= base)
        return 0;
    return lim - base >= 64 ? w : w & ((1ull << (lim - base)) - 1);
}

/* Set the bits of pages [first, last]: the number of bits newly set below a->vpages (pages
 * whose rewrite takes a fresh volume block while the old one is held until the commit),
 * or -ENOMEM (the caller falls back to "write every page"). */
static int64_t dbits_set(struct afs_inode *a, uint64_t first, uint64_t last)
{
    uint64_t need = last / DCHUNK + 1, fresh = 0;
    if (need > a->ndchunks) {
        uint64_t cap = MAX(need, a->ndchunks * 2);
        uint64_t **nc = kzalloc(cap * sizeof(*nc));
        if (!nc)
            return -ENOMEM;
        if (a->ndchunks)
            al_memcpy(nc, a->dchunk, a->ndchunks * sizeof(*nc));
        kfree(a->dchunk);
        a->dchunk = nc;
        a->ndchunks = cap;
    }
    for (uint64_t p = first; p <= last; p++) {
        uint64_t c = p / DCHUNK;
        if (!a->dchunk[c] && !(a->dchunk[c] = kzalloc(DWORDS * sizeof(uint64_t))))
            return -ENOMEM;
        uint64_t *w = &a->dchunk[c][(p % DCHUNK) / 64], base = p & ~63ull;
        uint64_t bits = (p % 64) == 0 && last - p >= 63 ? ~0ull : 1ull << (p % 64);
        fresh += (uint64_t)__builtin_popcountll(below(bits & ~*w, base, a->vpages));
        *w |= bits;
        if (bits == ~0ull)
            p += 63; /* a whole word */
    }
    int any = a->dmax >= a->dmin;
    a->dmin = any ? MIN(a->dmin, first) : first;
    a->dmax = any ? MAX(a->dmax, last) : last;
    return (int64_t)fresh;
}

static void dbits_clear(struct afs_inode *a)
{
    for (uint64_t c = 0; c < a->ndchunks; c++)
        kfree(a->dchunk[c]);
    kfree(a->dchunk);
    a->dchunk = NULL;
    a->ndchunks = 0;
    a->dmin = 1;
    a->dmax = 0; /* empty: dmax < dmin */
}

/* ---- dirty tracking (the tmpfs hooks) ---------------------------------------------------- */

static void listed(struct afs_inode *a)
{
    if (a->flags & AF_LISTED)
        return;
    struct afs_sb *s = asb(a->i->sb);
    a->flags |= AF_LISTED;
    a->dprev = NULL;
    a->dnext = s->dirty;
    if (s->dirty)
        s->dirty->dprev = a;
    s->dirty = a;
}

static void unlisted(struct afs_inode *a)
{
    if (!(a->flags & AF_LISTED))
        return;
    struct afs_sb *s = asb(a->i->sb);
    if (a->dprev)
        a->dprev->dnext = a->dnext;
    else
        s->dirty = a->dnext;
    if (a->dnext)
        a->dnext->dprev = a->dprev;
    a->dnext = a->dprev = NULL;
    a->flags &= ~AF_LISTED;
}

static int afs_init(struct inode *i)
{
    struct afs_inode *a = kzalloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    a->i = i;
    a->trunc_to = -1;
    a->dmin = 1;
    a->flags = AF_NEW | AF_ATTR | AF_LOADED;
    *tmpfs_bpriv(i) = a;
    /* The root's init runs before the instance's state exists: mount lists nothing. */
    if (*tmpfs_sb_bpriv(i->sb))
        listed(a);
    return 0;
}

/* Space the next commit needs beyond the pages tmpfs charges (s->extra, charged to the
 * instance so that writes get ENOSPC before a commit could run out of room): a fresh block
 * for each rewritten page that is on the volume (copy-on-write: the old one is held until
 * the commit), the blocks freed since the commit (held too), directory blocks. */
static void extra(struct afs_inode *a, uint64_t n)
{
    struct afs_sb *s = asb(a->i->sb);
    if (!n || !s)
        return;
    s->extra += n;
    tmpfs_charge_extra(a->i->sb, (int64_t)n);
}

/* A directory's entries as the volume encodes them, in blocks (an upper bound). */
static uint64_t dir_blocks(const struct inode *i)
{
    uint64_t entries = (uint64_t)(i->size > 0 ? i->size : 0) / DIRENT_BOGO + 1;
    return (entries * (16 + NAME_MAX_LEN) + APAGE - 1) / APAGE + 1;
}

static void afs_dirty(struct inode *i, unsigned what, uint64_t first, uint64_t last)
{
    struct afs_inode *a = ain(i);
    if (!a)
        return;
    if (what & TB_ATTR)
        a->flags |= AF_ATTR;
    if ((what & TB_DIR) && !(a->flags & AF_DIR)) {
        a->flags |= AF_DIR;
        extra(a, dir_blocks(i));
    }
    if ((what & TB_MAPPED) && !(a->flags & AF_MAPPED)) {
        a->flags |= AF_MAPPED;
        extra(a, PAGE_UP(i->size) / APAGE); /* every page is rewritten */
    }
    if (what & TB_TRUNC) {
        int64_t len = (int64_t)first;
        if (a->trunc_to < 0 || len < a->trunc_to) {
            /* Blocks past the cut are held until the commit. */
            uint64_t keep = PAGE_UP((uint64_t)len) / APAGE;
            uint64_t was = a->trunc_to < 0 ? a->vpages : PAGE_UP((uint64_t)a->trunc_to) / APAGE;
            if (was > keep)
                extra(a, was - keep);
            a->trunc_to = len;
        }
        /* The last page keeps its head only: it is data to write again. */
        if (len % (int64_t)APAGE) {
            int64_t n = dbits_set(a, (uint64_t)len / APAGE, (uint64_t)len / APAGE);
            if (n < 0)
                a->flags |= AF_MAPPED;
            else
                extra(a, (uint64_t)n);
        }
    }
    if (what & (TB_DATA | TB_PUNCH)) {
        /* A hole only matters where the volume may have blocks, or where we have dirt. */
        if (what & TB_PUNCH) {
            uint64_t top = MAX(a->vpages, a->dmax >= a->dmin ? a->dmax + 1 : 0);
            if (first >= top)
                goto out;
            last = MIN(last, top - 1);
        }
        if (!(a->flags & (AF_NEW | AF_MAPPED))) {
            int64_t n = dbits_set(a, first, last);
            if (n < 0)
                a->flags |= AF_MAPPED; /* no memory for the bits: write the whole file */
            else
                extra(a, (uint64_t)n);
        }
    }
out:
    a->flags |= AF_ATTR;
    listed(a);
}

static void afs_evict(struct inode *i)
{
    struct afs_inode *a = ain(i);
    if (!a)
        return;
    struct afs_sb *s = asb(i->sb);
    unlisted(a);
    if (a->precharge)
        tmpfs_charge_extra(i->sb, -(int64_t)a->precharge);
    /* Its blocks are held until the commit that frees the volume inode. */
    if (a->vino && i->nlink == 0 && s)
        extra(a, (a->flags & AF_LOADED) ? (uint64_t)i->blocks / (APAGE / 512) : a->precharge);
    /* Gone from the tree and from every file: its volume inode goes at the next commit
     * (an evicted inode with links is a name dropped from the cache: cannot happen with
     * pinned names, but then keep it). */
    if (a->vino && i->nlink == 0 && s) {
        if (s->nfreed == s->capfreed) {
            uint64_t cap = s->capfreed ? s->capfreed * 2 : 16;
            uint64_t *n = kmalloc(cap * sizeof(*n));
            if (n) {
                if (s->nfreed)
                    al_memcpy(n, s->freed, s->nfreed * sizeof(*n));
                kfree(s->freed);
                s->freed = n;
                s->capfreed = cap;
            }
        }
        if (s->nfreed < s->capfreed)
            s->freed[s->nfreed++] = a->vino; /* else leaked on the volume (out of memory) */
    }
    dbits_clear(a);
    kfree(a);
    *tmpfs_bpriv(i) = NULL;
}

/* ---- loading a file's data --------------------------------------------------------------- */

#define LOAD_RUN 64u /* blocks per vol_read_blocks call: 256 KiB */

static int afs_commit(struct afs_sb *s);

/* Write-back under space pressure: rewrites of pages on the volume take fresh blocks while
 * the old ones are held until a commit.  When what the next commit needs (s->extra) nears
 * the room it has, commit now, at the start of a data operation (a consistent point), so
 * that held blocks come back before the writes run out of them. */
static void pressure(struct afs_sb *s)
{
    /* extra_base: what the commit itself left charged (mapped files, rewritten whole at
     * every commit): committing again would not bring it back. */
    uint64_t base = MIN(s->extra_base, s->extra), room = s->room - MIN(s->room, base);
    if (s->rw && !s->failed && !s->committing && s->extra > base && s->extra - base >= room / 2)
        IGNORE(afs_commit(s));
}

static int afs_load(struct inode *i)
{
    struct afs_inode *a = ain(i);
    if (a && (a->flags & AF_LOADED))
        pressure(asb(i->sb));
    if (!a || (a->flags & AF_LOADED))
        return 0;
    if (a->flags & AF_BAD)
        return -EIO;
    struct afs_sb *s = asb(i->sb);
    uint8_t *buf = kmalloc(LOAD_RUN * APAGE);
    if (!buf)
        return -ENOMEM;
    int r = 0;
    uint64_t got = 0;
    /* One bracket for the whole file (vol.c's own brackets nest inside it). */
    uint64_t t = pal_crypto_begin();
    int64_t b = vol_next_block(s->vol, a->vino, 0);
    while (b >= 0 && r == 0) {
        /* A run of consecutive data blocks, read and decrypted in one call; holes are
         * skipped (they stay unallocated pages, so st_blocks and SEEK_HOLE survive). */
        uint64_t n = 1;
        int64_t nb = vol_next_block(s->vol, a->vino, (uint64_t)b + 1);
        while (n < LOAD_RUN && nb == b + (int64_t)n) {
            n++;
            nb = vol_next_block(s->vol, a->vino, (uint64_t)b + n);
        }
        r = vol_read_blocks(s->vol, a->vino, (uint64_t)b, n, buf);
        if (r < 0)
            break; /* vol.c logged the block that failed */
        for (uint64_t k = 0; k < n; k++) {
            uint8_t *pg = buf + k * APAGE;
            int64_t at = (int64_t)(((uint64_t)b + k) * APAGE);
            /* Bytes past the end read as zeros (tmpfs's invariant), whatever the block
             * holds (pages past the end exist after fallocate(KEEP_SIZE)). */
            if (at >= i->size)
                al_memset(pg, 0, APAGE);
            else if (at + (int64_t)APAGE > i->size)
                al_memset(pg + (i->size - at), 0, (size_t)(at + (int64_t)APAGE - i->size));
        }
        r = tmpfs_fill_pages(i, (uint64_t)b, buf, n); /* the run in one host call */
        a->vpages = MAX(a->vpages, (uint64_t)b + n);
        got += n;
        b = nb;
    }
    /* vol_next_block says "no more" for a tree node that failed authentication too (vol.c
     * logged it): a file must yield every data block its inode counts, or it is bad. */
    if (r == 0 && got != a->precharge) {
        kprintf("%s: inode %lu: %lu of its %lu data blocks are reachable: reads give EIO",
                s->source, (unsigned long)a->vino, (unsigned long)got,
                (unsigned long)a->precharge);
        r = -EIO;
    }
    pal_crypto_end(t);
    kfree(buf);
    if (r < 0) {
        if (r == -EIO || r == -EINVAL) {
            /* Unreadable from now on; everything else in the volume goes on. */
            a->flags |= AF_BAD;
            r = -EIO;
        }
        return r;
    }
    tmpfs_charge_extra(i->sb, -(int64_t)a->precharge);
    a->precharge = 0;
    a->flags |= AF_LOADED;
    return 0;
}

/* ---- commit ------------------------------------------------------------------------------ */

static void attr_from(const struct inode *i, struct vol_attr *v)
{
    al_memset(v, 0, sizeof(*v));
    v->mode = i->mode, v->uid = i->uid, v->gid = i->gid;
    v->nlink = i->nlink, v->rdev = i->rdev, v->size = i->size;
    v->atime_sec = i->atime_sec, v->atime_nsec = i->atime_nsec;
    v->mtime_sec = i->mtime_sec, v->mtime_nsec = i->mtime_nsec;
    v->ctime_sec = i->ctime_sec, v->ctime_nsec = i->ctime_nsec;
}

/* Pages go to the volume in runs of consecutive blocks (one vol_write_blocks call seals
 * and writes a run in batches). */
#define WB_PAGES 64u
struct wbatch {
    uint64_t vino, first, n;
    uint64_t nread;               /* pages [first, first+nread) still to read from i */
    struct inode *i;
    uint8_t *buf;                 /* WB_PAGES pages */
};

/* Read the allocated pages queued so far in one host call. */
static int wb_read(struct wbatch *w)
{
    if (!w->nread)
        return 0;
    uint64_t at = w->n - w->nread;
    int r = tmpfs_read_pages(w->i, w->first + at, w->buf + at * APAGE, w->nread);
    w->nread = 0;
    return r;
}

static int wb_flush(struct afs_sb *s, struct wbatch *w)
{
    int r = wb_read(w);
    if (r == 0 && w->n)
        r = vol_write_blocks(s->vol, w->vino, w->first, w->n, w->buf);
    w->n = 0;
    return r;
}

/* One page of a dirty file: its data if allocated (or, for a mapped file, not all zeros),
 * else a hole where the volume may have a block. */
static int commit_page(struct afs_sb *s, struct afs_inode *a, uint64_t p, struct wbatch *w)
{
    struct inode *i = a->i;
    int r, present = tmpfs_page_present(i, p);
    if (w->n && (w->vino != a->vino || p != w->first + w->n || w->n == WB_PAGES) &&
        (r = wb_flush(s, w)) < 0)
        return r;
    if (present && !(a->flags & AF_MAPPED)) {
        /* The common case: queue the page, read with its neighbours at the flush. */
        if (p + 1 > a->vpages)
            a->vpages = p + 1;
        if (!w->n) {
            w->vino = a->vino;
            w->first = p;
        }
        w->i = i;
        w->n++;
        w->nread++;
        return 0;
    }
    if (present || (a->flags & AF_MAPPED)) {
        if ((r = wb_read(w)) < 0)
            return r;
        uint8_t *buf = w->buf + w->n * APAGE;
        r = tmpfs_read_page(i, p, buf);
        if (r < 0)
            return r;
        if (!present) {
            int zero = 1;
            for (size_t k = 0; k < APAGE / 8 && zero; k++)
                zero = ((const uint64_t *)buf)[k] == 0;
            present = !zero;
        }
        if (present) {
            /* Past the end nothing but zeros goes to the volume (a mapping may have
             * written there). */
            int64_t at = (int64_t)(p * APAGE);
            if (at + (int64_t)APAGE > i->size && at < i->size && (a->flags & AF_MAPPED))
                al_memset(buf + (i->size - at), 0, (size_t)(at + (int64_t)APAGE - i->size));
            if (p + 1 > a->vpages)
                a->vpages = p + 1;
            if (!w->n) {
                w->vino = a->vino;
                w->first = p;
            }
            w->n++;
            return 0;
        }
    }
    if ((r = wb_flush(s, w)) < 0)
        return r;
    if (p < a->vpages)
        return vol_punch_block(s->vol, a->vino, p);
    return 0;
}

static int commit_inode(struct afs_sb *s, struct afs_inode *a, struct wbatch *w)
{
    struct inode *i = a->i;
    int r = 0;
    if (S_ISREG(i->mode) && (a->flags & AF_LOADED)) {
        if (a->trunc_to >= 0) {
            r = vol_truncate(s->vol, a->vino, a->trunc_to);
            if (r < 0)
                return r;
            a->vpages = MIN(a->vpages, PAGE_UP((uint64_t)a->trunc_to) / APAGE);
        }
        if (a->flags & (AF_NEW | AF_MAPPED)) {
            /* Every page: the allocated ones, and (mapped) every page below the end. */
            uint64_t top = MAX(PAGE_UP((uint64_t)i->size) / APAGE, a->vpages);
            uint64_t last = top ? top - 1 : 0;
            for (uint64_t p = 0; r == 0 && top && p <= last;) {
                if (!(a->flags & AF_MAPPED) && !tmpfs_page_present(i, p)) {
                    p = tmpfs_page_find(i, p, last, 1);
                    continue;
                }
                r = commit_page(s, a, p, w);
                p++;
            }
            /* fallocate(KEEP_SIZE) pages past the end */
            for (uint64_t p = tmpfs_page_find(i, top, ~0ull >> 13, 1); r == 0 && p <= (~0ull >> 13);
                 p = tmpfs_page_find(i, p + 1, ~0ull >> 13, 1))
                r = commit_page(s, a, p, w);
        } else if (a->dmax >= a->dmin) {
            for (uint64_t p = a->dmin; r == 0 && p <= a->dmax; p++) {
                uint64_t c = p / DCHUNK;
                if (c >= a->ndchunks || !a->dchunk[c]) {
                    p = (c + 1) * DCHUNK - 1;
                    continue;
                }
                if (dbit_get(a, p))
                    r = commit_page(s, a, p, w);
            }
        }
        if (r == 0)
            r = wb_flush(s, w);
        if (r < 0)
            return r;
    } else if (S_ISLNK(i->mode) && (a->flags & AF_NEW)) {
        const char *t = tmpfs_target(i);
        size_t n = t ? al_strlen(t) : 0;
        al_memset(w->buf, 0, APAGE);
        al_memcpy(w->buf, t, MIN(n, APAGE));
        r = vol_write_block(s->vol, a->vino, 0, w->buf);
        if (r < 0)
            return r;
    }
    if (S_ISDIR(i->mode) && (a->flags & (AF_DIR | AF_NEW)) && a->dd) {
        r = vg_dir_store(s, a->vino, a->dd);
        if (r < 0)
            return r;
    }
    struct vol_attr v;
    attr_from(i, &v);
    if (S_ISDIR(i->mode)) {
        /* A directory's size on the volume is its encoded entries' length (vol_dir_write
         * set it); the size programs see is tmpfs's 20 bytes per entry. */
        struct vol_attr cur;
        r = vol_getattr(s->vol, a->vino, &cur);
        if (r < 0)
            return r;
        v.size = cur.size;
    }
    return vol_setattr(s->vol, a->vino, &v);
}

/* Directories learn their dentry here: every directory below d that has none (new ones). */
static void find_dir_dentries(struct dentry *root)
{
    struct dentry *d = root;
    while (d) {
        struct afs_inode *a = d->inode ? ain(d->inode) : NULL;
        if (a && S_ISDIR(d->inode->mode))
            a->dd = d;
        /* depth first over positive hashed directory children */
        struct dentry *next = NULL;
        for (struct dentry *c = d->child_first; c; c = c->sib_next)
            if (c->inode && (c->flags & D_HASHED) && S_ISDIR(c->inode->mode)) {
                next = c;
                break;
            }
        while (!next && d != root) {
            for (struct dentry *c = d->sib_next; c; c = c->sib_next)
                if (c->inode && (c->flags & D_HASHED) && S_ISDIR(c->inode->mode)) {
                    next = c;
                    break;
                }
            if (!next)
                d = d->parent;
        }
        d = next;
    }
}

/* The instance's size limit: what it holds now plus what the volume can still take
 * before the next commit (s->extra is part of "what it holds"). */
static void afs_limits(struct afs_sb *s)
{
    uint64_t used, max;
    tmpfs_space(s->sb, &used, &max);
    s->room = vol_room(s->vol);
    tmpfs_set_limits(s->sb, used + s->room, 0);
}

/* Write everything dirty, then switch the superblock.  0 or -errno (then the instance
 * turns read-only: what the volume holds is still the previous commit). */
static int afs_commit(struct afs_sb *s)
{
    if (!s->rw || !s->vol)
        return 0; /* read-only, or a mount that failed half-way */
    if (s->failed)
        return -EIO;
    if (!s->dirty && !s->nfreed)
        return 0;
    struct wbatch w = {0, 0, 0, 0, NULL, kmalloc(WB_PAGES * APAGE)};
    if (!w.buf)
        return -ENOMEM;
    int r = 0, need_dirs = 0;
    s->committing = 1;
    uint64_t t = pal_crypto_begin();
    /* Unlinked files still open leave the volume now (their data comes into memory first):
     * a crash then leaves no orphan behind.  New inodes get their volume numbers before
     * any directory that names them is written. */
    for (struct afs_inode *a = s->dirty; a && r == 0; a = a->dnext) {
        struct inode *i = a->i;
        if (i->nlink == 0) {
            if (a->vino) {
                /* An open file keeps its data in memory once its volume inode is gone;
                 * one whose data failed authentication has nothing to keep. */
                r = afs_load(i);
                if (r == -EIO)
                    r = 0;
                if (r == 0)
                    r = vol_free(s->vol, a->vino);
                if (r == 0) {
                    a->vino = 0;
                    a->vpages = 0;
                    a->flags |= AF_NEW;
                }
            }
            continue;
        }
        if (!a->vino) {
            r = vol_alloc(s->vol, i->mode, &a->vino);
            a->flags |= AF_NEW | AF_ATTR;
        }
        if (S_ISDIR(i->mode) && !a->dd)
            need_dirs = 1;
    }
    if (r == 0 && need_dirs)
        find_dir_dentries(s->sb->root);
    for (struct afs_inode *a = s->dirty; a && r == 0; a = a->dnext)
        if (a->i->nlink > 0 && a->vino)
            r = commit_inode(s, a, &w);
    /* From the end, so that a failed commit retried later frees each inode once. */
    while (r == 0 && s->nfreed) {
        r = vol_free(s->vol, s->freed[s->nfreed - 1]);
        if (r == 0)
            s->nfreed--;
    }
    if (r == 0)
        r = vol_commit(s->vol);
    pal_crypto_end(t);
    kfree(w.buf);
    s->committing = 0;
    if (r == -ENOSPC || r == -ENOMEM) {
        /* Nothing is lost: the volume keeps its last commit, everything stays dirty in
         * memory, and a later commit (after files are removed) retries all of it. */
        kprintf("%s: commit failed: %s; the volume keeps its last commit", s->source,
                r == -ENOSPC ? "the volume is full" : "out of memory");
        afs_limits(s);
        return r;
    }
    if (r < 0) {
        kprintf("%s: commit failed (error %d): the volume keeps its last commit; the file "
                "system is read-only from now on", s->source, -r);
        s->failed = 1;
        return -EIO;
    }
    s->commits++;
    struct afs_inode *l = s->dirty, *next;
    s->dirty = NULL;
    for (struct afs_inode *a = l; a; a = next) {
        next = a->dnext;
        a->flags &= ~(AF_LISTED | AF_ATTR | AF_DIR | AF_NEW);
        if (a->i->nlink == 0 && !a->vino)
            a->flags |= AF_NEW; /* an unnamed file: all of it, if linkat names it */
        a->trunc_to = -1;
        dbits_clear(a);
    }
    /* What was held is free now: the space accounting starts again from the volume. */
    tmpfs_charge_extra(s->sb, -(int64_t)s->extra);
    s->extra = 0;
    for (struct afs_inode *a = l; a; a = next) {
        next = a->dnext;
        a->dnext = a->dprev = NULL;
        if (a->flags & AF_MAPPED) {
            listed(a); /* mapped files are written at every commit */
            extra(a, PAGE_UP(a->i->size) / APAGE);
        }
    }
    s->extra_base = s->extra;
    afs_limits(s);
    return 0;
}

static int afs_fsync(struct file *f, int datasync)
{
    (void)datasync; /* data and metadata go in one commit */
    struct afs_sb *s = asb(f->loc.dentry->sb);
    return afs_commit(s);
}

static const struct tmpfs_backing_ops afs_bops = {
    .init = afs_init, .load = afs_load, .dirty = afs_dirty, .fsync = afs_fsync, .evict = afs_evict,
};

/* ---- mount: the namespace from the volume ------------------------------------------------- */

#define LMAP_BUCKETS 1024u
struct lmap_ent {
    uint64_t vino;
    struct inode *i;
    struct lmap_ent *next;
};
struct load {
    struct afs_sb *s;
    struct dentry *dir;             /* the directory being read */
    struct lmap_ent **map;          /* volume inode -> inode (hard links) */
    struct dentry **stack;          /* directories still to read */
    size_t nstack, capstack;
    uint64_t max_vino;
    int bad;                        /* what the volume holds makes no sense */
};

static struct inode *lmap_find(struct load *L, uint64_t vino)
{
    for (struct lmap_ent *e = L->map[vino % LMAP_BUCKETS]; e; e = e->next)
        if (e->vino == vino)
            return e->i;
    return NULL;
}

static int lmap_add(struct load *L, uint64_t vino, struct inode *i)
{
    struct lmap_ent *e = kmalloc(sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->vino = vino;
    e->i = i;
    e->next = L->map[vino % LMAP_BUCKETS];
    L->map[vino % LMAP_BUCKETS] = e;
    return 0;
}

static int valid_type(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFIFO: case S_IFSOCK: case S_IFCHR: case S_IFBLK:
        return 1;
    }
    return 0;
}

static void attr_to(struct inode *i, const struct vol_attr *v)
{
    i->mode = v->mode, i->uid = v->uid, i->gid = v->gid;
    i->nlink = v->nlink, i->rdev = v->rdev, i->size = v->size;
    i->atime_sec = v->atime_sec, i->atime_nsec = v->atime_nsec;
    i->mtime_sec = v->mtime_sec, i->mtime_nsec = v->mtime_nsec;
    i->ctime_sec = v->ctime_sec, i->ctime_nsec = v->ctime_nsec;
}

/* An inode read from the volume: attributes, symlink text, the data not loaded yet. */
static int load_inode(struct load *L, uint64_t vino, struct inode **out)
{
    struct afs_sb *s = L->s;
    struct vol_attr v;
    int r = vol_getattr(s->vol, vino, &v);
    if (r < 0)
        return r;
    if (!valid_type(v.mode) || v.size < 0 || v.nlink == 0 ||
        (S_ISLNK(v.mode) && (v.size <= 0 || v.size >= (int64_t)APAGE))) {
        L->bad = 1;
        return -EIO;
    }
    struct inode *i;
    r = tmpfs_new_inode(s->sb, v.mode, &i);
    if (r < 0)
        return r;
    attr_to(i, &v);
    i->ino = vino;
    if (S_ISDIR(v.mode))
        i->size = 2 * DIRENT_BOGO; /* its entries add theirs as they load */
    if (S_ISREG(v.mode))
        i->blocks = (int64_t)(v.blocks * (APAGE / 512)); /* until its data is loaded */
    struct afs_inode *a = ain(i);
    unlisted(a);
    a->vino = vino;
    a->flags = S_ISREG(v.mode) && v.blocks ? 0 : AF_LOADED;
    if (S_ISREG(v.mode)) {
        a->vpages = v.blocks ? PAGE_UP((uint64_t)v.size) / APAGE : 0; /* exact once loaded */
        a->precharge = v.blocks;
        tmpfs_charge_extra(s->sb, (int64_t)v.blocks);
    }
    if (S_ISLNK(v.mode)) {
        char *t = kmalloc(APAGE);
        r = t ? vol_read_block(s->vol, vino, 0, t) : -ENOMEM;
        if (r == 1)
            r = -EIO; /* a symlink without its text */
        if (r == 0 && mem_has(t, 0, (size_t)v.size)) {
            L->bad = 1;
            r = -EIO;
        }
        if (r < 0) {
            kfree(t);
            iput(i);
            return r;
        }
        t[v.size] = '\0';
        tmpfs_set_target(i, t);
    }
    if (vino > L->max_vino)
        L->max_vino = vino;
    *out = i;
    return 0;
}

static int load_entry(void *arg, const struct vol_dirent *e)
{
    struct load *L = arg;
    const char *name = e->name;
    size_t len = e->len;
    uint64_t vino = e->ino;
    struct dentry *dir = L->dir;
    if (len == 0 || len > NAME_MAX_LEN || mem_has(name, '/', len) || mem_has(name, 0, len) ||
        (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.') ||
        d_lookup(dir, name, len) || vino == vol_root(L->s->vol)) {
        L->bad = 1;
        return -EIO;
    }
    struct inode *i = lmap_find(L, vino);
    int r;
    if (i) {
        if (S_ISDIR(i->mode)) { /* a directory with two names */
            L->bad = 1;
            return -EIO;
        }
        iget(i);
    } else {
        r = load_inode(L, vino, &i);
        if (r == 0 && (r = lmap_add(L, vino, i)) < 0)
            iput(i);
        if (r < 0)
            return r;
    }
    struct dentry *d = d_alloc(dir, name, len);
    if (!d) {
        iput(i);
        return -ENOMEM;
    }
    d_instantiate(d, i);
    d_pin(d);
    d_add(d);
    dput(d);
    dir->inode->size += DIRENT_BOGO;
    if (S_ISDIR(i->mode)) {
        ain(i)->dd = d;
        if (L->nstack == L->capstack) {
            size_t cap = L->capstack ? L->capstack * 2 : 64;
            struct dentry **n = kmalloc(cap * sizeof(*n));
            if (!n)
                return -ENOMEM;
            if (L->nstack)
                al_memcpy(n, L->stack, L->nstack * sizeof(*n));
            kfree(L->stack);
            L->stack = n;
            L->capstack = cap;
        }
        L->stack[L->nstack++] = d;
    }
    return 0;
}

static int load_tree(struct afs_sb *s)
{
    struct load L;
    al_memset(&L, 0, sizeof(L));
    L.s = s;
    L.map = kzalloc(LMAP_BUCKETS * sizeof(*L.map));
    if (!L.map)
        return -ENOMEM;
    struct dentry *root = s->sb->root;
    struct inode *ri = root->inode;
    struct vol_attr v;
    uint64_t rv = vol_root(s->vol);
    int r = vol_getattr(s->vol, rv, &v);
    if (r == 0 && !S_ISDIR(v.mode)) {
        L.bad = 1;
        r = -EIO;
    }
    if (r == 0) {
        attr_to(ri, &v);
        ri->ino = rv;
        ri->size = 2 * DIRENT_BOGO;
        L.max_vino = rv;
        struct afs_inode *a = ain(ri);
        a->vino = rv;
        a->flags = AF_LOADED;
        a->dd = root;
        L.dir = root;
        r = vol_dir_read(s->vol, rv, load_entry, &L);
    }
    while (r == 0 && L.nstack) {
        L.dir = L.stack[--L.nstack];
        r = vol_dir_read(s->vol, ain(L.dir->inode)->vino, load_entry, &L);
    }
    for (unsigned b = 0; b < LMAP_BUCKETS; b++)
        for (struct lmap_ent *e = L.map[b], *n; e; e = n) {
            n = e->next;
            kfree(e);
        }
    kfree(L.map);
    kfree(L.stack);
    if (r == 0 && s->sb->next_ino <= L.max_vino)
        s->sb->next_ino = L.max_vino + 1;
    if (r == -EIO && L.bad)
        r = -EUCLEAN; /* authentic but inconsistent: the caller says "corrupted" */
    return r;
}

/* ---- the instance ------------------------------------------------------------------------ */

/* The volume's blocks as the size; free is what writes may still take (the tmpfs limit
 * kept at the volume's room), so df and ENOSPC agree. */
static int afs_statfs(struct dentry *d, uint64_t out[15])
{
    struct afs_sb *s = asb(d->sb);
    uint64_t used, max, iused, imax;
    struct vol_info vi;
    tmpfs_space(d->sb, &used, &max);
    tmpfs_inode_space(d->sb, &iused, &imax);
    vol_info(s->vol, &vi);
    uint64_t total = vi.total_blocks;
    out[0] = AFS_MAGIC;
    out[1] = APAGE;
    out[2] = total;
    out[3] = out[4] = max > used ? MIN(max - used, total) : 0;
    out[5] = iused + out[3]; /* as many more files as free blocks */
    out[6] = out[3];
    out[7] = d->sb->dev;
    out[8] = NAME_MAX_LEN;
    out[9] = APAGE;
    return 0;
}

static int afs_sync(struct super_block *sb)
{
    return afs_commit(asb(sb));
}

static void afs_put_super(struct super_block *sb)
{
    struct afs_sb *s = asb(sb);
    if (s) {
        IGNORE(afs_commit(s));
        vg_close(s);
        kfree(s->freed);
        kfree(s->source);
        kfree(s);
        *tmpfs_sb_bpriv(sb) = NULL;
    }
    tmpfs_free_super(sb);
}

static const struct fs_ops afs_ops = {
    .statfs = afs_statfs,
    .sync = afs_sync,
    .evict_inode = tmpfs_evict_inode,
    .put_super = afs_put_super,
};

/* Programs cannot mount a volume: the launcher opens it (as hostfs). */
static int afs_mount(struct super_block *sb, const char *data, unsigned long msflags)
{
    (void)sb, (void)data, (void)msflags;
    return -EPERM;
}

const struct fs_type alcovefs_type = {"alcovefs", afs_mount, 1};

int alcovefs_boot_sb(pal_handle_t h, const uint8_t key[32], int rw, pal_handle_t state_dir,
                     const char *source, struct super_block **out)
{
    struct super_block *sb = sb_alloc(&alcovefs_type);
    struct afs_sb *s = kzalloc(sizeof(*s));
    if (!sb || !s) {
        kprintf("%s: out of memory for the volume", source);
        return -ENOMEM;
    }
    /* No size limit yet: it is set once the volume says how much room it has. */
    int r = tmpfs_fill_super(sb, "mode=755,size=0,nr_inodes=0", &afs_bops);
    if (r < 0) {
        kprintf("%s: cannot set up the volume's file system (error %d)", source, -r);
        return r;
    }
    sb->ops = &afs_ops;
    s->sb = sb;
    s->h = h;
    s->rw = rw;
    s->source = kstrdup(source);
    *tmpfs_sb_bpriv(sb) = s;
    r = vg_open(s, key, state_dir); /* logs its one line */
    if (r < 0)
        return r;
    r = load_tree(s);
    if (r < 0) {
        if (r == -EUCLEAN || r == -EIO)
            kprintf("%s: wrong key or corrupted volume (its file tree does not check out)", source);
        else
            kprintf("%s: cannot load the volume's file tree (error %d)", source, -r);
        return r == -EUCLEAN ? -EIO : r;
    }
    afs_limits(s);
    if (!rw)
        sb->flags |= SB_RDONLY;
    kfree(sb->source);
    kfree(sb->options);
    sb->source = kstrdup(source);
    sb->options = kstrdup("encrypted");
    *out = sb;
    return 0;
}

/* ---- write-back of every instance (sync(2), msync, the enclave's end) -------------------- */

int vfs_sync_all(void)
{
    int first = 0;
    if (!kernel->vfs)
        return 0; /* the enclave ends before its file systems were mounted */
    struct vfsmount *root = vfs_root_mnt();
    /* The root mount heads the kernel-wide list (it is attached first). */
    for (struct vfsmount *m = root; m; m = m->next) {
        struct super_block *sb = m->sb;
        int seen = 0;
        for (struct vfsmount *p = root; p != m; p = p->next)
            seen |= p->sb == sb;
        if (seen || !sb->ops || !sb->ops->sync)
            continue;
        int r = sb->ops->sync(sb);
        if (r < 0 && !first)
            first = r;
    }
    return first;
}

int vfs_syncfs(struct file *f)
{
    struct super_block *sb = f->loc.dentry ? f->loc.dentry->sb : NULL;
    if (sb && sb->ops && sb->ops->sync)
        return sb->ops->sync(sb);
    return 0;
}
