/* rename / renameat / renameat2: replace, NOREPLACE, EXCHANGE, dir/file mismatches. */
#include "abi.h"

static void cat(const char *p)
{
    char buf[32];
    if (get_file(p, buf, sizeof buf) < 0)
        printf("%s: missing\n", p);
    else
        printf("%s: %s\n", p, buf);
}

int main(void)
{
    put_file("a", "A");
    put_file("b", "B");
    MUST(mkdir("d", 0755));
    MUST(mkdir("e", 0755));
    put_file("e/x", "X");
    MUST(mkdir("empty", 0755));

    R("rename a->c", rename("a", "c"));
    cat("a"); cat("c");
    R("rename replace c->b", rename("c", "b"));
    cat("b"); cat("c");
    R("rename missing", rename("zz", "yy"));
    R("rename same file", rename("b", "b"));
    R("rename file over dir", rename("b", "d"));
    R("rename dir over file", rename("d", "b"));
    R("rename dir over non-empty dir", rename("d", "e"));
    R("rename dir over empty dir", rename("d", "empty"));
    R("rename dir into itself", rename("empty", "empty/inner"));
    R("rename into missing dir", rename("b", "nodir/b"));
    R("rename .", rename(".", "dot"));
    cat("e/x");

    int dfd;
    MUST(dfd = open("e", O_RDONLY | O_DIRECTORY));
    R("renameat", renameat(dfd, "x", AT_FDCWD, "x2"));
    cat("x2");
    R("renameat bad dirfd", renameat(999, "x", AT_FDCWD, "y"));
#ifdef SYS_renameat2
    put_file("p", "P");
    put_file("q", "Q");
    R("renameat2 NOREPLACE existing", syscall(SYS_renameat2, AT_FDCWD, "p", AT_FDCWD, "q",
                                              RENAME_NOREPLACE));
    R("renameat2 NOREPLACE new", syscall(SYS_renameat2, AT_FDCWD, "p", dfd, "p",
                                         RENAME_NOREPLACE));
    cat("e/p");
    R("renameat2 EXCHANGE", syscall(SYS_renameat2, dfd, "p", AT_FDCWD, "q", RENAME_EXCHANGE));
    cat("e/p"); cat("q");
    R("renameat2 EXCHANGE missing", syscall(SYS_renameat2, AT_FDCWD, "q", AT_FDCWD, "zz",
                                            RENAME_EXCHANGE));
    R("renameat2 both flags", syscall(SYS_renameat2, AT_FDCWD, "q", AT_FDCWD, "r",
                                      RENAME_EXCHANGE | RENAME_NOREPLACE));
    R("renameat2 bad flag", syscall(SYS_renameat2, AT_FDCWD, "q", AT_FDCWD, "r", 0x100));
    R("renameat2 0", syscall(SYS_renameat2, AT_FDCWD, "q", AT_FDCWD, "r", 0));
    cat("r");
#else
    printf("no SYS_renameat2\n");
#endif
    /* open fd follows the file across rename */
    int fd;
    MUST(fd = open("x2", O_RDWR));
    MUST(rename("x2", "moved"));
    MUST(write(fd, "Y", 1));
    close(fd);
    cat("moved");
    close(dfd);
    return 0;
}
