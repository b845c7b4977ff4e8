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
void pal_direct_reserve(uint64_t addr, uint64_t len);
long pal_direct_errno(long r);
void pal_direct_die(const char *msg);
void pal_direct_signals_init(void);
int pal_direct_slots_init(void);
/* The memory-object pool (mem.c): made once at boot, before the first fork. */
int pal_direct_mem_init(void);
uint64_t pal_direct_main_thread(void);
struct pal_context *pal_direct_entry_area(void);
/* The calling thread's record of the program's FS base (signal.c; without FSGSBASE). */
uint64_t *pal_direct_fs_cache(void);
__attribute__((noreturn)) void pal_direct_switch_stack(uint64_t sp, void *fn, void *arg);

#endif
