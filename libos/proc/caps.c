/*
 * caps.c - capget(2) and capset(2): the enclave's capability sets of a process.
 *
 * The enclave's root may do everything the enclave implements, so a process whose sets
 * were never changed reports every capability (CAP_CHOWN .. CAP_CHECKPOINT_RESTORE) while
 * its euid is 0, and none otherwise.  capset changes the sets with Linux's rules
 * (security/commoncap.c: cap_capset); the sets are recorded and inherited over fork, and
 * exec recomputes them as for a root or non-root program without file capabilities.
 * Deliberately left out: the sets are per process, not per thread; the set*id calls do
 * not clear them; the core's own privilege checks still look at the euid, not at the
 * sets (calls that need a capability the enclave never grants are refused anyway:
 * kernel/refused.c).
 */
#include "libos.h"
#include "proc/proc.h"

#define CAP_V1 0x19980330u
#define CAP_V2 0x20071026u
#define CAP_V3 0x20080522u
#define CAP_VALID ((1ull << 41) - 1) /* CAP_LAST_CAP = 40 */
#define CAP_SETPCAP_BIT (1ull << 8)

struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};

static void caps_of(const struct process *p, uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
    if (p->caps_set) {
        *eff = p->cap_eff, *prm = p->cap_prm, *inh = p->cap_inh;
        return;
    }
    *eff = *prm = p->euid == 0 ? CAP_VALID : 0;
    *inh = 0;
}

int capable(int cap)
{
    uint64_t eff, prm, inh;
    caps_of(current->proc, &eff, &prm, &inh);
    return (eff >> cap) & 1;
}

void caps_exec(struct process *p)
{
    /* No file capabilities in the enclave: root gets the full sets again, others none. */
    p->caps_set = 0;
}

/* Linux's cap_validate_magic: the number of 32-bit words per set, or -EINVAL after telling
 * the caller the preferred version (libcap probes this way), or -EFAULT. */
static long cap_version(uint64_t uhdr, int *words)
{
    uint32_t v;
    if (copy_from_user(&v, uhdr, sizeof(v)))
        return -EFAULT;
    if (v == CAP_V1) {
        *words = 1;
        return 0;
    }
    if (v == CAP_V2 || v == CAP_V3) {
        *words = 2;
        return 0;
    }
    v = CAP_V3;
    if (copy_to_user(uhdr, &v, sizeof(v)))
        return -EFAULT;
    return -EINVAL;
}

SYS(capget)
{
    uint64_t uhdr = (uint64_t)a0, udata = (uint64_t)a1;
    int words = 0;
    long r = cap_version(uhdr, &words);
    if (!udata || r != 0)
        return (!udata && r == -EINVAL) ? 0 : r;
    struct cap_header h;
    if (copy_from_user(&h, uhdr, sizeof(h)))
        return -EFAULT;
    if (h.pid < 0)
        return -EINVAL;
    struct process *p = current->proc;
    if (h.pid != 0 && h.pid != p->pid) {
        struct thread *t = task_by_tid(h.pid);
        if (!t)
            return -ESRCH;
        p = t->proc;
    }
    uint64_t eff, prm, inh;
    caps_of(p, &eff, &prm, &inh);
    struct cap_data d[2] = {{(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
                            {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)}};
    return copy_to_user(udata, d, sizeof(d[0]) * (size_t)words);
}

SYS(capset)
{
    uint64_t uhdr = (uint64_t)a0, udata = (uint64_t)a1;
    int words = 0;
    long r = cap_version(uhdr, &words);
    if (r != 0)
        return r;
    struct cap_header h;
    if (copy_from_user(&h, uhdr, sizeof(h)))
        return -EFAULT;
    struct process *p = current->proc;
    if (h.pid != 0 && h.pid != current->tid)
        return -EPERM; /* only the caller's own sets */
    struct cap_data d[2];
    al_memset(d, 0, sizeof(d));
    if (copy_from_user(d, udata, sizeof(d[0]) * (size_t)words))
        return -EFAULT;
    uint64_t eff = (d[0].effective | (uint64_t)d[1].effective << 32) & CAP_VALID;
    uint64_t prm = (d[0].permitted | (uint64_t)d[1].permitted << 32) & CAP_VALID;
    uint64_t inh = (d[0].inheritable | (uint64_t)d[1].inheritable << 32) & CAP_VALID;
    uint64_t oeff, oprm, oinh;
    caps_of(p, &oeff, &oprm, &oinh);
    /* cap_capset's checks, in its order (the bounding set is every capability). */
    if (!(oeff & CAP_SETPCAP_BIT) && (inh & ~(oinh | oprm)))
        return -EPERM;
    if (prm & ~oprm)
        return -EPERM;
    if (eff & ~prm)
        return -EPERM;
    p->caps_set = 1;
    p->cap_eff = eff, p->cap_prm = prm, p->cap_inh = inh;
    return 0;
}
