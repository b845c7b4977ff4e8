/* SIGILL from ud2 (ILL_ILLOPN), si_addr is the instruction; privileged instruction
 * (hlt) gives SIGSEGV/SI_KERNEL, int3 gives SIGTRAP. */
#include "abi.h"

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

extern char ud2_here[];

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);

    if (sigsetjmp(jb, 1) == 0) {
        __asm__ volatile(".globl ud2_here\nud2_here: ud2");
        printf("no fault?\n");
    }
    printf("ud2: signo=%d code=%s addr==insn: %s\n", sig,
           code == ILL_ILLOPN ? "ILL_ILLOPN" : code == ILL_ILLOPC ? "ILL_ILLOPC" : "?",
           addr == (void *)ud2_here ? "yes" : "no");

    sig = 0;
    if (sigsetjmp(jb, 1) == 0)
        __asm__ volatile("hlt");
    printf("hlt: signo=%d code_is_kernel=%d\n", sig, code == SI_KERNEL);

    sig = 0;
    if (sigsetjmp(jb, 1) == 0)
        __asm__ volatile("int3");
    printf("int3: signo=%d code_is_kernel=%d\n", sig, code == SI_KERNEL);
    return 0;
}
