/* pidfd_open/pidfd_send_signal: errors, close-on-exec, poll readiness when the child exits
 * (and POLLHUP once reaped), epoll, waitid(P_PIDFD) blocking and with PIDFD_NONBLOCK, a
 * /proc/PID directory fd used as a pidfd. */
#include "abi.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#define P_PIDFD_ 3
#define PIDFD_NONBLOCK_ O_NONBLOCK

static long pidfd_open_(int pid, unsigned flags)
{
    return syscall(SYS_pidfd_open, pid, flags);
}

static long send_(int fd, int sig, void *info, unsigned flags)
{
    return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static int got;
static void on_usr1(int sig)
{
    (void)sig;
    got++;
}

static int poll_now(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, 0);
    return r < 0 ? -1 : p.revents;
}

int main(void)
{
    R("open pid -1", pidfd_open_(-1, 0));
    R("open pid 0", pidfd_open_(0, 0));
    R("open bad flags", pidfd_open_(getpid(), 1));
    R("open unknown pid", pidfd_open_(0x7ffffff0, 0));
    int self = (int)pidfd_open_(getpid(), 0);
    MUST(self);
    YN("cloexec", fcntl(self, F_GETFD) == FD_CLOEXEC);
    YN("not nonblock", !(fcntl(self, F_GETFL) & O_NONBLOCK));
    R("poll self", poll_now(self));

    signal(SIGUSR1, on_usr1);
    R("send bad flags", send_(self, SIGUSR1, NULL, 8));
    R("send two scopes", send_(self, SIGUSR1, NULL, 3));
    R("send fd -1", send_(-1, SIGUSR1, NULL, 0));
    R("send fd 0 (not a pidfd)", send_(0, SIGINT, NULL, 0));
    R("send bad signal", send_(self, 1000, NULL, 0));
    R("send bad info ptr", send_(self, SIGUSR1, (void *)8, 0));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR2;
    si.si_code = SI_QUEUE;
    R("send info signo mismatch", send_(self, SIGUSR1, &si, 0));
    R("send sig 0", send_(self, 0, NULL, 0));
    R("send SIGUSR1 self", send_(self, SIGUSR1, NULL, 0));
    R("handler ran", got);

    int procfd = open("/proc/self", O_RDONLY | O_DIRECTORY);
    MUST(procfd);
    R("send via /proc/self dir", send_(procfd, SIGUSR1, NULL, 0));
    R("handler ran", got);
    int dirfd = open(".", O_RDONLY | O_DIRECTORY);
    R("send via other dir", send_(dirfd, SIGUSR1, NULL, 0));
    close(dirfd);
    close(procfd);
    R("close self pidfd", close(self));

    /* A child: not ready while it runs, POLLIN once it has exited, POLLHUP once reaped. */
    int gate[2];
    MUST(pipe(gate));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        char x;
        close(gate[1]);
        MUST(read(gate[0], &x, 1));
        _exit(7);
    }
    close(gate[0]);
    int pfd = (int)pidfd_open_(c, 0);
    MUST(pfd);
    int nb = (int)pidfd_open_(c, PIDFD_NONBLOCK_);
    MUST(nb);
    YN("nonblock flag", (fcntl(nb, F_GETFL) & O_NONBLOCK) != 0);
    R("poll running child", poll_now(pfd));
    siginfo_t wi;
    R("waitid nonblock pidfd, running", syscall(SYS_waitid, P_PIDFD_, nb, &wi, WEXITED, NULL));
    memset(&wi, 0, sizeof wi);
    R("waitid nonblock + WNOHANG, running", syscall(SYS_waitid, P_PIDFD_, nb, &wi, WEXITED | WNOHANG, NULL));
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 42};
    R("epoll_ctl add pidfd", epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev));
    R("epoll_wait running", epoll_wait(ep, &ev, 1, 0));
    MUST(write(gate[1], "x", 1));
    struct pollfd p = {pfd, POLLIN, 0};
    R("poll waits for exit", poll(&p, 1, 5000));
    R("revents", p.revents);
    R("epoll_wait exited", epoll_wait(ep, &ev, 1, 5000));
    R("epoll data", ev.data.u32);
    R("send to zombie", send_(pfd, SIGUSR1, NULL, 0));
    memset(&wi, 0, sizeof wi);
    R("waitid P_PIDFD WNOWAIT", syscall(SYS_waitid, P_PIDFD_, pfd, &wi, WEXITED | WNOWAIT, NULL));
    YN("si_pid is child", wi.si_pid == c);
    R("si_status", wi.si_status);
    memset(&wi, 0, sizeof wi);
    R("waitid P_PIDFD", syscall(SYS_waitid, P_PIDFD_, pfd, &wi, WEXITED, NULL));
    R("si_status", wi.si_status);
    R("poll reaped", poll_now(pfd));
    R("send to reaped", send_(pfd, SIGUSR1, NULL, 0));
    R("waitid reaped", syscall(SYS_waitid, P_PIDFD_, pfd, &wi, WEXITED, NULL));
    R("waitid P_PIDFD bad fd", syscall(SYS_waitid, P_PIDFD_, 999, &wi, WEXITED, NULL));
    R("waitid P_PIDFD negative", syscall(SYS_waitid, P_PIDFD_, -1, &wi, WEXITED, NULL));
    R("waitid P_PIDFD non-pidfd", syscall(SYS_waitid, P_PIDFD_, 0, &wi, WEXITED, NULL));
    R("open reaped", pidfd_open_(c, 0));
    close(ep);
    close(pfd);
    close(nb);

    /* Killing a child through its pidfd. */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    pfd = (int)pidfd_open_(c, 0);
    memset(&si, 0, sizeof si);
    si.si_signo = SIGTERM;
    si.si_code = SI_USER;
    R("send forged SI_USER to child", send_(pfd, SIGTERM, &si, 0));
    R("send SIGTERM to child", send_(pfd, SIGTERM, NULL, 0));
    int st;
    MUST(waitpid(c, &st, 0));
    YN("child killed by SIGTERM", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    close(pfd);
    return 0;
}
