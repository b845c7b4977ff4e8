/*
 * kcmp.c - kcmp(2) and process_vm_readv/process_vm_writev(2): looking at another task's
 * objects and memory, inside the enclave.
 *
 * kcmp compares the objects two tasks of the enclave use (kernel/kcmp.c): an open file
 * description, the address space, the fd table, the fs state (cwd, umask), the signal
 * handlers, the I/O context and the System V undo list.  As in Linux the order of two
 * different objects is consistent but meaningless: the core's addresses are mixed with
 * a per-enclave random cookie first, so they are not revealed.  KCMP_EPOLL_TFD is not
 * offered (EOPNOTSUPP, as a kernel without epoll): the epoll code keeps its targets to
 * itself.  I/O contexts and undo lists are never allocated here: they compare equal.
 *
 * process_vm_readv/writev copy between the caller's memory and the memory of a process of
 * the enclave.  Only the caller's own process is reachable (its memory is this host
 * process's); another process of the enclave lives in another host process, which the
 * PAL gives no access to: EPERM, as for a process one may not ptrace.
 */
#include "libos.h"
#include "proc/proc.h"
#include "fs/fs.h"

#define KCMP_FILE 0
#define KCMP_VM 1
#define KCMP_FILES 2
#define KCMP_FS 3
#define KCMP_SIGHAND 4
#define KCMP_IO 5
#define KCMP_SYSVSEM 6
#define KCMP_EPOLL_TFD 7

/* Linux's kcmp_ptr: 0 equal, 1 less, 2 greater, on obfuscated values. */
static long kcmp_ptr(const void *a, const void *b, int type)
{
    if (!kernel->kcmp_cookie[0]) {
        uint64_t c[2] = {0, 0};
        IGNORE(pal_random(c, sizeof(c)));
        kernel->kcmp_cookie[0] = c[0] | 1, kernel->kcmp_cookie[1] = c[1] | 1;
    }
    uint64_t x = ((uint64_t)a ^ kernel->kcmp_cookie[1]) * kernel->kcmp_cookie[0] + (uint64_t)type;
    uint64_t y = ((uint64_t)b ^ kernel->kcmp_cookie[1]) * kernel->kcmp_cookie[0] + (uint64_t)type;
    return x < y ? 1 : x > y ? 2 : 0;
}

/* ptrace_may_access(PTRACE_MODE_READ_REALCREDS), simplified: root, or the same user. */
static int may_inspect(const struct process *p)
{
    const struct process *me = current->proc;
    return p == me || me->euid == 0 ||
           (me->ruid == p->ruid && me->ruid == p->euid && me->ruid == p->suid);
}

static struct file *file_of(struct process *p, unsigned long fd)
{
    if (fd >= (unsigned long)p->fds.size)
        return NULL;
    return p->fds.ent[fd].f;
}

SYS(kcmp)
{
    struct thread *t1 = task_by_tid((int)a0), *t2 = task_by_tid((int)a1);
    int type = (int)a2;
    if (!t1 || !t2)
        return -ESRCH;
    struct process *p1 = t1->proc, *p2 = t2->proc;
    if (!may_inspect(p1) || !may_inspect(p2))
        return -EPERM;
    switch (type) {
    case KCMP_FILE: {
        struct file *f1 = file_of(p1, (unsigned long)a3), *f2 = file_of(p2, (unsigned long)a4);
        if (!f1 || !f2)
            return -EBADF;
        return kcmp_ptr(f1, f2, type);
    }
    case KCMP_VM:
        /* One address space per process; a vfork or CLONE_VM child shares its host
         * process's memory, which is what its host id says. */
        return kcmp_ptr((void *)(p1->vf_save || p1->vm_hosted ? (uint64_t)p1->host_id : (uint64_t)p1),
                        (void *)(p2->vf_save || p2->vm_hosted ? (uint64_t)p2->host_id : (uint64_t)p2),
                        type);
    case KCMP_FILES:
    case KCMP_FS:
    case KCMP_SIGHAND:
        return kcmp_ptr(p1, p2, type); /* per process here (threads share them) */
    case KCMP_IO:
    case KCMP_SYSVSEM:
        return kcmp_ptr(NULL, NULL, type);
    case KCMP_EPOLL_TFD:
        return -EOPNOTSUPP;
    default:
        return -EINVAL;
    }
}

