/* vfork: the parent is suspended until the child _exits or execs and shares its memory
 * meanwhile; vfork + _exit, vfork + execve (status of the new image), vfork + failing
 * execve (errno seen by the parent through shared memory, status 127). */
#include "abi.h"
#include <sys/wait.h>

static volatile int shared_store;
static volatile int child_ppid_ok;
static volatile int exec_errno;

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) /* the exec'ed image: no output */
        return argc == 3 && strcmp(argv[2], "via-vfork") == 0 ? 23 : 1;
    int st;
    pid_t parent = getpid();

    /* vfork + _exit: the store made by the child is visible because memory is shared, and
     * the parent only continues once the child is gone */
    fflush(stdout);
    pid_t c = vfork();
    if (c == 0) {
        shared_store = 1234;
        child_ppid_ok = getppid() == parent;
        _exit(17);
    }
    YN("vfork returned a pid", c > 0);
    printf("parent sees the child's store: %d\n", shared_store);
    YN("child's getppid was the parent", child_ppid_ok);
    YN("waitpid returns the child", waitpid(c, &st, 0) == c);
    printf("vfork+_exit: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* several vforks in a row */
    int bad = 0;
    for (int i = 0; i < 20; i++) {
        shared_store = -1;
        c = vfork();
        if (c == 0) {
            shared_store = i;
            _exit(i);
        }
        if (shared_store != i || waitpid(c, &st, 0) != c || WEXITSTATUS(st) != i)
            bad++;
    }
    printf("20 vforks, mismatches: %d\n", bad);

    /* vfork + execve: the parent resumes after the exec; status comes from the new image */
    char *av[] = {argv[0], "child", "via-vfork", NULL};
    extern char **environ;
    shared_store = 0;
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        shared_store = 55; /* before the exec: still the parent's memory */
        execve(argv[0], av, environ);
        exec_errno = errno;
        _exit(127);
    }
    printf("store made before execve: %d\n", shared_store);
    waitpid(c, &st, 0);
    printf("vfork+execve: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* vfork + failing execve */
    exec_errno = 0;
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        execve("./does-not-exist", av, environ);
        exec_errno = errno;
        _exit(127);
    }
    waitpid(c, &st, 0);
    printf("vfork+bad execve: errno=%s exited=%d status=%d\n", errname(exec_errno), WIFEXITED(st),
           WEXITSTATUS(st));

    /* a vfork child killed by a signal releases the parent too */
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
    /* the signal disposition change in the child was made in shared memory, but signal
     * handlers are per process (CLONE_SIGHAND is not set): ours is untouched */
    struct sigaction q;
    sigaction(SIGTERM, NULL, &q);
    YN("parent's SIGTERM still SIG_IGN", q.sa_handler == SIG_IGN);
    return 0;
}
