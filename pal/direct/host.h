/*
 * host.h - raw Linux system calls for the direct backend.  Only pal/direct may include it:
 * the layering check rejects a `syscall` instruction anywhere else in the core.
 */
#ifndef ALCOVE_PAL_DIRECT_HOST_H
#define ALCOVE_PAL_DIRECT_HOST_H

#include <stdint.h>
#include <stddef.h>

#include <asm/unistd.h>
#include <asm-generic/errno-base.h>
#include <asm-generic/errno.h>

static inline long host_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define HSYS0(n) host_syscall6(n, 0, 0, 0, 0, 0, 0)
#define HSYS1(n, a) host_syscall6(n, (long)(a), 0, 0, 0, 0, 0)
#define HSYS2(n, a, b) host_syscall6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define HSYS3(n, a, b, c) host_syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define HSYS4(n, a, b, c, d) host_syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define HSYS5(n, a, b, c, d, e) \
    host_syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define HSYS6(n, a, b, c, d, e, f) \
    host_syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* Host results are distrusted like any other input: a value in the error range that is not
 * a known Linux errno becomes -EIO. */
static inline long host_ret(long r)
{
    if (r < 0 && r >= -4095 && (r < -133 /* EHWPOISON */))
        return -EIO;
    return r;
}

long pal_direct_blocking_syscall(long nr, long a1, long a2, long a3, long a4, long a5);
extern volatile uint64_t pal_direct_pending;

/* Kernel ABI structures the backend uses. */
struct host_sigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};
#define HSA_SIGINFO 0x4
#define HSA_ONSTACK 0x08000000
#define HSA_RESTART 0x10000000
#define HSA_NODEFER 0x40000000
#define HSA_RESTORER 0x04000000

struct host_stack {
    void *ss_sp;
    int ss_flags;
    size_t ss_size;
};

struct host_timespec {
    int64_t tv_sec, tv_nsec;
};

/* Layout of the kernel's x86-64 ucontext as delivered to a signal handler. */
struct host_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    void *fpstate;
    uint64_t reserved1[8];
};
struct host_ucontext {
    unsigned long uc_flags;
    struct host_ucontext *uc_link;
    struct host_stack uc_stack;
    struct host_sigcontext uc_mcontext;
    uint64_t uc_sigmask;
};
struct host_siginfo {
    int si_signo, si_errno, si_code, _pad0;
    union {
        struct {
            uint64_t addr;
        } fault;
        struct {
            uint64_t call_addr;
            int syscall;
            unsigned arch;
        } sys;
        char _pad[112];
    } u;
};

/* Shared between the backend's files. */
extern uint64_t pal_direct_text_start, pal_direct_text_end;
extern int pal_direct_has_fsgsbase;
int pal_direct_in_core(uint64_t rip);
/* Record a range the program may never map over; -1 when the table is full. */
int pal_direct_reserve(uint64_t addr, uint64_t len);
long pal_direct_errno(long r);
void pal_direct_die(const char *msg);
void pal_direct_signals_init(void);
int pal_direct_slots_init(void);
/* The memory-object pool (mem.c): made once at boot, before the first fork. */
int pal_direct_mem_init(void);
uint64_t pal_direct_main_thread(void);
struct pal_context *pal_direct_entry_area(void);
__attribute__((noreturn)) void pal_direct_switch_stack(uint64_t sp, void *fn, void *arg);

/* The fast syscall entry (fast.S, fast.c). */
void pal_direct_fast_entry(void);
extern char pal_direct_fast_window[], pal_direct_fast_window_end[];
extern int pal_direct_fast_ok;
/* XSAVE geometry; sets pal_direct_fast_ok when the fast entry can be used. */
void pal_direct_fast_init(void);
/* Per thread: %gs base = the slot's self page, fast entries run below stack_top. */
void pal_direct_fast_thread_init(uint64_t self, uint64_t stack_top);
/* The program's FS base of the calling thread (cached in the self page unless the CPU can
 * read it cheaply) and setting it (keeps the cache). */
uint64_t pal_direct_read_fs(void);
/* Back to the program in ctx (after a SIGSYS entry) without rt_sigreturn: see signal.c. */
__attribute__((noreturn)) void pal_direct_trap_leave(const struct pal_context *ctx,
                                                     uint64_t entry_flags, uint64_t old_fs);
void pal_direct_write_fs(uint64_t v);

/* Syscall-site rewriting (rewrite.c). */
extern int pal_direct_rewrite_on, pal_direct_log_level;
/* A SIGSYS trap (m: the program's registers, rip after the syscall): count it, and on a
 * site's first trap rewrite the site if that is safe. */
void pal_direct_rw_trap(const struct host_sigcontext *m);
/* Where the program resumes when its context says rip: the address after a syscall that a
 * patch replaced (with what followed it) becomes its trampoline's continuation.  Applied on
 * every way back to the program. */
uint64_t pal_direct_rw_exit_rip(uint64_t rip);
/* pal_exit: this host process ends; its threads waiting for the core lock leave (thread.c). */
void pal_direct_process_ending(void);
/* Fast entries made by this host process's threads so far (ALCOVE_LOG=info); each thread
 * counts its own in its self page at this offset (fast.S: F_NCALLS). */
#define PAL_DIRECT_F_NCALLS 1080
uint64_t pal_direct_fast_calls(void);
/* Host threads of this process (an upper bound: exited ones may still count a moment). */
int pal_direct_nthreads(void);
/* A SIGTRAP from an int3 the patcher placed: 1 if handled (uc sent back to the site). */
int pal_direct_rw_int3(struct host_ucontext *uc);
/* A program address inside a trampoline maps to its site; others are returned as is. */
uint64_t pal_direct_rw_fix_rip(uint64_t rip);
/* [addr, addr+len) is unmapped, replaced (restore = 0) or about to change protection or
 * move (restore = 1: the original bytes go back first): forget its sites. */
void pal_direct_rw_forget(uint64_t addr, uint64_t len, int restore);
/* Around a fork: no patch half done in the child; the child reopens its handles. */
void pal_direct_rw_fork_lock(void);
void pal_direct_rw_fork_unlock(int child);
/* ALCOVE_LOG=info: patched sites and the sites that still trap, at process exit. */
void pal_direct_rw_report(void);

#endif
