/* symlink / symlinkat: creation, EEXIST, ELOOP, relative resolution, O_NOFOLLOW. */
#include "abi.h"

int main(void)
{
    int fd, dfd;
    char buf[64];
    struct stat st;
    MUST(mkdir("d", 0755));
    put_file("d/target", "target-data");

    R("symlink", symlink("target", "d/rel"));
    R("symlink exists", symlink("target", "d/rel"));
    R("symlink over file", symlink("x", "d/target"));
    R("symlink missing parent", symlink("x", "nodir/l"));
    R("symlink empty target", symlink("", "d/empty"));
    MUST(dfd = open("d", O_RDONLY | O_DIRECTORY));
    R("symlinkat", symlinkat("target", dfd, "rel2"));
    R("symlinkat bad dirfd", symlinkat("target", 999, "rel3"));
    close(dfd);

    OK("open via relative symlink", fd = open("d/rel2", O_RDONLY));
    memset(buf, 0, sizeof buf);
    read(fd, buf, sizeof buf - 1);
    printf("data: %s\n", buf);
    close(fd);

    MUST(symlink("loop2", "loop1"));
    MUST(symlink("loop1", "loop2"));
    R("open loop", open("loop1", O_RDONLY));
    R("stat loop", stat("loop1", &st));
    R("lstat loop", lstat("loop1", &st));

    MUST(symlink("d", "dlink"));
    R("stat through dir symlink", stat("dlink/target", &st));
    R("O_NOFOLLOW on dir symlink component ok", (fd = open("dlink/target", O_RDONLY | O_NOFOLLOW)) >= 0);
    close(fd);
    R("O_NOFOLLOW final symlink", open("dlink", O_RDONLY | O_NOFOLLOW));
    R("O_DIRECTORY via symlink", (fd = open("dlink", O_RDONLY | O_DIRECTORY)) >= 0);
    close(fd);
    R("chdir via symlink", chdir("dlink"));
    R("relative after chdir", access("target", F_OK));
    R("chdir ..", chdir(".."));
    R("rmdir on symlink", rmdir("dlink"));
    R("unlink symlink", unlink("dlink"));
    R("target dir still there", access("d/target", F_OK));

    /* a symlink chain of length 10 resolves */
    char prev[16] = "d/target", name[16];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "c%d", i);
        MUST(symlink(prev, name));
        strcpy(prev, name);
    }
    R("open chain of 10", (fd = open("c9", O_RDONLY)) >= 0);
    close(fd);

    /* 41 levels exceed the kernel's 40 limit */
    strcpy(prev, "d/target");
    for (int i = 0; i < 41; i++) {
        snprintf(name, sizeof name, "e%d", i);
        MUST(symlink(prev, name));
        strcpy(prev, name);
    }
    R("open chain of 41", open("e40", O_RDONLY));
    return 0;
}
