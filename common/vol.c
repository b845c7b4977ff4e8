/*
 * vol.c - the encrypted volume: format, open, commit, info, and the counter-file helpers
 * (vol_commit.c commits, vol_check.c checks; the machinery is in vol_core.c and
 * vol_crypto.c; inodes and data in vol_file.c, directories in vol_dir.c).
 *
 * Commit protocol (docs/volume-format.md §5): every dirty tree node is sealed and written
 * into a block no durable tree reaches (file trees, then the inode table, the inode
 * bitmap, and last the block bitmap, whose own new blocks are allocated before its
 * content is sealed), io->sync, the superblock of version + 1 into the slot not in use,
 * io->sync, counter->set.  Blocks freed since the last commit stay unusable until the
 * new superblock is durable, so a crash at any point leaves the old tree whole.
 */
#include "vol_int.h"

static const char HDR_MAGIC[8] = {'A', 'L', 'C', 'V', 'O', 'L', 0, 1};
static const char SB_MAGIC[8] = {'A', 'L', 'C', 'V', 'S', 'B', '0', '1'};

/* ---- geometry ----------------------------------------------------------------------- */

static uint64_t inode_cap_for(uint64_t N)
{
    uint64_t cap = 2 * N;
    return cap < 256 ? 256 : cap;
}

/* Nodes of a radix tree with L leaves, all levels. */
static uint64_t tree_nodes(uint64_t L)
{
    uint64_t t = L;
    while (L > 1) {
        L = (L + FAN - 1) / FAN;
        t += L;
    }
    return t + 1;
}

static void vol_destroy(struct vol *v)
{
    if (!v)
        return;
    vi_cache_free(v);
    vi_keys_free(v);
    void (*fr)(void *) = v->io.free;
    if (v->stage)
        fr(v->stage);
    if (v->plist)
        fr(v->plist);
    if (v->blist)
        fr(v->blist);
    if (v->hold)
        fr(v->hold);
    if (v->fresh)
        fr(v->fresh);
    if (v->bb)
        fr(v->bb);
    if (v->ib)
        fr(v->ib);
    vi_wipe(v, sizeof(*v));
    fr(v);
}

static void *zalloc(const struct vol_io *io, size_t n)
{
    void *p = io->alloc(n);
    if (p)
        al_memset(p, 0, n);
    return p;
}

/* The in-memory volume for a validated header (no tree yet). */
static int vol_setup(const struct vol_io *io, const uint8_t key[32], const struct vhdr *h,
                     const struct vol_counter *counter, int rw, struct vol **out)
{
    struct vol *v = zalloc(io, sizeof(*v));
    if (!v)
        return -ENOMEM;
    v->io = *io;
    if (counter) {
        v->counter = *counter;
        v->has_counter = 1;
    }
    v->rw = rw;
    v->cipher = (int)h->cipher;
    v->N = h->total_blocks;
    al_memcpy(v->id, h->id, 16);
    v->nbb = (v->N + BITS_PER_CHUNK - 1) / BITS_PER_CHUNK;
    v->nib = (h->inode_cap + BITS_PER_CHUNK - 1) / BITS_PER_CHUNK;
    v->rfixed = tree_nodes(v->nbb) + tree_nodes(v->nib) + 1;
    v->slack = v->N / 16 < 64 ? v->N / 16 : 64;
    uint64_t words = (v->N + 63) / 64;
    v->stage = io->alloc(STAGE * VB);
    v->plist = io->alloc(STAGE * sizeof(struct vptr));
    v->blist = io->alloc(STAGE * sizeof(uint64_t));
    v->hold = zalloc(io, words * 8);
    v->fresh = zalloc(io, words * 8);
    v->bb = zalloc(io, v->nbb * sizeof(*v->bb));
    v->ib = zalloc(io, v->nib * sizeof(*v->ib));
    v->slot = SB_B;
    if (!v->stage || !v->plist || !v->blist || !v->hold || !v->fresh || !v->bb || !v->ib ||
        vi_cache_init(v) < 0) {
        vol_destroy(v);
        return -ENOMEM;
    }
    vi_cbegin(v);
    vi_derive_master(key, h->id, h->salt, v->master);
    vi_cend(v);
    *out = v;
    return 0;
}

