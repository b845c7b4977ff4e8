/* epoll: create1, ctl ADD/MOD/DEL, wait on pipes, edge-triggered, error paths. */
#include "abi.h"
#include <sys/epoll.h>

int main(void)
{
    int ep, p[2], q[2], fd;
    struct epoll_event ev, out[8];
    memset(out, 0, sizeof out);
    R("epoll_create1 0", (ep = epoll_create1(0)) >= 0);
    R("epoll_create1 CLOEXEC F_GETFD", fcntl(fd = epoll_create1(EPOLL_CLOEXEC), F_GETFD));
    close(fd);
    R("epoll_create1 bad flags", epoll_create1(0x1));
#ifdef SYS_epoll_create
    R("raw epoll_create 0", syscall(SYS_epoll_create, 0));
    R("raw epoll_create -1", syscall(SYS_epoll_create, -1));
#endif
    MUST(pipe(p));
    MUST(pipe(q));
    ev.events = EPOLLIN;
    ev.data.u64 = 111;
    R("ADD p0", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    R("ADD p0 again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    ev.data.u64 = 222;
    ev.events = EPOLLIN | EPOLLET;
    R("ADD q0 ET", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev));
    R("wait empty", epoll_wait(ep, out, 8, 0));
    R("wait 10ms", epoll_wait(ep, out, 8, 10));
    MUST(write(p[1], "x", 1));
    R("wait after write p", epoll_wait(ep, out, 8, 0));
    printf("data=%llu in=%d\n", (unsigned long long)out[0].data.u64, !!(out[0].events & EPOLLIN));
    R("level-triggered again", epoll_wait(ep, out, 8, 0));
    MUST(write(q[1], "y", 1));
    R("both ready", epoll_wait(ep, out, 8, 0));
    R("ET not reported twice", epoll_wait(ep, out, 8, 0));
    ev.events = EPOLLOUT;
    ev.data.u64 = 333;
    R("MOD p0 to OUT", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    R("p0 not writable", epoll_wait(ep, out, 8, 0));
    R("DEL p0", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    R("DEL p0 again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    R("MOD missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    R("ADD bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
    R("ctl on non-epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, q[0], &ev));
    R("ADD self", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    put_file("f", "z");
    MUST(fd = open("f", O_RDONLY));
    R("ADD regular file", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    R("bad op", epoll_ctl(ep, 99, q[0], &ev));
    R("wait maxevents 0", epoll_wait(ep, out, 0, 0));
    R("wait bad epfd", epoll_wait(999, out, 1, 0));
    R("wait on pipe fd", epoll_wait(p[0], out, 1, 0));
    /* hang-up reporting */
    int r[2];
    MUST(pipe(r));
    ev.events = EPOLLIN;
    ev.data.u64 = 444;
    MUST(epoll_ctl(ep, EPOLL_CTL_ADD, r[0], &ev));
    close(r[1]);
    int n = epoll_wait(ep, out, 8, 0);
    for (int i = 0; i < n; i++)
        if (out[i].data.u64 == 444)
            printf("hup reported: %d\n", !!(out[i].events & EPOLLHUP));
    return 0;
}
