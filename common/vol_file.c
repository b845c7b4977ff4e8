/*
 * vol_file.c - inodes, file data and directories on the volume (see vol.h).
 *
 * A file's data is a radix tree of 64-pointer nodes (level 1 points at data blocks);
 * its root pointer and depth live in the inode record.  Data blocks are sealed and
 * written when vol_write_blocks is called, always into newly allocated blocks (never over
 * a block the last durable superblock may reach), contiguously when the blocks are free:
 * sequential writes become one host write per batch.
 */
#include "vol_int.h"

int vi_inode_rec(struct vol *v, uint64_t ino, int create, struct vinode **out, struct vnode **leaf)
{
    struct vnode *n;
    if (ino == 0 || ino >= v->sb.inode_cap)
        return -EINVAL;
    int r = vi_node_get(v, K_ITAB, 0, 0, ino / INO_PER_BLOCK, create, &n);
    if (r < 0)
        return r;
    if (!n)
        return -EINVAL;
    struct vinode *rec = (struct vinode *)(void *)(n->data + (ino % INO_PER_BLOCK) * INO_SIZE);
    if (!create && rec->mode == 0)
        return -EINVAL;
    *out = rec;
    if (leaf)
        *leaf = n;
    return 0;
}

/* The inode, its table block marked dirty (it is about to change). */
int vi_inode_dirty(struct vol *v, uint64_t ino, struct vinode **rec)
{
    struct vnode *leaf;
    int r = vi_inode_rec(v, ino, 0, rec, &leaf);
    if (r < 0)
        return r;
    if (!leaf->dirty && (r = vi_space_ok_free(v, v->sb.itab_depth + 1)) < 0)
        return r;
    return vi_mark_dirty(v, leaf);
}

uint64_t vol_root(const struct vol *v)
{
    return v->sb.root_ino;
}

int vol_alloc(struct vol *v, uint32_t mode, uint64_t *ino)
{
    struct vinode *rec;
    struct vnode *leaf;
    uint64_t i, cap = v->sb.inode_cap;
    int r;
    if (!v->rw)
        return -EROFS;
    if ((mode & S_IFMT_) == 0)
        return -EINVAL;
    vi_cache_trim(v);
    /* inode table path + leaf: at most depth + 2 new nodes */
    if ((r = vi_space_ok(v, v->sb.itab_depth + 2)) < 0)
        return r;
    i = v->sb.ino_hint;
    if (i == 0 || i >= cap)
        i = 1;
    uint64_t tried = 0;
    while (tried < cap && vi_ib_get(v, i)) {
        if (++i >= cap)
            i = 1;
        tried++;
    }
    if (tried >= cap)
        return -ENOSPC;
    if ((r = vi_node_get(v, K_ITAB, 0, 0, i / INO_PER_BLOCK, 1, &leaf)) < 0)
        return r;
    if ((r = vi_mark_dirty(v, leaf)) < 0)
        return r;
    rec = (struct vinode *)(void *)(leaf->data + (i % INO_PER_BLOCK) * INO_SIZE);
    al_memset(rec, 0, sizeof(*rec));
    rec->mode = mode;
    rec->nlink = 1;
    vi_ib_put(v, i, 1);
    v->sb.inodes++;
    v->sb.ino_hint = i + 1;
    v->sb_dirty = 1;
    *ino = i;
    return 0;
}

int vol_free(struct vol *v, uint64_t ino)
{
    struct vinode *rec;
    int r;
    if (!v->rw)
        return -EROFS;
    vi_cache_trim(v);
    if ((r = vi_inode_rec(v, ino, 0, &rec, NULL)) < 0)
        return r;
    if (ino == v->sb.root_ino)
        return -EBUSY;
    if ((r = vi_tree_cut(v, K_FILE, ino, 0)) < 0)
        return r;
    if ((r = vi_inode_dirty(v, ino, &rec)) < 0)
        return r;
    al_memset(rec, 0, sizeof(*rec));
    vi_ib_put(v, ino, 0);
    v->sb.inodes--;
    if (ino < v->sb.ino_hint)
        v->sb.ino_hint = ino;
    v->sb_dirty = 1;
    return 0;
}

