/*
 * pal.h - the one boundary between the Alcove LibOS core and a platform backend.
 *
 * Version 2 (added mount types, the volume key, the state directory, the crypto bracket);
 * version 3 added host sockets (pal_sock_*), pal_poll, the network policy and the wake-up
 * timers (pal_wakeup_*, PAL_EVENT_TIMER); version 4 the control channel of a long-lived
 * enclave (pal_boot.control, pal_control_next, pal_control_reply); version 5 the signed
 * identity the core checks before the program runs (pal_boot.identity, config, core_image).
 * The core (libos/) calls only the pal_* functions declared here; a backend (pal/<name>/)
 * implements them and calls back into the core through the libos_* entry
 * points at the end of this file.  Nothing else crosses.
 *
 * Rules of the contract:
 *  - Every pal_* function that can fail returns a negative Linux errno (-ENOENT, ...) or a
 *    non-negative count/value.  Backends map host errors onto Linux values from a known
 *    list; anything unexpected becomes -EIO.
 *  - Results coming back from the host are untrusted: the core re-checks lengths, record
 *    layouts and ranges.  Backends promise only that a returned count is <= the size asked.
 *  - "IN" fields are filled by the caller, "OUT" fields by the callee.
 *  - Handles are opaque 64-bit values owned by the core once returned; the core closes
 *    them with pal_close().
 *  - Paths given to pal_fs_* are relative to a mount root handle, already resolved by the
 *    core (no "..", no symlinks to follow).  Backends must refuse to follow symlinks or
 *    escape the root (-ELOOP / -EXDEV), so a race on the host cannot widen access.
 */
#ifndef ALCOVE_PAL_H
#define ALCOVE_PAL_H

#include <stddef.h>
#include <stdint.h>

#define PAL_ABI_VERSION 5 /* 3: host sockets (pal_sock_*), pal_poll, the network policy,
                             host wake-up timers (pal_wakeup_*); 4: the control channel
                             (pal_boot.control, pal_control_*); 5: the signed identity
                             (pal_boot.identity, config, core_image) and the robust core
                             lock (pal_lock_*) */

#define PAL_WUR __attribute__((warn_unused_result))
#define PAL_NORETURN __attribute__((noreturn))

typedef int64_t pal_handle_t;
#define PAL_HANDLE_NONE ((pal_handle_t)-1)

/* ---------------------------------------------------------------------------------------
 * CPU context of the program at the moment it entered the LibOS (syscall, fault, async
 * event).  The core may change any field; the backend resumes the program from it.
 * ------------------------------------------------------------------------------------- */
struct pal_context {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
    uint64_t rflags;
    uint64_t fs_base;  /* program's TLS base */
    /* Extended FPU/SSE/AVX state of the program in XSAVE layout (fxsave legacy area first).
     * IN: backend points it at the saved state and sets xstate_size; the core may copy
     * it to and from a signal frame.  NULL when the backend cannot expose it. */
    void *xstate;
    uint32_t xstate_size;
    uint32_t _pad;
};

/* Fault description handed to libos_exception(). */
struct pal_fault {
    int signo;      /* Linux signal the fault maps to: SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP */
    int code;       /* si_code (SEGV_MAPERR, FPE_INTDIV, ...) */
    uint64_t addr;  /* faulting address (si_addr) */
    uint64_t trapno, err;
    int in_core;    /* the fault happened in core (LibOS or backend) code, not the program's */
};

/* ---------------------------------------------------------------------------------------
 * Boot information handed to libos_main().
 * ------------------------------------------------------------------------------------- */
#define PAL_MOUNT_RW 1u

