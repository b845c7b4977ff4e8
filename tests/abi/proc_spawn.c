/* posix_spawn / posix_spawnp: argv/envp, file actions (open, dup2, close), attributes
 * (sigmask, sigdefault, process group), status through waitpid, failing path. */
#include "abi.h"
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static int child_main(int argc, char **argv)
{
    printf("spawned: argc=%d arg=%s FOO=%s\n", argc, argv[2], getenv("FOO") ? getenv("FOO") : "-");
    R("fd 3 (closed by file action)", fcntl(3, F_GETFD));
    R("fd 4 (opened by file action) write", write(4, "via fd 4\n", 9));
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    printf("USR2 blocked (SETSIGMASK): %d\n", sigismember(&m, SIGUSR2));
    struct sigaction q;
    sigaction(SIGUSR1, NULL, &q);
    printf("USR1 default (SETSIGDEF): %d\n", q.sa_handler == SIG_DFL);
    YN("own process group (SETPGROUP 0)", getpgrp() == getpid());
    return 12;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "child") == 0)
        return child_main(argc, argv);

    char dirvar[4200];
    snprintf(dirvar, sizeof dirvar, "ALCOVE_TEST_DIR=%s", getenv("ALCOVE_TEST_DIR"));
    char *envp[] = {dirvar, "FOO=spawn-env", NULL};
    char *av[] = {argv[0], "child", "hello", NULL};

    int p[2], q[2];
    for (int i = 3; i < 32; i++)
        close(i);
    MUST(pipe(q)); /* moved to fds 20, 21 */
    MUST(p[0] = fcntl(q[0], F_DUPFD_CLOEXEC, 20));
    MUST(p[1] = fcntl(q[1], F_DUPFD_CLOEXEC, 20));
    close(q[0]);
    close(q[1]);
    int extra;
    MUST(extra = open(".", O_RDONLY | O_DIRECTORY));
    MUST(extra == 3 ? 0 : -1);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1); /* child's stdout -> pipe */
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawn_file_actions_addclose(&fa, 3);
    posix_spawn_file_actions_addopen(&fa, 4, "out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);

    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    posix_spawnattr_setsigmask(&at, &m);
    sigset_t d;
    sigemptyset(&d);
    sigaddset(&d, SIGUSR1);
    posix_spawnattr_setsigdefault(&at, &d);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    signal(SIGUSR1, SIG_IGN); /* SETSIGDEF must reset it in the child */
    fflush(stdout);
    pid_t c = -1;
    int r = posix_spawn(&c, argv[0], &fa, &at, av, envp);
    printf("posix_spawn = %s, pid > 0: %d\n", errname(r), c > 0);
    close(p[1]);
    char buf[1024];
    long n = 0, k;
    while ((k = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += k;
    buf[n] = 0;
    printf("--- child's stdout:\n%s--- end\n", buf);
    close(p[0]);
    int st;
    YN("waitpid returns the spawned pid", waitpid(c, &st, 0) == c);
    printf("status: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    get_file("out.txt", buf, sizeof buf);
    printf("out.txt: %s", buf);
    YN("parent's fd 3 still open", fcntl(3, F_GETFD) >= 0);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);

    /* posix_spawnp searches PATH */
    char *tav[] = {"true", NULL};
    r = posix_spawnp(&c, "true", NULL, NULL, tav, environ);
    printf("posix_spawnp true = %s\n", errname(r));
    if (r == 0) {
        waitpid(c, &st, 0);
        printf("true: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    }
    char *fav[] = {"false", NULL};
    r = posix_spawnp(&c, "false", NULL, NULL, fav, environ);
    if (r == 0) {
        waitpid(c, &st, 0);
        printf("false: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    }

    /* failing paths: glibc and musl report the exec error as posix_spawn's result (the child
     * hands it back through shared memory or a pipe) */
    char *bav[] = {"nothing", NULL};
    c = -1;
    r = posix_spawn(&c, "./no-such-program", NULL, NULL, bav, environ);
    int failed = r == ENOENT;
    if (r == 0) {
        waitpid(c, &st, 0);
        failed = WIFEXITED(st) && WEXITSTATUS(st) == 127;
    }
    YN("posix_spawn missing file: ENOENT or exit 127", failed);
    printf("posix_spawn missing file returns %s\n", r ? errname(r) : "0");
    r = posix_spawnp(&c, "no-such-program-in-path", NULL, NULL, bav, environ);
    failed = r == ENOENT;
    if (r == 0) {
        waitpid(c, &st, 0);
        failed = WIFEXITED(st) && WEXITSTATUS(st) == 127;
    }
    YN("posix_spawnp missing program: ENOENT or exit 127", failed);
    printf("posix_spawnp missing program returns %s\n", r ? errname(r) : "0");
    put_file("noexec", "#!/bin/sh\n");
    r = posix_spawn(&c, "./noexec", NULL, NULL, bav, environ);
    failed = r == EACCES;
    if (r == 0) {
        waitpid(c, &st, 0);
        failed = WIFEXITED(st) && WEXITSTATUS(st) == 127;
    }
    YN("posix_spawn without x bit: EACCES or exit 127", failed);
    printf("posix_spawn without x bit returns %s\n", r ? errname(r) : "0");
    R("no children left", wait(&st));
    return 0;
}
