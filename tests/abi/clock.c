/* clock_gettime / clock_getres: monotonic non-decreasing, realtime sane, CPU clocks,
 * libc (vDSO) and raw syscall agree, EINVAL for bad clocks. */
#include "abi.h"
#include <time.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
    struct timespec a, b, r;
    int mono = 1;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (ns(b) < ns(a))
            mono = 0;
        a = b;
    }
    YN("monotonic non-decreasing (libc)", mono);
    mono = 1;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 200; i++) {
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
        if (ns(b) < ns(a))
            mono = 0;
        a = b;
    }
    YN("monotonic non-decreasing (raw)", mono);
    clock_gettime(CLOCK_MONOTONIC, &a);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
    YN("libc and raw monotonic agree (<1s)", ns(b) - ns(a) >= 0 && ns(b) - ns(a) < 1000000000LL);

    R("REALTIME", clock_gettime(CLOCK_REALTIME, &a));
    YN("realtime after 2020", a.tv_sec > 1577836800L);
    YN("realtime before 2100", a.tv_sec < 4102444800L);
    YN("nsec in range", a.tv_nsec >= 0 && a.tv_nsec < 1000000000L);
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &b);
    YN("raw realtime agrees (<1s)", llabs(ns(b) - ns(a)) < 1000000000LL);

    static const struct { int id; const char *name; } ck[] = {
        {CLOCK_REALTIME, "REALTIME"}, {CLOCK_MONOTONIC, "MONOTONIC"},
        {CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME"}, {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME"},
        {4 /* MONOTONIC_RAW */, "MONOTONIC_RAW"}, {5 /* REALTIME_COARSE */, "REALTIME_COARSE"},
        {6 /* MONOTONIC_COARSE */, "MONOTONIC_COARSE"}, {7 /* BOOTTIME */, "BOOTTIME"},
    };
    for (size_t i = 0; i < sizeof ck / sizeof ck[0]; i++) {
        int g = clock_gettime(ck[i].id, &a);
        int rs = clock_getres(ck[i].id, &r);
        printf("%s: gettime=%d getres=%d res>0=%d res<=10ms=%d\n", ck[i].name, g, rs,
               ns(r) > 0, ns(r) <= 10000000LL);
    }
    /* CPU time advances when we burn CPU */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000UL; i++)
        x += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    YN("process cputime advanced", ns(b) > ns(a));
    clock_gettime(7, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    YN("boottime >= monotonic", ns(a) >= ns(b) - 1000000LL);

    R("bad clock id", clock_gettime(1000, &a));
    R("raw bad clock id", syscall(SYS_clock_gettime, 1000, &a));
    R("raw getres bad clock", syscall(SYS_clock_getres, -5, &r));
    R("raw getres NULL", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
    R("settime as root to bad value", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &a));
    return 0;
}
