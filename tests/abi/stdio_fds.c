/* The standard descriptors as set up by the runner: stdin is /dev/null, stdout and stderr
 * are redirected to regular files (never ttys). */
#include "abi.h"

int main(void)
{
    char buf[8];
    struct stat st;
    int inherited = 0;
    for (int fd = 3; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            inherited++;
    printf("descriptors open above 2 at start: %d\n", inherited);
    R("read stdin", read(0, buf, sizeof buf));
    R("isatty 0", isatty(0));
    R("isatty 1", isatty(1));
    R("isatty 2", isatty(2));
    printf("F_GETFD 0/1/2: %d %d %d\n", fcntl(0, F_GETFD), fcntl(1, F_GETFD), fcntl(2, F_GETFD));
    MUST(fstat(0, &st));
    printf("stdin type: %s\n", ftype(st.st_mode));
    MUST(fstat(1, &st));
    printf("stdout type: %s\n", ftype(st.st_mode));
    printf("stdout acc: %d\n", fcntl(1, F_GETFL) & O_ACCMODE ? 1 : 0);
    R("write stderr", write(2, "to stderr\n", 10));
    R("first free fd", open(".", O_RDONLY | O_DIRECTORY));
    R("fd 3 was free", fcntl(4, F_GETFD));
    fflush(stdout);
    R("raw write stdout", write(1, "raw line\n", 9));
    printf("after raw\n");
    return 0;
}