int vol_getattr(struct vol *v, uint64_t ino, struct vol_attr *a)
{
    struct vinode *rec;
    vi_cache_trim(v);
    int r = vi_inode_rec(v, ino, 0, &rec, NULL);
    if (r < 0)
        return r;
    a->mode = rec->mode;
    a->uid = rec->uid;
    a->gid = rec->gid;
    a->nlink = rec->nlink;
    a->rdev = rec->rdev;
    a->size = rec->size;
    a->atime_sec = rec->at;
    a->atime_nsec = rec->atn;
    a->mtime_sec = rec->mt;
    a->mtime_nsec = rec->mtn;
    a->ctime_sec = rec->ct;
    a->ctime_nsec = rec->ctn;
    a->blocks = rec->blocks;
    return 0;
}

int vol_setattr(struct vol *v, uint64_t ino, const struct vol_attr *a)
{
    struct vinode *rec;
    if (!v->rw)
        return -EROFS;
    if ((a->mode & S_IFMT_) == 0)
        return -EINVAL;
    vi_cache_trim(v);
    int r = vi_inode_dirty(v, ino, &rec);
    if (r < 0)
        return r;
    rec->mode = a->mode;
    rec->uid = a->uid;
    rec->gid = a->gid;
    rec->nlink = a->nlink;
    rec->rdev = a->rdev;
    rec->size = a->size;
    rec->at = a->atime_sec;
    rec->atn = a->atime_nsec;
    rec->mt = a->mtime_sec;
    rec->mtn = a->mtime_nsec;
    rec->ct = a->ctime_sec;
    rec->ctn = a->ctime_nsec;
    return 0;
}

int vol_for_each_inode(struct vol *v, int (*fn)(void *arg, uint64_t ino), void *arg)
{
    for (uint64_t i = 1; i < v->sb.inode_cap; i++) {
        if (!vi_ib_get(v, i))
            continue;
        int r = fn(arg, i);
        if (r)
            return r;
    }
    return 0;
}

/* ---- data --------------------------------------------------------------------------- */

static struct vptr *entries(struct vnode *n)
{
    return (struct vptr *)(void *)n->data;
}

static int check_range(uint64_t idx, uint64_t n)
{
    /* block indexes stay below 2^51 (sizes are int64_t bytes) */
    return idx >= (1ull << 51) || n > (1ull << 51) - idx ? -EFBIG : 0;
}

static void log_bad_data(struct vol *v, uint64_t ino, uint64_t idx)
{
    vi_vlog(v, "volume: data block %llu of inode %llu failed authentication",
         (unsigned long long)idx, (unsigned long long)ino);
}

/* In batches: collect the pointers from the (cached) level-1 nodes, read each run of
 * consecutive blocks with one host read straight into the caller's buffer, then open
 * them all in place inside one crypto bracket.  A block that fails is zeroed, never
 * handed out. */
int vol_read_blocks(struct vol *v, uint64_t ino, uint64_t idx, uint64_t n, void *buf)
{
    struct vinode *rec;
    uint8_t *out = buf;
    int r;
    vi_cache_trim(v);
    if ((r = vi_inode_rec(v, ino, 0, &rec, NULL)) < 0)
        return r;
    if ((r = check_range(idx, n)) < 0)
        return r;
    for (uint64_t done = 0; done < n;) {
        uint64_t k = n - done < STAGE ? n - done : STAGE, cnt = 0;
        struct vnode *leaf = NULL;
        uint64_t leafno = UINT64_MAX;
        /* collect the pointers (tree nodes come from the cache or are loaded once) */
        for (uint64_t j = 0; j < k; j++) {
            uint64_t b = idx + done + j;
            if (b >> FSHIFT != leafno) {
                leafno = b >> FSHIFT;
                if ((r = vi_node_get(v, K_FILE, ino, 1, leafno, 0, &leaf)) < 0)
                    return r;
            }
            struct vptr *e = leaf ? &entries(leaf)[b & (FAN - 1)] : NULL;
            if (!e || !e->blk) {
                al_memset(out + (done + j) * VB, 0, VB);
                continue;
            }
            if (e->blk < FIRST_FREE || e->blk >= v->N) {
                log_bad_data(v, ino, b);
                return -EIO;
            }
            v->plist[cnt] = *e;
            v->blist[cnt++] = done + j;
        }
        /* one host read per run of consecutive blocks, decrypted in place */
        for (uint64_t i = 0; i < cnt;) {
            uint64_t e = i + 1;
            while (e < cnt && v->plist[e].blk == v->plist[e - 1].blk + 1 &&
                   v->blist[e] == v->blist[e - 1] + 1)
                e++;
            if ((r = vi_host_read(v, out + v->blist[i] * VB, e - i, v->plist[i].blk)) < 0)
                return r;
            i = e;
        }
        int bad = 0;
        vi_cbegin(v);
        for (uint64_t i = 0; i < cnt; i++) {
            uint8_t *p = out + v->blist[i] * VB;
            if (vi_open_block(v, K_FILE, 0, ino, idx + v->blist[i], &v->plist[i], p, p) < 0) {
                al_memset(p, 0, VB);
                if (!bad)
                    bad = (int)i + 1;
            }
        }
        vi_cend(v);
        if (bad) {
            log_bad_data(v, ino, idx + v->blist[bad - 1]);
            return -EIO;
        }
        done += k;
    }
    return 0;
}

