/*
 * libos.h - declarations shared by the files of the LibOS core.
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
struct kernel {
    uint32_t bkl;            /* lock.c: 0 free, 1 locked, 2 locked with waiters */
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

#include "fs/fs.h"

/* The big core lock (lock.c): held for the whole of every entry, dropped while waiting. */
void bkl_lock(void);
void bkl_unlock(void);
/* Something a waiter may be waiting for changed: make every waiter re-check. */
void wake_all(void);
/* Wait (interruptibly, lock dropped) until cond(arg) holds: 0, or -ERESTARTSYS when a
 * signal is pending. */
WUR int wait_until(int (*cond)(void *), void *arg);
/* Same, with a deadline on clock (-1: none): also -ETIMEDOUT. */
WUR int wait_event(int (*cond)(void *), void *arg, int clock, int64_t deadline_ns);
#define ERESTARTSYS 512
#define ERESTARTNOHAND 514

WUR int pipe_create(struct file **rd, struct file **wr, int flags);
/* F_GETPIPE_SZ / F_SETPIPE_SZ (pipe.c): the size, or -EBADF/-EINVAL/-EPERM/-EBUSY. */
long pipe_fcntl(struct file *f, int cmd, unsigned long arg);
/* Direct access to a pipe's ring for splice/tee (pipe.c).  pipe_of: NULL if f is not an
 * enclave pipe.  pipe_wait_data: 1 data, 0 end of file, -EAGAIN (nonblock), -ERESTARTSYS.
 * pipe_wait_room: free bytes, -EPIPE (no reader; SIGPIPE sent), -EAGAIN, -ERESTARTSYS.
 * peek copies without consuming; consume drops; append adds at most the free room.  Each
 * returns the bytes handled and wakes waiters when the ring changed. */
struct pipe;
struct pipe *pipe_of(struct file *f);
WUR int pipe_wait_data(struct pipe *p, int nonblock);
WUR long pipe_wait_room(struct pipe *p, int nonblock);
size_t pipe_peek(struct pipe *p, void *buf, size_t n);
void pipe_consume(struct pipe *p, size_t n);
size_t pipe_append(struct pipe *p, const void *buf, size_t n);

/* ---- per-process state ------------------------------------------------------------------- */
#define FD_MAX 4096
struct fdent {
    struct file *f;
    int cloexec;
};
struct fdtable {
    int size;
    struct fdent *ent;
};

struct vma {
    uint64_t start, end;
    int prot, flags;  /* flags: VMA_* */
};
#define VMA_ANON 1
#define VMA_FILE 2
#define VMA_STACK 4
#define VMA_SHARED 8
#define VMA_HEAP 16
struct mm {
    struct vma *v;
    int n, cap;
    uint64_t brk_start, brk, brk_limit;
    uint64_t stack_top, stack_bottom;
    uint64_t mmap_hint;
};

struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

struct rlimit64 {
    uint64_t cur, max;
};

struct process {
    int pid, ppid, pgid, sid;
    struct fdtable fds;
    struct path cwd;                 /* working directory (referenced) */
    uint32_t umask;
    struct k_sigaction act[65];
    uint64_t sig_pending;            /* process-directed signals */
    struct mm mm;
    char exe[PATH_MAX_LEN];
    char *cmdline;                   /* argv joined with NULs */
    size_t cmdline_len;
    char comm[16];
    struct rlimit64 rlim[16];
    int pdeathsig;
    int no_new_privs;
    uint32_t ruid, euid, suid, fsuid, rgid, egid, sgid, fsgid; /* credentials (cred.c) */
    struct thread *threads;          /* every thread of the process */
    int nthreads;
    /* process lifecycle (fork.c) */
    struct process *next;            /* in kernel->procs */
    int state;                       /* PROC_RUNNING, PROC_ZOMBIE */
    int wait_status;                 /* Linux wait status once a zombie */
    int64_t host_id;                 /* the backend's id for kicks and teardown */
    struct sigq *sigq[65];           /* process-directed signals */
    int vfork_done;                  /* a vfork parent waits for exec or exit */
    /* A vfork child running on its parent's host thread (fork.c): the parent's saved
     * context, the parent thread, the core entry to unwind to when the child ends. */
    struct vfork_save *vf_save;      /* NULL for every other process */
    int vm_hosted;                   /* clone(CLONE_VM) child: a host thread of its parent's
                                      * host process until it execs (fork.c) */
    struct thread *vf_parent;
    struct core_jmp *vf_jb;
    int64_t vf_cpu0;                 /* the host thread's CPU time when the child began */
    int stopped, stop_sig;           /* job control: stopped by stop_sig */
    int report;                      /* an unreported stop (1) or continue (2) for wait */
    int exit_signal;                 /* what the parent gets at exit (clone's low byte) */
    int subreaper;                   /* PR_SET_CHILD_SUBREAPER */
    int did_exec;                    /* setpgid() by the parent gives EACCES after exec */
    int64_t cpu_ns;                  /* CPU time used, recorded at exit (zombies) */
    int64_t children_cpu_ns;         /* CPU time of reaped children (RUSAGE_CHILDREN) */
    int64_t maxrss_kb;               /* a zombie's peak resident memory, its reaped
                                      * descendants' included (wait4's ru_maxrss) */
    int64_t children_maxrss_kb;      /* largest of the reaped children's (RUSAGE_CHILDREN) */
    int nice;                        /* -20..19 (sched.c): recorded, the host is not told */
    int ngroups;                     /* supplementary groups (cred.c), sorted */
    uint32_t *groups;                /* kmalloc'd, NULL when ngroups == 0; own copy per process */
};
/* Job control (fork.c): stop the calling process until SIGCONT or SIGKILL. */
void process_stop(int sig);
/* Wait (lock dropped) until cond(arg) holds, whatever signals are pending. */
void wait_plain(int (*cond)(void *), void *arg);
#define PROC_RUNNING 0
#define PROC_ZOMBIE 1
struct process *process_by_pid(int pid);
/* Advisory locks (flock.c). */
long lock_fcntl(struct file *f, int cmd, uint64_t uarg);
long lock_flock(struct file *f, int op);
void lock_release(struct file *f, int posix);
long process_fork(unsigned long flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls);
/* A clone child's start (thread.c): the caller's context with return value 0 and the new
 * stack and TLS if given; in place, or as a copy for a child that starts on a host thread
 * of its own (from a clean FPU state). */
