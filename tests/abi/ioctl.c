/* ioctl: TCGETS on non-ttys -> ENOTTY, FIONREAD on pipes and files, FIONBIO, EBADF. */
#include "abi.h"
#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
    int fd, p[2], n;
    struct termios t;
    put_file("f", "0123456789");
    MUST(fd = open("f", O_RDWR));
    R("TCGETS file", ioctl(fd, TCGETS, &t));
    R("tcgetattr file", tcgetattr(fd, &t));
    R("isatty file", isatty(fd));
    printf("isatty errno: %s\n", errname(errno));
    n = -1;
    R("FIONREAD file", ioctl(fd, FIONREAD, &n));
    printf("FIONREAD file value: %d\n", n);
    MUST(lseek(fd, 4, SEEK_SET));
    R("FIONREAD file after seek", ioctl(fd, FIONREAD, &n));
    printf("value: %d\n", n);
    R("TCGETS bad fd", ioctl(999, TCGETS, &t));
    R("TIOCGWINSZ file", ioctl(fd, TIOCGWINSZ, &(struct winsize){0}));

    MUST(pipe(p));
    R("TCGETS pipe", ioctl(p[0], TCGETS, &t));
    MUST(write(p[1], "abcde", 5));
    n = -1;
    R("FIONREAD pipe", ioctl(p[0], FIONREAD, &n));
    printf("FIONREAD pipe value: %d\n", n);
    int on = 1;
    R("FIONBIO on", ioctl(p[0], FIONBIO, &on));
    printf("nonblock now: %d\n", !!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    char buf[8];
    MUST(read(p[0], buf, sizeof buf));
    R("read empty after FIONBIO", read(p[0], buf, 1));
    R("FIOCLEX", ioctl(p[0], FIOCLEX));
    R("F_GETFD", fcntl(p[0], F_GETFD));
    R("FIONCLEX", ioctl(p[0], FIONCLEX));
    R("F_GETFD", fcntl(p[0], F_GETFD));
    R("unknown ioctl on pipe", ioctl(p[0], 0x7fff1234, 0));
    int dfd;
    MUST(dfd = open(".", O_RDONLY | O_DIRECTORY));
    R("TCGETS dir", ioctl(dfd, TCGETS, &t));
    return 0;
}
