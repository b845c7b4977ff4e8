/*
 * process.c - identity, limits and housekeeping syscalls of the (single, for now) process.
 */
#include "libos.h"
#include "proc/proc.h"

void process_init_limits(struct process *p)
{
    for (int i = 0; i < RLIM_NLIMITS; i++)
        p->rlim[i].cur = p->rlim[i].max = RLIM_INFINITY;
    p->rlim[RLIMIT_STACK].cur = 8ull << 20;
    p->rlim[RLIMIT_CORE].cur = 0;
    p->rlim[RLIMIT_NOFILE].cur = 1024;
    p->rlim[RLIMIT_NOFILE].max = FD_MAX;
    p->rlim[RLIMIT_NPROC].cur = p->rlim[RLIMIT_NPROC].max =
        boot_info->max_procs ? boot_info->max_procs : 4096;
    p->rlim[RLIMIT_MEMLOCK].cur = p->rlim[RLIMIT_MEMLOCK].max = 8ull << 20;
    p->rlim[14 /* RLIMIT_MSGQUEUE */].cur = p->rlim[14].max = 819200;
    p->rlim[13 /* RLIMIT_NICE */].cur = p->rlim[13].max = 0;
    p->rlim[15 /* RLIMIT_RTPRIO */].cur = p->rlim[15].max = 0;
    p->rlim[11 /* RLIMIT_SIGPENDING */].cur = p->rlim[11].max = 63707;
}

SYS(exit)
{
    thread_exit((int)a0);
}

SYS(exit_group)
{
    process_exit((int)a0);
}

SYS(getpid)
{
    return current->proc->pid;
}

SYS(getppid)
{
    return current->proc->ppid;
}

SYS(gettid)
{
    return current->tid;
}

/* Credentials start as root inside the enclave's own view, like a container; cred.c
 * implements the set*id calls. */
SYS(getuid)
{
    return current->proc->ruid;
}
SYS(geteuid)
{
    return current->proc->euid;
}
SYS(getgid)
{
    return current->proc->rgid;
}
SYS(getegid)
{
    return current->proc->egid;
}

SYS(getresuid)
{
    struct process *p = current->proc;
    if (copy_to_user((uint64_t)a0, &p->ruid, 4) || copy_to_user((uint64_t)a1, &p->euid, 4) ||
        copy_to_user((uint64_t)a2, &p->suid, 4))
        return -EFAULT;
    return 0;
}

SYS(getresgid)
{
    struct process *p = current->proc;
    if (copy_to_user((uint64_t)a0, &p->rgid, 4) || copy_to_user((uint64_t)a1, &p->egid, 4) ||
        copy_to_user((uint64_t)a2, &p->sgid, 4))
        return -EFAULT;
    return 0;
}

SYS(arch_prctl)
{
    struct pal_context *ctx = current->ctx;
    switch ((int)a0) {
    case ARCH_SET_FS:
        if ((uint64_t)a1 >= (1ull << 47))
            return -EPERM;
        ctx->fs_base = (uint64_t)a1;
        return 0;
    case ARCH_GET_FS:
        return copy_to_user((uint64_t)a1, &ctx->fs_base, 8);
    case ARCH_GET_CPUID:
        return 1;
    case ARCH_SET_GS:
    case ARCH_GET_GS:
    case ARCH_SET_CPUID:
        /* %gs belongs to the LibOS on some backends; not offered to programs. */
        return -EINVAL;
    default:
        return -EINVAL;
    }
}

SYS(set_tid_address)
{
    current->clear_child_tid = (uint64_t)a0;
    return current->tid;
}

SYS(set_robust_list)
{
    if ((size_t)a1 != 24)
        return -EINVAL;
    current->robust_list = (uint64_t)a0;
    current->robust_len = (uint64_t)a1;
    return 0;
}

SYS(get_robust_list)
{
    if (a0 != 0 && a0 != current->tid)
        return -ESRCH;
    uint64_t len = 24;
    if (copy_to_user((uint64_t)a1, &current->robust_list, 8) || copy_to_user((uint64_t)a2, &len, 8))
        return -EFAULT;
    return 0;
}

SYS(rseq)
{
    /* Restartable sequences are not offered; libc falls back silently. */
    return -ENOSYS;
}

static long do_prlimit(int pid, unsigned res, uint64_t unew, uint64_t uold)
{
    struct process *p = current->proc;
    if (pid != 0 && pid != p->pid)
        return -ESRCH;
    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    struct rlimit64 nl;
    if (unew) {
        if (copy_from_user(&nl, unew, sizeof(nl)))
            return -EFAULT;
        if (nl.cur > nl.max)
            return -EINVAL;
        if (res == RLIMIT_NOFILE && nl.max > FD_MAX)
            return -EPERM;
    }
    if (uold && copy_to_user(uold, &p->rlim[res], sizeof(nl)))
        return -EFAULT;
    if (unew)
        p->rlim[res] = nl;
    return 0;
}

SYS(prlimit64)
{
    return do_prlimit((int)a0, (unsigned)a1, (uint64_t)a2, (uint64_t)a3);
}

SYS(getrlimit)
{
    return do_prlimit(0, (unsigned)a0, 0, (uint64_t)a1);
}

SYS(setrlimit)
{
    return do_prlimit(0, (unsigned)a0, (uint64_t)a1, 0);
}

static void cpu_time(struct linux_timeval *tv)
{
    int64_t s = 0, ns = 0;
    if (pal_clock_get(CLOCK_PROCESS_CPUTIME_ID, &s, &ns) < 0)
        s = ns = 0;
    tv->tv_sec = s;
    tv->tv_usec = ns / 1000;
}

