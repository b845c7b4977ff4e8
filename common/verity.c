/*
 * verity.c - dm-verity v1 verification with a bounded cache of verified blocks (verity.h).
 *
 * A read of data blocks [b, b+m) goes in chunks of at most RUN blocks:
 *   1. the blocks already cached are trusted as they are (they were verified when cached);
 *   2. for the missing ones, the hash blocks on their paths are found level by level (at
 *      most two per level for a chunk of <= 128 blocks); uncached ones are read from the
 *      host;
 *   3. the missing data blocks are read from the host in contiguous runs;
 *   4. inside ONE crypto bracket: the hash blocks are verified top-down (the top one
 *      against the trusted root, each other against a digest in its already verified
 *      parent), then the data blocks against level 0;
 *   5. only then are the newly verified blocks copied out and into the cache.
 * The cache is not modified while verification runs, so pointers into it stay valid.
 * Hash blocks and data blocks have separate LRU budgets: a long sequential read of data
 * cannot push the tree out.
 */
#include "verity.h"

#include "sha256.h"

#include "al_string.h"

#define EINVAL_ 22
#define EIO_ 5
#define ENOMEM_ 12

#define BLK IMG_BLOCK
#define RUN 128u                          /* data blocks per chunk (512 KiB) */
#define PENDING (2u * IMG_MAX_LEVELS)     /* hash blocks a chunk may need per pass */

struct centry {
    uint64_t key;                         /* file block number (offset / 4096) */
    struct centry *hnext;                 /* hash chain */
    struct centry *prev, *next;           /* LRU list of its class, most recent first */
    uint8_t *data;                        /* BLK bytes, verified */
    int cls;                              /* 0 data, 1 hash */
};

struct lru {
    struct centry head;                   /* sentinel */
    size_t count, cap;
};

struct pend {                             /* a hash block on the path, this chunk */
    uint32_t level;
    uint64_t index;                       /* within its level */
    const uint8_t *data;                  /* cached copy or slot in hbuf */
    int fresh;                            /* read from the host, verify then cache */
};

struct verity {
    struct verity_io io;
    struct img_layout lay;
    uint8_t salt[IMG_SALT_MAX];
    uint32_t salt_size;
    uint8_t root[IMG_HASH_SIZE];
    struct centry **table;
    size_t nbuckets;                      /* power of two */
    struct lru lru[2];
    uint8_t *scratch;                     /* RUN blocks: data read from the host */
    uint8_t *hbuf;                        /* PENDING blocks: hash blocks read from the host */
    struct verity_stats st;
    uint64_t bad[16];                     /* blocks already reported (log once each) */
    uint32_t nbad;
};

/* ---- cache ---- */

static size_t bucket(const struct verity *v, uint64_t key)
{
    /* Fibonacci hashing spreads consecutive block numbers. */
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (v->nbuckets - 1);
}

