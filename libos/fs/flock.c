/*
 * flock.c - advisory file locks: POSIX record locks (fcntl F_SETLK & co.), open file
 * description locks (F_OFD_*) and flock(2), shared by every process of the enclave.
 *
 * Locks live in one list in the shared region, keyed by the file's (dev, ino), so two
 * processes that opened the same file separately still see each other's locks.  Owners:
 * a process for POSIX locks (released when it closes any descriptor of the file or exits),
 * an open file description for OFD and flock locks (released with the description).
 */
#include "libos.h"
#include "proc/proc.h"

#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define KIND_POSIX 0
#define KIND_OFD 1
#define KIND_FLOCK 2

struct lock {
    uint64_t dev, ino;
    int64_t start, end; /* [start, end); end = INT64_MAX: to end of file */
    int type;           /* F_RDLCK or F_WRLCK */
    int kind;
    int pid;            /* POSIX: owning process; others: -1 (F_GETLK reports it) */
    struct file *ofd;   /* OFD/flock: owning description */
    struct lock *next;
};

/* The x86-64 struct flock. */
struct linux_flock {
    int16_t l_type, l_whence;
    int32_t _pad;
    int64_t l_start, l_len;
    int32_t l_pid, _pad2;
};

static int same_owner(const struct lock *a, int kind, int pid, struct file *ofd)
{
    if (a->kind != kind && !(a->kind != KIND_POSIX && kind != KIND_POSIX && a->ofd == ofd))
        return 0;
    return kind == KIND_POSIX ? a->pid == pid : a->ofd == ofd;
}

/* First lock that conflicts with the request, or NULL.  flock locks only meet flock locks;
 * POSIX and OFD locks meet each other (as in Linux). */
static struct lock *conflict(uint64_t dev, uint64_t ino, int64_t s, int64_t e, int type, int kind,
                             int pid, struct file *ofd)
{
    for (struct lock *l = kernel->locks; l; l = l->next) {
        if (l->dev != dev || l->ino != ino)
            continue;
        if ((l->kind == KIND_FLOCK) != (kind == KIND_FLOCK))
            continue;
        if (same_owner(l, kind, pid, ofd))
            continue;
        if (l->start >= e || s >= l->end)
            continue;
        if (l->type == F_WRLCK || type == F_WRLCK)
            return l;
    }
    return NULL;
}

/* Remove the owner's locks from [s, e), splitting those that straddle its edges. */
static int unlock_range(uint64_t dev, uint64_t ino, int64_t s, int64_t e, int kind, int pid,
                        struct file *ofd)
{
    for (struct lock **pp = &kernel->locks; *pp;) {
        struct lock *l = *pp;
        if (l->dev != dev || l->ino != ino || l->kind != kind || !same_owner(l, kind, pid, ofd) ||
            l->start >= e || s >= l->end) {
            pp = &l->next;
            continue;
        }
        if (l->start < s && l->end > e) {
            struct lock *tail = kmalloc(sizeof(*tail));
            if (!tail)
                return -ENOLCK;
            *tail = *l;
            tail->start = e;
            l->end = s;
            tail->next = l->next;
            l->next = tail;
            return 0;
        }
        if (l->start < s) {
            l->end = s;
        } else if (l->end > e) {
            l->start = e;
        } else {
            *pp = l->next;
            kfree(l);
            continue;
        }
        pp = &l->next;
    }
    return 0;
}

struct lock_wait {
    uint64_t dev, ino;
    int64_t s, e;
    int type, kind, pid;
    struct file *ofd;
};

static int lock_free(void *arg)
{
    struct lock_wait *w = arg;
    return conflict(w->dev, w->ino, w->s, w->e, w->type, w->kind, w->pid, w->ofd) == NULL;
}

