/* SIGABRT via raise() and via abort() with a handler that leaves by siglongjmp. */
#include "abi.h"

static sigjmp_buf jb;
static volatile int hits, code;

static void h(int s, siginfo_t *si, void *uc)
{
    (void)uc; (void)s;
    hits++;
    code = si->si_code;
    siglongjmp(jb, 1);
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGABRT, &sa, NULL);

    if (sigsetjmp(jb, 1) == 0) {
        raise(SIGABRT);
        printf("raise returned?\n");
    }
    printf("raise: hits=%d code_is_tkill=%d\n", hits, code == SI_TKILL);

    /* (abort with SIGABRT blocked differs between glibc and musl: not tested) */
    if (sigsetjmp(jb, 1) == 0) {
        abort();
    }
    printf("abort: hits=%d\n", hits);
    struct sigaction cur;
    sigaction(SIGABRT, NULL, &cur);
    printf("handler still installed: %d\n", cur.sa_sigaction == h);

    /* kill(getpid()) gives SI_USER */
    if (sigsetjmp(jb, 1) == 0)
        kill(getpid(), SIGABRT);
    printf("kill: hits=%d code_is_user=%d\n", hits, code == SI_USER);
    return 0;
}
