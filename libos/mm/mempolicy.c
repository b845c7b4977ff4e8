/*
 * mempolicy.c - NUMA memory policies for an enclave with one memory node (node 0):
 * set_mempolicy, get_mempolicy and mbind, with Linux's argument checks (mm/mempolicy.c).
 *
 * The process policy is recorded (inherited by fork, kept by exec) and reported back; with
 * one node every policy places memory the same way, so nothing else changes.  Deliberately
 * left out: mbind checks and accepts a range but records no per-mapping policy, so
 * get_mempolicy(MPOL_F_ADDR) always reports MPOL_DEFAULT for a mapped address.
 */
#include "libos.h"
#include "proc/proc.h"
#include "mm/mm.h"

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
#define MPOL_WEIGHTED_INTERLEAVE 6
#define MPOL_MAX 7
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_MODE_FLAGS (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MAX_NUMNODES 1024 /* Debian's CONFIG_NODES_SHIFT=10 */
#define NR_NODE_IDS 1

struct nodemask {
    uint64_t w[MAX_NUMNODES / 64];
};

static int nodes_empty(const struct nodemask *n)
{
    for (unsigned i = 0; i < ARRAY_SIZE(n->w); i++)
        if (n->w[i])
            return 0;
    return 1;
}

/* Linux's sanitize_mpol_flags. */
static int split_mode(int *mode, int *flags)
{
    *flags = *mode & MPOL_MODE_FLAGS;
    *mode &= ~MPOL_MODE_FLAGS;
    if ((unsigned)*mode >= MPOL_MAX)
        return -EINVAL;
    if ((*flags & MPOL_F_STATIC_NODES) && (*flags & MPOL_F_RELATIVE_NODES))
        return -EINVAL;
    if ((*flags & MPOL_F_NUMA_BALANCING) && *mode != MPOL_BIND && *mode != MPOL_PREFERRED_MANY)
        return -EINVAL;
    return 0;
}

/* Linux's get_nodes: maxnode - 1 bits from the program; bits beyond MAX_NUMNODES must be
 * zero. */
static int get_nodes(struct nodemask *n, uint64_t umask, uint64_t maxnode)
{
    al_memset(n, 0, sizeof(*n));
    maxnode--;
    if (maxnode == 0 || !umask)
        return 0;
    if (maxnode > PAGE_SIZE * 8)
        return -EINVAL;
    while (maxnode > MAX_NUMNODES) {
        /* Linux reads the word holding bit maxnode - 1, whole, and walks down. */
        uint64_t bits = MIN(maxnode, 64ull), t;
        if (copy_from_user(&t, umask + (maxnode - 1) / 64 * 8, 8))
            return -EFAULT;
        if (bits < 64)
            t &= (1ull << bits) - 1;
        if (maxnode - bits >= MAX_NUMNODES)
            maxnode -= bits;
        else
            maxnode = MAX_NUMNODES; /* MAX_NUMNODES is a multiple of 64: t counts whole */
        if (t)
            return -EINVAL;
    }
    uint64_t words = (maxnode + 63) / 64;
    if (copy_from_user(n->w, umask, words * 8))
        return -EFAULT;
    if (maxnode % 64)
        n->w[words - 1] &= (1ull << (maxnode % 64)) - 1;
    return 0;
}

/* Linux's mpol_new + mpol_set_nodemask for a machine whose only node is 0: the node set
 * the policy uses (bit 0), or -EINVAL. */
static int policy_nodes(int mode, int flags, const struct nodemask *n, uint64_t *nodes)
{
    *nodes = 0;
    if (mode == MPOL_DEFAULT)
        return nodes_empty(n) ? 0 : -EINVAL;
    if (mode == MPOL_PREFERRED && nodes_empty(n)) {
        if (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
            return -EINVAL;
        return 0; /* becomes MPOL_LOCAL */
    }
    if (mode == MPOL_LOCAL) {
        if (!nodes_empty(n) || (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)))
            return -EINVAL;
        return 0;
    }
    if (nodes_empty(n))
        return -EINVAL;
    /* Relative nodes fold onto the allowed ones (all onto node 0); others keep node 0 if
     * asked for, and nothing else exists. */
    if ((flags & MPOL_F_RELATIVE_NODES) || (n->w[0] & 1))
        *nodes = 1;
    return *nodes ? 0 : -EINVAL;
}

SYS(set_mempolicy)
{
    struct process *p = current->proc;
    int mode = (int)a0, flags;
    struct nodemask n;
    int r = split_mode(&mode, &flags);
    if (r < 0)
        return r;
    r = get_nodes(&n, (uint64_t)a1, (uint64_t)a2);
    if (r < 0)
        return r;
    uint64_t nodes;
    r = policy_nodes(mode, flags, &n, &nodes);
    if (r < 0)
        return r;
    if (mode == MPOL_PREFERRED && !nodes)
        mode = MPOL_LOCAL;
    p->mpol_mode = mode;
    p->mpol_flags = mode == MPOL_DEFAULT ? 0 : (flags & ~MPOL_F_NUMA_BALANCING);
    p->mpol_nodes = nodes;
    al_memcpy(p->mpol_user, n.w, sizeof(p->mpol_user));
    return 0;
}

/* Linux's copy_nodes_to_user for nr_node_ids == 1. */
static long nodes_out(uint64_t umask, uint64_t maxnode, const uint64_t *w)
{
    uint64_t copy = ((maxnode - 1 + 63) & ~63ull) / 8;
    uint64_t nbytes = 8;
    if (copy > nbytes) {
        if (copy > PAGE_SIZE)
            return -EINVAL;
        if (clear_user(umask + nbytes, copy - nbytes))
            return -EFAULT;
        copy = nbytes;
    }
    return copy_to_user(umask, w, copy);
}

SYS(get_mempolicy)
{
    struct process *p = current->proc;
    uint64_t upol = (uint64_t)a0, umask = (uint64_t)a1, maxnode = (uint64_t)a2;
    uint64_t addr = (uint64_t)a3, flags = (uint64_t)a4;
    if (umask && maxnode < NR_NODE_IDS)
        return -EINVAL;
    if (flags & ~(uint64_t)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
        return -EINVAL;
    int pol = 0;
    uint64_t mask[16];
    al_memset(mask, 0, sizeof(mask));
    if (flags & MPOL_F_MEMS_ALLOWED) {
        if (flags & (MPOL_F_NODE | MPOL_F_ADDR))
            return -EINVAL;
        mask[0] = 1;
    } else if (flags & MPOL_F_ADDR) {
        if (!mm_range_mapped(&p->mm, addr, addr + 1))
            return -EFAULT;
        /* No per-mapping policies: the default one; MPOL_F_NODE gives the page's node. */
        pol = 0;
    } else {
        if (addr)
            return -EINVAL;
        if (flags & MPOL_F_NODE) {
            if (p->mpol_mode != MPOL_INTERLEAVE && p->mpol_mode != MPOL_WEIGHTED_INTERLEAVE)
                return -EINVAL;
            pol = 0; /* the next interleave node: there is one */
        } else {
            pol = p->mpol_mode | (p->mpol_mode ? p->mpol_flags : 0);
        }
        if (p->mpol_flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
            al_memcpy(mask, p->mpol_user, sizeof(mask));
        else if (p->mpol_mode != MPOL_DEFAULT && p->mpol_mode != MPOL_LOCAL)
            mask[0] = p->mpol_nodes;
    }
    if (upol && copy_to_user(upol, &pol, sizeof(pol)))
        return -EFAULT;
    if (umask)
        return nodes_out(umask, maxnode, mask);
    return 0;
}

/* mbind(2): Linux's checks (do_mbind) on the range and the policy; the range must be
 * mapped without holes (EFAULT).  Nothing is recorded (see the top of the file). */
SYS(mbind)
{
    struct process *p = current->proc;
    uint64_t start = (uint64_t)a0, len = (uint64_t)a1;
    int mode = (int)a2, mflags;
    unsigned long flags = (unsigned long)a5;
    struct nodemask n;
    int r = split_mode(&mode, &mflags);
    if (r < 0)
        return r;
    r = get_nodes(&n, (uint64_t)a3, (uint64_t)a4);
    if (r < 0)
        return r;
    if (flags & ~7ul) /* MPOL_MF_STRICT | MOVE | MOVE_ALL */
        return -EINVAL;
    if ((flags & 4) && p->euid != 0)
        return -EPERM;
    if (start & (PAGE_SIZE - 1))
        return -EINVAL;
    uint64_t end = start + PAGE_UP(len);
    if (end < start)
        return -EINVAL;
    if (end == start)
        return 0;
    uint64_t nodes;
    r = policy_nodes(mode, mflags, &n, &nodes);
    if (r < 0)
        return r;
    if (!access_ok(start, end - start) || !mm_range_mapped(&p->mm, start, end))
        return -EFAULT;
    return 0;
}
