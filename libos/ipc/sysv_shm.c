/*
 * sysv_shm.c - System V shared memory: shmget, shmat, shmdt, shmctl (Linux's ipc/shm.c).
 *
 * A segment's bytes are one PAL memory object (pal_mem_*), the same store tmpfs files use:
 * its id means the same object in every process of the enclave, so two processes that
 * attach one segment share its pages whether or not they are related by fork.  Each
 * process keeps the list of its attachments (struct shm_attach, in the shared heap):
 * shm_nattch counts them over the enclave; fork copies the list (the host fork keeps the
 * MAP_SHARED mappings), exec and exit drop it, shmdt unmaps one, munmap of a whole
 * attachment forgets it.  IPC_RMID of an attached segment only marks it SHM_DEST and
 * makes its key private; the memory goes back to the host at the last detach.
 *
 * Left out: SHM_HUGETLB and SHM_NORESERVE are accepted and give ordinary pages; shm_rss
 * and shm_swp (SHM_INFO, /proc/sysvipc/shm) are 0 (the core does not know which pages the
 * host has made resident); an attachment split by munmap or moved by mremap still counts
 * as one until shmdt or exit.
 */
#include "sysv.h"
#include "ipc.h"

#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_DEST 01000
#define SHM_LOCKED 02000
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHMLBA PAGE_SIZE

struct shm_seg {
    struct ipc_obj perm;
    uint64_t mem;           /* PAL memory object */
    uint64_t size;
    int64_t atime, dtime, ctime;
    int cpid, lpid;
    uint64_t nattch;
};

struct shm_attach {
    uint64_t start, len;
    struct shm_seg *seg;
    struct shm_attach *next;
};

