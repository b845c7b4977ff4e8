/* statx via syscall(2): mask, type bits, size, nlink; AT_EMPTY_PATH, NOFOLLOW, EINVAL.
 * Our own struct layout because musl 1.2.3 has no statx wrapper. */
#include "abi.h"

struct sx_ts { int64_t tv_sec; uint32_t tv_nsec; int32_t pad; };
struct sx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct sx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
#define SX_TYPE 0x1u
#define SX_MODE 0x2u
#define SX_NLINK 0x4u
#define SX_SIZE 0x200u
#define SX_BASIC 0x7ffu
#define SX_RESERVED 0x80000000u

static void show(const char *label, const char *path, int dfd, int flags, unsigned mask)
{
#ifdef SYS_statx
    struct sx s;
    memset(&s, 0xee, sizeof s);
    long r = syscall(SYS_statx, dfd, path, flags, mask, &s);
    if (r != 0) {
        printf("%s = -1 %s\n", label, errname(errno));
        return;
    }
    printf("%s: type=%s perm=%o", label, ftype(s.mode), s.mode & 07777);
    printf(" has(type,mode,nlink,size)=%d%d%d%d", !!(s.mask & SX_TYPE), !!(s.mask & SX_MODE),
           !!(s.mask & SX_NLINK), !!(s.mask & SX_SIZE));
    if ((s.mode & S_IFMT) != S_IFDIR)
        printf(" size=%llu", (unsigned long long)s.size);
    printf(" nlink=%u\n", s.nlink);
#else
    (void)path; (void)dfd; (void)flags; (void)mask;
    printf("%s: no SYS_statx\n", label);
#endif
}

int main(void)
{
    int fd;
    umask(0);
    MUST(mkdir("d", 0750));
    MUST(mkdir("d/sub", 0750));
    MUST(fd = open("d/f", O_RDWR | O_CREAT, 0604));
    MUST(write(fd, "0123456789abc", 13));
    MUST(symlink("f", "d/l"));
    MUST(link("d/f", "d/f2"));

    show("file", "d/f", AT_FDCWD, 0, SX_BASIC);
    show("dir", "d", AT_FDCWD, 0, SX_BASIC);
    show("symlink follow", "d/l", AT_FDCWD, 0, SX_BASIC);
    show("symlink nofollow", "d/l", AT_FDCWD, AT_SYMLINK_NOFOLLOW, SX_BASIC);
    show("empty path fd", "", fd, AT_EMPTY_PATH, SX_BASIC);
    show("empty path no flag", "", fd, 0, SX_BASIC);
    show("missing", "d/zz", AT_FDCWD, 0, SX_BASIC);
    show("bad flags", "d/f", AT_FDCWD, 0x7fff0000, SX_BASIC);
    show("reserved mask bit", "d/f", AT_FDCWD, 0, SX_RESERVED);
    show("bad dirfd", "f", 999, 0, SX_BASIC);
    show("ENOTDIR", "d/f/x", AT_FDCWD, 0, SX_BASIC);
#ifdef SYS_statx
    R("NULL buffer", syscall(SYS_statx, AT_FDCWD, "d/f", 0, SX_BASIC, NULL));
    struct sx s;
    struct stat st;
    /* asking for less: the requested field must be there (more is allowed, not printed) */
    memset(&s, 0, sizeof s);
    R("mask size only", syscall(SYS_statx, AT_FDCWD, "d/f", AT_STATX_SYNC_AS_STAT, SX_SIZE, &s));
    printf("  has size=%d size=%llu\n", !!(s.mask & SX_SIZE), (unsigned long long)s.size);
    MUST(syscall(SYS_statx, AT_FDCWD, "d/f", 0, SX_BASIC, &s));
    MUST(stat("d/f", &st));
    YN("ino matches stat", s.ino == (uint64_t)st.st_ino);
    YN("size matches stat", s.size == (uint64_t)st.st_size);
    YN("mtime matches stat", s.mtime.tv_sec == (int64_t)st.st_mtime);
#endif
    close(fd);
    return 0;
}
