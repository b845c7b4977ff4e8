/* madvise: MADV_DONTNEED zeroes private anon memory, restores file contents for private file
 * maps, keeps shared anon data; other advice accepted; EINVAL / ENOMEM paths. */
#include "abi.h"
#include <sys/mman.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 7, 4 * pg);
    R("MADV_DONTNEED middle", madvise(p + pg, 2 * pg, MADV_DONTNEED));
    printf("bytes: %d %d %d %d\n", p[0], p[pg], p[3 * pg - 1], p[3 * pg]);
    p[pg] = 9;
    printf("writable after: %d\n", p[pg]);
    R("MADV_NORMAL", madvise(p, 4 * pg, MADV_NORMAL));
    R("MADV_WILLNEED", madvise(p, 4 * pg, MADV_WILLNEED));
    R("MADV_SEQUENTIAL", madvise(p, 4 * pg, MADV_SEQUENTIAL));
    R("MADV_RANDOM", madvise(p, 4 * pg, MADV_RANDOM));
    R("posix_madvise", posix_madvise(p, pg, POSIX_MADV_NORMAL));
    R("bad advice", madvise(p, pg, 12345));
    R("unaligned", madvise(p + 1, pg, MADV_NORMAL));
    R("len 0", madvise(p, 0, MADV_DONTNEED));
    munmap(p + 3 * pg, pg);
    R("partly unmapped", madvise(p + 2 * pg, 2 * pg, MADV_WILLNEED));

    char *s = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(s, 5, pg);
    R("DONTNEED shared anon", madvise(s, pg, MADV_DONTNEED));
    printf("shared anon after: %d\n", s[10]);

    int fd;
    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    static char buf[4096];
    memset(buf, 'F', sizeof buf);
    MUST(write(fd, buf, sizeof buf));
    char *f = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    f[0] = 'P';
    printf("private file before: %c\n", f[0]);
    R("DONTNEED private file", madvise(f, pg, MADV_DONTNEED));
    printf("private file after: %c\n", f[0]);
    return 0;
}
