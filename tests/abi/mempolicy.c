/* set_mempolicy/get_mempolicy/mbind on a machine with one memory node: modes, flags, node masks, errors. */
#include "abi.h"
#include <sys/mman.h>

static void show(const char *label)
{
    int mode = -1;
    unsigned long mask[2] = {0xdead, 0xdead};
    long r = syscall(SYS_get_mempolicy, &mode, mask, 128UL, NULL, 0UL);
    if (r < 0)
        printf("%s: get_mempolicy %s\n", label, errname(errno));
    else
        printf("%s: mode %#x mask %lx %lx\n", label, mode, mask[0], mask[1]);
}

int main(void)
{
    unsigned long one = 1, two = 2, none = 0, big[20];
    memset(big, 0, sizeof big);
    show("initial");
    R("get: maxnode 0 with a mask", syscall(SYS_get_mempolicy, NULL, &one, 0UL, NULL, 0UL));
    R("get: bad flags", syscall(SYS_get_mempolicy, NULL, NULL, 0UL, NULL, 8UL));
    R("get: addr without MPOL_F_ADDR", syscall(SYS_get_mempolicy, NULL, NULL, 0UL, (void *)4096, 0UL));
    R("get: MEMS_ALLOWED with NODE", syscall(SYS_get_mempolicy, NULL, NULL, 0UL, NULL, 5UL));
    unsigned long m[2] = {0, 0};
    int mode = -1;
    R("get: MEMS_ALLOWED", syscall(SYS_get_mempolicy, &mode, m, 128UL, NULL, 4UL));
    printf("  allowed %lx %lx mode %d\n", m[0], m[1], mode);
    R("get: NODE with the default policy", syscall(SYS_get_mempolicy, &mode, NULL, 0UL, NULL, 1UL));
    R("get: bad policy pointer", syscall(SYS_get_mempolicy, (void *)8, NULL, 0UL, NULL, 0UL));
    R("get: bad mask pointer", syscall(SYS_get_mempolicy, &mode, (void *)8, 64UL, NULL, 0UL));
    R("get: huge maxnode", syscall(SYS_get_mempolicy, &mode, big, 1UL << 20, NULL, 0UL));
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST((long)p);
    p[0] = 1;
    R("get: ADDR", syscall(SYS_get_mempolicy, &mode, NULL, 0UL, p, 2UL));
    printf("  mode %d\n", mode);
    R("get: ADDR|NODE", syscall(SYS_get_mempolicy, &mode, NULL, 0UL, p, 3UL));
    printf("  node %d\n", mode);
    R("get: ADDR unmapped", syscall(SYS_get_mempolicy, &mode, NULL, 0UL, (void *)4096, 2UL));

    R("set: bad mode", syscall(SYS_set_mempolicy, 7, NULL, 0UL));
    R("set: STATIC|RELATIVE", syscall(SYS_set_mempolicy, 2 | (3 << 14), &one, 64UL));
    R("set: NUMA_BALANCING with interleave", syscall(SYS_set_mempolicy, 3 | (1 << 13), &one, 64UL));
    R("set: DEFAULT with nodes", syscall(SYS_set_mempolicy, 0, &one, 64UL));
    R("set: BIND without nodes", syscall(SYS_set_mempolicy, 2, &none, 64UL));
    R("set: BIND node 1 only", syscall(SYS_set_mempolicy, 2, &two, 64UL));
    R("set: bad mask pointer", syscall(SYS_set_mempolicy, 2, (void *)8, 64UL));
    R("set: maxnode too big", syscall(SYS_set_mempolicy, 2, &one, 40000UL));
    big[0] = 1;
    big[17] = 1;
    R("set: a bit beyond MAX_NUMNODES", syscall(SYS_set_mempolicy, 2, big, 1200UL));
    big[17] = 0;
    R("set: BIND node 0, long mask", syscall(SYS_set_mempolicy, 2, big, 1200UL));
    show("bind");
    R("set: INTERLEAVE node 0", syscall(SYS_set_mempolicy, 3, &one, 64UL));
    show("interleave");
    R("get: NODE under interleave", syscall(SYS_get_mempolicy, &mode, NULL, 0UL, NULL, 1UL));
    printf("  next node %d\n", mode);
    R("set: PREFERRED empty (local)", syscall(SYS_set_mempolicy, 1, &none, 64UL));
    show("preferred empty");
    R("set: PREFERRED empty, STATIC", syscall(SYS_set_mempolicy, 1 | (1 << 15), &none, 64UL));
    R("set: LOCAL", syscall(SYS_set_mempolicy, 4, NULL, 0UL));
    show("local");
    R("set: LOCAL with nodes", syscall(SYS_set_mempolicy, 4, &one, 64UL));
    R("set: BIND node 1, RELATIVE", syscall(SYS_set_mempolicy, 2 | (1 << 14), &two, 64UL));
    show("relative");
    R("set: BIND node 0|1, STATIC", syscall(SYS_set_mempolicy, 2 | (1 << 15), (unsigned long[]){3}, 64UL));
    show("static");
    R("set: PREFERRED_MANY node 0", syscall(SYS_set_mempolicy, 5, &one, 64UL));
    show("preferred many");
    pid_t c = fork();
    if (c == 0) {
        show("child");
        _exit(0);
    }
    wait_report("child", c);
    R("set: DEFAULT", syscall(SYS_set_mempolicy, 0, NULL, 0UL));
    show("default");

    R("mbind BIND node 0", syscall(SYS_mbind, p, 8192UL, 2, &one, 64UL, 0U));
    R("mbind DEFAULT", syscall(SYS_mbind, p, 8192UL, 0, NULL, 0UL, 0U));
    R("mbind len 0", syscall(SYS_mbind, p, 0UL, 2, &one, 64UL, 0U));
    R("mbind unaligned", syscall(SYS_mbind, p + 1, 4096UL, 2, &one, 64UL, 0U));
    R("mbind bad flags", syscall(SYS_mbind, p, 4096UL, 2, &one, 64UL, 8U));
    R("mbind STRICT|MOVE", syscall(SYS_mbind, p, 4096UL, 2, &one, 64UL, 3U));
    R("mbind bad mode", syscall(SYS_mbind, p, 4096UL, 9, &one, 64UL, 0U));
    R("mbind BIND no nodes", syscall(SYS_mbind, p, 4096UL, 2, &none, 64UL, 0U));
    R("mbind node 1 only", syscall(SYS_mbind, p, 4096UL, 2, &two, 64UL, 0U));
    MUST(munmap(p + 4096, 4096));
    R("mbind over a hole", syscall(SYS_mbind, p, 8192UL, 2, &one, 64UL, 0U));
    R("mbind unmapped", syscall(SYS_mbind, (void *)4096, 4096UL, 2, &one, 64UL, 0U));
    R("mbind wrapping", syscall(SYS_mbind, (void *)-4096L, 8192UL, 2, &one, 64UL, 0U));
    return 0;
}