/* Attach the bitmap chunks (created or loaded) and count the free blocks. */
static int load_bitmaps(struct vol *v, int create)
{
    int r;
    for (uint64_t c = 0; c < v->nbb; c++)
        if ((r = vi_node_get(v, K_BBMAP, 0, 0, c, create, &v->bb[c])) < 0)
            return r;
        else if (!v->bb[c])
            return -EIO;
    for (uint64_t c = 0; c < v->nib; c++)
        if ((r = vi_node_get(v, K_IBMAP, 0, 0, c, create, &v->ib[c])) < 0)
            return r;
        else if (!v->ib[c])
            return -EIO;
    uint64_t used = 0;
    for (uint64_t c = 0; c < v->nbb; c++) {
        const uint64_t *w = (const uint64_t *)(void *)v->bb[c]->data;
        for (unsigned i = 0; i < VB / 8; i++)
            used += (uint64_t)__builtin_popcountll(w[i]);
    }
    if (used > v->N)
        return -EIO;
    v->nfree = v->N - used;
    return 0;
}

/* ---- format ------------------------------------------------------------------------- */

static int aes_ok(const struct vol_io *io)
{
    uint64_t t = io->crypto_begin ? io->crypto_begin() : 0;
    int r = crypto_aead_aes256gcm_is_available();
    if (io->crypto_end)
        io->crypto_end(t);
    return r;
}

int vol_format_cipher(const struct vol_io *io, const uint8_t key[32], uint64_t size_bytes,
                      uint32_t uid, uint32_t gid, const struct vol_counter *counter, int cipher)
{
    struct vhdr h;
    struct vol *v;
    uint64_t N = size_bytes / VB, ino;
    int r;
    if (size_bytes < VOL_MIN_SIZE || N >= (1ull << 40)) {
        vi_vlog_io(io, "volume: size must be between %u KiB and 4 PiB", VOL_MIN_SIZE / 1024);
        return -EINVAL;
    }
    if (cipher == 0)
        cipher = aes_ok(io) ? VOL_CIPHER_AES : VOL_CIPHER_XCHACHA;
    if (cipher != VOL_CIPHER_AES && cipher != VOL_CIPHER_XCHACHA)
        return -EINVAL;
    if (cipher == VOL_CIPHER_AES && !aes_ok(io)) {
        vi_vlog_io(io, "volume: AES-256-GCM needs AES-NI, which this CPU lacks");
        return -EOPNOTSUPP;
    }
    al_memset(&h, 0, sizeof(h));
    al_memcpy(h.magic, HDR_MAGIC, 8);
    h.format = 1;
    h.block_size = VB;
    h.total_blocks = N;
    h.cipher = (uint32_t)cipher;
    h.kdf = 1;
    al_memcpy(h.kdf_ctx, "AlcVol01", 8);
    h.inode_cap = inode_cap_for(N);
    if ((r = io->random(h.id, 16)) < 0 || (r = io->random(h.salt, 16)) < 0)
        return r;
    if ((r = vol_setup(io, key, &h, counter, 1, &v)) < 0)
        return r;
    /* Random bytes everywhere: a used block looks like an unused one.  The filler is a
     * ChaCha20 keystream under a random key of its own (as good as io->random's bytes to
     * anyone without that key, which is thrown away, and much faster for big volumes). */
    uint8_t fkey[32];
    if ((r = io->random(fkey, sizeof(fkey))) < 0)
        goto out;
    for (uint64_t b = 0; b < N; b += STAGE) {
        uint64_t k = N - b < STAGE ? N - b : STAGE;
        uint8_t nonce[8];
        al_memcpy(nonce, &b, 8);
        vi_cbegin(v);
        crypto_stream_chacha20(v->stage, k * VB, nonce, fkey);
        vi_cend(v);
        if ((r = vi_host_write(v, v->stage, k, b)) < 0) {
            vi_wipe(fkey, sizeof(fkey));
            goto out;
        }
    }
    vi_wipe(fkey, sizeof(fkey));
    al_memset(v->stage, 0, VB);
    al_memcpy(v->stage, &h, sizeof(h));
    if ((r = vi_host_write(v, v->stage, 1, 0)) < 0)
        goto out;
    vi_cbegin(v);
    crypto_generichash(v->hdr_hash, 32, v->stage, VB, NULL, 0);
    vi_cend(v);
    if ((r = vi_new_epoch(v)) < 0)
        goto out;
    al_memcpy(v->sb.magic, SB_MAGIC, 8);
    v->sb.total_blocks = N;
    al_memcpy(v->sb.hdr_hash, v->hdr_hash, 32);
    v->sb.inode_cap = h.inode_cap;
    v->sb.root_ino = 1;
    v->sb.ino_hint = 1;
    v->csb = v->sb;
    if ((r = load_bitmaps(v, 1)) < 0)
        goto out;
    for (uint64_t b = 0; b < FIRST_FREE; b++)
        vi_bit_put((uint64_t *)(void *)v->bb[0]->data, b, 1);
    v->nfree = N - FIRST_FREE;
    v->cursor = FIRST_FREE;
    if ((r = vol_alloc(v, S_IFDIR_ | 0755, &ino)) < 0)
        goto out;
    struct vol_attr a;
    if ((r = vol_getattr(v, ino, &a)) < 0)
        goto out;
    a.uid = uid;
    a.gid = gid;
    a.nlink = 2;
    if ((r = vol_setattr(v, ino, &a)) < 0 || (r = vol_dir_write(v, ino, NULL, 0)) < 0)
        goto out;
    r = vol_commit(v);
out:
    vol_destroy(v);
    return r;
}

