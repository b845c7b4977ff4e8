/*
 * vol_commit.c - the commit: every dirty tree node written bottom-up into blocks no
 * durable tree reaches, sync, the superblock of version + 1 into the other slot, sync,
 * the counter (docs/volume-format.md section 6 argues why a crash anywhere leaves the
 * old or the new version whole).
 */
#include "vol_int.h"

/* ---- commit ------------------------------------------------------------------------- */

static int class_of(int kind)
{
    return kind == K_FILE ? 0 : kind == K_ITAB ? 1 : kind == K_IBMAP ? 2 : 3;
}

/* Dirty nodes of one class, by level (children before parents). */
static uint64_t collect(struct vol *v, int cls, struct vnode **arr, uint64_t cap, int only_unalloc)
{
    uint64_t n = 0;
    for (int lvl = 0; lvl <= (int)MAXDEPTH; lvl++)
        for (uint64_t i = 0; i < v->hsize; i++)
            for (struct vnode *x = v->ht[i]; x; x = x->hnext)
                if (x->dirty && x->level == lvl && class_of(x->kind) == cls &&
                    (!only_unalloc || !x->blk) && n < cap)
                    arr[n++] = x;
    return n;
}

static int all_zero(const uint8_t *p)
{
    const uint64_t *w = (const uint64_t *)(const void *)p;
    for (unsigned i = 0; i < VB / 8; i++)
        if (w[i])
            return 0;
    return 1;
}

/* Where n's pointer lives: its parent's entry, or the tree root (depth in *dp). */
static int ptr_slot(struct vol *v, struct vnode *n, struct vptr **p, uint32_t **dp)
{
    struct vptr *root;
    uint32_t *depth;
    int r = vi_tree_root(v, n->kind, n->ino, &root, &depth);
    if (r < 0)
        return r;
    *dp = NULL;
    if (n->level >= *depth) {
        *p = root;
        *dp = depth;
        return 0;
    }
    struct vnode *par = vi_node_find(v, n->kind, n->ino, n->level + 1, n->index >> FSHIFT);
    if (!par || !par->dirty)
        return -EIO;  /* the dirty-parent invariant broke: refuse to commit */
    *p = &((struct vptr *)(void *)par->data)[n->index & (FAN - 1)];
    return 0;
}

/* Seal and write arr[0..n) (blocks allocated), children before parents. */
static int write_nodes(struct vol *v, struct vnode **arr, uint64_t n)
{
    int r;
    for (uint64_t b = 0; b < n; b += STAGE) {
        uint64_t k = n - b < STAGE ? n - b : STAGE;
        if ((r = vi_rnd_ensure(v, k)) < 0)
            return r;
        vi_cbegin(v);
        for (uint64_t j = 0; j < k && r == 0; j++) {
            struct vnode *x = arr[b + j];
            struct vptr *p;
            uint32_t *dp;
            if ((r = ptr_slot(v, x, &p, &dp)) < 0)
                break;
            r = vi_seal_block(v, x->kind, x->level, x->ino, x->index, x->blk, x->data,
                           v->stage + j * VB, p);
        }
        vi_cend(v);
        if (r < 0)
            return r;
        for (uint64_t i = 0; i < k;) {
            uint64_t e = i + 1;
            while (e < k && arr[b + e]->blk == arr[b + e - 1]->blk + 1)
                e++;
            if ((r = vi_host_write(v, v->stage + i * VB, e - i, arr[b + i]->blk)) < 0)
                return r;
            i = e;
        }
    }
    return 0;
}

static int alloc_node(struct vol *v, struct vnode *x)
{
    uint64_t s;
    if (x->blk)
        return 0;
    if (!vi_alloc_run(v, 1, &s))
        return -ENOSPC;
    x->blk = s;
    if (x->kind != K_IBMAP && x->kind != K_BBMAP)
        v->need--;
    return 0;
}

