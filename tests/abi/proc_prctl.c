/* prctl across processes: PR_SET_NAME vs /proc/self/comm and /proc/<pid>/comm, the name
 * inherited by fork and reset by exec; PR_SET_PDEATHSIG: cleared in a fork child, signal
 * delivered when the parent exits.  (Per-thread names: proc_thread_name.) */
#include "abi.h"
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

int main(int argc, char **argv)
{
    char name[32];
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        prctl(PR_GET_NAME, name, 0, 0, 0);
        printf("  after exec PR_GET_NAME: %s\n", name);
        show_first_line("  after exec /proc/self/comm", "/proc/self/comm");
        return 0;
    }
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    prctl(PR_GET_NAME, name, 0, 0, 0);
    YN("initial name is the binary's basename", strcmp(name, base) == 0);
    R("PR_SET_NAME", prctl(PR_SET_NAME, "main-name", 0, 0, 0));
    show_first_line("/proc/self/comm", "/proc/self/comm");
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)getpid());
    show_first_line("/proc/<pid>/comm", path);

    /* fork inherits; exec resets to the basename of the new program */
    int st;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        prctl(PR_GET_NAME, name, 0, 0, 0);
        printf("  child PR_GET_NAME: %s\n", name);
        char *av[] = {argv[0], "exec", NULL};
        extern char **environ;
        execve(argv[0], av, environ);
        _exit(127);
    }
    waitpid(c, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));

    /* PR_SET_PDEATHSIG is cleared for fork children */
    prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        int s = -1;
        prctl(PR_GET_PDEATHSIG, &s, 0, 0, 0);
        printf("  child pdeathsig after fork: %d\n", s);
        _exit(0);
    }
    waitpid(c, &st, 0);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);

    /* middle process M forks grandchild G; G sets PR_SET_PDEATHSIG=SIGUSR1 and waits for
     * it (1 s timeout); M exits; G reports on a pipe */
    int rep[2], ready[2];
    MUST(pipe(rep));
    MUST(pipe(ready));
    fflush(stdout);
    pid_t m = fork();
    if (m == 0) {
        pid_t mid = getpid();
        pid_t g = fork();
        if (g == 0) {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGUSR1);
            sigprocmask(SIG_BLOCK, &set, NULL);
            prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
            if (getppid() != mid) { /* parent already gone */
                write(rep[1], "E", 1);
                _exit(0);
            }
            write(ready[1], "r", 1);
            struct timespec to = {1, 0};
            siginfo_t si;
            int s = sigtimedwait(&set, &si, &to);
            char r = s == SIGUSR1 ? 'S' : 'T';
            write(rep[1], &r, 1);
            _exit(0);
        }
        char x;
        read(ready[0], &x, 1);
        _exit(0);
    }
    waitpid(m, &st, 0);
    char r = '?';
    R("grandchild report", read(rep[0], &r, 1));
    printf("pdeathsig delivered after parent exit: %s\n",
           r == 'S' ? "yes" : r == 'T' ? "no (timeout)" : "setup race");
    return 0;
}
