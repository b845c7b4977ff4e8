/*
 * vol_int.h - internals of the encrypted volume (common/vol*.c); see common/vol.h for the
 * API and docs/volume-format.md for every byte of the format.
 *
 * The pieces:
 *  - vol_crypto.c: keys and sealing;
 *  - vol_core.c:   the node cache, block allocation, the generic copy-on-write radix
 *                  tree (64 pointers per node) used by every tree of the volume;
 *  - vol_file.c:   inodes and file data;  vol_dir.c: directories;
 *  - vol.c:        format, open, info, the counter file helpers;
 *  - vol_commit.c: the commit;  vol_check.c: the checker.
 *
 * In-memory model.  Every tree node the volume has touched lives in a hash table keyed by
 * (kind, ino, level, index).  A node is clean (its plaintext equals the sealed block at
 * node->blk, which the last durable superblock reaches) or dirty (changed since; it owns
 * no committed block any more: the old one was handed to the "hold" set at the moment it
 * got dirty).  Dirty nodes never leave memory before the commit writes them; clean ones
 * are evicted when the cache is over its bound.  A dirty node's parent is dirty too, up
 * to the superblock, so a commit is "write every dirty node bottom-up, then the
 * superblock".  File data (level 0 of a file's tree) is not cached: it is sealed and
 * written at vol_write_blocks time into freshly allocated blocks.
 */
#ifndef ALCOVE_VOL_INT_H
#define ALCOVE_VOL_INT_H

#include "vol.h"
#include "al_string.h"

#include <sodium.h>
#include <asm-generic/errno-base.h>
#include <asm-generic/errno.h>

#define VB VOL_BLOCK
#define FAN 64u                 /* pointers per tree node */
#define FSHIFT 6u
#define MAXDEPTH 10u            /* 64^10 leaves: beyond any file size */
#define PENDING UINT64_MAX      /* parent entry of a dirty child: the child is in the cache */
#define SB_A 1u                 /* superblock slots */
#define SB_B 2u
#define FIRST_FREE 3u           /* the first block the allocator may hand out */
#define SB_CT (VB - 48)         /* a superblock slot: epoch, nonce, tag, then this much ciphertext */
#define INO_PER_BLOCK 16u
#define INO_SIZE 256u
#define BITS_PER_CHUNK (VB * 8u)
#define STAGE 256u              /* blocks sealed per batch (1 MiB) */
#define NKEYS 8u                /* cached epoch keys */
#define DEFAULT_CACHE 2048u     /* clean nodes kept (8 MiB) */

/* Block kinds, part of every block's associated data. */
enum { K_FILE = 1, K_ITAB = 2, K_IBMAP = 3, K_BBMAP = 4, K_SB = 5 };
enum { VOL_CIPHER_AES = VOL_CIPHER_AES256GCM, VOL_CIPHER_XCHACHA = VOL_CIPHER_XCHACHA20POLY1305 };

#define IGNORE_RESULT(x) do { if (x) {} } while (0)

#define S_IFMT_ 0170000u
#define S_IFDIR_ 0040000u

/* A pointer to a sealed block (64 bytes, little-endian on disk as in memory). */
struct vptr {
    uint64_t blk;        /* 0: nothing (a hole); PENDING only in memory */
    uint64_t epoch;      /* which key sealed it */
    uint8_t nonce[24];   /* AES-GCM uses the first 12 */
    uint8_t tag[16];
    uint64_t rsv;
};

/* An inode record (256 bytes; 16 per inode-table block).  mode 0: free. */
struct vinode {
    uint32_t mode, uid, gid, flags;
    uint64_t nlink, rdev;
    int64_t size;
    int64_t at, atn, mt, mtn, ct, ctn;
    uint64_t blocks;     /* data blocks in the tree */
    uint32_t depth, rsv0;
    uint8_t rsv1[24];
    struct vptr root;    /* offset 128 */
    uint8_t rsv2[64];
};

