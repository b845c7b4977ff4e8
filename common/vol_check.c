/*
 * vol_check.c - vol_check: an independent walk of the committed tree, from the host file
 * (not the cache): every reachable block is read and authenticated against its parent's
 * pointer, no block may be reachable twice, and the bitmaps on disk must say exactly
 * what the walk found.  Uncommitted changes are not looked at (check a volume just
 * opened, as `alcove volume check` does).
 */
#include "vol_int.h"

#include <stdarg.h>

#define MAX_LOGGED 1000   /* lines; the count goes on */

struct chk {
    struct vol *v;
    uint64_t *seen, *dbb;        /* N bits: reached by the walk; the block bitmap on disk */
    uint64_t *dib, *live, *refd, *linked;  /* inode_cap bits */
    uint64_t problems, inodes, cnt;
    uint8_t *dirbuf;
    uint64_t dirsize, dirino;
};

static void problem(struct chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct chk *c, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    if (c->problems++ < MAX_LOGGED) {
        va_start(ap, fmt);
        al_vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        vi_vlog(c->v, "volume check: %s", line);
    } else if (c->problems == MAX_LOGGED + 1) {
        vi_vlog(c->v, "volume check: more problems (not listed)");
    }
}

static const char *kname(int kind)
{
    switch (kind) {
    case K_FILE: return "file";
    case K_ITAB: return "inode-table";
    case K_IBMAP: return "inode-bitmap";
    default: return "block-bitmap";
    }
}

static void leaf(struct chk *c, int kind, uint64_t ino, uint64_t index, const uint8_t *data);

static void walk(struct chk *c, int kind, uint64_t ino, int level, uint64_t index,
                 const struct vptr *p)
{
    struct vol *v = c->v;
    char what[64];
    al_snprintf(what, sizeof(what), "%s block", kname(kind));
    if (p->blk < FIRST_FREE || p->blk >= v->N) {
        problem(c, "pointer to block %llu out of range (inode %llu, level %d)", (unsigned long long)p->blk, (unsigned long long)ino, level);
        return;
    }
    if (vi_bit_get(c->seen, p->blk)) {
        problem(c, "block %llu is used twice (second use: inode %llu, level %d)", (unsigned long long)p->blk, (unsigned long long)ino, level);
        return;
    }
    vi_bit_put(c->seen, p->blk, 1);
    uint8_t *buf = v->io.alloc(VB);
    if (!buf) {
        problem(c, "out of memory at block %llu", (unsigned long long)p->blk);
        return;
    }
    int r = vi_host_read(v, buf, 1, p->blk);
    if (r == 0) {
        vi_cbegin(v);
        r = vi_open_block(v, kind, level, ino, index, p, buf, buf);
        vi_cend(v);
    }
    if (r < 0) {
        vi_vlog(v, "volume check: %s %llu (inode %llu, level %d, index %llu) failed authentication",
             what, (unsigned long long)p->blk, (unsigned long long)ino, level,
             (unsigned long long)index);
        c->problems++;
    } else if (level == 0) {
        leaf(c, kind, ino, index, buf);
    } else {
        const struct vptr *e = (const struct vptr *)(const void *)buf;
        for (unsigned i = 0; i < FAN; i++)
            if (e[i].blk)
                walk(c, kind, ino, level - 1, index * FAN + i, &e[i]);
    }
    v->io.free(buf);
}

static int dir_entry(void *arg, const struct vol_dirent *e)
{
    struct chk *c = arg;
    if (e->ino >= c->v->csb.inode_cap || !vi_bit_get(c->dib, e->ino))
        problem(c, "directory inode %llu: an entry points to free inode %llu", (unsigned long long)c->dirino, (unsigned long long)e->ino);
    else
        vi_bit_put(c->refd, e->ino, 1);
    return 0;
}

static void inode(struct chk *c, uint64_t ino, const struct vinode *rec)
{
    uint64_t cap = c->v->csb.inode_cap;
    if (ino == 0 || ino >= cap) {
        problem(c, "inode slot %llu is outside the inode range", (unsigned long long)ino);
        return;
    }
    c->inodes++;
    vi_bit_put(c->live, ino, 1);
    if (rec->nlink)
        vi_bit_put(c->linked, ino, 1);
    if (!vi_bit_get(c->dib, ino))
        problem(c, "inode %llu is in use but free in the inode bitmap", (unsigned long long)ino);
    if (rec->depth > MAXDEPTH) {
        problem(c, "inode %llu has a tree of depth %u", (unsigned long long)ino, rec->depth);
        return;
    }
    int isdir = (rec->mode & S_IFMT_) == S_IFDIR_;
    c->cnt = 0;
    c->dirbuf = NULL;
    if (isdir) {
        if (rec->size < 0 || (uint64_t)rec->size > (64ull << 20))
            problem(c, "directory inode %llu has a bad size %lld", (unsigned long long)ino, (long long)rec->size);
        else if (rec->size > 0 && (c->dirbuf = c->v->io.alloc((size_t)rec->size)))
            al_memset(c->dirbuf, 0, (size_t)rec->size);
        c->dirsize = (uint64_t)rec->size;
        c->dirino = ino;
    }
    if (rec->depth)
        walk(c, K_FILE, ino, (int)rec->depth, 0, &rec->root);
    if (c->cnt != rec->blocks)
        problem(c, "inode %llu says %llu data blocks, its tree has %llu", (unsigned long long)ino, (unsigned long long)rec->blocks,
                (unsigned long long)c->cnt);
    if (c->dirbuf) {
        if (vol_dir_decode(c->dirbuf, c->dirsize, dir_entry, c) < 0)
            problem(c, "directory inode %llu is malformed", (unsigned long long)ino);
        c->v->io.free(c->dirbuf);
        c->dirbuf = NULL;
    }
}

