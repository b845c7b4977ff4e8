/*
 * fs.h - the file subsystem as the rest of the core sees it: open file descriptions, the
 * operations behind them, and the VFS calls other subsystems make (exec opens its program,
 * /proc shows paths, fork copies a working directory).
 *
 * How a file system plugs in is in vfs.h (internal to libos/fs/).
 */
#ifndef ALCOVE_FS_FS_H
#define ALCOVE_FS_FS_H

#include "libos.h"

struct file;
struct dentry;
struct vfsmount;

/* A place in the tree: a mount and a dentry of its super_block (both referenced when
 * held by a file, a cwd or a walk result). */
struct path {
    struct vfsmount *mnt;
    struct dentry *dentry;
};
void path_get(struct path *p);
void path_put(struct path *p);   /* and clears *p */

struct file_ops {
    /* buf is a program address (range already checked) or, with kbuf, core memory.
     * pos is the description's offset for seekable files, NULL for streams. */
    long (*read)(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf);
    long (*write)(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf);
    long (*getdents)(struct file *f, uint64_t ubuf, size_t n);
    long (*ioctl)(struct file *f, unsigned cmd, uint64_t arg);
    int (*stat)(struct file *f, struct pal_stat *st);
    int (*truncate)(struct file *f, int64_t len);
    int (*fsync)(struct file *f, int datasync);
    /* fallocate(2) with a validated mode and range (NULL: EOPNOTSUPP). */
    int (*fallocate)(struct file *f, int mode, int64_t off, int64_t len);
    /* Readiness for poll: returns POLLIN/POLLOUT/... bits without blocking. */
    int (*poll)(struct file *f, int events);
    /* Map [off, off+len) at addr (PAL_VM_* flags, PAL_VM_SHARED for MAP_SHARED).  NULL:
     * the host handle is mapped if there is one, else the bytes are copied (private only). */
    int (*mmap)(struct file *f, uint64_t addr, size_t len, int prot, unsigned flags, uint64_t off,
                uint64_t *out);
    /* lseek SEEK_DATA / SEEK_HOLE (whence 3, 4) from a checked off: the offset or -ENXIO.
     * NULL: the whole file is data (stat gives the size). */
    int64_t (*seek_hole)(struct file *f, int64_t off, int whence);
    void (*release)(struct file *f);
    int seekable;
};

/* An open file description: shared by every fd (and process) that refers to it. */
struct file {
    int refs;
    const struct file_ops *ops;
    int flags;          /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_DIRECT... */
    int64_t pos;
    uint32_t mode;      /* S_IFMT bits of the object */
    pal_handle_t h;     /* host handle or PAL_HANDLE_NONE */
    struct path loc;    /* where it was opened (referenced); {NULL, NULL} for pipes, sockets... */
    char *path;         /* a label: the path at open, or a description of an anonymous file */
    int host_nonblock;  /* the host handle itself was opened O_NONBLOCK */
    void *priv;         /* pipe, synthetic content... */
    size_t priv_len;
    uint32_t cmode;     /* O_TMPFILE on a host directory: the new file's mode */
    int counted_writer; /* counted in loc.mnt's writers */
};

struct file *file_alloc(const struct file_ops *ops, int flags, const char *path);
int anon_inode_stat(struct file *f, struct pal_stat *st); /* file_ops.stat of anon inodes */
void file_release_priv(struct file *f);                    /* file_ops.release: kfree(priv) */
struct file *file_get(struct file *f);
void file_put(struct file *f);
void mnt_writer_done(struct vfsmount *m);
/* Both open files are on one file-system instance. */
int vfs_same_fs(const struct file *a, const struct file *b);
/* The file is on a read-only mount (or a read-only file-system instance). */
int file_readonly(const struct file *f);
/* The path of an open file as /proc/PID/fd shows it (" (deleted)" once unlinked), or its
 * label for anonymous files.  Returns the length or -ENAMETOOLONG. */
