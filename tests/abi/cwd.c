/* getcwd / chdir / fchdir: relative resolution, ERANGE, ENOENT, ENOTDIR, EBADF.
 * Paths are compared, never printed. */
#include "abi.h"

static char base[4096];

static void where(const char *label)
{
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) {
        printf("%s: getcwd -1 %s\n", label, errname(errno));
        return;
    }
    size_t n = strlen(base);
    if (strncmp(buf, base, n) == 0 && (buf[n] == 0 || buf[n] == '/'))
        printf("%s: $DIR%s\n", label, buf + n);
    else
        printf("%s: outside test dir\n", label);
}

int main(void)
{
    MUST(getcwd(base, sizeof base) ? 0 : -1);
    where("start");
    MUST(mkdir("a", 0755));
    MUST(mkdir("a/b", 0755));
    put_file("file", "x");

    R("chdir a/b", chdir("a/b"));
    where("now");
    R("chdir ..", chdir(".."));
    where("now");
    R("chdir missing", chdir("missing"));
    R("chdir file", chdir("../file"));
    R("chdir empty", chdir(""));
    where("unchanged");
    put_file("in-a", "y");
    R("relative open", access("in-a", F_OK));

    int fd, ffd;
    MUST(fd = open("b", O_RDONLY | O_DIRECTORY));
    R("chdir /", chdir("/"));
    where("root");
    R("fchdir", fchdir(fd));
    where("after fchdir");
    R("fchdir bad fd", fchdir(999));
    MUST(ffd = open("../../file", O_RDONLY));
    R("fchdir on file", fchdir(ffd));
    close(ffd);
    close(fd);

    char small[4];
    errno = 0;
    char *gs = getcwd(small, sizeof small);
    printf("getcwd small: %s %s\n", gs ? "ok" : "NULL", errname(errno));
    char buf[4096];
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    YN("raw getcwd returns strlen+1", n == (long)strlen(buf) + 1);
    R("raw getcwd size 0", syscall(SYS_getcwd, buf, 0));
    R("raw getcwd size 1", syscall(SYS_getcwd, buf, 1));

    /* chdir into a directory and remove it: getcwd reports ENOENT-style "(unreachable)" */
    MUST(mkdir("gone", 0755));
    MUST(chdir("gone"));
    MUST(rmdir("../gone"));
    n = syscall(SYS_getcwd, buf, sizeof buf);
    printf("getcwd in removed dir: %s\n", n < 0 ? errname(errno) : "ok");
    R("create in removed dir", open("x", O_RDWR | O_CREAT, 0644));
    R("chdir .. from removed", chdir(".."));
    where("back");
    return 0;
}
