/*
 * vfs.h - the file-system interface: what a file-system type implements and what the VFS
 * gives it.  Internal to libos/fs/ (the rest of the core uses fs.h).
 *
 * The model is Linux's: a super_block per mounted file-system instance, an inode per
 * object, a dentry per name, a vfsmount per place in the tree.  All four live in the
 * shared kernel state (kmalloc'd), so every process of the enclave sees the same objects,
 * and all are protected by the big core lock: a file system never locks on its own and
 * may assume nothing changes while one of its operations runs, except where it drops the
 * lock (it must not, today).
 *
 * Lifetimes (reference counts, all under the lock):
 *  - inode:   refs from dentries and from the file system itself (tmpfs keeps none: a
 *             tmpfs inode lives while a dentry or an open file names it).  At zero the VFS
 *             calls sb->ops->evict_inode() (tmpfs frees the data if nlink is 0) and frees it.
 *  - dentry:  refs from open files, cwds, mounts (mountpoint and root), child dentries,
 *             and D_PINNED (the file system says the name exists: tmpfs entries, mount
 *             points that do not exist below).  An unreferenced dentry stays in the cache
 *             (LRU) until the cache is over its limit, then it is evicted: it never fails a
 *             lookup, it only costs a lookup again.
 *  - vfsmount: refs from open files and cwds below it and from mounts on top of it; umount
 *             gives EBUSY while any remain (MNT_DETACH unhooks it and lets it die later).
 *
 * Contract of the operations (Solo5 style: what each side promises):
 *  - Directory operations get the parent dentry and the child dentry carrying the name
 *    (d->name, d->len).  The VFS has already checked: the parent is a directory of this
 *    super_block, search and write permission, the mount is writable, the name is a valid
 *    component (not "", ".", "..", no '/', at most 255 bytes), existence as the call
 *    requires (create: d is negative; unlink/rmdir: d is positive and of the right kind).
 *  - On success, create/mkdir/symlink/mknod fill d->inode (d_instantiate) and link set
 *    d->inode to the old inode with its nlink raised.  unlink/rmdir leave d positive: the
 *    VFS unhashes it (open files keep the inode).  rename moves nothing in the cache: the
 *    VFS moves the dentries afterwards (d_move).
 *  - Results from the host are untrusted: a file system backed by the host maps anything
 *    unexpected to -EIO and never lets a host answer widen what a path names.
 */
#ifndef ALCOVE_FS_VFS_H
#define ALCOVE_FS_VFS_H

#include "libos.h"
#include "fs/fs.h"
#include "mm/mm.h"
#include "proc/proc.h"

#define NAME_MAX_LEN 255

struct super_block;
struct inode;
struct dentry;
struct vfsmount;

