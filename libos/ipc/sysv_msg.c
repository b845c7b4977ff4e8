/*
 * sysv_msg.c - System V message queues: msgget, msgsnd, msgrcv, msgctl (Linux's ipc/msg.c).
 *
 * A queue is a FIFO list of messages in the shared heap.  msgrcv picks by type as Linux's
 * find_msg (0: the first; > 0: the first of that type, or with MSG_EXCEPT of another;
 * < 0: the first of the lowest type <= |msgtyp|; MSG_COPY: the msgtyp-th, left queued).
 * A sender whose message does not fit (q_cbytes + size > q_qbytes, or as many messages as
 * q_qbytes) and a receiver that finds nothing sleep with wait_until, lock dropped; every
 * change of the queue calls wake_all().  Removal makes them return EIDRM.  Both calls end
 * with -ERESTARTNOHAND on a signal, as Linux.
 */
#include "sysv.h"
#include "ipc.h"

#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13
#define MSGSSZ 16
#define MSGSEG 0xffff
#define MSGPOOL (SYSV_MSGMNI * SYSV_MSGMNB / 1024)
#define LONG_MAX_ 0x7fffffffffffffffl

struct msg {
    struct msg *next;
    long type;
    size_t size;
    char text[];
};

struct msg_queue {
    struct ipc_obj perm;
    struct msg *head, **tail;
    uint64_t cbytes, qnum, qbytes;
    int lspid, lrpid;
    int64_t stime, rtime, ctime;
};

/* struct msqid64_ds, struct msginfo */
struct abi_msqid_ds {
    struct abi_ipc64_perm msg_perm;
    int64_t msg_stime, msg_rtime, msg_ctime;
    uint64_t msg_cbytes, msg_qnum, msg_qbytes;
    int32_t msg_lspid, msg_lrpid;
    uint64_t unused4, unused5;
};
struct abi_msginfo {
    int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
    uint16_t msgseg;
};

static struct msg_queue *queue_of(int id)
{
    return (struct msg_queue *)ipc_lookup(IPC_MSG, id);
}

static long newque(int key, int flg)
{
    struct msg_queue *q = kzalloc(sizeof(*q));
    if (!q)
        return -ENOMEM;
    int r = ipc_add(IPC_MSG, &q->perm, key, flg, SYSV_MSGMNI);
    if (r < 0) {
        kfree(q);
        return r;
    }
    q->tail = &q->head;
    q->qbytes = SYSV_MSGMNB;
    q->ctime = ipc_now();
    return q->perm.id;
}

SYS(msgget)
{
    int key = (int)a0, flg = (int)a1;
    if (key == IPC_PRIVATE)
        return newque(key, flg);
    struct msg_queue *q = (struct msg_queue *)ipc_find_key(IPC_MSG, key);
    if (!q)
        return (flg & IPC_CREAT) ? newque(key, flg) : -ENOENT;
    if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
        return -EEXIST;
    if (ipc_perms(&q->perm, flg) < 0)
        return -EACCES;
    return q->perm.id;
}

static void freeque(struct msg_queue *q)
{
    struct sysv_state *st = sysv();
    while (q->head) {
        struct msg *m = q->head;
        q->head = m->next;
        st->msg_hdrs--;
        st->msg_bytes -= m->size;
        kfree(m);
    }
    ipc_remove(IPC_MSG, &q->perm);
    kfree(q);
    wake_all();
}

struct msg_wait {
    int id;
    size_t size;
};

static int snd_ready(void *arg)
{
    const struct msg_wait *w = arg;
    const struct msg_queue *q = queue_of(w->id);
    return !q || (w->size + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes);
}

SYS(msgsnd)
{
    int id = (int)a0, flg = (int)a3;
    uint64_t umsg = (uint64_t)a1;
    size_t size = (size_t)a2;
    long type;
    if (copy_from_user(&type, umsg, sizeof(type)))
        return -EFAULT;
    if (size > SYSV_MSGMAX || (long)size < 0 || id < 0)
        return -EINVAL;
    if (type < 1)
        return -EINVAL;
    struct msg *m = kmalloc(sizeof(*m) + size);
    if (!m)
        return -ENOMEM;
    if (copy_from_user(m->text, umsg + sizeof(long), size)) {
        kfree(m);
        return -EFAULT;
    }
    m->type = type;
    m->size = size;
    m->next = NULL;
    struct msg_queue *q = queue_of(id);
    long r = q ? 0 : -EINVAL;
    while (!r) {
        if (!q) {
            r = -EIDRM;
            break;
        }
        if (ipc_perms(&q->perm, S_IWUGO) < 0) {
            r = -EACCES;
            break;
        }
        if (size + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes)
            break;
        if (flg & IPC_NOWAIT) {
            r = -EAGAIN;
            break;
        }
        struct msg_wait w = {id, size};
        if (wait_until(snd_ready, &w) < 0)
            r = -ERESTARTNOHAND;
        q = queue_of(id);
    }
    if (r) {
        kfree(m);
        return r;
    }
    struct sysv_state *st = sysv();
    q->lspid = current->proc->pid;
    q->stime = ipc_now();
    *q->tail = m;
    q->tail = &m->next;
    q->cbytes += size;
    q->qnum++;
    st->msg_hdrs++;
    st->msg_bytes += size;
    wake_all();
    return 0;
}

