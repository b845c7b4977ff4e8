/*
 * openread.c - bench row (b): open/read/close of a small file.
 * Usage: openread FILE [N]   (default 100000)
 * Each iteration opens FILE, reads 4096 bytes (must get exactly 4096), and closes it.
 * Prints "RESULT <ns per iteration>" measured with CLOCK_MONOTONIC around the loop.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int once(const char *path, char *buf)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror("openread: open");
        return -1;
    }
    ssize_t r = read(fd, buf, 4096);
    if (r != 4096) {
        fprintf(stderr, "openread: read returned %zd, expected 4096\n", r);
        close(fd);
        return -1;
    }
    if (close(fd) != 0) {
        perror("openread: close");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static char buf[4096];
    if (argc < 2) {
        fprintf(stderr, "usage: openread FILE [N]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 100000;
    if (n <= 0)
        n = 1;
    for (int i = 0; i < 100; i++) /* warm-up */
        if (once(argv[1], buf))
            return 1;
    long long t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (once(argv[1], buf))
            return 1;
    long long t1 = now_ns();
    printf("RESULT %.2f\n", (double)(t1 - t0) / (double)n);
    return 0;
}
