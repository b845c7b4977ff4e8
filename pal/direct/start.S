/*
 * start.S - entry of the direct backend's core executable (a static PIE without libc).
 * The kernel jumps here with the initial stack (argc, argv, envp, auxv) at %rsp.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp
    mov %rsp, %rdi              /* initial stack: argc, argv..., envp..., auxv */
    lea _DYNAMIC(%rip), %rsi
    lea __ehdr_start(%rip), %rdx /* load base */
    and $-16, %rsp
    call pal_direct_start
    ud2

/* Signal return trampoline: must live in the core's text, the only region where
 * Syscall User Dispatch lets a syscall through. */
    .globl pal_direct_restorer
    .type pal_direct_restorer, @function
pal_direct_restorer:
    mov $15, %eax               /* __NR_rt_sigreturn */
    syscall
    ud2

/* pal_direct_jump(ctx): load every general register from a struct pal_context and jump
 * to ctx->rip.  Used for the first entry into the program. */
    .globl pal_direct_jump
    .type pal_direct_jump, @function
pal_direct_jump:
    mov %rdi, %rax
    mov 0(%rax), %r8
    mov 8(%rax), %r9
    mov 16(%rax), %r10
    mov 24(%rax), %r11
    mov 32(%rax), %r12
    mov 40(%rax), %r13
    mov 48(%rax), %r14
    mov 56(%rax), %r15
    mov 64(%rax), %rdi
    mov 72(%rax), %rsi
    mov 80(%rax), %rbp
    mov 88(%rax), %rbx
    mov 96(%rax), %rdx
    mov 112(%rax), %rcx
    mov 120(%rax), %rsp
    pushq 128(%rax)             /* rip */
    mov 104(%rax), %rax
    ret

/* long pal_direct_blocking_syscall(long nr, a1..a5) with a signal window: an asynchronous
 * signal arriving between the pending-flag check and the syscall instruction makes the
 * handler move %rip to the -EINTR exit, so no wake-up is ever lost. */
    .globl pal_direct_blocking_syscall
    .globl pal_direct_block_start
    .globl pal_direct_block_end
    .globl pal_direct_block_eintr
    .type pal_direct_blocking_syscall, @function
pal_direct_blocking_syscall:
    mov %rdi, %rax
    mov %rsi, %rdi
    mov %rdx, %rsi
    mov %rcx, %rdx
    mov %r8, %r10
    mov %r9, %r8
pal_direct_block_start:
    cmpq $0, pal_direct_pending(%rip)
    jne pal_direct_block_eintr
    syscall
pal_direct_block_end:
    ret
pal_direct_block_eintr:
    mov $-4, %rax
    ret

    .section .note.GNU-stack,"",@progbits

    .text
/* long pal_direct_clone(flags, stack, ctid): a new host thread starts on `stack`, whose
 * first word is the argument for pal_direct_thread_entry. */
    .globl pal_direct_clone
    .type pal_direct_clone, @function
pal_direct_clone:
    mov %rdx, %r10              /* child_tid */
    xor %edx, %edx              /* parent_tid */
    xor %r8d, %r8d              /* tls */
    mov $56, %eax               /* __NR_clone */
    syscall
    test %rax, %rax
    jnz 1f
    mov (%rsp), %rdi
    and $-16, %rsp
    call pal_direct_thread_entry
    ud2
1:  ret

/* pal_direct_switch_stack(sp, fn, arg): continue in fn(arg) on another stack. */
    .globl pal_direct_switch_stack
    .type pal_direct_switch_stack, @function
pal_direct_switch_stack:
    mov %rdi, %rsp
    and $-16, %rsp
    mov %rdx, %rdi
    call *%rsi
    ud2

    .section .note.GNU-stack,"",@progbits
