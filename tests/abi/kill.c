/* kill / tgkill / tkill / sigqueue to ourselves: delivery, siginfo, errors. */
#include "abi.h"

static volatile int hits, code, val, pid_ok;

static void h(int s, siginfo_t *si, void *uc)
{
    (void)s; (void)uc;
    hits++;
    code = si->si_code;
    val = si->si_value.sival_int;
    pid_ok = si->si_pid == getpid();
}

static const char *cname(int c)
{
    return c == SI_USER ? "SI_USER" : c == SI_TKILL ? "SI_TKILL" : c == SI_QUEUE ? "SI_QUEUE" : "?";
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGRTMIN, &sa, NULL);

    R("kill self 0", kill(getpid(), 0));
    R("kill self USR1", kill(getpid(), SIGUSR1));
    printf("hits=%d code=%s pid_ok=%d\n", hits, cname(code), pid_ok);
    R("tgkill", syscall(SYS_tgkill, getpid(), xgettid(), SIGUSR1));
    printf("hits=%d code=%s pid_ok=%d\n", hits, cname(code), pid_ok);
    R("tkill", syscall(SYS_tkill, xgettid(), SIGUSR1));
    printf("hits=%d code=%s\n", hits, cname(code));
    union sigval v;
    v.sival_int = 4242;
    R("sigqueue", sigqueue(getpid(), SIGRTMIN, v));
    printf("hits=%d code=%s value=%d\n", hits, cname(code), val);

    R("kill bad signal", kill(getpid(), 999));
    R("kill negative signal", kill(getpid(), -1));
    R("kill missing pid", kill(0x7ffffff0, 0));
    R("tgkill wrong tgid", syscall(SYS_tgkill, 0x7ffffff0, xgettid(), SIGUSR1));
    R("tgkill bad tid", syscall(SYS_tgkill, getpid(), 0, SIGUSR1));
    R("tkill bad tid", syscall(SYS_tkill, -5, SIGUSR1));
    R("tgkill sig 0", syscall(SYS_tgkill, getpid(), xgettid(), 0));
    R("sigqueue bad sig", sigqueue(getpid(), 1000, v));
    printf("hits at end=%d\n", hits);
    return 0;
}
