/* mprotect: write to PROT_READ -> SIGSEGV (SEGV_ACCERR) recovered with siglongjmp,
 * PROT_NONE read faults, upgrading restores access, errors. */
#include "abi.h"
#include <sys/mman.h>

static sigjmp_buf jb;
static volatile int sig, code, addr_ok;
static volatile char *expect;

static void h(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    sig = s;
    code = si->si_code;
    addr_ok = (si->si_addr == (void *)expect);
    siglongjmp(jb, 1);
}

static void try_write(const char *label, volatile char *p)
{
    sig = code = addr_ok = 0;
    expect = p;
    if (sigsetjmp(jb, 1) == 0) {
        *p = 'x';
        printf("%s: no fault\n", label);
    } else {
        printf("%s: signal=%d code=%s addr_ok=%d\n", label, sig,
               code == SEGV_ACCERR ? "SEGV_ACCERR" : code == SEGV_MAPERR ? "SEGV_MAPERR" : "?",
               addr_ok);
    }
}

static void try_read(const char *label, volatile char *p)
{
    sig = code = addr_ok = 0;
    expect = p;
    if (sigsetjmp(jb, 1) == 0) {
        volatile char c = *p;
        (void)c;
        printf("%s: no fault\n", label);
    } else {
        printf("%s: signal=%d code=%s addr_ok=%d\n", label, sig,
               code == SEGV_ACCERR ? "SEGV_ACCERR" : code == SEGV_MAPERR ? "SEGV_MAPERR" : "?",
               addr_ok);
    }
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    struct sigaction sa = {0};
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    try_write("write RW", p);
    R("mprotect READ", mprotect(p, pg, PROT_READ));
    try_write("write RO", p + 10);
    try_read("read RO", p + 10);
    try_write("neighbour still RW", p + pg);
    R("mprotect NONE", mprotect(p + pg, pg, PROT_NONE));
    try_read("read NONE", p + pg + 5);
    R("mprotect RW again", mprotect(p, 2 * pg, PROT_READ | PROT_WRITE));
    try_write("write after restore", p + 10);
    printf("value kept: %c\n", p[10]);
    R("raw mprotect unaligned", syscall(SYS_mprotect, p + 1, pg, PROT_READ));
    R("mprotect bad prot", mprotect(p, pg, 0x1000));
    R("mprotect len 0", mprotect(p, 0, PROT_READ));
    munmap(p + 2 * pg, pg);
    R("mprotect unmapped", mprotect(p + 2 * pg, pg, PROT_READ));
    try_write("write unmapped", p + 2 * pg);
    /* signal mask restored by siglongjmp(…,1): a second fault is still delivered */
    R("mprotect READ", mprotect(p, pg, PROT_READ));
    try_write("second fault", p);
    return 0;
}
