/* newfstatat / fstatat: AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, dirfd, bad flags. */
#include "abi.h"

static void show(const char *label, long r, struct stat *st)
{
    if (r != 0) {
        printf("%s = -1 %s\n", label, errname(errno));
        return;
    }
    printf("%s: type=%s size=%ld\n", label, ftype(st->st_mode),
           S_ISDIR(st->st_mode) ? -1L : (long)st->st_size);
}

int main(void)
{
    struct stat st;
    int dfd, fd;
    MUST(mkdir("d", 0755));
    put_file("d/f", "1234567");
    MUST(symlink("f", "d/l"));
    MUST(dfd = open("d", O_RDONLY | O_DIRECTORY));
    MUST(fd = open("d/f", O_RDONLY));

    show("fstatat dirfd f", fstatat(dfd, "f", &st, 0), &st);
    show("fstatat dirfd l follow", fstatat(dfd, "l", &st, 0), &st);
    show("fstatat dirfd l nofollow", fstatat(dfd, "l", &st, AT_SYMLINK_NOFOLLOW), &st);
    show("fstatat AT_FDCWD", fstatat(AT_FDCWD, "d/f", &st, 0), &st);
    show("AT_EMPTY_PATH file fd", fstatat(fd, "", &st, AT_EMPTY_PATH), &st);
    show("AT_EMPTY_PATH dir fd", fstatat(dfd, "", &st, AT_EMPTY_PATH), &st);
    show("AT_EMPTY_PATH AT_FDCWD", fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH), &st);
    show("empty path no flag", syscall(SYS_newfstatat, fd, "", &st, 0), &st);
    show("bad flag", syscall(SYS_newfstatat, dfd, "f", &st, 0x40000000), &st);
    show("bad dirfd", syscall(SYS_newfstatat, 999, "f", &st, 0), &st);
    show("file as dirfd", syscall(SYS_newfstatat, fd, "x", &st, 0), &st);
    show("raw follow", syscall(SYS_newfstatat, dfd, "l", &st, 0), &st);
    show("raw nofollow", syscall(SYS_newfstatat, dfd, "l", &st, AT_SYMLINK_NOFOLLOW), &st);
    show("raw empty path", syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH), &st);
    show("missing", syscall(SYS_newfstatat, dfd, "zz", &st, 0), &st);
#ifdef SYS_stat
    show("raw stat", syscall(SYS_stat, "d/f", &st), &st);
    show("raw lstat", syscall(SYS_lstat, "d/l", &st), &st);
    show("raw fstat", syscall(SYS_fstat, fd, &st), &st);
#endif
    return 0;
}