/* The plain header, block 0 (the rest of the block is zero). */
struct vhdr {
    char magic[8];       /* "ALCVOL\0\1" */
    uint32_t format;     /* 1 */
    uint32_t block_size; /* 4096 */
    uint64_t total_blocks;
    uint32_t cipher;     /* VOL_CIPHER_* */
    uint32_t kdf;        /* 1: generichash(key, id|salt) then crypto_kdf per epoch */
    uint8_t id[16];
    uint8_t salt[16];
    char kdf_ctx[8];     /* "AlcVol01" */
    uint64_t inode_cap;
};

/* The superblock's plaintext (sealed into slot block 1 or 2). */
struct vsb {
    char magic[8];       /* "ALCVSB01" */
    uint64_t version;
    uint64_t total_blocks;
    uint8_t hdr_hash[32];/* BLAKE2b-256 of the whole header block */
    uint64_t inode_cap;
    uint64_t inodes;     /* in use */
    uint64_t used_blocks;
    uint64_t root_ino;
    uint64_t ino_hint, blk_hint;
    uint32_t itab_depth, ibmap_depth, bbmap_depth, rsv;
    struct vptr itab, ibmap, bbmap;
};

struct vnode {
    struct vnode *hnext;
    uint64_t ino, index;
    uint64_t blk;        /* clean: its committed block; dirty: 0 or a block of this session */
    uint8_t kind, level, dirty, pin, ref;
    uint8_t data[VB] __attribute__((aligned(16)));
};

struct vkey {
    uint64_t epoch;
    int valid;
    uint8_t k[32];
    crypto_aead_aes256gcm_state *st;  /* AES only, 16-aligned inside st_raw */
    void *st_raw;
};

struct vol {
    struct vol_io io;
    struct vol_counter counter;
    int has_counter, rw, cipher;
    uint8_t id[16];
    uint8_t master[32];
    uint8_t hdr_hash[32];
    uint64_t N;                  /* total blocks */
    struct vsb sb;               /* working state (roots may be PENDING) */
    struct vsb csb;              /* the committed superblock in use */
    unsigned slot;               /* slot holding csb */
    int sb_dirty;
    int no_slack;                /* a write that may dip into the slack (vol_dir_write) */
    uint64_t epoch, epoch_seals; /* the key this session seals with */
    struct vkey keys[NKEYS];
    unsigned key_next;
    /* node cache */
    struct vnode **ht;
    uint64_t hsize, nnodes, ndirty, cache_limit, sweep;
    struct vnode **bb, **ib;     /* bitmap chunks (pinned) */
    uint64_t nbb, nib;
    /* allocation */
    uint64_t *hold, *fresh;      /* N bits each */
    uint64_t nfree, nhold, need, rfixed, slack, cursor;
    /* scratch */
    uint8_t *stage;              /* STAGE blocks */
    struct vptr *plist;          /* STAGE pointers */
    uint64_t *blist;             /* STAGE block numbers / indexes */
    uint8_t rnd[STAGE * 24 + 64];
    size_t rnd_left;
    int cdepth;
    uint64_t ctok;
};

/* ---- vol_crypto.c, vol_core.c ---- */
/* Zero secrets and plaintext before memory goes back (not libsodium's sodium_memzero:
 * that would need a crypto bracket in the core). */
