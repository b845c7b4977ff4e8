/*
 * erofs.h - a freestanding reader of uncompressed EROFS file systems (the format of Linux
 * fs/erofs/erofs_fs.h, as mkfs.erofs writes it), shared by the core (libos/fs/erofs.c) and
 * the CLI (alcove image ls).
 *
 * Supported: the superblock at byte 1024 of block 0 (4096-byte blocks only), compact
 * (32-byte) and extended (64-byte) inodes, the FLAT_PLAIN, FLAT_INLINE (tail packed) and
 * CHUNK_BASED (single device) data layouts, directories (sorted dirents, lookup by binary
 * search), symlinks, device/FIFO/socket inodes; inline and shared xattrs are skipped.
 * Compressed inodes stat fine but reading them gives -EOPNOTSUPP (after one log line).
 *
 * Every block comes through io->get_block, which in the core and the CLI returns blocks
 * already checked against the verity tree.  Even so every offset, length and count read
 * from the image is range-checked (a corrupt but correctly hashed image must not crash
 * the reader): anything inconsistent is -EIO ("EFSCORRUPTED") after an io->log line.
 *
 * No allocation, no static state; not thread-safe (the caller serialises).
 */
#ifndef ALCOVE_EROFS_H
#define ALCOVE_EROFS_H

#include <stddef.h>
#include <stdint.h>

#define EROFS_MAGIC 0xE0F5E1E2u
#define EROFS_BLOCK 4096u
#define EROFS_NAME_MAX 255u

/* The environment.  get_block sets *out to the 4096 verified bytes of block blk, valid
 * until the next get_block call, and returns 0 or -errno (-EIO for a bad block, -EINVAL
 * out of range).  name (may be NULL) says which file the block is for, for log lines.
 * log gets one line (no newline) per problem (may be NULL). */
struct erofs_io {
    void *ctx;
    int (*get_block)(void *ctx, uint64_t blk, const uint8_t **out, const char *name);
    void (*log)(void *ctx, const char *line);
};

/* A mounted file system: plain data, the caller owns the memory. */
struct erofs_fs {
    struct erofs_io io;
    uint64_t blocks;           /* the superblock's block count (== verity data blocks) */
    uint64_t root_nid;
    uint64_t inos;
    uint64_t meta_blkaddr, xattr_blkaddr;
    int64_t build_time;        /* times of compact inodes */
    uint32_t build_time_nsec;
    uint32_t feature_compat, feature_incompat;
    uint8_t uuid[16];
    char volume_name[17];
};

/* Read and check the superblock (block 0).  data_blocks is the number of blocks the
 * verity tree covers: the superblock's block count must equal it (this binds the tree
 * geometry to the file system, see docs/image-format.md).  Returns 0, or -EINVAL after a
 * log line: "not an EROFS file system" (magic), block size other than 4096, unknown
 * incompatible features, block count mismatch, a root nid outside the image; or
 * get_block's error. */
__attribute__((warn_unused_result))
int erofs_mount(struct erofs_fs *fs, const struct erofs_io *io, uint64_t data_blocks);

/* One inode, decoded.  Times: extended inodes carry their own mtime; compact ones the
 * superblock's build time (as Linux does); atime = ctime = mtime. */
#define EROFS_LAYOUT_FLAT_PLAIN 0
#define EROFS_LAYOUT_COMPRESSED_FULL 1
#define EROFS_LAYOUT_FLAT_INLINE 2
#define EROFS_LAYOUT_COMPRESSED_COMPACT 3
#define EROFS_LAYOUT_CHUNK_BASED 4
struct erofs_inode {
    uint64_t nid;              /* inode number (st_ino) */
    uint32_t mode, uid, gid;
    uint64_t nlink;
    uint64_t size;
    int64_t mtime;
    uint32_t mtime_nsec;
    uint32_t rdev;             /* device inodes: Linux new_encode_dev form */
    uint32_t layout;           /* EROFS_LAYOUT_* */
    uint32_t raw_blkaddr;      /* flat layouts: first data block */
    uint32_t chunkbits;        /* chunk based: log2 of the chunk size in bytes */
    uint32_t chunk_indexes;    /* chunk based: 1 = 8-byte indexes, 0 = 4-byte block map */
    uint64_t tail_off;         /* byte offset in the image of what follows the inode and
                                * its xattrs: inline tail data or the chunk table */
};

