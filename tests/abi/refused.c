/* Calls with no meaning in an enclave: the answers of a default container (no capabilities, podman's default seccomp profile). */
#include "abi.h"
#include <sched.h>
#include <sys/prctl.h>

/*
 * The reference is a process of a default podman container: it holds no capability the
 * calls below need, and runs under the default seccomp profile (containers/common
 * pkg/seccomp/seccomp.json).  Natively the test becomes such a process: it drops every
 * capability and installs the profile's answers for the calls it probes (a seccomp
 * filter, SECCOMP_RET_ERRNO), so the host kernel gives the container's answers; the calls
 * the profile allows (reboot, syslog, pivot_root, unshare, the mount API) reach the host
 * kernel, which judges them for a process without capabilities.  Under Alcove the filter
 * is not installed (no seccomp there): the answers must come from the LibOS itself.
 */
struct bpf_insn { unsigned short code; unsigned char jt, jf; unsigned int k; };
struct bpf_prog { unsigned short len; struct bpf_insn *filter; };

static const struct { long nr; int err; } profile[] = {
    {SYS_init_module, EPERM}, {SYS_finit_module, EPERM}, {SYS_delete_module, EPERM},
    {SYS_kexec_load, EPERM}, {SYS_kexec_file_load, EPERM}, {SYS_swapon, EPERM},
    {SYS_swapoff, EPERM}, {SYS_iopl, EPERM}, {SYS_ioperm, EPERM}, {SYS_quotactl, EPERM},
    {SYS_acct, EPERM}, {SYS_bpf, EPERM}, {SYS_perf_event_open, EPERM},
    {SYS_userfaultfd, EPERM}, {SYS_fanotify_init, EPERM}, {SYS_lookup_dcookie, EPERM},
    {SYS_setns, EPERM}, {SYS_ptrace, EPERM}, {SYS_vhangup, EPERM}, {SYS_nfsservctl, EPERM},
    {SYS_sysfs, EPERM}, {SYS_uselib, EPERM}, {SYS_ustat, EPERM}, {SYS_migrate_pages, EPERM},
    {SYS_move_pages, EPERM}, {SYS_open_by_handle_at, EPERM}, {SYS_settimeofday, EPERM},
    {SYS_process_madvise, EPERM}, {SYS_add_key, ENOSYS}, {SYS_request_key, ENOSYS},
};
#define NPROF (int)(sizeof(profile) / sizeof(profile[0]))

