/*
 * sysv.c - what System V shared memory, semaphores and message queues share: the id
 * tables of the enclave (one per type, in the shared heap, so every process of the
 * enclave sees one IPC name space), keys, permission checks, and the hooks fork, exec and
 * exit call (ipc.h).
 *
 * Ids follow Linux (ipc/util.c): slots are handed out cyclically, the sequence number
 * grows when the allocator wraps to a slot at or below the last one, and id = seq * 32768
 * + slot.  Keys are found by a scan of the table (the tables are small in practice).
 */
#include "sysv.h"
#include "ipc.h"

static int in_group(const struct process *p, uint32_t gid)
{
    if (p->egid == gid)
        return 1;
    for (int i = 0; i < p->ngroups; i++)
        if (p->groups[i] == gid)
            return 1;
    return 0;
}

struct sysv_state *sysv(void)
{
    if (!kernel->sysvipc) {
        struct sysv_state *s = kzalloc(sizeof(*s));
        if (!s)
            return NULL;
        for (int t = 0; t < IPC_NTYPES; t++)
            s->ids[t].last_idx = -1;
        kernel->sysvipc = s;
    }
    return kernel->sysvipc;
}

struct ipc_obj *ipc_at(int t, int idx)
{
    struct sysv_state *s = sysv();
    if (!s || idx < 0 || idx >= IPCMNI)
        return NULL;
    return s->ids[t].slot[idx];
}

struct ipc_obj *ipc_lookup(int t, int id)
{
    if (id < 0)
        return NULL;
    struct ipc_obj *o = ipc_at(t, id & (IPCMNI - 1));
    if (!o || o->seq != (uint16_t)(id >> IPC_SEQ_SHIFT) || (id >> IPC_SEQ_SHIFT) > IPC_SEQ_MAX)
        return NULL;
    return o;
}

struct ipc_obj *ipc_find_key(int t, int key)
{
    struct sysv_state *s = sysv();
    if (!s || !s->ids[t].in_use)
        return NULL;
    for (int i = 0; i < IPCMNI; i++) {
        struct ipc_obj *o = s->ids[t].slot[i];
        if (o && o->key == key)
            return o;
    }
    return NULL;
}

int ipc_add(int t, struct ipc_obj *o, int key, int mode, int limit)
{
    struct sysv_state *s = sysv();
    if (!s)
        return -ENOMEM;
    struct ipc_ids *ids = &s->ids[t];
    if (ids->in_use >= limit)
        return -ENOSPC;
    int idx = -1;
    for (int k = 1; k <= IPCMNI; k++) {
        int i = (ids->last_idx + k) & (IPCMNI - 1);
        if (!ids->slot[i]) {
            idx = i;
            break;
        }
    }
    if (idx < 0)
        return -ENOSPC;
    if (idx <= ids->last_idx && ++ids->seq >= IPC_SEQ_MAX)
        ids->seq = 0;
    ids->last_idx = idx;
    const struct process *p = current->proc;
    o->key = key;
    o->mode = (uint32_t)mode & 0777;
    o->uid = o->cuid = p->euid;
    o->gid = o->cgid = p->egid;
    o->seq = ids->seq;
    o->id = (int)((uint32_t)ids->seq << IPC_SEQ_SHIFT) + idx;
    ids->slot[idx] = o;
    ids->in_use++;
    return 0;
}

void ipc_remove(int t, struct ipc_obj *o)
{
    struct ipc_ids *ids = &sysv()->ids[t];
    int idx = o->id & (IPCMNI - 1);
    if (ids->slot[idx] == o) {
        ids->slot[idx] = NULL;
        ids->in_use--;
    }
}

int ipc_max_idx(int t)
{
    struct sysv_state *s = sysv();
    if (!s || !s->ids[t].in_use)
        return -1;
    for (int i = IPCMNI - 1; i >= 0; i--)
        if (s->ids[t].slot[i])
            return i;
    return -1;
}

