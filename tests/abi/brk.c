/* brk / sbrk: the raw brk syscall returns the current break, grows and shrinks it, refuses
 * absurd requests by returning the old break.  No libc call happens while the break is
 * moved by hand (libc caches the break). */
#include "abi.h"

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    printf("start\n"); /* let stdio allocate its buffer first */

    char *cur = (char *)syscall(SYS_brk, 0L);
    char *same = (char *)syscall(SYS_brk, 0L);
    char *grown = (char *)syscall(SYS_brk, cur + 4 * pg);
    int grow_ok = grown == cur + 4 * pg;
    int zero = 1;
    if (grow_ok) {
        for (long i = 0; i < 4 * pg; i++)
            if (cur[i])
                zero = 0;
        memset(cur, 0x5a, 4 * pg);
    }
    int written = grow_ok && cur[4 * pg - 1] == 0x5a;
    char *q = (char *)syscall(SYS_brk, 0L);
    char *shrunk = (char *)syscall(SYS_brk, cur + pg);
    char *huge = (char *)syscall(SYS_brk, cur + (1L << 46));
    char *low = (char *)syscall(SYS_brk, (char *)4096);
    char *back = (char *)syscall(SYS_brk, cur);
    /* growing again gives fresh zero pages */
    char *again = (char *)syscall(SYS_brk, cur + 2 * pg);
    int fresh = again == cur + 2 * pg && cur[pg] == 0 && cur[2 * pg - 1] == 0;
    char *restored = (char *)syscall(SYS_brk, cur);

    YN("brk(0) stable", same == cur);
    YN("grow returns new break", grow_ok);
    YN("new memory zeroed", zero);
    YN("new memory writable", written);
    YN("query after grow", q == cur + 4 * pg);
    YN("shrink", shrunk == cur + pg);
    YN("absurd grow refused (returns old)", huge == cur + pg);
    YN("below start refused", low == cur + pg);
    YN("back to start", back == cur);
    YN("regrow zero-filled", fresh);
    YN("restored", restored == cur);

    /* libc sbrk: glibc supports increments, musl only sbrk(0) */
    void *s0 = sbrk(0);
    YN("sbrk(0) == brk(0)", s0 == (void *)syscall(SYS_brk, 0L));
    errno = 0;
    char *s = sbrk(pg);
    if (s == (void *)-1) {
        printf("sbrk(pg): -1 %s\n", errname(errno));
    } else {
        s[pg - 1] = 1;
        char *e = sbrk(0);
        printf("sbrk(pg): ok, end advanced by pg: %s\n", e == s + pg ? "yes" : "no");
        sbrk(-pg);
    }
    /* malloc still works afterwards */
    char *m = malloc(100000);
    memset(m, 1, 100000);
    free(m);
    printf("malloc ok\n");
    return 0;
}
