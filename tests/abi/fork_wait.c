/* fork / wait4 / waitpid: exit status, signal status, ECHILD, WNOHANG, copy-on-write,
 * shared file offsets, getppid in the child. */
#include "abi.h"
#include <sys/wait.h>
#include <sys/resource.h>

static int global = 1;

int main(void)
{
    int p[2], st;
    MUST(pipe(p));
    fflush(stdout);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c < 0) {
        printf("fork = -1 %s\n", errname(errno));
        return 1;
    }
    if (c == 0) {
        global = 2;
        char r[2];
        r[0] = (getppid() == parent) ? 'Y' : 'N';
        r[1] = (getpid() != parent) ? 'Y' : 'N';
        write(p[1], r, 2);
        _exit(7);
    }
    YN("fork returned child pid", c > 0);
    char buf[2];
    R("read from child", read(p[0], buf, 2));
    printf("child getppid==parent: %c, child pid differs: %c\n", buf[0], buf[1]);
    R("waitpid", waitpid(c, &st, 0) == c);
    printf("exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    printf("global in parent: %d\n", global);
    R("waitpid again", waitpid(c, &st, 0));
    R("wait no children", wait(&st));

    /* child killed by a signal */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        raise(SIGUSR1);
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* WNOHANG on a running child */
    int q[2];
    MUST(pipe(q));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        char x;
        close(q[1]);
        read(q[0], &x, 1);
        _exit(3);
    }
    close(q[0]);
    R("WNOHANG running", waitpid(c, &st, WNOHANG));
    close(q[1]);
    struct rusage ru;
    R("wait4", wait4(c, &st, 0, &ru) == c);
    printf("exit status: %d\n", WEXITSTATUS(st));

    /* shared offset after fork */
    int fd;
    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        write(fd, "child", 5);
        _exit(0);
    }
    waitpid(c, &st, 0);
    R("offset seen by parent", lseek(fd, 0, SEEK_CUR));
    R("waitpid bad options", waitpid(-1, &st, 0x12345678));
    R("kill child gone", kill(c, 0));
    return 0;
}
