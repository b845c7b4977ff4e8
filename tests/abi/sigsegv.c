/* SIGSEGV from a NULL dereference and from a wild address, caught with SA_SIGINFO;
 * handler leaves with siglongjmp.  Prints si_signo, si_code and si_addr checks. */
#include "abi.h"
#include <sys/mman.h>

static sigjmp_buf jb;
static volatile int sig, code, errn;
static void *volatile addr;

static void h(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    sig = si->si_signo;
    code = si->si_code;
    errn = si->si_errno;
    addr = si->si_addr;
    (void)s;
    siglongjmp(jb, 1);
}

static const char *cname(int c)
{
    return c == SEGV_MAPERR ? "SEGV_MAPERR" : c == SEGV_ACCERR ? "SEGV_ACCERR" : c == SI_KERNEL ? "SI_KERNEL" : "?";
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    R("sigaction", sigaction(SIGSEGV, &sa, NULL));

    if (sigsetjmp(jb, 1) == 0) {
        *(volatile int *)0 = 1;
        printf("no fault?\n");
    }
    printf("null write: signo=%d code=%s si_errno=%d addr==0: %s\n", sig, cname(code), errn,
           addr == 0 ? "yes" : "no");

    sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        volatile int v = *(volatile int *)8;
        (void)v;
    }
    printf("read at 8: signo=%d code=%s addr==8: %s\n", sig, cname(code), addr == (void *)8 ? "yes" : "no");

    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p, pg);
    sig = 0;
    if (sigsetjmp(jb, 1) == 0)
        p[100] = 1;
    printf("unmapped page: signo=%d code=%s addr exact: %s\n", sig, cname(code),
           addr == p + 100 ? "yes" : "no");

    /* non-canonical address: general protection -> SI_KERNEL, si_addr 0 */
    sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        volatile int v = *(volatile int *)0x8000000000000000UL;
        (void)v;
    }
    printf("non-canonical: signo=%d code=%s addr==0: %s\n", sig, cname(code), addr == 0 ? "yes" : "no");

    /* jump to a NULL function pointer */
    sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        void (*volatile fn)(void) = 0;
        fn();
    }
    printf("call NULL: signo=%d code=%s addr==0: %s\n", sig, cname(code), addr == 0 ? "yes" : "no");

    /* the handler is still installed (no SA_RESETHAND) and mask was restored */
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SEGV blocked after longjmp: %d\n", sigismember(&cur, SIGSEGV));
    return 0;
}