static long set_lock(struct file *f, int64_t s, int64_t e, int type, int kind, int wait)
{
    struct pal_stat st;
    if (!f->ops->stat || f->ops->stat(f, &st) < 0)
        return -EBADF;
    int pid = kind == KIND_POSIX ? current->proc->pid : -1;
    struct file *ofd = kind == KIND_POSIX ? NULL : f;
    if (type == F_UNLCK) {
        int r = unlock_range(st.dev, st.ino, s, e, kind, pid, ofd);
        wake_all();
        return r;
    }
    struct lock_wait w = {st.dev, st.ino, s, e, type, kind, pid, ofd};
    if (!lock_free(&w)) {
        if (!wait)
            return kind == KIND_FLOCK ? -EWOULDBLOCK : -EAGAIN;
        int r = wait_until(lock_free, &w);
        if (r < 0)
            return r;
    }
    struct lock *n = kmalloc(sizeof(*n));
    if (!n)
        return -ENOLCK;
    int r = unlock_range(st.dev, st.ino, s, e, kind, pid, ofd);
    if (r < 0) {
        kfree(n);
        return r;
    }
    *n = (struct lock){st.dev, st.ino, s, e, type, kind, pid, ofd, kernel->locks};
    kernel->locks = n;
    wake_all(); /* a downgrade may let readers in */
    return 0;
}

long lock_fcntl(struct file *f, int cmd, uint64_t uarg)
{
    struct linux_flock fl;
    if (copy_from_user(&fl, uarg, sizeof(fl)))
        return -EFAULT;
    int ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    if (ofd && fl.l_pid != 0)
        return -EINVAL;
    if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
        return -EINVAL;
    int64_t base;
    switch (fl.l_whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = f->pos;
        break;
    case SEEK_END: {
        struct pal_stat st;
        if (!f->ops->stat || f->ops->stat(f, &st) < 0)
            return -EBADF;
        base = st.size;
        break;
    }
    default:
        return -EINVAL;
    }
    int64_t s = base + fl.l_start, e;
    if (fl.l_len > 0) {
        e = s + fl.l_len;
    } else if (fl.l_len < 0) {
        e = s;
        s += fl.l_len;
    } else {
        e = INT64_MAX;
    }
    if (s < 0)
        return -EINVAL;
    int kind = ofd ? KIND_OFD : KIND_POSIX;
    if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
        if (fl.l_type == F_UNLCK)
            return -EINVAL;
        struct pal_stat st;
        if (!f->ops->stat || f->ops->stat(f, &st) < 0)
            return -EBADF;
        struct lock *l = conflict(st.dev, st.ino, s, e, fl.l_type, kind,
                                  kind == KIND_POSIX ? current->proc->pid : -1, ofd ? f : NULL);
        if (!l) {
            fl.l_type = F_UNLCK;
        } else {
            fl.l_type = (int16_t)l->type;
            fl.l_whence = SEEK_SET;
            fl.l_start = l->start;
            fl.l_len = l->end == INT64_MAX ? 0 : l->end - l->start;
            fl.l_pid = l->kind == KIND_POSIX ? l->pid : -1;
        }
        return copy_to_user(uarg, &fl, sizeof(fl));
    }
    int acc = f->flags & O_ACCMODE;
    if ((fl.l_type == F_RDLCK && acc == O_WRONLY) || (fl.l_type == F_WRLCK && acc == O_RDONLY))
        return -EBADF;
    return set_lock(f, s, e, fl.l_type, kind, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

long lock_flock(struct file *f, int op)
{
    int nb = op & 4; /* LOCK_NB */
    op &= ~4;
    int type = op == 1 ? F_RDLCK : op == 2 ? F_WRLCK : op == 8 ? F_UNLCK : -1;
    if (type < 0)
        return -EINVAL;
    return set_lock(f, 0, INT64_MAX, type, KIND_FLOCK, !nb);
}

/* Drop locks when their owner goes: POSIX locks of the calling process on f's file (any of
 * its descriptors closed, or exit), or every OFD/flock lock of description f (released). */
void lock_release(struct file *f, int posix)
{
    if (!kernel->locks)
        return;
    struct pal_stat st;
    if (!f->ops->stat || f->ops->stat(f, &st) < 0)
        return;
    int pid = current->proc->pid, changed = 0;
    for (struct lock **pp = &kernel->locks; *pp;) {
        struct lock *l = *pp;
        int mine = l->dev == st.dev && l->ino == st.ino &&
                   (posix ? (l->kind == KIND_POSIX && l->pid == pid)
                          : (l->kind != KIND_POSIX && l->ofd == f));
        if (mine) {
            *pp = l->next;
            kfree(l);
            changed = 1;
        } else {
            pp = &l->next;
        }
    }
    if (changed)
        wake_all();
}
