/* unlink / unlinkat: EISDIR, AT_REMOVEDIR, ENOTEMPTY, ENOTDIR, EINVAL, open-unlinked files. */
#include "abi.h"

int main(void)
{
    int fd, dfd;
    char buf[32];
    MUST(mkdir("d", 0755));
    MUST(mkdir("d/sub", 0755));
    put_file("d/f", "still-here");
    put_file("d/sub/inner", "");
    MUST(symlink("f", "d/l"));

    R("unlink dir", unlink("d/sub"));
    R("unlink missing", unlink("d/zz"));
    R("unlink through file", unlink("d/f/x"));
    R("unlink trailing slash on file", unlink("d/f/"));
    R("unlink symlink", unlink("d/l"));
    R("target survives", access("d/f", F_OK));

    MUST(fd = open("d/f", O_RDONLY));
    R("unlink open file", unlink("d/f"));
    R("gone from namespace", access("d/f", F_OK));
    memset(buf, 0, sizeof buf);
    R("read unlinked", read(fd, buf, sizeof buf - 1));
    printf("data: %s\n", buf);
    struct stat st;
    MUST(fstat(fd, &st));
    printf("nlink of unlinked: %ld\n", (long)st.st_nlink);
    close(fd);

    MUST(dfd = open("d", O_RDONLY | O_DIRECTORY));
    put_file("d/g", "");
    R("unlinkat file", unlinkat(dfd, "g", 0));
    R("unlinkat dir without flag", unlinkat(dfd, "sub", 0));
    R("unlinkat AT_REMOVEDIR non-empty", unlinkat(dfd, "sub", AT_REMOVEDIR));
    put_file("d/h", "");
    R("unlinkat AT_REMOVEDIR on file", unlinkat(dfd, "h", AT_REMOVEDIR));
    R("unlinkat bad flag", unlinkat(dfd, "h", 0x1));
    R("unlinkat bad dirfd", unlinkat(999, "h", 0));
    R("unlink inner", unlinkat(dfd, "sub/inner", 0));
    R("unlinkat AT_REMOVEDIR", unlinkat(dfd, "sub", AT_REMOVEDIR));
    R("raw unlinkat", syscall(SYS_unlinkat, AT_FDCWD, "d/h", 0));
    R("unlinkat AT_REMOVEDIR .", unlinkat(dfd, ".", AT_REMOVEDIR));
    R("unlinkat empty", unlinkat(dfd, "", 0));
    close(dfd);
    R("rmdir now-empty d", rmdir("d"));
    return 0;
}
