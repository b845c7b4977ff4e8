/*
 * timerfd.c - timerfd_create(2), timerfd_settime(2), timerfd_gettime(2): a timer whose
 * expiries are read from a descriptor as an 8-byte count (Linux's fs/timerfd.c).
 *
 * Clocks: REALTIME, MONOTONIC and BOOTTIME; the *_ALARM clocks need CAP_WAKE_ALARM (EPERM
 * without, as in a default container) and then run as their base clock: the enclave
 * cannot wake a suspended host anyway.  TFD_TIMER_CANCEL_ON_SET is
 * accepted and has no effect: the enclave cannot set CLOCK_REALTIME (clock_settime gives
 * EPERM), so no read ever ends with ECANCELED.  TFD_IOC_SET_TICKS is supported.
 *
 * Expiries are computed lazily from the clock: a timer is a deadline and an interval, and
 * whoever looks (read, poll, epoll, gettime) first moves an expired timer past "now",
 * adding the periods that passed to the tick count.  Nothing calls wake_all() at expiry;
 * instead ->poll and the read condition leave the next expiry as a wait hint
 * (wait_hint()), so a thread sleeping in read, poll, select or epoll on the timer sleeps
 * exactly until it expires: no host timer per process, no polling, and a timer shared
 * across fork (its state lives in the shared heap with the open file description) wakes
 * whichever process waits on it.
 *
 * Not done: /proc/PID/fdinfo (there is no fdinfo in procfs); edge-triggered epoll reports
 * a timer once until it is read (Linux reports again at each further expiry).
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"

#define TFD_CLOEXEC O_CLOEXEC
#define TFD_NONBLOCK O_NONBLOCK
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define TFD_IOC_SET_TICKS 0x40085400u
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define NS 1000000000ll
#define CAP_WAKE_ALARM 35

struct timerfd {
    int clock;
    int armed;
    int64_t deadline, interval; /* ns on clock */
    uint64_t ticks;             /* expiries not yet read */
};

struct k_itimerspec {
    struct linux_timespec interval, value;
};

static const struct file_ops timerfd_ops;

static int64_t clock_now(int clock)
{
    int64_t s, ns;
    if (pal_clock_get(clock, &s, &ns) < 0)
        return 0;
    return s * NS + ns;
}

/* Account for the expiries up to now (Linux's timer callback plus hrtimer_forward). */
static void tfd_update(struct timerfd *t)
{
    if (!t->armed)
        return;
    int64_t now = clock_now(t->clock);
    if (now < t->deadline)
        return;
    if (t->interval) {
        int64_t n = (now - t->deadline) / t->interval + 1;
        t->ticks += (uint64_t)n;
        t->deadline += n * t->interval;
    } else {
        t->ticks++;
        t->armed = 0;
    }
}

/* Condition for waits: expired, else a hint to look again at the next expiry. */
static int tfd_ready(void *arg)
{
    struct timerfd *t = arg;
    tfd_update(t);
    if (t->ticks)
        return 1;
    if (t->armed)
        wait_hint(t->clock, t->deadline);
    return 0;
}

/* read(2): the expiry count (8 bytes, then reset to 0); EINVAL for a buffer under 8. */
static long tfd_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    struct timerfd *t = f->priv;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    if (!tfd_ready(t)) {
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        int r = wait_until(tfd_ready, t);
        if (r < 0)
            return r;
    }
    uint64_t v = t->ticks;
    t->ticks = 0;
    if (io_out(buf, &v, sizeof(v), kbuf))
        return -EFAULT;
    return sizeof(v);
}

static int tfd_poll(struct file *f, int events)
{
    return tfd_ready(f->priv) ? (POLLIN | POLLRDNORM) & events : 0;
}

/* TFD_IOC_SET_TICKS: set the expiry count (non-zero), as Linux with checkpoint/restore. */
static long tfd_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    struct timerfd *t = f->priv;
    if (cmd != TFD_IOC_SET_TICKS)
        return -ENOTTY;
    uint64_t v;
    if (copy_from_user(&v, arg, sizeof(v)))
        return -EFAULT;
    if (!v)
        return -EINVAL;
    t->ticks = v;
    wake_all();
    return 0;
}