int ipc_perms(const struct ipc_obj *o, int flag)
{
    const struct process *p = current->proc;
    int requested = (flag >> 6) | (flag >> 3) | flag;
    uint32_t granted = o->mode;
    if (p->euid == o->cuid || p->euid == o->uid)
        granted >>= 6;
    else if (in_group(p, o->cgid) || in_group(p, o->gid))
        granted >>= 3;
    if ((requested & ~(int)granted & 07) && p->euid != 0)
        return -EACCES;
    return 0;
}

int ipc_owner(const struct ipc_obj *o)
{
    const struct process *p = current->proc;
    return p->euid == 0 || p->euid == o->uid || p->euid == o->cuid ? 0 : -EPERM;
}

int ipc_set_perm(struct ipc_obj *o, const struct abi_ipc64_perm *in)
{
    if (in->uid == (uint32_t)-1 || in->gid == (uint32_t)-1)
        return -EINVAL;
    o->uid = in->uid;
    o->gid = in->gid;
    o->mode = (o->mode & ~0777u) | (in->mode & 0777u);
    return 0;
}

void ipc_perm_out(const struct ipc_obj *o, struct abi_ipc64_perm *out)
{
    al_memset(out, 0, sizeof(*out));
    out->key = o->key;
    out->uid = o->uid, out->gid = o->gid;
    out->cuid = o->cuid, out->cgid = o->cgid;
    out->mode = o->mode;
    out->seq = o->seq;
}

int64_t ipc_now(void)
{
    int64_t s = 0, ns;
    if (pal_clock_get(CLOCK_REALTIME, &s, &ns) < 0)
        return 0;
    return s;
}

/* ---- hooks for fork, exec, exit ---- */

void sysv_fork(struct process *c, const struct process *p, int same_mm)
{
    c->shm_att = NULL;
    c->sem_undo = NULL; /* undo records are not inherited (no CLONE_SYSVSEM) */
    if (!same_mm)
        shm_fork(c, p);
}

void sysv_exec(struct process *p)
{
    shm_detach_all(p);
}

void sysv_exit(struct process *p)
{
    sem_exit(p);
    shm_detach_all(p);
}

/* ---- /proc/sysvipc and /proc/sys/kernel ---- */

long sysv_proc_text(const char *name, char **out)
{
    if (al_strcmp(name, "sysvipc/shm") == 0)
        return shm_proc_text(out);
    if (al_strcmp(name, "sysvipc/sem") == 0)
        return sem_proc_text(out);
    if (al_strcmp(name, "sysvipc/msg") == 0)
        return msg_proc_text(out);
    char buf[96];
    int n;
    if (al_strcmp(name, "sys/kernel/shmmax") == 0 || al_strcmp(name, "sys/kernel/shmall") == 0)
        n = al_snprintf(buf, sizeof(buf), "%lu\n", (unsigned long)SYSV_SHMMAX);
    else if (al_strcmp(name, "sys/kernel/shmmni") == 0)
        n = al_snprintf(buf, sizeof(buf), "%d\n", SYSV_SHMMNI);
    else if (al_strcmp(name, "sys/kernel/sem") == 0)
        n = al_snprintf(buf, sizeof(buf), "%d\t%ld\t%d\t%d\n", SYSV_SEMMSL, (long)SYSV_SEMMNS,
                        SYSV_SEMOPM, SYSV_SEMMNI);
    else if (al_strcmp(name, "sys/kernel/msgmax") == 0)
        n = al_snprintf(buf, sizeof(buf), "%d\n", SYSV_MSGMAX);
    else if (al_strcmp(name, "sys/kernel/msgmnb") == 0)
        n = al_snprintf(buf, sizeof(buf), "%d\n", SYSV_MSGMNB);
    else if (al_strcmp(name, "sys/kernel/msgmni") == 0)
        n = al_snprintf(buf, sizeof(buf), "%d\n", SYSV_MSGMNI);
    else
        return -ENOENT;
    *out = kmalloc((size_t)n + 1);
    if (!*out)
        return -ENOMEM;
    al_memcpy(*out, buf, (size_t)n + 1);
    return n;
}
