/* timerfd: create flags and clocks (alarm clocks EPERM), settime/gettime (relative,
 * TFD_TIMER_ABSTIME, CANCEL_ON_SET accepted, intervals), the 8-byte expiry count and its
 * overruns, EAGAIN/EINVAL, poll/select/epoll readiness (level and edge) waking a sleeper,
 * TFD_IOC_SET_TICKS, a timer shared across fork.  Timing is only checked within generous
 * bounds, printed as booleans. */
#include "abi.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define MS 1000000L
#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif

static struct itimerspec its(long vs, long vns, long is, long ins)
{
    struct itimerspec t = {{is, ins}, {vs, vns}};
    return t;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / MS;
}

int main(void)
{
    int fd;
    uint64_t v = 0;
    struct itimerspec cur, t;
    pid_t c;

    /* creation */
    static const int clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, 8, 9,
                                 CLOCK_PROCESS_CPUTIME_ID, CLOCK_MONOTONIC_RAW, 11, 42, -1};
    for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        char l[64];
        snprintf(l, sizeof l, "create clock %d", clocks[i]);
        errno = 0;
        int f = timerfd_create(clocks[i], 0);
        printf("%s = %s\n", l, f >= 0 ? "ok" : errname(errno));
        if (f >= 0)
            close(f);
    }
    R("create bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
    MUST(fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    printf("cloexec: %d nonblock: %d\n", fcntl(fd, F_GETFD), !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
    struct stat st;
    MUST(fstat(fd, &st));
    printf("fstat type bits: %o\n", st.st_mode & S_IFMT);

    /* disarmed */
    R("gettime", timerfd_gettime(fd, &cur));
    printf("disarmed: %ld %ld %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec,
           (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
    R("read disarmed nonblock", read(fd, &v, 8));
    R("read 4 bytes", read(fd, &v, 4));

    /* errors */
    t = its(1, 0, 0, 0);
    R("settime bad flags", timerfd_settime(fd, 4, &t, NULL));
    t = its(0, 1000000000, 0, 0);
    R("settime nsec 1e9", timerfd_settime(fd, 0, &t, NULL));
    t = its(-1, 0, 0, 0);
    R("settime negative", timerfd_settime(fd, 0, &t, NULL));
    t = its(1, 0, 0, -1);
    R("settime bad interval", timerfd_settime(fd, 0, &t, NULL));
    t = its(1, 0, 0, 0);
    R("settime ebadf", timerfd_settime(-1, 0, &t, NULL));
    R("settime not timerfd", timerfd_settime(0, 0, &t, NULL));
    R("settime efault", timerfd_settime(fd, 0, (void *)8, NULL));
    R("gettime ebadf", timerfd_gettime(-1, &cur));
    R("gettime not timerfd", timerfd_gettime(1, &cur));
    R("gettime efault", timerfd_gettime(fd, (void *)8));
    R("ioctl unknown", ioctl(fd, 0x5401, &v));

    /* one-shot, relative, 100 s: gettime within bounds, old value returned */
    t = its(100, 0, 0, 0);
    R("settime 100s", timerfd_settime(fd, 0, &t, NULL));
    R("gettime", timerfd_gettime(fd, &cur));
    YN("remaining in (99,100]", cur.it_value.tv_sec >= 99 && cur.it_value.tv_sec <= 100);
    t = its(0, 0, 0, 0);
    R("disarm with old", timerfd_settime(fd, 0, &t, &cur));
    YN("old remaining in (99,100]", cur.it_value.tv_sec >= 99 && cur.it_value.tv_sec <= 100);
    R("gettime", timerfd_gettime(fd, &cur));
    printf("after disarm: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

    /* one-shot expiry: poll wakes, read gives 1, then EAGAIN */
    t = its(0, 30 * MS, 0, 0);
    R("settime 30ms", timerfd_settime(fd, 0, &t, NULL));
    struct pollfd pfd = {fd, POLLIN | POLLOUT, 0};
    R("poll 0", poll(&pfd, 1, 0));
    long t0 = now_ms();
    R("poll wait", poll(&pfd, 1, 5000));
    long el = now_ms() - t0;
    printf("revents: %#x\n", pfd.revents);
    YN("poll woke in [20ms, 3s)", el >= 20 && el < 3000);
    R("read", read(fd, &v, 8));
    printf("ticks: %llu\n", (unsigned long long)v);
    R("read again", read(fd, &v, 8));
    R("gettime", timerfd_gettime(fd, &cur));
    printf("expired one-shot: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

    /* absolute, in the past: expires at once */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    t = its(now.tv_sec - 1, 0, 0, 0);
    R("settime abs past", timerfd_settime(fd, TFD_TIMER_ABSTIME, &t, NULL));
    R("read", read(fd, &v, 8));
    printf("ticks: %llu\n", (unsigned long long)v);

    /* interval with overruns: 5 ms period, sleep 100 ms -> many ticks */
    t = its(0, 5 * MS, 0, 5 * MS);
    R("settime periodic 5ms", timerfd_settime(fd, 0, &t, NULL));
    usleep(100 * 1000);
    R("gettime", timerfd_gettime(fd, &cur));
    YN("interval kept", cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 5 * MS);
    YN("value within period", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 5 * MS);
    R("read", read(fd, &v, 8));
    YN("overruns: ticks >= 5", v >= 5);
    YN("ticks <= 40", v <= 40);

    /* blocking read on a periodic timer */
    int bfd;
    MUST(bfd = timerfd_create(CLOCK_REALTIME, 0));
    clock_gettime(CLOCK_REALTIME, &now);
    t = its(now.tv_sec, now.tv_nsec + 20 * MS, 0, 20 * MS);
    if (t.it_value.tv_nsec >= 1000000000) {
        t.it_value.tv_sec++;
        t.it_value.tv_nsec -= 1000000000;
    }
    R("settime realtime abs cancel_on_set",
      timerfd_settime(bfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &t, NULL));
    for (int i = 0; i < 3; i++) {
        t0 = now_ms();
        R("blocking read", read(bfd, &v, 8));
        el = now_ms() - t0;
        YN("ticks >= 1", v >= 1);
        YN("woke within 3s", el < 3000);
    }
    /* select */
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(bfd, &rs);
    struct timeval tv = {5, 0};
    R("select", select(bfd + 1, &rs, NULL, NULL, &tv));
    YN("select says readable", FD_ISSET(bfd, &rs));
    R("read", read(bfd, &v, 8));
    close(bfd);

    /* epoll: level and edge triggered */
    int ep;
    MUST(ep = epoll_create1(0));
    int lfd, efd;
    MUST(lfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    MUST(efd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK));
    struct epoll_event ev = {EPOLLIN, {.u32 = 1}};
    MUST(epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev));
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = 2;
    MUST(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
    struct epoll_event out[4];
    R("epoll_wait nothing armed", epoll_wait(ep, out, 4, 10));
    t = its(0, 20 * MS, 0, 0);
    MUST(timerfd_settime(lfd, 0, &t, NULL));
    MUST(timerfd_settime(efd, 0, &t, NULL));
    usleep(60 * 1000);
    int n = epoll_wait(ep, out, 4, 5000);
    printf("epoll_wait both: %d\n", n);
    unsigned seen = 0;
    for (int i = 0; i < n; i++)
        seen |= out[i].data.u32;
    printf("seen mask: %u\n", seen);
    n = epoll_wait(ep, out, 4, 20);
    printf("again: %d (data %u)\n", n, n > 0 ? out[0].data.u32 : 0);
    R("read level", read(lfd, &v, 8));
    R("read edge", read(efd, &v, 8));
    R("epoll_wait after reads", epoll_wait(ep, out, 4, 20));
    /* epoll sleeping until an expiry */
    t = its(0, 40 * MS, 0, 0);
    MUST(timerfd_settime(lfd, 0, &t, NULL));
    t0 = now_ms();
    n = epoll_wait(ep, out, 4, 5000);
    el = now_ms() - t0;
    printf("epoll_wait sleep: %d data %u\n", n, n > 0 ? out[0].data.u32 : 0);
    YN("epoll woke in [30ms, 3s)", el >= 30 && el < 3000);
    MUST(read(lfd, &v, 8));

    /* poll and epoll over a host socket and a timer: the expiry ends the host sleep */
    int us = socket(AF_INET, SOCK_DGRAM, 0);
    if (us >= 0) {
        struct sockaddr_in sa = {AF_INET, 0, {htonl(INADDR_LOOPBACK)}, {0}};
        MUST(bind(us, (struct sockaddr *)&sa, sizeof sa));
        t = its(0, 40 * MS, 0, 0);
        MUST(timerfd_settime(lfd, 0, &t, NULL));
        struct pollfd two[2] = {{us, POLLIN, 0}, {lfd, POLLIN, 0}};
        t0 = now_ms();
        R("poll socket+timer", poll(two, 2, 5000));
        el = now_ms() - t0;
        printf("revents: %#x %#x\n", two[0].revents, two[1].revents);
        YN("woke in [30ms, 3s)", el >= 30 && el < 3000);
        MUST(read(lfd, &v, 8));
        ev.events = EPOLLIN;
        ev.data.u32 = 9;
        MUST(epoll_ctl(ep, EPOLL_CTL_ADD, us, &ev));
        MUST(timerfd_settime(lfd, 0, &t, NULL));
        t0 = now_ms();
        n = epoll_wait(ep, out, 4, 5000);
        el = now_ms() - t0;
        printf("epoll socket+timer: %d data %u\n", n, n > 0 ? out[0].data.u32 : 0);
        YN("woke in [30ms, 3s)", el >= 30 && el < 3000);
        MUST(read(lfd, &v, 8));
        close(us);
    } else {
        printf("no socket: %s\n", errname(errno));
    }

    /* TFD_IOC_SET_TICKS */
    v = 0;
    R("set ticks 0", ioctl(lfd, TFD_IOC_SET_TICKS, &v));
    v = 42;
    R("set ticks 42", ioctl(lfd, TFD_IOC_SET_TICKS, &v));
    R("poll after set ticks", poll(&(struct pollfd){lfd, POLLIN, 0}, 1, 0));
    R("read", read(lfd, &v, 8));
    printf("ticks: %llu\n", (unsigned long long)v);
    close(lfd);
    close(efd);
    close(ep);

    /* the alarm clocks need CAP_WAKE_ALARM */
    c = fork();
    if (c == 0) {
        struct { unsigned version; int pid; } h = {0x20080522, 0};
        unsigned d[6] = {0};
        MUST(syscall(SYS_capset, &h, d));
        R("no caps: create REALTIME_ALARM", timerfd_create(8, 0));
        R("no caps: create BOOTTIME_ALARM", timerfd_create(9, 0));
        _exit(0);
    }
    wait_report("alarm child", c);

    /* shared across fork: the child reads the expiry, the parent then finds none */
    t = its(0, 20 * MS, 0, 0);
    MUST(timerfd_settime(fd, 0, &t, NULL));
    int fl = fcntl(fd, F_GETFL);
    MUST(fcntl(fd, F_SETFL, fl & ~O_NONBLOCK));
    c = fork();
    if (c == 0) {
        uint64_t cv = 0;
        long r = read(fd, &cv, 8);
        printf("child read: %ld ticks %llu\n", r, (unsigned long long)cv);
        _exit(0);
    }
    wait_report("child", c);
    MUST(fcntl(fd, F_SETFL, fl));
    R("parent read after child", read(fd, &v, 8));
    close(fd);
    return 0;
}
