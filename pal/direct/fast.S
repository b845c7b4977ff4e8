/*
 * fast.S - the direct backend's fast syscall entry: how a rewritten syscall site enters the
 * LibOS without a host signal (rewrite.c makes the sites, fast.c is the C half).
 *
 * A rewritten site jumps to its trampoline, which runs the instruction the jump replaced
 * (it sets %rax to the syscall number), loads %rcx with the address after the site's
 * `syscall` and jumps here.  So on arrival %rax = number, %rcx = return address (as the
 * kernel's `syscall` leaves it), every other register and the flags are the program's,
 * and %rsp is the program's stack: nothing may be pushed there (red zone).
 *
 * %gs points at the calling thread's slot "self page" (thread.c, fast.c; programs cannot
 * set %gs, see arch_prctl in the core), which holds the fields below.  The entry switches
 * to the slot's stack, takes %r11 = rflags as `syscall` does, saves the general registers
 * into a struct pal_context kept in the self page and the FPU/vector state (XSAVE) on the
 * slot stack, then calls pal_direct_fast_syscall(ctx, xstate), which calls the core's
 * libos_syscall exactly as the SIGSYS handler does.
 *
 * The way out is a restartable window: from pal_direct_fast_window to
 * pal_direct_fast_window_end the code checks the host-event word and then loads the
 * program's registers from the context.  A host signal landing in the window (signal.c)
 * moves %rip back to the window's start, so an event that arrived after the core's last
 * look is never left pending while the program runs: the check sees it and the slow exit
 * hands it to the core (pal_direct_fast_interrupt) before going round again.  Everything
 * the window reads is in the self page, which no signal frame can reach (a frame lands at
 * the top of the slot stack once %rsp is the program's again).
 */
#define F_SELF 1024   /* linear address of the self page (the %gs base) */
#define F_STACK 1032  /* top of the stack fast entries run on */
#define F_URSP 1040   /* the program's %rsp during the entry */
#define F_FS 1048     /* the program's FS base (fast.c keeps it) */
#define F_FLAGS 1056  /* rflags to load on the way out */
#define F_XBUF 1064   /* this entry's XSAVE area */
#define F_EFLAGS 1072 /* rflags at entry */
#define F_NCALLS 1080 /* fast entries made by this thread (ALCOVE_LOG=info) */
#define F_CTX 1088    /* struct pal_context (include/pal.h layout) */

#define C_R8 (F_CTX + 0)
#define C_R9 (F_CTX + 8)
#define C_R10 (F_CTX + 16)
#define C_R11 (F_CTX + 24)
#define C_R12 (F_CTX + 32)
#define C_R13 (F_CTX + 40)
#define C_R14 (F_CTX + 48)
#define C_R15 (F_CTX + 56)
#define C_RDI (F_CTX + 64)
#define C_RSI (F_CTX + 72)
#define C_RBP (F_CTX + 80)
#define C_RBX (F_CTX + 88)
#define C_RDX (F_CTX + 96)
#define C_RAX (F_CTX + 104)
#define C_RCX (F_CTX + 112)
#define C_RSP (F_CTX + 120)
#define C_RIP (F_CTX + 128)
#define C_RFLAGS (F_CTX + 136)

    .text
/* Save the FPU/vector state below %rsp (64-byte aligned, header zeroed as XRSTOR wants
 * it), record where, and give the core a clean state as a signal handler would get. */
.macro SAVE_XSTATE
    sub pal_direct_xsave_room(%rip), %rsp
    and $-64, %rsp
    mov %rsp, %gs:F_XBUF
    xor %eax, %eax
    mov %rax, 512(%rsp)
    mov %rax, 520(%rsp)
    mov %rax, 528(%rsp)
    mov %rax, 536(%rsp)
    mov %rax, 544(%rsp)
    mov %rax, 552(%rsp)
    mov %rax, 560(%rsp)
    mov %rax, 568(%rsp)
    mov pal_direct_xfeatures(%rip), %eax
    mov pal_direct_xfeatures+4(%rip), %edx
    xsave64 (%rsp)
    fninit
    ldmxcsr fast_mxcsr(%rip)
