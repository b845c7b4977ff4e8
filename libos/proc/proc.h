/*
 * proc.h - processes, threads, signals, credentials and scheduling: the objects every
 * subsystem reaches through `current`, and the calls between them.
 */
#ifndef ALCOVE_PROC_PROC_H
#define ALCOVE_PROC_PROC_H

#include "libos.h"
#include "fs/fs.h"
#include "mm/mm.h"

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
    /* capability sets (caps.c): until capset, derived from euid (root: every capability) */
    int caps_set;
    uint64_t cap_eff, cap_prm, cap_inh;
    struct ptimer *ptimers;          /* POSIX timers (kernel/ptimer.c), NULL after fork/exec */
    struct kioctx *aioctx;           /* Linux AIO contexts (ipc/aio.c), NULL after fork/exec */
    int ptimer_next_id;              /* the next timer id, as Linux's next_posix_timer_id */
    int membarrier_reg;              /* membarrier REGISTER_* commands done (misc_sys.c) */
    uint32_t personality;            /* personality(2): recorded only */
    int ioprio, ioprio_set;          /* ioprio_set(2): recorded only */
    /* set_mempolicy(2) (mm/mempolicy.c): mode, mode flags, the nodes (node 0 only) and
     * the caller's nodemask as given (kept for MPOL_F_STATIC/RELATIVE_NODES) */
    int mpol_mode, mpol_flags;
    uint64_t mpol_nodes, mpol_user[16];
    /* System V IPC (ipc/sysv_*.c): shm attachments (copied at fork), semaphore undo
     * records (not inherited; applied at exit) */
    struct shm_attach *shm_att;
    struct sem_undo *sem_undo;
    /* Started by init for a host client (`alcove exec`, init.c): the connection its exit
     * status goes to at process_end.  Not inherited by fork; kept across execve. */
    int has_ctl;
    pal_handle_t ctl_conn;
};
/* init.c: the first process of a long-lived enclave (boot->control set): serves the host's
 * requests (start a process, stop the enclave) and never returns.  Called by libos_main
 * with the first process set up, the core lock not held. */
__attribute__((noreturn)) void init_serve(const struct pal_boot *boot);
/* The PATH lookup of the first program (main.c), shared with init. */
int find_program(const char *name, char *const *envp, char *out);

/* Job control (fork.c): stop the calling process until SIGCONT or SIGKILL. */
void process_stop(int sig);
/* Wait (lock dropped) until cond(arg) holds, whatever signals are pending. */
void wait_plain(int (*cond)(void *), void *arg);
#define PROC_RUNNING 0
#define PROC_ZOMBIE 1
struct process *process_by_pid(int pid);
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
    uint64_t dl_runtime, dl_deadline, dl_period, dl_flags; /* SCHED_DEADLINE (sched_setattr) */
    uint64_t fair_slice;             /* a fair policy's custom slice (sched_setattr), 0: default */
    uint64_t affinity[16];
    int64_t wake_hint;               /* lock.c: CLOCK_MONOTONIC ns by which a wait must look
                                      * again (a timerfd's next expiry), 0: none */
};


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
/* Take the next pending signal of set (the caller's thread first, then its process), as
 * sigwaitinfo does: its number with *out filled, or 0 if none is pending. */
int signal_dequeue_set(uint64_t set, struct k_siginfo *out);
/* Free every queued signal of a pending-signal array (sigq[1..NSIG]). */
void sigq_free_all(struct sigq **q);
/* A new thread t (of process c) inherits the scheduling attributes of the caller, with
 * SCHED_RESET_ON_FORK applied (sched.c). */
void sched_fork(struct thread *t, struct process *c);
/* Copy the caller's supplementary groups into a new process c: 0 or -ENOMEM (cred.c). */
WUR int groups_fork(struct process *c);
/* exec recomputes the capability sets of p (caps.c). */
void caps_exec(struct process *p);
/* The caller's effective set holds capability cap (a CAP_* number) (caps.c). */
int capable(int cap);
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
__attribute__((noreturn)) void process_exit_signal(int sig);
__attribute__((noreturn)) void process_exit(int code);


/* POSIX timers (kernel/ptimer.c).  ptimer_check: a wake-up timer expired, queue the
 * signals of every expired timer of this host process.  ptimer_dequeued: a timer's signal
 * was taken, fill in its si_overrun and re-arm the timer, or say (0) that it is stale.  ptimer_exit_all: end every
 * timer of p (exit, exec).  ptimer_fork_child: a forked child starts with none. */
/* Linux AIO (ipc/aio.c): end every context of p (exit, exec); a forked child has none. */
void aio_exit_all(struct process *p);
void aio_fork_child(struct process *c);
void ptimer_check(void);
WUR int ptimer_dequeued(struct k_siginfo *info); /* 0: drop the signal */
void ptimer_exit_all(struct process *p);
void ptimer_fork_child(struct process *c);

/* The pid a pidfd (or /proc/PID directory fd) names, and whether it is O_NONBLOCK: the
 * pid or -EBADF (pidfd.c). */
int pidfd_pid(int fd, int *nonblock);

#endif
