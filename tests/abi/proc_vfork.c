/* vfork semantics observable without shared memory (see proc_clone_vm for that): the parent
 * resumes only after the child _exited or exec'ed, statuses of vfork + _exit, vfork + execve
 * and vfork + failing execve (127), a vfork child killed by a signal, dispositions per process. */
#include "abi.h"
#include <sys/wait.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) /* the exec'ed image: no output */
        return argc == 3 && strcmp(argv[2], "via-vfork") == 0 ? 23 : 1;
    int st, p[2];
    char b[4];
    pid_t parent = getpid();
    MUST(pipe2(p, O_NONBLOCK));

    /* vfork + _exit: by the time vfork returns in the parent, the child's byte is in the
     * pipe (the parent was suspended until the child's _exit) */
    fflush(stdout);
    pid_t c = vfork();
    if (c == 0) {
        char r = getppid() == parent ? 'Y' : 'N';
        write(p[1], &r, 1);
        _exit(17);
    }
    YN("vfork returned a pid", c > 0);
    R("child's byte already there (non-blocking read)", read(p[0], b, 1));
    printf("child's getppid was the parent: %c\n", b[0]);
    YN("waitpid returns the child", waitpid(c, &st, 0) == c);
    printf("vfork+_exit: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* several vforks in a row */
    int bad = 0;
    for (int i = 0; i < 20; i++) {
        c = vfork();
        if (c == 0)
            _exit(i);
        if (c < 0 || waitpid(c, &st, 0) != c || WEXITSTATUS(st) != i)
            bad++;
    }
    printf("20 vforks, mismatches: %d\n", bad);

    /* vfork + execve: status of the new image */
    char *av[] = {argv[0], "child", "via-vfork", NULL};
    extern char **environ;
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        execve(argv[0], av, environ);
        _exit(127);
    }
    waitpid(c, &st, 0);
    printf("vfork+execve: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* vfork + failing execve: errno sent through the pipe, status 127 */
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        execve("./does-not-exist", av, environ);
        char e = (char)errno;
        write(p[1], &e, 1);
        _exit(127);
    }
    R("errno byte already there", read(p[0], b, 1));
    printf("vfork+bad execve: errno=%s\n", errname(b[0]));
    waitpid(c, &st, 0);
    printf("status: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* a vfork child killed by a signal releases the parent too; signal dispositions are per
     * process (no CLONE_SIGHAND): the child's change does not touch ours */
    signal(SIGTERM, SIG_IGN);
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        signal(SIGTERM, SIG_DFL);
        kill(getpid(), SIGTERM);
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("vfork child killed: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
    struct sigaction q;
    sigaction(SIGTERM, NULL, &q);
    YN("parent's SIGTERM still SIG_IGN", q.sa_handler == SIG_IGN);
    R("no children left", wait(&st));
    return 0;
}
