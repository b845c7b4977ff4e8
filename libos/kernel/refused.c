/*
 * refused.c - system calls that can have no meaning inside an enclave (loading kernel
 * modules, kexec, swap, reboot, port I/O, quotas, process accounting, the kernel log, BPF,
 * perf events, userfaultfd, fanotify, keyrings, other name spaces, the new mount API).
 *
 * Each answers exactly what an unprivileged process in a default container gets, and
 * says so once per enclave in the log.  The reference is the default seccomp profile of
 * podman/buildah/cri-o (containers/common pkg/seccomp/seccomp.json, commit 08bbb0df), with
 * the container's process holding none of the capabilities the calls need:
 *  - a call the profile lists with "errnoRet": 1 (kexec, swapon, userfaultfd, ...) or
 *    allows only with a capability the process lacks (CAP_SYS_MODULE, CAP_SYS_RAWIO,
 *    CAP_SYS_PACCT, CAP_SYS_ADMIN for bpf/perf/fanotify/quotactl/setns, CAP_SYS_PTRACE
 *    for ptrace) fails with EPERM before the kernel looks at its arguments;
 *  - a call the profile does not list at all gets its defaultErrnoRet, ENOSYS (add_key,
 *    request_key; keyctl is allowed by the profile, but the enclave has no keyrings, so it
 *    answers as a kernel built without CONFIG_KEYS: ENOSYS as well);
 *  - a call the profile allows is answered as the kernel answers a process without
 *    capabilities: reboot and pivot_root check CAP_SYS_BOOT / CAP_SYS_ADMIN first, syslog
 *    is refused with dmesg_restrict=1 (Debian's default), unshare and the mount API check
 *    their flags and then want CAP_SYS_ADMIN.
 * Docker's profile (moby profiles/seccomp/default.json) differs only in its default
 * errno (EPERM instead of ENOSYS for unlisted calls).  tests/abi/refused.c checks these
 * answers against the host kernel with the same profile installed natively.
 */
#include "libos.h"
#include "proc/proc.h"
#include "fs/fs.h"
#include "kernel/syscall.h"

/* Log, once per enclave (the bitmap is shared state), that call nr was refused. */
static long refuse(long nr, long err)
{
    if (syscall_warn_once(nr))
        warn("syscall %s (%ld) refused with %s, as in a default container (no capabilities, "
             "default seccomp profile)",
             syscall_name(nr), nr, err == -ENOSYS ? "ENOSYS" : "EPERM");
    return err;
}