/* A mount the launcher asks for.  fstype says what root is:
 *  - "hostfs" (also when NULL): root is a host directory handle (unprotected);
 *  - "tmpfs": wholly in the enclave, root PAL_HANDLE_NONE, size its limit in bytes (0: the
 *    default, half the memory);
 *  - "erofs": root is a read-only handle on an Alcove image file (EROFS + dm-verity tree);
 *    root_hash is the trusted verity root hash every block is checked against;
 *  - "alcovefs": root is a read-write (or, without PAL_MOUNT_RW, read-only) handle on an
 *    encrypted volume file, opened with pal_boot.volume_key;
 *  - "overlay": the root file system only.  The lower layer is root as lower_fstype says
 *    ("erofs" with root_hash, or "hostfs"), the upper layer is upper: a volume file handle
 *    ("alcovefs"), or PAL_HANDLE_NONE for an upper layer in enclave memory (a tmpfs, gone
 *    at exit).
 * The core mounts them in order; /proc, /dev, /tmp and /dev/shm get its defaults unless a
 * mount names exactly that path.  Handles move to the core. */
struct pal_mount {
    const char *guest_path;  /* absolute, normalised ("/" for the root) */
    pal_handle_t root;       /* see above */
    uint32_t flags;          /* PAL_MOUNT_RW */
    const char *fstype;      /* "hostfs", "tmpfs", "erofs", "alcovefs", "overlay" */
    uint64_t size;           /* tmpfs: size limit in bytes (0 = default: half the memory) */
    const char *source;      /* host path of the image or volume file, for /proc/mounts */
    uint8_t root_hash[32];   /* erofs (and an erofs lower layer): verity root hash */
    const char *lower_fstype;/* overlay: "erofs" or "hostfs" */
    pal_handle_t upper;      /* overlay: the upper volume's file handle, or PAL_HANDLE_NONE */
};

#define PAL_MAX_MOUNTS 32
#define PAL_MAX_NET_RULES 32

struct pal_boot {
    uint32_t abi_version;               /* PAL_ABI_VERSION */
    const char *backend;                /* "direct", "kvm", ... */
    int argc;                           /* program argv (argv[0] = path inside the enclave) */
    char **argv;
    char **envp;                        /* program environment, NULL terminated */
    const char *cwd;                    /* initial working directory inside the enclave */
    int log_level;                      /* 0 quiet, 1 warn, 2 info, 3 trace */
    int nmounts;
    struct pal_mount mounts[PAL_MAX_MOUNTS];
    pal_handle_t stdio[3];              /* host handles for fds 0, 1, 2 */
    void *heap;                         /* LibOS heap: private to the core, page aligned */
    size_t heap_size;
    uint64_t user_limit;                /* first address above the program's address space */
    uint64_t hwcap, hwcap2;             /* for AT_HWCAP / AT_HWCAP2 */
    uint64_t vdso_base;                 /* AT_SYSINFO_EHDR or 0 */
    int ncpus;
    uint64_t mem_total;                 /* bytes, for sysinfo */
    uint32_t max_procs, max_threads;    /* limits (0 = default) */
    /* Volumes: the 32-byte volume key (from --key-file in direct mode, which makes it a
     * *simulated* enclave secret), and a host directory handle where the default rollback
     * counter source keeps one state file per volume (PAL_HANDLE_NONE: no counter source,
     * rollback of a whole volume is not detected and the core says so). */
    int has_volume_key;
    uint8_t volume_key[32];
    pal_handle_t state_dir;
    /* Network policy (version 3), as given on the command line and validated by the
     * launcher; the core parses it again (common/netpolicy.h) and refuses what it cannot
     * read.  net_mode: "none", "loopback" (also when NULL) or "host".  net_rules: each
     * "listen ADDR:PORT" or "connect ADDR[/PREFIX][:PORT]". */
    const char *net_mode;
    int n_net_rules;
    const char *net_rules[PAL_MAX_NET_RULES];
    /* Version 4: a long-lived enclave (`alcove start`).  When control is not
     * PAL_HANDLE_NONE, argc is 0 and no program starts: the first process is the core's
     * init, which serves the requests pal_control_next returns (see there). */
    pal_handle_t control;
    /* Version 5: the signed identity of an instance run (identity NULL: development mode,
     * nothing to check).  identity: the exact bytes the Ed25519 signature identity_sig
     * covers (the canonical JSON of build/identity.json without its signature); config:
     * the canonical config the launcher derived this boot's settings from.  Both IN from
     * the untrusted launcher: the core verifies the signature and recomputes every digest
     * (libos/kernel/identity.c).  core_image (has_core_image): the backend's digest of the
     * core as loaded (common/coremeasure.h), taken from the mapped segments at start. */
    const char *identity;
    size_t identity_len;
    uint8_t identity_sig[64];
    const char *config;
    size_t config_len;
    int has_core_image;
    uint8_t core_image[32];
    /* The enclave's host name (uname's nodename, NULL: the host's), from --hostname or the
     * config's "hostname".  At most 64 bytes. */
    const char *hostname;
};

