/* lseek: SEEK_SET/CUR/END, holes, EINVAL, ESPIPE on pipes. */
#include "abi.h"

int main(void)
{
    int fd, p[2];
    char buf[16];
    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    MUST(write(fd, "abcdefghij", 10));
    R("SEEK_CUR 0", lseek(fd, 0, SEEK_CUR));
    R("SEEK_SET 3", lseek(fd, 3, SEEK_SET));
    R("read", read(fd, buf, 2));
    printf("data: %.2s\n", buf);
    R("SEEK_CUR +2", lseek(fd, 2, SEEK_CUR));
    R("SEEK_CUR -4", lseek(fd, -4, SEEK_CUR));
    R("SEEK_END 0", lseek(fd, 0, SEEK_END));
    R("SEEK_END -3", lseek(fd, -3, SEEK_END));
    R("read", read(fd, buf, 10));
    printf("data: %.3s\n", buf);
    R("SEEK_END +5", lseek(fd, 5, SEEK_END));
    R("write after gap", write(fd, "Z", 1));
    R("SEEK_SET 8", lseek(fd, 8, SEEK_SET));
    memset(buf, 'x', sizeof buf);
    R("read hole", read(fd, buf, 16));
    for (int i = 0; i < 8; i++)
        putchar(buf[i] ? buf[i] : '.');
    putchar('\n');
    R("SEEK_SET -1", lseek(fd, -1, SEEK_SET));
    R("SEEK_CUR to negative", lseek(fd, -1000, SEEK_CUR));
    R("offset kept", lseek(fd, 0, SEEK_CUR));
    R("whence 7", lseek(fd, 0, 7));
    R("whence -1", lseek(fd, 0, -1));
    R("SEEK_SET large", lseek(fd, 1L << 40, SEEK_SET));
    R("raw lseek", syscall(SYS_lseek, fd, 4L, SEEK_SET));
    R("bad fd", lseek(999, 0, SEEK_SET));
    close(fd);

    MUST(pipe(p));
    R("pipe read end", lseek(p[0], 0, SEEK_CUR));
    R("pipe write end", lseek(p[1], 0, SEEK_SET));
    MUST(fd = open(".", O_RDONLY | O_DIRECTORY));
    R("dir SEEK_SET 0", lseek(fd, 0, SEEK_SET));
    close(fd);
    return 0;
}
