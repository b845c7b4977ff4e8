/*
 * signalfd.c - signalfd(2)/signalfd4(2): pending signals read from a descriptor as
 * struct signalfd_siginfo records (Linux's fs/signalfd.c).
 *
 * The file holds only a mask.  A read takes, as sigwaitinfo does, the pending signals of
 * the mask that the *reading* thread could take: its own, then its process's.  So after
 * fork the shared description reads each process's own signals, as in Linux.  SIGKILL and
 * SIGSTOP are silently dropped from the mask.  Readiness (poll, select, epoll) is the same
 * test for the thread that asks; every signal sent calls wake_all(), so a waiter re-checks.
 * The program normally blocks the signals (otherwise they are delivered first); a
 * blocked signal whose action is "ignore" (SIGCHLD by default) is kept pending, as Linux's
 * sig_ignored() does, so that it can be read here.
 *
 * The record's fields follow Linux's signalfd_copyinfo by siginfo layout: kill-like
 * (SI_USER, SI_KERNEL) give pid and uid; queued (sigqueue, tgkill, other negative codes)
 * add int and ptr; POSIX timers tid (the timer id), overrun, int and ptr; SIGCHLD pid, uid,
 * status, utime and stime; faults addr.
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"

#define SFD_CLOEXEC O_CLOEXEC
#define SFD_NONBLOCK O_NONBLOCK
#define SI_TIMER (-2)
#define SI_SIGIO (-5)
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

struct signalfd_siginfo {
    uint32_t ssi_signo;
    int32_t ssi_errno, ssi_code;
    uint32_t ssi_pid, ssi_uid;
    int32_t ssi_fd;
    uint32_t ssi_tid, ssi_band, ssi_overrun, ssi_trapno;
    int32_t ssi_status, ssi_int;
    uint64_t ssi_ptr, ssi_utime, ssi_stime, ssi_addr;
    uint16_t ssi_addr_lsb, pad2;
    int32_t ssi_syscall;
    uint64_t ssi_call_addr;
    uint32_t ssi_arch;
    uint8_t pad[28];
};

_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo is 128 bytes");

struct signalfd {
    uint64_t mask;
};

static int sfd_pending(void *arg)
{
    struct signalfd *s = arg;
    return ((current->sig_pending | current->proc->sig_pending) & s->mask) != 0;
}

/* Linux's siginfo_layout() for the layouts that can be pending here. */
static void fill(struct signalfd_siginfo *o, const struct k_siginfo *si)
{
    al_memset(o, 0, sizeof(*o));
    o->ssi_signo = (uint32_t)si->si_signo;
    o->ssi_errno = si->si_errno;
    o->ssi_code = si->si_code;
    int sig = si->si_signo, code = si->si_code;
    int fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
                sig == SIGTRAP;
    if (code > 0 && code < 0x80 && sig == SIGCHLD) {
        o->ssi_pid = (uint32_t)si->u.chld.pid;
        o->ssi_uid = si->u.chld.uid;
        o->ssi_status = si->u.chld.status;
        o->ssi_utime = (uint64_t)si->u.chld.utime;
        o->ssi_stime = (uint64_t)si->u.chld.stime;
    } else if (code > 0 && code < 0x80 && fault) {
        o->ssi_addr = si->u.fault.addr;
    } else if (code == SI_TIMER) {
        o->ssi_tid = (uint32_t)si->u.kill.pid; /* si_timerid */
        o->ssi_overrun = si->u.kill.uid;     /* si_overrun */
        o->ssi_int = (int32_t)si->u.kill.value;
        o->ssi_ptr = si->u.kill.value;
    } else if (code == SI_SIGIO || (code > 0 && code < 0x80)) {
        /* SIL_POLL: band and fd (not generated in the enclave) */
    } else {
        o->ssi_pid = (uint32_t)si->u.kill.pid;
        o->ssi_uid = si->u.kill.uid;
        if (code < 0) { /* SIL_RT */
            o->ssi_int = (int32_t)si->u.kill.value;
            o->ssi_ptr = si->u.kill.value;
        }
    }
}

/* read(2): as many whole records as fit and are pending (EINVAL if not one fits); waits
 * for the first unless O_NONBLOCK. */
static long sfd_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    struct signalfd *s = f->priv;
    size_t want = n / sizeof(struct signalfd_siginfo);
    if (!want)
        return -EINVAL;
    size_t done = 0;
    while (done < want) {
        struct k_siginfo si;
        int sig = signal_dequeue_set(s->mask, &si);
        if (!sig) {
            if (done)
                break;
            if (f->flags & O_NONBLOCK)
                return -EAGAIN;
            int r = wait_until(sfd_pending, s);
            if (r < 0)
                return r;
            continue;
        }
        struct signalfd_siginfo o;
        fill(&o, &si);
        if (io_out((char *)buf + done * sizeof(o), &o, sizeof(o), kbuf))
            return done ? (long)(done * sizeof(o)) : -EFAULT;
        done++;
    }
    return (long)(done * sizeof(struct signalfd_siginfo));
}

static int sfd_poll(struct file *f, int events)
{
    return sfd_pending(f->priv) ? (POLLIN | POLLRDNORM) & events : 0;
}

static const struct file_ops signalfd_ops = {
    .read = sfd_read,
    .poll = sfd_poll,
    .stat = anon_inode_stat,
    .release = file_release_priv,
    .seekable = 0,
};

/* Linux's order: EINVAL for the mask size, EFAULT, EINVAL for flags, then for an existing
 * fd EBADF or EINVAL (not a signalfd); a new one ENOMEM/EMFILE. */
static long do_signalfd(int fd, uint64_t umask, size_t size, int flags)
{
    uint64_t mask;
    if (size != sizeof(mask))
        return -EINVAL;
    if (copy_from_user(&mask, umask, sizeof(mask)))
        return -EFAULT;
    if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
        return -EINVAL;
    mask &= ~UNBLOCKABLE;
    if (fd != -1) {
        struct file *f = fd_get(fd);
        if (!f)
            return -EBADF;
        if (f->ops != &signalfd_ops)
            return -EINVAL;
        ((struct signalfd *)f->priv)->mask = mask;
        wake_all();
        return fd;
    }
    struct signalfd *s = kzalloc(sizeof(*s));
    struct file *f = s ? file_alloc(&signalfd_ops, O_RDWR | (flags & O_NONBLOCK),
                                    "anon_inode:[signalfd]")
                       : NULL;
    if (!f) {
        kfree(s);
        return -ENOMEM;
    }
    s->mask = mask;
    f->priv = s;
    f->mode = 0;
    int nfd = fd_install(f, (flags & SFD_CLOEXEC) != 0, 0);
    if (nfd < 0)
        file_put(f);
    return nfd;
}

SYS(signalfd)
{
    return do_signalfd((int)a0, (uint64_t)a1, (size_t)a2, 0);
}

SYS(signalfd4)
{
    return do_signalfd((int)a0, (uint64_t)a1, (size_t)a2, (int)a3);
}