/* ---------------------------------------------------------------------------------------
 * Calls the backend provides.
 * ------------------------------------------------------------------------------------- */

/* Diagnostics: write raw bytes to the host's log sink (stderr in direct mode). */
void pal_log_write(const char *buf, size_t len);

/* End the whole enclave process with an exit code, or as if killed by signal signo. */
PAL_NORETURN void pal_exit(int code);
PAL_NORETURN void pal_exit_signal(int signo);

/* Start running the program in ctx (first entry after boot).  Never returns. */
PAL_NORETURN void pal_context_enter(const struct pal_context *ctx);

/* True if [addr, addr+len) overlaps memory the backend or core reserved for itself; the core
 * refuses to let the program map, unmap or pass such memory. */
int pal_range_reserved(uint64_t addr, uint64_t len);

/* --- threads ----------------------------------------------------------------------------
 * Every LibOS entry runs on a backend-owned per-thread stack, so the core finds its own
 * thread object through the backend rather than through any register the program owns. */
/* The core's object for the calling thread (set with pal_thread_set_self). */
void *pal_thread_self(void);
void pal_thread_set_self(void *td);
/* Start a new thread of this process that enters the program at ctx; its core object is td.
 * OUT *id: the backend's id of the new thread (for pal_thread_kick).  -EAGAIN when the
 * backend has no room for another thread. */
PAL_WUR int pal_thread_start(const struct pal_context *ctx, void *td, int64_t *id);
/* The backend's id of the calling thread. */
int64_t pal_thread_id(void);
/* Make thread id (of process proc_id) enter the core soon, to take a signal queued for it. */
void pal_thread_kick(int64_t proc_id, int64_t id);
/* End the calling thread only (never returns). */
PAL_NORETURN void pal_thread_exit(void);
/* Block while *word == val, up to timeout_ns (-1: no limit).  Returns 0 (woken, or the value
 * differed), -ETIMEDOUT, or -EINTR when an asynchronous event arrived. */
PAL_WUR int pal_futex_wait(uint32_t *word, uint32_t val, int64_t timeout_ns);
/* Wake up to n threads blocked in pal_futex_wait on word. */
void pal_futex_wake(uint32_t *word, int n);

/* The core lock's word, kept robust by the backend.  While a thread holds it the word is
 * that thread's pal_lock_owner() id, ORed with PAL_LOCK_WAITERS once another thread sleeps
 * on it.  If a thread dies holding it (its process killed from outside, or a process ending
 * with the lock held, which is how the core makes sure no sibling thread of the ending
 * process is inside the core when the host process goes), the backend replaces the id with
 * PAL_LOCK_OWNER_DIED and wakes one sleeper: the lock is free again.  (These are Linux's
 * robust-futex bits; a backend without a host kernel implements the same contract.) */
#define PAL_LOCK_WAITERS 0x80000000u
#define PAL_LOCK_OWNER_DIED 0x40000000u
#define PAL_LOCK_ID_MASK 0x3fffffffu
/* Make *word robust for every thread of this process, now and created later (called by each
 * process's boot; a forked process inherits it). */
void pal_lock_register(uint32_t *word);
/* The calling thread's id for the lock word: nonzero, within PAL_LOCK_ID_MASK, unique among
 * live threads of the enclave. */
uint32_t pal_lock_owner(void);
/* Sleep while *word == val (no timeout, asynchronous events stay pending: unlike
 * pal_futex_wait it never returns early with -EINTR).  A thread of a process that is ending
 * does not return from it. */
void pal_lock_wait(uint32_t *word, uint32_t val);

