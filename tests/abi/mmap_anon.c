/* mmap anonymous: zero-fill, read/write, MAP_FIXED, hints, munmap, error paths. */
#include "abi.h"
#include <sys/mman.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    printf("page size: %ld\n", pg);
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    YN("mmap ok", p != MAP_FAILED);
    YN("page aligned", ((uintptr_t)p & (pg - 1)) == 0);
    int zero = 1;
    for (long i = 0; i < 4 * pg; i++)
        if (p[i])
            zero = 0;
    YN("zero filled", zero);
    memset(p, 0xab, 4 * pg);
    YN("writable", (unsigned char)p[4 * pg - 1] == 0xab);

    /* MAP_FIXED over the middle replaces those pages with fresh zero pages */
    char *q = mmap(p + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0);
    YN("MAP_FIXED at requested address", q == p + pg);
    YN("fixed page zeroed", q[0] == 0 && q[pg - 1] == 0);
    YN("neighbours intact", (unsigned char)p[0] == 0xab && (unsigned char)p[2 * pg] == 0xab);

    R("munmap middle", munmap(p + 2 * pg, pg));
    R("munmap unaligned", munmap(p + 1, pg));
    R("munmap len 0", munmap(p, 0));
    R("munmap already unmapped", munmap(p + 2 * pg, pg));
    R("munmap rest", munmap(p, 4 * pg));

    errno = 0;
    void *r = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("len 0: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));
    errno = 0;
    r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 999, 0);
    printf("bad fd: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));
    errno = 0;
    r = mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0);
    printf("neither private nor shared: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped",
           errname(errno));
    errno = 0;
    r = mmap((void *)(uintptr_t)(pg + 1), pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
             -1, 0);
    printf("MAP_FIXED unaligned: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped",
           errname(errno));
    errno = 0;
    r = mmap(NULL, (size_t)1 << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("2^62 bytes: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));
    errno = 0;
    r = mmap(NULL, (size_t)-4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("len -4096: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));
    long rr = syscall(SYS_mmap, 0L, 0L, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
    printf("raw len 0: %ld %s\n", rr, errname(errno));

    /* a hint is honoured when free (not guaranteed, but Linux does) */
    char *h = mmap(NULL, 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(h, 2 * pg);
    char *h2 = mmap(h, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    YN("hint honoured", h2 == h);
    munmap(h2, pg);

    /* MAP_FIXED_NOREPLACE (0x100000) fails with EEXIST on an existing mapping */
    char *a = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = 0;
    r = mmap(a, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | 0x100000, -1, 0);
    printf("MAP_FIXED_NOREPLACE busy: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped",
           errname(errno));

    /* large mapping, touch sparse pages */
    size_t big = 256UL << 20;
    char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    YN("256MiB mapped", b != MAP_FAILED);
    for (size_t off = 0; off < big; off += 16UL << 20)
        b[off] = 1;
    YN("sparse touch ok", b[big - (16UL << 20)] == 1);
    R("munmap big", munmap(b, big));
    return 0;
}
