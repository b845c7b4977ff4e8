/* rt_sigaction / rt_sigprocmask / rt_sigpending: blocking, pending, delivery on unblock,
 * old-action/old-mask reporting, EINVAL paths, SIGKILL/SIGSTOP rules. */
#include "abi.h"

static volatile int hits, last;
static void h(int s) { hits++; last = s; }

static void show_pending(const char *label)
{
    sigset_t p;
    sigemptyset(&p);
    sigpending(&p);
    printf("%s: USR1=%d USR2=%d TERM=%d\n", label, sigismember(&p, SIGUSR1),
           sigismember(&p, SIGUSR2), sigismember(&p, SIGTERM));
}

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    R("sigaction USR1", sigaction(SIGUSR1, &sa, &old));
    printf("old handler was SIG_DFL: %d\n", old.sa_handler == SIG_DFL);
    R("sigaction USR2", sigaction(SIGUSR2, &sa, NULL));
    R("query", sigaction(SIGUSR1, NULL, &old));
    printf("query returns our handler: %d\n", old.sa_handler == h);

    sigset_t set, prev;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    R("block USR1", sigprocmask(SIG_BLOCK, &set, &prev));
    printf("prev had USR1: %d\n", sigismember(&prev, SIGUSR1));
    raise(SIGUSR1);
    raise(SIGUSR1); /* standard signals do not queue */
    printf("hits while blocked: %d\n", hits);
    show_pending("pending");
    raise(SIGUSR2);
    printf("USR2 delivered immediately: hits=%d last_is_usr2=%d\n", hits, last == SIGUSR2);
    R("unblock USR1", sigprocmask(SIG_UNBLOCK, &set, NULL));
    printf("after unblock: hits=%d last_is_usr1=%d\n", hits, last == SIGUSR1);
    show_pending("pending");

    /* SIG_SETMASK and reading the current mask */
    sigset_t cur;
    sigaddset(&set, SIGTERM);
    R("SIG_SETMASK", sigprocmask(SIG_SETMASK, &set, NULL));
    R("read mask", sigprocmask(SIG_BLOCK, NULL, &cur));
    printf("mask USR1=%d TERM=%d USR2=%d\n", sigismember(&cur, SIGUSR1), sigismember(&cur, SIGTERM),
           sigismember(&cur, SIGUSR2));
    /* SIGKILL/SIGSTOP cannot be blocked: silently dropped from the mask */
    sigset_t ks;
    sigemptyset(&ks);
    sigaddset(&ks, SIGKILL);
    sigaddset(&ks, SIGSTOP);
    R("block KILL+STOP", sigprocmask(SIG_BLOCK, &ks, NULL));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("KILL blocked=%d STOP blocked=%d\n", sigismember(&cur, SIGKILL), sigismember(&cur, SIGSTOP));
    R("bad how", sigprocmask(12345, &set, NULL));
    R("raw bad sigsetsize", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4));
    R("raw sigaction bad sigsetsize", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4));
    R("sigaction KILL", sigaction(SIGKILL, &sa, NULL));
    R("sigaction STOP", sigaction(SIGSTOP, &sa, NULL));
    R("query KILL", sigaction(SIGKILL, NULL, &old));
    R("sigaction 0", sigaction(0, &sa, NULL));
    R("sigaction 65", syscall(SYS_rt_sigaction, 65, NULL, &old, 8));
    R("raw rt_sigpending", syscall(SYS_rt_sigpending, &cur, 8));

    /* real-time signals queue */
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    sigaction(SIGRTMIN + 1, &sa, NULL);
    sigprocmask(SIG_BLOCK, &set, NULL);
    hits = 0;
    raise(SIGRTMIN + 1);
    raise(SIGRTMIN + 1);
    raise(SIGRTMIN + 1);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("rt signal deliveries: %d\n", hits);

    /* ignoring a pending signal discards it */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR2);
    show_pending("USR2 pending");
    signal(SIGUSR2, SIG_IGN);
    show_pending("after SIG_IGN");

    /* sigsuspend returns EINTR after the handler runs */
    sa.sa_handler = h;
    sigaction(SIGUSR1, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    hits = 0;
    sigset_t none;
    sigemptyset(&none);
    R("sigsuspend", sigsuspend(&none));
    printf("hits after sigsuspend: %d\n", hits);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("mask restored: USR1=%d\n", sigismember(&cur, SIGUSR1));
    /* sigwait-style consumption with sigtimedwait */
    raise(SIGUSR1);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    struct timespec z = {0, 0};
    /* raw syscall: glibc's wrapper rewrites SI_TKILL to SI_USER */
    long s = syscall(SYS_rt_sigtimedwait, &set, &si, &z, 8);
    printf("rt_sigtimedwait: %d si_signo=%d si_code_is_tkill=%d\n", s == SIGUSR1,
           si.si_signo == SIGUSR1, si.si_code == SI_TKILL);
    R("rt_sigtimedwait nothing", syscall(SYS_rt_sigtimedwait, &set, &si, &z, 8));
    kill(getpid(), SIGUSR1);
    memset(&si, 0, sizeof si);
    s = syscall(SYS_rt_sigtimedwait, &set, &si, &z, 8);
    printf("after kill: %d si_code_is_user=%d pid_ok=%d\n", s == SIGUSR1, si.si_code == SI_USER,
           si.si_pid == getpid());
    return 0;
}
