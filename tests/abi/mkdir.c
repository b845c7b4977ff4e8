/* mkdir / mkdirat / rmdir: modes, EEXIST, ENOENT, ENOTDIR, ENOTEMPTY, EINVAL, dir nlink. */
#include "abi.h"

int main(void)
{
    struct stat st;
    umask(022);
    R("mkdir", mkdir("d", 0777));
    MUST(stat("d", &st));
    printf("mode: %o type: %s nlink: %ld\n", st.st_mode & 07777, ftype(st.st_mode),
           (long)st.st_nlink);
    R("mkdir exists", mkdir("d", 0755));
    R("mkdir trailing slash", mkdir("d2/", 0755));
    R("mkdir missing parent", mkdir("x/y", 0755));
    put_file("f", "");
    R("mkdir over file", mkdir("f", 0755));
    R("mkdir under file", mkdir("f/sub", 0755));
    R("mkdir empty", mkdir("", 0755));
    R("mkdir .", mkdir(".", 0755));
    R("mkdir sub", mkdir("d/sub", 0700));
    MUST(stat("d", &st));
    printf("parent nlink after subdir: %ld\n", (long)st.st_nlink);

    int dfd;
    MUST(dfd = open("d", O_RDONLY | O_DIRECTORY));
    R("mkdirat", mkdirat(dfd, "sub2", 0750));
    R("mkdirat exists", mkdirat(dfd, "sub2", 0750));
    R("mkdirat bad dirfd", mkdirat(999, "x", 0750));
    R("raw mkdirat", syscall(SYS_mkdirat, AT_FDCWD, "d/sub3", 0700));
    MUST(stat("d/sub2", &st));
    printf("sub2 mode: %o\n", st.st_mode & 07777);
    MUST(stat("d", &st));
    printf("parent nlink: %ld\n", (long)st.st_nlink);

    umask(0);
    R("mkdir sticky+setgid", mkdir("s", 01777 | 02000));
    MUST(stat("s", &st));
    printf("s mode: %o\n", st.st_mode & 07777);

    R("rmdir non-empty", rmdir("d"));
    R("rmdir file", rmdir("f"));
    R("rmdir missing", rmdir("zz"));
    R("rmdir .", rmdir("d/sub/."));
    R("rmdir ..", rmdir("d/sub/.."));
    R("rmdir sub", rmdir("d/sub"));
    R("rmdir sub again", rmdir("d/sub"));
    R("rmdir trailing slash", rmdir("d/sub2/"));
    MUST(stat("d", &st));
    printf("parent nlink at end: %ld\n", (long)st.st_nlink);
    close(dfd);
    return 0;
}