int vol_read_block(struct vol *v, uint64_t ino, uint64_t idx, void *buf)
{
    struct vinode *rec;
    struct vnode *leaf;
    int r;
    vi_cache_trim(v);
    if ((r = vi_inode_rec(v, ino, 0, &rec, NULL)) < 0)
        return r;
    if ((r = check_range(idx, 1)) < 0)
        return r;
    if ((r = vi_node_get(v, K_FILE, ino, 1, idx >> FSHIFT, 0, &leaf)) < 0)
        return r;
    struct vptr *e = leaf ? &entries(leaf)[idx & (FAN - 1)] : NULL;
    if (!e || !e->blk) {
        al_memset(buf, 0, VB);
        return 1;
    }
    return vol_read_blocks(v, ino, idx, 1, buf);
}

/* In batches of STAGE blocks: make the tree path dirty (so the room it needs is counted
 * first), allocate the data blocks as contiguously as the free space allows, seal the
 * batch inside one crypto bracket into the staging buffer, write each run with one host
 * write, and only then point the leaves at the new blocks (a failed write changes
 * nothing readable: the blocks go back to the free pool). */
int vol_write_blocks(struct vol *v, uint64_t ino, uint64_t idx, uint64_t n, const void *buf)
{
    const uint8_t *in = buf;
    struct vinode *rec;
    struct vnode *leaves[STAGE / FAN + 2];
    int r;
    if (!v->rw)
        return -EROFS;
    vi_cache_trim(v);
    if ((r = vi_inode_rec(v, ino, 0, &rec, NULL)) < 0)
        return r;
    if ((r = check_range(idx, n)) < 0)
        return r;
    for (uint64_t done = 0; done < n;) {
        uint64_t k = n - done < STAGE ? n - done : STAGE;
        uint64_t first = idx + done, l0 = first >> FSHIFT, l1 = (first + k - 1) >> FSHIFT;
        /* the tree path first: its new nodes count against the room (checked before
         * anything changes, so a full volume does not pile up dirty nodes) */
        uint32_t d = rec->depth ? rec->depth : 1;
        while (d < MAXDEPTH && ((first + k - 1) >> (FSHIFT * d)) != 0)
            d++;
        /* at most: the leaves, their ancestors (one path once the tree has grown), the
         * inode's table block and its path */
        uint64_t path = (l1 - l0 + 1) + d + 1 + v->sb.itab_depth + 1;
        if ((r = v->no_slack ? vi_space_ok_free(v, path) : vi_space_ok(v, path)) < 0)
            return r;
        if ((r = vi_tree_grow(v, K_FILE, ino, first + k - 1)) < 0)
            return r;
        for (uint64_t l = l0; l <= l1; l++) {
            if ((r = vi_node_get(v, K_FILE, ino, 1, l, 1, &leaves[l - l0])) < 0)
                return r;
            if ((r = vi_mark_dirty(v, leaves[l - l0])) < 0)
                return r;
        }
        uint64_t reserve = v->need + v->rfixed + (v->no_slack ? 0 : v->slack);
        if (v->nfree <= reserve)
            return -ENOSPC;
        if (k > v->nfree - reserve)
            k = v->nfree - reserve;
        /* contiguous runs of fresh blocks */
        for (uint64_t got = 0; got < k;) {
            uint64_t s, c = vi_alloc_run(v, k - got, &s);
            if (!c) {
                k = got;
                break;
            }
            for (uint64_t i = 0; i < c; i++)
                v->blist[got + i] = s + i;
            got += c;
        }
        if (!k)
            return -ENOSPC;
        if ((r = vi_rnd_ensure(v, k)) < 0)
            goto undo;
        vi_cbegin(v);
        for (uint64_t j = 0; j < k && r == 0; j++)
            r = vi_seal_block(v, K_FILE, 0, ino, first + j, v->blist[j], in + (done + j) * VB,
                           v->stage + j * VB, &v->plist[j]);
        vi_cend(v);
        if (r < 0)
            goto undo;
        for (uint64_t i = 0; i < k;) {
            uint64_t e = i + 1;
            while (e < k && v->blist[e] == v->blist[e - 1] + 1)
                e++;
            if ((r = vi_host_write(v, v->stage + i * VB, e - i, v->blist[i])) < 0)
                goto undo;
            i = e;
        }
        /* written: now the pointers (the old blocks go, or wait for the next commit) */
        if ((r = vi_inode_rec(v, ino, 0, &rec, NULL)) < 0)
            return r;
        for (uint64_t j = 0; j < k; j++) {
            uint64_t b = first + j;
            struct vptr *e = &entries(leaves[(b >> FSHIFT) - l0])[b & (FAN - 1)];
            if (e->blk)
                vi_free_block(v, e->blk);
            else
                rec->blocks++;
            *e = v->plist[j];
        }
        done += k;
        continue;
    undo:
        for (uint64_t j = 0; j < k; j++)
            vi_free_block(v, v->blist[j]);
        return r;
    }
    return 0;
}