struct k_iovec {
    uint64_t base, len;
};

#define UIO_MAXIOV 1024
#define MAX_RW_COUNT 0x7ffff000ll

/* Copy an iovec array in, as Linux's iovec_from_user/import_iovec: EINVAL for too many
 * entries or a negative total, EFAULT; *total is clamped at MAX_RW_COUNT. */
static long iov_in(uint64_t u, unsigned long n, struct k_iovec **out, int64_t *total)
{
    *out = NULL;
    *total = 0;
    if (n > UIO_MAXIOV)
        return -EINVAL;
    if (!n)
        return 0;
    struct k_iovec *v = kmalloc(n * sizeof(*v));
    if (!v)
        return -ENOMEM;
    if (copy_from_user(v, u, n * sizeof(*v))) {
        kfree(v);
        return -EFAULT;
    }
    for (unsigned long i = 0; i < n; i++) {
        if ((int64_t)v[i].len < 0) {
            kfree(v);
            return -EINVAL;
        }
        if (v[i].len > (uint64_t)(MAX_RW_COUNT - *total))
            v[i].len = (uint64_t)(MAX_RW_COUNT - *total);
        *total += (int64_t)v[i].len;
    }
    *out = v;
    return 0;
}

static long vm_rw(long pid, uint64_t ulv, unsigned long ln, uint64_t urv, unsigned long rn,
                  unsigned long flags, int write)
{
    if (flags)
        return -EINVAL;
    struct k_iovec *lv, *rv;
    int64_t ltotal, rtotal;
    long r = iov_in(ulv, ln, &lv, &ltotal);
    if (r < 0)
        return r;
    if (!ltotal) {
        kfree(lv);
        return 0;
    }
    r = iov_in(urv, rn, &rv, &rtotal);
    if (r < 0) {
        kfree(lv);
        return r;
    }
    if (!rtotal) {
        kfree(lv), kfree(rv);
        return 0;
    }
    struct thread *t = task_by_tid((int)pid);
    if (!t) {
        kfree(lv), kfree(rv);
        return -ESRCH;
    }
    if (t->proc != current->proc) {
        kfree(lv), kfree(rv);
        return -EPERM; /* another host process: out of reach (see the top) */
    }
    /* Walk both lists, a page of the remote side at a time, through a bounce buffer. */
    static char bounce[4096]; /* under the core lock, per process: never shared */
    int64_t done = 0;
    unsigned long li = 0, ri = 0;
    uint64_t loff = 0, roff = 0;
    r = 0;
    while (li < ln && ri < rn) {
        if (loff == lv[li].len) {
            li++, loff = 0;
            continue;
        }
        if (roff == rv[ri].len) {
            ri++, roff = 0;
            continue;
        }
        uint64_t raddr = rv[ri].base + roff, laddr = lv[li].base + loff;
        uint64_t n = MIN(rv[ri].len - roff, lv[li].len - loff);
        n = MIN(n, PAGE_SIZE - (raddr & (PAGE_SIZE - 1)));
        uint64_t src = write ? laddr : raddr, dst = write ? raddr : laddr;
        if (copy_from_user(bounce, src, n) || copy_to_user(dst, bounce, n)) {
            r = -EFAULT;
            break;
        }
        done += (int64_t)n, loff += n, roff += n;
    }
    kfree(lv), kfree(rv);
    return done ? done : r;
}

SYS(process_vm_readv)
{
    return vm_rw(a0, (uint64_t)a1, (unsigned long)a2, (uint64_t)a3, (unsigned long)a4,
                 (unsigned long)a5, 0);
}

SYS(process_vm_writev)
{
    return vm_rw(a0, (uint64_t)a1, (unsigned long)a2, (uint64_t)a3, (unsigned long)a4,
                 (unsigned long)a5, 1);
}