void vi_wipe(void *p, size_t n);
void vi_vlog(struct vol *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vi_vlog_io(const struct vol_io *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vi_cbegin(struct vol *v);
void vi_cend(struct vol *v);
int vi_rnd_ensure(struct vol *v, size_t nonces) __attribute__((warn_unused_result));
void vi_derive_master(const uint8_t key[32], const uint8_t id[16], const uint8_t salt[16],
                   uint8_t out[32]);
/* Seal plain (VB bytes) into out with a fresh nonce under the session key; fills p. */
int vi_seal_block(struct vol *v, int kind, int level, uint64_t ino, uint64_t index, uint64_t blk,
               const uint8_t *plain, uint8_t *out, struct vptr *p) __attribute__((warn_unused_result));
/* Authenticate and decrypt in (VB bytes) into out (may equal in): 0 or -EIO. */
int vi_open_block(struct vol *v, int kind, int level, uint64_t ino, uint64_t index,
               const struct vptr *p, const uint8_t *in, uint8_t *out) __attribute__((warn_unused_result));
int vi_seal_raw(struct vol *v, uint64_t epoch, const uint8_t *ad, size_t adlen, const uint8_t *m,
             size_t n, uint8_t *c, const uint8_t *nonce, uint8_t tag[16]) __attribute__((warn_unused_result));
int vi_open_raw(struct vol *v, uint64_t epoch, const uint8_t *ad, size_t adlen, const uint8_t *c,
             size_t n, uint8_t *m, const uint8_t *nonce, const uint8_t tag[16]) __attribute__((warn_unused_result));
int vi_new_epoch(struct vol *v) __attribute__((warn_unused_result));
void vi_keys_free(struct vol *v);

int vi_cache_init(struct vol *v) __attribute__((warn_unused_result));
void vi_cache_free(struct vol *v);
struct vnode *vi_node_find(struct vol *v, int kind, uint64_t ino, int level, uint64_t index);
void vi_node_drop(struct vol *v, struct vnode *n);
void vi_cache_trim(struct vol *v);

int vi_bit_get(const uint64_t *a, uint64_t b);
void vi_bit_put(uint64_t *a, uint64_t b, int val);
int vi_bb_get(struct vol *v, uint64_t b);
void vi_bb_put(struct vol *v, uint64_t b, int val);
int vi_ib_get(struct vol *v, uint64_t ino);
void vi_ib_put(struct vol *v, uint64_t ino, int val);
/* Allocate up to want blocks as one contiguous run (at least 1): start in *start,
 * count returned; 0 when none is free. */
uint64_t vi_alloc_run(struct vol *v, uint64_t want, uint64_t *start);
void vi_free_block(struct vol *v, uint64_t b);

/* The root pointer and depth of a tree (for K_FILE, the inode's). */
int vi_tree_root(struct vol *v, int kind, uint64_t ino, struct vptr **root, uint32_t **depth)
    __attribute__((warn_unused_result));
/* The node at (kind, ino, level, index): *out NULL when absent (create 0).  With create,
 * missing nodes are made (dirty, zeroed) and the tree grown as needed. */
int vi_node_get(struct vol *v, int kind, uint64_t ino, int level, uint64_t index, int create,
             struct vnode **out) __attribute__((warn_unused_result));
int vi_mark_dirty(struct vol *v, struct vnode *n) __attribute__((warn_unused_result));
int vi_tree_grow(struct vol *v, int kind, uint64_t ino, uint64_t leaf) __attribute__((warn_unused_result));
/* Room check for new allocations (keeps back the bitmaps' nodes and a slack for frees):
 * 0 or -ENOSPC.  space_ok_free: the same without the slack, for changes that free. */
int vi_space_ok(struct vol *v, uint64_t extra);
int vi_space_ok_free(struct vol *v, uint64_t extra);
void vi_make_ad(struct vol *v, uint8_t ad[48], int kind, int level, uint64_t ino, uint64_t index,
             uint64_t blk);
int vi_host_read(struct vol *v, void *buf, uint64_t nblocks, uint64_t blk) __attribute__((warn_unused_result));
int vi_host_write(struct vol *v, const void *buf, uint64_t nblocks, uint64_t blk) __attribute__((warn_unused_result));

/* ---- vol_file.c ---- */
int vi_inode_rec(struct vol *v, uint64_t ino, int create, struct vinode **out, struct vnode **leaf)
    __attribute__((warn_unused_result));
/* The inode with its table block marked dirty (about to change): 0 or -errno. */
int vi_inode_dirty(struct vol *v, uint64_t ino, struct vinode **rec) __attribute__((warn_unused_result));
int vi_tree_cut(struct vol *v, int kind, uint64_t ino, uint64_t first) __attribute__((warn_unused_result));

#endif
