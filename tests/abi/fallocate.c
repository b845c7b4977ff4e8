/* fallocate (mode 0 extends, KEEP_SIZE does not, error order), posix_fallocate,
 * preadv2/pwritev2 (offset -1 = current position, flags), sync/syncfs, memfd_create. */
#include "abi.h"
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

static long fsize(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

static void test_fallocate(void)
{
    int fd = open("fa", O_CREAT | O_RDWR, 0644);
    MUST(fd);
    R("mode 0", syscall(SYS_fallocate, fd, 0, 0L, 10000L));
    R("size", fsize(fd));
    R("keep size", syscall(SYS_fallocate, fd, 1, 0L, 50000L));
    R("size", fsize(fd));
    R("mode 0 inside", syscall(SYS_fallocate, fd, 0, 100L, 100L));
    R("size", fsize(fd));
    R("offset past the end", syscall(SYS_fallocate, fd, 0, 20000L, 5L));
    R("size", fsize(fd));
    R("len 0", syscall(SYS_fallocate, fd, 0, 0L, 0L));
    R("negative offset", syscall(SYS_fallocate, fd, 0, -1L, 10L));
    R("unknown mode", syscall(SYS_fallocate, fd, 0x100, 0L, 10L));
    R("punch hole without keep size", syscall(SYS_fallocate, fd, 2, 0L, 10L));
    R("wraps", syscall(SYS_fallocate, fd, 0, 0x7fffffffffffff00L, 0x1000L));
    R("bad fd", syscall(SYS_fallocate, 99, 0, 0L, 10L));
    R("bad fd, bad range", syscall(SYS_fallocate, 99, 0, -1L, 10L));
    int ro = open("fa", O_RDONLY);
    R("read-only fd", syscall(SYS_fallocate, ro, 0, 0L, 10L));
    R("read-only fd, bad range", syscall(SYS_fallocate, ro, 0, 0L, 0L));
    int p[2];
    MUST(pipe(p));
    R("pipe", syscall(SYS_fallocate, p[1], 0, 0L, 10L));
    MUST(mkdir("dir", 0755));
    int d = open("dir", O_RDONLY);
    R("directory (read-only fd)", syscall(SYS_fallocate, d, 0, 0L, 10L));
    int nul = open("/dev/null", O_WRONLY);
    R("/dev/null", syscall(SYS_fallocate, nul, 0, 0L, 10L));
    R("posix_fallocate", posix_fallocate(fd, 0, 30000));
    R("size", fsize(fd));
    R("posix_fallocate bad fd", posix_fallocate(99, 0, 10));
    close(nul), close(d), close(p[0]), close(p[1]), close(ro), close(fd);
}

static void test_rw2(void)
{
    int fd = open("rw2", O_CREAT | O_RDWR | O_TRUNC, 0644);
    MUST(fd);
    char a[] = "hello ", b[] = "world";
    struct iovec w[2] = {{a, 6}, {b, 5}};
    R("pwritev2 at -1", syscall(SYS_pwritev2, fd, w, 2, -1L, 0L, 0));
    R("pos", lseek(fd, 0, SEEK_CUR));
    R("pwritev2 at 20", syscall(SYS_pwritev2, fd, w, 2, 20L, 0L, 0));
    R("pos unchanged", lseek(fd, 0, SEEK_CUR));
    R("pwritev2 RWF_SYNC", syscall(SYS_pwritev2, fd, w, 1, 40L, 0L, 4));
    R("pwritev2 RWF_DSYNC", syscall(SYS_pwritev2, fd, w, 1, 50L, 0L, 2));
    R("pwritev2 RWF_APPEND", syscall(SYS_pwritev2, fd, w + 1, 1, 0L, 0L, 0x10));
    R("size", fsize(fd));
    char x[8] = {0}, y[8] = {0};
    struct iovec r[2] = {{x, 3}, {y, 8}};
    MUST(lseek(fd, 6, SEEK_SET));
    R("preadv2 at -1", syscall(SYS_preadv2, fd, r, 2, -1L, 0L, 0));
    YN("data", memcmp(x, "wor", 3) == 0 && memcmp(y, "ld", 2) == 0);
    R("pos", lseek(fd, 0, SEEK_CUR));
    R("preadv2 at 20 RWF_HIPRI", syscall(SYS_preadv2, fd, r, 1, 20L, 0L, 1));
    YN("data", memcmp(x, "hel", 3) == 0);
    R("pos unchanged", lseek(fd, 0, SEEK_CUR));
    R("preadv2 unknown flag", syscall(SYS_preadv2, fd, r, 1, 0L, 0L, 0x40000000));
    R("pwritev2 unknown flag", syscall(SYS_pwritev2, fd, w, 1, 0L, 0L, 0x40000000));
    R("preadv2 unknown flag, empty", syscall(SYS_preadv2, fd, r, 0, 0L, 0L, 0x40000000));
    R("preadv2 offset -2", syscall(SYS_preadv2, fd, r, 1, -2L, 0L, 0));
    R("preadv2 bad fd", syscall(SYS_preadv2, 99, r, 1, 0L, 0L, 0));
    R("preadv2 bad iov", syscall(SYS_preadv2, fd, (void *)1, 1, 0L, 0L, 0));
    int p[2];
    MUST(pipe(p));
    MUST(write(p[1], "abc", 3));
    R("preadv2 pipe offset 0", syscall(SYS_preadv2, p[0], r, 1, 0L, 0L, 0));
    R("preadv2 pipe offset -1", syscall(SYS_preadv2, p[0], r, 1, -1L, 0L, 0));
    close(p[0]), close(p[1]), close(fd);
}

static void test_sync(void)
{
    R("sync", syscall(SYS_sync));
    int fd = open("rw2", O_RDONLY), pfd = open("rw2", O_PATH);
    R("syncfs", syscall(SYS_syncfs, fd));
    R("syncfs bad fd", syscall(SYS_syncfs, 99));
    R("syncfs O_PATH", syscall(SYS_syncfs, pfd));
    close(fd), close(pfd);
}

static void test_memfd(void)
{
    char big[300];
    memset(big, 'n', sizeof big - 1);
    big[sizeof big - 1] = 0;
    int fd = syscall(SYS_memfd_create, "hi", 1);
    OK("memfd_create MFD_CLOEXEC", fd);
    R("cloexec", fcntl(fd, F_GETFD));
    R("flags", fcntl(fd, F_GETFL) & O_ACCMODE);
    char link[64] = {0}, path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    MUST(readlink(path, link, sizeof link - 1));
    printf("link = %s\n", link);
    R("write", write(fd, "memfd_create", 12));
    R("tell", lseek(fd, 0, SEEK_CUR));
    R("ftruncate", ftruncate(fd, 8192));
    struct stat st;
    MUST(fstat(fd, &st));
    YN("regular, size 8192", S_ISREG(st.st_mode) && st.st_size == 8192);
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    YN("mmap", m != MAP_FAILED);
    YN("mapped content", memcmp(m, "memfd_create", 12) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        memcpy(m + 4096, "from child", 10);
        _exit(0);
    }
    int status;
    MUST(waitpid(pid, &status, 0));
    char buf[16] = {0};
    R("pread child's write", pread(fd, buf, 10, 4096));
    YN("child's data", memcmp(buf, "from child", 10) == 0);
    munmap(m, 8192);
    R("fallocate", syscall(SYS_fallocate, fd, 0, 0L, 20000L));
    R("size", fsize(fd));
    int fd2 = syscall(SYS_memfd_create, "", 0);
    OK("empty name, no flags", fd2);
    R("no cloexec", fcntl(fd2, F_GETFD));
    R("unknown flag", syscall(SYS_memfd_create, "x", 0x100));
    R("name too long", syscall(SYS_memfd_create, big, 0));
    big[249] = 0;
    OK("name of 249", syscall(SYS_memfd_create, big, 0));
    R("bad name", syscall(SYS_memfd_create, (void *)1, 0));
    close(fd), close(fd2);
}

int main(void)
{
    test_fallocate();
    test_rw2();
    test_sync();
    test_memfd();
    return 0;
}