int vol_format(const struct vol_io *io, const uint8_t key[32], uint64_t size_bytes, uint32_t uid,
               uint32_t gid, const struct vol_counter *counter)
{
    return vol_format_cipher(io, key, size_bytes, uid, gid, counter, 0);
}

/* ---- open --------------------------------------------------------------------------- */

/* Open superblock slot s: block = epoch(8) nonce(24) tag(16) ciphertext(SB_CT). */

static int sb_open(struct vol *v, unsigned s, const uint8_t *blk, struct vsb *out)
{
    uint8_t ad[48], *pt = v->stage + VB;
    uint64_t epoch;
    al_memcpy(&epoch, blk, 8);
    vi_make_ad(v, ad, K_SB, 0, 0, s, s);
    vi_cbegin(v);
    int r = vi_open_raw(v, epoch, ad, sizeof(ad), blk + 48, SB_CT, pt, blk + 8, blk + 32);
    vi_cend(v);
    if (r < 0)
        return r;
    al_memcpy(out, pt, sizeof(*out));
    return 0;
}

/* An authenticated superblock still has to make sense (a bug, or a format we do not
 * know, must not become an out-of-range access). */
static int sb_sane(struct vol *v, const struct vsb *s)
{
    return !al_memcmp(s->magic, SB_MAGIC, 8) && s->total_blocks == v->N &&
           !al_memcmp(s->hdr_hash, v->hdr_hash, 32) && s->inode_cap == inode_cap_for(v->N) &&
           s->itab_depth <= MAXDEPTH && s->ibmap_depth <= MAXDEPTH && s->bbmap_depth <= MAXDEPTH &&
           s->root_ino > 0 && s->root_ino < s->inode_cap && s->inodes < s->inode_cap &&
           s->version > 0;
}

/* Read and validate the plain header (blk0 receives the whole block): 0 or -errno after
 * one log line. */
