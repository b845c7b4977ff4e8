/* getdents (the old record format): names, types, record layout, errors. */
#include "abi.h"
#include <dirent.h>

struct old_dirent { unsigned long ino, off; unsigned short reclen; char name[]; };

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void)
{
    MUST(mkdir("d", 0755));
    put_file("d/file", "x");
    MUST(mkdir("d/sub", 0755));
    MUST(symlink("file", "d/link"));
    put_file("d/a-rather-long-name-for-a-file-in-this-directory.txt", "y");
    int fd = open("d", O_RDONLY | O_DIRECTORY);
    MUST(fd);
    char buf[4096];
    long n = syscall(SYS_getdents, fd, buf, sizeof buf);
    YN("read some", n > 0);
    char *names[16];
    int k = 0, bad = 0;
    for (long off = 0; off < n && k < 16;) {
        struct old_dirent *d = (struct old_dirent *)(buf + off);
        char type = buf[off + d->reclen - 1];
        char *s = malloc(300);
        snprintf(s, 300, "%s type %d", d->name, type);
        names[k++] = s;
        if (d->reclen % 8 || d->ino == 0)
            bad = 1;
        off += d->reclen;
    }
    qsort(names, (size_t)k, sizeof names[0], cmp);
    for (int i = 0; i < k; i++)
        printf("%s\n", names[i]);
    YN("records aligned, inodes set", !bad);
    R("end of directory", syscall(SYS_getdents, fd, buf, sizeof buf));
    MUST(lseek(fd, 0, SEEK_SET));
    R("buffer too small", syscall(SYS_getdents, fd, buf, 8));
    R("bad buffer", syscall(SYS_getdents, fd, (void *)8, sizeof buf));
    R("bad fd", syscall(SYS_getdents, 99, buf, sizeof buf));
    int f = open("d/file", O_RDONLY);
    R("not a directory", syscall(SYS_getdents, f, buf, sizeof buf));
    int p = open("d", O_PATH);
    R("O_PATH", syscall(SYS_getdents, p, buf, sizeof buf));
    return 0;
}
