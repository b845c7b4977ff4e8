/* SIGCHLD: delivered to an SA_SIGINFO handler with si_pid == child, si_status, si_code
 * CLD_EXITED/CLD_KILLED; pending while blocked; sigwaitinfo; SIG_IGN and SA_NOCLDWAIT
 * auto-reap children (wait gives ECHILD); default disposition does not kill. */
#include "abi.h"
#include <sys/wait.h>

static volatile int hits, got_pid, got_status, got_code, got_signo;

static void on_chld(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    hits++;
    got_signo = s;
    got_pid = si->si_pid;
    got_status = si->si_status;
    got_code = si->si_code;
}

static const char *cname(int c)
{
    return c == CLD_EXITED ? "CLD_EXITED" : c == CLD_KILLED ? "CLD_KILLED" :
           c == CLD_DUMPED ? "CLD_DUMPED" : "?";
}

/* a child that exits with `code` when the parent closes its end of the gate */
static pid_t gated(int code, int *gate_w)
{
    int g[2];
    MUST(pipe(g));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        char x;
        close(g[1]);
        read(g[0], &x, 1);
        _exit(code);
    }
    close(g[0]);
    *gate_w = g[1];
    return c;
}

int main(void)
{
    struct sigaction sa = {0}, q;
    sigset_t chld, none, pend;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigemptyset(&none);
    int st, gw;

    /* default disposition: the parent is not affected */
    pid_t c = gated(1, &gw);
    close(gw);
    waitpid(c, &st, 0);
    printf("default SIGCHLD: parent alive, child status %d\n", WEXITSTATUS(st));

    /* handler: block SIGCHLD, let the child exit, sigsuspend */
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    c = gated(7, &gw);
    close(gw);
    siginfo_t wi;
    waitid(P_PID, c, &wi, WEXITED | WNOWAIT); /* exited: SIGCHLD is now pending */
    sigpending(&pend);
    printf("SIGCHLD pending while blocked: %d, hits=%d\n", sigismember(&pend, SIGCHLD), hits);
    R("sigsuspend", sigsuspend(&none));
    printf("handler: hits=%d signo=%d pid_is_child=%d status=%d code=%s\n", hits, got_signo,
           got_pid == c, got_status, cname(got_code));
    waitpid(c, &st, 0);

    /* killed child */
    hits = 0;
    c = gated(0, &gw);
    kill(c, SIGKILL);
    R("sigsuspend", sigsuspend(&none));
    printf("handler: hits=%d pid_is_child=%d status=%d code=%s\n", hits, got_pid == c, got_status,
           cname(got_code));
    close(gw);
    waitpid(c, &st, 0);

    /* sigwaitinfo consumes it without running the handler */
    hits = 0;
    c = gated(99, &gw);
    close(gw);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long r = sigwaitinfo(&chld, &si);
    printf("sigwaitinfo=%ld signo=%d pid_is_child=%d status=%d code=%s hits=%d\n", r, si.si_signo,
           si.si_pid == c, si.si_status, cname(si.si_code), hits);
    waitpid(c, &st, 0);
    sigprocmask(SIG_UNBLOCK, &chld, NULL);

    /* SA_NOCLDWAIT (+SA_RESTART): no zombie; the handler still runs; wait -> ECHILD */
    hits = 0;
    sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    c = gated(5, &gw);
    close(gw);
    R("wait with SA_NOCLDWAIT", wait(&st));
    printf("handler ran: hits=%d pid_is_child=%d status=%d\n", hits, got_pid == c, got_status);
    R("kill(child, 0) after auto-reap", kill(c, 0));

    /* SIG_IGN: children are reaped automatically; wait blocks until all are gone */
    signal(SIGCHLD, SIG_IGN);
    sigaction(SIGCHLD, NULL, &q);
    YN("disposition is SIG_IGN", q.sa_handler == SIG_IGN);
    pid_t kids[3];
    int gates[3];
    for (int i = 0; i < 3; i++)
        kids[i] = gated(i, &gates[i]);
    R("waitpid WNOHANG, children running", waitpid(-1, &st, WNOHANG));
    for (int i = 0; i < 3; i++)
        close(gates[i]);
    R("wait with SIGCHLD ignored", wait(&st));
    R("waitpid(kid) with SIGCHLD ignored", waitpid(kids[0], &st, 0));
    R("kill(kid, 0): gone", kill(kids[1], 0));
    /* an ignored SIGCHLD is not left pending */
    sigprocmask(SIG_BLOCK, &chld, NULL);
    c = gated(0, &gw);
    close(gw);
    R("wait (blocked + ignored)", wait(&st));
    sigpending(&pend);
    printf("SIGCHLD pending: %d\n", sigismember(&pend, SIGCHLD));
    sigprocmask(SIG_UNBLOCK, &chld, NULL);

    /* back to SIG_DFL: zombies again */
    signal(SIGCHLD, SIG_DFL);
    c = gated(8, &gw);
    close(gw);
    YN("waitpid returns child again", waitpid(c, &st, 0) == c);
    printf("status %d\n", WEXITSTATUS(st));
    return 0;
}