SYS(getrusage)
{
    int who = (int)a0;
    if (who != 0 && who != -1 && who != 1) /* SELF, CHILDREN, THREAD */
        return -EINVAL;
    struct linux_rusage ru;
    al_memset(&ru, 0, sizeof(ru));
    if (who != -1) {
        cpu_time(&ru.ru_utime); /* the host does not split user and system time for us */
        ru.ru_maxrss = pal_process_maxrss(); /* the LibOS's own pages included */
    } else {
        int64_t c = current->proc->children_cpu_ns;
        ru.ru_utime.tv_sec = c / 1000000000;
        ru.ru_utime.tv_usec = c % 1000000000 / 1000;
        ru.ru_maxrss = current->proc->children_maxrss_kb;
    }
    return copy_to_user((uint64_t)a1, &ru, sizeof(ru));
}

SYS(times)
{
    struct linux_tms t;
    struct linux_timeval tv;
    cpu_time(&tv);
    al_memset(&t, 0, sizeof(t));
    t.utime = tv.tv_sec * 100 + tv.tv_usec / 10000;
    t.cutime = current->proc->children_cpu_ns / 10000000;
    if (a0 && copy_to_user((uint64_t)a0, &t, sizeof(t)))
        return -EFAULT;
    int64_t s, ns;
    if (pal_clock_get(CLOCK_BOOTTIME, &s, &ns) < 0)
        return -EIO;
    return (long)(s * 100 + ns / 10000000);
}

SYS(uname)
{
    struct pal_uname u;
    int r = pal_uname(&u);
    if (r < 0)
        return r;
    struct linux_utsname lu;
    al_memset(&lu, 0, sizeof(lu));
    al_strlcpy(lu.sysname, "Linux", sizeof(lu.sysname));
    al_strlcpy(lu.nodename, u.nodename, sizeof(lu.nodename));
    al_strlcpy(lu.release, u.release, sizeof(lu.release));
    al_strlcpy(lu.version, u.version, sizeof(lu.version));
    al_strlcpy(lu.machine, "x86_64", sizeof(lu.machine));
    al_strlcpy(lu.domainname, u.domainname, sizeof(lu.domainname));
    /* The enclave's own names (sethostname, setdomainname) replace the host's. */
    if (kernel->uts_node_set)
        al_memcpy(lu.nodename, kernel->uts_node, sizeof(lu.nodename));
    if (kernel->uts_domain_set)
        al_memcpy(lu.domainname, kernel->uts_domain, sizeof(lu.domainname));
    return copy_to_user((uint64_t)a0, &lu, sizeof(lu));
}

SYS(sysinfo)
{
    struct linux_sysinfo si;
    al_memset(&si, 0, sizeof(si));
    int64_t s, ns;
    if (pal_clock_get(CLOCK_BOOTTIME, &s, &ns) == 0)
        si.uptime = s;
    si.totalram = boot_info->mem_total;
    si.freeram = boot_info->mem_total / 2;
    si.procs = 1;
    si.mem_unit = 1;
    return copy_to_user((uint64_t)a0, &si, sizeof(si));
}

SYS(prctl)
{
    struct process *p = current->proc;
    switch ((int)a0) {
    case 15: /* PR_SET_NAME */ {
        char name[16];
        long r = strncpy_from_user(name, (uint64_t)a1, sizeof(name));
        if (r == -EFAULT)
            return r;
        name[15] = '\0';
        thread_set_comm(current, name);
        return 0;
    }
    case 16: /* PR_GET_NAME */
        return copy_to_user((uint64_t)a1, current->comm, sizeof(current->comm));
    case 1: /* PR_SET_PDEATHSIG */
        if (a1 < 0 || a1 > NSIG)
            return -EINVAL;
        p->pdeathsig = (int)a1;
        return 0;
    case 2: /* PR_GET_PDEATHSIG */
        return copy_to_user((uint64_t)a1, &p->pdeathsig, sizeof(int));
    case 3: /* PR_GET_DUMPABLE */
        return 1;
    case 4: /* PR_SET_DUMPABLE */
        return (a1 == 0 || a1 == 1) ? 0 : -EINVAL;
    case 36: /* PR_SET_CHILD_SUBREAPER */
        p->subreaper = a1 != 0;
        return 0;
    case 37: /* PR_GET_CHILD_SUBREAPER */
        return copy_to_user((uint64_t)a1, &p->subreaper, sizeof(int));
    case 38: /* PR_SET_NO_NEW_PRIVS */
        if (a1 != 1 || a2 || a3 || a4)
            return -EINVAL;
        p->no_new_privs = 1;
        return 0;
    case 39: /* PR_GET_NO_NEW_PRIVS */
        return p->no_new_privs;
    default:
        return -EINVAL;
    }
}

SYS(getrandom)
{
    size_t n = (size_t)a1;
    if (a2 & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if ((a2 & GRND_RANDOM) && (a2 & GRND_INSECURE))
        return -EINVAL;
    if (n > 33554431)
        n = 33554431; /* Linux returns at most 32 MiB - 1 per call */
    if (!access_ok((uint64_t)a0, n))
        return -EFAULT;
    char buf[256];
    size_t done = 0;
    while (done < n) {
        size_t c = MIN(n - done, sizeof(buf));
        int r = pal_random(buf, c);
        if (r < 0)
            return done ? (long)done : r;
        if (copy_to_user((uint64_t)a0 + done, buf, c))
            return done ? (long)done : -EFAULT;
        done += c;
    }
    al_memset(buf, 0, sizeof(buf));
    return (long)n;
}
