/*
 * leftover.c - the last small system calls of issue 12, each answered as Linux answers it
 * for the arguments, or refused honestly where the enclave cannot provide the feature:
 *  - adjtimex / clock_adjtime: read-only queries answer (the enclave cannot see the host's
 *    NTP state, so it reports an unsynchronised clock: TIME_ERROR, STA_UNSYNC); any change
 *    is EPERM, as for a container without CAP_SYS_TIME;
 *  - seccomp: SECCOMP_GET_ACTION_AVAIL and SECCOMP_GET_NOTIF_SIZES answer as Linux 6.x;
 *    SET_MODE_STRICT / SET_MODE_FILTER make Linux's argument checks (EINVAL, EFAULT,
 *    EACCES without no_new_privs or CAP_SYS_ADMIN) and then refuse with EINVAL, the answer
 *    of a kernel built without the mode: no filter is ever pretended to be installed;
 *  - modify_ldt: no LDT in the enclave, so read (0) returns 0 bytes, read_default (2)
 *    clears up to 128 bytes, writes (1, 0x11) are refused with ENOSYS; the result is an
 *    int in %rax as Linux returns it ((unsigned int)ret);
 *  - restart_syscall: with no restart block pending Linux answers EINTR.
 * set_thread_area/get_thread_area and epoll_ctl_old/epoll_wait_old stay without a handler:
 * x86-64 Linux answers ENOSYS for them too.
 */
#include "libos.h"
#include "proc/proc.h"
#include "kernel/syscall.h"

/* ---- adjtimex(2), clock_adjtime(2) --------------------------------------------------- */
struct linux_timex {
    uint32_t modes;
    uint32_t pad0;
    int64_t offset, freq, maxerror, esterror;
    int32_t status;
    uint32_t pad1;
    int64_t constant, precision, tolerance;
    int64_t time_sec, time_usec;
    int64_t tick, ppsfreq, jitter;
    int32_t shift;
    uint32_t pad2;
    int64_t stabil, jitcnt, calcnt, errcnt, stbcnt;
    int32_t tai;
    int32_t pad3[11];
};
_Static_assert(sizeof(struct linux_timex) == 208, "struct timex");

#define ADJ_OFFSET_SINGLESHOT 0x0001
#define ADJ_OFFSET_READONLY 0x2000
#define ADJ_ADJTIME 0x8000
#define STA_UNSYNC 0x0040
#define TIME_ERROR 5
#define CAP_SYS_TIME 25

static long timex_do(uint64_t utx)
{
    struct linux_timex tx;
    if (copy_from_user(&tx, utx, sizeof(tx)))
        return -EFAULT;
    /* timekeeping_validate_timex(): the enclave never holds CAP_SYS_TIME for the host. */
    if (tx.modes & ADJ_ADJTIME) {
        if (!(tx.modes & ADJ_OFFSET_SINGLESHOT))
            return -EINVAL;
        if (!(tx.modes & ADJ_OFFSET_READONLY))
            return -EPERM;
    } else if (tx.modes) {
        return -EPERM;
    }
    uint32_t modes = tx.modes;
    al_memset(&tx, 0, sizeof(tx));
    tx.modes = modes;
    tx.maxerror = tx.esterror = 16000000;
    tx.status = STA_UNSYNC;
    tx.constant = 2;
    tx.precision = 1;
    tx.tolerance = 32768000;
    tx.tick = 10000;
    int64_t ns;
    if (pal_clock_get(0 /* CLOCK_REALTIME */, &tx.time_sec, &ns) < 0)
        tx.time_sec = 0, ns = 0;
    tx.time_usec = ns / 1000;
    if (copy_to_user(utx, &tx, sizeof(tx)))
        return -EFAULT;
    return TIME_ERROR;
}

SYS(adjtimex)
{
    return timex_do((uint64_t)a0);
}

/* Only CLOCK_REALTIME can be adjusted; other valid clocks have no clock_adj (EOPNOTSUPP),
 * unknown ids and dynamic (fd) clocks are EINVAL.  The timex is read first, as Linux. */
