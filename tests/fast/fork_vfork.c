/* A site patched in the parent, then used after fork (in the parent and the child) and
 * inside a vfork child; every call counted once (eventfd) and right. */
#include "fast.h"
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

SITE(site_write, 1)

#define N 500

static int efd;

static int calls(void)
{
    uint64_t one = 1;
    for (int i = 0; i < N; i++)
        if (site_write(efd, (long)&one, 8) != 8)
            return -1;
    return 0;
}

int main(void)
{
    efd = eventfd(0, 0);
    CHECK(efd >= 0, "eventfd");
    CHECK(calls() == 0, "parent before fork");
    int patched_before = PATCHED(site_write);
    pid_t p = fork();
    CHECK(p >= 0, "fork");
    if (p == 0) {
        int ok = calls() == 0 && PATCHED(site_write) == patched_before;
        _exit(ok ? 0 : 3);
    }
    CHECK(calls() == 0, "parent after fork");
    int st;
    CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork child %x", st);
    volatile int vret = -1;
    p = vfork();
    CHECK(p >= 0, "vfork");
    if (p == 0) {
        vret = calls();
        _exit(0);
    }
    CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0, "vfork child");
    CHECK(vret == 0, "vfork child's calls");
    CHECK(calls() == 0, "parent after vfork");
    uint64_t sum = 0;
    CHECK(read(efd, &sum, 8) == 8, "read eventfd");
    printf("counted %llu of %d\n", (unsigned long long)sum, 5 * N);
    fprintf(stderr, "patched=%d\n", patched_before);
    return sum == 5 * N ? 0 : 1;
}
