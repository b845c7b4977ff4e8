/* fork + execve variants: argv/envp passed exactly to the new image, pid kept, exit status
 * of the new image, FD_CLOEXEC (fcntl, O_CLOEXEC, pipe2) fds closed while others (and dup'ed
 * copies) stay, execveat, E2BIG for huge argv/envp, ENOENT/ENOTDIR/EACCES/ENOEXEC/EFAULT. */
#include "abi.h"
#include <sys/wait.h>

extern char **environ;
static char *self;
static char dirvar[4200];

static int child_main(int argc, char **argv)
{
    const char *mode = argv[2];
    if (strcmp(mode, "args") == 0) {
        printf("  new image argc=%d:", argc);
        for (int i = 4; i < argc; i++) /* argv[3] is the pid */
            printf(" [%s]", argv[i]);
        printf("\n  env:");
        for (char **e = environ; *e; e++)
            if (strncmp(*e, "ALCOVE_TEST_DIR=", 16) != 0)
                printf(" [%s]", *e);
        printf("\n");
        if (strcmp(argv[3], "0") != 0)
            YN("  pid kept across exec", atoi(argv[3]) == getpid());
        return 42;
    }
    if (strcmp(mode, "fds") == 0) {
        for (int fd = 3; fd <= 9; fd++) {
            int f = fcntl(fd, F_GETFD);
            if (f == -1)
                printf("  fd %d: closed (%s)\n", fd, errname(errno));
            else
                printf("  fd %d: open flags=%d\n", fd, f);
        }
        char c = 0;
        R("  read inherited fd 3", read(3, &c, 1));
        printf("  byte: %c (offset kept)\n", c);
        R("  write inherited pipe fd 5", write(5, "P", 1));
        return 0;
    }
    return 3;
}

static void run(const char *label, char **argv, char **envp)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        execve(self, argv, envp);
        printf("  execve failed: %s\n", errname(errno));
        _exit(127);
    }
    int st;
    waitpid(c, &st, 0);
    printf("%s: exited=%d status=%d\n", label, WIFEXITED(st), WEXITSTATUS(st));
}

static void try_exec(const char *label, const char *path, char **argv, char **envp)
{
    /* in a child, so an unexpected success cannot replace the test */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        long r = syscall(SYS_execve, path, argv, envp);
        printf("%s = %ld %s\n", label, r, errname(errno));
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("%s: child status 0x%x\n", label, st);
}