/* setattr(): which fields of struct iattr to apply (ATTR_*), already permission-checked. */
#define ATTR_MODE 1u
#define ATTR_UID 2u
#define ATTR_GID 4u
#define ATTR_SIZE 8u
#define ATTR_ATIME 16u   /* atime from ia.atime (UTIME_NOW resolved by the VFS) */
#define ATTR_MTIME 32u
#define ATTR_CTIME 64u   /* set ctime to now (every change does) */
struct iattr {
    unsigned valid;
    uint32_t mode, uid, gid;
    int64_t size;
    int64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

struct inode_ops {
    /* --- directories ---
     * lookup: fill d->inode for an existing name, leave it NULL for an absent one (0), or
     * -errno.  NULL for file systems whose every entry is in the cache (tmpfs). */
    int (*lookup)(struct dentry *dir, struct dentry *d);
    /* Regular files, FIFOs, sockets and device nodes (mode carries S_IFMT). */
    int (*create)(struct dentry *dir, struct dentry *d, uint32_t mode, uint64_t rdev);
    int (*mkdir)(struct dentry *dir, struct dentry *d, uint32_t mode);
    int (*symlink)(struct dentry *dir, struct dentry *d, const char *target);
    int (*link)(struct dentry *old, struct dentry *dir, struct dentry *d);
    int (*unlink)(struct dentry *dir, struct dentry *d);
    int (*rmdir)(struct dentry *dir, struct dentry *d);   /* the VFS checked nothing about emptiness */
    /* flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE (the VFS checked existence for both). */
    int (*rename)(struct dentry *odir, struct dentry *od, struct dentry *ndir, struct dentry *nd,
                  unsigned flags);
    /* --- every inode --- */
    /* Fresh attributes into st (st->dev is filled by the VFS from the super_block). */
    int (*getattr)(struct dentry *d, struct pal_stat *st);
    int (*setattr)(struct dentry *d, const struct iattr *ia);
    long (*readlink)(struct dentry *d, char *buf, size_t size);
    /* Magic links (/proc/PID/fd/N, /proc/PID/cwd): set *out (referenced) and return 0;
     * return 1 for an ordinary link (readlink text is followed); 2 when the link itself is
     * the object (an fd of a pipe: open reaches it through open_file); or -errno. */
    int (*get_link)(struct dentry *d, struct path *out);
    /* Open: f arrives with flags, mode and its path set; set f->ops (and priv, h). */
    int (*open)(struct dentry *d, struct file *f, int flags);
    /* Instead of open, for file systems that make their own descriptions (synthetic
     * files, /proc/PID/fd/N reaching an existing one): *out referenced.  The VFS sets
     * (*out)->loc to p if it has none. */
    int (*open_file)(const struct path *p, int flags, struct file **out);
    /* O_TMPFILE in directory dir (file systems other than tmpfs): an open unnamed file in
     * f (f->loc is set by the VFS afterwards) and its inode in *out (referenced). */
    int (*tmpfile)(struct dentry *dir, struct file *f, int flags, uint32_t mode, struct inode **out);
    /* Create and open in one step (host-backed file systems: one host call).  d is
     * negative; on success d is positive and f is open (f->ops set).  NULL: the VFS calls
     * create, then open. */
    int (*atomic_open)(struct dentry *dir, struct dentry *d, struct file *f, int flags,
                       uint32_t mode);
    /* Every entry of directory d but "." and "..", in core memory, for the overlay root's
     * merged listings (overlay_dir.c): fn(ctx, name, len) for each, stopping at the first
     * non-zero result, which is returned.  Needed by file systems that have a lookup and
     * may be an overlay's lower layer (erofs); NULL: the overlay lists cached children
     * (file systems without lookup) or reads the host directory (hostfs). */
    int (*iterate)(struct dentry *d, int (*fn)(void *ctx, const char *name, size_t len), void *ctx);
};

struct fs_ops {
    /* statfs(2) words (Linux struct statfs layout); d is the dentry asked about. */
    int (*statfs)(struct dentry *d, uint64_t out[15]);
    int (*sync)(struct super_block *sb);
    /* The last reference to an inode went: free what the file system keeps for it. */
    void (*evict_inode)(struct inode *ino);
    /* The last mount of the instance went. */
    void (*put_super)(struct super_block *sb);
    /* Is the cached dentry d still what its name means?  1 yes, 0 no (the VFS drops it and
     * looks the name up again), -errno.  final: d is the last component of the walk (its
     * attributes are about to be used).  NULL: always valid (enclave file systems).  Never
     * asked about pinned dentries or mount points. */
    int (*revalidate)(struct dentry *d, int final);
};

/* A file-system type: mount fills sb->root (and sb->priv, sb->ops); data is the option
 * string of mount(2) ("size=64k,mode=1777"), or NULL. */
struct fs_type {
    const char *name;
    int (*mount)(struct super_block *sb, const char *data, unsigned long msflags);
    int nodev;           /* "nodev" in /proc/filesystems */
};

#define SB_RDONLY 1      /* the instance itself is read-only (host mount given ro) */
struct super_block {
    const struct fs_type *type;
    const struct fs_ops *ops;
    struct dentry *root;
    uint64_t dev;        /* st_dev of every inode */
    int flags;           /* SB_* */
    int refs;            /* mounts of this instance */
    uint64_t next_ino;   /* for file systems that number their own inodes */
    void *priv;
    char *source;        /* first field of /proc/mounts */
    char *options;       /* file-system options shown in /proc/mounts ("size=...") or NULL */
    uint64_t show_dev;   /* the device mountinfo shows (host-backed: the host's), 0: dev */
};

struct inode {
    int refs;
    struct super_block *sb;
    const struct inode_ops *iops;
    uint64_t ino;
    uint32_t mode, uid, gid;     /* cached attributes (the truth for enclave file systems, a
                                  * hint for host-backed ones: see getattr) */
    uint64_t nlink, rdev;
    int64_t size, blocks;
    int64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
    struct pipe *fifo;           /* a FIFO of an enclave file system while open (ipc/pipe.c) */
    void *sock;                  /* the local socket bound to this S_IFSOCK inode (ipc/unix.c) */
    void *priv;
};

#define D_HASHED 1       /* findable by name in its parent (else deleted or never hashed) */
#define D_PINNED 2       /* the cache holds a reference on behalf of the file system */
#define D_AUTODIR 4      /* a mount point made up because the path did not exist below */
#define D_TMPFILE 8      /* an O_TMPFILE file that linkat may still name */
struct dentry {
    int refs;
    int flags;
    struct dentry *parent;       /* referenced; NULL for a super_block's root */
    struct inode *inode;         /* referenced; NULL: negative */
    struct super_block *sb;
    char *name;                  /* kmalloc'd, NUL-terminated */
    uint32_t len, hash;
    int mounted;                 /* how many vfsmounts have this dentry as mount point */
    uint64_t seq;                /* readdir order among the parent's children */
    uint64_t checked;            /* vfs_epoch of the last revalidation (host-backed fs) */
    int64_t checked_ns;          /* vfs_op_time() of the last revalidation */
    struct dentry *hnext;        /* hash chain */
    struct dentry *child_first, *child_last;    /* children (positive and negative) */
    struct dentry *sib_next, *sib_prev;
    struct dentry *lru_next, *lru_prev;         /* unreferenced dentries, oldest first */
    void *priv;
};

#define MNT_RDONLY 1
#define MNT_NOSUID 2
#define MNT_NODEV 4
#define MNT_NOEXEC 8
#define MNT_DETACHED 0x100 /* unhooked by umount2(MNT_DETACH); freed at its last reference */
struct vfsmount {
    int refs;
    int id, flags;                /* MNT_* */
    int writers;                  /* open descriptions that may write (remount ro: EBUSY) */
    struct vfsmount *parent;      /* NULL for the root mount */
    struct dentry *mountpoint;    /* in parent (referenced) */
    struct dentry *root;          /* in sb (referenced) */
    struct super_block *sb;
    struct vfsmount *next;        /* kernel-wide list, in mount order */
};

/* ---- what the VFS gives file systems ---- */
struct super_block *sb_alloc(const struct fs_type *t);
/* Drop one of sb->refs; at zero the instance goes (its dentries, then ops->put_super). */
void sb_put(struct super_block *sb);
struct inode *inode_alloc(struct super_block *sb, const struct inode_ops *iops, uint32_t mode);
struct inode *iget(struct inode *i);
void iput(struct inode *i);
struct dentry *dget(struct dentry *d);
void dput(struct dentry *d);
/* A root dentry for sb (inode referenced by the dentry). */
struct dentry *d_make_root(struct inode *root);
/* Make d positive with inode i (takes over the caller's reference to i). */
void d_instantiate(struct dentry *d, struct inode *i);
/* Keep d alive while the name exists (tmpfs): D_PINNED and one reference. */
void d_pin(struct dentry *d);
/* The path of d below its super_block's root ("" for the root, "a/b" otherwise) into buf;
 * -ENAMETOOLONG if it does not fit. */
int d_relpath(const struct dentry *d, char *buf, size_t size);
/* Current time for timestamps (CLOCK_REALTIME). */
void vfs_now(int64_t *sec, int64_t *nsec);
/* Bumped at the start of every path operation: a host-backed file system may treat
 * attributes fetched during the same operation (dentry->checked == vfs_epoch) as fresh. */
#define vfs_epoch (vfs_cur_epoch())
uint64_t vfs_cur_epoch(void);
/* CLOCK_MONOTONIC at the start of the current path operation (read once, on demand). */
int64_t vfs_op_time(void);
/* Register a file-system type for mount(2) and the boot mounts. */
void vfs_register(const struct fs_type *t);
const struct fs_type *vfs_find_type(const char *name);

/* Children of dir in readdir order; next from 0.  Returns the first positive child with
 * seq >= *pos, advancing *pos past it, or NULL at the end. */
struct dentry *d_next_child(struct dentry *dir, uint64_t *pos);
/* Fill one linux_dirent64 record at buf (cap bytes left): its length, or 0 if it does not fit. */
size_t dirent_fill(void *buf, size_t cap, uint64_t ino, int64_t off, uint8_t type, const char *name);
uint8_t dtype_of(uint32_t mode);

/* An unnamed, unhashed dentry of sb holding inode i (the caller's reference moves to it):
 * for O_TMPFILE and memfd files.  name is only what /proc/PID/fd shows. */
struct dentry *d_alloc_anon(struct super_block *sb, const char *name, struct inode *i);
/* A mount of type t that is not in the tree (memfd's tmpfs): NULL on failure. */
struct vfsmount *vfs_kern_mount(const struct fs_type *t, const char *data);
/* Open the object at p (path_get'd by the new file) with open(2) flags, calling its
 * iops->open: what open(2) does after the walk and the permission checks. */
WUR int vfs_open_path(const struct path *p, int flags, struct file **out);
/* Caller's credentials for new inodes: fsuid, and fsgid or the directory's group if the
 * directory is set-group-ID (then new directories are set-group-ID too: *mode updated). */
void vfs_new_owner(const struct inode *dir, uint32_t *mode, uint32_t *uid, uint32_t *gid);

/* ---- change notification (inotify.c): called by the VFS after a change succeeded ----
 * fsnotify_name: an event about the entry name/len of directory dir (IN_CREATE, IN_DELETE,
 * IN_MOVED_FROM/TO with cookie), isdir: the entry is a directory.  fsnotify_dentry: an
 * event on the object d (its own watches, and its parent's with d's name for the events
 * a directory hears about its children).  fsnotify_file: the same for an open file.
 * fsnotify_inode: a self event (IN_MOVE_SELF).  fsnotify_evict: an inode is being freed:
 * if it has no name left, IN_DELETE_SELF and IN_IGNORED.  Each is a no-op without watches. */
void fsnotify_name(struct dentry *dir, uint32_t mask, const char *name, size_t len,
                   uint32_t cookie, int isdir);
void fsnotify_dentry(struct dentry *d, uint32_t mask);
void fsnotify_file(struct file *f, uint32_t mask);
void fsnotify_inode(struct inode *i, uint32_t mask);
void fsnotify_evict(struct inode *i);
uint32_t fsnotify_cookie(void);
#define FSN_ACCESS 0x1u
#define FSN_MODIFY 0x2u
#define FSN_ATTRIB 0x4u
#define FSN_CLOSE_WRITE 0x8u
#define FSN_CLOSE_NOWRITE 0x10u
#define FSN_OPEN 0x20u
#define FSN_MOVED_FROM 0x40u
#define FSN_MOVED_TO 0x80u
#define FSN_CREATE 0x100u
#define FSN_DELETE 0x200u
#define FSN_MOVE_SELF 0x800u

/* ---- inside the VFS (dcache.c, namei.c, vfs.c) ---- */
struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len);
struct dentry *d_lookup(struct dentry *parent, const char *name, size_t len);
void d_add(struct dentry *d);
void d_drop(struct dentry *d);
WUR int d_move(struct dentry *d, struct dentry *newparent, const char *name, size_t len);
struct dentry *d_autodir(struct dentry *parent, const char *name, size_t len);
WUR int walk_create_autodirs(const char *canon, struct path *out);
int d_unlinked(const struct path *p);
struct vfsmount *vfs_root_mnt(void);
struct vfsmount *lookup_mnt(struct vfsmount *parent, struct dentry *d);
void mnt_get_ref(struct vfsmount *m);
int mount_busy(struct vfsmount *m);
WUR int do_umount(struct vfsmount *m, int flags);
WUR int do_mount_at(const struct path *mp, const struct fs_type *t, const char *data,
                    unsigned long msflags, const struct path *bind_src, int mflags);
