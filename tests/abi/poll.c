/* poll / ppoll / select on pipes and files: readiness, POLLHUP, POLLNVAL, timeouts. */
#include "abi.h"
#include <poll.h>
#include <sys/select.h>
#include <time.h>

static void pr(const char *label, long r, struct pollfd *f, int n)
{
    if (r < 0) {
        printf("%s = -1 %s\n", label, errname(errno));
        return;
    }
    printf("%s = %ld:", label, r);
    for (int i = 0; i < n; i++)
        printf(" [%s%s%s%s%s]", f[i].revents & POLLIN ? "IN" : "", f[i].revents & POLLOUT ? "OUT" : "",
               f[i].revents & POLLHUP ? "HUP" : "", f[i].revents & POLLERR ? "ERR" : "",
               f[i].revents & POLLNVAL ? "NVAL" : "");
    printf("\n");
}

int main(void)
{
    int p[2], fd;
    MUST(pipe(p));
    put_file("f", "x");
    MUST(fd = open("f", O_RDWR));
    struct pollfd f[4] = {
        {p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {fd, POLLIN | POLLOUT, 0}, {-1, POLLIN, 0},
    };
    pr("initial", poll(f, 4, 0), f, 4);
    MUST(write(p[1], "a", 1));
    pr("after write", poll(f, 4, 0), f, 4);
    f[0].fd = 999;
    pr("bad fd", poll(f, 1, 0), f, 1);
    f[0].fd = p[0];
    char c;
    MUST(read(p[0], &c, 1));
    pr("timeout 20ms", poll(f, 1, 20), f, 1);
    close(p[1]);
    pr("writer closed", poll(f, 1, 0), f, 1);
    R("poll nfds huge", syscall(SYS_poll, f, 0x7fffffffL, 0));
    R("poll NULL 0 fds", poll(NULL, 0, 1));

    int q[2];
    MUST(pipe(q));
    close(q[0]);
    struct pollfd g = {q[1], POLLOUT, 0};
    pr("reader closed", poll(&g, 1, 0), &g, 1);

    struct timespec ts = {0, 1000000};
    struct pollfd h = {p[0], POLLIN, 0};
    pr("ppoll", ppoll(&h, 1, &ts, NULL), &h, 1);
    ts.tv_nsec = 2000000000L;
    R("ppoll bad timespec", ppoll(&h, 1, &ts, NULL));

    int r2[2];
    MUST(pipe(r2));
    fd_set rs, ws;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_SET(r2[0], &rs);
    FD_SET(r2[1], &ws);
    struct timeval tv = {0, 0};
    R("select", select(r2[1] + 1, &rs, &ws, NULL, &tv));
    printf("readable=%d writable=%d\n", FD_ISSET(r2[0], &rs), FD_ISSET(r2[1], &ws));
    MUST(write(r2[1], "z", 1));
    FD_ZERO(&rs);
    FD_SET(r2[0], &rs);
    tv.tv_usec = 1000;
    R("select after write", select(r2[0] + 1, &rs, NULL, NULL, &tv));
    printf("readable=%d\n", FD_ISSET(r2[0], &rs));
    tv.tv_usec = 1000;
    FD_ZERO(&rs);
    FD_SET(50, &rs); /* (fds beyond the fd table's current size are ignored by Linux) */
    R("select bad fd", select(51, &rs, NULL, NULL, &tv));
    tv.tv_usec = -1;
    R("select bad timeout", select(0, NULL, NULL, NULL, &tv));
    return 0;
}