int vol_write_block(struct vol *v, uint64_t ino, uint64_t idx, const void *buf)
{
    return vol_write_blocks(v, ino, idx, 1, buf);
}

int vol_punch_block(struct vol *v, uint64_t ino, uint64_t idx)
{
    struct vinode *rec;
    struct vnode *leaf;
    int r;
    if (!v->rw)
        return -EROFS;
    vi_cache_trim(v);
    if ((r = vi_inode_rec(v, ino, 0, &rec, NULL)) < 0)
        return r;
    if ((r = check_range(idx, 1)) < 0)
        return r;
    if ((r = vi_node_get(v, K_FILE, ino, 1, idx >> FSHIFT, 0, &leaf)) < 0)
        return r;
    if (!leaf || !entries(leaf)[idx & (FAN - 1)].blk)
        return 0;
    if (!leaf->dirty && (r = vi_space_ok_free(v, rec->depth + v->sb.itab_depth + 2)) < 0)
        return r;
    if ((r = vi_mark_dirty(v, leaf)) < 0)
        return r;
    struct vptr *e = &entries(leaf)[idx & (FAN - 1)];
    vi_free_block(v, e->blk);
    al_memset(e, 0, sizeof(*e));
    if ((r = vi_inode_rec(v, ino, 0, &rec, NULL)) < 0)
        return r;
    rec->blocks--;
    return 0;
}

/* Leaves under one node at level (64^level). */
static uint64_t lspan(int level)
{
    return 1ull << (FSHIFT * (unsigned)level);
}

/* Free node n's whole subtree (its data and nodes) and n itself. */
static int free_subtree(struct vol *v, struct vinode **rec, uint64_t ino, struct vnode *n)
{
    int r;
    for (unsigned c = 0; c < FAN; c++) {
        struct vptr *e = &entries(n)[c];
        if (!e->blk)
            continue;
        if (n->level == 1) {
            vi_free_block(v, e->blk);
            (*rec)->blocks--;
        } else {
            struct vnode *ch;
            if ((r = vi_node_get(v, K_FILE, ino, n->level - 1, n->index * FAN + c, 0, &ch)) < 0)
                return r;
            if (ch && (r = free_subtree(v, rec, ino, ch)) < 0)
                return r;
        }
        al_memset(e, 0, sizeof(*e));
    }
    vi_free_block(v, n->blk);
    vi_node_drop(v, n);
    return 0;
}