static int read_header(const struct vol_io *io, uint8_t *blk0, struct vhdr *h)
{
    long n = io->read(io->ctx, blk0, VB, 0);
    if (n < 0) {
        vi_vlog_io(io, "volume: cannot read the header");
        return (int)n;
    }
    al_memcpy(h, blk0, sizeof(*h));
    if (n != VB || al_memcmp(h->magic, HDR_MAGIC, 6)) {
        vi_vlog_io(io, "not an Alcove volume");
        return -EINVAL;
    }
    if (al_memcmp(h->magic, HDR_MAGIC, 8) || h->format != 1 || h->kdf != 1 ||
        al_memcmp(h->kdf_ctx, "AlcVol01", 8)) {
        vi_vlog_io(io, "not an Alcove volume (unknown format version)");
        return -EINVAL;
    }
    if (h->block_size != VB || h->total_blocks < VOL_MIN_SIZE / VB ||
        h->total_blocks >= (1ull << 40) ||
        (h->cipher != VOL_CIPHER_AES && h->cipher != VOL_CIPHER_XCHACHA) ||
        h->inode_cap != inode_cap_for(h->total_blocks)) {
        vi_vlog_io(io, "not an Alcove volume (bad geometry in the header)");
        return -EINVAL;
    }
    /* the file must hold every block the header promises */
    uint8_t *last = io->alloc(VB);
    if (!last)
        return -ENOMEM;
    n = io->read(io->ctx, last, VB, (h->total_blocks - 1) * VB);
    io->free(last);
    if (n != VB) {
        vi_vlog_io(io, "not an Alcove volume: truncated (the header says %llu KiB)",
                (unsigned long long)(h->total_blocks * 4));
        return n < 0 ? (int)n : -EINVAL;
    }
    return 0;
}

int vol_probe(const struct vol_io *io, struct vol_info *out)
{
    struct vhdr h;
    uint8_t *blk0 = io->alloc(VB);
    if (!blk0)
        return -ENOMEM;
    int r = read_header(io, blk0, &h);
    io->free(blk0);
    if (r < 0)
        return r;
    al_memset(out, 0, sizeof(*out));
    al_memcpy(out->id, h.id, 16);
    out->total_blocks = h.total_blocks;
    out->cipher = h.cipher == VOL_CIPHER_AES ? "aes256gcm" : "xchacha20poly1305";
    return 0;
}

int vol_open(const struct vol_io *io, const uint8_t key[32], const struct vol_counter *counter,
             int rw, struct vol **out)
{
    uint8_t *blk0;
    struct vhdr h;
    struct vol *v = NULL;
    int r;
    *out = NULL;
    if (!(blk0 = io->alloc(VB)))
        return -ENOMEM;
    if ((r = read_header(io, blk0, &h)) < 0) {
        io->free(blk0);
        return r;
    }
    if (h.cipher == VOL_CIPHER_AES && !aes_ok(io)) {
        io->free(blk0);
        vi_vlog_io(io, "volume: encrypted with AES-256-GCM, which needs AES-NI: this CPU lacks it");
        return -EOPNOTSUPP;
    }
    if ((r = vol_setup(io, key, &h, counter, rw, &v)) < 0) {
        io->free(blk0);
        return r;
    }
    vi_cbegin(v);
    crypto_generichash(v->hdr_hash, 32, blk0, VB, NULL, 0);
    vi_cend(v);
    io->free(blk0);
    /* the newest slot that authenticates */
    int found = 0;
    for (unsigned s = SB_A; s <= SB_B; s++) {
        struct vsb cand;
        if ((r = vi_host_read(v, v->stage, 1, s)) < 0)
            goto fail;
        if (sb_open(v, s, v->stage, &cand) < 0 || !sb_sane(v, &cand))
            continue;
        if (!found || cand.version > v->sb.version) {
            v->sb = cand;
            v->slot = s;
            found = 1;
        }
    }
    if (!found) {
        vi_vlog(v, "wrong key or corrupted volume");
        r = -EKEYREJECTED;
        goto fail;
    }
    v->csb = v->sb;
    uint64_t c = 0;
    if (v->has_counter) {
        if ((r = v->counter.get(v->counter.ctx, v->id, &c)) < 0) {
            vi_vlog(v, "volume: cannot read the rollback counter");
            goto fail;
        }
        if (c == 0)
            vi_vlog(v, "volume: the rollback counter knows nothing of this volume (new or reset "
                    "source): trusting version %llu", (unsigned long long)v->sb.version);
        else if (v->sb.version < c) {
            vi_vlog(v, "rolled back: version %llu but the counter says %llu",
                 (unsigned long long)v->sb.version, (unsigned long long)c);
            r = -ESTALE;
            goto fail;
        }
    }
    if ((r = load_bitmaps(v, 0)) < 0) {
        vi_vlog(v, "volume: the allocation bitmaps are corrupted");
        goto fail;
    }
    for (uint64_t b = 0; b < FIRST_FREE; b++)
        if (!vi_bb_get(v, b)) {
            vi_vlog(v, "volume: the allocation bitmap is inconsistent");
            r = -EIO;
            goto fail;
        }
    v->cursor = v->sb.blk_hint;
    if (rw) {
        if ((r = vi_new_epoch(v)) < 0)
            goto fail;
        /* a crash after the superblock write, before the counter write */
        if (v->has_counter && c < v->sb.version &&
            (r = v->counter.set(v->counter.ctx, v->id, v->sb.version)) < 0) {
            vi_vlog(v, "volume: cannot update the rollback counter");
            goto fail;
        }
    }
    *out = v;
    return 0;
fail:
    vol_destroy(v);
    return r;
}

