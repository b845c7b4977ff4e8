/* close: EBADF cases, double close, fd reuse after close. */
#include "abi.h"

int main(void)
{
    int fd;
    put_file("f", "x");
    MUST(fd = open("f", O_RDONLY));
    R("close", close(fd));
    R("close again", close(fd));
    R("close -1", close(-1));
    R("close 999", close(999));
    R("close INT_MAX", close(0x7fffffff));
    R("raw close bad", syscall(SYS_close, 12345));
    int a, b;
    MUST(a = open("f", O_RDONLY));
    MUST(b = dup(a));
    R("close original", close(a));
    char c;
    R("dup still readable", read(b, &c, 1));
    R("fstat closed fd", fstat(a, &(struct stat){0}));
    close(b);
    /* close stdin then the next open gets fd 0 */
    R("close stdin", close(0));
    R("open gets 0", open("f", O_RDONLY));
    return 0;
}