int file_path(const struct file *f, char *buf, size_t size);
/* Copy n bytes to a program address (kbuf 0) or core memory (kbuf 1). */
long io_out(void *dst, const void *src, size_t n, int kbuf) __attribute__((warn_unused_result));
long io_in(void *dst, const void *src, size_t n, int kbuf) __attribute__((warn_unused_result));
/* fds 0-2 from the host's standard handles. */
int stdio_install(const pal_handle_t h[3]) __attribute__((warn_unused_result));
extern const struct file_ops host_file_ops, host_stream_ops;

/* ---- the VFS for the rest of the core ---- */
/* Mount the boot file systems and set the first process's cwd (kernel/main.c). */
int vfs_boot(const struct pal_boot *boot) __attribute__((warn_unused_result));
/* The first process's cwd: the root, then path (absolute). */
int vfs_boot_cwd(const char *path) __attribute__((warn_unused_result));
/* Write back every mounted file system that keeps data of its own (the encrypted volume's
 * commit; alcovefs.c): sync(2), msync(MS_SYNC) and the end of the enclave.  0 or the first
 * -errno (every instance is still tried). */
int vfs_sync_all(void);
/* syncfs(2): write back the file system f is on (0 when it keeps nothing). */
int vfs_syncfs(struct file *f);
/* stat(2) of a path (relative to the caller's cwd), following symlinks. */
int vfs_stat_path(const char *path, struct pal_stat *st) __attribute__((warn_unused_result));
/* Open path (relative to the caller's cwd) for exec: follows symlinks; 0 or -errno.
 * Checks search permission on the way and, with exec, MNT_NOEXEC and execute permission. */
int vfs_open_exec(const char *path, char *canon, struct file **out, struct pal_stat *st)
    __attribute__((warn_unused_result));
/* The path of p as getcwd shows it ("/a/b"): length or -errno (-ENOENT if deleted). */
int vfs_path_str(const struct path *p, char *buf, size_t size);
/* /proc/PID/cwd of another process etc.: the path of a cwd, " (deleted)" if removed. */
int vfs_path_label(const struct path *p, char *buf, size_t size);
/* /proc/mounts (mountinfo 0) or /proc/PID/mountinfo (1) text into a kmalloc'd buffer. */
long vfs_mounts_text(int mountinfo, char **out);
/* The pid a /proc/PID directory description names, or -EBADF. */
int vfs_proc_pid_of(const struct file *f);
/* /proc/filesystems text. */
long vfs_filesystems_text(char **out);
/* Local socket names (ipc/unix.c).  vfs_sock_bind: create the S_IFSOCK node path
 * (relative to the cwd; mode 0777 less the umask), attach sock to its inode and return
 * the referenced location in *out: 0, -EEXIST, or what mknod gives.  vfs_sock_find: the
 * socket bound at path: 0 (*sock set), -ENOENT & co. from the walk, -EACCES (no write
 * permission), -ECONNREFUSED (not a socket, or nobody bound to it).  vfs_sock_unbind:
 * detach sock from the inode of *p (if still there) and put *p. */
WUR int vfs_sock_bind(const char *path, void *sock, struct path *out);
WUR int vfs_sock_find(const char *path, void **sock);
void vfs_sock_unbind(struct path *p, void *sock);

/* ---- descriptors (fdtable.c) and advisory locks (flock.c) ---- */
#define FD_MAX 4096
struct fdent {
    struct file *f;
    int cloexec;
};
struct fdtable {
    int size;
    struct fdent *ent;
};


/* fd table (fdtable.c) */
WUR int fd_install(struct file *f, int cloexec, int minfd);
struct file *fd_get(int fd);      /* borrowed reference, NULL if bad */
WUR int fd_close(int fd);
WUR int fdtable_init(struct fdtable *t);

void fd_close_on_exec(void);
/* Advisory locks (flock.c). */
long lock_fcntl(struct file *f, int cmd, uint64_t uarg);
long lock_flock(struct file *f, int op);
void lock_release(struct file *f, int posix);

#endif
