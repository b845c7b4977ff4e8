/*
 * vol_core.c - the volume's machinery: host i/o, the node cache, block allocation and
 * the generic copy-on-write radix tree (see vol_int.h for the in-memory model).
 *
 * The invariants everything here keeps:
 *  - a dirty node's parent is dirty (up to the superblock), and its entry for the child
 *    is PENDING or stale: readers always look in the cache first, so a dirty node is
 *    found there, and a clean node's pointer in its parent is exact;
 *  - a block the last durable superblock may reach is never written: it is either in
 *    use by a clean node or data pointer, or in the hold set until the next commit;
 *  - v->need counts the dirty nodes (bitmaps aside) that still need a block, so that
 *    the commit's allocations can be kept back from data writes (vi_space_ok).
 */
#include "vol_int.h"

#include <stdarg.h>

/* ---- logging ------------------------------------------------------------------------ */

void vi_vlog_io(const struct vol_io *io, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    if (!io->log)
        return;
    va_start(ap, fmt);
    al_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    io->log(io->ctx, line);
}

void vi_vlog(struct vol *v, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    if (!v->io.log)
        return;
    va_start(ap, fmt);
    al_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    v->io.log(v->io.ctx, line);
}

/* ---- host i/o ----------------------------------------------------------------------- */

int vi_host_read(struct vol *v, void *buf, uint64_t nblocks, uint64_t blk)
{
    long r = v->io.read(v->io.ctx, buf, nblocks * VB, blk * VB);
    if (r == (long)(nblocks * VB))
        return 0;
    return r < 0 ? (int)r : -EIO;
}

int vi_host_write(struct vol *v, const void *buf, uint64_t nblocks, uint64_t blk)
{
    long r = v->io.write(v->io.ctx, buf, nblocks * VB, blk * VB);
    if (r == (long)(nblocks * VB))
        return 0;
    return r < 0 ? (int)r : -EIO;
}

/* ---- node cache --------------------------------------------------------------------- */

static uint64_t hkey(int kind, uint64_t ino, int level, uint64_t index)
{
    uint64_t h = (uint64_t)kind * 0x9e3779b97f4a7c15ull ^ ino * 0xc2b2ae3d27d4eb4full ^
                 (uint64_t)level * 0x165667b19e3779f9ull ^ index * 0xff51afd7ed558ccdull;
    return h ^ (h >> 29);
}

int vi_cache_init(struct vol *v)
{
    v->hsize = 1024;
    v->ht = v->io.alloc(v->hsize * sizeof(*v->ht));
    if (!v->ht)
        return -ENOMEM;
    al_memset(v->ht, 0, v->hsize * sizeof(*v->ht));
    if (!v->cache_limit)
        v->cache_limit = DEFAULT_CACHE;
    return 0;
}

void vi_cache_free(struct vol *v)
{
    if (!v->ht)
        return;
    for (uint64_t i = 0; i < v->hsize; i++) {
        struct vnode *n = v->ht[i], *nx;
        for (; n; n = nx) {
            nx = n->hnext;
            vi_wipe(n->data, VB);
            v->io.free(n);
        }
    }
    v->io.free(v->ht);
    v->ht = NULL;
}

struct vnode *vi_node_find(struct vol *v, int kind, uint64_t ino, int level, uint64_t index)
{
    struct vnode *n = v->ht[hkey(kind, ino, level, index) & (v->hsize - 1)];
    for (; n; n = n->hnext)
        if (n->index == index && n->ino == ino && n->level == level && n->kind == kind)
            return n;
    return NULL;
}

static void cache_grow(struct vol *v)
{
    uint64_t ns = v->hsize * 2;
    struct vnode **nt = v->io.alloc(ns * sizeof(*nt));
    if (!nt)
        return;  /* longer chains, still correct */
    al_memset(nt, 0, ns * sizeof(*nt));
    for (uint64_t i = 0; i < v->hsize; i++) {
        struct vnode *n = v->ht[i], *nx;
        for (; n; n = nx) {
            nx = n->hnext;
            uint64_t h = hkey(n->kind, n->ino, n->level, n->index) & (ns - 1);
            n->hnext = nt[h];
            nt[h] = n;
        }
    }
    v->io.free(v->ht);
    v->ht = nt;
    v->hsize = ns;
}

static void node_insert(struct vol *v, struct vnode *n)
{
    if (v->nnodes >= v->hsize * 2)
        cache_grow(v);
    uint64_t h = hkey(n->kind, n->ino, n->level, n->index) & (v->hsize - 1);
    n->hnext = v->ht[h];
    v->ht[h] = n;
    v->nnodes++;
}

static int is_bitmap(int kind)
{
    return kind == K_IBMAP || kind == K_BBMAP;
}

