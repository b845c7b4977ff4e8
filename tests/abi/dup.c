/* dup / dup2 / dup3: lowest fd, shared offset, dup2 same fd, dup3 EINVAL, O_CLOEXEC. */
#include "abi.h"

int main(void)
{
    int fd, d;
    char c;
    put_file("f", "abcdef");
    MUST(fd = open("f", O_RDONLY));
    printf("fd: %d\n", fd);
    R("dup", d = dup(fd));
    R("read via dup", read(d, &c, 1));
    printf("char: %c\n", c);
    R("orig offset shared", lseek(fd, 0, SEEK_CUR));
    R("dup F_GETFD", fcntl(d, F_GETFD));
    R("dup bad", dup(999));
    R("dup -1", dup(-1));

    R("dup2 to 10", dup2(fd, 10));
    R("dup2 same fd", dup2(fd, fd));
    R("dup2 same bad fd", dup2(999, 999));
    R("dup2 bad old", dup2(999, 11));
    R("dup2 over open fd", dup2(d, 10));
    R("dup2 negative new", dup2(fd, -1));
    R("dup2 huge new", dup2(fd, 1 << 30));

    R("dup3 same fd", dup3(fd, fd, 0));
    R("dup3 O_CLOEXEC", dup3(fd, 12, O_CLOEXEC));
    R("F_GETFD 12", fcntl(12, F_GETFD));
    R("dup3 plain over 12", dup3(fd, 12, 0));
    R("F_GETFD 12", fcntl(12, F_GETFD));
    R("raw dup3 bad flags", syscall(SYS_dup3, fd, 13, 0x1));
    R("dup3 bad old", dup3(999, 13, 0));
    R("raw dup3 same", syscall(SYS_dup3, fd, fd, 0));
#ifdef SYS_dup2
    R("raw dup2 same", syscall(SYS_dup2, fd, fd));
#endif

    /* closing one dup leaves the others */
    MUST(close(fd));
    R("read via 10", read(10, &c, 1));
    printf("char: %c\n", c);
    R("offset via 12", lseek(12, 0, SEEK_CUR));
    R("dup gets lowest", dup(10));
    return 0;
}