static int flush_class(struct vol *v, int cls, struct vnode **arr, uint64_t cap)
{
    int r;
    if (cls == 3) {
        /* the block bitmap: allocating its blocks changes it, so allocate until no dirty
         * node lacks a block, and only then seal its (now final) content */
        for (;;) {
            uint64_t n = collect(v, cls, arr, cap, 1);
            if (!n)
                break;
            for (uint64_t i = 0; i < n; i++)
                if ((r = alloc_node(v, arr[i])) < 0)
                    return r;
        }
        return write_nodes(v, arr, collect(v, cls, arr, cap, 0));
    }
    uint64_t n = collect(v, cls, arr, cap, 0), m = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct vnode *x = arr[i];
        /* an empty node of a file or the inode table goes away */
        if (cls <= 1 && all_zero(x->data)) {
            struct vptr *p;
            uint32_t *dp;
            if ((r = ptr_slot(v, x, &p, &dp)) < 0)
                return r;
            al_memset(p, 0, sizeof(*p));
            if (dp)
                *dp = 0;
            vi_free_block(v, x->blk);  /* a block of a failed attempt, or none */
            vi_node_drop(v, x);
            continue;
        }
        if ((r = alloc_node(v, x)) < 0)
            return r;
        arr[m++] = x;
    }
    return write_nodes(v, arr, m);
}

/* After a failure that may have left a new superblock on disk: nothing written in this
 * session may be overwritten any more (it may be reachable). */
static void commit_undo(struct vol *v)
{
    al_memset(v->fresh, 0, (v->N + 63) / 64 * 8);
    for (uint64_t i = 0; i < v->hsize; i++)
        for (struct vnode *x = v->ht[i]; x; x = x->hnext)
            if (x->dirty && x->blk) {
                uint64_t b = x->blk;
                x->blk = 0;
                if (x->kind != K_IBMAP && x->kind != K_BBMAP)
                    v->need++;
                vi_free_block(v, b);
            }
}

int vol_commit(struct vol *v)
{
    int r, sb_tried = 0;
    if (!v->rw)
        return -EROFS;
    if (!v->sb_dirty)
        return 0;
    uint64_t cap = v->nnodes + 16;
    struct vnode **arr = v->io.alloc(cap * sizeof(*arr));
    if (!arr)
        return -ENOMEM;
    for (int cls = 0; cls < 4; cls++)
        if ((r = flush_class(v, cls, arr, cap)) < 0)
            goto fail;
    if ((r = v->io.sync(v->io.ctx)) < 0)
        goto fail;
    /* the superblock of version + 1 into the slot not in use */
    struct vsb s = v->sb;
    unsigned slot = v->slot == SB_A ? SB_B : SB_A;
    s.version = v->csb.version + 1;
    s.used_blocks = v->N - v->nfree - v->nhold;
    s.blk_hint = v->cursor;
    uint8_t *blk = v->stage, *pt = v->stage + VB, ad[48];
    al_memset(pt, 0, SB_CT);
    al_memcpy(pt, &s, sizeof(s));
    if ((r = vi_rnd_ensure(v, 1)) < 0)
        goto fail;
    al_memcpy(blk, &v->epoch, 8);
    if ((r = v->io.random(blk + 8, 24)) < 0)
        goto fail;
    vi_make_ad(v, ad, K_SB, 0, 0, slot, slot);
    vi_cbegin(v);
    r = vi_seal_raw(v, v->epoch, ad, sizeof(ad), pt, SB_CT, blk + 48, blk + 8, blk + 32);
    vi_cend(v);
    v->epoch_seals++;
    if (r < 0)
        goto fail;
    sb_tried = 1;
    if ((r = vi_host_write(v, blk, 1, slot)) < 0 || (r = v->io.sync(v->io.ctx)) < 0)
        goto fail;
    /* durable: the new version is the volume */
    v->sb.version = s.version;
    v->sb.used_blocks = s.used_blocks;
    v->sb.blk_hint = s.blk_hint;
    v->csb = v->sb;
    v->slot = slot;
    v->sb_dirty = 0;
    for (uint64_t i = 0; i < v->hsize; i++)
        for (struct vnode *x = v->ht[i]; x; x = x->hnext)
            if (x->dirty) {
                x->dirty = 0;
                if (!x->pin)
                    v->ndirty--;
            }
    al_memset(v->fresh, 0, (v->N + 63) / 64 * 8);
    al_memset(v->hold, 0, (v->N + 63) / 64 * 8);
    v->nfree += v->nhold;
    v->nhold = 0;
    v->need = 0;
    v->io.free(arr);
    if (v->has_counter && (r = v->counter.set(v->counter.ctx, v->id, s.version)) < 0) {
        vi_vlog(v, "volume: version %llu is durable but the rollback counter could not record it",
             (unsigned long long)s.version);
        return r;
    }
    return 0;
fail:
    if (sb_tried)
        commit_undo(v);
    v->io.free(arr);
    return r;
}

