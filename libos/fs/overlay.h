/*
 * overlay.h - the overlay root's internals, shared by overlayfs.c (instance, lookup,
 * attributes, copy-up), overlay_dir.c (names and listings) and overlay_file.c (open
 * files).  Internal to libos/fs/; the design is described at the top of overlayfs.c and
 * in docs/overlay.md.
 */
#ifndef ALCOVE_FS_OVERLAY_H
#define ALCOVE_FS_OVERLAY_H

#include "vfs.h"

/* The OCI image-spec whiteout encoding on the upper layer (plain files). */
#define WH_PREFIX ".wh."
#define WH_PREFIX_LEN 4
#define WH_OPAQUE ".wh..wh..opq"
#define WH_OPAQUE_LEN 12
#define OVERLAYFS_MAGIC 0x794c7630   /* Linux's OVERLAYFS_SUPER_MAGIC */

struct ovl_sb {
    struct super_block *lower;   /* one reference (sb->refs) held by the overlay */
    struct super_block *upper;
};

/* inode->priv of every overlay inode.  At least one of upper/lower is set. */
struct ovl_inode {
    struct dentry *upper;        /* referenced: the object on the upper layer, or NULL */
    struct dentry *lower;        /* referenced: the object on the lower layer, or NULL
                                  * (kept after copy-up: st_ino stays the lower one) */
    int opaque;                  /* directory: its upper part hides the lower one */
};

static inline struct ovl_inode *OI(const struct inode *i)
{
    return i->priv;
}

static inline struct ovl_sb *OS(const struct super_block *sb)
{
    return sb->priv;
}

/* The layer object that answers for i now: the upper one once it exists. */
static inline struct dentry *ovl_real(const struct inode *i)
{
    return OI(i)->upper ? OI(i)->upper : OI(i)->lower;
}

/* A directory whose lower part shows through (lower directory, not opaque). */
static inline int ovl_has_lower_dir(const struct inode *i)
{
    const struct ovl_inode *oi = OI(i);
    return oi->lower && !oi->opaque && oi->lower->inode && S_ISDIR(oi->lower->inode->mode);
}

extern const struct inode_ops ovl_iops;
extern const struct file_ops ovl_closed_fops;

/* ---- overlayfs.c ---- */
/* A new overlay inode over (upper, lower), both referenced by the caller and taken over
 * (also on failure).  NULL: out of memory. */
struct inode *ovl_new_inode(struct super_block *sb, struct dentry *upper, struct dentry *lower);
/* Copy the real object's cached attributes into the overlay inode (the VFS checks
 * permissions and types against these). */
void ovl_sync_attrs(struct inode *i);
/* The positive upper child named name of upper directory udir, not referenced; NULL if
 * absent.  Upper layers keep every name in the cache (tmpfs, alcovefs). */
struct dentry *ovl_upper_child(struct dentry *udir, const char *name, size_t len);
/* Is there a whiteout for name in udir? */
int ovl_whiteout_in(struct dentry *udir, const char *name, size_t len);
/* Does the lower layer show an object at name in overlay directory dir? */
WUR int ovl_lower_positive(struct dentry *dir, const char *name, size_t len);
/* Give overlay dentry d an upper object (its parents first): directories are made,
 * files copied whole (data unless nodata), symlinks, FIFOs and devices re-created, with
 * mode, owner and times kept.  0 if already there; -errno (the upper layer unchanged). */
WUR int ovl_copy_up(struct dentry *d, int nodata);
/* Make an object on the upper layer: udir's child name (S_IFDIR, S_IFLNK with target,
 * or a node with rdev).  *out referenced on success. */
WUR int ovl_upper_make(struct dentry *udir, const char *name, size_t len, uint32_t mode,
                       uint64_t rdev, const char *target, struct dentry **out);
/* Remove ud (a child of udir) from the upper layer and drop it from the cache. */
WUR int ovl_upper_remove(struct dentry *udir, struct dentry *ud);
/* Write (0) or remove (1) the whiteout of name in udir. */
WUR int ovl_whiteout_set(struct dentry *udir, const char *name, size_t len, int remove);

/* ---- overlay_dir.c ---- */
/* Names a program may not use: they encode whiteouts on the upper layer. */
int ovl_reserved_name(const char *name, size_t len);
/* The visible names of overlay directory dir (merged, whiteouts applied), as a
 * kmalloc'd buffer of NUL-terminated names in *buf with their count in *n (*buf NULL when
 * empty).  0 or -errno. */
WUR int ovl_list(struct dentry *dir, char **buf, size_t *n, size_t *len);
WUR int ovl_create(struct dentry *dir, struct dentry *d, uint32_t mode, uint64_t rdev);
WUR int ovl_mkdir(struct dentry *dir, struct dentry *d, uint32_t mode);
WUR int ovl_symlink(struct dentry *dir, struct dentry *d, const char *target);
WUR int ovl_link(struct dentry *old, struct dentry *dir, struct dentry *d);
WUR int ovl_unlink(struct dentry *dir, struct dentry *d);
WUR int ovl_rmdir(struct dentry *dir, struct dentry *d);
WUR int ovl_rename(struct dentry *odir, struct dentry *od, struct dentry *ndir, struct dentry *nd,
                   unsigned flags);
WUR int ovl_tmpfile(struct dentry *dir, struct file *f, int flags, uint32_t mode, struct inode **out);
/* Open directory d: f gets the merged-listing file_ops. */
WUR int ovl_dir_open(struct dentry *d, struct file *f, int flags);

/* ---- overlay_file.c ---- */
WUR int ovl_open(struct dentry *d, struct file *f, int flags);
/* Open i's current layer object as f's real file (no copy-up). */
WUR int ovl_open_inode(struct inode *i, struct file *f, int flags);
/* An open file of the layer object real (loc {NULL, real}), for the overlay's own reads
 * and writes (copy-up, listings).  *out owned by the caller (file_put). */
WUR int ovl_open_real(struct dentry *real, int flags, struct file **out);

#endif