/* struct shmid64_ds, struct shminfo64, struct shm_info */
struct abi_shmid_ds {
    struct abi_ipc64_perm shm_perm;
    uint64_t shm_segsz;
    int64_t shm_atime, shm_dtime, shm_ctime;
    int32_t shm_cpid, shm_lpid;
    uint64_t shm_nattch, unused4, unused5;
};
struct abi_shminfo {
    uint64_t shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
};
struct abi_shm_info {
    int32_t used_ids, pad;
    uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static uint64_t seg_pages(const struct shm_seg *s)
{
    return PAGE_UP(s->size) / PAGE_SIZE;
}

static void seg_destroy(struct shm_seg *s)
{
    ipc_remove(IPC_SHM, &s->perm);
    sysv()->shm_tot -= seg_pages(s);
    pal_mem_destroy(s->mem);
    kfree(s);
}

/* One attachment fewer (shmdt, exec, exit, munmap): the last of a removed segment frees it. */
static void seg_detached(struct shm_seg *s)
{
    s->nattch--;
    s->lpid = current->proc->pid;
    s->dtime = ipc_now();
    if (s->nattch == 0 && (s->perm.mode & SHM_DEST))
        seg_destroy(s);
}

static long newseg(int key, int flg, uint64_t size)
{
    struct sysv_state *st = sysv();
    if (!st)
        return -ENOMEM;
    if (size < SYSV_SHMMIN || size > SYSV_SHMMAX)
        return -EINVAL;
    uint64_t pages = PAGE_UP(size) / PAGE_SIZE;
    if (PAGE_UP(size) < size || size > PAL_MEM_MAX_SIZE)
        return -ENOSPC;
    if (st->shm_tot + pages < st->shm_tot || st->shm_tot + pages > SYSV_SHMMAX)
        return -ENOSPC;
    struct shm_seg *s = kzalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    int r = pal_mem_create(&s->mem);
    if (r < 0) {
        kfree(s);
        return r;
    }
    r = ipc_add(IPC_SHM, &s->perm, key, flg, SYSV_SHMMNI);
    if (r < 0) {
        pal_mem_destroy(s->mem);
        kfree(s);
        return r;
    }
    s->size = size;
    s->cpid = current->proc->pid;
    s->ctime = ipc_now();
    st->shm_tot += pages;
    return s->perm.id;
}

/* shmget(2): ipcget() of ipc/util.c with shm's checks. */
SYS(shmget)
{
    int key = (int)a0, flg = (int)a2;
    uint64_t size = (uint64_t)a1;
    if (key == IPC_PRIVATE)
        return newseg(key, flg, size);
    struct shm_seg *s = (struct shm_seg *)ipc_find_key(IPC_SHM, key);
    if (!s)
        return (flg & IPC_CREAT) ? newseg(key, flg, size) : -ENOENT;
    if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
        return -EEXIST;
    if (s->size < size)
        return -EINVAL;
    if (ipc_perms(&s->perm, flg) < 0)
        return -EACCES;
    return s->perm.id;
}

static int overlaps_vma(uint64_t start, uint64_t end)
{
    struct mm *mm = &current->proc->mm;
    for (int i = 0; i < mm->n; i++)
        if (mm->v[i].start < end && mm->v[i].end > start)
            return 1;
    return 0;
}

/* shmat(2): do_shmat() of ipc/shm.c. */
SYS(shmat)
{
    int id = (int)a0, flg = (int)a2;
    uint64_t addr = (uint64_t)a1;
    unsigned palfl = PAL_VM_SHARED;
    if (id < 0)
        return -EINVAL;
    if (addr) {
        if (addr & (SHMLBA - 1)) {
            if (!(flg & SHM_RND))
                return -EINVAL;
            addr &= ~(SHMLBA - 1);
            if (!addr && (flg & SHM_REMAP))
                return -EINVAL;
        }
        palfl |= PAL_VM_FIXED;
    } else if (flg & SHM_REMAP) {
        return -EINVAL;
    }
    int prot = PROT_READ, acc = S_IRUGO;
    if (!(flg & SHM_RDONLY)) {
        prot |= PROT_WRITE;
        acc |= S_IWUGO;
    }
    if (flg & SHM_EXEC) {
        prot |= PROT_EXEC;
        acc |= S_IXUGO;
    }
    struct shm_seg *s = (struct shm_seg *)ipc_lookup(IPC_SHM, id);
    if (!s)
        return -EINVAL;
    if (ipc_perms(&s->perm, acc) < 0)
        return -EACCES;
    uint64_t len = PAGE_UP(s->size);
    if (addr) {
        /* A fixed address: inside the program's range and, without SHM_REMAP, free. */
        if (addr + len < addr || !access_ok(addr, len))
            return -EINVAL;
        if (!(flg & SHM_REMAP) && overlaps_vma(addr, addr + len))
            return -EINVAL;
    }
    struct shm_attach *a = kzalloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    uint64_t out;
    int r = pal_mem_map(s->mem, 0, addr, len, prot, palfl, &out);
    if (r < 0) {
        kfree(a);
        return r;
    }
    if (!access_ok(out, len)) {
        /* The host put it where the program may not have it. */
        IGNORE(pal_vm_unmap(out, len));
        kfree(a);
        return -ENOMEM;
    }
    struct process *p = current->proc;
    if (addr)
        sysv_munmap(out, out + len); /* SHM_REMAP replaced older attachments there */
    mm_track(&p->mm, out, out + len, prot, VMA_FILE | VMA_SHARED);
    a->start = out;
    a->len = len;
    a->seg = s;
    a->next = p->shm_att;
    p->shm_att = a;
    s->nattch++;
    s->atime = ipc_now();
    s->lpid = p->pid;
    return (long)out;
}

/* shmdt(2): the attachment that starts at addr goes (Linux unmaps the segment's mappings
 * from there); -EINVAL if none starts there. */
SYS(shmdt)
{
    uint64_t addr = (uint64_t)a0;
    struct process *p = current->proc;
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    for (struct shm_attach **pp = &p->shm_att; *pp; pp = &(*pp)->next) {
        struct shm_attach *a = *pp;
        if (a->start != addr)
            continue;
        IGNORE(pal_vm_unmap(a->start, a->len));
        mm_untrack(&p->mm, a->start, a->start + a->len);
        *pp = a->next;
        seg_detached(a->seg);
        kfree(a);
        return 0;
    }
    return -EINVAL;
}

void sysv_munmap(uint64_t start, uint64_t end)
{
    struct process *p = current->proc;
    for (struct shm_attach **pp = &p->shm_att; *pp;) {
        struct shm_attach *a = *pp;
        if (a->start >= start && a->start + a->len <= end) {
            *pp = a->next;
            seg_detached(a->seg);
            kfree(a);
        } else {
            pp = &a->next;
        }
    }
}

void shm_fork(struct process *c, const struct process *p)
{
    struct shm_attach **tail = &c->shm_att;
    for (const struct shm_attach *a = p->shm_att; a; a = a->next) {
        struct shm_attach *n = kmalloc(sizeof(*n));
        if (!n)
            break; /* the child's mapping then counts for nobody */
        *n = *a;
        n->next = NULL;
        *tail = n;
        tail = &n->next;
        a->seg->nattch++;
        a->seg->atime = ipc_now();
        a->seg->lpid = p->pid;
    }
}

void shm_detach_all(struct process *p)
{
    while (p->shm_att) {
        struct shm_attach *a = p->shm_att;
        p->shm_att = a->next;
        seg_detached(a->seg);
        kfree(a);
    }
}

static void stat_out(const struct shm_seg *s, struct abi_shmid_ds *d)
{
    al_memset(d, 0, sizeof(*d));
    ipc_perm_out(&s->perm, &d->shm_perm);
    d->shm_segsz = s->size;
    d->shm_atime = s->atime, d->shm_dtime = s->dtime, d->shm_ctime = s->ctime;
    d->shm_cpid = s->cpid, d->shm_lpid = s->lpid;
    d->shm_nattch = s->nattch;
}

/* shmctl(2): ksys_shmctl() of ipc/shm.c (x86-64 takes no IPC_64 bit: cmd|0x100 is EINVAL). */
SYS(shmctl)
{
    int id = (int)a0, cmd = (int)a1;
    uint64_t ubuf = (uint64_t)a2;
    struct sysv_state *st = sysv();
    if (cmd < 0 || id < 0)
        return -EINVAL;
    if (!st)
        return -ENOMEM;
    switch (cmd) {
    case IPC_INFO: {
        struct abi_shminfo i = {SYSV_SHMMAX, SYSV_SHMMIN, SYSV_SHMMNI, SYSV_SHMMNI, SYSV_SHMMAX, {0}};
        int max = ipc_max_idx(IPC_SHM);
        if (copy_to_user(ubuf, &i, sizeof(i)))
            return -EFAULT;
        return max < 0 ? 0 : max;
    }
    case SHM_INFO: {
        struct abi_shm_info i;
        al_memset(&i, 0, sizeof(i));
        i.used_ids = st->ids[IPC_SHM].in_use;
        i.shm_tot = st->shm_tot;
        int max = ipc_max_idx(IPC_SHM);
        if (copy_to_user(ubuf, &i, sizeof(i)))
            return -EFAULT;
        return max < 0 ? 0 : max;
    }
    case SHM_STAT:
    case SHM_STAT_ANY:
    case IPC_STAT: {
        struct shm_seg *s = (struct shm_seg *)(cmd == IPC_STAT ? ipc_lookup(IPC_SHM, id)
                                                               : ipc_at(IPC_SHM, id));
        if (!s)
            return -EINVAL;
        if (cmd != SHM_STAT_ANY && ipc_perms(&s->perm, S_IRUGO) < 0)
            return -EACCES;
        struct abi_shmid_ds d;
        stat_out(s, &d);
        if (copy_to_user(ubuf, &d, sizeof(d)))
            return -EFAULT;
        return cmd == IPC_STAT ? 0 : s->perm.id;
    }
    case IPC_SET: {
        struct abi_shmid_ds in;
        if (copy_from_user(&in, ubuf, sizeof(in)))
            return -EFAULT;
        struct shm_seg *s = (struct shm_seg *)ipc_lookup(IPC_SHM, id);
        if (!s)
            return -EINVAL;
        if (ipc_owner(&s->perm) < 0)
            return -EPERM;
        int r = ipc_set_perm(&s->perm, &in.shm_perm);
        if (r < 0)
            return r;
        s->ctime = ipc_now();
        return 0;
    }
    case IPC_RMID: {
        struct shm_seg *s = (struct shm_seg *)ipc_lookup(IPC_SHM, id);
        if (!s)
            return -EINVAL;
        if (ipc_owner(&s->perm) < 0)
            return -EPERM;
        if (s->nattch == 0) {
            seg_destroy(s);
        } else {
            s->perm.mode |= SHM_DEST;
            s->perm.key = IPC_PRIVATE; /* no new shmget finds it */
        }
        return 0;
    }
    case SHM_LOCK:
    case SHM_UNLOCK: {
        struct shm_seg *s = (struct shm_seg *)ipc_lookup(IPC_SHM, id);
        if (!s)
            return -EINVAL;
        const struct process *p = current->proc;
        if (p->euid != 0) {
            if (p->euid != s->perm.uid && p->euid != s->perm.cuid)
                return -EPERM;
            if (cmd == SHM_LOCK && p->rlim[RLIMIT_MEMLOCK].cur == 0)
                return -EPERM;
        }
        /* Memory is never swapped out by the LibOS: the flag is all there is to it. */
        if (cmd == SHM_LOCK)
            s->perm.mode |= SHM_LOCKED;
        else
            s->perm.mode &= ~(uint32_t)SHM_LOCKED;
        return 0;
    }
    default:
        return -EINVAL;
    }
}

long shm_proc_text(char **out)
{
    struct sysv_state *st = sysv();
    int n = st ? st->ids[IPC_SHM].in_use : 0;
    size_t cap = 256 + (size_t)n * 256, len = 0;
    char *b = kmalloc(cap);
    if (!b)
        return -ENOMEM;
    len += (size_t)al_snprintf(b, cap, "       key      shmid perms                  size  cpid  lpid "
                               "nattch   uid   gid  cuid  cgid      atime      dtime      ctime  "
                               "                 rss                  swap\n");
    for (int i = 0; st && i < IPCMNI; i++) {
        const struct shm_seg *s = (const struct shm_seg *)st->ids[IPC_SHM].slot[i];
        if (!s)
            continue;
        len += (size_t)al_snprintf(b + len, cap - len,
                                   "%10d %10d  %4o %21lu %5d %5d  %5lu %5u %5u %5u %5u %10ld "
                                   "%10ld %10ld %21lu %21lu\n",
                                   s->perm.key, s->perm.id, s->perm.mode,
                                   (unsigned long)s->size, s->cpid, s->lpid,
                                   (unsigned long)s->nattch, s->perm.uid, s->perm.gid,
                                   s->perm.cuid, s->perm.cgid, (long)s->atime, (long)s->dtime,
                                   (long)s->ctime, 0ul, 0ul);
    }
    *out = b;
    return (long)len;
}
