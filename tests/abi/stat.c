/* stat / fstat / lstat: type bits, size, nlink, permission bits; error paths. */
#include "abi.h"

static void show(const char *label, int r, struct stat *st)
{
    if (r != 0) {
        printf("%s = -1 %s\n", label, errname(errno));
        return;
    }
    printf("%s: type=%s perm=%o nlink=%ld", label, ftype(st->st_mode),
           st->st_mode & 07777, (long)st->st_nlink);
    if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
        printf(" size=%ld", (long)st->st_size);
    printf(" uid=%d gid=%d\n", (int)st->st_uid, (int)st->st_gid);
}

int main(void)
{
    struct stat st, st2;
    int fd, p[2];
    umask(0);
    MUST(fd = open("file", O_RDWR | O_CREAT, 0640));
    MUST(write(fd, "twelve bytes", 12));
    MUST(mkdir("dir", 0751));
    MUST(mkdir("dir/a", 0700));
    MUST(mkdir("dir/b", 0700));
    MUST(symlink("file", "sym"));
    MUST(symlink("nowhere/at/all", "dangling"));
    MUST(link("file", "hard"));

    show("stat file", stat("file", &st), &st);
    show("fstat file", fstat(fd, &st), &st);
    show("stat dir", stat("dir", &st), &st);
    show("stat sym", stat("sym", &st), &st);
    show("lstat sym", lstat("sym", &st), &st);
    show("lstat dangling", lstat("dangling", &st), &st);
    show("stat dangling", stat("dangling", &st), &st);
    show("stat missing", stat("missing", &st), &st);
    show("stat file/x", stat("file/x", &st), &st);
    show("stat file/", stat("file/", &st), &st);
    show("stat dir/", stat("dir/", &st), &st);
    show("stat empty", stat("", &st), &st);
    show("fstat bad", fstat(999, &st), &st);
    MUST(pipe(p));
    show("fstat pipe", fstat(p[0], &st), &st);

    MUST(stat("file", &st));
    MUST(stat("hard", &st2));
    YN("hard link same inode", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    MUST(lstat("sym", &st2));
    YN("symlink different inode", st.st_ino != st2.st_ino);
    MUST(fstat(fd, &st2));
    YN("fstat==stat inode", st.st_ino == st2.st_ino);
    YN("blksize > 0", st.st_blksize > 0);
    MUST(fsync(fd));
    YN("blocks >= 1", st2.st_blocks >= 1);

    /* size follows writes and truncation through fstat */
    MUST(ftruncate(fd, 5000));
    MUST(fstat(fd, &st));
    printf("size after ftruncate: %ld\n", (long)st.st_size);
    close(fd);
    MUST(unlink("hard"));
    MUST(stat("file", &st));
    printf("nlink after unlink hard: %ld\n", (long)st.st_nlink);
    return 0;
}