/* find_msg(): the message msgrcv takes (prev: the link that points at it), or NULL. */
static struct msg *find_msg(struct msg_queue *q, long typ, int flg, struct msg ***prev)
{
    struct msg *found = NULL, **fprev = NULL;
    long count = 0;
    int lesseq = 0;
    if (!(flg & MSG_COPY) && typ < 0) {
        typ = typ == (-LONG_MAX_ - 1) ? LONG_MAX_ : -typ;
        lesseq = 1;
    }
    for (struct msg **pp = &q->head; *pp; pp = &(*pp)->next) {
        struct msg *m = *pp;
        if (flg & MSG_COPY) {
            if (count++ == typ) {
                *prev = pp;
                return m;
            }
        } else if (lesseq) {
            if (m->type <= typ) {
                found = m, fprev = pp;
                if (m->type == 1)
                    break;
                typ = m->type - 1;
            }
        } else if (typ == 0 || ((flg & MSG_EXCEPT) ? m->type != typ : m->type == typ)) {
            *prev = pp;
            return m;
        }
    }
    *prev = fprev;
    return found;
}

struct rcv_wait {
    int id, flg;
    long typ;
};

static int rcv_ready(void *arg)
{
    const struct rcv_wait *w = arg;
    struct msg_queue *q = queue_of(w->id);
    struct msg **prev;
    return !q || find_msg(q, w->typ, w->flg, &prev) != NULL;
}

SYS(msgrcv)
{
    int id = (int)a0, flg = (int)a4;
    uint64_t umsg = (uint64_t)a1;
    size_t bufsz = (size_t)a2;
    long typ = (long)a3;
    if (id < 0 || (long)bufsz < 0)
        return -EINVAL;
    if ((flg & MSG_COPY) && ((flg & MSG_EXCEPT) || !(flg & IPC_NOWAIT)))
        return -EINVAL;
    struct msg_queue *q = queue_of(id);
    if (!q)
        return -EINVAL;
    struct msg *m;
    struct msg **prev;
    for (;;) {
        if (ipc_perms(&q->perm, S_IRUGO) < 0)
            return -EACCES;
        m = find_msg(q, typ, flg, &prev);
        if (m)
            break;
        if (flg & IPC_NOWAIT)
            return -ENOMSG;
        struct rcv_wait w = {id, flg, typ};
        if (wait_until(rcv_ready, &w) < 0)
            return -ERESTARTNOHAND;
        if (!(q = queue_of(id)))
            return -EIDRM;
    }
    if (bufsz < m->size && !(flg & MSG_NOERROR))
        return -E2BIG;
    size_t n = MIN(bufsz, m->size);
    if (flg & MSG_COPY) {
        n = MIN(n, (size_t)SYSV_MSGMAX);
        if (copy_to_user(umsg, &m->type, sizeof(long)) ||
            copy_to_user(umsg + sizeof(long), m->text, n))
            return -EFAULT;
        return (long)n;
    }
    /* Taken off the queue before the copy, as Linux: a bad buffer loses the message. */
    *prev = m->next;
    if (q->tail == &m->next)
        q->tail = prev;
    struct sysv_state *st = sysv();
    q->qnum--;
    q->cbytes -= m->size;
    q->rtime = ipc_now();
    q->lrpid = current->proc->pid;
    st->msg_hdrs--;
    st->msg_bytes -= m->size;
    wake_all();
    long r = (long)n;
    if (copy_to_user(umsg, &m->type, sizeof(long)) ||
        copy_to_user(umsg + sizeof(long), m->text, n))
        r = -EFAULT;
    kfree(m);
    return r;
}