/* --- processes -------------------------------------------------------------------------- */
/* The backend's id for the calling process (the host pid in direct mode). */
int64_t pal_process_id(void);
/* Peak resident memory of the calling process so far, in KiB (0 if the backend cannot tell). */
int64_t pal_process_maxrss(void);
/* Duplicate the calling process: its address space (private memory copied, the shared region
 * and shared mappings still shared), its handles, and only the calling thread.  Returns the
 * child's id in the parent, 0 in the child, or -errno. */
PAL_WUR int64_t pal_process_fork(void);
/* Make process id enter the core soon (an asynchronous event that carries no signal), so it
 * notices signals queued for it in the shared state. */
void pal_process_kick(int64_t id);
/* End process id at once (enclave teardown). */
void pal_process_kill(int64_t id);

/* --- memory ---------------------------------------------------------------------------
 * prot uses Linux PROT_* bits.  flags: PAL_VM_FIXED replaces whatever is at addr,
 * PAL_VM_NOREPLACE fails with -EEXIST if something is there, otherwise addr is a hint.
 * PAL_VM_SHARED makes a file mapping shared.  OUT *out is the mapped address. */
#define PAL_VM_FIXED 1u
#define PAL_VM_NOREPLACE 2u
#define PAL_VM_SHARED 4u
#define PAL_VM_STACK 8u
#define PAL_VM_NORESERVE 16u
PAL_WUR int pal_vm_map(uint64_t addr, size_t len, int prot, unsigned flags, uint64_t *out);
/* Map len bytes of file handle h at offset off; -ENODEV if the backend cannot map it (the
 * core then copies instead). */
PAL_WUR int pal_vm_map_file(uint64_t addr, size_t len, int prot, unsigned flags, pal_handle_t h,
                            uint64_t off, uint64_t *out);
PAL_WUR int pal_vm_unmap(uint64_t addr, size_t len);
PAL_WUR int pal_vm_protect(uint64_t addr, size_t len, int prot);
/* mremap semantics (Linux MREMAP_* flags). */
PAL_WUR int pal_vm_remap(uint64_t old, size_t oldlen, size_t newlen, int flags, uint64_t newaddr,
                         uint64_t *out);
/* madvise for the advice values with defined semantics (DONTNEED zeroes anonymous memory). */
PAL_WUR int pal_vm_advise(uint64_t addr, size_t len, int advice);

/* --- shareable anonymous memory objects --------------------------------------------------
 * Zero-filled byte arrays the backend keeps for the core's in-enclave file systems (tmpfs
 * file data).  An object is named by an id that means the same object in every process of
 * the enclave (the core keeps ids in its shared state), so mappings of one object made in
 * different processes share their pages: a MAP_SHARED mapping is coherent across fork.
 * Offsets run from 0 to PAL_MEM_MAX_SIZE; bytes never written read as zeros and cost no
 * memory.  buf arguments may be program memory (-EFAULT if unmapped) or core memory. */
#define PAL_MEM_MAX_SIZE (1ull << 40)
/* A new empty object.  OUT *id.  -ENOMEM when the backend has no room for more. */
PAL_WUR int pal_mem_create(uint64_t *id);
PAL_WUR long pal_mem_read(uint64_t id, void *buf, size_t n, uint64_t off);
PAL_WUR long pal_mem_write(uint64_t id, const void *buf, size_t n, uint64_t off);
/* Give the memory of [off, off+len) back: those bytes read as zeros again (truncate, hole
 * punching).  Mappings of the range see zeros too. */
PAL_WUR int pal_mem_discard(uint64_t id, uint64_t off, uint64_t len);
/* Map [off, off+len) of the object at addr (PAL_VM_FIXED / PAL_VM_NOREPLACE as for
 * pal_vm_map; PAL_VM_SHARED shares the pages, otherwise the mapping is copy-on-write).
 * OUT *out: the address. */
PAL_WUR int pal_mem_map(uint64_t id, uint64_t off, uint64_t addr, size_t len, int prot,
                        unsigned flags, uint64_t *out);
/* The object is no longer needed (the core has no file and no mapping of it left): its
 * memory goes back to the host.  The id is not reused. */
void pal_mem_destroy(uint64_t id);

/* --- host file system (untrusted) -------------------------------------------------------
 * struct pal_stat mirrors the fields of Linux struct stat the core uses. */
