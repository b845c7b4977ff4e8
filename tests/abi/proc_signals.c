/* Signals between processes: kill of a child in pause() / blocked in a pipe read, SIGKILL,
 * handler that _exits, siginfo of a cross-process kill/sigqueue, pending while blocked,
 * read interrupted (EINTR) without SA_RESTART and restarted with it, ESRCH after reaping. */
#include "abi.h"
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t hits;
static volatile int *shared; /* MAP_SHARED: handler count visible to the parent */
static volatile int usr1_code, usr1_pid_ok, usr1_uid_ok, rt_code, rt_pid_ok, rt_val;

static void h(int s) { (void)s; hits++; __atomic_add_fetch(shared, 1, __ATOMIC_SEQ_CST); }
static void h_exit(int s) { _exit(40 + s); }
static void h_info(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    hits++;
    if (s == SIGUSR1) {
        usr1_code = si->si_code;
        usr1_pid_ok = si->si_pid == getppid();
        usr1_uid_ok = si->si_uid == getuid();
    } else {
        rt_code = si->si_code;
        rt_pid_ok = si->si_pid == getppid();
        rt_val = si->si_value.sival_int;
    }
}

static void msleep(int ms)
{
    struct timespec t = {0, ms * 1000000L};
    nanosleep(&t, NULL);
}

/* fork; the child runs fn after signalling readiness on a pipe, the parent waits for it */
static pid_t start(void (*fn)(int rfd), int *wfd)
{
    int ready[2], data[2];
    MUST(pipe(ready));
    MUST(pipe(data));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(ready[0]);
        close(data[1]);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        fn(-1); /* setup (handlers) */
        write(ready[1], "r", 1);
        close(ready[1]);
        fn(data[0]);
        _exit(0);
    }
    close(ready[1]);
    close(data[0]);
    char x;
    read(ready[0], &x, 1);
    close(ready[0]);
    *wfd = data[1];
    return c;
}

static void do_pause(int fd) { if (fd >= 0) for (;;) pause(); }
static void do_read(int fd) { char x; if (fd >= 0) { read(fd, &x, 1); _exit(1); } }
static void do_exit_handler(int fd)
{
    if (fd < 0) { signal(SIGUSR1, h_exit); return; }
    for (;;) pause();
}
static void do_info(int fd)
{
    if (fd < 0) {
        struct sigaction sa = {0};
        sa.sa_sigaction = h_info;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGRTMIN, &sa, NULL);
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGUSR1);
        sigaddset(&m, SIGRTMIN);
        sigprocmask(SIG_BLOCK, &m, NULL); /* delivered only inside sigsuspend: no lost wakeup */
        return;
    }
    char x;
    read(fd, &x, 1); /* the parent signals, then closes the pipe */
    sigset_t none;
    sigemptyset(&none);
    while (hits < 2)
        sigsuspend(&none);
    printf("  child: hits=%d\n", hits);
    printf("  child: USR1 code=%s pid_is_parent=%d uid_ok=%d\n",
           usr1_code == SI_USER ? "SI_USER" : "?", usr1_pid_ok, usr1_uid_ok);
    printf("  child: RTMIN code=%s pid_is_parent=%d value=%d\n",
           rt_code == SI_QUEUE ? "SI_QUEUE" : "?", rt_pid_ok, rt_val);
}
static void do_blocked(int fd)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGTERM);
    if (fd < 0) { sigprocmask(SIG_BLOCK, &m, NULL); return; }
    char x;
    read(fd, &x, 1); /* parent kills, then writes */
    sigset_t p;
    sigpending(&p);
    printf("  child: SIGTERM pending while blocked: %d\n", sigismember(&p, SIGTERM));
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    printf("  child: still alive after unblocking (wrong)\n");
}
static void do_eintr(int fd)
{
    if (fd < 0) {
        struct sigaction sa = {0};
        sa.sa_handler = h; /* no SA_RESTART */
        sigaction(SIGUSR1, &sa, NULL);
        return;
    }
    char x;
    long r = read(fd, &x, 1);
    printf("  child: read without SA_RESTART = %ld %s, handler ran: %d\n", r,
           r < 0 ? errname(errno) : "", hits > 0);
}
static void do_restart(int fd)
{
    if (fd < 0) {
        struct sigaction sa = {0};
        sa.sa_handler = h;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, NULL);
        return;
    }
    char x = 0;
    long r = read(fd, &x, 1);
    printf("  child: read with SA_RESTART = %ld byte=%c handler runs=%d\n", r, x, (int)hits);
}

int main(void)
{
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    MUST(shared == MAP_FAILED ? -1 : 0);
    int w;
    pid_t c;

    c = start(do_pause, &w);
    R("kill TERM (child in pause)", kill(c, SIGTERM));
    wait_report("pause child", c);
    close(w);

    c = start(do_read, &w);
    R("kill TERM (child in pipe read)", kill(c, SIGTERM));
    wait_report("read child", c);
    close(w);

    c = start(do_read, &w);
    R("kill KILL", kill(c, SIGKILL));
    wait_report("read child", c);
    R("kill after reaping", kill(c, 0));
    close(w);

    c = start(do_exit_handler, &w);
    R("kill USR1 (handler _exits 40+sig)", kill(c, SIGUSR1));
    wait_report("handler child", c);
    close(w);

    c = start(do_info, &w);
    long k1 = kill(c, SIGUSR1);
    union sigval v;
    v.sival_int = 777;
    long k2 = sigqueue(c, SIGRTMIN, v);
    close(w);
    wait_report("siginfo child", c); /* the child prints: ours comes after */
    R("kill USR1", k1);
    R("sigqueue RTMIN", k2);

    c = start(do_blocked, &w);
    R("kill TERM (blocked)", kill(c, SIGTERM));
    write(w, "g", 1);
    wait_report("blocked child", c);
    close(w);

    /* without SA_RESTART: signal until the child reports (a signal that arrives just
     * before read() only runs the handler; the next one interrupts the read) */
    c = start(do_eintr, &w);
    int st = 0, done = 0;
    for (int i = 0; i < 2000 && !done; i++) {
        kill(c, SIGUSR1);
        msleep(1);
        done = waitpid(c, &st, WNOHANG) == c;
    }
    if (!done)
        waitpid(c, &st, 0);
    printf("eintr child: exited %d\n", WEXITSTATUS(st));
    close(w);

    /* with SA_RESTART: five signals, each acknowledged by the handler, then data */
    *shared = 0;
    c = start(do_restart, &w);
    for (int i = 1; i <= 5; i++) {
        msleep(2);
        kill(c, SIGUSR1);
        for (int k = 0; k < 2000 && __atomic_load_n(shared, __ATOMIC_SEQ_CST) < i; k++)
            msleep(1);
    }
    printf("handler acknowledgements: %d\n", *shared);
    write(w, "D", 1);
    wait_report("restart child", c);
    close(w);
    R("kill with bad signal", kill(getpid(), 12345));
    R("no children left", wait(&st));
    return 0;
}
