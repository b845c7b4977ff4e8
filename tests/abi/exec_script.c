/* execve of a #! script run by /bin/sh (from the read-only root), and of /bin/true;
 * the exit status comes back through wait. */
#include "abi.h"
#include <sys/wait.h>

static int run(char *const argv[])
{
    fflush(stdout);
    pid_t c = fork();
    if (c < 0) {
        printf("fork = -1 %s\n", errname(errno));
        exit(1);
    }
    if (c == 0) {
        char *envp[] = {"PATH=/usr/bin:/bin", NULL};
        execve(argv[0], argv, envp);
        printf("execve failed: %s\n", errname(errno));
        _exit(127);
    }
    int st;
    waitpid(c, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
    int fd;
    MUST(fd = open("script.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755));
    const char *s = "#!/bin/sh\necho \"script: $# args: $1 $2\"\nexit 9\n";
    MUST(write(fd, s, strlen(s)));
    close(fd);
    printf("script status: %d\n", run((char *[]){"./script.sh", "one", "two", NULL}));
    printf("/bin/true status: %d\n", run((char *[]){"/bin/true", NULL}));
    printf("/bin/false status: %d\n", run((char *[]){"/bin/false", NULL}));
    printf("sh -c status: %d\n", run((char *[]){"/bin/sh", "-c", "echo from sh; exit 4", NULL}));
    return 0;
}