void vfs_bump_epoch(void);
void follow_mounts(struct path *p);
/* Linux's generic_permission: mask 4 read, 2 write, 1 execute/search; 0 or -EACCES. */
int vfs_permission(const struct inode *i, int mask);
int vfs_owner_or_root(const struct inode *i);

#define LOOKUP_FOLLOW 1      /* follow a symlink in the last component */
#define LOOKUP_DIRECTORY 2   /* the result must be a directory */
/* openat2's RESOLVE_* (namei.c): no symlink at all (ELOOP), no magic link (ELOOP), no
 * mount crossing (EXDEV), stay below the starting directory (EXDEV), or treat it as the
 * root (absolute paths and ".." stop there); the scoped ones refuse magic links (EXDEV). */
#define LOOKUP_NO_SYMLINKS 0x10
#define LOOKUP_NO_MAGICLINKS 0x20
#define LOOKUP_NO_XDEV 0x40
#define LOOKUP_BENEATH 0x80
#define LOOKUP_IN_ROOT 0x100
#define LOOKUP_SCOPED (LOOKUP_BENEATH | LOOKUP_IN_ROOT)
enum { LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT };
struct nameidata {
    struct path path;        /* the directory reached so far (referenced) */
    struct path start;       /* LOOKUP_SCOPED/NO_XDEV: where the walk began (referenced) */
    int flags, links;
    size_t i;                /* position in rest */
    char rest[2 * PATH_MAX_LEN];
    char last[NAME_MAX_LEN + 1];
    size_t last_len;
    int last_type, trailing;
};
WUR int nd_init(struct nameidata *nd, int dirfd, const char *path, int flags);
void nd_release(struct nameidata *nd);
WUR int walk_to_last(struct nameidata *nd);
WUR int walk_last(struct nameidata *nd, struct path *out);
WUR int walk_parent(struct nameidata *nd, struct dentry **child);
WUR int walk_follow_last(struct nameidata *nd, struct dentry *link);
WUR int lookup_child(const struct path *dir, const char *name, size_t len, int final,
                     struct dentry **out);
