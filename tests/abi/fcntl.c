/* fcntl: F_GETFL/F_SETFL, F_DUPFD(_CLOEXEC), F_GETFD/F_SETFD, errors. */
#include "abi.h"

static void fl(const char *label, int fd)
{
    int f = fcntl(fd, F_GETFL);
    if (f < 0) {
        printf("%s: -1 %s\n", label, errname(errno));
        return;
    }
    printf("%s: acc=%d append=%d nonblock=%d\n", label, f & O_ACCMODE, !!(f & O_APPEND),
           !!(f & O_NONBLOCK));
}

int main(void)
{
    int fd, p[2];
    put_file("f", "abc");
    MUST(fd = open("f", O_RDWR));
    fl("initial", fd);
    R("F_SETFL append|nonblock", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    fl("after set", fd);
    R("F_SETFL try change accmode", fcntl(fd, F_SETFL, O_RDONLY));
    fl("accmode unchanged", fd);
    MUST(fcntl(fd, F_SETFL, O_APPEND));
    MUST(lseek(fd, 0, SEEK_SET));
    MUST(write(fd, "Z", 1));
    char buf[16];
    get_file("f", buf, sizeof buf);
    printf("content after append: %s\n", buf);

    R("F_GETFD", fcntl(fd, F_GETFD));
    R("F_SETFD cloexec", fcntl(fd, F_SETFD, FD_CLOEXEC));
    R("F_GETFD", fcntl(fd, F_GETFD));
    R("F_SETFD 0", fcntl(fd, F_SETFD, 0));
    R("F_GETFD", fcntl(fd, F_GETFD));

    int d;
    R("F_DUPFD 10", d = fcntl(fd, F_DUPFD, 10));
    R("dup F_GETFD", fcntl(d, F_GETFD));
    R("F_DUPFD 10 again", fcntl(fd, F_DUPFD, 10));
    R("F_DUPFD_CLOEXEC 20", d = fcntl(fd, F_DUPFD_CLOEXEC, 20));
    R("dup F_GETFD", fcntl(d, F_GETFD));
    fl("dup shares flags", d);
    MUST(fcntl(d, F_SETFL, 0));
    fl("orig sees dup's F_SETFL", fd);
    R("F_DUPFD negative", fcntl(fd, F_DUPFD, -1));
    R("F_DUPFD huge", fcntl(fd, F_DUPFD, 1 << 30));
    R("F_GETFL bad fd", fcntl(999, F_GETFL));
    R("F_GETFD bad fd", fcntl(999, F_GETFD));
    R("bad cmd", fcntl(fd, 9999));

    MUST(pipe2(p, O_NONBLOCK));
    fl("pipe read end", p[0]);
    fl("pipe write end", p[1]);
    MUST(fcntl(p[0], F_SETFL, 0));
    fl("pipe read cleared", p[0]);
    fl("pipe write untouched", p[1]);
    R("F_GETPIPE_SZ >= 4096", fcntl(p[0], 1032 /* F_GETPIPE_SZ */) >= 4096);

    int ro;
    MUST(ro = open("f", O_RDONLY));
    fl("O_RDONLY", ro);
    int wo;
    MUST(wo = open("f", O_WRONLY));
    fl("O_WRONLY", wo);
    /* F_NOTIFY (1026) with DN_MULTISHOT alone clears notifications (CPython test_fcntl). */
    int dfd;
    MUST(dfd = open(".", O_RDONLY));
    R("F_NOTIFY clear on a directory", syscall(SYS_fcntl, dfd, 1026, 0x80000000ul));
    R("F_NOTIFY on a file", syscall(SYS_fcntl, wo, 1026, 0x80000000ul));
    return 0;
}