/* Remove n from the cache and free it (its block, if any, is the caller's business). */
void vi_node_drop(struct vol *v, struct vnode *n)
{
    struct vnode **pp = &v->ht[hkey(n->kind, n->ino, n->level, n->index) & (v->hsize - 1)];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
    v->nnodes--;
    if (n->dirty && !n->pin)
        v->ndirty--;
    if (n->dirty && !n->blk && !is_bitmap(n->kind))
        v->need--;
    vi_wipe(n->data, VB);
    v->io.free(n);
}

/* Evict clean, unpinned nodes when over the bound (second-chance sweep).  Called at the
 * start of API calls only, so no caller holds a node pointer across it. */
void vi_cache_trim(struct vol *v)
{
    uint64_t pinned = v->nbb + v->nib;  /* bitmap chunks; their few inner nodes are noise */
    if (v->nnodes <= v->ndirty + pinned + v->cache_limit)
        return;
    uint64_t target = v->ndirty + pinned + v->cache_limit * 3 / 4;
    for (uint64_t pass = 0; pass < 2 * v->hsize && v->nnodes > target; pass++) {
        uint64_t b = v->sweep++ & (v->hsize - 1);
        struct vnode **pp = &v->ht[b];
        while (*pp) {
            struct vnode *n = *pp;
            if (n->dirty || n->pin) {
                pp = &n->hnext;
            } else if (n->ref) {
                n->ref = 0;
                pp = &n->hnext;
            } else {
                *pp = n->hnext;
                v->nnodes--;
                vi_wipe(n->data, VB);
                v->io.free(n);
            }
        }
    }
}

static struct vnode *node_alloc(struct vol *v, int kind, uint64_t ino, int level, uint64_t index)
{
    struct vnode *n = v->io.alloc(sizeof(*n));
    if (!n)
        return NULL;
    al_memset(n, 0, sizeof(*n) - VB);
    n->kind = (uint8_t)kind;
    n->ino = ino;
    n->level = (uint8_t)level;
    n->index = index;
    n->pin = (uint8_t)is_bitmap(kind);
    n->ref = 1;
    return n;
}

/* A new, zeroed, dirty node (no block yet). */
static struct vnode *node_new(struct vol *v, int kind, uint64_t ino, int level, uint64_t index)
{
    struct vnode *n = node_alloc(v, kind, ino, level, index);
    if (!n)
        return NULL;
    al_memset(n->data, 0, VB);
    n->dirty = 1;
    if (!n->pin)
        v->ndirty++;
    if (!is_bitmap(kind))
        v->need++;
    node_insert(v, n);
    return n;
}

/* ---- bitmaps and allocation --------------------------------------------------------- */

int vi_bit_get(const uint64_t *a, uint64_t b)
{
    return (int)((a[b >> 6] >> (b & 63)) & 1);
}

void vi_bit_put(uint64_t *a, uint64_t b, int val)
{
    if (val)
        a[b >> 6] |= 1ull << (b & 63);
    else
        a[b >> 6] &= ~(1ull << (b & 63));
}

static uint64_t *chunk_words(struct vnode *n)
{
    return (uint64_t *)(void *)n->data;
}

int vi_bb_get(struct vol *v, uint64_t b)
{
    return vi_bit_get(chunk_words(v->bb[b / BITS_PER_CHUNK]), b % BITS_PER_CHUNK);
}

void vi_bb_put(struct vol *v, uint64_t b, int val)
{
    struct vnode *n = v->bb[b / BITS_PER_CHUNK];
    vi_bit_put(chunk_words(n), b % BITS_PER_CHUNK, val);
    /* A bitmap node's parents are pinned and already in memory: this cannot fail. */
    IGNORE_RESULT(vi_mark_dirty(v, n));
}

int vi_ib_get(struct vol *v, uint64_t ino)
{
    return vi_bit_get(chunk_words(v->ib[ino / BITS_PER_CHUNK]), ino % BITS_PER_CHUNK);
}

void vi_ib_put(struct vol *v, uint64_t ino, int val)
{
    struct vnode *n = v->ib[ino / BITS_PER_CHUNK];
    vi_bit_put(chunk_words(n), ino % BITS_PER_CHUNK, val);
    IGNORE_RESULT(vi_mark_dirty(v, n));
}

static int busy(struct vol *v, uint64_t b)
{
    return vi_bb_get(v, b) || vi_bit_get(v->hold, b);
}

/* Allocation is next-fit from a cursor that survives commits (blk_hint): consecutive
 * calls hand out consecutive blocks, so a file written sequentially lands contiguously
 * and its blocks go out in one host write per batch, and reads come back the same way. */
