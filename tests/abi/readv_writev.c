/* readv / writev: scatter-gather ordering, short reads, bad iovcnt. */
#include "abi.h"
#include <sys/uio.h>
#include <limits.h>

int main(void)
{
    int fd;
    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    struct iovec w[3] = {
        {"alpha-", 6}, {"", 0}, {"beta-gamma", 10},
    };
    R("writev", writev(fd, w, 3));
    MUST(lseek(fd, 0, SEEK_SET));
    char a[4], b[5], c[20];
    memset(c, 0, sizeof c);
    struct iovec r[3] = {{a, 4}, {b, 5}, {c, sizeof c}};
    R("readv", readv(fd, r, 3));
    printf("a=%.4s b=%.5s c=%s\n", a, b, c);
    R("readv at eof", readv(fd, r, 3));
    R("writev iovcnt 0", writev(fd, w, 0));
    R("writev iovcnt -1", syscall(SYS_writev, fd, w, -1));
    R("writev iovcnt IOV_MAX+1", syscall(SYS_writev, fd, w, IOV_MAX + 1));
    struct iovec neg = {a, (size_t)-1};
    R("writev huge len", writev(fd, &neg, 1));
    R("readv bad fd", readv(999, r, 1));

    /* preadv/pwritev exist in both libcs */
    struct iovec pw[2] = {{"XY", 2}, {"Z", 1}};
    R("pwritev at 1", pwritev(fd, pw, 2, 1));
    char d[8] = {0};
    struct iovec pr[2] = {{d, 3}, {d + 3, 3}};
    R("preadv at 0", preadv(fd, pr, 2, 0));
    printf("d=%.6s\n", d);
    R("offset unchanged", lseek(fd, 0, SEEK_CUR));
    close(fd);

    /* writev to a pipe is atomic-ish and ordered */
    int p[2];
    MUST(pipe(p));
    R("writev pipe", writev(p[1], w, 3));
    memset(c, 0, sizeof c);
    R("read pipe", read(p[0], c, sizeof c - 1));
    printf("pipe: %s\n", c);
    return 0;
}
