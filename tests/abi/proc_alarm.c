/* alarm(): interrupts pause() (handler runs, EINTR), default SIGALRM action kills a child,
 * remaining seconds returned by alarm(), replaced by a new alarm, not inherited across fork,
 * kept across execve. */
#include "abi.h"
#include <sys/wait.h>

static volatile int alarms;
static void on_alrm(int s) { (void)s; alarms++; }

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "execed") == 0) {
        unsigned left = alarm(0);
        printf("  after execve: pending alarm kept (9..10 s left): %s\n",
               left >= 9 && left <= 10 ? "yes" : "no");
        return 0;
    }
    int st;
    R("alarm(0) with none pending", alarm(0));
    R("alarm(5)", alarm(5));
    R("alarm(3) returns the old remaining", alarm(3));
    R("alarm(0) returns 3", alarm(0));
    R("alarm(0) again", alarm(0));

    /* not inherited by a fork child */
    alarm(10);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
        _exit(alarm(0) == 0 ? 0 : 1);
    waitpid(c, &st, 0);
    printf("fork child has no alarm: %s\n", WEXITSTATUS(st) == 0 ? "yes" : "no");

    /* kept across execve (in a child, which inherits nothing: it sets its own) */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        alarm(10);
        char *av[] = {argv[0], "execed", NULL};
        extern char **environ;
        execve(argv[0], av, environ);
        _exit(127);
    }
    waitpid(c, &st, 0);
    R("parent's own alarm still there (10)", alarm(0));

    /* default action: a child with alarm(1) and pause() dies of SIGALRM; meanwhile the
     * parent's alarm(1) interrupts its own pause() through a handler (both take ~1 s) */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        for (;;)
            pause();
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    R("pause", pause());
    printf("handler ran: %d\n", alarms);
    R("alarm(0) after it fired", alarm(0));
    waitpid(c, &st, 0);
    printf("child: signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return 0;
}
