/* mremap: grow in place / with MREMAP_MAYMOVE, shrink, MREMAP_FIXED, errors. */
#include "abi.h"
#include <sys/mman.h>

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

static int pattern_ok(const char *p, long n)
{
    for (long i = 0; i < n; i++)
        if (p[i] != (char)(i * 13))
            return 0;
    return 1;
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    /* reserve a hole after the mapping so an in-place grow can succeed */
    char *area = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(area + 2 * pg, 6 * pg);
    char *p = mmap(area, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0);
    for (long i = 0; i < 2 * pg; i++)
        p[i] = (char)(i * 13);
    char *g = mremap(p, 2 * pg, 4 * pg, 0);
    YN("grow in place ok", g == p);
    YN("contents kept", pattern_ok(g, 2 * pg));
    YN("new part zero", g[3 * pg] == 0);
    g[4 * pg - 1] = 1;

    /* block growth with a neighbour; without MAYMOVE -> ENOMEM */
    char *wall = mmap(g + 4 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    YN("wall placed", wall == g + 4 * pg);
    errno = 0;
    void *r = mremap(g, 4 * pg, 8 * pg, 0);
    printf("grow blocked: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "ok", errname(errno));
    char *m = mremap(g, 4 * pg, 8 * pg, MREMAP_MAYMOVE);
    YN("MAYMOVE ok", m != MAP_FAILED);
    YN("moved", m != g);
    YN("contents moved", pattern_ok(m, 2 * pg) && m[4 * pg - 1] == 1);
    YN("old range unmapped", mprotect(g, pg, PROT_READ) == -1 && errno == ENOMEM);

    char *s = mremap(m, 8 * pg, 2 * pg, 0);
    YN("shrink in place", s == m);
    YN("shrink kept data", pattern_ok(s, 2 * pg));

    char *target = mmap(NULL, 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *f = mremap(s, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, target);
    YN("MREMAP_FIXED to target", f == target);
    YN("fixed contents", pattern_ok(f, 2 * pg));

    errno = 0;
    r = mremap(f, 2 * pg, 4 * pg, MREMAP_FIXED, target + 8 * pg);
    printf("FIXED without MAYMOVE: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "ok", errname(errno));
    errno = 0;
    r = mremap(f + 1, pg, 2 * pg, MREMAP_MAYMOVE);
    printf("unaligned old: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "ok", errname(errno));
    errno = 0;
    r = mremap(f, pg, 0, MREMAP_MAYMOVE);
    printf("new size 0: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "ok", errname(errno));
    errno = 0;
    r = mremap(f, pg, 2 * pg, 0x80);
    printf("bad flags: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "ok", errname(errno));
    char *hole = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, pg);
    errno = 0;
    r = mremap(hole, pg, 2 * pg, MREMAP_MAYMOVE);
    printf("unmapped old: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "ok", errname(errno));
    return 0;
}
