/* Threads and process lifetime: execve from a non-main thread (pid kept, other threads
 * gone), main thread pthread_exit while another runs (status 0 at the end), exit() from a
 * thread ends the whole process, SYS_exit ends only the thread, a process-directed signal
 * goes to the only thread that has it unblocked, tgkill targets one thread, a fatal signal
 * in a thread kills the process. */
#include "abi.h"
#include <dirent.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

static char *self;
static int pfd[2];
static volatile long handled_by;
static long t_tid;

static int count_tasks(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void *exec_thread(void *arg)
{
    char *pid = arg;
    char *av[] = {self, "execed", pid, NULL};
    extern char **environ;
    execve(self, av, environ);
    printf("  execve from thread failed: %s\n", errname(errno));
    _exit(127);
}

static void *block_forever(void *a)
{
    (void)a;
    char x;
    for (;;)
        read(pfd[0], &x, 1);
    return NULL;
}

static void *survivor(void *a)
{
    (void)a;
    write(pfd[1], "alive", 5);
    return NULL; /* last thread: the process exits with status 0 */
}

static void *exiter(void *a)
{
    (void)a;
    exit(7);
}

static volatile long exiting_tid;
static void *thread_only_exit(void *a)
{
    (void)a;
    exiting_tid = xgettid();
    syscall(SYS_exit, 5);
    return NULL;
}

static void h(int s) { (void)s; handled_by = xgettid(); }

static void *sig_waiter(void *a)
{
    (void)a;
    t_tid = xgettid();
    sigset_t none;
    sigemptyset(&none);
    write(pfd[1], "r", 1);
    sigsuspend(&none); /* returns after the handler ran on this thread */
    return NULL;
}

static void *fatal(void *a)
{
    (void)a;
    signal(SIGTERM, SIG_DFL);
    kill(getpid(), SIGTERM);
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "execed") == 0) {
        printf("  new image: pid kept: %s\n", atoi(argv[2]) == getpid() ? "yes" : "no");
        printf("  new image: gettid == getpid: %s\n", xgettid() == getpid() ? "yes" : "no");
        printf("  new image: tasks in /proc/self/task: %d\n", count_tasks());
        return 9;
    }
    if (argc > 2 && strcmp(argv[1], "mainexit") == 0) {
        pfd[1] = atoi(argv[2]);
        pthread_t t;
        pthread_create(&t, NULL, survivor, NULL);
        pthread_exit(NULL);
    }
    self = argv[0];
    MUST(pipe(pfd));
    pthread_t t;

    /* execve from a non-main thread while two other threads exist */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        static char pid[32];
        snprintf(pid, sizeof pid, "%d", (int)getpid());
        pthread_create(&t, NULL, block_forever, NULL);
        pthread_create(&t, NULL, exec_thread, pid);
        block_forever(NULL);
    }
    wait_report("exec from thread", c);

    /* main thread exits first (in a freshly exec'ed image: musl 1.2.3's fork child has no
     * clear_child_tid on its main thread and would deadlock here) */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        char fd[16];
        snprintf(fd, sizeof fd, "%d", pfd[1]);
        char *av[] = {self, "mainexit", fd, NULL};
        extern char **environ;
        execve(self, av, environ);
        _exit(127);
    }
    char buf[8] = {0};
    R("read from the surviving thread", read(pfd[0], buf, 5));
    printf("  got: %s\n", buf);
    wait_report("main pthread_exit first", c);

    /* exit() in a thread ends everything */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        pthread_create(&t, NULL, exiter, NULL);
        block_forever(NULL);
    }
    wait_report("exit(7) from a thread", c);

    /* SYS_exit ends only the calling thread */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        pthread_create(&t, NULL, thread_only_exit, NULL);
        /* no pthread_join: libc's bookkeeping was bypassed (musl would never wake);
         * poll until the kernel no longer knows the tid */
        int gone = 0;
        for (int i = 0; i < 2000 && !gone; i++) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            gone = exiting_tid && syscall(SYS_tgkill, getpid(), exiting_tid, 0) == -1 && errno == ESRCH;
        }
        printf("  thread gone, main still running: %s\n", gone ? "yes" : "no");
        _exit(3);
    }
    wait_report("thread SYS_exit, main _exit(3)", c);

    /* process-directed signal lands on the only thread with it unblocked */
    int rp[2];
    MUST(pipe(rp));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGUSR1);
        signal(SIGUSR1, h);
        pthread_sigmask(SIG_BLOCK, &m, NULL);
        pfd[1] = rp[1];
        pthread_create(&t, NULL, sig_waiter, NULL); /* inherits the mask ... */
        pthread_join(t, NULL);
        printf("  handled by the waiting thread: %s\n", handled_by == t_tid ? "yes" : "no");
        _exit(0);
    }
    /* the sig_waiter unblocks via sigsuspend(empty) */
    R("ready", read(rp[0], buf, 1));
    long kr = kill(c, SIGUSR1);
    wait_report("signal to process", c);
    R("kill(child, USR1)", kr);

    /* a fatal signal raised in a thread kills the whole process */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        pthread_create(&t, NULL, fatal, NULL);
        block_forever(NULL);
    }
    wait_report("fatal signal in a thread", c);
    return 0;
}
