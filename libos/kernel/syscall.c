/*
 * syscall.c - THE syscall table: number -> handler, name and argument format for tracing.
 *
 * To add a syscall: write sys_<name> in the file of its family, add one line below, and a
 * test in tests/abi/ (docs/new-syscall.md).  Numbers without an entry return -ENOSYS with
 * one warning per number.
 *
 * Argument format letters (for ALCOVE_LOG=trace): f fd, d signed int, u unsigned size,
 * x hex, o octal mode, p pointer, s string (read from the program), S signal number.
 */
#include "libos.h"
#include "proc/proc.h"
#include "kernel/syscall.h"
#include "sysnames.h"

struct syscall_desc {
    syscall_fn fn;
    const char *fmt;
};

#define E(name, f) [__NR_##name] = {sys_##name, f}

static const struct syscall_desc table[] = {
    /* files: data */
    E(read, "fpu"), E(write, "fpu"), E(pread64, "fpud"), E(pwrite64, "fpud"), E(readv, "fpd"),
    E(writev, "fpd"), E(preadv, "fpdd"), E(pwritev, "fpdd"), E(lseek, "fdd"), E(sendfile, "ffpu"),
    E(preadv2, "fpdddx"), E(pwritev2, "fpdddx"), E(fallocate, "fxdd"), E(sync, ""),
    E(syncfs, "f"), E(memfd_create, "sx"), E(copy_file_range, "fpfpux"), E(splice, "fpfpux"), E(tee, "ffux"),
    E(close, "f"), E(close_range, "ffx"), E(dup, "f"), E(dup2, "ff"), E(dup3, "ffx"),
    E(fcntl, "fdx"), E(ioctl, "fxp"), E(pipe, "p"), E(pipe2, "px"), E(flock, "fx"),
    E(fsync, "f"), E(fdatasync, "f"), E(ftruncate, "fd"), E(truncate, "sd"), E(fadvise64, "fddd"),
    E(sync_file_range, "fddx"), E(readahead, "fdu"),
    E(poll, "pud"), E(ppoll, "pupp"), E(select, "dpppp"), E(pselect6, "dppppp"),
    E(getdents64, "fpu"), E(getdents, "fpu"),
    /* files: names */
    E(open, "sxo"), E(openat, "fsxo"), E(openat2, "fspu"), E(creat, "so"), E(stat, "sp"), E(lstat, "sp"),
    E(fstat, "fp"), E(newfstatat, "fspx"), E(statx, "fsxxp"), E(access, "so"),
    E(faccessat, "fso"), E(faccessat2, "fsox"), E(readlink, "spu"), E(readlinkat, "fspu"),
    E(getcwd, "pu"), E(chdir, "s"), E(fchdir, "f"), E(mkdir, "so"), E(mkdirat, "fso"),
    E(rmdir, "s"), E(unlink, "s"), E(unlinkat, "fsx"), E(rename, "ss"), E(renameat, "fsfs"),
    E(renameat2, "fsfsx"), E(link, "ss"), E(linkat, "fsfsx"), E(symlink, "ss"),
    E(symlinkat, "sfs"), E(chmod, "so"), E(fchmod, "fo"), E(fchmodat, "fso"), E(umask, "o"),
    E(utimensat, "fspx"), E(utime, "sp"), E(utimes, "sp"), E(futimesat, "fsp"), E(chown, "sdd"), E(lchown, "sdd"), E(fchown, "fdd"),
    E(fchownat, "fsddx"), E(mknod, "sox"), E(mknodat, "fsox"), E(statfs, "sp"), E(mount, "sssxp"), E(umount2, "sx"),
    E(fstatfs, "fp"),
    /* extended attributes (xattr.c) */
    E(setxattr, "sspux"), E(lsetxattr, "sspux"), E(fsetxattr, "fspux"), E(getxattr, "sspu"),
    E(lgetxattr, "sspu"), E(fgetxattr, "fspu"), E(listxattr, "spu"), E(llistxattr, "spu"),
    E(flistxattr, "fpu"), E(removexattr, "ss"), E(lremovexattr, "ss"), E(fremovexattr, "fs"),
    /* memory */
    E(mmap, "pudxfx"), E(munmap, "pu"), E(mprotect, "pux"), E(mremap, "puuxp"), E(brk, "p"),
    E(madvise, "pud"), E(msync, "pux"), E(mlock, "pu"), E(munlock, "pu"),
    E(mlock2, "pux"), E(mlockall, "x"), E(munlockall, ""), E(mincore, "pup"),
    E(set_mempolicy, "dpu"), E(get_mempolicy, "ppupx"), E(mbind, "pudpux"),
    /* process */
    E(exit, "d"), E(exit_group, "d"), E(clone, "xpppx"), E(clone3, "pu"), E(execve, "spp"), E(execveat, "fsppx"), E(wait4, "dpdp"),
    E(waitid, "ddpdp"), E(fork, ""), E(vfork, ""),
    E(getpid, ""), E(getppid, ""), E(gettid, ""), E(getuid, ""), E(geteuid, ""), E(getgid, ""),
    E(getegid, ""), E(getresuid, "ppp"), E(getresgid, "ppp"), E(getgroups, "dp"),
    E(getpgrp, ""), E(getpgid, "d"), E(setpgid, "dd"), E(getsid, "d"), E(setsid, ""),
    E(arch_prctl, "xp"), E(set_tid_address, "p"), E(set_robust_list, "pu"),
    E(get_robust_list, "dpp"), E(rseq, "pudx"), E(prlimit64, "ddpp"), E(getrlimit, "dp"),
    E(setrlimit, "dp"), E(getrusage, "dp"), E(times, "p"), E(uname, "p"), E(sysinfo, "p"),
    E(sched_getaffinity, "dup"), E(sched_setaffinity, "dup"), E(sched_yield, ""),
    E(getcpu, "ppp"), E(sched_getscheduler, "d"), E(sched_getparam, "dp"),
    E(sched_setscheduler, "ddp"), E(sched_get_priority_max, "d"), E(sched_get_priority_min, "d"),
    E(sched_setparam, "dp"), E(sched_rr_get_interval, "dp"),
    E(sched_setattr, "dpx"), E(sched_getattr, "dpux"), E(getpriority, "dd"),
    E(setpriority, "ddd"), E(pidfd_open, "dx"), E(kcmp, "ddduu"),
    E(process_vm_readv, "dpupux"), E(process_vm_writev, "dpupux"), E(pidfd_send_signal, "fSpx"),
    E(setuid, "d"), E(setgid, "d"), E(setreuid, "dd"), E(setregid, "dd"), E(setresuid, "ddd"),
    E(setresgid, "ddd"), E(setfsuid, "d"), E(setfsgid, "d"), E(setgroups, "dp"), E(prctl, "dxxxx"), E(getrandom, "pux"), E(futex, "pxdpdx"), E(socket, "ddd"),
    /* signals */
    E(rt_sigaction, "Sppu"), E(rt_sigprocmask, "dppu"), E(rt_sigreturn, ""),
    E(rt_sigpending, "pu"), E(rt_sigsuspend, "pu"), E(sigaltstack, "pp"), E(kill, "dS"),
    E(tkill, "dS"), E(tgkill, "ddS"), E(rt_sigqueueinfo, "dSp"), E(pause, ""),
    E(rt_sigtimedwait, "pppu"), E(rt_tgsigqueueinfo, "ddSp"),
    /* events and local sockets (epoll.c, eventfd.c, socketpair.c) */
    E(eventfd, "u"), E(eventfd2, "ux"), E(epoll_create, "d"), E(epoll_create1, "x"),
    E(timerfd_create, "dx"), E(timerfd_settime, "fxpp"), E(timerfd_gettime, "fp"),
    E(signalfd, "fpu"), E(signalfd4, "fpux"),
    E(inotify_init, ""), E(inotify_init1, "x"), E(inotify_add_watch, "fsx"), E(inotify_rm_watch, "fd"),
    E(epoll_ctl, "fdfp"), E(epoll_wait, "fpdd"), E(epoll_pwait, "fpddpu"),
    E(epoll_pwait2, "fpdppu"), E(socketpair, "dxdp"), E(sendto, "fpuxpu"),
    E(recvfrom, "fpuxpp"), E(shutdown, "fd"), E(getsockopt, "fddpp"), E(setsockopt, "fddpu"),
    E(getsockname, "fpp"), E(getpeername, "fpp"),
    /* host sockets (net/socket.c) */
    E(bind, "fpu"), E(listen, "fd"), E(accept, "fpp"), E(accept4, "fppx"), E(connect, "fpu"),
    E(sendmsg, "fpx"), E(recvmsg, "fpx"), E(sendmmsg, "fpux"), E(recvmmsg, "fpuxp"),
    /* System V IPC (ipc/sysv_shm.c, sysv_sem.c, sysv_msg.c) */
    E(shmget, "xux"), E(shmat, "dpx"), E(shmdt, "p"), E(shmctl, "ddp"), E(semget, "xdx"),
    E(semop, "dpu"), E(semtimedop, "dpup"), E(semctl, "dddx"), E(msgget, "xx"),
    E(msgsnd, "dpux"), E(msgrcv, "dpudx"), E(msgctl, "ddp"),
    /* POSIX message queues (ipc/mqueue.c) */
    E(mq_open, "sxop"), E(mq_unlink, "s"), E(mq_timedsend, "fpuup"), E(mq_timedreceive, "fpupp"),
    E(mq_notify, "fp"), E(mq_getsetattr, "fpp"),
    /* -- end events -- */
    /* time */
    E(clock_gettime, "dp"), E(clock_getres, "dp"), E(gettimeofday, "pp"), E(time, "p"),
    E(nanosleep, "pp"), E(clock_nanosleep, "ddpp"), E(clock_settime, "dp"),
    E(setitimer, "dpp"), E(getitimer, "dp"), E(alarm, "u"),
    /* POSIX timers (kernel/ptimer.c) */
    E(timer_create, "dpp"), E(timer_settime, "dxpp"), E(timer_gettime, "dp"),
    E(timer_getoverrun, "d"), E(timer_delete, "d"),
    /* Linux AIO (ipc/aio.c) */
    E(io_setup, "up"), E(io_submit, "xdp"), E(io_getevents, "xddpp"),
    E(io_pgetevents, "xddppp"), E(io_cancel, "xpp"), E(io_destroy, "x"),
    /* io_uring (ipc/io_uring.c) */
    E(io_uring_setup, "up"), E(io_uring_enter, "fuuxpu"), E(io_uring_register, "fdpu"),
    /* small calls without a family (kernel/misc_sys.c) */
    E(membarrier, "dxd"), E(personality, "x"), E(pkey_alloc, "xx"), E(pkey_free, "d"),
    E(pkey_mprotect, "puxd"), E(ioprio_get, "dd"), E(ioprio_set, "ddx"),
    E(sethostname, "pd"), E(setdomainname, "pd"),
    /* the last small ones (kernel/leftover.c) */
    E(adjtimex, "p"), E(clock_adjtime, "dp"), E(seccomp, "dxp"), E(modify_ldt, "dpu"),
    E(restart_syscall, ""), E(landlock_create_ruleset, "pux"), E(landlock_add_rule, "fdpx"),
    E(landlock_restrict_self, "fx"),
    /* capabilities (proc/caps.c) */
    E(capget, "pp"), E(capset, "pp"),
    /* refused as in a default container (kernel/refused.c) */
    E(init_module, "pus"), E(finit_module, "fsx"), E(delete_module, "sx"), E(kexec_load, "uupx"),
    E(kexec_file_load, "ffusx"), E(swapon, "sx"), E(swapoff, "s"), E(iopl, "d"), E(ioperm, "uud"),
    E(quotactl, "xsdp"), E(acct, "s"), E(bpf, "dpu"), E(perf_event_open, "pddfx"),
    E(userfaultfd, "x"), E(fanotify_init, "xx"), E(lookup_dcookie, "upu"), E(setns, "fx"),
    E(ptrace, "ddpp"), E(vhangup, ""), E(nfsservctl, "dpp"), E(sysfs, "dpp"), E(uselib, "s"),
    E(ustat, "xp"), E(migrate_pages, "dupp"), E(move_pages, "dupppx"),
    E(open_by_handle_at, "fpx"), E(settimeofday, "pp"), E(process_madvise, "fpudx"),
    E(add_key, "sspuf"), E(request_key, "sssf"), E(keyctl, "dxxxx"), E(reboot, "xxdp"),
    E(pivot_root, "ss"), E(syslog, "dpd"), E(fsopen, "sx"), E(fspick, "fsx"),
    E(fsmount, "fxx"), E(move_mount, "fsfsx"), E(fsconfig, "fdppd"), E(unshare, "x"),
    E(open_tree, "fsx"), E(mount_setattr, "fsxpu"), E(quotactl_fd, "fxdp"),
};