struct pal_stat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

PAL_WUR int pal_fs_open(pal_handle_t root, const char *rel, int flags, int mode, pal_handle_t *out);
PAL_WUR int pal_fs_stat(pal_handle_t root, const char *rel, int nofollow, struct pal_stat *st);
PAL_WUR int pal_fs_fstat(pal_handle_t h, struct pal_stat *st);
PAL_WUR long pal_fs_readlink(pal_handle_t root, const char *rel, char *buf, size_t size);
PAL_WUR int pal_fs_access(pal_handle_t root, const char *rel, int mode);
PAL_WUR int pal_fs_mkdir(pal_handle_t root, const char *rel, int mode);
/* flags: 0 unlink a non-directory, 0x200 (AT_REMOVEDIR) remove an empty directory. */
PAL_WUR int pal_fs_unlink(pal_handle_t root, const char *rel, int flags);
PAL_WUR int pal_fs_rename(pal_handle_t oldroot, const char *oldrel, pal_handle_t newroot,
                          const char *newrel, unsigned flags);
PAL_WUR int pal_fs_symlink(const char *target, pal_handle_t root, const char *rel);
PAL_WUR int pal_fs_link(pal_handle_t oldroot, const char *oldrel, pal_handle_t newroot,
                        const char *newrel);
PAL_WUR int pal_fs_chmod(pal_handle_t root, const char *rel, int mode);
/* Give the unnamed file open as h (O_TMPFILE) the name rel (linkat with AT_EMPTY_PATH). */
PAL_WUR int pal_fs_link_handle(pal_handle_t h, pal_handle_t newroot, const char *newrel);
/* Change owner (uid/gid -1 = unchanged) of the entry itself (symlinks are not followed). */
PAL_WUR int pal_fs_chown(pal_handle_t root, const char *rel, uint32_t uid, uint32_t gid);
PAL_WUR int pal_fs_fchown(pal_handle_t h, uint32_t uid, uint32_t gid);
/* Create a FIFO (S_IFIFO), an empty regular file (S_IFREG) or a socket name (S_IFSOCK:
 * an inert node, the enclave binds its own sockets to it) node. */
PAL_WUR int pal_fs_mknod(pal_handle_t root, const char *rel, uint32_t mode);
/* times: two {sec, nsec} pairs as in utimensat(2) (UTIME_NOW / UTIME_OMIT allowed). */
PAL_WUR int pal_fs_utimens(pal_handle_t root, const char *rel, const int64_t times[4]);

/* Positional I/O on a file handle.  off = PAL_STREAM means "stream" I/O at the host's
 * position (terminals, pipes, host stdio), waiting interruptibly until the handle is ready;
 * PAL_STREAM_NOWAIT does the transfer at once (for handles that never block).  Returns
 * bytes transferred. */
#define PAL_STREAM (-1)
#define PAL_STREAM_NOWAIT (-2)
PAL_WUR long pal_read(pal_handle_t h, void *buf, size_t n, int64_t off);
PAL_WUR long pal_write(pal_handle_t h, const void *buf, size_t n, int64_t off);
/* Linux getdents64 records from a directory handle; returns bytes (0 at end). */
PAL_WUR long pal_fs_getdents(pal_handle_t h, void *buf, size_t n);
/* Rewind a directory handle to its first entry. */
PAL_WUR int pal_fs_rewinddir(pal_handle_t h);
PAL_WUR int pal_fs_truncate(pal_handle_t h, int64_t len);
/* lseek SEEK_DATA (3) or SEEK_HOLE (4) on a regular file handle: the offset, -ENXIO past
 * the end.  The handle's own position is not used by the core for regular files. */
PAL_WUR int64_t pal_fs_seek_hole(pal_handle_t h, int64_t off, int whence);
/* Allocate (mode 0, FALLOC_FL_KEEP_SIZE) or punch/zero space of a file handle, as Linux's
 * fallocate(2); the core has validated mode and range. */
PAL_WUR int pal_fs_fallocate(pal_handle_t h, int mode, int64_t off, int64_t len);
/* A new anonymous in-memory file (Linux memfd_create; name is only a label, flags are
 * MFD_* without MFD_CLOEXEC).  OUT *out: its handle, usable like a regular file's. */
