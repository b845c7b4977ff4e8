/* link / linkat: nlink accounting, EEXIST, EPERM on directories, AT_SYMLINK_FOLLOW. */
#include "abi.h"

static long nlink(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 ? (long)st.st_nlink : -1;
}

int main(void)
{
    char buf[32];
    put_file("a", "shared");
    MUST(mkdir("d", 0755));
    R("link", link("a", "b"));
    printf("nlink a=%ld b=%ld\n", nlink("a"), nlink("b"));
    R("link exists", link("a", "b"));
    R("link dir", link("d", "d2"));
    R("link missing", link("zz", "c"));
    R("link into missing dir", link("a", "nodir/c"));
    put_file("b", "rewritten");
    get_file("a", buf, sizeof buf);
    printf("a sees: %s\n", buf);
    R("unlink a", unlink("a"));
    printf("nlink b=%ld\n", nlink("b"));

    int dfd;
    MUST(dfd = open("d", O_RDONLY | O_DIRECTORY));
    R("linkat into dirfd", linkat(AT_FDCWD, "b", dfd, "c", 0));
    printf("nlink b=%ld\n", nlink("b"));
    MUST(symlink("b", "sl"));
    R("linkat symlink nofollow", linkat(AT_FDCWD, "sl", AT_FDCWD, "sl2", 0));
    struct stat st;
    MUST(lstat("sl2", &st));
    printf("sl2 type: %s\n", ftype(st.st_mode));
    R("linkat AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, "sl", AT_FDCWD, "sl3", AT_SYMLINK_FOLLOW));
    MUST(lstat("sl3", &st));
    printf("sl3 type: %s nlink b=%ld\n", ftype(st.st_mode), nlink("b"));
    R("linkat bad flags", linkat(AT_FDCWD, "b", AT_FDCWD, "x", 0x1));
    R("linkat bad dirfd", linkat(999, "b", AT_FDCWD, "x", 0));
    close(dfd);
    return 0;
}
