/* fork/wait matrix: exit codes 0..255 round-trip, death by signal (WIFSIGNALED/WTERMSIG),
 * WNOHANG before/after exit, waitpid on a specific pid among several, wait for any, ECHILD. */
#include "abi.h"
#include <sys/wait.h>
#include <sys/resource.h>
#include <sched.h>

static void describe(const char *label, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", label, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: signaled %d\n", label, WTERMSIG(st));
    else
        printf("%s: other 0x%x\n", label, st);
}

static pid_t spawn_exit(int code)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
        _exit(code);
    if (c < 0) {
        printf("SETUP FAILED: fork: %s\n", errname(errno));
        exit(1);
    }
    return c;
}

int main(void)
{
    int st;
    R("wait with no children", wait(&st));
    R("waitpid(-1) with no children", waitpid(-1, &st, 0));
    R("waitpid WNOHANG no children", waitpid(-1, &st, WNOHANG));
    R("waitpid on non-child (pid 1)", waitpid(1, &st, 0));
    R("waitpid on own pid", waitpid(getpid(), &st, 0));

    /* every exit code round-trips; batches of 32 children, reaped by specific pid */
    int bad = 0;
    for (int base = 0; base < 256; base += 32) {
        pid_t kids[32];
        for (int i = 0; i < 32; i++)
            kids[i] = spawn_exit(base + i);
        for (int i = 31; i >= 0; i--) {
            if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) ||
                WEXITSTATUS(st) != base + i) {
                printf("exit code %d came back as 0x%x\n", base + i, st);
                bad++;
            }
        }
    }
    printf("exit codes 0..255 round-trip, mismatches: %d\n", bad);
    pid_t c = spawn_exit(256 + 7); /* only the low 8 bits survive */
    waitpid(c, &st, 0);
    describe("_exit(263)", st);
    c = spawn_exit(-1);
    waitpid(c, &st, 0);
    describe("_exit(-1)", st);

    /* killed by signals: raise in the child, and kill from the parent */
    int sigs[] = {SIGTERM, SIGKILL, SIGUSR1, SIGHUP, SIGINT, SIGALRM};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        fflush(stdout);
        c = fork();
        if (c == 0) {
            signal(sigs[i], SIG_DFL); /* may be inherited as ignored */
            raise(sigs[i]);
            _exit(99);
        }
        waitpid(c, &st, 0);
        printf("raise(%d): signaled=%d termsig=%d exited=%d\n", sigs[i], WIFSIGNALED(st),
               WTERMSIG(st), WIFEXITED(st));
    }

    /* WNOHANG before and after exit; the child waits for the parent to close a pipe */
    int p[2];
    MUST(pipe(p));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        char x;
        close(p[1]);
        read(p[0], &x, 1);
        _exit(5);
    }
    close(p[0]);
    R("WNOHANG while running", waitpid(c, &st, WNOHANG));
    R("WNOHANG any while running", waitpid(-1, &st, WNOHANG));
    close(p[1]);
    /* child exits now: poll WNOHANG until it is reported (bounded) */
    long got = 0;
    for (int i = 0; i < 200000 && got == 0; i++) {
        got = waitpid(c, &st, WNOHANG);
        if (got == 0)
            sched_yield();
    }
    YN("WNOHANG after exit returns the pid", got == c);
    describe("status", st);
    R("WNOHANG after reaping", waitpid(c, &st, WNOHANG));

    /* waitpid on a specific pid leaves the other children alone */
    pid_t a = spawn_exit(11), b = spawn_exit(22), d = spawn_exit(33);
    YN("waitpid(b) returns b", waitpid(b, &st, 0) == b);
    describe("b", st);
    /* the others stay zombies until reaped: kill(pid, 0) still succeeds */
    R("kill(a, 0) on unreaped child", kill(a, 0));
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        pid_t w = wait(&st);
        if (w == a && WEXITSTATUS(st) == 11)
            seen |= 1;
        else if (w == d && WEXITSTATUS(st) == 33)
            seen |= 2;
        else
            printf("unexpected wait result\n");
    }
    printf("wait(any) reaped a and d: %s\n", seen == 3 ? "yes" : "no");
    R("kill(a, 0) after reaping", kill(a, 0));
    R("wait after all reaped", wait(&st));

    /* wait4 with rusage, and a NULL status pointer */
    c = spawn_exit(3);
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    YN("wait4 returns pid", wait4(c, &st, 0, &ru) == c);
    YN("rusage filled (utime.tv_usec < 1e6)", ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
    c = spawn_exit(4);
    YN("waitpid NULL status returns pid", waitpid(c, NULL, 0) == c);
    R("wait4 bad options", wait4(-1, &st, 0x10000, NULL));
    R("wait4 WEXITED is not a wait4 option", wait4(-1, &st, WEXITED, NULL));
    return 0;
}