/* msgctl(2): ksys_msgctl() of ipc/msg.c. */
SYS(msgctl)
{
    int id = (int)a0, cmd = (int)a1;
    uint64_t ubuf = (uint64_t)a2;
    struct sysv_state *st = sysv();
    if (id < 0 || cmd < 0)
        return -EINVAL;
    if (!st)
        return -ENOMEM;
    switch (cmd) {
    case IPC_INFO:
    case MSG_INFO: {
        struct abi_msginfo i;
        al_memset(&i, 0, sizeof(i));
        i.msgmni = SYSV_MSGMNI;
        i.msgmax = SYSV_MSGMAX;
        i.msgmnb = SYSV_MSGMNB;
        i.msgssz = MSGSSZ;
        i.msgseg = MSGSEG;
        if (cmd == MSG_INFO) {
            i.msgpool = st->ids[IPC_MSG].in_use;
            i.msgmap = (int32_t)MIN(st->msg_hdrs, 0x7fffffffull);
            i.msgtql = (int32_t)MIN(st->msg_bytes, 0x7fffffffull);
        } else {
            i.msgmap = SYSV_MSGMNB;
            i.msgpool = MSGPOOL;
            i.msgtql = SYSV_MSGMNB;
        }
        int max = ipc_max_idx(IPC_MSG);
        if (copy_to_user(ubuf, &i, sizeof(i)))
            return -EFAULT;
        return max < 0 ? 0 : max;
    }
    case MSG_STAT:
    case MSG_STAT_ANY:
    case IPC_STAT: {
        struct msg_queue *q = (struct msg_queue *)(cmd == IPC_STAT ? ipc_lookup(IPC_MSG, id)
                                                                   : ipc_at(IPC_MSG, id));
        if (!q)
            return -EINVAL;
        if (cmd != MSG_STAT_ANY && ipc_perms(&q->perm, S_IRUGO) < 0)
            return -EACCES;
        struct abi_msqid_ds d;
        al_memset(&d, 0, sizeof(d));
        ipc_perm_out(&q->perm, &d.msg_perm);
        d.msg_stime = q->stime, d.msg_rtime = q->rtime, d.msg_ctime = q->ctime;
        d.msg_cbytes = q->cbytes, d.msg_qnum = q->qnum, d.msg_qbytes = q->qbytes;
        d.msg_lspid = q->lspid, d.msg_lrpid = q->lrpid;
        if (copy_to_user(ubuf, &d, sizeof(d)))
            return -EFAULT;
        return cmd == IPC_STAT ? 0 : q->perm.id;
    }
    case IPC_SET: {
        struct abi_msqid_ds in;
        if (copy_from_user(&in, ubuf, sizeof(in)))
            return -EFAULT;
        struct msg_queue *q = queue_of(id);
        if (!q)
            return -EINVAL;
        if (ipc_owner(&q->perm) < 0)
            return -EPERM;
        if (in.msg_qbytes > SYSV_MSGMNB && current->proc->euid != 0)
            return -EPERM;
        int r = ipc_set_perm(&q->perm, &in.msg_perm);
        if (r < 0)
            return r;
        q->qbytes = in.msg_qbytes;
        q->ctime = ipc_now();
        wake_all(); /* senders may fit now */
        return 0;
    }
    case IPC_RMID: {
        struct msg_queue *q = queue_of(id);
        if (!q)
            return -EINVAL;
        if (ipc_owner(&q->perm) < 0)
            return -EPERM;
        freeque(q);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

long msg_proc_text(char **out)
{
    struct sysv_state *st = sysv();
    int n = st ? st->ids[IPC_MSG].in_use : 0;
    size_t cap = 256 + (size_t)n * 160, len = 0;
    char *b = kmalloc(cap);
    if (!b)
        return -ENOMEM;
    len += (size_t)al_snprintf(b, cap, "       key      msqid perms      cbytes       qnum lspid "
                                       "lrpid   uid   gid  cuid  cgid      stime      rtime      "
                                       "ctime\n");
    for (int i = 0; st && i < IPCMNI; i++) {
        const struct msg_queue *q = (const struct msg_queue *)st->ids[IPC_MSG].slot[i];
        if (q)
            len += (size_t)al_snprintf(b + len, cap - len,
                                       "%10d %10d  %4o  %10lu %10lu %5d %5d %5u %5u %5u %5u "
                                       "%10ld %10ld %10ld\n",
                                       q->perm.key, q->perm.id, q->perm.mode,
                                       (unsigned long)q->cbytes, (unsigned long)q->qnum, q->lspid,
                                       q->lrpid, q->perm.uid, q->perm.gid, q->perm.cuid,
                                       q->perm.cgid, (long)q->stime, (long)q->rtime,
                                       (long)q->ctime);
    }
    *out = b;
    return (long)len;
}
