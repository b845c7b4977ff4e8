/* Renaming directories above an open directory fd and above the cwd: lookups through the
 * fd, getcwd, fchdir and the /proc/self/cwd and /proc/self/fd links all follow the new
 * name; a removed cwd reports ENOENT and "(deleted)". */
#include "abi.h"
#include <limits.h>

static char base[PATH_MAX]; /* the test directory, as getcwd reports it */

/* Print a path relative to the test directory ("$DIR/..."), never the host path. */
static void show_path(const char *label, const char *p)
{
    size_t n = strlen(base);
    if (strncmp(p, base, n) == 0 && (p[n] == '/' || p[n] == 0))
        printf("%s: $DIR%s\n", label, p + n);
    else
        printf("%s: (outside the test dir)\n", label);
}

static void show_cwd(const char *label)
{
    char buf[PATH_MAX];
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    if (n < 0)
        printf("%s: getcwd -1 %s\n", label, errname(errno));
    else
        show_path(label, buf);
}

static void show_link(const char *label, const char *link)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    if (n < 0) {
        printf("%s: readlink -1 %s\n", label, errname(errno));
        return;
    }
    buf[n] = 0;
    const char *del = " (deleted)";
    size_t dl = strlen(del);
    if ((size_t)n > dl && strcmp(buf + n - dl, del) == 0) {
        char l2[128];
        buf[n - dl] = 0;
        snprintf(l2, sizeof l2, "%s (deleted)", label);
        show_path(l2, buf);
        return;
    }
    show_path(label, buf);
}

static void show_content(const char *label, int dirfd, const char *name)
{
    char buf[64];
    int fd = openat(dirfd, name, O_RDONLY);
    if (fd < 0) {
        printf("%s: open -1 %s\n", label, errname(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("%s: \"%s\"\n", label, buf);
    close(fd);
}

int main(void)
{
    char fdlink[64];
    MUST(getcwd(base, sizeof base) ? 0 : -1);
    int bfd;
    MUST(bfd = open(".", O_RDONLY | O_DIRECTORY));
    MUST(mkdir("a", 0755));
    MUST(mkdir("a/b", 0755));
    put_file("a/b/f", "hello");

    int dfd;
    MUST(dfd = open("a/b", O_RDONLY | O_DIRECTORY));
    snprintf(fdlink, sizeof fdlink, "/proc/self/fd/%d", dfd);
    MUST(chdir("a/b"));
    show_cwd("cwd before");

    R("rename a -> c", renameat(bfd, "a", bfd, "c"));
    show_content("openat(dirfd, f)", dfd, "f");
    show_content("open(f) from cwd", AT_FDCWD, "f");
    show_cwd("cwd after rename");
    struct stat st;
    R("stat ../../a", stat("../../a", &st));
    OK("stat ../../c/b/f", stat("../../c/b/f", &st));
    show_link("/proc/self/cwd", "/proc/self/cwd");
    show_link("/proc/self/fd/dirfd", fdlink);

    MUST(fchdir(bfd));
    show_cwd("cwd after fchdir(base)");
    R("fchdir(dirfd)", fchdir(dfd));
    show_cwd("cwd after fchdir(dirfd)");
    show_link("/proc/self/cwd", "/proc/self/cwd");

    int g = openat(dfd, "g", O_WRONLY | O_CREAT | O_EXCL, 0644);
    OK("create g through dirfd", g);
    if (g >= 0) {
        R("write g", write(g, "via-fd", 6));
        close(g);
    }
    show_content("c/b/g from base", bfd, "c/b/g");
    R("mkdirat(dirfd, sub)", mkdirat(dfd, "sub", 0755));
    OK("fstatat(base, c/b/sub)", fstatat(bfd, "c/b/sub", &st, 0));

    /* rename the directory itself, then move it up a level */
    R("rename c/b -> c/x", renameat(bfd, "c/b", bfd, "c/x"));
    show_cwd("cwd after rename c/b");
    show_link("/proc/self/fd/dirfd", fdlink);
    R("rename c/x -> top", renameat(bfd, "c/x", bfd, "top"));
    show_cwd("cwd after move up");
    show_link("/proc/self/fd/dirfd", fdlink);
    show_content("openat(dirfd, f)", dfd, "f");
    R("rmdir old parent c", unlinkat(bfd, "c", AT_REMOVEDIR));
    OK("stat .. (the base)", stat("..", &st));
    struct stat bst;
    MUST(fstat(bfd, &bst));
    YN("  .. is the base", st.st_ino == bst.st_ino && st.st_dev == bst.st_dev);

    /* a renamed-away directory tree with a symlink inside still resolves relative links */
    MUST(symlinkat("f", dfd, "lf"));
    show_content("openat(dirfd, lf)", dfd, "lf");

    /* remove the cwd */
    MUST(mkdir("e", 0755));
    MUST(chdir("e"));
    R("rmdir the cwd", rmdir("../e"));
    show_cwd("cwd after rmdir");
    show_link("/proc/self/cwd", "/proc/self/cwd");
    R("create in removed cwd", open("new", O_WRONLY | O_CREAT, 0644));
    R("stat . in removed cwd", stat(".", &st));
    R("stat .. in removed cwd", stat("..", &st));
    MUST(fchdir(bfd));
    show_cwd("cwd back at base");
    close(dfd);
    close(bfd);
    return 0;
}