#define REFUSE(name, err)                      \
    SYS(name)                                  \
    {                                          \
        return refuse(__NR_##name, -(err));    \
    }

/* The profile answers EPERM, whatever the arguments (seccomp runs before the kernel). */
REFUSE(init_module, EPERM)
REFUSE(finit_module, EPERM)
REFUSE(delete_module, EPERM)
REFUSE(kexec_load, EPERM)
REFUSE(kexec_file_load, EPERM)
REFUSE(swapon, EPERM)
REFUSE(swapoff, EPERM)
REFUSE(iopl, EPERM)
REFUSE(ioperm, EPERM)
REFUSE(quotactl, EPERM)
REFUSE(acct, EPERM)
REFUSE(bpf, EPERM)
REFUSE(perf_event_open, EPERM)
REFUSE(userfaultfd, EPERM)
REFUSE(fanotify_init, EPERM)
REFUSE(lookup_dcookie, EPERM)
REFUSE(setns, EPERM)
REFUSE(ptrace, EPERM)
REFUSE(vhangup, EPERM)
REFUSE(nfsservctl, EPERM)
REFUSE(sysfs, EPERM)
REFUSE(uselib, EPERM)
REFUSE(ustat, EPERM)
REFUSE(migrate_pages, EPERM)
REFUSE(move_pages, EPERM)
REFUSE(open_by_handle_at, EPERM)
REFUSE(settimeofday, EPERM)
REFUSE(process_madvise, EPERM)
/* Not in the profile (its default), or no keyrings in the enclave: ENOSYS. */
REFUSE(add_key, ENOSYS)
REFUSE(request_key, ENOSYS)
REFUSE(keyctl, ENOSYS)

/* Allowed by the profile; the kernel checks the capability before anything else. */
REFUSE(reboot, EPERM)     /* CAP_SYS_BOOT */
REFUSE(pivot_root, EPERM) /* may_mount(): CAP_SYS_ADMIN */
REFUSE(syslog, EPERM)     /* dmesg_restrict=1: every action needs CAP_SYSLOG */
REFUSE(fsopen, EPERM)     /* may_mount() */
REFUSE(fspick, EPERM)
REFUSE(fsmount, EPERM)
REFUSE(move_mount, EPERM)
REFUSE(open_tree, EPERM)     /* the new mount API's CAP_SYS_ADMIN group of the profile */
REFUSE(mount_setattr, EPERM)
REFUSE(quotactl_fd, EPERM)   /* as quotactl */

/* fsconfig(2): the command's arguments are checked first (fs/fsopen.c), then the fd.  No
 * file-system context fd can exist (fsopen and fspick are refused), so any open fd is
 * EINVAL. */
SYS(fsconfig)
{
    unsigned cmd = (unsigned)a1;
    uint64_t key = (uint64_t)a2, value = (uint64_t)a3;
    int aux = (int)a4;
    switch (cmd) {
    case 0: /* FSCONFIG_SET_FLAG */
        if (!key || value || aux)
            return -EINVAL;
        break;
    case 1: /* FSCONFIG_SET_STRING */
        if (!key || !value || aux)
            return -EINVAL;
        break;
    case 2: /* FSCONFIG_SET_BINARY */
        if (!key || !value || aux <= 0 || aux > 1024 * 1024)
            return -EINVAL;
        break;
    case 3: /* FSCONFIG_SET_PATH */
    case 4: /* FSCONFIG_SET_PATH_EMPTY */
        if (!key || !value || (aux != AT_FDCWD && aux < 0))
            return -EINVAL;
        break;
    case 5: /* FSCONFIG_SET_FD */
        if (!key || value || aux < 0)
            return -EINVAL;
        break;
    case 6: /* FSCONFIG_CMD_CREATE */
    case 7: /* FSCONFIG_CMD_RECONFIGURE */
    case 8: /* FSCONFIG_CMD_CREATE_EXCL */
        if (key || value || aux)
            return -EINVAL;
        break;
    default:
        return -EOPNOTSUPP;
    }
    if ((int)a0 < 0 || !fd_get((int)a0))
        return -EBADF;
    return refuse(__NR_fsconfig, -EINVAL);
}

/* unshare(2), in Linux's order (kernel/fork.c): unknown flags EINVAL; CLONE_THREAD,
 * CLONE_SIGHAND and CLONE_VM only for a single-threaded process (EINVAL); a new name space
 * of any kind needs CAP_SYS_ADMIN (a process of a default container lacks it, and the
 * enclave has exactly one of each name space): EPERM.  CLONE_FS, CLONE_FILES and
 * CLONE_SYSVSEM succeed while the process has one thread (nothing is shared then); with
 * several threads, giving one thread its own table is not supported (EINVAL). */
#define UNSHARE_NS (0x00020000 /* NEWNS */ | 0x02000000 /* NEWCGROUP */ | 0x04000000 /* NEWUTS */ | \
                    0x08000000 /* NEWIPC */ | 0x10000000 /* NEWUSER */ | 0x20000000 /* NEWPID */ |  \
                    0x40000000 /* NEWNET */ | 0x00000080 /* NEWTIME */)
#define UNSHARE_OK (0x00010000 /* THREAD */ | 0x00000200 /* FS */ | 0x00000800 /* SIGHAND */ |    \
                    0x00000100 /* VM */ | 0x00000400 /* FILES */ | 0x00040000 /* SYSVSEM */)
SYS(unshare)
{
    unsigned long flags = (unsigned long)a0;
    /* The implied flags, as ksys_unshare adds them before checking. */
    if (flags & 0x10000000) /* NEWUSER */
        flags |= 0x00010000 | 0x00000200;
    if (flags & 0x00000100) /* VM */
        flags |= 0x00000800;
    if (flags & 0x00000800) /* SIGHAND */
        flags |= 0x00010000;
    if (flags & 0x00020000) /* NEWNS */
        flags |= 0x00000200;
    if (flags & ~(unsigned long)(UNSHARE_NS | UNSHARE_OK))
        return -EINVAL;
    if ((flags & (0x00010000 | 0x00000800 | 0x00000100)) && current->proc->nthreads > 1)
        return -EINVAL;
    if (flags & UNSHARE_NS)
        return refuse(__NR_unshare, -EPERM);
    if ((flags & (0x00000200 | 0x00000400)) && current->proc->nthreads > 1)
        return -EINVAL;
    return 0;
}
