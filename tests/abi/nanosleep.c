/* nanosleep / clock_nanosleep: short sleeps last at least as asked, TIMER_ABSTIME,
 * EINVAL for bad nsec and clocks (clock_nanosleep returns the error number). */
#include "abi.h"
#include <time.h>

static long long now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
    long long t0 = now(CLOCK_MONOTONIC);
    struct timespec req = {0, 20000000}, rem = {5, 5};
    R("nanosleep 20ms", nanosleep(&req, &rem));
    long long el = now(CLOCK_MONOTONIC) - t0;
    YN("slept >= 20ms", el >= 20000000LL);
    YN("slept < 400ms", el < 400000000LL);
    req.tv_nsec = 1000000000L;
    R("nsec = 1e9", nanosleep(&req, NULL));
    req.tv_nsec = -1;
    R("nsec = -1", nanosleep(&req, NULL));
    req.tv_sec = -1;
    req.tv_nsec = 0;
    R("sec = -1", nanosleep(&req, NULL));
    req.tv_sec = 0;
    req.tv_nsec = 0;
    R("zero sleep", nanosleep(&req, NULL));
    R("raw nanosleep bad ptr", syscall(SYS_nanosleep, (void *)1, NULL));

    t0 = now(CLOCK_MONOTONIC);
    req.tv_nsec = 10000000;
    printf("clock_nanosleep rel: %d\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
    YN("slept >= 10ms", now(CLOCK_MONOTONIC) - t0 >= 10000000LL);

    long long target = now(CLOCK_MONOTONIC) + 15000000LL;
    struct timespec abs = {target / 1000000000LL, target % 1000000000LL};
    printf("clock_nanosleep abs: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
    YN("woke after target", now(CLOCK_MONOTONIC) >= target);
    abs.tv_sec = 1;
    abs.tv_nsec = 0;
    printf("abs in the past: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));

    long long rt = now(CLOCK_REALTIME) + 5000000LL;
    struct timespec rabs = {rt / 1000000000LL, rt % 1000000000LL};
    printf("realtime abs: %d\n", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &rabs, NULL));

    req.tv_nsec = 2000000000L;
    int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
    printf("clock_nanosleep bad nsec: %s\n", errname(e));
    req.tv_nsec = 1000;
    e = clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL);
    printf("clock_nanosleep THREAD_CPUTIME: %s\n", errname(e));
    e = clock_nanosleep(1000, 0, &req, NULL);
    printf("clock_nanosleep bad clock: %s\n", errname(e));
    R("usleep 1000", usleep(1000));
    return 0;
}
