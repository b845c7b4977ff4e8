/*
 * jump.S - a non-local exit inside the core (setjmp/longjmp for one entry).
 *
 * Used by vfork: a vfork child runs on its parent's host thread, inside the parent's core
 * entry; when the child ends (exit, a fatal signal, or an exec that moves it to a host
 * process of its own) the core unwinds to the entry that started the child's current
 * system call and resumes the parent from there (libos/fork.c).
 *
 * struct core_jmp { rbx, rbp, r12, r13, r14, r15, rsp, rip }
 */
    .text
/* int core_setjmp(struct core_jmp *jb): 0 now, 1 when core_longjmp(jb) comes back */
    .globl core_setjmp
    .type core_setjmp, @function
core_setjmp:
    mov %rbx, 0(%rdi)
    mov %rbp, 8(%rdi)
    mov %r12, 16(%rdi)
    mov %r13, 24(%rdi)
    mov %r14, 32(%rdi)
    mov %r15, 40(%rdi)
    lea 8(%rsp), %rdx          /* the caller's rsp after our return */
    mov %rdx, 48(%rdi)
    mov (%rsp), %rdx           /* return address */
    mov %rdx, 56(%rdi)
    xor %eax, %eax
    ret

/* void core_longjmp(struct core_jmp *jb): back to core_setjmp's caller, which sees 1 */
    .globl core_longjmp
    .type core_longjmp, @function
core_longjmp:
    mov 0(%rdi), %rbx
    mov 8(%rdi), %rbp
    mov 16(%rdi), %r12
    mov 24(%rdi), %r13
    mov 32(%rdi), %r14
    mov 40(%rdi), %r15
    mov 48(%rdi), %rsp
    mov $1, %eax
    jmp *56(%rdi)

    .section .note.GNU-stack,"",@progbits