void vol_close(struct vol *v)
{
    vol_destroy(v);
}

/* ---- info --------------------------------------------------------------------------- */

void vol_info(const struct vol *v, struct vol_info *out)
{
    al_memcpy(out->id, v->id, 16);
    out->version = v->csb.version;
    out->total_blocks = v->N;
    out->free_blocks = v->nfree;
    out->inodes = v->sb.inodes;
    out->cipher = v->cipher == VOL_CIPHER_AES ? "aes256gcm" : "xchacha20poly1305";
}

uint64_t vol_room(const struct vol *v)
{
    uint64_t keep = v->need + v->rfixed + v->slack + MAXDEPTH + v->sb.itab_depth + 2;
    if (!v->rw || v->nfree <= keep)
        return 0;
    uint64_t avail = v->nfree - keep;
    /* about one new tree node per 63 data blocks written */
    return avail - (avail + 62) / 63;
}

void vol_set_cache(struct vol *v, uint64_t nodes)
{
    v->cache_limit = nodes < 16 ? 16 : nodes;
}

/* ---- the counter state file --------------------------------------------------------- */

static const char HEX[] = "0123456789abcdef";

void vol_counter_name(const uint8_t id[16], char *out, size_t size)
{
    char hex[33];
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = HEX[id[i] >> 4];
        hex[2 * i + 1] = HEX[id[i] & 15];
    }
    hex[32] = 0;
    al_snprintf(out, size, "vol-%s.counter", hex);
}

size_t vol_counter_encode(const uint8_t id[16], uint64_t v, char *out)
{
    char name[64];
    vol_counter_name(id, name, sizeof(name));
    /* "alcove-volume-counter 1\nid <32 hex>\nversion <decimal>\n" */
    return (size_t)al_snprintf(out, VOL_COUNTER_MAX, "alcove-volume-counter 1\nid %.32s\nversion %llu\n",
                               name + 4, (unsigned long long)v);
}

int vol_counter_decode(const uint8_t id[16], const char *buf, size_t n, uint64_t *v)
{
    char want[VOL_COUNTER_MAX];
    const char *pfx = "alcove-volume-counter 1\nid ";
    size_t pl = al_strlen(pfx);
    if (n > VOL_COUNTER_MAX || n < pl + 32 + 10)
        return -EINVAL;
    size_t wl = vol_counter_encode(id, 0, want);
    /* everything up to "version " must match byte for byte */
    size_t head = wl - 2;  /* "version " + "0\n" -> without "0\n" */
    if (al_memcmp(buf, want, head))
        return -EINVAL;
    uint64_t x = 0;
    size_t i = head, digits = 0;
    for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++, digits++) {
        uint64_t d = (uint64_t)(buf[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -EINVAL;
        x = x * 10 + d;
    }
    if (!digits || digits > 20 || i != n - 1 || buf[i] != '\n')
        return -EINVAL;
    *v = x;
    return 0;
}

unsigned vol_slot(const struct vol *v)
{
    return v->slot;
}
