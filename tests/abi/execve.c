/* execve of ourselves: argv/envp passed exactly, O_CLOEXEC fds closed, others inherited
 * with their offsets, signal dispositions: handlers reset, ignored stay ignored, mask kept. */
#include "abi.h"

static void h(int s) { (void)s; }

static int child(char **argv)
{
    printf("child argv:");
    for (int i = 1; argv[i]; i++)
        if (i != 2) /* argv[2] is the pid */
            printf(" [%s]", argv[i]);
    printf("\n");
    extern char **environ;
    int n = 0;
    for (char **e = environ; *e; e++)
        n++;
    printf("child env count=%d FOO=%s ALCOVE_TEST_DIR set=%d\n", n,
           getenv("FOO") ? getenv("FOO") : "(null)", getenv("ALCOVE_TEST_DIR") != NULL);
    R("fd 5 (plain) open", fcntl(5, F_GETFD));
    R("fd 6 (cloexec) closed", fcntl(6, F_GETFD));
    R("fd 5 offset", lseek(5, 0, SEEK_CUR));
    struct sigaction q;
    sigaction(SIGUSR1, NULL, &q);
    printf("USR1 handler reset to SIG_DFL: %d\n", q.sa_handler == SIG_DFL);
    sigaction(SIGUSR2, NULL, &q);
    printf("USR2 still SIG_IGN: %d\n", q.sa_handler == SIG_IGN);
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    printf("TERM still blocked: %d\n", sigismember(&m, SIGTERM));
    YN("pid unchanged", atoi(argv[2]) == getpid());
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child(argv);
    put_file("f", "0123456789");
    int fd, cfd;
    MUST(fd = open("f", O_RDONLY));
    MUST(dup2(fd, 5));
    MUST(lseek(5, 3, SEEK_SET));
    MUST(cfd = open("f", O_RDONLY | O_CLOEXEC));
    MUST(dup3(cfd, 6, O_CLOEXEC));
    signal(SIGUSR1, h);
    signal(SIGUSR2, SIG_IGN);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGTERM);
    sigprocmask(SIG_BLOCK, &m, NULL);
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    char *args[] = {argv[0], "child", pid, "with space", "", "last", NULL};
    char dir[4200];
    snprintf(dir, sizeof dir, "ALCOVE_TEST_DIR=%s", getenv("ALCOVE_TEST_DIR"));
    char *envp[] = {"FOO=bar=baz", dir, "EMPTY=", NULL};
    printf("parent execs\n");
    execve(argv[0], args, envp);
    printf("execve failed: %s\n", errname(errno));
    return 1;
}