void clone_child_ctx(struct pal_context *ctx, unsigned long flags, uint64_t newsp, uint64_t tls);
struct pal_context clone_host_thread_ctx(unsigned long flags, uint64_t newsp, uint64_t tls);
/* Queue a signal for a process (any of its threads may take it) and make it notice. */
void signal_send_process(struct process *p, int sig, const struct k_siginfo *info);

/* A queued signal (real-time signals queue; standard ones keep one entry). */
struct sigq {
    struct k_siginfo info;
    struct sigq *next;
};

struct thread {
    int tid;
    struct process *proc;
    struct thread *next_in_proc;
    int64_t host_tid;                /* the backend's id, for kicks */
    int must_exit;                   /* another thread exec'd: leave at the next chance */
    struct pal_context *ctx;         /* context of the current entry */
    uint64_t sigmask;
    uint64_t sig_pending;
    struct sigq *sigq[65];           /* queued siginfo per pending signal */
    uint64_t altstack_sp, altstack_size;
    int altstack_flags;
    uint64_t clear_child_tid;
    uint64_t robust_list, robust_len;
    int in_syscall;
    long cur_nr;
    uint64_t saved_sigmask;          /* mask to restore after a ppoll/sigsuspend-style wait */
    int has_saved_mask;
    uint64_t fault_trapno, fault_err, fault_addr; /* for the signal frame of a fault */
    char comm[16];                   /* the thread's name (PR_SET_NAME); the leader's is
                                      * also the process's, proc->comm */
    /* scheduling attributes (sched.c): recorded only, the host scheduler is not changed */
    int sched_policy, sched_prio, sched_reset_on_fork;
    int has_affinity;                /* affinity[] set by sched_setaffinity (else all CPUs) */
    uint64_t affinity[16];
};

/* The calling thread: found through the backend, never through program registers. */
#define current ((struct thread *)pal_thread_self())
extern const struct pal_boot *boot_info;

/* fd table (fdtable.c) */
WUR int fd_install(struct file *f, int cloexec, int minfd);
struct file *fd_get(int fd);      /* borrowed reference, NULL if bad */
WUR int fd_close(int fd);
WUR int fdtable_init(struct fdtable *t);

/* memory map (mm.c) */
WUR int mm_init(struct mm *mm);
void mm_track(struct mm *mm, uint64_t start, uint64_t end, int prot, int flags);
void mm_untrack(struct mm *mm, uint64_t start, uint64_t end);
void mm_set_prot(struct mm *mm, uint64_t start, uint64_t end, int prot);
/* Unmap everything the program mapped (execve). */
void mm_unmap_all(struct mm *mm);
/* Map file bytes [off, off+len) of f at fixed addr with prot (loader, mmap). */
WUR int mm_map_file(struct mm *mm, uint64_t addr, size_t len, int prot, int shared, struct file *f,
                    uint64_t off, int fixed, uint64_t *out);
WUR long mm_format_maps(struct mm *mm, char **out);

/* loader (loader.c) */
WUR int exec_load(const char *path, char *const *argv, char *const *envp, struct pal_context *ctx,
                  const char **why);