PAL_WUR int pal_fs_memfd(const char *name, unsigned flags, pal_handle_t *out);
PAL_WUR int pal_fs_fsync(pal_handle_t h, int datasync);
PAL_WUR int pal_fs_fchmod(pal_handle_t h, int mode);
/* File system statistics in Linux struct statfs layout (15 words). */
PAL_WUR int pal_fs_statfs(pal_handle_t root, const char *rel, uint64_t out[15]);
PAL_WUR int pal_fs_fstatfs(pal_handle_t h, uint64_t out[15]);
int pal_close(pal_handle_t h);
/* Terminal control on a stream handle: only TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ,
 * TIOCSWINSZ, TIOCGPGRP, FIONREAD; the core copies arg in and out (size by cmd). */
PAL_WUR int pal_tty_ioctl(pal_handle_t h, unsigned cmd, void *arg);
/* Wait until handle h is readable (events=1) or writable (events=4) or timeout_ns passes
 * (-1 = forever).  Returns the ready events (Linux POLL* bits), 0 on timeout, -EINTR. */
PAL_WUR int pal_poll_one(pal_handle_t h, int events, int64_t timeout_ns);

/* --- host sockets (version 3) -----------------------------------------------------------
 * AF_INET / AF_INET6 stream and datagram sockets of the host.  A socket handle is always
 * non-blocking on the host: no pal_sock_* call ever waits (they return -EAGAIN or
 * -EINPROGRESS); the core waits for readiness with pal_poll, its lock dropped.  Addresses
 * are Linux sockaddr bytes; *alen is IN the buffer's size and OUT the length the host
 * reported, which may exceed the buffer (the core never reads past its buffer and clamps).
 * flags are Linux MSG_* bits; the backend passes only MSG_PEEK, MSG_TRUNC, MSG_OOB,
 * MSG_WAITALL (recv), MSG_MORE, MSG_EOR (send) and always adds MSG_DONTWAIT | MSG_NOSIGNAL
 * (the core raises SIGPIPE itself).  Buffers may be program memory (-EFAULT). */
struct pal_iov {
    void *base;
    size_t len;
};
/* OUT *out: a new host socket of domain/type (SOCK_STREAM or SOCK_DGRAM, no flags). */
PAL_WUR int pal_sock_open(int domain, int type, int protocol, pal_handle_t *out);
PAL_WUR int pal_sock_bind(pal_handle_t h, const void *addr, uint32_t alen);
PAL_WUR int pal_sock_listen(pal_handle_t h, int backlog);
/* A connection waiting on listening socket h: OUT *out its new handle (non-blocking), the
 * peer's address in addr/alen.  -EAGAIN when none is waiting. */
PAL_WUR int pal_sock_accept(pal_handle_t h, void *addr, uint32_t *alen, pal_handle_t *out);
/* Start connecting (0, -EINPROGRESS, -EALREADY, -EISCONN, -ECONNREFUSED...). */
PAL_WUR int pal_sock_connect(pal_handle_t h, const void *addr, uint32_t alen);
PAL_WUR int pal_sock_shutdown(pal_handle_t h, int how);
/* Send the bytes of iov[0..niov) (niov <= 64) to addr (NULL: the connected peer). */
PAL_WUR long pal_sock_send(pal_handle_t h, const struct pal_iov *iov, int niov, const void *addr,
                           uint32_t alen, int flags);
/* Receive into iov[0..niov): bytes (with MSG_TRUNC on a datagram socket the datagram's
 * real length, which may exceed the buffers), the sender in addr/alen (addr may be NULL),
 * OUT *oflags the host's msg_flags (MSG_TRUNC, MSG_CTRUNC, MSG_OOB, MSG_EOR only). */
PAL_WUR long pal_sock_recv(pal_handle_t h, const struct pal_iov *iov, int niov, void *addr,
                           uint32_t *alen, int flags, int *oflags);
/* Socket options from a fixed whitelist (SOL_SOCKET, IPPROTO_IP/TCP/IPV6 integer and
 * struct options real programs use); anything else is -ENOPROTOOPT.  *len as alen. */
