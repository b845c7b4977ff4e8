/*
 * sysv_sem.c - System V semaphores: semget, semop, semtimedop, semctl (Linux's ipc/sem.c).
 *
 * A set is one object in the shared heap.  semop applies all of its operations or none:
 * they are tried in order on the live values and undone on the first one that cannot
 * proceed (perform_atomic_semop_slow), so duplicates of one semaphore behave as in Linux.
 * A caller that must wait registers a waiter (kmalloc'd, so GETNCNT/GETZCNT of any process
 * can count it by its blocking operation) and sleeps with wait_event, lock dropped; every
 * change of a value calls wake_all() and each waiter tries its operations again.  Removal
 * marks the waiters, which return EIDRM.  semop is never restarted after a handler (EINTR,
 * as Linux); a semtimedop timeout is EAGAIN.
 *
 * SEM_UNDO records are per process (struct sem_undo in process->sem_undo, one per set), not
 * inherited by fork, kept by exec, applied at exit with Linux's clamping to [0, SEMVMX].
 * SETVAL and SETALL clear the adjustments of every process for what they set.
 */
#include "sysv.h"
#include "ipc.h"

#define SEM_UNDO 0x1000
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20

struct sem_waiter {
    int num;                /* the operation it is blocked on */
    short op;
    int removed;            /* the set went (IPC_RMID) */
    struct sem_waiter *next;
};

struct sem {
    uint16_t val;
    int pid;
};

struct sem_set {
    struct ipc_obj perm;
    int nsems;
    int64_t otime, ctime;
    struct sem_waiter *waiters;
    struct sem sems[];
};

struct sem_undo {
    int semid;
    int nsems;
    struct sem_undo *next;
    short adj[];
};

