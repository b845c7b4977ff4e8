/* ftruncate / truncate: grow with zeros, shrink, offset untouched, error paths. */
#include "abi.h"

static long fsize(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

int main(void)
{
    int fd, p[2];
    char buf[32];
    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    MUST(write(fd, "0123456789", 10));
    R("ftruncate shrink", ftruncate(fd, 4));
    printf("size: %ld offset: %ld\n", fsize(fd), (long)lseek(fd, 0, SEEK_CUR));
    R("ftruncate grow", ftruncate(fd, 8));
    memset(buf, 'x', sizeof buf);
    R("pread", pread(fd, buf, sizeof buf, 0));
    for (int i = 0; i < 8; i++)
        putchar(buf[i] ? buf[i] : '.');
    putchar('\n');
    R("write at offset 10 (beyond size)", write(fd, "E", 1));
    printf("size: %ld\n", fsize(fd));
    R("ftruncate 0", ftruncate(fd, 0));
    R("ftruncate negative", ftruncate(fd, -1));
    R("raw ftruncate", syscall(SYS_ftruncate, fd, 3L));
    printf("size: %ld\n", fsize(fd));
    close(fd);

    R("truncate path", truncate("f", 100));
    MUST(fd = open("f", O_RDONLY));
    printf("size: %ld\n", fsize(fd));
    R("ftruncate O_RDONLY fd", ftruncate(fd, 0));
    close(fd);
    R("truncate missing", truncate("nope", 0));
    MUST(mkdir("d", 0755));
    R("truncate dir", truncate("d", 0));
    MUST(fd = open("d", O_RDONLY | O_DIRECTORY));
    R("ftruncate dir fd", ftruncate(fd, 0));
    close(fd);
    MUST(pipe(p));
    R("ftruncate pipe", ftruncate(p[1], 0));
    R("ftruncate bad fd", ftruncate(999, 0));

    /* O_APPEND fd may be truncated */
    MUST(fd = open("f", O_WRONLY | O_APPEND));
    R("ftruncate O_APPEND", ftruncate(fd, 2));
    printf("size: %ld\n", fsize(fd));
    close(fd);
    return 0;
}
