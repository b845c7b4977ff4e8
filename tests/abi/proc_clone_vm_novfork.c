/* clone(CLONE_VM) without CLONE_THREAD or CLONE_VFORK: a separate process (own pid, waited
 * for with waitpid) running in the parent's address space, concurrently with it: stores
 * are seen both ways, it can be killed, it can exec, and it outlives its parent. */
#include "abi.h"
#include <sched.h>
#include <sys/wait.h>

static volatile int shared_store;
static volatile long pid_seen;
static volatile int go;
static char **g_argv;

static int fn(void *arg)
{
    shared_store = (int)(long)arg;
    pid_seen = syscall(SYS_getpid);
    return 21;
}

static int spinner(void *arg)
{
    (void)arg;
    while (!go) /* waits for a store made by the parent */
        ;
    shared_store = 5;
    for (;;)
        pause();
    return 0;
}

static int execer(void *arg)
{
    (void)arg;
    char *av[] = {g_argv[0], "exec", NULL};
    extern char **environ;
    execve(g_argv[0], av, environ);
    return 127;
}

static int writer(void *arg)
{
    int fd = (int)(long)arg;
    usleep(100000); /* the parent is gone by now */
    char msg[64];
    int n = snprintf(msg, sizeof msg, "orphan ppid is not the old parent: %s\n",
                     getppid() != (pid_t)pid_seen ? "yes" : "no");
    write(fd, msg, (size_t)n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return 33; /* the exec'd program */
    g_argv = argv;
    int st;
    size_t ss = 256 * 1024;
    char *stack = malloc(ss);
    shared_store = 0;
    pid_seen = 0;
    errno = 0;
    long r = clone(fn, stack + ss, CLONE_VM | SIGCHLD, (void *)88L);
    printf("clone(CLONE_VM|SIGCHLD): %s\n", r > 0 ? "ok" : errname(errno));
    if (r > 0) {
        YN("waitpid returns it", waitpid(r, &st, 0) == r);
        printf("status %d, store %d, child had its own pid: %s\n", WEXITSTATUS(st), shared_store,
               pid_seen == r && r != getpid() ? "yes" : "no");
    }

    /* Concurrent: the child waits for the parent's store, answers, then is killed. */
    shared_store = 0;
    r = clone(spinner, stack + ss, CLONE_VM | SIGCHLD, NULL);
    go = 1;
    for (int i = 0; i < 2000 && shared_store != 5; i++)
        usleep(1000);
    printf("the child saw the parent's store and answered: %s\n", shared_store == 5 ? "yes" : "no");
    R("kill it", kill((pid_t)r, SIGKILL));
    waitpid(r, &st, 0);
    printf("killed: %d by %d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* It execs: a program of its own, the parent unharmed. */
    r = clone(execer, stack + ss, CLONE_VM | SIGCHLD, NULL);
    waitpid(r, &st, 0);
    printf("exec'd child exit %d\n", WEXITSTATUS(st));

    /* It outlives its parent (a forked intermediate process). */
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t mid = fork();
    if (mid == 0) {
        close(p[0]);
        pid_seen = getpid();
        clone(writer, stack + ss, CLONE_VM | SIGCHLD, (void *)(long)p[1]);
        _exit(0);
    }
    close(p[1]);
    waitpid(mid, &st, 0);
    char buf[128] = {0};
    long n = read(p[0], buf, sizeof buf - 1);
    printf("after the parent exited: %s", n > 0 ? buf : "nothing\n");
    free(stack);
    return 0;
}