/* struct sembuf, struct semid64_ds, struct seminfo */
struct abi_sembuf {
    uint16_t sem_num;
    int16_t sem_op, sem_flg;
};
struct abi_semid_ds {
    struct abi_ipc64_perm sem_perm;
    int64_t sem_otime;
    uint64_t unused1;
    int64_t sem_ctime;
    uint64_t unused2, sem_nsems, unused3, unused4;
};
struct abi_seminfo {
    int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

static struct sem_set *set_of(int id)
{
    return (struct sem_set *)ipc_lookup(IPC_SEM, id);
}

static struct sem_undo *undo_of(struct process *p, int semid)
{
    for (struct sem_undo *u = p->sem_undo; u; u = u->next)
        if (u->semid == semid)
            return u;
    return NULL;
}

/* Every process forgets its adjustments for set id (semnum -1: all of them). */
static void undo_clear(int id, int semnum, int drop)
{
    for (struct process *p = kernel->procs; p; p = p->next)
        for (struct sem_undo **pp = &p->sem_undo; *pp;) {
            struct sem_undo *u = *pp;
            if (u->semid != id) {
                pp = &u->next;
                continue;
            }
            if (drop) {
                *pp = u->next;
                kfree(u);
                continue;
            }
            for (int i = 0; i < u->nsems; i++)
                if (semnum < 0 || i == semnum)
                    u->adj[i] = 0;
            pp = &u->next;
        }
}

static long newary(int key, int nsems, int flg)
{
    struct sysv_state *st = sysv();
    if (!st)
        return -ENOMEM;
    if (!nsems)
        return -EINVAL;
    if (st->used_sems + (uint64_t)nsems > (uint64_t)SYSV_SEMMNS)
        return -ENOSPC;
    struct sem_set *s = kzalloc(sizeof(*s) + sizeof(struct sem) * (size_t)nsems);
    if (!s)
        return -ENOMEM;
    int r = ipc_add(IPC_SEM, &s->perm, key, flg, SYSV_SEMMNI);
    if (r < 0) {
        kfree(s);
        return r;
    }
    s->nsems = nsems;
    s->ctime = ipc_now();
    st->used_sems += (uint64_t)nsems;
    return s->perm.id;
}

SYS(semget)
{
    int key = (int)a0, nsems = (int)a1, flg = (int)a2;
    if (nsems < 0 || nsems > SYSV_SEMMSL)
        return -EINVAL;
    if (key == IPC_PRIVATE)
        return newary(key, nsems, flg);
    struct sem_set *s = (struct sem_set *)ipc_find_key(IPC_SEM, key);
    if (!s)
        return (flg & IPC_CREAT) ? newary(key, nsems, flg) : -ENOENT;
    if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
        return -EEXIST;
    if (nsems > s->nsems)
        return -EINVAL;
    if (ipc_perms(&s->perm, flg) < 0)
        return -EACCES;
    return s->perm.id;
}

static void freeary(struct sem_set *s)
{
    for (struct sem_waiter *w = s->waiters; w; w = w->next)
        w->removed = 1;
    s->waiters = NULL;
    undo_clear(s->perm.id, -1, 1);
    ipc_remove(IPC_SEM, &s->perm);
    sysv()->used_sems -= (uint64_t)s->nsems;
    kfree(s);
    wake_all();
}

/* All of sops or none: 0 done, 1 must wait (*block = the operation), -EAGAIN, -ERANGE. */
static int try_semop(struct sem_set *s, const struct abi_sembuf *sops, int nsops,
                     struct sem_undo *un, int *block)
{
    int i, r = 0;
    for (i = 0; i < nsops; i++) {
        const struct abi_sembuf *op = &sops[i];
        struct sem *sem = &s->sems[op->sem_num];
        int v = sem->val;
        if ((op->sem_op == 0 && v) || v + op->sem_op < 0) {
            *block = i;
            r = (op->sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
            break;
        }
        v += op->sem_op;
        if (v > SYSV_SEMVMX) {
            r = -ERANGE;
            break;
        }
        if (op->sem_flg & SEM_UNDO) {
            int undo = un->adj[op->sem_num] - op->sem_op;
            if (undo < -SYSV_SEMAEM - 1 || undo > SYSV_SEMAEM) {
                r = -ERANGE;
                break;
            }
            un->adj[op->sem_num] = (short)undo;
        }
        sem->val = (uint16_t)v;
    }
    if (r) {
        while (--i >= 0) {
            s->sems[sops[i].sem_num].val = (uint16_t)(s->sems[sops[i].sem_num].val - sops[i].sem_op);
            if (sops[i].sem_flg & SEM_UNDO)
                un->adj[sops[i].sem_num] = (short)(un->adj[sops[i].sem_num] + sops[i].sem_op);
        }
        return r;
    }
    int pid = current->proc->pid;
    for (i = 0; i < nsops; i++)
        s->sems[sops[i].sem_num].pid = pid;
    s->otime = ipc_now();
    wake_all();
    return 0;
}

struct semop_wait {
    int semid, nsops, undos;
    const struct abi_sembuf *sops;
    struct sem_waiter *w;
    int result;
};

static int semop_ready(void *arg)
{
    struct semop_wait *c = arg;
    struct sem_set *s = set_of(c->semid);
    struct sem_undo *un = c->undos ? undo_of(current->proc, c->semid) : NULL;
    if (c->w->removed || !s || (c->undos && !un)) {
        c->result = -EIDRM;
        return 1;
    }
    int block = 0;
    int r = try_semop(s, c->sops, c->nsops, un, &block);
    if (r <= 0) {
        c->result = r;
        return 1;
    }
    c->w->num = c->sops[block].sem_num;
    c->w->op = c->sops[block].sem_op;
    return 0;
}

static long do_semtimedop(int semid, uint64_t usops, unsigned nsops, uint64_t uts)
{
    struct abi_sembuf sops[SYSV_SEMOPM];
    if (nsops < 1 || semid < 0)
        return -EINVAL;
    if (nsops > SYSV_SEMOPM)
        return -E2BIG;
    if (copy_from_user(sops, usops, sizeof(sops[0]) * nsops))
        return -EFAULT;
    int64_t deadline = -1;
    if (uts) {
        struct linux_timespec ts;
        if (copy_from_user(&ts, uts, sizeof(ts)))
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        int64_t s, ns;
        if (pal_clock_get(CLOCK_MONOTONIC, &s, &ns) < 0)
            return -EIO;
        deadline = s * 1000000000 + ns + ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    int max = 0, undos = 0, alter = 0;
    for (unsigned i = 0; i < nsops; i++) {
        max = MAX(max, (int)sops[i].sem_num);
        undos |= (sops[i].sem_flg & SEM_UNDO) != 0;
        alter |= sops[i].sem_op != 0;
    }
    struct sem_set *s = set_of(semid);
    if (!s)
        return -EINVAL;
    struct process *p = current->proc;
    struct sem_undo *un = NULL;
    if (undos && !(un = undo_of(p, semid))) {
        un = kzalloc(sizeof(*un) + sizeof(short) * (size_t)s->nsems);
        if (!un)
            return -ENOMEM;
        un->semid = semid;
        un->nsems = s->nsems;
        un->next = p->sem_undo;
        p->sem_undo = un;
    }
    if (max >= s->nsems)
        return -EFBIG;
    if (ipc_perms(&s->perm, alter ? S_IWUGO : S_IRUGO) < 0)
        return -EACCES;
    int block = 0;
    int r = try_semop(s, sops, (int)nsops, un, &block);
    if (r <= 0)
        return r;
    /* Sleep until the operations can be done, the set goes, a signal or the timeout. */
    struct sem_waiter *w = kzalloc(sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->num = sops[block].sem_num;
    w->op = sops[block].sem_op;
    w->next = s->waiters;
    s->waiters = w;
    struct semop_wait c = {semid, (int)nsops, undos, sops, w, 0};
    r = wait_event(semop_ready, &c, CLOCK_MONOTONIC, deadline);
    if (!w->removed) {
        for (struct sem_waiter **pp = &set_of(semid)->waiters; *pp; pp = &(*pp)->next)
            if (*pp == w) {
                *pp = w->next;
                break;
            }
    }
    kfree(w);
    if (r == -ETIMEDOUT)
        return -EAGAIN;
    if (r < 0)
        return -EINTR; /* semop is never restarted (signal(7)) */
    return c.result;
}

SYS(semop)
{
    return do_semtimedop((int)a0, (uint64_t)a1, (unsigned)a2, 0);
}

SYS(semtimedop)
{
    return do_semtimedop((int)a0, (uint64_t)a1, (unsigned)a2, (uint64_t)a3);
}

void sem_exit(struct process *p)
{
    int changed = 0;
    while (p->sem_undo) {
        struct sem_undo *u = p->sem_undo;
        p->sem_undo = u->next;
        struct sem_set *s = set_of(u->semid);
        for (int i = 0; s && i < u->nsems && i < s->nsems; i++) {
            if (!u->adj[i])
                continue;
            int v = s->sems[i].val + u->adj[i];
            s->sems[i].val = (uint16_t)(v < 0 ? 0 : v > SYSV_SEMVMX ? SYSV_SEMVMX : v);
            s->sems[i].pid = p->pid;
            changed = 1;
        }
        kfree(u);
    }
    if (changed)
        wake_all();
}

static int count_waiters(const struct sem_set *s, int num, int zero)
{
    int n = 0;
    for (const struct sem_waiter *w = s->waiters; w; w = w->next)
        if (w->num == num && (zero ? w->op == 0 : w->op < 0))
            n++;
    return n;
}

static long semctl_values(int id, int num, int cmd, uint64_t arg)
{
    struct sem_set *s = set_of(id);
    if (!s)
        return -EINVAL;
    if (ipc_perms(&s->perm, cmd == SETALL ? S_IWUGO : S_IRUGO) < 0)
        return -EACCES;
    size_t bytes = sizeof(uint16_t) * (size_t)s->nsems;
    if (cmd == GETALL || cmd == SETALL) {
        uint16_t *v = kmalloc(bytes);
        if (!v)
            return -ENOMEM;
        long r = 0;
        if (cmd == GETALL) {
            for (int i = 0; i < s->nsems; i++)
                v[i] = s->sems[i].val;
            r = copy_to_user(arg, v, bytes);
        } else if (copy_from_user(v, arg, bytes)) {
            r = -EFAULT;
        } else {
            for (int i = 0; i < s->nsems; i++)
                if (v[i] > SYSV_SEMVMX)
                    r = -ERANGE;
            for (int i = 0; !r && i < s->nsems; i++) {
                s->sems[i].val = v[i];
                s->sems[i].pid = current->proc->pid;
            }
            if (!r) {
                undo_clear(id, -1, 0);
                s->ctime = ipc_now();
                wake_all();
            }
        }
        kfree(v);
        return r;
    }
    if (num < 0 || num >= s->nsems)
        return -EINVAL;
    switch (cmd) {
    case GETVAL:
        return s->sems[num].val;
    case GETPID:
        return s->sems[num].pid;
    case GETNCNT:
        return count_waiters(s, num, 0);
    default:
        return count_waiters(s, num, 1);
    }
}

static long semctl_setval(int id, int num, int val)
{
    if (val > SYSV_SEMVMX || val < 0)
        return -ERANGE;
    struct sem_set *s = set_of(id);
    if (!s)
        return -EINVAL;
    if (num < 0 || num >= s->nsems)
        return -EINVAL;
    if (ipc_perms(&s->perm, S_IWUGO) < 0)
        return -EACCES;
    undo_clear(id, num, 0);
    s->sems[num].val = (uint16_t)val;
    s->sems[num].pid = current->proc->pid;
    s->ctime = ipc_now();
    wake_all();
    return 0;
}

/* semctl(2): ksys_semctl() of ipc/sem.c; the fourth argument is union semun by value. */
SYS(semctl)
{
    int id = (int)a0, num = (int)a1, cmd = (int)a2;
    uint64_t arg = (uint64_t)a3;
    struct sysv_state *st = sysv();
    if (id < 0)
        return -EINVAL;
    if (!st)
        return -ENOMEM;
    switch (cmd) {
    case IPC_INFO:
    case SEM_INFO: {
        struct abi_seminfo i = {SYSV_SEMMNS, SYSV_SEMMNI, SYSV_SEMMNS, SYSV_SEMMNS, SYSV_SEMMSL,
                                SYSV_SEMOPM, SYSV_SEMOPM, 20, SYSV_SEMVMX, SYSV_SEMAEM};
        if (cmd == SEM_INFO) {
            i.semusz = st->ids[IPC_SEM].in_use;
            i.semaem = (int32_t)st->used_sems;
        }
        int max = ipc_max_idx(IPC_SEM);
        if (copy_to_user(arg, &i, sizeof(i)))
            return -EFAULT;
        return max < 0 ? 0 : max;
    }
    case IPC_STAT:
    case SEM_STAT:
    case SEM_STAT_ANY: {
        struct sem_set *s = (struct sem_set *)(cmd == IPC_STAT ? ipc_lookup(IPC_SEM, id)
                                                               : ipc_at(IPC_SEM, id));
        if (!s)
            return -EINVAL;
        if (cmd != SEM_STAT_ANY && ipc_perms(&s->perm, S_IRUGO) < 0)
            return -EACCES;
        struct abi_semid_ds d;
        al_memset(&d, 0, sizeof(d));
        ipc_perm_out(&s->perm, &d.sem_perm);
        d.sem_otime = s->otime;
        d.sem_ctime = s->ctime;
        d.sem_nsems = (uint64_t)s->nsems;
        if (copy_to_user(arg, &d, sizeof(d)))
            return -EFAULT;
        return cmd == IPC_STAT ? 0 : s->perm.id;
    }
    case GETALL:
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT:
    case SETALL:
        return semctl_values(id, num, cmd, arg);
    case SETVAL:
        return semctl_setval(id, num, (int)arg);
    case IPC_SET: {
        struct abi_semid_ds in;
        if (copy_from_user(&in, arg, sizeof(in)))
            return -EFAULT;
        struct sem_set *s = set_of(id);
        if (!s)
            return -EINVAL;
        if (ipc_owner(&s->perm) < 0)
            return -EPERM;
        int r = ipc_set_perm(&s->perm, &in.sem_perm);
        if (r < 0)
            return r;
        s->ctime = ipc_now();
        return 0;
    }
    case IPC_RMID: {
        struct sem_set *s = set_of(id);
        if (!s)
            return -EINVAL;
        if (ipc_owner(&s->perm) < 0)
            return -EPERM;
        freeary(s);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

long sem_proc_text(char **out)
{
    struct sysv_state *st = sysv();
    int n = st ? st->ids[IPC_SEM].in_use : 0;
    size_t cap = 256 + (size_t)n * 128, len = 0;
    char *b = kmalloc(cap);
    if (!b)
        return -ENOMEM;
    len += (size_t)al_snprintf(b, cap, "       key      semid perms      nsems   uid   gid  cuid  "
                                       "cgid      otime      ctime\n");
    for (int i = 0; st && i < IPCMNI; i++) {
        const struct sem_set *s = (const struct sem_set *)st->ids[IPC_SEM].slot[i];
        if (s)
            len += (size_t)al_snprintf(b + len, cap - len,
                                       "%10d %10d  %4o %10u %5u %5u %5u %5u %10ld %10ld\n",
                                       s->perm.key, s->perm.id, s->perm.mode, (unsigned)s->nsems,
                                       s->perm.uid, s->perm.gid, s->perm.cuid, s->perm.cgid,
                                       (long)s->otime, (long)s->ctime);
    }
    *out = b;
    return (long)len;
}