/* An existing object by path (flags LOOKUP_*). */
WUR int vfs_lookup(int dirfd, const char *path, int flags, struct path *out);

/* A file whose whole content is a heap buffer (synthetic files, memfile.c). */
struct file *memfile_new(const char *path, char *data, size_t len, uint32_t mode);
/* A read-only directory listing of fixed names (synthetic directories). */
struct file *memdir_new(const char *path, const char *const *names, const uint8_t *types, int n);

/* The file systems. */
extern const struct fs_type hostfs_type, tmpfs_type, devfs_type, procfs_type;
extern const struct fs_type erofs_type, alcovefs_type, overlay_type;

/* Boot mounts of the protected file systems (vfs_boot in dcache.c).  Each returns a new
 * super_block (refs 0, root set) in *out, or -errno after one log line saying what is
 * wrong (the enclave then does not start).  source is what /proc/mounts shows first.
 *  - erofs.c: the Alcove image open as h (read-only), checked against root_hash.
 *  - alcovefs.c: the encrypted volume open as h, with the boot's volume key; rw 0 mounts
 *    it read-only.  state_dir: the rollback counter source's directory or PAL_HANDLE_NONE.
 *  - overlayfs.c: lower (any file system, used read-only) below upper (a writable
 *    enclave file system: alcovefs, or tmpfs for an overlay in memory); references to both
 *    move to the overlay. */
WUR int erofs_boot_sb(pal_handle_t h, const uint8_t root_hash[32], const char *source,
                      struct super_block **out);
WUR int alcovefs_boot_sb(pal_handle_t h, const uint8_t key[32], int rw, pal_handle_t state_dir,
                         const char *source, struct super_block **out);
WUR int overlay_boot_sb(struct super_block *lower, struct super_block *upper, const char *source,
                        struct super_block **out);
/* Host mounts from the boot information (hostfs.c). */
WUR int hostfs_boot_sb(pal_handle_t root, int rw, const char *source, struct super_block **out);
/* An unnamed tmpfs file (O_TMPFILE, memfd): a new inode in dir's tmpfs, no name. */
WUR int tmpfs_anon_inode(struct super_block *sb, uint32_t mode, struct inode **out);

#endif
