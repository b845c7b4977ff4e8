/* A process that crashes does not take the others down: children killed by a null
 * dereference, abort(), an integer division by zero, a stack overflow and an illegal
 * instruction each report their signal to the parent, which goes on (and can still fork). */
#include "abi.h"
#include <sys/resource.h>
#include <sys/wait.h>

static volatile int zero, forever = 1;

static int deep(int n)
{
    volatile char pad[4096];
    pad[0] = (char)n;
    if (!forever) /* never: the recursion runs until the stack is gone */
        return 0;
    return deep(n + 1) + pad[0];
}

static void crash(int how)
{
    switch (how) {
    case 0: *(volatile int *)0 = 1; break;
    case 1: abort();
    case 2: zero = 10 / zero; break;
    case 3: {
        struct rlimit rl = {1 << 20, 1 << 20};
        setrlimit(RLIMIT_STACK, &rl);
        deep(0);
        break;
    }
    case 4: __asm__ volatile("ud2"); break;
    }
    _exit(99);
}

int main(void)
{
    const char *names[] = {"null dereference", "abort", "division by zero", "stack overflow",
                           "ud2"};
    for (int i = 0; i < 5; i++) {
        fflush(stdout);
        pid_t c = fork();
        if (c == 0)
            crash(i);
        int st;
        waitpid(c, &st, 0);
        printf("%s: signaled %d, signal %d\n", names[i], WIFSIGNALED(st),
               WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    }
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    int st;
    waitpid(c, &st, 0);
    printf("still forking afterwards: exit %d\n", WEXITSTATUS(st));
    return 0;
}
