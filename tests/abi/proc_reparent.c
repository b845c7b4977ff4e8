/* Reparenting: a grandchild's getppid changes when its parent exits; with
 * PR_SET_CHILD_SUBREAPER the orphan is reparented to us and we can wait for it.  Everything
 * runs in a child ("top"), so the result does not depend on whether the test itself is an
 * init process (it is PID 1 in an enclave, and would then inherit the orphans). */
#include "abi.h"
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#endif

/* child forks a grandchild and exits; the grandchild waits until getppid() changes and
 * reports on `out`: 'Y' changed, 'S' changed to the subreaper (`me`), 'N' timed out */
static pid_t orphan_maker(int out, pid_t me, int code)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int sync[2];
        if (pipe(sync) != 0)
            _exit(1);
        pid_t orig = getpid(); /* the grandchild's parent, before it exits */
        pid_t gc = fork();
        if (gc == 0) {
            close(sync[1]);
            char x;
            read(sync[0], &x, 1); /* EOF once the parent has exited */
            char r = 'N';
            for (int i = 0; i < 20000; i++) {
                pid_t now = getppid();
                if (now != orig) {
                    r = now == me ? 'S' : 'Y';
                    break;
                }
                struct timespec t = {0, 100000};
                nanosleep(&t, NULL);
            }
            write(out, &r, 1);
            _exit(code);
        }
        _exit(gc > 0 ? 0 : 1);
    }
    return c;
}

static int top(void)
{
    int p[2], st;
    char r;
    MUST(pipe(p));
    pid_t me = getpid();

    R("PR_GET_CHILD_SUBREAPER initially", ({ int v = -1; prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0) ? -1 : v; }));
    pid_t c = orphan_maker(p[1], me, 0);
    waitpid(c, &st, 0);
    printf("middle child exited %d\n", WEXITSTATUS(st));
    R("grandchild report", read(p[0], &r, 1));
    YN("ppid changed", r == 'Y' || r == 'S');
    R("grandchild is not our child", waitpid(-1, &st, WNOHANG));

    /* as a subreaper */
    R("PR_SET_CHILD_SUBREAPER", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    int v = -1;
    R("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
    printf("subreaper flag: %d\n", v);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        int cv = -1;
        prctl(PR_GET_CHILD_SUBREAPER, &cv, 0, 0, 0);
        printf("  child: subreaper flag not inherited: %s\n", cv == 0 ? "yes" : "no");
        _exit(0);
    }
    waitpid(c, &st, 0);

    c = orphan_maker(p[1], me, 33);
    YN("waitpid middle child", waitpid(c, &st, 0) == c);
    R("grandchild report", read(p[0], &r, 1));
    printf("reparented to the subreaper: %s\n", r == 'S' ? "yes" : r == 'Y' ? "no (other)" : "no");
    pid_t w = waitpid(-1, &st, 0);
    printf("subreaper reaps the orphan: %s, status %d\n", w > 0 && w != c ? "yes" : "no",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    R("nothing left", wait(&st));
    return 0;
}

int main(void)
{
    fflush(stdout);
    pid_t t = fork();
    if (t == 0)
        _exit(top());
    int st;
    YN("waitpid(top) returns it", waitpid(t, &st, 0) == t);
    printf("top: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    return 0;
}