PAL_WUR int pal_sock_getopt(pal_handle_t h, int level, int name, void *val, uint32_t *len);
PAL_WUR int pal_sock_setopt(pal_handle_t h, int level, int name, const void *val, uint32_t len);
/* The socket's own address (peer 0) or its peer's (peer 1). */
PAL_WUR int pal_sock_name(pal_handle_t h, int peer, void *addr, uint32_t *alen);

/* Wait until one of the host handles is ready or timeout_ns passes (-1 = forever, 0 = just
 * look).  events/revents are Linux POLL* bits.  Returns the number of ready handles, 0 on
 * timeout, or -EINTR when an asynchronous event (a signal, or the core's own kick from
 * pal_thread_kick) arrived first: the core kicks a thread sleeping here when something in
 * the enclave it also waits for changes.  n <= PAL_POLL_MAX. */
struct pal_pollfd {
    pal_handle_t h;
    int16_t events;  /* IN */
    int16_t revents; /* OUT */
    int32_t _pad;
};
#define PAL_POLL_MAX 4096
PAL_WUR int pal_poll(struct pal_pollfd *fds, int n, int64_t timeout_ns);

/* Asynchronous host events (Linux signal numbers as a bit mask, bit n-1 for signal n:
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2, SIGWINCH...) received since the last call.
 * Blocking pal_* calls return -EINTR when such an event arrives while they wait. */
uint64_t pal_take_interrupts(void);

/* --- time, randomness, sleeping --------------------------------------------------------- */
/* clock: Linux clock id (REALTIME, MONOTONIC, BOOTTIME, PROCESS/THREAD_CPUTIME...). */
PAL_WUR int pal_clock_get(int clock, int64_t *sec, int64_t *nsec);
PAL_WUR int pal_clock_res(int clock, int64_t *sec, int64_t *nsec);
/* CPU time of another host thread (thread != 0; id from pal_thread_id/pal_thread_start) or
 * host process (thread == 0; id from pal_process_id/pal_process_fork).  which: 0 user +
 * system ("prof"), 1 user ("virt"), 2 scheduler runtime.  -EINVAL when the host no longer
 * knows the id. */
PAL_WUR int pal_cpu_clock_get(int64_t id, int thread, int which, int64_t *sec, int64_t *nsec);
/* Sleep on clock until the absolute or relative time; -EINTR when an asynchronous event
 * arrived (the core then handles it). */
PAL_WUR int pal_sleep(int clock, int absolute, int64_t sec, int64_t nsec);
/* Interval timers (which: 0 real -> SIGALRM, 1 virtual -> SIGVTALRM, 2 prof -> SIGPROF)
 * that raise the matching asynchronous event.  Times are {interval sec, usec, value sec,
 * usec}; old (may be NULL) receives the previous setting. */
PAL_WUR int pal_timer_set(int which, const int64_t nv[4], int64_t old[4]);
PAL_WUR int pal_timer_get(int which, int64_t cur[4]);
/* Wake-up timers (version 3): a timer of the calling process on clock (CLOCK_REALTIME,
 * MONOTONIC, BOOTTIME, TAI, PROCESS_CPUTIME_ID: the calling process's CPU time, or
 * THREAD_CPUTIME_ID: the CPU time of thread, a backend thread id of this process from
 * pal_thread_id/pal_thread_start, 0 for the caller) that raises the asynchronous event
 * PAL_EVENT_TIMER in this process when it expires.  The event names no timer: the core
 * reads its clocks and finds what expired.  A timer does not survive pal_process_fork
 * (the child has none).  OUT *out: its handle, for pal_wakeup_arm/pal_wakeup_delete. */
#define PAL_EVENT_TIMER (1ull << 40)
PAL_WUR int pal_wakeup_create(int clock, int64_t thread, pal_handle_t *out);
/* Arm h to expire once at the absolute time (absolute != 0) or after the relative time on
 * its clock; a time of 0 s 0 ns disarms it. */
