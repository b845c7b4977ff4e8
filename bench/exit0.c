/*
 * exit0.c - the tiny static program that the vfork+exec and posix_spawn rows execute.
 * Built with -static -nostdlib: no libc start-up, no dynamic loader, one page of code; its
 * whole run is the exit_group(0) system call, so those rows measure process creation, exec
 * and wait rather than the start-up of a C library.
 */
void _start(void)
{
    __asm__ volatile("mov $231, %%eax\n\t" /* SYS_exit_group */
                     "xor %%edi, %%edi\n\t"
                     "syscall"
                     :
                     :
                     : "rax", "rdi", "rcx", "r11", "memory");
    __builtin_unreachable();
}
