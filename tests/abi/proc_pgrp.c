/* Process groups and sessions: setpgid of a child into its own group (from both sides),
 * joining another group, kill(-pgid)/killpg, kill(0, sig), getpgid/getsid, setsid in a child
 * (EPERM for a group leader), setpgid across sessions and after exec, error paths. */
#include "abi.h"
#include <sys/wait.h>

/* fork a child that blocks on a pipe read; pgid >= 0: both sides call setpgid(child, pgid) */
static pid_t sleeper(int pgid, int *gate)
{
    int g[2], r[2];
    MUST(pipe(g));
    MUST(pipe(r));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        signal(SIGTERM, SIG_DFL);
        close(g[1]);
        if (pgid >= 0)
            setpgid(0, pgid);
        write(r[1], "r", 1);
        char x;
        read(g[0], &x, 1);
        _exit(0);
    }
    if (pgid >= 0)
        setpgid(c, pgid); /* may race with the child's own call: both give the same result */
    char x;
    read(r[0], &x, 1);
    close(r[0]);
    close(r[1]);
    close(g[0]);
    *gate = g[1];
    return c;
}

int main(int argc, char **argv)
{
    if (argc > 3 && strcmp(argv[1], "waiter") == 0) { /* exec'ed image */
        write(atoi(argv[2]), "E", 1);
        char x;
        read(atoi(argv[3]), &x, 1);
        return 0;
    }
    pid_t me = getpid();
    YN("getpgrp == getpgid(0)", getpgrp() == getpgid(0));
    YN("getpgid(0) == getpgid(getpid())", getpgid(0) == getpgid(me));
    YN("getsid(0) == getsid(getpid())", getsid(0) == getsid(me));
    R("getpgid(no such pid)", getpgid(0x7ffffff0));
    R("getsid(no such pid)", getsid(0x7ffffff0));
    R("setpgid(-1, 0)", setpgid(-1, 0));
    R("setpgid(0, -1)", setpgid(0, -1));
    R("setpgid(no such pid)", setpgid(0x7ffffff0, 0));

    int g1, g2, g3;
    pid_t a = sleeper(0, &g1);
    YN("child a: getpgid(a) == a", getpgid(a) == a);
    YN("child a: same session", getsid(a) == getsid(0));
    YN("parent's group unchanged", getpgrp() != a);
    pid_t b = sleeper(a, &g2);
    YN("child b joined a's group", getpgid(b) == a);
    pid_t other = sleeper(-1, &g3);
    YN("child c stays in our group", getpgid(other) == getpgrp());
    R("setpgid(c, not-a-group)", setpgid(other, other + 0x100000));
    R("kill(-a, TERM)", kill(-a, SIGTERM));
    wait_report("a", a);
    wait_report("b", b);
    R("kill(-a) after the group is gone", kill(-a, SIGTERM));
    R("killpg(a) after the group is gone", killpg(a, SIGTERM));
    close(g3);
    wait_report("c (not signalled)", other);
    close(g1);
    close(g2);

    /* kill(0, sig) reaches the caller's whole group: a child leads a group with a grandchild */
    fflush(stdout);
    pid_t l = fork();
    if (l == 0) {
        setpgid(0, 0);
        int gg;
        pid_t gc = sleeper(-1, &gg); /* inherits our new group */
        signal(SIGUSR1, SIG_IGN);
        printf("  leader: grandchild in my group: %s\n", getpgid(gc) == getpid() ? "yes" : "no");
        kill(0, SIGUSR1); /* grandchild: default action kills it; we ignore it */
        wait_report("  grandchild", gc);
        _exit(0);
    }
    wait_report("leader", l);

    /* setsid in a child */
    int rp[2], gp[2];
    MUST(pipe(rp));
    MUST(pipe(gp));
    fflush(stdout);
    pid_t s = fork();
    if (s == 0) {
        close(gp[1]);
        pid_t sid = setsid();
        printf("  child: setsid == getpid: %s\n", sid == getpid() ? "yes" : "no");
        printf("  child: getsid(0) == getpid: %s\n", getsid(0) == getpid() ? "yes" : "no");
        printf("  child: getpgrp == getpid: %s\n", getpgrp() == getpid() ? "yes" : "no");
        R("  child: second setsid", setsid());
        R("  child: setpgid(0, 0) as session leader", setpgid(0, 0));
        R("  child: setpgid into parent's group", setpgid(0, getpgid(getppid())));
        write(rp[1], "s", 1);
        char x;
        read(gp[0], &x, 1);
        _exit(0);
    }
    char x;
    read(rp[0], &x, 1);
    YN("parent: getsid(child) == child", getsid(s) == s);
    YN("parent: own session unchanged", getsid(0) != s);
    R("parent: setpgid(child in other session)", setpgid(s, s));
    R("parent: setpgid(child, our group)", setpgid(s, getpgrp()));
    close(gp[1]);
    wait_report("setsid child", s);

    /* setsid in a group leader fails: a child that made itself a group leader */
    fflush(stdout);
    s = fork();
    if (s == 0) {
        setpgid(0, 0);
        R("  child: setsid as group leader", setsid());
        _exit(0);
    }
    wait_report("group leader child", s);

    /* setpgid on a child after it has exec'ed: EACCES */
    int ep[2], hold[2];
    MUST(pipe(ep));
    MUST(pipe(hold));
    fflush(stdout);
    pid_t e = fork();
    if (e == 0) {
        close(ep[0]);
        close(hold[1]);
        char a1[16], a2[16];
        snprintf(a1, sizeof a1, "%d", ep[1]);
        snprintf(a2, sizeof a2, "%d", hold[0]);
        char *av[] = {argv[0], "waiter", a1, a2, NULL};
        extern char **environ;
        execve(argv[0], av, environ);
        _exit(127);
    }
    read(ep[0], &x, 1);
    R("setpgid(child after exec)", setpgid(e, e));
    close(hold[1]);
    wait_report("exec'ed child", e);
    return 0;
}
