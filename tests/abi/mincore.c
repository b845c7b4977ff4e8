/* mincore(2): a touched page is resident; unaligned address, holes, bad vector, len 0. */
#include "abi.h"
#include <sys/mman.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char vec[4];
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST((long)p);
    p[0] = 1;
    R("touched page", syscall(SYS_mincore, p, pg, vec));
    YN("resident", vec[0] & 1);
    R("len not a page multiple", syscall(SYS_mincore, p, pg + 1, vec));
    R("len 0", syscall(SYS_mincore, p, 0, vec));
    R("unaligned address", syscall(SYS_mincore, p + 1, pg, vec));
    R("bad vector", syscall(SYS_mincore, p, pg, (void *)8));
    MUST(munmap(p + 2 * pg, pg));
    R("hole in the range", syscall(SYS_mincore, p, 4 * pg, vec));
    R("kernel address", syscall(SYS_mincore, (void *)0xffff800000000000ul, pg, vec));
    return 0;
}
