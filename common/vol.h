/*
 * vol.h - the Alcove encrypted volume: format and access, shared by the CLI (create, check,
 * inspect, export, import) and the core's file system (libos/fs/alcovefs.c).
 *
 * API FROZEN (additions are fine; no renames).
 *
 * A volume is one host file of fixed size made of 4 KiB blocks.  Every block but the plain
 * header is sealed with AEAD (libsodium: AES-256-GCM where the CPU has it, else
 * XChaCha20-Poly1305), under keys derived with crypto_kdf from the 32-byte volume key and
 * the volume's random id.  Blocks form copy-on-write trees: a parent holds each child's
 * block number, nonce and tag, so the tags form a Merkle tree ending in a superblock that
 * carries a version counter.  A commit writes new blocks only, then the superblock into
 * the slot of the older of two; the newest valid slot wins at open.  See
 * docs/volume-format.md for every byte.
 *
 * Conventions: functions return 0 (or a count) or -errno (Linux values).  The volume never
 * trusts a byte of the file before its MAC has been checked.  All memory comes from
 * io->alloc; there is no static state (the core keeps struct vol in its shared heap).
 * Not thread-safe: the caller serialises (the core's big lock; the CLI is single-threaded).
 */
#ifndef ALCOVE_VOL_H
#define ALCOVE_VOL_H

#include <stddef.h>
#include <stdint.h>

#define VOL_BLOCK 4096u
#define VOL_NAME_MAX 255u

/* The caller's environment.  read/write are positional on the volume file and return
 * bytes transferred or -errno (a short count is an error for the volume); sync makes
 * everything written durable.  crypto_begin/end bracket every batch of libsodium calls
 * (the core's pal_crypto_begin/end; no-ops on the host).  log receives one line (no
 * newline) per problem found, naming it. */
struct vol_io {
    void *ctx;
    long (*read)(void *ctx, void *buf, size_t n, uint64_t off);
    long (*write)(void *ctx, const void *buf, size_t n, uint64_t off);
    int (*sync)(void *ctx);
    void *(*alloc)(size_t n);          /* NULL when out of memory */
    void (*free)(void *p);
    int (*random)(void *buf, size_t n); /* 0 or -errno */
    uint64_t (*crypto_begin)(void);
    void (*crypto_end)(uint64_t token);
    void (*log)(void *ctx, const char *line);
};

/* The rollback counter source: the highest version ever committed for volume id.  get
 * sets *v = 0 when it knows nothing of the volume (a new volume, or a source that was
 * reset: the open then says so through log).  set records v (called after the
 * superblock of version v is durable).  Both 0 or -errno. */
struct vol_counter {
    void *ctx;
    int (*get)(void *ctx, const uint8_t id[16], uint64_t *v);
    int (*set)(void *ctx, const uint8_t id[16], uint64_t v);
};

/* The default counter source keeps one small state file per volume in a state directory
 * (guards only against a rollback that leaves that file alone).  Its name and content:
 * vol_counter_name() writes "vol-<32 hex>.counter" (size >= 64); vol_counter_encode()
 * writes the file content (returns its length, <= VOL_COUNTER_MAX) and
 * vol_counter_decode() parses it (0, or -EINVAL for anything malformed or another id).
 * Callers write it atomically (temporary file, fsync, rename). */
#define VOL_COUNTER_MAX 128
void vol_counter_name(const uint8_t id[16], char *out, size_t size);
size_t vol_counter_encode(const uint8_t id[16], uint64_t v, char *out);
int vol_counter_decode(const uint8_t id[16], const char *buf, size_t n, uint64_t *v);

/* Create a volume of size_bytes (rounded down to whole blocks; at least VOL_MIN_SIZE) on
 * io: the whole file is written (random bytes where nothing lives yet, so the host sees
 * the same kind of bytes everywhere) with an empty root directory (mode 0755, owner
 * uid:gid), version 1.  If counter is given, its state is set to 1. */
#define VOL_MIN_SIZE (256u * 1024u)
int vol_format(const struct vol_io *io, const uint8_t key[32], uint64_t size_bytes,
               uint32_t uid, uint32_t gid, const struct vol_counter *counter);

