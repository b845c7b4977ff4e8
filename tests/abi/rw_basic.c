/* read(2) / write(2): success paths, EOF, short reads, wrong access mode, bad fds. */
#include "abi.h"

int main(void)
{
    char buf[64];
    int fd;

    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    R("write 11", write(fd, "hello world", 11));
    R("write 0", write(fd, "x", 0));
    R("read at eof", read(fd, buf, sizeof buf));
    MUST(lseek(fd, 0, SEEK_SET));
    R("read 5", read(fd, buf, 5));
    printf("data: %.5s\n", buf);
    R("read rest (short)", read(fd, buf, sizeof buf));
    printf("data: %.6s\n", buf);
    R("read 0 bytes", read(fd, buf, 0));
    R("read at eof again", read(fd, buf, sizeof buf));
    close(fd);

    MUST(fd = open("f", O_RDONLY));
    R("write on O_RDONLY", write(fd, "x", 1));
    close(fd);
    MUST(fd = open("f", O_WRONLY));
    R("read on O_WRONLY", read(fd, buf, 1));
    close(fd);

    R("read bad fd", read(999, buf, 1));
    R("write bad fd", write(999, buf, 1));
    R("read fd -1", read(-1, buf, 1));
    R("write closed fd", write(fd, buf, 1));

    /* large write + read back */
    static char big[200000], back[200000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7 + 3);
    MUST(fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644));
    long tot = 0, r;
    while (tot < (long)sizeof big && (r = write(fd, big + tot, sizeof big - tot)) > 0)
        tot += r;
    printf("big written: %ld\n", tot);
    MUST(lseek(fd, 0, SEEK_SET));
    tot = 0;
    while ((r = read(fd, back + tot, sizeof back - tot)) > 0)
        tot += r;
    printf("big read: %ld match: %s\n", tot, memcmp(big, back, sizeof big) ? "no" : "yes");
    close(fd);

    /* read of a directory fd */
    MUST(fd = open(".", O_RDONLY | O_DIRECTORY));
    R("read dir", read(fd, buf, sizeof buf));
    close(fd);
    return 0;
}
