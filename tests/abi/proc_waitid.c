/* waitid: P_PID / P_ALL / P_PGID, WEXITED|WNOWAIT peeks without reaping, siginfo fields
 * (si_pid, si_code CLD_EXITED/CLD_KILLED, si_status, si_uid), WNOHANG with nothing ready,
 * EINVAL/ECHILD paths. */
#include "abi.h"
#include <sys/wait.h>

static const char *code_name(int c)
{
    switch (c) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    case 0: return "0";
    default: return "?";
    }
}

static void show(const char *label, long r, siginfo_t *si, pid_t expect)
{
    if (r == -1) {
        printf("%s = -1 %s\n", label, errname(errno));
        return;
    }
    printf("%s = %ld signo=%d code=%s status=%d pid_is_child=%d uid_ok=%d\n", label, r,
           si->si_signo, code_name(si->si_code), si->si_status, si->si_pid == expect,
           si->si_uid == getuid());
}

/* child that exits with `code` once the parent closes its end of `gate` */
static pid_t gated_child(int code, int gate[2])
{
    MUST(pipe(gate));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        char x;
        close(gate[1]);
        read(gate[0], &x, 1);
        _exit(code);
    }
    close(gate[0]);
    return c;
}

int main(void)
{
    siginfo_t si;
    int st;
    R("P_ALL no children", waitid(P_ALL, 0, &si, WEXITED));
    R("no options (EINVAL)", waitid(P_ALL, 0, &si, 0));
    R("bad idtype", waitid((idtype_t)42, 0, &si, WEXITED));
    R("P_PID pid 0", waitid(P_PID, 0, &si, WEXITED));

    int g[2];
    pid_t c = gated_child(7, g);
    memset(&si, 0x5a, sizeof si);
    long r = waitid(P_PID, c, &si, WEXITED | WNOHANG);
    printf("WNOHANG running = %ld si_pid=%d si_signo=%d\n", r, si.si_pid, si.si_signo);
    close(g[1]);
    memset(&si, 0, sizeof si);
    show("P_PID WEXITED|WNOWAIT", waitid(P_PID, c, &si, WEXITED | WNOWAIT), &si, c);
    memset(&si, 0, sizeof si);
    show("again WNOWAIT (still there)", waitid(P_ALL, 0, &si, WEXITED | WNOWAIT), &si, c);
    R("kill(child, 0) while zombie", kill(c, 0));
    memset(&si, 0, sizeof si);
    show("P_ALL WEXITED reaps", waitid(P_ALL, 0, &si, WEXITED), &si, c);
    R("waitpid after reap", waitpid(c, &st, WNOHANG));
    R("P_PID after reap", waitid(P_PID, c, &si, WEXITED));

    /* WNOWAIT then waitpid still gets the full status */
    c = gated_child(200, g);
    close(g[1]);
    memset(&si, 0, sizeof si);
    show("WNOWAIT exit 200", waitid(P_PID, c, &si, WEXITED | WNOWAIT), &si, c);
    YN("waitpid after WNOWAIT returns child", waitpid(c, &st, 0) == c);
    printf("status: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* killed child */
    c = gated_child(0, g);
    kill(c, SIGTERM);
    memset(&si, 0, sizeof si);
    show("killed WNOWAIT", waitid(P_PID, c, &si, WEXITED | WNOWAIT), &si, c);
    memset(&si, 0, sizeof si);
    show("killed reap", waitid(P_PID, c, &si, WEXITED), &si, c);
    close(g[1]);

    /* SIGKILL */
    c = gated_child(0, g);
    kill(c, SIGKILL);
    memset(&si, 0, sizeof si);
    show("SIGKILL reap", waitid(P_ALL, 0, &si, WEXITED), &si, c);
    close(g[1]);

    /* P_PGID: child moves into its own process group */
    int q[2];
    MUST(pipe(q));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        write(q[1], "r", 1);
        _exit(9);
    }
    setpgid(c, c); /* EACCES/ESRCH races are fine: the child does it too */
    char x;
    read(q[0], &x, 1);
    memset(&si, 0, sizeof si);
    show("P_PGID child's group", waitid(P_PGID, c, &si, WEXITED), &si, c);

    /* NULL infop is allowed by the raw syscall */
    c = gated_child(1, g);
    close(g[1]);
    R("raw waitid NULL infop", syscall(SYS_waitid, P_PID, c, NULL, WEXITED, NULL));
    R("reaped by it", waitpid(c, &st, WNOHANG));
    R("wait4 with WNOWAIT (EINVAL)", wait4(-1, &st, WNOWAIT, NULL));
    return 0;
}