static void lru_unlink(struct centry *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void lru_push(struct lru *l, struct centry *e)
{
    e->next = l->head.next;
    e->prev = &l->head;
    l->head.next->prev = e;
    l->head.next = e;
}

static struct centry *cache_find(struct verity *v, uint64_t key)
{
    for (struct centry *e = v->table[bucket(v, key)]; e; e = e->hnext)
        if (e->key == key)
            return e;
    return 0;
}

static void table_remove(struct verity *v, struct centry *e)
{
    struct centry **pp = &v->table[bucket(v, e->key)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
}

/* Insert a copy of a verified block (no-op if present).  When the class is full the
 * least recently used entry of that class is recycled, buffer and all.  Out of memory
 * just means the block is not cached. */
static void cache_put(struct verity *v, uint64_t key, const uint8_t *data, int cls)
{
    struct lru *l = &v->lru[cls];
    struct centry *e = cache_find(v, key);
    if (e) {
        lru_unlink(e);
        lru_push(&v->lru[e->cls], e);
        return;
    }
    if (l->count >= l->cap && l->head.prev != &l->head) {
        e = l->head.prev;
        lru_unlink(e);
        table_remove(v, e);
    } else {
        e = v->io.alloc(sizeof(*e));
        if (!e)
            return;
        e->data = v->io.alloc(BLK);
        if (!e->data) {
            v->io.free(e);
            return;
        }
        l->count++;
    }
    e->key = key;
    e->cls = cls;
    al_memcpy(e->data, data, BLK);
    size_t b = bucket(v, key);
    e->hnext = v->table[b];
    v->table[b] = e;
    lru_push(l, e);
}

/* A cached block, made most recently used; NULL if absent. */
static const uint8_t *cache_get(struct verity *v, uint64_t key)
{
    struct centry *e = cache_find(v, key);
    if (!e) {
        v->st.cache_misses++;
        return 0;
    }
    v->st.cache_hits++;
    lru_unlink(e);
    lru_push(&v->lru[e->cls], e);
    return e->data;
}

/* ---- open / close ---- */

int verity_open(const struct verity_io *io, const struct img_footer *f, const uint8_t root_hash[32],
                size_t cache_blocks, struct verity **out)
{
    struct img_layout lay;
    if (f->salt_size > IMG_SALT_MAX || img_layout_compute(f->data_blocks, f->hash_offset, &lay) != 0)
        return -EINVAL_;
    struct verity *v = io->alloc(sizeof(*v));
    if (!v)
        return -ENOMEM_;
    al_memset(v, 0, sizeof(*v));
    v->io = *io;
    v->lay = lay;
    v->salt_size = f->salt_size;
    al_memcpy(v->salt, f->salt, f->salt_size);
    al_memcpy(v->root, root_hash, IMG_HASH_SIZE);
    if (cache_blocks < 16)
        cache_blocks = 16;
    /* A quarter for the tree, at least what one chunk needs. */
    size_t hcap = cache_blocks / 4;
    if (hcap < 2 * PENDING)
        hcap = 2 * PENDING;
    v->lru[1].cap = hcap;
    v->lru[0].cap = cache_blocks > hcap ? cache_blocks - hcap : 8;
    for (int i = 0; i < 2; i++)
        v->lru[i].head.next = v->lru[i].head.prev = &v->lru[i].head;
    v->nbuckets = 64;
    while (v->nbuckets < cache_blocks + hcap)
        v->nbuckets <<= 1;
    v->table = io->alloc(v->nbuckets * sizeof(*v->table));
    v->scratch = io->alloc((size_t)RUN * BLK);
    v->hbuf = io->alloc((size_t)PENDING * BLK);
    if (!v->table || !v->scratch || !v->hbuf) {
        verity_close(v);
        return -ENOMEM_;
    }
    al_memset(v->table, 0, v->nbuckets * sizeof(*v->table));
    *out = v;
    return 0;
}

void verity_close(struct verity *v)
{
    if (!v)
        return;
    for (int i = 0; i < 2; i++) {
        struct centry *e = v->lru[i].head.next;
        while (e && e != &v->lru[i].head) {
            struct centry *n = e->next;
            v->io.free(e->data);
            v->io.free(e);
            e = n;
        }
    }
    if (v->table)
        v->io.free(v->table);
    if (v->scratch)
        v->io.free(v->scratch);
    if (v->hbuf)
        v->io.free(v->hbuf);
    v->io.free(v);
}

/* ---- verification ---- */

static void vlog(struct verity *v, const char *fmt, uint64_t a, uint64_t b, const char *name)
{
    if (!v->io.log)
        return;
    char line[320];
    int n = al_snprintf(line, sizeof(line), fmt, (unsigned long long)a, (unsigned long long)b);
    if (name && n > 0 && (size_t)n < sizeof(line))
        al_snprintf(line + n, sizeof(line) - (size_t)n, " (in %s)", name);
    v->io.log(v->io.ctx, line);
}

static int host_read(struct verity *v, void *buf, size_t n, uint64_t off)
{
    v->st.host_reads++;
    long r = v->io.read(v->io.ctx, buf, n, off);
    if (r < 0 || (size_t)r != n) {
        vlog(v, "verity: host read of %llu bytes at offset %llu failed or was short", n, off, 0);
        return -EIO_;
    }
    v->st.host_bytes += n;
    return 0;
}

static void digest(const struct verity *v, const uint8_t *block, uint8_t out[32])
{
    al_sha256_2(out, v->salt, v->salt_size, block, BLK);
}

static uint64_t hkey(const struct verity *v, uint32_t level, uint64_t index)
{
    return v->lay.level_offset[level] / BLK + index;
}

/* Has the bad block (file block number) been logged already?  Records it if not: a
 * program retrying a read gets -EIO each time but the log gets one line per block. */
static int reported(struct verity *v, uint64_t key)
{
    uint32_t n = v->nbad < 16 ? v->nbad : 16;
    for (uint32_t i = 0; i < n; i++)
        if (v->bad[i] == key)
            return 1;
    v->bad[v->nbad++ % 16] = key;
    return 0;
}

static const struct pend *find_pend(const struct pend *p, uint32_t np, uint32_t level, uint64_t index)
{
    for (uint32_t i = 0; i < np; i++)
        if (p[i].level == level && p[i].index == index)
            return &p[i];
    return 0;
}

/* The expected digest of child (level, index): an entry of its parent (which the caller
 * has verified), or the root for the top. */
static const uint8_t *expected(const struct verity *v, const struct pend *p, uint32_t np,
                               uint32_t level, uint64_t index)
{
    if (level == v->lay.levels)   /* "level" levels means the child is the top block */
        return v->root;
    const struct pend *par = find_pend(p, np, level, index >> 7);
    return par ? par->data + (index & 127) * IMG_HASH_SIZE : 0;
}

/* Verify (and cache) data blocks [b, b+m), m <= RUN.  If buf is given, copy them out.
 * name is for log lines; nocache: newly verified data blocks are not cached (the caller
 * keeps its own copy), hash blocks still are. */
static int fill(struct verity *v, uint64_t b, uint32_t m, uint8_t *buf, const char *name,
                int nocache)
{
    const uint8_t *cached[RUN];
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t i = 0; i < m; i++) {
        cached[i] = cache_get(v, b + i);
        if (!cached[i]) {
            if (lo == UINT64_MAX)
                lo = b + i;
            hi = b + i;
        }
    }
    if (lo == UINT64_MAX)
        goto copy;

    /* The hash blocks on the paths of [lo, hi], top level first. */
    struct pend p[PENDING];
    uint32_t np = 0, nfresh = 0;
    for (int l = (int)v->lay.levels - 1; l >= 0; l--) {
        uint32_t shift = 7u * (uint32_t)(l + 1);
        for (uint64_t j = lo >> shift; j <= hi >> shift; j++) {
            if (np == PENDING || j >= v->lay.level_blocks[l])
                return -EIO_;   /* cannot happen with m <= RUN and a computed layout */
            p[np].level = (uint32_t)l;
            p[np].index = j;
            p[np].data = cache_get(v, hkey(v, (uint32_t)l, j));
            p[np].fresh = 0;
            if (!p[np].data) {
                uint8_t *slot = v->hbuf + (size_t)nfresh++ * BLK;
                int r = host_read(v, slot, BLK, v->lay.level_offset[l] + j * BLK);
                if (r < 0)
                    return r;
                p[np].data = slot;
                p[np].fresh = 1;
            }
            np++;
        }
    }
    /* The missing data blocks, in contiguous runs. */
    for (uint64_t i = lo; i <= hi;) {
        if (cached[i - b]) {
            i++;
            continue;
        }
        uint64_t j = i;
        while (j <= hi && !cached[j - b])
            j++;
        int r = host_read(v, v->scratch + (i - b) * BLK, (size_t)(j - i) * BLK, i * BLK);
        if (r < 0)
            return r;
        i = j;
    }

    /* One bracket for every hash of this chunk. */
    int bad = 0;
    uint64_t bad_a = 0, bad_b = 0;
    uint8_t d[32];
    uint64_t tok = v->io.crypto_begin ? v->io.crypto_begin() : 0;
    for (uint32_t i = 0; i < np && !bad; i++) {
        if (!p[i].fresh)
            continue;
        const uint8_t *want = expected(v, p, np, p[i].level + 1, p[i].index);
        digest(v, p[i].data, d);
        v->st.hashed_tree++;
        if (!want || al_memcmp(d, want, IMG_HASH_SIZE) != 0) {
            bad = 1;
            bad_a = p[i].index;
            bad_b = p[i].level;
        }
    }
    for (uint64_t i = lo; i <= hi && !bad; i++) {
        if (cached[i - b])
            continue;
        const uint8_t *want = expected(v, p, np, 0, i);
        if (v->lay.levels == 0)
            want = v->root;
        digest(v, v->scratch + (i - b) * BLK, d);
        v->st.hashed_data++;
        if (!want || al_memcmp(d, want, IMG_HASH_SIZE) != 0) {
            bad = 2;
            bad_a = i;
        }
    }
    if (v->io.crypto_end)
        v->io.crypto_end(tok);
    if (bad && reported(v, bad == 1 ? hkey(v, (uint32_t)bad_b, bad_a) : bad_a))
        return -EIO_;
    if (bad == 1) {
        vlog(v, "verity: hash block %llu of level %llu does not match the tree (tampered image)",
             bad_a, bad_b, name);
        return -EIO_;
    }
    if (bad == 2) {
        vlog(v, "verity: data block %llu does not match the hash tree (tampered image)",
             bad_a, 0, name);
        return -EIO_;
    }
    /* Copy out first (cache_put may recycle entries that cached[] points to). */
    if (buf)
        for (uint32_t i = 0; i < m; i++)
            al_memcpy(buf + (size_t)i * BLK, cached[i] ? cached[i] : v->scratch + (size_t)i * BLK, BLK);
    for (uint32_t i = 0; i < np; i++)
        if (p[i].fresh)
            cache_put(v, hkey(v, p[i].level, p[i].index), p[i].data, 1);
    for (uint64_t i = lo; i <= hi && !nocache; i++)
        if (!cached[i - b])
            cache_put(v, i, v->scratch + (i - b) * BLK, 0);
    return 0;
copy:
    if (buf)
        for (uint32_t i = 0; i < m; i++)
            al_memcpy(buf + (size_t)i * BLK, cached[i], BLK);
    return 0;
}

static int read_blocks(struct verity *v, uint64_t blk, uint32_t n, void *buf, const char *ctx_name,
                       int nocache)
{
    if (blk >= v->lay.data_blocks || n > v->lay.data_blocks - blk)
        return -EINVAL_;
    uint8_t *out = buf;
    while (n > 0) {
        /* Chunks aligned to RUN so that a chunk's paths stay within two blocks a level. */
        uint32_t m = RUN - (uint32_t)(blk % RUN);
        if (m > n)
            m = n;
        int r = fill(v, blk, m, out, ctx_name, nocache);
        if (r < 0)
            return r;
        blk += m;
        n -= m;
        out += (size_t)m * BLK;
    }
    return 0;
}

int verity_read(struct verity *v, uint64_t blk, uint32_t n, void *buf, const char *ctx_name)
{
    return read_blocks(v, blk, n, buf, ctx_name, 0);
}

int verity_read_uncached(struct verity *v, uint64_t blk, uint32_t n, void *buf, const char *ctx_name)
{
    return read_blocks(v, blk, n, buf, ctx_name, 1);
}

int verity_get(struct verity *v, uint64_t blk, const uint8_t **out, const char *ctx_name)
{
    if (blk >= v->lay.data_blocks)
        return -EINVAL_;
    const uint8_t *c = cache_get(v, blk);
    if (!c) {
        int r = fill(v, blk, 1, 0, ctx_name, 0);
        if (r < 0)
            return r;
        c = cache_get(v, blk);
        if (!c) {
            /* Out of memory for the cache: serve it from the scratch copy just verified
             * (fill left it there; valid until the next call, as promised). */
            c = v->scratch;
        }
    }
    *out = c;
    return 0;
}

int verity_check_all(struct verity *v, uint64_t *bad)
{
    for (uint64_t b = 0; b < v->lay.data_blocks;) {
        uint32_t m = RUN - (uint32_t)(b % RUN);
        if (m > v->lay.data_blocks - b)
            m = (uint32_t)(v->lay.data_blocks - b);
        int r = fill(v, b, m, 0, 0, 1);
        if (r < 0) {
            /* Find the first bad block of the chunk, one at a time. */
            uint64_t first = b;
            for (uint32_t i = 0; i < m; i++)
                if (fill(v, b + i, 1, 0, 0, 1) < 0) {
                    first = b + i;
                    break;
                }
            if (bad)
                *bad = first;
            return r;
        }
        b += m;
    }
    return 0;
}

void verity_get_stats(const struct verity *v, struct verity_stats *out)
{
    *out = v->st;
}

uint64_t verity_data_blocks(const struct verity *v)
{
    return v->lay.data_blocks;
}
