/* vfork children that end in other ways than _exit: killed by a signal, forking, vforking
 * again, exec'ing a program; the parent resumes with the right status each time and sees
 * the stores made before. */
#include "abi.h"
#include <sys/wait.h>

static volatile int store1, store2;

int main(int argc, char **argv)
{
    if (argc > 1) /* the exec'd program */
        return atoi(argv[1]);
    int st;
    fflush(stdout);
    pid_t c = vfork();
    if (c == 0) {
        store1 = 1;
        kill(getpid(), SIGTERM);
        _exit(99); /* not reached */
    }
    waitpid(c, &st, 0);
    printf("killed child: signaled %d sig %d, store %d\n", WIFSIGNALED(st), WTERMSIG(st), store1);

    c = vfork();
    if (c == 0) {
        pid_t g = vfork();
        if (g == 0) {
            store2 = 2;
            _exit(5);
        }
        int gst;
        waitpid(g, &gst, 0);
        store1 = 10 + WEXITSTATUS(gst);
        _exit(6);
    }
    waitpid(c, &st, 0);
    printf("nested vfork: child exit %d, stores %d %d\n", WEXITSTATUS(st), store1, store2);

    c = vfork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0)
            _exit(3);
        int gst;
        waitpid(g, &gst, 0);
        _exit(20 + WEXITSTATUS(gst));
    }
    waitpid(c, &st, 0);
    printf("fork inside a vfork child: exit %d\n", WEXITSTATUS(st));

    char *av[] = {argv[0], "9", NULL};
    extern char **environ;
    c = vfork();
    if (c == 0) {
        store1 = 77;
        execve(argv[0], av, environ);
        _exit(127);
    }
    int seen = store1;
    waitpid(c, &st, 0);
    printf("exec'd child: exit %d, store %d, getpid differs: %s\n", WEXITSTATUS(st), seen,
           c != getpid() ? "yes" : "no");
    R("no children left", wait(&st));
    return 0;
}
