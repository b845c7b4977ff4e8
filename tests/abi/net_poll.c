/* poll/select/epoll over host sockets mixed with pipes: woken by either side (from another
 * process), level and edge triggering, EPOLLONESHOT, EPOLLRDHUP, timeouts, EINTR, and a
 * blocking wait that costs no CPU (no polling loop). */
#include "abi.h"
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

static int64_t now_ms(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A connected TCP pair over 127.0.0.1. */
static void tcp_pair(int sv[2])
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    MUST(bind(l, (struct sockaddr *)&a, sizeof a));
    MUST(listen(l, 1));
    socklen_t al = sizeof a;
    MUST(getsockname(l, (struct sockaddr *)&a, &al));
    sv[0] = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(sv[0], (struct sockaddr *)&a, sizeof a));
    sv[1] = accept(l, NULL, NULL);
    MUST(sv[1]);
    close(l);
}

/* Fork a child that sleeps ms, then writes one byte to fd, and exits. */
static pid_t later(int fd, int ms)
{
    pid_t c = fork();
    if (c == 0) {
        usleep(ms * 1000);
        _exit(write(fd, "!", 1) == 1 ? 0 : 1);
    }
    return c;
}

static void on_alarm(int s)
{
    (void)s;
}

int main(void)
{
    int so[2], pp[2];
    char b[64];
    tcp_pair(so);
    MUST(pipe(pp));

    /* poll: nothing ready, then the pipe (written by a child), then the socket. */
    struct pollfd p[2] = {{so[1], POLLIN, 0}, {pp[0], POLLIN, 0}};
    int64_t t0 = now_ms(CLOCK_MONOTONIC);
    R("poll timeout", poll(p, 2, 100));
    YN("waited >= 90ms", now_ms(CLOCK_MONOTONIC) - t0 >= 90);
    pid_t c = later(pp[1], 50);
    R("poll woken by the pipe", poll(p, 2, 5000));
    printf("revents socket %#x pipe %#x\n", p[0].revents, p[1].revents);
    wait_report("pipe writer", c);
    MUST(read(pp[0], b, 1));
    c = later(so[0], 50);
    R("poll woken by the socket", poll(p, 2, 5000));
    printf("revents socket %#x pipe %#x\n", p[0].revents, p[1].revents);
    wait_report("socket writer", c);
    MUST(read(so[1], b, 1));

    /* A long blocking wait on both kinds costs (almost) no CPU. */
    int64_t cpu0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    R("poll 300ms idle", poll(p, 2, 300));
    YN("idle wait used < 60ms of CPU", now_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0 < 60);

    /* select and pselect6 over the same pair. */
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(so[1], &rd);
    FD_SET(pp[0], &rd);
    struct timeval tv = {5, 0};
    c = later(so[0], 30);
    R("select woken by the socket", select(FD_SETSIZE, &rd, NULL, NULL, &tv));
    printf("socket set %d pipe set %d\n", FD_ISSET(so[1], &rd), FD_ISSET(pp[0], &rd));
    wait_report("socket writer", c);
    MUST(read(so[1], b, 1));
    FD_ZERO(&rd);
    FD_SET(so[1], &rd);
    FD_SET(pp[0], &rd);
    struct timespec ts = {5, 0};
    c = later(pp[1], 30);
    R("pselect woken by the pipe", pselect(FD_SETSIZE, &rd, NULL, NULL, &ts, NULL));
    printf("socket set %d pipe set %d\n", FD_ISSET(so[1], &rd), FD_ISSET(pp[0], &rd));
    wait_report("pipe writer", c);
    MUST(read(pp[0], b, 1));
    fd_set wr;
    FD_ZERO(&wr);
    FD_SET(so[1], &wr);
    tv.tv_sec = 0;
    R("select writable", select(so[1] + 1, NULL, &wr, NULL, &tv));

    /* poll interrupted by a signal (no SA_RESTART). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    R("poll interrupted", poll(p, 2, 5000));

    /* epoll, level-triggered: reported while data stays. */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {EPOLLIN, {.u32 = 1}}, out[4];
    MUST(epoll_ctl(ep, EPOLL_CTL_ADD, so[1], &ev));
    ev.data.u32 = 2;
    MUST(epoll_ctl(ep, EPOLL_CTL_ADD, pp[0], &ev));
    R("epoll nothing", epoll_wait(ep, out, 4, 50));
    c = later(so[0], 30);
    R("epoll woken by the socket", epoll_wait(ep, out, 4, 5000));
    printf("event %u %#x\n", out[0].data.u32, out[0].events);
    wait_report("socket writer", c);
    R("epoll again (level)", epoll_wait(ep, out, 4, 0));
    MUST(read(so[1], b, 1));
    c = later(pp[1], 30);
    R("epoll woken by the pipe", epoll_wait(ep, out, 4, 5000));
    printf("event %u %#x\n", out[0].data.u32, out[0].events);
    wait_report("pipe writer", c);
    MUST(read(pp[0], b, 1));

    /* Edge-triggered: one report per edge; data after a read to EAGAIN is a new edge. */
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = 1;
    MUST(epoll_ctl(ep, EPOLL_CTL_MOD, so[1], &ev));
    MUST(write(so[0], "abcd", 4));
    usleep(20000);
    R("ET first", epoll_wait(ep, out, 4, 1000));
    R("ET no new edge", epoll_wait(ep, out, 4, 0));
    MUST(recv(so[1], b, 2, 0));
    R("ET partial read: still no edge", epoll_wait(ep, out, 4, 0));
    MUST(recv(so[1], b, sizeof b, 0));
    R("read until EAGAIN", recv(so[1], b, sizeof b, MSG_DONTWAIT));
    MUST(write(so[0], "e", 1));
    usleep(20000);
    R("ET new data", epoll_wait(ep, out, 4, 1000));
    MUST(recv(so[1], b, sizeof b, 0));

    /* EPOLLONESHOT: reported once until EPOLL_CTL_MOD re-arms it. */
    ev.events = EPOLLIN | EPOLLONESHOT;
    MUST(epoll_ctl(ep, EPOLL_CTL_MOD, so[1], &ev));
    MUST(write(so[0], "f", 1));
    R("ONESHOT first", epoll_wait(ep, out, 4, 1000));
    R("ONESHOT disarmed", epoll_wait(ep, out, 4, 0));
    MUST(epoll_ctl(ep, EPOLL_CTL_MOD, so[1], &ev));
    R("ONESHOT re-armed", epoll_wait(ep, out, 4, 0));
    MUST(recv(so[1], b, sizeof b, 0));

    /* EPOLLRDHUP and EPOLLOUT: the peer shuts down its sending side. */
    ev.events = EPOLLIN | EPOLLRDHUP;
    MUST(epoll_ctl(ep, EPOLL_CTL_MOD, so[1], &ev));
    R("no RDHUP yet", epoll_wait(ep, out, 4, 0));
    MUST(shutdown(so[0], SHUT_WR));
    R("RDHUP", epoll_wait(ep, out, 4, 1000));
    printf("events %#x\n", out[0].events);
    struct pollfd q = {so[1], POLLIN | POLLRDHUP | POLLOUT, 0};
    R("poll RDHUP", poll(&q, 1, 0));
    printf("revents %#x\n", q.revents);
    ev.events = EPOLLOUT;
    ev.data.u32 = 3;
    MUST(epoll_ctl(ep, EPOLL_CTL_ADD, so[0], &ev));
    R("EPOLLOUT", epoll_wait(ep, out, 4, 0));
    close(so[0]);
    close(so[1]);
    R("closed fds drop out", epoll_wait(ep, out, 4, 0));
    close(ep);
    return 0;
}
