/*
 * fastpath.c - per-call cost of small system calls, for the syscall fast path (issue 10).
 * Usage: fastpath MODE [N] [FILE]
 *   getppid   glibc's getppid()          (mov $110,%eax; syscall: rewritten)
 *   getpid    glibc's getpid()
 *   syscall   syscall(SYS_getppid)       (glibc's generic wrapper)
 *   pipe      write 1 byte into a pipe, read it back (ns per pair)
 *   write     write 1 byte to /dev/null
 *   pread     pread 1 byte of FILE (a host file under Alcove's --root)
 * Prints "RESULT <ns per call>" measured with CLOCK_MONOTONIC around the loop.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fastpath MODE [N] [FILE]\n");
        return 2;
    }
    const char *mode = argv[1];
    long n = argc > 2 ? atol(argv[2]) : 1000000;
    int p[2] = {-1, -1}, fd = -1;
    char c = 'x';
    if (!strcmp(mode, "pipe") && pipe(p) < 0)
        return 1;
    if (!strcmp(mode, "write") && (fd = open("/dev/null", O_WRONLY)) < 0)
        return 1;
    if (!strcmp(mode, "pread") && (argc < 4 || (fd = open(argv[3], O_RDONLY)) < 0))
        return 1;
    long bad = 0;
    long long t0 = 0;
    for (long i = -1000; i < n; i++) { /* 1000 warm-up calls first */
        if (i == 0)
            t0 = now_ns();
        if (!strcmp(mode, "getppid"))
            bad += getppid() < 0;
        else if (!strcmp(mode, "getpid"))
            bad += getpid() <= 0;
        else if (!strcmp(mode, "syscall"))
            bad += syscall(SYS_getppid) < 0;
        else if (!strcmp(mode, "pipe"))
            bad += write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1;
        else if (!strcmp(mode, "write"))
            bad += write(fd, &c, 1) != 1;
        else if (!strcmp(mode, "pread"))
            bad += pread(fd, &c, 1, 0) != 1;
        else {
            fprintf(stderr, "fastpath: unknown mode %s\n", mode);
            return 2;
        }
    }
    long long t1 = now_ns();
    if (bad) {
        fprintf(stderr, "fastpath %s: %ld calls failed\n", mode, bad);
        return 1;
    }
    printf("RESULT %.1f\n", (double)(t1 - t0) / (double)n);
    return 0;
}