struct vol;

/* Open: check the header, find the newest superblock that authenticates, check it against
 * the counter (NULL: no rollback check).  Errors, each after one io->log line:
 *   -EINVAL       not an Alcove volume (magic, version, geometry) or truncated file
 *   -EKEYREJECTED wrong key or corrupted volume (no superblock authenticates)
 *   -ESTALE       rolled back: the newest superblock is older than the counter says
 *   -EIO / -ENOMEM  host or memory failure
 * rw 0: nothing will be written (commit gives -EROFS).  On success *out belongs to the
 * caller until vol_close.  A read-write open sets the counter forward if the volume is
 * newer (a crash after the superblock write, before the counter write). */
int vol_open(const struct vol_io *io, const uint8_t key[32], const struct vol_counter *counter,
             int rw, struct vol **out);
/* Free everything (uncommitted changes are dropped). */
void vol_close(struct vol *v);

/* Facts for inspect and statfs. */
struct vol_info {
    uint8_t id[16];
    uint64_t version;          /* of the superblock in use */
    uint64_t total_blocks;     /* the file's blocks */
    uint64_t free_blocks;      /* free for data now (after the last commit's frees) */
    uint64_t inodes;           /* inodes in use */
    const char *cipher;        /* "aes256gcm" or "xchacha20poly1305" */
};
void vol_info(const struct vol *v, struct vol_info *out);
/* Data blocks a caller may still write before the next commit, keeping back what that
 * commit needs for its copy-on-write tree nodes and superblock: writes past this figure
 * could make the commit fail with -ENOSPC.  (An estimate for files of a few dozen blocks
 * or more, one tree node per 63 data blocks: each further file written costs up to its
 * tree depth + 1 blocks more.  vol_write_blocks itself fails with -ENOSPC, changing
 * nothing, before the commit's needs could go unmet, so the volume stays committable.) */
uint64_t vol_room(const struct vol *v);

/* ---- inodes -------------------------------------------------------------------------- */
struct vol_attr {
    uint32_t mode, uid, gid;   /* mode with S_IFMT */
    uint64_t nlink, rdev;
    int64_t size;
    int64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
    uint64_t blocks;           /* OUT of vol_getattr: 4 KiB blocks holding data */
};
/* The root directory's inode number. */
uint64_t vol_root(const struct vol *v);
/* A new inode (attributes zero but mode; nlink 1): its number in *ino.  -ENOSPC. */
int vol_alloc(struct vol *v, uint32_t mode, uint64_t *ino);
/* Free an inode and all its data. */
int vol_free(struct vol *v, uint64_t ino);
int vol_getattr(struct vol *v, uint64_t ino, struct vol_attr *a);
/* Every field but blocks is stored as given. */
int vol_setattr(struct vol *v, uint64_t ino, const struct vol_attr *a);
/* Visit every allocated inode (fn returns 0 to go on, else stops with that value). */
int vol_for_each_inode(struct vol *v, int (*fn)(void *arg, uint64_t ino), void *arg);

/* ---- data, by 4 KiB block (for regular files, symlinks and directories alike) ----------- */
/* 0: block idx of ino is in buf; 1: a hole (buf zeroed); -EIO: it failed authentication
 * (logged with ino and idx); -EINVAL: no such inode. */
int vol_read_block(struct vol *v, uint64_t ino, uint64_t idx, void *buf);
/* n consecutive blocks from idx into buf (n * 4096 bytes) inside one crypto bracket;
 * holes read as zeros.  0 or -errno (the first failure). */
int vol_read_blocks(struct vol *v, uint64_t ino, uint64_t idx, uint64_t n, void *buf);
/* Store 4096 bytes as block idx (visible to reads at once, durable at the next commit).
 * -ENOSPC when no block is left. */
int vol_write_block(struct vol *v, uint64_t ino, uint64_t idx, const void *buf);
/* n consecutive blocks (one crypto bracket for the lot). */
int vol_write_blocks(struct vol *v, uint64_t ino, uint64_t idx, uint64_t n, const void *buf);
/* Make block idx a hole. */
int vol_punch_block(struct vol *v, uint64_t ino, uint64_t idx);
/* Free every block at or past ceil(size / 4096) (the caller zeroes a partial last block
 * itself with a write).  Does not change the stored size attribute. */
