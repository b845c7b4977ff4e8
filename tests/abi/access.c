/* access / faccessat / faccessat2: modes, root semantics for X_OK, flags, errors. */
#include "abi.h"

int main(void)
{
    umask(0);
    int fd;
    MUST(fd = open("ro", O_WRONLY | O_CREAT, 0400));
    close(fd);
    MUST(fd = open("exec", O_WRONLY | O_CREAT, 0700));
    close(fd);
    MUST(fd = open("none", O_WRONLY | O_CREAT, 0000));
    close(fd);
    MUST(mkdir("d", 0755));
    MUST(symlink("missing", "dangling"));

    R("F_OK ro", access("ro", F_OK));
    R("R_OK ro", access("ro", R_OK));
    R("W_OK ro (root)", access("ro", W_OK));
    R("X_OK ro (root, no x bit)", access("ro", X_OK));
    R("X_OK exec", access("exec", X_OK));
    R("R_OK|W_OK none (root)", access("none", R_OK | W_OK));
    R("X_OK dir", access("d", X_OK));
    R("F_OK missing", access("missing", F_OK));
    R("F_OK dangling", access("dangling", F_OK));
    R("ENOTDIR", access("ro/x", F_OK));
    R("bad mode", access("ro", 0x10));

    int dfd;
    MUST(dfd = open("d", O_RDONLY | O_DIRECTORY));
    put_file("d/in", "x");
    R("faccessat dirfd", faccessat(dfd, "in", R_OK, 0));
    R("faccessat AT_FDCWD", faccessat(AT_FDCWD, "d/in", W_OK, 0));
    R("faccessat bad dirfd", faccessat(999, "in", F_OK, 0));
    R("raw faccessat", syscall(SYS_faccessat, dfd, "in", F_OK));
    R("raw faccessat missing", syscall(SYS_faccessat, dfd, "nope", F_OK));
#ifdef SYS_faccessat2
    R("faccessat2 0", syscall(SYS_faccessat2, dfd, "in", R_OK, 0));
    R("faccessat2 AT_EACCESS", syscall(SYS_faccessat2, dfd, "in", R_OK, AT_EACCESS));
    R("faccessat2 NOFOLLOW dangling", syscall(SYS_faccessat2, AT_FDCWD, "dangling", F_OK,
                                              AT_SYMLINK_NOFOLLOW));
    R("faccessat2 follow dangling", syscall(SYS_faccessat2, AT_FDCWD, "dangling", F_OK, 0));
    R("faccessat2 AT_EMPTY_PATH", syscall(SYS_faccessat2, dfd, "", F_OK, AT_EMPTY_PATH));
    R("faccessat2 empty no flag", syscall(SYS_faccessat2, dfd, "", F_OK, 0));
    R("faccessat2 bad flag", syscall(SYS_faccessat2, dfd, "in", F_OK, 0x1));
    R("faccessat2 bad mode", syscall(SYS_faccessat2, dfd, "in", 8, 0));
#else
    printf("no SYS_faccessat2\n");
#endif
    close(dfd);
    return 0;
}
