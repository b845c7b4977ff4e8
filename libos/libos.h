/*
 * libos.h - what every file of the LibOS core needs: types and macros, logging, the shared
 * kernel state and its heap, user-memory access, the core lock and waits, the calling
 * thread.  Each subsystem's public interface is its own header: fs/fs.h, mm/mm.h,
 * proc/proc.h, ipc/ipc.h, kernel/syscall.h; internals stay in the subsystem's folder.
 *
 * The core is freestanding C11: it includes only its own headers, common/ and the Linux
 * UAPI constant headers, and reaches the outside world only through pal.h.  Every fallible
 * function returns a negative Linux errno or a non-negative result.
 */
#ifndef ALCOVE_LIBOS_H
#define ALCOVE_LIBOS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <asm-generic/errno-base.h>
#include <asm-generic/errno.h>
#include <asm/unistd.h>

#include "linux_abi.h"
#include "pal.h"
#include "path.h"
#include "al_string.h"

#define WUR __attribute__((warn_unused_result))
/* Deliberately drop a result (best-effort cleanup paths). */
#define IGNORE(x)                    \
    do {                             \
        long ignored_ = (long)(x);   \
        (void)ignored_;              \
    } while (0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE 4096ull
#define PAGE_DOWN(x) ((uint64_t)(x) & ~(PAGE_SIZE - 1))
#define PAGE_UP(x) (((uint64_t)(x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- logging (log.c) ---------------------------------------------------------------- */
enum { LOG_QUIET = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_TRACE = 3 };
extern int log_level;
/* Print to the host log sink, prefixed "alcove: ". */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
#define warn(...) ((log_level >= LOG_WARN) ? kprintf(__VA_ARGS__) : (void)0)
#define info(...) ((log_level >= LOG_INFO) ? kprintf(__VA_ARGS__) : (void)0)
/* An internal invariant broke: report and end the enclave (exit 70). */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* ---- the enclave-wide state -------------------------------------------------------------
 * Everything every process of the enclave must see lives in the shared region the backend
 * maps at the same address in all of them: this structure (at the region's start) and
 * every object allocated with kmalloc().  Static variables of the core are per process.
 * The big lock (bkl) protects all of it. */
struct process;
struct usock;
struct kernel {
    uint32_t bkl;            /* lock.c: 0 free, else the holder's pal_lock_owner() | flags */
    uint32_t bkl_exit_handover; /* lock.c: the holder ends its process with the lock held */
    uint32_t generation;     /* lock.c: bumped by wake_all() */
    uint32_t gen_waiters;    /* lock.c: threads asleep (or about to be) on generation */
    uint32_t wake_pending;   /* lock.c: wake_all() ran; wake sleepers once bkl is dropped */
    uint32_t heap_lock;      /* heap.c */
    int next_id;             /* next pid/tid: one number space, as in Linux */
    char *heap_cur, *heap_end;
    void *freelist[31];
    struct process *procs;   /* every process, newest first */
    int nprocs;
    struct lock *locks;      /* flock.c: advisory locks of every process */
    struct vfs_state *vfs;   /* fs/dcache.c: mounts, dentry hash, LRU */
    struct vfsmount *memfd_mnt; /* fs/tmpfs.c: the internal tmpfs of memfd_create */
    uint64_t sys_warned[16];  /* kernel/syscall.c: call numbers already warned about */
    /* kernel/misc_sys.c: the enclave's own host and domain names once set (uname) */
    char uts_node[65], uts_domain[65];
    uint8_t uts_node_set, uts_domain_set;
    struct hostwaiter *hostwaiters; /* net/hostwait.c: threads asleep in a host poll */
    struct net_state *net;   /* net/policy.c: the network policy */
    uint64_t kcmp_cookie[2]; /* proc/kcmp.c: hides the core's addresses in kcmp's order */
    struct in_watch *in_watches; /* fs/inotify.c: every inotify watch of the enclave */
    uint32_t in_cookie;      /* fs/inotify.c: the last rename cookie */
    struct sysv_state *sysvipc; /* ipc/sysv.c: System V IPC ids, made at first use */
    struct mqueue *mqueues;  /* ipc/mqueue.c: the named POSIX message queues */
    struct usock *usocks;    /* ipc/unix.c: every local socket */
    uint64_t usock_ids;      /* ipc/unix.c: socket ids and autobind names */
};
extern struct kernel *kernel;

/* ---- heap (heap.c): the LibOS's own memory; never handed to the program ------------- */
/* Set up the shared region; returns the kernel structure at its start. */
struct kernel *heap_init(void *base, size_t size);
void *kmalloc(size_t n);  /* NULL when exhausted */
void *kzalloc(size_t n);
void kfree(void *p);
char *kstrdup(const char *s);

/* ---- user memory (usercopy.S, user.c) ------------------------------------------------ */
/* True if [addr, addr+len) is a legal program address range (not the core's memory). */
int access_ok(uint64_t addr, size_t len);
/* Copy to/from program memory; 0 or -EFAULT (unmapped or forbidden range). */
WUR long copy_from_user(void *dst, uint64_t usrc, size_t n);
WUR long copy_to_user(uint64_t udst, const void *src, size_t n);
WUR long clear_user(uint64_t udst, size_t n);
/* Copy a NUL-terminated string of at most max-1 bytes; its length, -EFAULT, or -ENAMETOOLONG. */
WUR long strncpy_from_user(char *dst, uint64_t usrc, size_t max);
/* If rip is inside a user-copy routine, return where it resumes with -EFAULT, else 0. */
uint64_t usercopy_fixup(uint64_t rip);

/* The big core lock (lock.c): held for the whole of every entry, dropped while waiting. */
void bkl_lock(void);
void bkl_unlock(void);
void bkl_hand_over_at_exit(void);
/* Something a waiter may be waiting for changed: make every waiter re-check. */
void wake_all(void);
/* Wait (interruptibly, lock dropped) until cond(arg) holds: 0, or -ERESTARTSYS when a
 * signal is pending. */
WUR int wait_until(int (*cond)(void *), void *arg);
/* Same, with a deadline on clock (-1: none): also -ETIMEDOUT. */
WUR int wait_event(int (*cond)(void *), void *arg, int clock, int64_t deadline_ns);
/* Inside a wait condition or a ->poll: the object becomes ready by itself at deadline_ns
 * on clock (a timer expiry, nobody calls wake_all()), so the calling thread's current wait
 * must look again by then.  The earliest hint of a scan wins; every scan starts afresh. */
void wait_hint(int clock, int64_t deadline_ns);
/* The hint of the last scan as a CLOCK_MONOTONIC deadline merged into deadline_ns (-1:
 * none), then cleared: for waits that sleep in the host (poll, epoll with host handles). */
int64_t wait_hint_take(int64_t deadline_ns);
#define ERESTARTSYS 512
#define ERESTARTNOHAND 514

/* The calling thread: found through the backend, never through program registers. */
#define current ((struct thread *)pal_thread_self())
extern const struct pal_boot *boot_info;


/* Copy a struct timespec from the program and check it: 0, -EFAULT or -EINVAL. */
WUR long timespec_from_user(uint64_t u, struct linux_timespec *ts);

/* handlers by family */
#define SYS(name) long sys_##name(long a0, long a1, long a2, long a3, long a4, long a5)

#endif