/* signals (signal.c) */
void signal_send_thread(struct thread *t, int sig, const struct k_siginfo *info);
/* Deliver pending, unblocked signals into ctx before it resumes. */
void signal_deliver(struct pal_context *ctx);
/* Collect asynchronous host events into pending signals. */
void signal_collect_host(void);
int signal_pending_unblocked(void);
/* The action of the signal signal_deliver() would run a handler for next, or NULL. */
const struct k_sigaction *signal_next_handler(void);
/* A synchronous fault: unblock/unignore it as Linux does and queue it. */
void signal_force(int sig, const struct k_siginfo *si, uint64_t trapno, uint64_t err);
void process_init_limits(struct process *p);
/* After a call that ran with a temporary mask: keep old for the handler frame if interrupted. */
void signal_restore_mask_after(uint64_t old, long ret);
void fd_close_on_exec(void);
/* Free every queued signal of a pending-signal array (sigq[1..NSIG]). */
void sigq_free_all(struct sigq **q);
/* Copy a struct timespec from the program and check it: 0, -EFAULT or -EINVAL. */
WUR long timespec_from_user(uint64_t u, struct linux_timespec *ts);
/* A new thread t (of process c) inherits the scheduling attributes of the caller, with
 * SCHED_RESET_ON_FORK applied (sched.c). */
void sched_fork(struct thread *t, struct process *c);
/* Copy the caller's supplementary groups into a new process c: 0 or -ENOMEM (cred.c). */
WUR int groups_fork(struct process *c);
/* The pid a pidfd (or /proc/PID directory fd) names, and whether it is O_NONBLOCK: the
 * pid or -EBADF (pidfd.c). */
int pidfd_pid(int fd, int *nonblock);
/* Any thread of the enclave by tid (running processes only), NULL if none. */
struct thread *task_by_tid(int tid);
/* Threads (thread.c, futex.c): p's thread tid, the caller's process's thread tid. */
struct thread *proc_thread(const struct process *p, int tid);
struct thread *thread_by_tid(int tid);
__attribute__((noreturn)) void thread_exit(int code);
/* execve: end every other thread of the calling process and wait until they are gone. */
void threads_end_others(void);
/* Called on the way out of every entry: a thread told to go leaves here. */
void thread_check_exit(void);
/* Rename thread t (15 bytes at most); the leader's name is also the process's. */
void thread_set_comm(struct thread *t, const char *name);
int futex_wake(uint64_t uaddr, int n, uint32_t mask);
void futex_fork_child(void); /* forget the parent's waiters (fork.c, in the child) */

/* A non-local exit to a core entry (jump.S), used to resume a vfork parent. */
struct core_jmp {
    uint64_t r[8];
};
__attribute__((returns_twice)) int core_setjmp(struct core_jmp *jb);
__attribute__((noreturn)) void core_longjmp(struct core_jmp *jb);
/* At a core entry that core_longjmp'ed back: the vfork child has ended or moved to a host
 * process of its own; ctx becomes the parent's context again (fork.c). */
void vfork_resumed(struct pal_context *ctx);
/* execve in a process sharing another's host process (a vfork child, a clone(CLONE_VM)
 * child), at the point of no return: move it to a host process of its own.  Returns 0
 * there; in the old host process resumes the vfork parent or ends the host thread. */
int vfork_exec_split(void);
/* Every core entry: remember where to resume a vfork parent if the child ends here. */
#define VFORK_ENTRY(ctx, jb)                                                                \
    do {                                                                                   \
        if (current->proc->vf_save) {                                                      \
            if (core_setjmp(&(jb))) {                                                      \
                vfork_resumed(ctx);                                                        \
                bkl_unlock();                                                              \
                return;                                                                    \
            }                                                                              \
            current->proc->vf_jb = &(jb);                                                  \
        }                                                                                  \
    } while (0)
/* Put the program's FPU/SSE/AVX state in ctx back to its initial values. */
void xstate_reset(struct pal_context *ctx);
/* Bytes of address space the program has mapped (RLIMIT_AS). */
uint64_t mm_total(const struct mm *mm);
__attribute__((noreturn)) void process_exit_signal(int sig);
__attribute__((noreturn)) void process_exit(int code);

/* syscall table (syscall.c) */
typedef long (*syscall_fn)(long, long, long, long, long, long);
extern const syscall_fn syscall_table[];
extern const unsigned syscall_table_size;
long syscall_dispatch(long nr, const long *a, int *found);
const char *syscall_name(long nr);
void trace_syscall_enter(long nr, const long *a);
void trace_syscall_exit(long nr, const long *a, long ret);

/* handlers by family */
#define SYS(name) long sys_##name(long a0, long a1, long a2, long a3, long a4, long a5)
#include "kernel/syscalls.h"

#endif
