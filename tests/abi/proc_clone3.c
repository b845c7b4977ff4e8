/* clone3: argument checks in Linux's order, a process (exit signal SIGCHLD) with and
 * without its own stack, CLONE_PIDFD, and a thread made with raw clone3 (pthread_create
 * of glibc goes through clone3 too). */
#include "abi.h"
#include <poll.h>
#include <sched.h>
#include <sys/wait.h>

/* struct clone_args (linux/sched.h, which musl's include path lacks) */
struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

static long c3(struct clone_args *a, size_t size)
{
    return syscall(SYS_clone3, a, size);
}

static char stack[65536] __attribute__((aligned(16)));
static volatile int thread_ran;

int main(void)
{
    struct clone_args a;
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    R("size 32", c3(&a, 32));
    R("size 8192", c3(&a, 8192));
    R("bad pointer", c3((struct clone_args *)8, sizeof a));
    char big[200];
    memset(big, 0, sizeof big);
    memcpy(big, &a, sizeof a);
    big[150] = 1;
    R("non-zero tail", c3((struct clone_args *)big, sizeof big));
    a.flags = SIGCHLD;
    R("exit signal in flags", c3(&a, sizeof a));
    a.flags = 0;
    a.exit_signal = 99;
    R("bad exit signal", c3(&a, sizeof a));
    a.exit_signal = SIGCHLD;
    a.stack_size = 4096;
    R("stack size without stack", c3(&a, sizeof a));
    a.stack_size = 0;
    a.stack = (uint64_t)stack;
    R("stack without size", c3(&a, sizeof a));
    a.stack = 0;
    a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
    R("thread with exit signal", c3(&a, sizeof a));
    a.flags = CLONE_SIGHAND;
    a.exit_signal = SIGCHLD;
    R("CLONE_SIGHAND without CLONE_VM", c3(&a, sizeof a));

    /* A process, fork-like. */
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    fflush(stdout);
    long pid = c3(&a, 64);
    if (pid == 0)
        _exit(7);
    int st = 0;
    int w = waitpid((pid_t)pid, &st, 0) == pid;
    printf("fork-like: pid>0 %s, waited %s status %#x\n", pid > 0 ? "yes" : "no", w ? "yes" : "no", st);

    /* With CLONE_PIDFD: the descriptor becomes readable when the child exits. */
    int pidfd = -1;
    memset(&a, 0, sizeof a);
    a.flags = CLONE_PIDFD;
    a.pidfd = (uint64_t)&pidfd;
    a.exit_signal = SIGCHLD;
    fflush(stdout);
    pid = c3(&a, sizeof a);
    if (pid == 0) {
        usleep(50000);
        _exit(3);
    }
    printf("pidfd: got fd %s\n", pidfd >= 0 ? "yes" : "no");
    struct pollfd pfd = {pidfd, POLLIN, 0};
    R("poll pidfd", poll(&pfd, 1, 5000));
    printf("pidfd revents POLLIN: %s\n", (pfd.revents & POLLIN) ? "yes" : "no");
    w = waitpid((pid_t)pid, &st, 0) == pid;
    printf("waited %s status %#x\n", w ? "yes" : "no", st);
    close(pidfd);

    /* A vfork-like child on its own stack, the way posix_spawn does it. */
    memset(&a, 0, sizeof a);
    a.flags = CLONE_VM | CLONE_VFORK;
    a.exit_signal = SIGCHLD;
    a.stack = (uint64_t)stack;
    a.stack_size = sizeof stack;
    fflush(stdout);
    pid = c3(&a, sizeof a);
    if (pid == 0) {
        /* on the new stack; only async-signal-safe work */
        syscall(SYS_exit, 5);
    }
    w = waitpid((pid_t)pid, &st, 0) == pid;
    printf("vfork-like: waited %s status %#x\n", w ? "yes" : "no", st);
    return 0;
}
