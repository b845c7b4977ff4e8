/*
 * cred.c - user and group identities of a process (set*id and chown).
 *
 * The enclave has its own identities: a process starts as root (0) and may drop or change
 * them with the usual Linux rules.  They decide what a process may do to its own
 * credentials; host files are accessed with the backend's identity.
 */
#include "libos.h"
#include "proc/proc.h"

#define KEEP ((uint32_t)-1)

static int privileged(void)
{
    return current->proc->euid == 0;
}

/* One of the process's current ids (real, effective, saved)? */
static int is_own(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
    return id == r || id == e || id == s;
}

static long set_res(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, uint32_t nr, uint32_t ne,
                    uint32_t ns)
{
    if (!privileged()) {
        if ((nr != KEEP && !is_own(nr, *r, *e, *s)) || (ne != KEEP && !is_own(ne, *r, *e, *s)) ||
            (ns != KEEP && !is_own(ns, *r, *e, *s)))
            return -EPERM;
    }
    if (nr != KEEP)
        *r = nr;
    if (ne != KEEP)
        *e = ne;
    if (ns != KEEP)
        *s = ns;
    *fs = *e;
    return 0;
}

SYS(setresuid)
{
    struct process *p = current->proc;
    return set_res(&p->ruid, &p->euid, &p->suid, &p->fsuid, (uint32_t)a0, (uint32_t)a1, (uint32_t)a2);
}

SYS(setresgid)
{
    struct process *p = current->proc;
    if (!privileged() && !(is_own((uint32_t)a0, p->rgid, p->egid, p->sgid) || (uint32_t)a0 == KEEP))
        return -EPERM;
    return set_res(&p->rgid, &p->egid, &p->sgid, &p->fsgid, (uint32_t)a0, (uint32_t)a1, (uint32_t)a2);
}

SYS(setuid)
{
    struct process *p = current->proc;
    uint32_t id = (uint32_t)a0;
    if (id == KEEP)
        return -EINVAL;
    if (privileged()) {
        p->ruid = p->euid = p->suid = p->fsuid = id;
        return 0;
    }
    if (id != p->ruid && id != p->suid)
        return -EPERM;
    p->euid = p->fsuid = id;
    return 0;
}

SYS(setgid)
{
    struct process *p = current->proc;
    uint32_t id = (uint32_t)a0;
    if (id == KEEP)
        return -EINVAL;
    if (privileged()) {
        p->rgid = p->egid = p->sgid = p->fsgid = id;
        return 0;
    }
    if (id != p->rgid && id != p->sgid)
        return -EPERM;
    p->egid = p->fsgid = id;
    return 0;
}

SYS(setreuid)
{
    struct process *p = current->proc;
    uint32_t r = (uint32_t)a0, e = (uint32_t)a1;
    if (!privileged() && ((r != KEEP && r != p->ruid && r != p->euid) ||
                          (e != KEEP && !is_own(e, p->ruid, p->euid, p->suid))))
        return -EPERM;
    uint32_t old_r = p->ruid;
    if (r != KEEP)
        p->ruid = r;
    if (e != KEEP)
        p->euid = e;
    /* The saved id follows the effective one when the real id is set or euid != old ruid. */
    if (r != KEEP || (e != KEEP && e != old_r))
        p->suid = p->euid;
    p->fsuid = p->euid;
    return 0;
}

SYS(setregid)
{
    struct process *p = current->proc;
    uint32_t r = (uint32_t)a0, e = (uint32_t)a1;
    if (!privileged() && ((r != KEEP && r != p->rgid && r != p->egid) ||
                          (e != KEEP && !is_own(e, p->rgid, p->egid, p->sgid))))
        return -EPERM;
    uint32_t old_r = p->rgid;
    if (r != KEEP)
        p->rgid = r;
    if (e != KEEP)
        p->egid = e;
    if (r != KEEP || (e != KEEP && e != old_r))
        p->sgid = p->egid;
    p->fsgid = p->egid;
    return 0;
}

SYS(setfsuid)
{
    struct process *p = current->proc;
    uint32_t old = p->fsuid;
    if (privileged() || is_own((uint32_t)a0, p->ruid, p->euid, p->suid))
        p->fsuid = (uint32_t)a0;
    return old;
}

SYS(setfsgid)
{
    struct process *p = current->proc;
    uint32_t old = p->fsgid;
    if (privileged() || is_own((uint32_t)a0, p->rgid, p->egid, p->sgid))
        p->fsgid = (uint32_t)a0;
    return old;
}

/* ---- supplementary groups ------------------------------------------------------------ */

#define NGROUPS_MAX 65536

int groups_fork(struct process *c)
{
    const struct process *p = current->proc;
    c->groups = NULL;
    c->ngroups = p->ngroups;
    if (!p->ngroups)
        return 0;
    c->groups = kmalloc(sizeof(uint32_t) * (size_t)p->ngroups);
    if (!c->groups)
        return -ENOMEM;
    al_memcpy(c->groups, p->groups, sizeof(uint32_t) * (size_t)p->ngroups);
    return 0;
}

/* setgroups(2): EPERM without privilege, EINVAL above NGROUPS_MAX, EFAULT; the list is
 * kept sorted (Linux's groups_sort()), duplicates included, and replaces the process's
 * own.  The groups decide nothing inside the enclave yet (host files are accessed with the
 * backend's identity); they are reported by getgroups and /proc/PID/status. */
SYS(setgroups)
{
    int n = (int)a0;
    if (!privileged())
        return -EPERM;
    if ((unsigned)n > NGROUPS_MAX)
        return -EINVAL;
    uint32_t *g = NULL;
    if (n) {
        g = kmalloc(sizeof(uint32_t) * (size_t)n);
        if (!g)
            return -ENOMEM;
        if (copy_from_user(g, (uint64_t)a1, sizeof(uint32_t) * (size_t)n)) {
            kfree(g);
            return -EFAULT;
        }
        /* Shell sort: the list may hold 65536 entries. */
        for (int gap = n / 2; gap > 0; gap /= 2)
            for (int i = gap; i < n; i++)
                for (int j = i; j >= gap && g[j - gap] > g[j]; j -= gap) {
                    uint32_t x = g[j];
                    g[j] = g[j - gap];
                    g[j - gap] = x;
                }
    }
    struct process *p = current->proc;
    kfree(p->groups);
    p->groups = g;
    p->ngroups = n;
    return 0;
}

/* getgroups(2): size 0 asks for the count; a smaller buffer than the list is EINVAL. */
SYS(getgroups)
{
    int size = (int)a0;
    const struct process *p = current->proc;
    if (size < 0)
        return -EINVAL;
    if (size) {
        if (p->ngroups > size)
            return -EINVAL;
        if (p->ngroups && copy_to_user((uint64_t)a1, p->groups, sizeof(uint32_t) * (size_t)p->ngroups))
            return -EFAULT;
    }
    return p->ngroups;
}

/* chown(2) and friends are in fs/vfs.c: who may change an owner is the VFS's check. */