/* Decode inode nid.  Returns 0, or -EIO (corrupt: out of range, bad layout, inline tail
 * crossing a block) after a log line, or get_block's error. */
__attribute__((warn_unused_result))
int erofs_iget(const struct erofs_fs *fs, uint64_t nid, struct erofs_inode *out);

/* Where byte off (< ino->size) of the file lives: *pos is the byte offset in the image
 * (meaningless for a hole), *len the number of bytes from off that are contiguous there
 * (> 0, at most up to the end of the file), *hole 1 for a chunk hole (reads as zeros).
 * Returns 0, -EINVAL if off >= size, -EOPNOTSUPP for compressed files (log line), -EIO
 * for a corrupt mapping. */
__attribute__((warn_unused_result))
int erofs_map(const struct erofs_fs *fs, const struct erofs_inode *ino, uint64_t off,
              uint64_t *pos, uint64_t *len, int *hole);

/* Read up to n bytes at off of the file into buf (host or core memory) through get_block:
 * the count (0 at or past the end), or -errno as erofs_map / get_block.  name is for log
 * lines (may be NULL). */
__attribute__((warn_unused_result))
long erofs_pread(const struct erofs_fs *fs, const struct erofs_inode *ino, void *buf, size_t n,
                 uint64_t off, const char *name);

/* Find name (len bytes, no NUL needed) in directory dir by binary search over its sorted
 * dirents.  Returns 0 with *nid (and *ftype, EROFS_FT_*, if non-NULL), -ENOENT,
 * -ENOTDIR if dir is not a directory, -EIO for a corrupt directory. */
#define EROFS_FT_UNKNOWN 0
#define EROFS_FT_REG 1
#define EROFS_FT_DIR 2
#define EROFS_FT_CHR 3
#define EROFS_FT_BLK 4
#define EROFS_FT_FIFO 5
#define EROFS_FT_SOCK 6
#define EROFS_FT_LNK 7
__attribute__((warn_unused_result))
int erofs_lookup(const struct erofs_fs *fs, const struct erofs_inode *dir, const char *name,
                 size_t len, uint64_t *nid, uint8_t *ftype);

/* Directory listing.  *pos is a cursor: 0 at the start, then whatever the previous call
 * left (block * 4096 + dirent index * 12; stable because the image never changes).
 * Returns 1 with *out filled and *pos advanced past it, 0 at the end, -ENOTDIR, -EIO.
 * "." and ".." are listed as they are stored. */
struct erofs_dent {
    uint64_t nid;
    uint8_t ftype;             /* EROFS_FT_* */
    uint32_t len;
    char name[EROFS_NAME_MAX + 1];   /* NUL-terminated */
};
__attribute__((warn_unused_result))
int erofs_readdir(const struct erofs_fs *fs, const struct erofs_inode *dir, uint64_t *pos,
                  struct erofs_dent *out);

/* A symlink's target, at most size bytes, no NUL: the length, -EINVAL if not a symlink,
 * -ENAMETOOLONG if longer than 4095, or errors as erofs_pread. */
__attribute__((warn_unused_result))
long erofs_readlink(const struct erofs_fs *fs, const struct erofs_inode *ino, char *buf,
                    size_t size);

/* Resolve an absolute or relative (from the root) path without following symlinks (for
 * the CLI).  Returns 0 with *out, -ENOENT, -ENOTDIR, -EIO. */
__attribute__((warn_unused_result))
int erofs_resolve(const struct erofs_fs *fs, const char *path, struct erofs_inode *out);

/* Linux DT_* for an EROFS_FT_* value. */
uint8_t erofs_ftype_to_dt(uint8_t ftype);

#endif
