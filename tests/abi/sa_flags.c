/* sigaction flags: SA_RESETHAND, SA_NODEFER, sa_mask during the handler, SA_SIGINFO
 * contents for raise/kill, nested delivery. */
#include "abi.h"

static volatile int depth, maxdepth, hits, blocked_self, blocked_extra;

static void check_mask(int s)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    blocked_self = sigismember(&cur, s);
    blocked_extra = sigismember(&cur, SIGUSR2);
}

static void nested(int s)
{
    hits++;
    depth++;
    if (depth > maxdepth)
        maxdepth = depth;
    check_mask(s);
    if (depth < 3 && hits < 3)
        raise(s);
    depth--;
}

static void plain(int s)
{
    hits++;
    check_mask(s);
}

int main(void)
{
    struct sigaction sa, q;

    /* default: the signal is blocked during its handler; a raise inside stays pending */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nested;
    sigaction(SIGUSR1, &sa, NULL);
    hits = maxdepth = 0;
    raise(SIGUSR1);
    printf("default: hits=%d maxdepth=%d self_blocked=%d\n", hits, maxdepth, blocked_self);

    /* SA_NODEFER: recursion happens */
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR1, &sa, NULL);
    hits = maxdepth = 0;
    raise(SIGUSR1);
    printf("SA_NODEFER: hits=%d maxdepth=%d self_blocked=%d\n", hits, maxdepth, blocked_self);

    /* sa_mask is added during the handler */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    hits = 0;
    raise(SIGUSR1);
    printf("sa_mask: hits=%d USR2 blocked in handler=%d\n", hits, blocked_extra);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("mask after return: USR1=%d USR2=%d\n", sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGUSR2));

    /* SA_RESETHAND: one shot, disposition back to SIG_DFL, implies NODEFER */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR2, &sa, NULL);
    hits = 0;
    raise(SIGUSR2);
    sigaction(SIGUSR2, NULL, &q);
    printf("SA_RESETHAND: hits=%d now SIG_DFL=%d self_blocked=%d\n", hits, q.sa_handler == SIG_DFL,
           blocked_self);

    /* SIG_IGN really ignores; flags read back */
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored USR2 survived\n");
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sa.sa_flags = SA_RESTART | SA_NODEFER;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR1, NULL, &q);
    printf("flags read back: RESTART=%d NODEFER=%d SIGINFO=%d\n", !!(q.sa_flags & SA_RESTART),
           !!(q.sa_flags & SA_NODEFER), !!(q.sa_flags & SA_SIGINFO));
    /* SIGCHLD default is ignore, SIGWINCH too */
    raise(SIGCHLD);
    raise(SIGWINCH);
    raise(SIGURG);
    printf("default-ignored signals survived\n");
    return 0;
}
