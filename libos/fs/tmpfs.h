/*
 * tmpfs.h - tmpfs with a backing store: the hooks and helpers a persistent file system
 * built on tmpfs uses (alcovefs.c: the encrypted volume).  Internal to libos/fs/.
 *
 * Such a file system is a tmpfs instance (names as pinned dentries, attributes in struct
 * inode, file data in PAL memory objects) whose super_block carries a table of hooks:
 * tmpfs calls them where its state changes, so the backing file system knows what to
 * write at its next commit, and before it first touches a file's data, so the backing
 * file system can bring the data in lazily.  Plain tmpfs instances have no table and
 * behave exactly as before.
 *
 * Every hook runs under the big core lock, inside the tmpfs operation that calls it.
 */
#ifndef ALCOVE_FS_TMPFS_H
#define ALCOVE_FS_TMPFS_H

#include "vfs.h"

/* What changed (the `what` of dirty()). */
#define TB_ATTR 1u    /* attributes: mode, owner, nlink, size, times */
#define TB_DIR 2u     /* a directory's entries (a name added, removed or renamed) */
#define TB_DATA 4u    /* bytes of pages first..last of a regular file were written */
#define TB_PUNCH 8u   /* pages first..last (some may be partial) were zeroed or freed */
#define TB_TRUNC 16u  /* the file was cut: nothing from byte `first` on survives */
#define TB_MAPPED 32u /* mapped shared and writable: any page below i_size may change */

struct tmpfs_backing_ops {
    /* A new inode of the instance (new_inode): set up the backing state (tmpfs_bpriv).
     * 0 or -ENOMEM (the create then fails). */
    int (*init)(struct inode *i);
    /* Before the data of regular file i is used for the first time (read, write, mmap,
     * truncate, fallocate, SEEK_DATA/HOLE): fill it (tmpfs_fill_page).  0 or -errno
     * (-EIO: the operation fails with it). */
    int (*load)(struct inode *i);
    /* i changed (TB_* bits; first/last as the bits say). */
    void (*dirty)(struct inode *i, unsigned what, uint64_t first, uint64_t last);
    /* fsync(2)/fdatasync(2) of a file or directory of the instance. */
    int (*fsync)(struct file *f, int datasync);
    /* The inode's last reference went: tmpfs frees its data right after. */
    void (*evict)(struct inode *i);
};

/* Make sb (from sb_alloc) a tmpfs instance with backing hooks (tmpfs's mount options in
 * data, as for mount(2)).  sb->ops is tmpfs's: the caller may replace it with a table
 * that calls tmpfs_evict_inode and tmpfs_free_super. */
WUR int tmpfs_fill_super(struct super_block *sb, const char *data,
                         const struct tmpfs_backing_ops *bops);
/* The backing hooks' per-inode and per-instance words (NULL until set). */
void **tmpfs_bpriv(struct inode *i);
void **tmpfs_sb_bpriv(struct super_block *sb);
/* A new inode of sb (mode with S_IFMT; owner root, nlink 1), charged like a create. */
WUR int tmpfs_new_inode(struct super_block *sb, uint32_t mode, struct inode **out);
/* A symlink inode's text (taken over, kmalloc'd). */
void tmpfs_set_target(struct inode *i, char *target);
const char *tmpfs_target(const struct inode *i);
/* Loading: n (<= 4096) bytes of page p of regular file i, the page counted as allocated
 * (st_blocks and the size limit; charged even above the limit, as what is loaded was
 * accounted before). */
WUR int tmpfs_fill_page(struct inode *i, uint64_t p, const void *buf, size_t n);
/* The same for n whole consecutive pages from p (one host call: loading a run of blocks). */
WUR int tmpfs_fill_pages(struct inode *i, uint64_t p, const void *buf, uint64_t n);
/* Commit: n whole pages from p into core memory (zeros for a file without data). */
WUR int tmpfs_read_pages(const struct inode *i, uint64_t p, void *buf, uint64_t n);
/* Commit: is page p allocated; the first page in [p, last] whose bit is want (or last+1);
 * read the 4096 bytes of page p into core memory (zeros for a file without data). */
int tmpfs_page_present(const struct inode *i, uint64_t p);
uint64_t tmpfs_page_find(const struct inode *i, uint64_t p, uint64_t last, int want);
WUR int tmpfs_read_page(const struct inode *i, uint64_t p, void *buf);
/* Pages allocated in the instance and its limit (0: none); the backing file system may
 * add or remove a charge for data it keeps outside the memory objects (delta signed). */
void tmpfs_space(const struct super_block *sb, uint64_t *used, uint64_t *max);
void tmpfs_charge_extra(struct super_block *sb, int64_t delta);
void tmpfs_set_limits(struct super_block *sb, uint64_t max_pages, uint64_t max_inodes);
void tmpfs_inode_space(const struct super_block *sb, uint64_t *used, uint64_t *max);
/* tmpfs's own fs_ops, for a table that wraps them. */
void tmpfs_evict_inode(struct inode *i);
void tmpfs_free_super(struct super_block *sb);
int tmpfs_statfs_words(struct dentry *d, uint64_t out[15]);
/* Is sb a tmpfs instance (plain or backed)? */
int tmpfs_is(const struct super_block *sb);

#endif