const unsigned syscall_table_size = ARRAY_SIZE(table);

long syscall_dispatch(long nr, const long *a, int *found)
{
    if (nr >= 0 && (unsigned long)nr < ARRAY_SIZE(table) && table[nr].fn) {
        *found = 1;
        return table[nr].fn(a[0], a[1], a[2], a[3], a[4], a[5]);
    }
    *found = 0;
    return -ENOSYS;
}

const char *syscall_name(long nr)
{
    if (nr >= 0 && (unsigned long)nr < ARRAY_SIZE(sysnames) && sysnames[nr])
        return sysnames[nr];
    return "?";
}

int syscall_warn_once(long nr)
{
    if (nr < 0 || (unsigned long)nr >= 64 * ARRAY_SIZE(kernel->sys_warned))
        return 0;
    uint64_t bit = 1ull << (nr & 63);
    if (kernel->sys_warned[nr >> 6] & bit)
        return 0;
    kernel->sys_warned[nr >> 6] |= bit;
    return 1;
}

/* ---- trace mode: a built-in strace ---------------------------------------------------- */

static const char *errno_name(long e)
{
    static const char *const names[] = {
        [EPERM] = "EPERM",     [ENOENT] = "ENOENT",       [ESRCH] = "ESRCH",
        [EINTR] = "EINTR",     [EIO] = "EIO",             [ENXIO] = "ENXIO",
        [E2BIG] = "E2BIG",     [ENOEXEC] = "ENOEXEC",     [EBADF] = "EBADF",
        [ECHILD] = "ECHILD",   [EAGAIN] = "EAGAIN",       [ENOMEM] = "ENOMEM",
        [EACCES] = "EACCES",   [EFAULT] = "EFAULT",       [EBUSY] = "EBUSY",
        [EEXIST] = "EEXIST",   [EXDEV] = "EXDEV",         [ENODEV] = "ENODEV",
        [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR",       [EINVAL] = "EINVAL",
        [ENFILE] = "ENFILE",   [EMFILE] = "EMFILE",       [ENOTTY] = "ENOTTY",
        [EFBIG] = "EFBIG",     [ENOSPC] = "ENOSPC",       [ESPIPE] = "ESPIPE",
        [EROFS] = "EROFS",     [EMLINK] = "EMLINK",       [EPIPE] = "EPIPE",
        [EDOM] = "EDOM",       [ERANGE] = "ERANGE",       [ENAMETOOLONG] = "ENAMETOOLONG",
        [ENOSYS] = "ENOSYS",   [ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP",
        [EOVERFLOW] = "EOVERFLOW", [ENOTSUP] = "EOPNOTSUPP", [ETIMEDOUT] = "ETIMEDOUT",
    };
    if (e > 0 && (unsigned long)e < ARRAY_SIZE(names) && names[e])
        return names[e];
    if (e == 512 || e == 514)
        return "ERESTART";
    return "E?";
}

static int fmt_arg(char *buf, size_t size, char f, long v)
{
    switch (f) {
    case 'f':
        if ((int)v == AT_FDCWD)
            return al_snprintf(buf, size, "AT_FDCWD");
        return al_snprintf(buf, size, "%d", (int)v);
    case 'd':
    case 'S':
        return al_snprintf(buf, size, "%d", (int)v);
    case 'u':
        return al_snprintf(buf, size, "%lu", (unsigned long)v);
    case 'o':
        return al_snprintf(buf, size, "0%o", (unsigned)v);
    case 'x':
        return al_snprintf(buf, size, "0x%lx", (unsigned long)v);
    case 's': {
        char s[96];
        long n = strncpy_from_user(s, (uint64_t)v, sizeof(s));
        if (n == -EFAULT)
            return al_snprintf(buf, size, "%p", (void *)v);
        if (n < 0)
            return al_snprintf(buf, size, "\"%.80s\"...", s);
        return al_snprintf(buf, size, "\"%s\"", s);
    }
    default:
        return v ? al_snprintf(buf, size, "%p", (void *)v) : al_snprintf(buf, size, "NULL");
    }
}

static void trace_line(long nr, const long *a, int done, long ret)
{
    char line[512];
    const char *fmt = "dddddd";
    if (nr >= 0 && (unsigned long)nr < ARRAY_SIZE(table) && table[nr].fn)
        fmt = table[nr].fmt;
    int n = al_snprintf(line, sizeof(line), "[%d] %s(", current->tid, syscall_name(nr));
    for (int i = 0; fmt[i] && i < 6 && n < (int)sizeof(line) - 100; i++) {
        if (i)
            n += al_snprintf(line + n, sizeof(line) - (size_t)n, ", ");
        n += fmt_arg(line + n, sizeof(line) - (size_t)n, fmt[i], a[i]);
    }
    if (!done) {
        al_snprintf(line + n, sizeof(line) - (size_t)n, ") ...");
    } else if (ret < 0 && ret > -4096) {
        al_snprintf(line + n, sizeof(line) - (size_t)n, ") = -1 %s (%ld)", errno_name(-ret), ret);
    } else if (ret > 0xffff) {
        al_snprintf(line + n, sizeof(line) - (size_t)n, ") = %p", (void *)ret);
    } else {
        al_snprintf(line + n, sizeof(line) - (size_t)n, ") = %ld", ret);
    }
    kprintf("%s", line);
}

void trace_syscall_enter(long nr, const long *a)
{
    /* Calls that may block or never return are shown on entry as well. */
    if (nr == __NR_read || nr == __NR_execve || nr == __NR_exit_group || nr == __NR_exit ||
        nr == __NR_nanosleep || nr == __NR_clock_nanosleep || nr == __NR_poll ||
        nr == __NR_rt_sigsuspend || nr == __NR_pause || nr == __NR_wait4 ||
        nr == __NR_epoll_wait || nr == __NR_epoll_pwait || nr == __NR_recvfrom ||
        nr == __NR_futex || nr == __NR_io_getevents || nr == __NR_io_uring_enter || nr == __NR_io_pgetevents || nr == __NR_waitid || nr == __NR_ppoll || nr == __NR_select)
        trace_line(nr, a, 0, 0);
}

void trace_syscall_exit(long nr, const long *a, long ret)
{
    trace_line(nr, a, 1, ret);
}
