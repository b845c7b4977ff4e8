/* stat fields as relationships: directory nlink is 2 + subdirectories, st_ino stable across
 * calls and renames and distinct between files, one st_dev in the directory, mtime/ctime
 * move on write, truncate, chmod (ctime only), directory entries changing; utimensat sets
 * exact values and UTIME_OMIT keeps them.  atime is not looked at. */
#include "abi.h"
#include <time.h>

static struct stat S(const char *p)
{
    struct stat st;
    if (lstat(p, &st) != 0) {
        printf("SETUP FAILED: lstat %s: %s\n", p, errname(errno));
        exit(1);
    }
    return st;
}

static int ts_gt(struct timespec a, struct timespec b)
{
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}
static int ts_eq(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* long enough for a coarse file-system clock to move */
static void tick(void)
{
    struct timespec t = {0, 15 * 1000 * 1000};
    nanosleep(&t, NULL);
}

static void changed(const char *what, struct stat a, struct stat b)
{
    printf("%s: mtime %s, ctime %s\n", what, ts_gt(b.st_mtim, a.st_mtim) ? "later" : ts_eq(b.st_mtim, a.st_mtim) ? "same" : "EARLIER",
           ts_gt(b.st_ctim, a.st_ctim) ? "later" : ts_eq(b.st_ctim, a.st_ctim) ? "same" : "EARLIER");
}

int main(void)
{
    struct stat a, b;
    MUST(mkdir("d", 0755));
    printf("nlink d = %ld\n", (long)S("d").st_nlink);
    MUST(mkdir("d/s1", 0755));
    MUST(mkdir("d/s2", 0755));
    printf("nlink d after 2 mkdir = %ld\n", (long)S("d").st_nlink);
    put_file("d/file", "x");
    MUST(symlink("file", "d/link"));
    printf("nlink d after file+symlink = %ld\n", (long)S("d").st_nlink);
    MUST(rmdir("d/s1"));
    printf("nlink d after rmdir = %ld\n", (long)S("d").st_nlink);
    MUST(rename("d/s2", "s2"));
    printf("nlink d after moving s2 out = %ld, nlink . = %ld\n", (long)S("d").st_nlink,
           (long)S(".").st_nlink);
    MUST(rename("s2", "d/s2"));
    printf("nlink d/s2 = %ld, nlink file = %ld, nlink link = %ld\n", (long)S("d/s2").st_nlink,
           (long)S("d/file").st_nlink, (long)S("d/link").st_nlink);
    printf("size link = %ld, size file = %ld\n", (long)S("d/link").st_size, (long)S("d/file").st_size);
    a = S("d/file");
    printf("file: mode=%o uid=%ld gid=%ld type=%s\n", a.st_mode & 07777, (long)a.st_uid,
           (long)a.st_gid, ftype(a.st_mode));
    printf("d: mode=%o type=%s\n", S("d").st_mode & 07777, ftype(S("d").st_mode));

    /* inode numbers */
    YN("ino stable across stat", S("d/file").st_ino == S("d/file").st_ino);
    YN("ino differs file/link", S("d/file").st_ino != S("d/link").st_ino);
    YN("ino differs file/dir", S("d/file").st_ino != S("d").st_ino);
    YN("ino of d/. == d", S("d/.").st_ino == S("d").st_ino);
    YN("ino of d/s2/.. == d", S("d/s2/..").st_ino == S("d").st_ino);
    ino_t ino = S("d/file").st_ino;
    MUST(rename("d/file", "d/file2"));
    YN("ino kept by rename", S("d/file2").st_ino == ino);
    MUST(rename("d/file2", "d/file"));
    int fd;
    MUST(fd = open("d/file", O_RDWR));
    MUST(fstat(fd, &b));
    YN("fstat ino == stat ino", b.st_ino == ino);
    put_file("d/other", "y");
    YN("new file has a new ino", S("d/other").st_ino != ino);
    dev_t dev = S(".").st_dev;
    YN("one st_dev: . d d/file d/link d/s2", S("d").st_dev == dev && S("d/file").st_dev == dev &&
                                                 S("d/link").st_dev == dev && S("d/s2").st_dev == dev);
    YN("st_rdev 0 for a regular file", S("d/file").st_rdev == 0);
    YN("st_blksize > 0", S("d/file").st_blksize > 0);

    /* times */
    a = S("d/file");
    tick();
    MUST(write(fd, "more", 4));
    b = S("d/file");
    changed("write", a, b);
    a = b;
    tick();
    char buf[8];
    MUST(pread(fd, buf, 4, 0));
    b = S("d/file");
    changed("read", a, b);
    a = b;
    tick();
    MUST(chmod("d/file", 0600));
    b = S("d/file");
    changed("chmod", a, b);
    a = b;
    tick();
    MUST(ftruncate(fd, 2));
    b = S("d/file");
    changed("ftruncate", a, b);
    a = b;
    tick();
    MUST(link("d/file", "d/hard"));
    b = S("d/file");
    changed("link (the file)", a, b);
    a = S("d");
    tick();
    put_file("d/new", "n");
    b = S("d");
    changed("create in d (the dir)", a, b);
    a = b;
    tick();
    MUST(unlink("d/new"));
    b = S("d");
    changed("unlink in d (the dir)", a, b);
    a = S("d/file");
    tick();
    MUST(unlink("d/hard"));
    b = S("d/file");
    changed("unlink of another link (the file)", a, b);
    a = S("d");
    tick();
    MUST(stat("d/file", &b));
    b = S("d");
    changed("lookup in d (the dir)", a, b);
    close(fd);

    /* explicit times */
    struct timespec ts[2] = {{1000000000, 500000000}, {1234567890, 123456789}};
    R("utimensat", utimensat(AT_FDCWD, "d/file", ts, 0));
    b = S("d/file");
    printf("mtime = %ld.%09ld\n", (long)b.st_mtim.tv_sec, (long)b.st_mtim.tv_nsec);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    a = b;
    tick();
    R("utimensat UTIME_OMIT both", utimensat(AT_FDCWD, "d/file", omit, 0));
    b = S("d/file");
    printf("mtime = %ld.%09ld\n", (long)b.st_mtim.tv_sec, (long)b.st_mtim.tv_nsec);
    struct timespec now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    R("utimensat mtime UTIME_NOW", utimensat(AT_FDCWD, "d/file", now, 0));
    b = S("d/file");
    YN("mtime now after 2009", b.st_mtim.tv_sec > 1234567890);
    R("utimensat on symlink NOFOLLOW", utimensat(AT_FDCWD, "d/link", ts, AT_SYMLINK_NOFOLLOW));
    printf("link mtime = %ld.%09ld\n", (long)S("d/link").st_mtim.tv_sec, (long)S("d/link").st_mtim.tv_nsec);
    YN("target mtime untouched", S("d/file").st_mtim.tv_sec != 1234567890);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    R("utimensat bad nsec", utimensat(AT_FDCWD, "d/file", bad, 0));
    return 0;
}
