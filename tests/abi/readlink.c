/* readlink / readlinkat: contents, truncation (no NUL), EINVAL on non-symlinks, errors. */
#include "abi.h"

int main(void)
{
    char buf[64];
    int dfd;
    MUST(mkdir("d", 0755));
    put_file("d/f", "x");
    MUST(symlink("f", "d/l"));
    MUST(symlink("a/very/long/target/path/name", "long"));
    MUST(symlink("/absolute/target", "abs"));

    memset(buf, '#', sizeof buf);
    R("readlink", readlink("d/l", buf, sizeof buf));
    printf("target: %.4s\n", buf);
    memset(buf, '#', sizeof buf);
    R("readlink long, buf 6", readlink("long", buf, 6));
    printf("target: %.8s\n", buf);
    R("readlink abs", readlink("abs", buf, sizeof buf));
    printf("target: %.16s\n", buf);
    R("readlink regular file", readlink("d/f", buf, sizeof buf));
    R("readlink dir", readlink("d", buf, sizeof buf));
    R("readlink missing", readlink("d/zz", buf, sizeof buf));
    R("readlink bufsiz 0", syscall(SYS_readlink, "d/l", buf, 0));
    R("readlink through file", readlink("d/f/x", buf, sizeof buf));
    R("readlink trailing slash", readlink("d/l/", buf, sizeof buf));

    MUST(dfd = open("d", O_RDONLY | O_DIRECTORY));
    memset(buf, 0, sizeof buf);
    R("readlinkat dirfd", readlinkat(dfd, "l", buf, sizeof buf));
    printf("target: %s\n", buf);
    R("readlinkat AT_FDCWD", readlinkat(AT_FDCWD, "d/l", buf, sizeof buf));
    R("readlinkat bad dirfd", readlinkat(999, "l", buf, sizeof buf));
    R("readlinkat non-symlink", readlinkat(dfd, "f", buf, sizeof buf));
    R("raw readlinkat", syscall(SYS_readlinkat, dfd, "l", buf, sizeof buf));
    R("readlinkat empty path on dir", syscall(SYS_readlinkat, dfd, "", buf, sizeof buf));
    close(dfd);
    return 0;
}