static void become_container_process(void)
{
    struct { unsigned version; int pid; } h = {0x20080522, 0};
    unsigned d[6] = {0};
    MUST(syscall(SYS_capget, &h, d));
    YN("starts with capabilities", d[1] != 0);
    MUST(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    MUST(syscall(SYS_capset, &h, (unsigned[6]){0}));
    MUST(syscall(SYS_capget, &h, d));
    YN("all capabilities dropped", !(d[0] | d[1] | d[2] | d[3] | d[4] | d[5]));
    static struct bpf_insn f[2 * NPROF + 2];
    int n = 0;
    f[n++] = (struct bpf_insn){0x20, 0, 0, 0}; /* ld [nr] */
    for (int i = 0; i < NPROF; i++) {
        f[n++] = (struct bpf_insn){0x15, 0, 1, (unsigned)profile[i].nr}; /* jeq nr */
        f[n++] = (struct bpf_insn){0x06, 0, 0, 0x00050000u | (unsigned)profile[i].err};
    }
    f[n++] = (struct bpf_insn){0x06, 0, 0, 0x7fff0000u}; /* allow */
    struct bpf_prog prog = {(unsigned short)n, f};
    (void)prctl(22 /* PR_SET_SECCOMP */, 2 /* FILTER */, &prog, 0, 0);
}

int main(void)
{
    become_container_process();
    char buf[64] = {0};
    /* The profile's EPERM: whatever the arguments. */
    R("init_module", syscall(SYS_init_module, buf, 0ul, ""));
    R("finit_module", syscall(SYS_finit_module, 0, "", 0));
    R("delete_module", syscall(SYS_delete_module, "nosuch", 0));
    R("kexec_load", syscall(SYS_kexec_load, 0ul, 0ul, NULL, 0ul));
    R("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0ul, "", 0ul));
    R("swapon", syscall(SYS_swapon, "swapfile", 0));
    R("swapoff", syscall(SYS_swapoff, "swapfile"));
    R("iopl", syscall(SYS_iopl, 3));
    R("ioperm", syscall(SYS_ioperm, 0x80ul, 1ul, 1));
    R("quotactl", syscall(SYS_quotactl, 0x800002, "/", 0, NULL));
    R("acct on", syscall(SYS_acct, "acct.log"));
    R("acct off", syscall(SYS_acct, NULL));
    R("bpf", syscall(SYS_bpf, 0, buf, 8));
    R("bpf bad attr", syscall(SYS_bpf, 0, (void *)8, 8));
    R("perf_event_open", syscall(SYS_perf_event_open, buf, 0, -1, -1, 0ul));
    R("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
    R("fanotify_init", syscall(SYS_fanotify_init, 0, O_RDONLY));
    R("lookup_dcookie", syscall(SYS_lookup_dcookie, 0ul, buf, sizeof buf));
    R("setns", syscall(SYS_setns, 0, 0));
    R("setns bad fd", syscall(SYS_setns, 99, 0));
    R("ptrace traceme", syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0));
    R("vhangup", syscall(SYS_vhangup));
    R("nfsservctl", syscall(SYS_nfsservctl, 0, NULL, NULL));
    R("sysfs", syscall(SYS_sysfs, 3, 0, 0));
    R("uselib", syscall(SYS_uselib, "lib.so"));
    R("ustat", syscall(SYS_ustat, 0ul, buf));
    R("migrate_pages", syscall(SYS_migrate_pages, 0, 64ul, buf, buf));
    R("move_pages", syscall(SYS_move_pages, 0, 0ul, NULL, NULL, NULL, 0));
    R("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, buf, 0));
    R("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
    R("process_madvise", syscall(SYS_process_madvise, 0, NULL, 0ul, 0, 0u));
    /* Not in the profile: its default errno. */
    R("add_key", syscall(SYS_add_key, "user", "k", "v", 1ul, -2));
    R("request_key", syscall(SYS_request_key, "user", "k", NULL, 0));
    /* Allowed by the profile: the kernel refuses them for want of a capability. */
    R("reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x1234567, NULL));
    R("reboot bad magic", syscall(SYS_reboot, 1, 2, 3, NULL));
    R("pivot_root", syscall(SYS_pivot_root, ".", "."));
    R("syslog size", syscall(SYS_syslog, 10, NULL, 0));
    R("syslog read all", syscall(SYS_syslog, 3, buf, (int)sizeof buf));
    R("syslog bad type", syscall(SYS_syslog, 99, NULL, 0));
#ifdef SYS_fsopen
    R("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
    R("fsopen bad flags", syscall(SYS_fsopen, "tmpfs", 0x100));
    R("fspick", syscall(SYS_fspick, AT_FDCWD, "/", 0));
    R("fsmount", syscall(SYS_fsmount, 0, 0, 0));
    R("move_mount", syscall(SYS_move_mount, AT_FDCWD, ".", AT_FDCWD, ".", 0));
    R("fsconfig create, stdout", syscall(SYS_fsconfig, 1, 6, NULL, NULL, 0));
    R("fsconfig create, bad fd", syscall(SYS_fsconfig, 99, 6, NULL, NULL, 0));
    R("fsconfig string without key", syscall(SYS_fsconfig, 99, 1, NULL, "v", 0));
    R("fsconfig flag with value", syscall(SYS_fsconfig, 1, 0, "ro", "v", 0));
    R("fsconfig binary too big", syscall(SYS_fsconfig, 1, 2, "k", "v", 2 << 20));
    R("fsconfig bad command", syscall(SYS_fsconfig, 99, 42, NULL, NULL, 0));
#endif
    /* unshare: flags first, then CAP_SYS_ADMIN for any new name space. */
    R("unshare nothing", syscall(SYS_unshare, 0));
    R("unshare files", syscall(SYS_unshare, CLONE_FILES));
    R("unshare fs", syscall(SYS_unshare, CLONE_FS));
    R("unshare sysvsem", syscall(SYS_unshare, CLONE_SYSVSEM));
    R("unshare thread, alone", syscall(SYS_unshare, CLONE_THREAD | CLONE_SIGHAND | CLONE_VM));
    R("unshare mount ns", syscall(SYS_unshare, CLONE_NEWNS));
    R("unshare uts+ipc", syscall(SYS_unshare, CLONE_NEWUTS | CLONE_NEWIPC));
    R("unshare net", syscall(SYS_unshare, CLONE_NEWNET));
    R("unshare pid", syscall(SYS_unshare, CLONE_NEWPID));
    R("unshare cgroup", syscall(SYS_unshare, 0x02000000));
    R("unshare time", syscall(SYS_unshare, 0x00000080));
    R("unshare bad flag", syscall(SYS_unshare, 0x1));
    R("unshare bad flag + ns", syscall(SYS_unshare, 0x1 | CLONE_NEWNS));
    return 0;
}