static void leaf(struct chk *c, int kind, uint64_t ino, uint64_t index, const uint8_t *data)
{
    struct vol *v = c->v;
    (void)ino;
    if (kind == K_FILE) {
        c->cnt++;
        if (c->dirbuf && index * VB < c->dirsize) {
            uint64_t n = c->dirsize - index * VB;
            al_memcpy(c->dirbuf + index * VB, data, n < VB ? n : VB);
        }
    } else if (kind == K_BBMAP || kind == K_IBMAP) {
        uint64_t nchunks = kind == K_BBMAP ? v->nbb : v->nib;
        if (index >= nchunks)
            problem(c, "%s chunk %llu beyond the bitmap", kname(kind), (unsigned long long)index);
        else
            al_memcpy((uint8_t *)(kind == K_BBMAP ? c->dbb : c->dib) + index * VB, data, VB);
    } else if (kind == K_ITAB) {
        for (unsigned i = 0; i < INO_PER_BLOCK; i++) {
            struct vinode rec;
            al_memcpy(&rec, data + i * INO_SIZE, sizeof(rec));
            if (rec.mode)
                inode(c, index * INO_PER_BLOCK + i, &rec);
        }
    }
}

static uint64_t *bits(struct vol *v, uint64_t n)
{
    uint64_t bytes = (n + BITS_PER_CHUNK - 1) / BITS_PER_CHUNK * VB;
    uint64_t *p = v->io.alloc(bytes);
    if (p)
        al_memset(p, 0, bytes);
    return p;
}

int vol_check(struct vol *v, uint64_t *problems)
{
    struct chk c;
    const struct vsb *s = &v->csb;
    al_memset(&c, 0, sizeof(c));
    c.v = v;
    c.seen = bits(v, v->N);
    c.dbb = bits(v, v->N);
    c.dib = bits(v, s->inode_cap);
    c.live = bits(v, s->inode_cap);
    c.refd = bits(v, s->inode_cap);
    c.linked = bits(v, s->inode_cap);
    int r = -ENOMEM;
    if (!c.seen || !c.dbb || !c.dib || !c.live || !c.refd || !c.linked)
        goto out;
    for (uint64_t b = 0; b < FIRST_FREE; b++)
        vi_bit_put(c.seen, b, 1);
    /* bitmaps first: the inode walk checks against the inode bitmap */
    if (!s->bbmap_depth || !s->ibmap_depth)
        problem(&c, "a bitmap tree is missing");
    if (s->bbmap_depth)
        walk(&c, K_BBMAP, 0, (int)s->bbmap_depth, 0, &s->bbmap);
    if (s->ibmap_depth)
        walk(&c, K_IBMAP, 0, (int)s->ibmap_depth, 0, &s->ibmap);
    if (s->itab_depth)
        walk(&c, K_ITAB, 0, (int)s->itab_depth, 0, &s->itab);
    if (!vi_bit_get(c.live, s->root_ino))
        problem(&c, "the root directory (inode %llu) is missing", (unsigned long long)s->root_ino);
    vi_bit_put(c.refd, s->root_ino, 1);
    for (uint64_t i = 1; i < s->inode_cap; i++) {
        int l = vi_bit_get(c.live, i), d = vi_bit_get(c.dib, i);
        if (d && !l)
            problem(&c, "inode %llu is marked in use but has no record", (unsigned long long)i);
        if (l && vi_bit_get(c.linked, i) && !vi_bit_get(c.refd, i))
            problem(&c, "inode %llu has links but is in no directory", (unsigned long long)i);
    }
    if (c.inodes != s->inodes)
        problem(&c, "the superblock counts %llu inodes, the table holds %llu", (unsigned long long)s->inodes,
                (unsigned long long)c.inodes);
    uint64_t used = 0;
    for (uint64_t b = 0; b < v->N; b++) {
        int a = vi_bit_get(c.seen, b), m = vi_bit_get(c.dbb, b);
        used += (uint64_t)m;
        if (a && !m)
            problem(&c, "block %llu is in use but marked free", (unsigned long long)b);
        else if (m && !a)
            problem(&c, "block %llu is marked in use but nothing reaches it", (unsigned long long)b);
    }
    if (used != s->used_blocks)
        problem(&c, "the superblock counts %llu used blocks, the bitmap %llu",
                (unsigned long long)s->used_blocks, (unsigned long long)used);
    r = c.problems ? -EIO : 0;
out:
    if (problems)
        *problems = c.problems;
    void (*fr)(void *) = v->io.free;
    if (c.seen) fr(c.seen);
    if (c.dbb) fr(c.dbb);
    if (c.dib) fr(c.dib);
    if (c.live) fr(c.live);
    if (c.refd) fr(c.refd);
    if (c.linked) fr(c.linked);
    return r;
}
