/* getpriority/setpriority/nice: PRIO_PROCESS/PGRP/USER, the raw 20-nice return, clamping,
 * inheritance over fork, EINVAL/ESRCH, and EACCES/EPERM for an unprivileged process. */
#include "abi.h"
#include <sys/resource.h>
#include <sys/wait.h>

static void child_report(void)
{
    printf("child nice = %d\n", getpriority(PRIO_PROCESS, 0));
}

int main(void)
{
    MUST(setpriority(PRIO_PROCESS, 0, 0)); /* a known start (the tests run as root) */
    if (getpgrp() != getpid()) /* a group of our own: PRIO_PGRP must not see the runner */
        MUST(setpgid(0, 0));
    R("raw getpriority self", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    R("raw getpriority own pid", syscall(SYS_getpriority, PRIO_PROCESS, getpid()));
    R("setpriority 5", setpriority(PRIO_PROCESS, 0, 5));
    R("raw after 5", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    R("libc after 5", getpriority(PRIO_PROCESS, 0));
    R("nice(2)", nice(2));
    R("after nice(2)", getpriority(PRIO_PROCESS, 0));
    R("setpriority 100 (clamped)", setpriority(PRIO_PROCESS, 0, 100));
    R("after 100", getpriority(PRIO_PROCESS, 0));
    R("setpriority -100 (clamped, root)", setpriority(PRIO_PROCESS, 0, -100));
    R("after -100", getpriority(PRIO_PROCESS, 0));
    R("raw after -100", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    R("setpriority 3", setpriority(PRIO_PROCESS, 0, 3));

    R("bad which get", syscall(SYS_getpriority, 3, 0));
    R("bad which set", syscall(SYS_setpriority, -1, 0, 0));
    R("unknown pid get", syscall(SYS_getpriority, PRIO_PROCESS, 0x7ffffff0));
    R("unknown pid set", syscall(SYS_setpriority, PRIO_PROCESS, 0x7ffffff0, 0));
    R("negative pid get", syscall(SYS_getpriority, PRIO_PROCESS, -5));
    R("unknown pgrp get", syscall(SYS_getpriority, PRIO_PGRP, 0x7ffffff0));
    R("raw own pgrp", syscall(SYS_getpriority, PRIO_PGRP, 0));
    R("raw own pgrp by id", syscall(SYS_getpriority, PRIO_PGRP, getpgrp()));
    R("unknown user get", syscall(SYS_getpriority, PRIO_USER, 0x7ffffff0));
    R("unknown user set", syscall(SYS_setpriority, PRIO_USER, 0x7ffffff0, 0));

    /* A forked child inherits the nice value; its changes stay its own. */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        child_report();
        R("child setpriority 7", setpriority(PRIO_PROCESS, 0, 7));
        child_report();
        _exit(0);
    }
    MUST(waitpid(c, NULL, 0));
    R("parent after child", getpriority(PRIO_PROCESS, 0));

    /* The parent sets a child's value by pid; PRIO_PGRP reaches the whole group. */
    int gate[2];
    MUST(pipe(gate));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        char x;
        close(gate[1]);
        MUST(read(gate[0], &x, 1));
        child_report();
        _exit(0);
    }
    close(gate[0]);
    R("set child by pid 9", setpriority(PRIO_PROCESS, c, 9));
    R("get child by pid", getpriority(PRIO_PROCESS, c));
    R("raw pgrp max (parent 3, child 9)", syscall(SYS_getpriority, PRIO_PGRP, 0));
    MUST(write(gate[1], "x", 1));
    MUST(waitpid(c, NULL, 0));

    /* Unprivileged: raising is fine, lowering is EACCES, someone else's process EPERM. */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        MUST(setuid(65534));
        R("user: raise to 10", setpriority(PRIO_PROCESS, 0, 10));
        R("user: lower to 4", setpriority(PRIO_PROCESS, 0, 4));
        R("user: same value", setpriority(PRIO_PROCESS, 0, 10));
        R("user: parent's", setpriority(PRIO_PROCESS, getppid(), 12));
        R("user: get parent's", getpriority(PRIO_PROCESS, getppid()));
        R("user: raw PRIO_USER self", syscall(SYS_getpriority, PRIO_USER, 0));
        _exit(0);
    }
    MUST(waitpid(c, NULL, 0));
    MUST(setpriority(PRIO_PROCESS, 0, 0));
    return 0;
}
