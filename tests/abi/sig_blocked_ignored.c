/* A signal ignored by default (SIGURG, SIGWINCH) or set to SIG_IGN stays pending while it
 * is blocked (Linux's sig_ignored()), so sigtimedwait takes it; unblocked it is dropped.
 * PostgreSQL's latches wait for a blocked SIGURG through a signalfd. */
#include "abi.h"
#include <time.h>

static void pending(const char *label)
{
    sigset_t p;
    sigpending(&p);
    printf("%s: URG %d WINCH %d USR2 %d\n", label, sigismember(&p, SIGURG),
           sigismember(&p, SIGWINCH), sigismember(&p, SIGUSR2));
}

int main(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGURG);
    sigaddset(&s, SIGWINCH);
    sigaddset(&s, SIGUSR2);
    signal(SIGUSR2, SIG_IGN);
    MUST(sigprocmask(SIG_BLOCK, &s, NULL));
    kill(getpid(), SIGURG);
    kill(getpid(), SIGUSR2);
    pending("blocked, sent to the process");
    pid_t c = fork();
    if (c == 0) {
        kill(getppid(), SIGWINCH);
        _exit(0);
    }
    wait_report("sender", c);
    pending("from another process");
    struct timespec z = {0, 0};
    R("sigtimedwait takes", sigtimedwait(&s, NULL, &z));
    R("sigtimedwait takes", sigtimedwait(&s, NULL, &z));
    R("sigtimedwait takes", sigtimedwait(&s, NULL, &z));
    R("none left", sigtimedwait(&s, NULL, &z));
    kill(getpid(), SIGURG);
    MUST(sigprocmask(SIG_UNBLOCK, &s, NULL));
    pending("unblocked: dropped");
    kill(getpid(), SIGURG);
    pending("sent while unblocked");
    return 0;
}