SYS(clock_adjtime)
{
    int c = (int)a0;
    struct linux_timex tx;
    if (copy_from_user(&tx, (uint64_t)a1, sizeof(tx)))
        return -EFAULT;
    if (c == 0)
        return timex_do((uint64_t)a1);
    if (c < 0 || c > 11 || c == 10)
        return -EINVAL; /* (simplified: CPU clocks would be EOPNOTSUPP, fd clocks EINVAL) */
    return -EOPNOTSUPP;
}

/* ---- seccomp(2) ------------------------------------------------------------------------ */
#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_GET_NOTIF_SIZES 3
#define SECCOMP_FILTER_FLAG_MASK 0x3fu /* TSYNC LOG SPEC_ALLOW NEW_LISTENER TSYNC_ESRCH WAIT_KILLABLE */
#define CAP_SYS_ADMIN 21

static long seccomp_refuse(void)
{
    if (syscall_warn_once(__NR_seccomp))
        warn("seccomp: installing a filter or strict mode is not supported in the enclave: EINVAL");
    return -EINVAL;
}

SYS(seccomp)
{
    unsigned op = (unsigned)a0, flags = (unsigned)a1;
    uint64_t uargs = (uint64_t)a2;
    switch (op) {
    case SECCOMP_SET_MODE_STRICT:
        if (flags || uargs)
            return -EINVAL;
        return seccomp_refuse();
    case SECCOMP_SET_MODE_FILTER: {
        if (flags & ~SECCOMP_FILTER_FLAG_MASK)
            return -EINVAL;
        /* TSYNC with NEW_LISTENER needs TSYNC_ESRCH (kernel/seccomp.c). */
        if ((flags & 1) && (flags & 8) && !(flags & 0x10))
            return -EINVAL;
        struct { uint16_t len; uint16_t pad[3]; uint64_t filter; } prog;
        if (copy_from_user(&prog, uargs, sizeof(prog)))
            return -EFAULT;
        if (prog.len == 0 || prog.len > 4096)
            return -EINVAL;
        if (!current->proc->no_new_privs && !capable(CAP_SYS_ADMIN))
            return -EACCES;
        return seccomp_refuse();
    }
    case SECCOMP_GET_ACTION_AVAIL: {
        uint32_t action;
        if (flags)
            return -EINVAL;
        if (copy_from_user(&action, uargs, sizeof(action)))
            return -EFAULT;
        switch (action) {
        case 0x80000000u: case 0x00000000u: case 0x00030000u: case 0x00050000u:
        case 0x7fc00000u: case 0x7ff00000u: case 0x7ffc0000u: case 0x7fff0000u:
            return 0;
        }
        return -EOPNOTSUPP;
    }
    case SECCOMP_GET_NOTIF_SIZES: {
        uint16_t sizes[3] = {80, 24, 64}; /* seccomp_notif, _resp, seccomp_data */
        if (flags)
            return -EINVAL;
        return copy_to_user(uargs, sizes, sizeof(sizes)) ? -EFAULT : 0;
    }
    }
    return -EINVAL;
}

/* ---- modify_ldt(2), restart_syscall(2) ------------------------------------------------ */
SYS(modify_ldt)
{
    int func = (int)a0;
    uint64_t uptr = (uint64_t)a1;
    unsigned long count = (unsigned long)a2;
    long ret;
    switch (func) {
    case 0:
        ret = 0; /* no LDT: nothing to read */
        break;
    case 2:
        if (count > 128)
            count = 128;
        ret = clear_user(uptr, count) ? -EFAULT : (long)count;
        break;
    case 1:
    case 0x11:
        ret = -ENOSYS; /* the enclave cannot install LDT entries */
        break;
    default:
        ret = -ENOSYS;
    }
    return (long)(unsigned int)ret;
}

SYS(restart_syscall)
{
    return -EINTR;
}

/* ---- landlock_* ------------------------------------------------------------------------
 * As a kernel without Landlock (CONFIG_SECURITY_LANDLOCK unset, or "landlock" not in the
 * lsm= list): every call, the ABI version query included, is EOPNOTSUPP.  Programs treat
 * that as "no sandboxing available" and go on; pretending to restrict would be a lie. */
SYS(landlock_create_ruleset)
{
    return -EOPNOTSUPP;
}

SYS(landlock_add_rule)
{
    return -EOPNOTSUPP;
}

SYS(landlock_restrict_self)
{
    return -EOPNOTSUPP;
}
