/* MAP_SHARED file mappings across fork, for a file in $DIR and one in /dev/shm: the child's
 * stores through its mapping and its write(2) are seen by the parent through its mapping and
 * read(2); msync; concurrent atomic increments through two processes' mappings; MAP_PRIVATE
 * stores (parent's and child's) reach neither the file nor the shared mapping. */
#include "abi.h"
#include <sys/mman.h>

#define SZ 8192

static void run(const char *label, const char *path)
{
    printf("== %s\n", label);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("open: -1 %s\n", errname(errno));
        return;
    }
    R("ftruncate", ftruncate(fd, SZ));
    char *p = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *q = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED || q == MAP_FAILED) {
        printf("mmap failed: %s\n", errname(errno));
        exit(1);
    }
    memcpy(q + 100, "parent-private", 14);
    volatile long *counter = (volatile long *)(p + 2048);
    fflush(stdout);
    pid_t c = fork();
    MUST(c);
    if (c == 0) {
        memcpy(p, "child-map", 9);
        if (pwrite(fd, "child-write", 11, 4096) != 11)
            _exit(2);
        memcpy(q + 200, "child-private", 13);
        for (int i = 0; i < 10000; i++)
            __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
        if (msync(p, SZ, MS_SYNC) != 0)
            _exit(3);
        _exit(0);
    }
    for (int i = 0; i < 10000; i++)
        __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
    wait_report("child", c);
    char buf[32] = {0};
    YN("parent mapping sees child's store", memcmp(p, "child-map", 9) == 0);
    YN("parent mapping sees child's write(2)", memcmp(p + 4096, "child-write", 11) == 0);
    MUST(pread(fd, buf, 9, 0));
    YN("parent read(2) sees child's store", memcmp(buf, "child-map", 9) == 0);
    printf("counter after 2 x 10000 atomic increments: %ld\n", *counter);
    long v;
    MUST(pread(fd, &v, sizeof v, 2048));
    YN("read(2) sees the counter", v == *counter);
    static const char zero[16];
    MUST(pread(fd, buf, 14, 100));
    YN("parent's MAP_PRIVATE store not in the file", memcmp(buf, zero, 14) == 0);
    YN("parent's MAP_PRIVATE store not in MAP_SHARED", memcmp(p + 100, zero, 14) == 0);
    YN("parent's MAP_PRIVATE store kept in it", memcmp(q + 100, "parent-private", 14) == 0);
    MUST(pread(fd, buf, 13, 200));
    YN("child's MAP_PRIVATE store not in the file", memcmp(buf, zero, 13) == 0);
    YN("child's MAP_PRIVATE store not in parent's", memcmp(q + 200, zero, 13) == 0);

    /* parent store through the mapping, then read(2), msync, a new mapping */
    memcpy(p + 300, "parent-map", 10);
    MUST(pread(fd, buf, 10, 300));
    YN("read(2) sees parent's store", memcmp(buf, "parent-map", 10) == 0);
    R("msync MS_SYNC", msync(p, SZ, MS_SYNC));
    R("msync MS_ASYNC", msync(p, SZ, MS_ASYNC));
    R("msync MS_INVALIDATE", msync(p, SZ, MS_INVALIDATE));
    R("msync bad flags", msync(p, SZ, MS_SYNC | MS_ASYNC));
    MUST(munmap(p, SZ));
    MUST(munmap(q, SZ));
    p = mmap(NULL, SZ, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        exit(1);
    YN("new mapping sees everything", memcmp(p, "child-map", 9) == 0 &&
                                        memcmp(p + 300, "parent-map", 10) == 0 &&
                                        memcmp(p + 4096, "child-write", 11) == 0);
    MUST(munmap(p, SZ));
    close(fd);

    /* the mapping outlives the descriptor and the name */
    MUST(fd = open(path, O_RDWR));
    p = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        exit(1);
    close(fd);
    MUST(unlink(path));
    fflush(stdout);
    c = fork();
    MUST(c);
    if (c == 0) {
        memcpy(p + 500, "after-unlink", 12);
        _exit(0);
    }
    wait_report("child", c);
    YN("shared after close+unlink", memcmp(p + 500, "after-unlink", 12) == 0);
    MUST(munmap(p, SZ));
}

int main(void)
{
    char shm[64];
    run("file in $DIR", "file");
    snprintf(shm, sizeof shm, "/dev/shm/alcove-abi-mmap.%ld", (long)getpid());
    run("file in /dev/shm", shm);
    return 0;
}
