/* utime, utimes, futimesat: set times, NULL for now, bad microseconds, bad pointers, missing files, dirfd. */
#include "abi.h"
#include <sys/time.h>
#include <utime.h>

static void show(const char *label, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        printf("%s: stat %s\n", label, errname(errno));
        return;
    }
    printf("%s: atime %ld.%09ld mtime %ld.%09ld\n", label, (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

int main(void)
{
    put_file("f", "x");
    MUST(mkdir("d", 0755));
    put_file("d/g", "y");
    struct utimbuf ub = {1000000000, 1100000000};
    R("utime", syscall(SYS_utime, "f", &ub));
    show("after utime", "f");
    struct timeval tv[2] = {{1200000000, 123456}, {1300000000, 654321}};
    R("utimes", syscall(SYS_utimes, "f", tv));
    show("after utimes", "f");
    time_t before = time(NULL);
    R("utimes NULL (now)", syscall(SYS_utimes, "f", NULL));
    struct stat st;
    MUST(stat("f", &st));
    YN("  mtime is now", st.st_mtim.tv_sec >= before && st.st_mtim.tv_sec <= time(NULL) + 1);
    R("utime NULL (now)", syscall(SYS_utime, "f", NULL));
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    MUST(dfd);
    struct timeval tv2[2] = {{1400000000, 1}, {1500000000, 999999}};
    R("futimesat dirfd", syscall(SYS_futimesat, dfd, "g", tv2));
    show("after futimesat", "d/g");
    R("futimesat AT_FDCWD", syscall(SYS_futimesat, AT_FDCWD, "d/g", tv));
    show("after futimesat AT_FDCWD", "d/g");
    struct timeval bad[2] = {{1, 1000000}, {1, 0}};
    R("utimes usec 1e6", syscall(SYS_utimes, "f", bad));
    struct timeval neg[2] = {{1, 0}, {1, -1}};
    R("utimes negative usec", syscall(SYS_utimes, "f", neg));
    R("utimes bad pointer", syscall(SYS_utimes, "f", (void *)8));
    R("utime bad pointer", syscall(SYS_utime, "f", (void *)8));
    R("utimes missing file", syscall(SYS_utimes, "nosuch", tv));
    R("utime missing file", syscall(SYS_utime, "nosuch", &ub));
    R("utimes empty path", syscall(SYS_utimes, "", tv));
    R("futimesat bad dirfd", syscall(SYS_futimesat, 99, "g", tv));
    R("futimesat file as dirfd", syscall(SYS_futimesat, open("f", O_RDONLY), "g", tv));
    R("utimes bad path pointer", syscall(SYS_utimes, (void *)8, tv));
    MUST(symlink("f", "l"));
    R("utimes through a symlink", syscall(SYS_utimes, "l", tv2));
    show("target of the link", "f");
    return 0;
}
