/*
 * getppid.c - bench row (a): cost of a trivial system call.
 * Usage: getppid [N]   (default 1000000)
 * Makes N raw getppid() calls (syscall(SYS_getppid), so no libc caching is possible) and
 * prints "RESULT <ns per call>" measured with CLOCK_MONOTONIC around the loop.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
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
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    if (n <= 0)
        n = 1;
    long bad = 0;
    for (long i = 0; i < 1000; i++) /* warm-up */
        bad += syscall(SYS_getppid) < 0;
    long long t0 = now_ns();
    for (long i = 0; i < n; i++)
        bad += syscall(SYS_getppid) < 0;
    long long t1 = now_ns();
    if (bad) {
        fprintf(stderr, "getppid: %ld calls failed\n", bad);
        return 1;
    }
    printf("RESULT %.2f\n", (double)(t1 - t0) / (double)n);
    return 0;
}
