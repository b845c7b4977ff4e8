/* Memory shared with a child process (Linux semantics): stores made by a vfork child before
 * _exit/execve are seen by the parent (errno handed back through memory, as posix_spawn
 * implementations do), and clone(CLONE_VM|CLONE_VFORK) runs a separate process in the
 * parent's address space (proc_clone_vm_novfork: the same without CLONE_VFORK). */
#include "abi.h"
#include <sched.h>
#include <sys/wait.h>

static volatile int shared_store;
static volatile int exec_errno;
static volatile long pid_seen;

static int fn(void *arg)
{
    shared_store = (int)(long)arg;
    pid_seen = syscall(SYS_getpid);
    return 21;
}

int main(int argc, char **argv)
{
    (void)argc;
    int st;
    fflush(stdout);
    pid_t c = vfork();
    if (c == 0) {
        shared_store = 1234;
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("vfork: parent sees the child's store: %d\n", shared_store);

    char *av[] = {argv[0], NULL};
    extern char **environ;
    shared_store = 0;
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        shared_store = 55;
        execve("./does-not-exist", av, environ);
        exec_errno = errno;
        _exit(127);
    }
    waitpid(c, &st, 0);
    printf("vfork: store before a failed execve: %d, errno via memory: %s\n", shared_store,
           errname(exec_errno));

    size_t ss = 256 * 1024;
    char *stack = malloc(ss);
    long r;
    shared_store = 0;
    r = clone(fn, stack + ss, CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)99L);
    printf("clone(CLONE_VM|CLONE_VFORK): returns with the store already made: %d\n", shared_store);
    if (r > 0) {
        waitpid(r, &st, 0);
        printf("status %d\n", WEXITSTATUS(st));
    }
    free(stack);
    return 0;
}
