/*
 * syscall.h - the one syscall table (kernel/syscall.c) and the handlers' declarations.
 */
#ifndef ALCOVE_KERNEL_SYSCALL_H
#define ALCOVE_KERNEL_SYSCALL_H

#include "libos.h"

/* syscall table (syscall.c) */
typedef long (*syscall_fn)(long, long, long, long, long, long);
extern const syscall_fn syscall_table[];
extern const unsigned syscall_table_size;
long syscall_dispatch(long nr, const long *a, int *found);
const char *syscall_name(long nr);
/* True the first time in the enclave's life it is asked about call nr (the bitmap is
 * shared by every process), so that a warning about nr is logged once per enclave. */
int syscall_warn_once(long nr);
void trace_syscall_enter(long nr, const long *a);
void trace_syscall_exit(long nr, const long *a, long ret);


#include "kernel/syscalls.h"

#endif