static const struct file_ops timerfd_ops = {
    .read = tfd_read,
    .poll = tfd_poll,
    .ioctl = tfd_ioctl,
    .stat = anon_inode_stat,
    .release = file_release_priv,
    .seekable = 0,
};

/* timerfd_create(clockid, flags), in Linux's order: EINVAL for flags or clock, EPERM for
 * the alarm clocks, then ENOMEM/EMFILE. */
SYS(timerfd_create)
{
    int clock = (int)a0, flags = (int)a1;
    if ((flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)) ||
        (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME && clock != CLOCK_REALTIME_ALARM &&
         clock != CLOCK_BOOTTIME && clock != CLOCK_BOOTTIME_ALARM))
        return -EINVAL;
    if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM) {
        if (!capable(CAP_WAKE_ALARM))
            return -EPERM;
        clock = clock == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME : CLOCK_BOOTTIME;
    }
    struct timerfd *t = kzalloc(sizeof(*t));
    struct file *f = t ? file_alloc(&timerfd_ops, O_RDWR | (flags & O_NONBLOCK),
                                    "anon_inode:[timerfd]")
                       : NULL;
    if (!f) {
        kfree(t);
        return -ENOMEM;
    }
    t->clock = clock;
    f->priv = t;
    f->mode = 0;
    int fd = fd_install(f, (flags & TFD_CLOEXEC) != 0, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* The referenced timerfd behind fd: EBADF, or EINVAL for another kind of file. */
static long tfd_get(int fd, struct timerfd **out)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    if (f->ops != &timerfd_ops)
        return -EINVAL;
    *out = f->priv;
    return 0;
}

/* The current setting (Linux's timerfd_gettime: a periodic timer is forwarded first). */
static void get_spec(struct timerfd *t, struct k_itimerspec *out)
{
    al_memset(out, 0, sizeof(*out));
    tfd_update(t);
    out->interval.tv_sec = t->interval / NS;
    out->interval.tv_nsec = t->interval % NS;
    if (!t->armed)
        return;
    int64_t left = t->deadline - clock_now(t->clock);
    if (left <= 0)
        left = 1; /* expired this very instant: never report a disarmed-looking 0 */
    out->value.tv_sec = left / NS;
    out->value.tv_nsec = left % NS;
}

static int spec_valid(const struct linux_timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NS;
}

/* timerfd_settime(fd, flags, new, old), in Linux's order: EFAULT for new, EINVAL for flags
 * or times, EBADF, EINVAL (not a timerfd), then EFAULT for old (the timer is set). */
SYS(timerfd_settime)
{
    struct k_itimerspec nv, old;
    int flags = (int)a1;
    if (copy_from_user(&nv, (uint64_t)a2, sizeof(nv)))
        return -EFAULT;
    if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) || !spec_valid(&nv.interval) ||
        !spec_valid(&nv.value))
        return -EINVAL;
    struct timerfd *t;
    long r = tfd_get((int)a0, &t);
    if (r < 0)
        return r;
    get_spec(t, &old);
    int64_t value = nv.value.tv_sec * NS + nv.value.tv_nsec;
    t->ticks = 0;
    t->armed = value != 0;
    t->interval = nv.interval.tv_sec * NS + nv.interval.tv_nsec;
    t->deadline = (flags & TFD_TIMER_ABSTIME) ? value : clock_now(t->clock) + value;
    wake_all(); /* waiters recompute their hints */
    if (a3 && copy_to_user((uint64_t)a3, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

SYS(timerfd_gettime)
{
    struct timerfd *t;
    long r = tfd_get((int)a0, &t);
    if (r < 0)
        return r;
    struct k_itimerspec cur;
    get_spec(t, &cur);
    return copy_to_user((uint64_t)a1, &cur, sizeof(cur));
}
