/* openat: dirfd-relative lookup, AT_FDCWD, absolute paths, EBADF / ENOTDIR on dirfd. */
#include "abi.h"

int main(void)
{
    int dfd, fd, ffd;
    char buf[32];

    MUST(mkdir("d", 0755));
    MUST(mkdir("d/sub", 0755));
    put_file("d/sub/file", "in-sub");
    put_file("top", "top-level");

    MUST(dfd = open("d", O_RDONLY | O_DIRECTORY));
    OK("openat relative", fd = openat(dfd, "sub/file", O_RDONLY));
    memset(buf, 0, sizeof buf);
    read(fd, buf, sizeof buf - 1);
    printf("data: %s\n", buf);
    close(fd);
    OK("openat ..", fd = openat(dfd, "../top", O_RDONLY));
    close(fd);
    OK("openat create", fd = openat(dfd, "new", O_WRONLY | O_CREAT | O_EXCL, 0644));
    close(fd);
    R("new visible via cwd", access("d/new", F_OK));
    OK("openat AT_FDCWD", fd = openat(AT_FDCWD, "top", O_RDONLY));
    close(fd);

    /* absolute path ignores dirfd (even an invalid one) */
    const char *sd = getenv("ALCOVE_TEST_DIR");
    char abs[4096];
    snprintf(abs, sizeof abs, "%s/top", sd);
    OK("absolute with dirfd", fd = openat(dfd, abs, O_RDONLY));
    close(fd);
    OK("absolute with bad dirfd", fd = openat(999, abs, O_RDONLY));
    close(fd);

    R("bad dirfd", openat(999, "top", O_RDONLY));
    R("dirfd -1", openat(-1, "top", O_RDONLY));
    MUST(ffd = open("top", O_RDONLY));
    R("file as dirfd", openat(ffd, "x", O_RDONLY));
    R("openat missing", openat(dfd, "nope", O_RDONLY));
    R("openat O_EXCL existing", openat(dfd, "new", O_RDWR | O_CREAT | O_EXCL, 0644));

    /* dirfd keeps working after the directory is renamed */
    MUST(rename("d", "renamed"));
    OK("openat after rename", fd = openat(dfd, "sub/file", O_RDONLY));
    close(fd);
    R("old path gone", open("d/sub/file", O_RDONLY));

#ifdef O_PATH
    int pfd;
    OK("O_PATH open", pfd = open("renamed", O_PATH | O_DIRECTORY));
    OK("openat via O_PATH dirfd", fd = openat(pfd, "sub/file", O_RDONLY));
    close(fd);
    R("read on O_PATH fd", read(pfd, buf, 1));
    close(pfd);
#endif
    close(ffd);
    close(dfd);
    return 0;
}
