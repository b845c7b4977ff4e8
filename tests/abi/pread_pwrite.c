/* pread64 / pwrite64: positional I/O leaves the file offset alone; ESPIPE, EINVAL. */
#include "abi.h"

int main(void)
{
    char buf[32] = {0};
    int fd, p[2];

    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    R("write", write(fd, "0123456789", 10));
    R("pwrite at 2", pwrite(fd, "ab", 2, 2));
    R("offset after pwrite", lseek(fd, 0, SEEK_CUR));
    R("pread 4 at 1", pread(fd, buf, 4, 1));
    printf("data: %.4s\n", buf);
    R("offset after pread", lseek(fd, 0, SEEK_CUR));
    R("pread past eof", pread(fd, buf, 4, 100));
    R("pread straddling eof", pread(fd, buf, 8, 6));
    printf("data: %.4s\n", buf);
    R("pwrite past eof (hole)", pwrite(fd, "Z", 1, 15));
    memset(buf, 'x', sizeof buf);
    R("pread whole", pread(fd, buf, sizeof buf, 0));
    for (int i = 0; i < 16; i++)
        putchar(buf[i] ? buf[i] : '.');
    putchar('\n');
    R("pread negative offset", pread(fd, buf, 1, -1));
    R("pwrite negative offset", pwrite(fd, buf, 1, -5));
    R("raw pread64", syscall(SYS_pread64, fd, buf, 3, 4L));
    printf("data: %.3s\n", buf);
    R("raw pwrite64", syscall(SYS_pwrite64, fd, "QQ", 2, 0L));
    R("pread after raw", pread(fd, buf, 4, 0));
    printf("data: %.4s\n", buf);

    /* O_APPEND: Linux pwrite ignores the offset and appends */
    int afd;
    MUST(afd = open("f", O_WRONLY | O_APPEND));
    R("pwrite O_APPEND at 0", pwrite(afd, "END", 3, 0));
    close(afd);
    struct stat st;
    MUST(fstat(fd, &st));
    printf("size: %ld\n", (long)st.st_size);
    R("pread tail", pread(fd, buf, 3, 16));
    printf("data: %.3s\n", buf);
    close(fd);

    MUST(pipe(p));
    R("pwrite on pipe", pwrite(p[1], "x", 1, 0));
    R("pread on pipe", pread(p[0], buf, 1, 0));
    R("pread bad fd", pread(999, buf, 1, 0));
    MUST(fd = open("f", O_RDONLY));
    R("pwrite on O_RDONLY", pwrite(fd, "x", 1, 0));
    close(fd);
    return 0;
}
