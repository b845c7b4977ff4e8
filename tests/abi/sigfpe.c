/* SIGFPE from integer division by zero (FPE_INTDIV) and INT_MIN/-1, caught with
 * SA_SIGINFO; si_addr points at the faulting instruction. */
#include "abi.h"
#include <limits.h>

static sigjmp_buf jb;
static volatile int sig, code;
static void *volatile addr;

static void h(int s, siginfo_t *si, void *uc)
{
    (void)uc; (void)s;
    sig = si->si_signo;
    code = si->si_code;
    addr = si->si_addr;
    siglongjmp(jb, 1);
}

static const char *cname(int c)
{
    switch (c) {
    case FPE_INTDIV: return "FPE_INTDIV";
    case FPE_INTOVF: return "FPE_INTOVF";
    case FPE_FLTDIV: return "FPE_FLTDIV";
    default: return "?";
    }
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);

    volatile int zero = 0, num = 10, res = 0;
    if (sigsetjmp(jb, 1) == 0) {
        res = num / zero;
        printf("no fault? %d\n", res);
    }
    printf("int div 0: signo=%d code=%s addr!=0: %d\n", sig, cname(code), addr != 0);

    sig = 0;
    volatile long lz = 0, ln = 5;
    if (sigsetjmp(jb, 1) == 0) {
        volatile long r = ln % lz;
        (void)r;
    }
    printf("long mod 0: signo=%d code=%s\n", sig, cname(code));

    sig = 0;
    volatile int mn = INT_MIN, m1 = -1;
    if (sigsetjmp(jb, 1) == 0) {
        res = mn / m1;
        (void)res;
    }
    printf("INT_MIN/-1: signo=%d code=%s\n", sig, cname(code));

    /* floating point division by zero does not trap by default */
    sig = 0;
    volatile double dz = 0.0, d = 1.0 / dz;
    printf("float div 0: signo=%d inf=%d\n", sig, d > 1e308);

    /* raise(SIGFPE) gives SI_TKILL, not a fault code */
    sig = 0;
    if (sigsetjmp(jb, 1) == 0)
        raise(SIGFPE);
    printf("raise: signo=%d code_is_tkill=%d\n", sig, code == SI_TKILL);
    return 0;
}
