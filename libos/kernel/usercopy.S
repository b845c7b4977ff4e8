/*
 * usercopy.S - the only code in the core that touches program memory without a prior
 * check that it is mapped.  A fault inside [usercopy_start, usercopy_end) is turned by
 * libos_exception() into a return of -EFAULT from the routine (none of them touches the
 * stack, so the return address is still on top of it).
 */
    .text
    .globl usercopy_start, usercopy_end, usercopy_fault
usercopy_start:

/* long raw_copy(void *dst, const void *src, size_t n): 0 or -EFAULT */
    .globl raw_copy
    .type raw_copy, @function
raw_copy:
    mov %rdx, %rcx
    rep movsb
    xor %eax, %eax
    ret

/* long raw_clear(void *dst, size_t n) */
    .globl raw_clear
    .type raw_clear, @function
raw_clear:
    mov %rsi, %rcx
    xor %eax, %eax
    rep stosb
    ret

/* long raw_strncpy(char *dst, const char *src, size_t max): length without NUL if a NUL
 * was found within max bytes (copied too), else max. */
    .globl raw_strncpy
    .type raw_strncpy, @function
raw_strncpy:
    xor %eax, %eax
1:  cmp %rdx, %rax
    jae 3f
    movb (%rsi,%rax), %cl
    movb %cl, (%rdi,%rax)
    test %cl, %cl
    jz 2f
    inc %rax
    jmp 1b
2:  ret
3:  ret

/* long raw_cmpxchg32(uint32_t *uaddr, uint32_t old, uint32_t new, uint32_t *seen):
 * atomic compare-and-exchange on program memory; *seen gets the value found. */
    .globl raw_cmpxchg32
    .type raw_cmpxchg32, @function
raw_cmpxchg32:
    mov %esi, %eax
    lock cmpxchg %edx, (%rdi)
    mov %eax, (%rcx)
    xor %eax, %eax
    ret

usercopy_fault:
    mov $-14, %rax      /* -EFAULT */
    ret
usercopy_end:

    .section .note.GNU-stack,"",@progbits
