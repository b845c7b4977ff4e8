/* getdents64 via syscall: sorted listing with d_type, small buffers (EINVAL), rewind,
 * ENOTDIR, EBADF, and readdir(3) agreement.  (FIFOs are in mknod.c.) */
#include "abi.h"
#include <dirent.h>

struct ent { char name[64]; int type; };
static struct ent ents[64];
static int nents;

static int cmp(const void *a, const void *b)
{
    return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static const char *tname(int t)
{
    switch (t) {
    case DT_REG: return "reg";
    case DT_DIR: return "dir";
    case DT_LNK: return "lnk";
    case DT_FIFO: return "fifo";
    case DT_UNKNOWN: return "unknown";
    default: return "?";
    }
}

/* Read the whole directory with a buffer of bufsz bytes; returns number of calls. */
static int list(int fd, size_t bufsz)
{
    char buf[4096];
    int calls = 0;
    nents = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, bufsz);
        calls++;
        if (n < 0) {
            printf("getdents64 = -1 %s\n", errname(errno));
            return -1;
        }
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            uint64_t ino;
            unsigned short reclen;
            unsigned char type;
            memcpy(&ino, buf + off, 8);
            memcpy(&reclen, buf + off + 16, 2);
            type = (unsigned char)buf[off + 18];
            if (nents < 64) {
                snprintf(ents[nents].name, sizeof ents[nents].name, "%s", buf + off + 19);
                ents[nents].type = type;
                nents++;
            }
            if (reclen == 0 || reclen % 8) {
                printf("bad reclen\n");
                return -1;
            }
            off += reclen;
        }
    }
    qsort(ents, nents, sizeof ents[0], cmp);
    return calls;
}

static void dump(void)
{
    for (int i = 0; i < nents; i++)
        printf("  %s %s\n", ents[i].name, tname(ents[i].type));
}

int main(void)
{
    int fd;
    MUST(mkdir("d", 0755));
    put_file("d/zeta", "z");
    put_file("d/alpha", "a");
    put_file("d/a-rather-long-file-name-for-the-record-length-check", "");
    MUST(mkdir("d/sub", 0755));
    MUST(symlink("alpha", "d/link"));
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "d/n%02d", i);
        put_file(name, "");
    }

    MUST(fd = open("d", O_RDONLY | O_DIRECTORY));
    int calls = list(fd, 4096);
    printf("entries: %d\n", nents);
    dump();
    R("getdents at eof", syscall(SYS_getdents64, fd, name, sizeof name));

    MUST(lseek(fd, 0, SEEK_SET));
    calls = list(fd, 128);
    printf("small buffer entries: %d calls>2: %s\n", nents, calls > 2 ? "yes" : "no");

    MUST(lseek(fd, 0, SEEK_SET));
    char tiny[8];
    R("buffer too small", syscall(SYS_getdents64, fd, tiny, sizeof tiny));

    /* entries created after open show up after rewind */
    put_file("d/late", "");
    MUST(unlink("d/zeta"));
    MUST(lseek(fd, 0, SEEK_SET));
    list(fd, 4096);
    printf("after change: %d entries, first=%s last=%s\n", nents, ents[0].name,
           ents[nents - 1].name);
    close(fd);

    int ffd;
    MUST(ffd = open("d/alpha", O_RDONLY));
    char buf[256];
    R("getdents64 on file", syscall(SYS_getdents64, ffd, buf, sizeof buf));
    close(ffd);
    R("getdents64 bad fd", syscall(SYS_getdents64, 999, buf, sizeof buf));

    /* empty directory: only . and .. */
    MUST(mkdir("empty", 0755));
    MUST(fd = open("empty", O_RDONLY | O_DIRECTORY));
    list(fd, 4096);
    printf("empty dir:\n");
    dump();
    close(fd);

    /* readdir(3) sees the same set */
    DIR *dp = opendir("d");
    int n = 0;
    while (readdir(dp))
        n++;
    closedir(dp);
    printf("readdir count: %d\n", n);
    return 0;
}