PAL_WUR int pal_wakeup_arm(pal_handle_t h, int absolute, int64_t sec, int64_t nsec);
void pal_wakeup_delete(pal_handle_t h);
/* Bracket for code the core did not compile itself (libsodium, built with the stack
 * protector, reads its canary at %fs:0x28): between begin and end the calling thread's
 * %fs points at a core-owned TLS block, and end puts the program's back.  Keep brackets
 * short and batch work inside one (they cost host calls in the direct backend).  Vector
 * registers may be used inside: the backend has saved the program's FPU/vector state. */
uint64_t pal_crypto_begin(void);
void pal_crypto_end(uint64_t token);

/* --- the control channel (version 4) -----------------------------------------------------
 * The host asks a long-lived enclave to start further processes (`alcove exec`) and to end
 * (`alcove stop`).  One request at a time: pal_control_next waits (interruptibly: -EINTR
 * when an asynchronous event arrived first; the core calls it with its lock dropped) for the
 * next client on boot->control and returns
 *   - its request bytes in buf (at most size; OUT req->len): untrusted, the core parses
 *     them (libos/proc/init.c documents the format: NUL-terminated strings);
 *   - the client's standard streams, OUT req->stdio (PAL_HANDLE_NONE where none came);
 *   - OUT req->conn, the connection the answers go to (pal_control_reply), owned by the
 *     core like every handle (pal_close).
 * -EAGAIN: nothing usable arrived (a client that went away, a malformed header); try again.
 * The backend checks who connects as far as its host can tell (direct: the same user). */
struct pal_control_req {
    pal_handle_t conn;
    pal_handle_t stdio[3];
    size_t len;
};
#define PAL_CONTROL_MAX 65536
PAL_WUR int pal_control_next(pal_handle_t ctl, char *buf, size_t size, struct pal_control_req *req);
/* Answers on conn, each one line on the wire (the backend's format, docs/cli.md):
 * PAL_CONTROL_OK (value unused), PAL_CONTROL_STARTED (value: the enclave pid of the calling
 * process, which must be the new process; the backend adds its own id of the process, so
 * the client can pass signals on), PAL_CONTROL_EXITED (value: the Linux wait status),
 * PAL_CONTROL_ERROR (value: a negative errno).  Never blocks for long: a client that does
 * not read loses its answer.  0, or -errno. */
#define PAL_CONTROL_OK 0
#define PAL_CONTROL_STARTED 1
#define PAL_CONTROL_EXITED 2
#define PAL_CONTROL_ERROR 3
int pal_control_reply(pal_handle_t conn, int kind, int64_t value);

/* Fill buf with n random bytes from the platform's best source. */
PAL_WUR int pal_random(void *buf, size_t n);

/* --- host identity, for uname(2) ------------------------------------------------------- */
struct pal_uname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
PAL_WUR int pal_uname(struct pal_uname *u);

/* ---------------------------------------------------------------------------------------
 * Entry points the core provides to the backend.
 * ------------------------------------------------------------------------------------- */

/* Boot: load the program described by boot and enter it (via pal_context_enter).  Returns
 * only on failure, with the exit code the launcher should use (126, 127, ...). */
int libos_main(const struct pal_boot *boot);

/* CPU feature set-up of the crypto code (the SHA-256 of common/sha256.h takes the SHA
 * extensions when the CPU has them).  The backend may call it before libos_main, e.g. to
 * hash the loaded core fast; it writes only zero-initialised data.  Idempotent. */
void libos_cpu_setup(void);

/* The program executed `syscall`: number in ctx->rax, arguments in rdi, rsi, rdx, r10, r8,
 * r9.  On return ctx->rax holds the result (or ctx was redirected: signal delivery,
 * execve, sigreturn).  ctx->rip is already past the syscall instruction. */
void libos_syscall(struct pal_context *ctx);

/* A synchronous fault (or one inside the core's user-copy routines).  Returns after
 * redirecting ctx (to a program signal handler or to a copy routine's fixup). */
void libos_exception(struct pal_context *ctx, const struct pal_fault *fault);

/* An asynchronous host event arrived while ctx was running program code.  The core collects
 * the pending events with pal_take_interrupts() and delivers what they mean to the program. */
void libos_interrupt(struct pal_context *ctx);

#endif
