/* Bad user pointers passed straight to the kernel (syscall(2), bypassing libc) must give
 * EFAULT and the process keeps running. */
#include "abi.h"
#include <sys/mman.h>
#include <sys/uio.h>
#include <poll.h>
#include <time.h>

#define BAD1 ((void *)1)
#define BADTOP ((void *)-4096L)
#define BADK ((void *)0xffffffff81000000UL)

int main(void)
{
    int fd, p[2];
    static char data[16384];
    memset(data, 'd', sizeof data);
    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    MUST(write(fd, data, sizeof data));
    MUST(symlink("f", "l"));
    MUST(pipe(p));

    MUST(lseek(fd, 0, SEEK_SET));
    R("read buf=1", syscall(SYS_read, fd, BAD1, 10));
    R("read buf=-4096", syscall(SYS_read, fd, BADTOP, 10));
    R("read buf=kernel", syscall(SYS_read, fd, BADK, 10));
    R("write buf=1", syscall(SYS_write, fd, BAD1, 10));
    R("write buf=-4096", syscall(SYS_write, fd, BADTOP, 10));
    R("write pipe buf=1", syscall(SYS_write, p[1], BAD1, 10));
    R("pread buf=1", syscall(SYS_pread64, fd, BAD1, 10, 0L));
    R("pwrite buf=1", syscall(SYS_pwrite64, fd, BAD1, 10, 0L));
    R("offset unchanged by failed reads", lseek(fd, 0, SEEK_CUR));
    R("readv iov=1", syscall(SYS_readv, fd, BAD1, 1));
    struct iovec iov = {BAD1, 10};
    R("readv iov_base=1", syscall(SYS_readv, fd, &iov, 1));
    R("writev iov_base=1", syscall(SYS_writev, fd, &iov, 1));
    struct stat st;
#ifdef SYS_stat
    R("stat path=1", syscall(SYS_stat, BAD1, &st));
    R("stat buf=1", syscall(SYS_stat, "f", BAD1));
    R("lstat path=-4096", syscall(SYS_lstat, BADTOP, &st));
    R("fstat buf=1", syscall(SYS_fstat, fd, BAD1));
#endif
    R("newfstatat path=1", syscall(SYS_newfstatat, AT_FDCWD, BAD1, &st, 0));
    R("newfstatat buf=-4096", syscall(SYS_newfstatat, AT_FDCWD, "f", BADTOP, 0));
#ifdef SYS_open
    R("open path=1", syscall(SYS_open, BAD1, O_RDONLY));
    R("open path=-4096", syscall(SYS_open, BADTOP, O_RDONLY));
    R("open path=kernel", syscall(SYS_open, BADK, O_RDONLY));
#endif
    R("openat path=1", syscall(SYS_openat, AT_FDCWD, BAD1, O_RDONLY));
    R("openat O_CREAT path=1", syscall(SYS_openat, AT_FDCWD, BAD1, O_RDWR | O_CREAT, 0644));
    R("clock_gettime ts=1", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD1));
    R("clock_gettime ts=-4096", syscall(SYS_clock_gettime, CLOCK_REALTIME, BADTOP));
    R("clock_getres ts=1", syscall(SYS_clock_getres, CLOCK_MONOTONIC, BAD1));
    R("gettimeofday tv=1", syscall(SYS_gettimeofday, BAD1, NULL));
    R("getrandom buf=1", syscall(SYS_getrandom, BAD1, 16, 0));
    R("getrandom buf=-4096", syscall(SYS_getrandom, BADTOP, 16, 0));
    R("nanosleep req=1", syscall(SYS_nanosleep, BAD1, NULL));
    R("pipe2 fds=1", syscall(SYS_pipe2, BAD1, 0));
    R("readlink buf=1", syscall(SYS_readlinkat, AT_FDCWD, "l", BAD1, 10));
    R("readlink path=1", syscall(SYS_readlinkat, AT_FDCWD, BAD1, data, 10));
    R("getcwd buf=1", syscall(SYS_getcwd, BAD1, 100));
    R("uname buf=1", syscall(SYS_uname, BAD1));
    R("mkdir path=1", syscall(SYS_mkdirat, AT_FDCWD, BAD1, 0755));
    R("unlink path=1", syscall(SYS_unlinkat, AT_FDCWD, BAD1, 0));
    R("chdir path=1", syscall(SYS_chdir, BAD1));
    R("rt_sigaction act=1", syscall(SYS_rt_sigaction, SIGUSR1, BAD1, NULL, 8));
    R("rt_sigaction oact=1", syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD1, 8));
    R("rt_sigprocmask set=1", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD1, NULL, 8));
    R("rt_sigprocmask old=1", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BAD1, 8));
    R("poll fds=1", syscall(SYS_poll, BAD1, 1, 0));
    R("getrlimit buf=1", syscall(SYS_getrlimit, 7 /* RLIMIT_NOFILE */, BAD1));
    R("sysinfo buf=1", syscall(SYS_sysinfo, BAD1));
    R("wait4 status=1 (no child)", syscall(SYS_wait4, -1, BAD1, 0, NULL));
    R("execve path=1", syscall(SYS_execve, BAD1, NULL, NULL));
    R("getdents64 buf=1", syscall(SYS_getdents64, open(".", O_RDONLY | O_DIRECTORY), BAD1, 4096));

    /* a buffer whose tail runs into an unmapped page: a short count, not EFAULT */
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + pg, pg);
    MUST(lseek(fd, 0, SEEK_SET));
    long r = syscall(SYS_read, fd, m + pg - 100, 1000);
    printf("read into partly mapped buffer: %s\n",
           r < 0 ? errname(errno) : r > 0 && r <= 100 ? "short count" : "full?");
    memset(m, 'm', pg);
    r = syscall(SYS_write, p[1], m + pg - 100, 1000);
    printf("write to pipe from partly mapped buffer: %s\n",
           r < 0 ? errname(errno) : r > 0 && r <= 100 ? "short count" : "full?");
    printf("still alive\n");
    return 0;
}
