/* signalfd/signalfd4: argument checks, mask rules (SIGKILL/SIGSTOP dropped), reading
 * struct signalfd_siginfo for kill, sigqueue (queued real-time values), tgkill, raise and
 * SIGCHLD from a child's exit, several records per read, EAGAIN/EINVAL, updating the mask
 * of an existing fd, poll/epoll readiness when a blocked signal arrives (also from another
 * process, waking a sleeper), and fork (the child reads its own signals). */
#include "abi.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

static void show(const char *l, const struct signalfd_siginfo *s)
{
    printf("%s: signo %u code %d pid_is_me %d pid_is_child %d uid %u int %d ptr %llx "
           "status %d errno %d\n",
           l, s->ssi_signo, s->ssi_code, s->ssi_pid == (uint32_t)getpid(), 0, s->ssi_uid,
           s->ssi_int, (unsigned long long)s->ssi_ptr, s->ssi_status, s->ssi_errno);
}

int main(void)
{
    sigset_t m;
    struct signalfd_siginfo si[4];
    int fd;

    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    sigaddset(&m, SIGRTMIN);
    sigaddset(&m, SIGCHLD);
    MUST(sigprocmask(SIG_BLOCK, &m, NULL));

    /* errors, as the raw calls */
    R("signalfd4 bad size", syscall(SYS_signalfd4, -1, &m, 4, 0));
    R("signalfd4 efault", syscall(SYS_signalfd4, -1, (void *)8, 8, 0));
    R("signalfd4 bad flags", syscall(SYS_signalfd4, -1, &m, 8, 1));
    R("signalfd4 ebadf", syscall(SYS_signalfd4, 99, &m, 8, 0));
    R("signalfd4 not signalfd", syscall(SYS_signalfd4, 1, &m, 8, 0));
    R("signalfd old bad size", syscall(SYS_signalfd, -1, &m, 16));
    R("signalfd old bad fd", syscall(SYS_signalfd, -2, &m, 8));

    MUST(fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC));
    printf("cloexec: %d nonblock: %d\n", fcntl(fd, F_GETFD), !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
    R("read empty", read(fd, si, sizeof si));
    R("read short buffer", read(fd, si, 127));
    R("poll empty", poll(&(struct pollfd){fd, POLLIN, 0}, 1, 0));

    /* kill: pid, uid */
    MUST(kill(getpid(), SIGUSR1));
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    R("poll pending", poll(&p, 1, 0));
    printf("revents: %#x\n", p.revents);
    R("read", read(fd, si, sizeof si));
    show("kill", &si[0]);
    printf("uid matches: %d\n", si[0].ssi_uid == getuid());
    R("read drained", read(fd, si, sizeof si));

    /* sigqueue of a real-time signal: three queued values in order, several per read */
    for (int i = 0; i < 3; i++)
        MUST(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 100 + i}));
    MUST(raise(SIGUSR2)); /* thread-directed (tgkill) */
    long n = read(fd, si, sizeof si);
    printf("read 4 slots: %ld bytes\n", n);
    for (long i = 0; i < n / 128; i++) {
        char l[32];
        snprintf(l, sizeof l, "rec%ld", i);
        show(l, &si[i]);
    }
    R("read rest", read(fd, si, sizeof si));
    show("rest", &si[0]);

    /* one record at a time with a 128-byte buffer */
    MUST(kill(getpid(), SIGUSR1));
    MUST(kill(getpid(), SIGUSR2));
    R("read 128", read(fd, si, 128));
    R("read 200", read(fd, si, 200));
    R("read empty", read(fd, si, 128));

    /* the mask: SIGKILL/SIGSTOP are dropped, a new mask through the same fd */
    sigset_t m2;
    sigemptyset(&m2);
    sigaddset(&m2, SIGUSR2);
    sigaddset(&m2, SIGKILL);
    sigaddset(&m2, SIGSTOP);
    R("update mask", signalfd(fd, &m2, 0) == fd);
    MUST(kill(getpid(), SIGUSR1));
    R("read usr1 excluded", read(fd, si, sizeof si));
    MUST(kill(getpid(), SIGUSR2));
    R("read usr2", read(fd, si, sizeof si));
    printf("signo: %u\n", si[0].ssi_signo);
    sigset_t pend;
    sigpending(&pend);
    printf("usr1 still pending: %d\n", sigismember(&pend, SIGUSR1));
    MUST(signalfd(fd, &m, 0));
    R("read usr1", read(fd, si, sizeof si));

    /* SIGCHLD from a child's exit (default action ignore, but blocked: kept) */
    pid_t c = fork();
    if (c == 0) {
        if (geteuid() == 0 && setuid(1234) < 0)
            _exit(99);
        _exit(7);
    }
    R("poll sigchld", poll(&(struct pollfd){fd, POLLIN, 0}, 1, 5000));
    R("read", read(fd, si, sizeof si));
    printf("sigchld: signo %u code %d pid_is_child %d status %d uid %u\n", si[0].ssi_signo,
           si[0].ssi_code, si[0].ssi_pid == (uint32_t)c, si[0].ssi_status,
           geteuid() == 0 ? si[0].ssi_uid : 1234);
    wait_report("child", c);

    /* epoll and a blocking read woken by another process */
    int ep;
    MUST(ep = epoll_create1(0));
    struct epoll_event ev = {EPOLLIN, {.u32 = 5}}, out[2];
    MUST(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    R("epoll_wait none", epoll_wait(ep, out, 2, 10));
    pid_t me = getpid();
    c = fork();
    if (c == 0) {
        usleep(30 * 1000);
        kill(me, SIGUSR2);
        _exit(0);
    }
    n = epoll_wait(ep, out, 2, 5000);
    printf("epoll_wait: %ld data %u\n", n, n > 0 ? out[0].data.u32 : 0);
    R("read", read(fd, si, 128));
    printf("signo %u from child %d\n", si[0].ssi_signo, si[0].ssi_pid == (uint32_t)c);
    wait_report("child", c);
    R("read sigchld", read(fd, si, sizeof si));
    int bfd;
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    MUST(bfd = signalfd(-1, &rt, 0));
    c = fork();
    if (c == 0) {
        usleep(30 * 1000);
        union sigval v = {.sival_int = 77};
        sigqueue(me, SIGRTMIN, v);
        _exit(0);
    }
    R("blocking read", read(bfd, si, 128));
    printf("signo is rtmin %d int %d code %d\n", si[0].ssi_signo == (uint32_t)SIGRTMIN,
           si[0].ssi_int, si[0].ssi_code);
    wait_report("child", c);
    MUST(read(fd, si, sizeof si)); /* its SIGCHLD */

    /* fork: the child's read sees the child's own signals, not the parent's */
    MUST(kill(getpid(), SIGUSR1));
    c = fork();
    if (c == 0) {
        struct signalfd_siginfo cs;
        errno = 0;
        long r = read(fd, &cs, sizeof cs);
        printf("child read before: %ld %s\n", r, r < 0 ? errname(errno) : "");
        kill(getpid(), SIGUSR2);
        r = read(fd, &cs, sizeof cs);
        printf("child read own: %ld signo %u\n", r, cs.ssi_signo);
        _exit(0);
    }
    wait_report("child", c);
    n = read(fd, si, sizeof si);
    printf("parent read: %ld", n);
    for (long i = 0; i < n / 128; i++)
        printf(" %u", si[i].ssi_signo);
    printf("\n");
    return 0;
}