.endm

    .globl pal_direct_fast_entry
    .type pal_direct_fast_entry, @function
pal_direct_fast_entry:
    mov %rsp, %gs:F_URSP         /* mov leaves the flags alone */
    mov %gs:F_STACK, %rsp
    pushfq
    pop %r11                     /* r11 = rflags, as after `syscall` */
    mov %r11, %gs:F_EFLAGS
    mov %r8, %gs:C_R8
    mov %r9, %gs:C_R9
    mov %r10, %gs:C_R10
    mov %r11, %gs:C_R11
    mov %r12, %gs:C_R12
    mov %r13, %gs:C_R13
    mov %r14, %gs:C_R14
    mov %r15, %gs:C_R15
    mov %rdi, %gs:C_RDI
    mov %rsi, %gs:C_RSI
    mov %rbp, %gs:C_RBP
    mov %rbx, %gs:C_RBX
    mov %rdx, %gs:C_RDX
    mov %rax, %gs:C_RAX
    mov %rcx, %gs:C_RCX
    mov %rcx, %gs:C_RIP
    mov %r11, %gs:C_RFLAGS
    mov %gs:F_URSP, %rax
    mov %rax, %gs:C_RSP
    cld
    incq %gs:F_NCALLS            /* flags are saved: the exit loads the program's */
    SAVE_XSTATE
    mov %gs:F_SELF, %rdi
    add $F_CTX, %rdi
    mov %rsp, %rsi
    xor %ebp, %ebp
    call pal_direct_fast_syscall
    /* fall through */

/* Also the SIGSYS handler's way back when it skips rt_sigreturn (fast.c): F_XBUF, F_FLAGS
 * and the context are ready, %rsp is anywhere on the slot stack. */
    .globl pal_direct_fast_exit
pal_direct_fast_exit:
fast_exit:
    mov %gs:F_XBUF, %rcx
    mov pal_direct_xfeatures(%rip), %eax
    mov pal_direct_xfeatures+4(%rip), %edx
    xrstor64 (%rcx)
    .globl pal_direct_fast_window
    .globl pal_direct_fast_window_end
pal_direct_fast_window:
    mov %gs:F_STACK, %rsp
    cmpq $0, pal_direct_pending(%rip)
    jne fast_event
    pushq %gs:F_FLAGS
    popfq                        /* the program's flags; only mov follows */
    mov %gs:C_R8, %r8
    mov %gs:C_R9, %r9
    mov %gs:C_R10, %r10
    mov %gs:C_R11, %r11
    mov %gs:C_R12, %r12
    mov %gs:C_R13, %r13
    mov %gs:C_R14, %r14
    mov %gs:C_R15, %r15
    mov %gs:C_RDI, %rdi
    mov %gs:C_RSI, %rsi
    mov %gs:C_RBP, %rbp
    mov %gs:C_RBX, %rbx
    mov %gs:C_RDX, %rdx
    mov %gs:C_RAX, %rax
    mov %gs:C_RCX, %rcx
    mov %gs:C_RSP, %rsp
    jmp *%gs:C_RIP
pal_direct_fast_window_end:

/* A host event is pending on the way out: the program's FPU state is live again, so
 * save it once more and let the core deliver what the event means. */
fast_event:
    SAVE_XSTATE
    mov %gs:F_SELF, %rdi
    add $F_CTX, %rdi
    mov %rsp, %rsi
    xor %ebp, %ebp
    call pal_direct_fast_interrupt
    jmp fast_exit

    .section .rodata
    .balign 4
fast_mxcsr:
    .long 0x1f80

    .section .note.GNU-stack,"",@progbits