uint64_t vi_alloc_run(struct vol *v, uint64_t want, uint64_t *start)
{
    uint64_t b = v->cursor, scanned = 0;
    if (!v->nfree || !want)
        return 0;
    if (b < FIRST_FREE || b >= v->N)
        b = FIRST_FREE;
    /* the first free block from the cursor, whole busy words at a time */
    while (scanned < v->N) {
        if ((b & 63) == 0 && b + 64 <= v->N) {
            uint64_t w = chunk_words(v->bb[b / BITS_PER_CHUNK])[(b % BITS_PER_CHUNK) >> 6] |
                         v->hold[b >> 6];
            if (w == ~0ull) {
                b += 64;
                scanned += 64;
                if (b >= v->N)
                    b = FIRST_FREE;
                continue;
            }
        }
        if (!busy(v, b))
            break;
        b++;
        scanned++;
        if (b >= v->N)
            b = FIRST_FREE;
    }
    if (scanned >= v->N)
        return 0;
    uint64_t n = 0;
    *start = b;
    while (n < want && b + n < v->N && !busy(v, b + n)) {
        vi_bb_put(v, b + n, 1);
        vi_bit_put(v->fresh, b + n, 1);
        n++;
    }
    v->nfree -= n;
    v->cursor = b + n;
    return n;
}

void vi_free_block(struct vol *v, uint64_t b)
{
    if (b < FIRST_FREE || b >= v->N || !vi_bb_get(v, b))
        return;
    if (vi_bit_get(v->fresh, b)) {
        /* written in this session only: no durable tree can reach it */
        vi_bit_put(v->fresh, b, 0);
        vi_bb_put(v, b, 0);
        v->nfree++;
    } else {
        /* the last durable superblock may reach it: keep it until the next one */
        vi_bb_put(v, b, 0);
        vi_bit_put(v->hold, b, 1);
        v->nhold++;
    }
}

int vi_space_ok(struct vol *v, uint64_t extra)
{
    return v->nfree >= v->need + v->rfixed + v->slack + extra ? 0 : -ENOSPC;
}

int vi_space_ok_free(struct vol *v, uint64_t extra)
{
    return v->nfree >= v->need + v->rfixed + extra ? 0 : -ENOSPC;
}

/* ---- trees -------------------------------------------------------------------------- */

int vi_tree_root(struct vol *v, int kind, uint64_t ino, struct vptr **root, uint32_t **depth)
{
    switch (kind) {
    case K_ITAB: *root = &v->sb.itab; *depth = &v->sb.itab_depth; return 0;
    case K_IBMAP: *root = &v->sb.ibmap; *depth = &v->sb.ibmap_depth; return 0;
    case K_BBMAP: *root = &v->sb.bbmap; *depth = &v->sb.bbmap_depth; return 0;
    default: break;
    }
    struct vinode *rec;
    int r = vi_inode_rec(v, ino, 0, &rec, NULL);
    if (r < 0)
        return r;
    *root = &rec->root;
    *depth = &rec->depth;
    return 0;
}

/* The container of a tree's root pointer changed: the inode's table block, or the sb. */
static int root_dirty(struct vol *v, int kind, uint64_t ino)
{
    if (kind != K_FILE) {
        v->sb_dirty = 1;
        return 0;
    }
    struct vinode *rec;
    struct vnode *leaf;
    int r = vi_inode_rec(v, ino, 0, &rec, &leaf);
    return r < 0 ? r : vi_mark_dirty(v, leaf);
}

/* Copy-on-write starts here: a node about to change gives up its committed block (to the
 * hold set: the durable tree still needs it) and will get a new one at the commit; its
 * parent changes too (the pointer to it), and so on up to the superblock, each at most
 * once per commit. */
int vi_mark_dirty(struct vol *v, struct vnode *n)
{
    struct vptr *root;
    uint32_t *depth;
    if (n->dirty)
        return 0;
    n->dirty = 1;
    if (!n->pin)
        v->ndirty++;
    if (!is_bitmap(n->kind))
        v->need++;
    uint64_t old = n->blk;
    n->blk = 0;
    vi_free_block(v, old);
    int r = vi_tree_root(v, n->kind, n->ino, &root, &depth);
    if (r < 0)
        return r;
    if (n->level >= *depth) {
        root->blk = PENDING;
        return root_dirty(v, n->kind, n->ino);
    }
    struct vnode *p;
    r = vi_node_get(v, n->kind, n->ino, n->level + 1, n->index >> FSHIFT, 0, &p);
    if (r < 0)
        return r;
    if (!p)
        return -EIO;  /* a cached node without a parent: cannot happen */
    ((struct vptr *)(void *)p->data)[n->index & (FAN - 1)].blk = PENDING;
    return vi_mark_dirty(v, p);
}