int vol_truncate(struct vol *v, uint64_t ino, int64_t size);
/* The first block >= idx that holds data, or -1 (none; also on any error). */
int64_t vol_next_block(struct vol *v, uint64_t ino, uint64_t idx);

/* ---- directories ------------------------------------------------------------------------
 * A directory's content is its entries in the format of vol_dir_encode (the bytes are the
 * directory inode's data; size attribute = encoded length).  The caller keeps directories
 * whole: decode all, encode all. */
struct vol_dirent {
    uint64_t ino;
    uint8_t type;              /* DT_* (Linux dirent d_type) */
    uint8_t len;               /* 1..255 */
    const char *name;          /* not NUL-terminated */
};
/* Call fn for each entry of directory ino (names are valid during the call only).  -EIO
 * for a malformed or unauthenticated directory. */
int vol_dir_read(struct vol *v, uint64_t ino,
                 int (*fn)(void *arg, const struct vol_dirent *e), void *arg);
/* Replace directory ino's entries with e[0..n) (writes its data and its size). */
int vol_dir_write(struct vol *v, uint64_t ino, const struct vol_dirent *e, size_t n);

/* ---- durability -------------------------------------------------------------------------- */
/* Make everything written so far durable, atomically: write new tree nodes, sync, write
 * the superblock of version+1 into the older slot, sync, then counter->set.  After a
 * crash at any point the volume opens at the old or the new version, whole.  On failure
 * (-EIO, -ENOSPC) the in-memory state stays usable and a later commit may retry. */
int vol_commit(struct vol *v);

/* ---- checking ---------------------------------------------------------------------------- */
/* Read and authenticate every reachable block, check that no block is used twice and that
 * the allocation map matches; report each problem through io->log.  0 if clean, else
 * -EIO (the number of problems in *problems if not NULL). */
int vol_check(struct vol *v, uint64_t *problems);

/* ---- additions (after the freeze) ---------------------------------------------------- */
/* vol_format with a chosen cipher: VOL_CIPHER_AUTO (AES-256-GCM when the CPU has AES-NI,
 * else XChaCha20-Poly1305, what vol_format does), or one of the two (-EOPNOTSUPP for AES
 * without AES-NI).  For tests and for volumes meant to move to CPUs without AES-NI. */
#define VOL_CIPHER_AUTO 0
#define VOL_CIPHER_AES256GCM 1
#define VOL_CIPHER_XCHACHA20POLY1305 2
int vol_format_cipher(const struct vol_io *io, const uint8_t key[32], uint64_t size_bytes,
                      uint32_t uid, uint32_t gid, const struct vol_counter *counter, int cipher);
/* Bound the clean tree nodes kept in memory (4 KiB each; default 2048).  Dirty nodes stay
 * until the next commit whatever the bound. */
void vol_set_cache(struct vol *v, uint64_t nodes);
/* The directory format: encode e[0..n) into out (cap bytes; out NULL: only the length).
 * Returns the length, -EINVAL for a bad entry (ino 0, type > 15, a name that is empty,
 * longer than 255, ".", "..", or holds '/' or NUL), -ERANGE if cap is too small.
 * vol_dir_decode calls fn per entry of buf[0..len) (len 0: empty): 0, fn's non-zero
 * value, or -EIO for anything malformed. */
long vol_dir_encode(const struct vol_dirent *e, size_t n, void *out, size_t cap);
int vol_dir_decode(const void *buf, size_t len, int (*fn)(void *arg, const struct vol_dirent *e),
                   void *arg);
/* The plain header's facts, without the key: id, total_blocks and cipher (the other
 * fields 0).  0, or -EINVAL (not an Alcove volume, truncated) / -EIO after a log line. */
int vol_probe(const struct vol_io *io, struct vol_info *out);
/* The slot (1 or 2) holding the superblock in use (for inspect). */
unsigned vol_slot(const struct vol *v);

#endif
