/* A program that mprotects its own text PROT_READ|PROT_EXEC (and PROT_READ alone, reading
 * it meanwhile) keeps working, and reads back its original bytes while the page is not
 * executable. */
#include "fast.h"
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The site alone in a page of its own, so the test can take exec away from that page. */
__asm__(".section .text.alone,\"ax\",@progbits\n.balign 4096\n"
        ".globl site_getppid\nsite_getppid:\n.globl site_getppid_site\nsite_getppid_site:\n"
        "mov $110, %eax\nsyscall\nret\n.balign 4096\n.text\n");
long site_getppid(long a, long b, long c);
extern const unsigned char site_getppid_site[];

int main(void)
{
    long ppid = getppid();
    unsigned char orig[7];
    memcpy(orig, site_getppid_site, 7); /* before any call: the original bytes */
    for (int i = 0; i < 3; i++)
        CHECK(site_getppid(0, 0, 0) == ppid, "getppid before");
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t page = (uintptr_t)site_getppid_site & ~(uintptr_t)(pg - 1);
    CHECK(mprotect((void *)page, pg, PROT_READ | PROT_EXEC) == 0, "mprotect r-x");
    CHECK(memcmp(orig, site_getppid_site, 7) == 0, "original bytes after mprotect r-x");
    for (int i = 0; i < 3; i++)
        CHECK(site_getppid(0, 0, 0) == ppid, "getppid after r-x");
    CHECK(mprotect((void *)page, pg, PROT_READ) == 0, "mprotect r--");
    CHECK(memcmp(orig, site_getppid_site, 7) == 0, "original bytes while r--");
    CHECK(mprotect((void *)page, pg, PROT_READ | PROT_EXEC) == 0, "mprotect r-x again");
    for (int i = 0; i < 3; i++)
        CHECK(site_getppid(0, 0, 0) == ppid, "getppid at the end");
    printf("ok\n");
    fprintf(stderr, "patched=%d\n", PATCHED(site_getppid));
    return 0;
}