static void try_execveat(const char *label, int dfd, const char *path, char **argv, int flags)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        long r = syscall(SYS_execveat, dfd, path, argv, environ, flags);
        printf("%s = %ld %s\n", label, r, errname(errno));
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("%s: child status 0x%x\n", label, st);
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "child") == 0)
        return child_main(argc, argv);
    self = argv[0];
    snprintf(dirvar, sizeof dirvar, "ALCOVE_TEST_DIR=%s", getenv("ALCOVE_TEST_DIR"));

    /* argv/envp exactly as given, including empty strings and odd characters */
    {
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            char pid[32];
            snprintf(pid, sizeof pid, "%d", (int)getpid());
            char *av[] = {self, "child", "args", pid, "", "two words", "tab\there", "-x", "ü", NULL};
            char *ev[] = {"Z=last", dirvar, "A=1", "EMPTY=", "NOEQUALS", "DUP=1", "DUP=2", NULL};
            execve(self, av, ev);
            _exit(127);
        }
        int st;
        waitpid(c, &st, 0);
        printf("args child: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    }
    {
        char *av[] = {self, "child", "args", "0", NULL};
        char *ev[] = {dirvar, NULL};
        run("minimal env", av, ev);
    }

    /* close-on-exec: 3 plain file (offset 2), 4 FD_CLOEXEC via fcntl, 5/6 pipe write end
     * without/with O_CLOEXEC (dup3), 7 O_CLOEXEC file, 8 dup2 of 7 (dup clears the flag),
     * 9 dup3(O_CLOEXEC) of 3 */
    put_file("data", "abcdef");
    int fd, p[2];
    for (int i = 3; i < 32; i++)
        close(i);
    MUST(pipe(p));
    int rd = fcntl(p[0], F_DUPFD, 20), wr = fcntl(p[1], F_DUPFD, 21);
    MUST(rd);
    MUST(wr);
    close(p[0]);
    close(p[1]);
    MUST(fd = open("data", O_RDONLY));
    MUST(fd == 3 ? 0 : -1);
    MUST(lseek(3, 2, SEEK_SET));
    MUST(fd = open("data", O_RDONLY));
    MUST(fd == 4 ? 0 : -1);
    MUST(fcntl(4, F_SETFD, FD_CLOEXEC));
    MUST(dup2(wr, 5));
    MUST(dup3(wr, 6, O_CLOEXEC));
    close(wr);
    MUST(fd = open("data", O_RDONLY | O_CLOEXEC));
    MUST(fd == 7 ? 0 : -1);
    MUST(dup2(7, 8));
    MUST(dup3(3, 9, O_CLOEXEC));
    {
        char *av[] = {self, "child", "fds", NULL};
        char *ev[] = {dirvar, NULL};
        run("fds child", av, ev);
    }
    R("parent offset of fd 3 after child read", lseek(3, 0, SEEK_CUR));
    R("parent fd 4 still open", fcntl(4, F_GETFD));
    char got = 0;
    R("parent reads the child's pipe byte", read(rd, &got, 1));
    printf("byte: %c\n", got);
    for (int i = 3; i < 10; i++)
        close(i);

    /* execveat: relative to a directory fd, and AT_EMPTY_PATH on an fd of the binary */
    {
        int self_fd;
        MUST(self_fd = open(self, O_RDONLY));
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            char *av[] = {self, "child", "args", "0", "via-execveat", NULL};
            char *ev[] = {dirvar, NULL};
            syscall(SYS_execveat, self_fd, "", av, ev, AT_EMPTY_PATH);
            printf("  execveat AT_EMPTY_PATH failed: %s\n", errname(errno));
            _exit(127);
        }
        int st;
        waitpid(c, &st, 0);
        printf("execveat AT_EMPTY_PATH: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));
        close(self_fd);
        char *av[] = {"x", NULL};
        try_execveat("execveat empty path without flag", AT_FDCWD, "", av, 0);
        try_execveat("execveat bad flags", AT_FDCWD, "nothing", av, 0x1);
        int dfd;
        MUST(dfd = open(".", O_RDONLY | O_DIRECTORY));
        try_execveat("execveat missing name in dir fd", dfd, "no-such", av, 0);
        close(dfd);
    }

    /* errors */
    char *av[] = {"x", NULL};
    try_exec("ENOENT missing file", "./no-such-program", av, environ);
    try_exec("ENOENT missing dir", "no-dir/prog", av, environ);
    try_exec("empty path", "", av, environ);
    put_file("plain", "#!/bin/sh\nexit 0\n");
    chmod("plain", 0644);
    try_exec("no execute permission", "./plain", av, environ);
    try_exec("ENOTDIR", "plain/x", av, environ);
    mkdir("adir", 0755);
    try_exec("directory", "./adir", av, environ);
    put_file("garbage", "\x01\x02\x03 this is not a program\n");
    chmod("garbage", 0755);
    try_exec("garbage content", "./garbage", av, environ);
    put_file("empty", "");
    chmod("empty", 0755);
    try_exec("empty file", "./empty", av, environ);
    put_file("badinterp", "#!/no/such/interpreter\n");
    chmod("badinterp", 0755);
    try_exec("missing interpreter", "./badinterp", av, environ);
    try_exec("bad path pointer", (const char *)8, av, environ);
    try_exec("bad argv pointer", self, (char **)8, environ);
    char *bad_av[] = {"x", (char *)8, NULL};
    try_exec("bad argv element", self, bad_av, environ);

    /* E2BIG: one argument above MAX_ARG_STRLEN (128 KiB), and 8 MiB in total */
    static char big[200000];
    memset(big, 'a', sizeof big - 1);
    char *one_big[] = {"x", big, NULL};
    try_exec("one 200 KB argument", self, one_big, environ);
    static char mid[100000];
    memset(mid, 'b', sizeof mid - 1);
    static char *many[100];
    many[0] = "x";
    for (int i = 1; i < 90; i++)
        many[i] = mid;
    try_exec("89 x 100 KB arguments", self, many, environ);
    char *env_many[100];
    for (int i = 0; i < 89; i++)
        env_many[i] = mid;
    env_many[89] = NULL;
    try_exec("89 x 100 KB environment", self, av, env_many);
    return 0;
}
