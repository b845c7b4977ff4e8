/* Hard links: nlink on stat after link/unlink, one inode behind several names (data, mode),
 * EPERM for directories, EEXIST, unlink while open (fstat nlink 0, data still readable),
 * linkat AT_EMPTY_PATH of an unlinked file (ENOENT), rename onto a hard link of the same
 * inode (a no-op that keeps both names). */
#include "abi.h"

static long nlink(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 ? (long)st.st_nlink : -1;
}

static int same(const char *a, const char *b)
{
    struct stat x, y;
    return lstat(a, &x) == 0 && lstat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

static void content(const char *label, const char *p)
{
    char buf[64];
    if (get_file(p, buf, sizeof buf) < 0)
        printf("%s: -1 %s\n", label, errname(errno));
    else
        printf("%s: \"%s\"\n", label, buf);
}

int main(void)
{
    struct stat st;
    put_file("a", "data1");
    printf("nlink a=%ld\n", nlink("a"));
    R("link a b", link("a", "b"));
    printf("nlink a=%ld b=%ld\n", nlink("a"), nlink("b"));
    YN("a and b same inode", same("a", "b"));
    R("link a c", link("a", "c"));
    printf("nlink a=%ld b=%ld c=%ld\n", nlink("a"), nlink("b"), nlink("c"));
    R("link b c (exists)", link("b", "c"));
    R("link a a", link("a", "a"));
    R("unlink b", unlink("b"));
    printf("nlink a=%ld c=%ld\n", nlink("a"), nlink("c"));
    R("stat b", stat("b", &st));

    MUST(mkdir("d", 0755));
    MUST(mkdir("sub", 0755));
    R("link d d2 (dir)", link("d", "d2"));
    R("link . dot2", link(".", "dot2"));
    printf("nlink d=%ld\n", nlink("d"));
    R("link a sub/a2 (other dir)", link("a", "sub/a2"));
    printf("nlink a=%ld sub/a2=%ld\n", nlink("a"), nlink("sub/a2"));
    YN("sub/a2 same inode as a", same("a", "sub/a2"));
    R("link a d/x/y (missing dir)", link("a", "d/x/y"));
    R("link a/x y (a not a dir)", link("a/x", "y"));

    /* one inode: data and mode changes seen through every name */
    int fd;
    MUST(fd = open("c", O_WRONLY | O_APPEND));
    MUST(write(fd, "+more", 5));
    close(fd);
    content("a after append via c", "a");
    content("sub/a2", "sub/a2");
    R("chmod sub/a2 0600", chmod("sub/a2", 0600));
    MUST(stat("a", &st));
    printf("mode of a: %o\n", st.st_mode & 07777);
    R("truncate c 4", truncate("c", 4));
    content("a after truncate via c", "a");

    /* link to a symlink links the symlink itself */
    MUST(symlink("a", "sl"));
    R("link sl sl2", link("sl", "sl2"));
    printf("nlink sl=%ld a=%ld\n", nlink("sl"), nlink("a"));
    MUST(lstat("sl2", &st));
    printf("sl2 type: %s\n", ftype(st.st_mode));
    R("link dangling symlink", (symlink("nothing", "dl"), link("dl", "dl2")));
    printf("dl2 type: %s\n", lstat("dl2", &st) == 0 ? ftype(st.st_mode) : errname(errno));

    /* unlink every name while open */
    MUST(fd = open("a", O_RDWR));
    R("unlink a", unlink("a"));
    R("unlink c", unlink("c"));
    MUST(fstat(fd, &st));
    printf("fstat nlink after 2 of 3 unlinked = %ld\n", (long)st.st_nlink);
    R("unlink sub/a2", unlink("sub/a2"));
    MUST(fstat(fd, &st));
    printf("fstat nlink after all unlinked = %ld size=%ld\n", (long)st.st_nlink, (long)st.st_size);
    char buf[32] = {0};
    R("pread open-unlinked", pread(fd, buf, sizeof buf - 1, 0));
    printf("data: \"%s\"\n", buf);
    R("write open-unlinked", pwrite(fd, "XY", 2, 0));
    memset(buf, 0, sizeof buf);
    R("pread again", pread(fd, buf, sizeof buf - 1, 0));
    printf("data: \"%s\"\n", buf);
    R("linkat AT_EMPTY_PATH of unlinked", linkat(fd, "", AT_FDCWD, "back", AT_EMPTY_PATH));
    close(fd);

    /* linkat AT_EMPTY_PATH of a linked file (root has CAP_DAC_READ_SEARCH) */
    put_file("e", "eee");
    MUST(fd = open("e", O_RDONLY));
    R("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, "e2", AT_EMPTY_PATH));
    printf("nlink e=%ld\n", nlink("e"));
    close(fd);

    /* rename onto another name of the same inode: succeeds, does nothing */
    put_file("x", "xxx");
    MUST(link("x", "y"));
    R("rename x y (same inode)", rename("x", "y"));
    YN("x still exists", lstat("x", &st) == 0);
    YN("y still exists", lstat("y", &st) == 0);
    printf("nlink x=%ld y=%ld\n", nlink("x"), nlink("y"));
    R("renameat2 NOREPLACE x y", syscall(SYS_renameat2, AT_FDCWD, "x", AT_FDCWD, "y", RENAME_NOREPLACE));
    /* rename onto a different inode drops one link of the target */
    put_file("z", "zzz");
    MUST(link("z", "z2"));
    R("rename e z", rename("e", "z"));
    printf("nlink z=%ld z2=%ld e2=%ld\n", nlink("z"), nlink("z2"), nlink("e2"));
    YN("z same inode as e2", same("z", "e2"));
    content("z", "z");
    return 0;
}