static int cut_node(struct vol *v, struct vinode **rec, uint64_t ino, int level, uint64_t index,
                    uint64_t first)
{
    struct vnode *n;
    int r = vi_node_get(v, K_FILE, ino, level, index, 0, &n);
    if (r < 0 || !n)
        return r;
    uint64_t lo = index * lspan(level), cs = lspan(level - 1);
    unsigned c0 = first <= lo ? 0 : (unsigned)((first - lo + cs - 1) / cs);
    if (c0 > 0 && level > 1) {
        /* the child holding first is cut partly */
        if (entries(n)[c0 - 1].blk &&
            (r = cut_node(v, rec, ino, level - 1, index * FAN + c0 - 1, first)) < 0)
            return r;
    }
    for (unsigned c = c0; c < FAN; c++) {
        struct vptr *e = &entries(n)[c];
        if (!e->blk)
            continue;
        if ((r = vi_mark_dirty(v, n)) < 0)
            return r;
        if (level == 1) {
            vi_free_block(v, e->blk);
            (*rec)->blocks--;
        } else {
            struct vnode *ch;
            if ((r = vi_node_get(v, K_FILE, ino, level - 1, index * FAN + c, 0, &ch)) < 0)
                return r;
            if (ch && (r = free_subtree(v, rec, ino, ch)) < 0)
                return r;
        }
        al_memset(e, 0, sizeof(*e));
    }
    return 0;
}

/* Whole subtrees past the cut are freed without looking at their data; the subtree that
 * straddles it is cut recursively.  Nodes left empty are dropped at the commit. */
int vi_tree_cut(struct vol *v, int kind, uint64_t ino, uint64_t first)
{
    struct vinode *rec;
    struct vnode *leaf, *root;
    int r;
    (void)kind;
    if ((r = vi_inode_rec(v, ino, 0, &rec, &leaf)) < 0)
        return r;
    uint32_t d = rec->depth;
    if (d == 0 || first >= lspan((int)d))
        return 0;
    if ((r = vi_space_ok_free(v, d + v->sb.itab_depth + 2)) < 0)
        return r;
    if (first == 0) {
        /* the whole tree: the inode forgets it */
        if ((r = vi_node_get(v, K_FILE, ino, (int)d, 0, 0, &root)) < 0)
            return r;
        if ((r = vi_mark_dirty(v, leaf)) < 0)
            return r;
        if (root && (r = free_subtree(v, &rec, ino, root)) < 0)
            return r;
        al_memset(&rec->root, 0, sizeof(rec->root));
        rec->depth = 0;
        return 0;
    }
    return cut_node(v, &rec, ino, (int)d, 0, first);
}

int vol_truncate(struct vol *v, uint64_t ino, int64_t size)
{
    if (!v->rw)
        return -EROFS;
    if (size < 0)
        return -EINVAL;
    vi_cache_trim(v);
    return vi_tree_cut(v, K_FILE, ino, ((uint64_t)size + VB - 1) / VB);
}

static int64_t next_in(struct vol *v, uint64_t ino, int level, uint64_t index, uint64_t from)
{
    struct vnode *n;
    if (vi_node_get(v, K_FILE, ino, level, index, 0, &n) < 0 || !n)
        return -1;
    uint64_t lo = index * lspan(level), cs = lspan(level - 1);
    unsigned c0 = from <= lo ? 0 : (unsigned)((from - lo) / cs);
    for (unsigned c = c0; c < FAN; c++) {
        if (!entries(n)[c].blk)
            continue;
        if (level == 1)
            return (int64_t)(lo + c);
        int64_t r = next_in(v, ino, level - 1, index * FAN + c, from);
        if (r >= 0)
            return r;
    }
    return -1;
}

int64_t vol_next_block(struct vol *v, uint64_t ino, uint64_t idx)
{
    struct vinode *rec;
    vi_cache_trim(v);
    if (vi_inode_rec(v, ino, 0, &rec, NULL) < 0 || rec->depth == 0)
        return -1;
    if (idx >= lspan((int)rec->depth))
        return -1;
    return next_in(v, ino, (int)rec->depth, 0, idx);
}