/* Leaves a tree of depth d covers: 64^d (d <= MAXDEPTH). */
static uint64_t span(uint32_t d)
{
    return d >= MAXDEPTH ? UINT64_MAX : 1ull << (FSHIFT * d);
}

int vi_tree_grow(struct vol *v, int kind, uint64_t ino, uint64_t leaf)
{
    struct vptr *root;
    uint32_t *depth;
    int r = vi_tree_root(v, kind, ino, &root, &depth);
    if (r < 0)
        return r;
    uint32_t d = 1;
    while (d < MAXDEPTH && leaf >= span(d))
        d++;
    if (leaf >= span(d))
        return -EFBIG;
    if (*depth >= d)
        return 0;
    if (*depth == 0) {
        if (!node_new(v, kind, ino, (int)d, 0))
            return -ENOMEM;
        *depth = d;
        root->blk = PENDING;
        return root_dirty(v, kind, ino);
    }
    while (*depth < d) {
        struct vnode *n = node_new(v, kind, ino, (int)*depth + 1, 0);
        if (!n)
            return -ENOMEM;
        /* the old root becomes child 0: its pointer (or PENDING) moves down */
        al_memcpy(n->data, root, sizeof(*root));
        root->blk = PENDING;
        (*depth)++;
    }
    return root_dirty(v, kind, ino);
}

/* Nodes are found by key, not by following pointers from the root each time: a cached
 * node (dirty or clean) answers at once, and only a miss walks up to the nearest cached
 * ancestor.  A block read from the host is authenticated against its parent's pointer
 * (nonce, tag, epoch, and the block number itself in the associated data) before a byte
 * of it is used. */
int vi_node_get(struct vol *v, int kind, uint64_t ino, int level, uint64_t index, int create,
             struct vnode **out)
{
    struct vptr *root, *p;
    uint32_t *depth;
    struct vnode *n = vi_node_find(v, kind, ino, level, index), *parent = NULL;
    int r;
    *out = NULL;
    if (n) {
        n->ref = 1;
        *out = n;
        return 0;
    }
    if (create && level < (int)MAXDEPTH) {
        uint64_t leaf = index << (FSHIFT * (unsigned)level);
        if (leaf >> (FSHIFT * (unsigned)level) != index)
            return -EFBIG;
        if ((r = vi_tree_grow(v, kind, ino, leaf)) < 0)
            return r;
        if ((n = vi_node_find(v, kind, ino, level, index))) {
            *out = n;
            return 0;
        }
    }
    if ((r = vi_tree_root(v, kind, ino, &root, &depth)) < 0)
        return r;
    if ((uint32_t)level > *depth || *depth == 0)
        return 0;
    if ((index >> (FSHIFT * (*depth - (unsigned)level))) != 0)
        return 0;  /* past the tree */
    if ((uint32_t)level == *depth) {
        p = root;
    } else {
        if ((r = vi_node_get(v, kind, ino, level + 1, index >> FSHIFT, create, &parent)) < 0)
            return r;
        if (!parent)
            return 0;
        p = &((struct vptr *)(void *)parent->data)[index & (FAN - 1)];
    }
    if (p->blk == 0) {
        if (!create)
            return 0;
        if (!(n = node_new(v, kind, ino, level, index)))
            return -ENOMEM;
        p->blk = PENDING;
        *out = n;
        return parent ? vi_mark_dirty(v, parent) : root_dirty(v, kind, ino);
    }
    if (p->blk == PENDING || p->blk < FIRST_FREE || p->blk >= v->N) {
        vi_vlog(v, "volume: bad pointer to block %llu (kind %d, inode %llu, level %d, index %llu)",
             (unsigned long long)p->blk, kind, (unsigned long long)ino, level,
             (unsigned long long)index);
        return -EIO;
    }
    if (!(n = node_alloc(v, kind, ino, level, index)))
        return -ENOMEM;
    if ((r = vi_host_read(v, n->data, 1, p->blk)) < 0) {
        v->io.free(n);
        return r;
    }
    vi_cbegin(v);
    r = vi_open_block(v, kind, level, ino, index, p, n->data, n->data);
    vi_cend(v);
    if (r < 0) {
        vi_vlog(v, "volume: %s block %llu (inode %llu, level %d, index %llu) failed authentication",
             kind == K_FILE ? "file tree" : kind == K_ITAB ? "inode table" : "bitmap",
             (unsigned long long)p->blk, (unsigned long long)ino, level,
             (unsigned long long)index);
        v->io.free(n);
        return -EIO;
    }
    n->blk = p->blk;
    node_insert(v, n);
    *out = n;
    return 0;
}
