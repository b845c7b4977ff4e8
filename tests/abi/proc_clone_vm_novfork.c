/* clone(CLONE_VM) without CLONE_THREAD or CLONE_VFORK: a separate process (own pid, waited
 * for with waitpid) running in the parent's address space, concurrently with it. */
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

int main(void)
{
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

    free(stack);
    return 0;
}
