/* gettimeofday / time: agreement with CLOCK_REALTIME, time(&t), timezone arg, raw calls. */
#include "abi.h"
#include <sys/time.h>
#include <time.h>

int main(void)
{
    struct timeval tv;
    struct timespec ts;
    R("gettimeofday", gettimeofday(&tv, NULL));
    clock_gettime(CLOCK_REALTIME, &ts);
    YN("usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    YN("agrees with REALTIME (<=1s)", labs((long)(ts.tv_sec - tv.tv_sec)) <= 1);
    time_t t1 = 0, t2 = time(&t1);
    YN("time(&t) == return", t1 == t2);
    YN("time agrees (<=1s)", labs((long)(t2 - tv.tv_sec)) <= 1);
    YN("time(NULL) ok", time(NULL) >= t2);
    struct timeval r;
    R("raw gettimeofday", syscall(SYS_gettimeofday, &r, NULL));
    YN("raw agrees (<=1s)", labs((long)(r.tv_sec - tv.tv_sec)) <= 1);
    R("raw gettimeofday NULL NULL", syscall(SYS_gettimeofday, NULL, NULL));
#ifdef SYS_time
    time_t rt = syscall(SYS_time, NULL);
    YN("raw time agrees (<=1s)", labs((long)(rt - t2)) <= 1);
    R("raw time bad ptr", syscall(SYS_time, (void *)1));
#endif
    R("raw gettimeofday bad ptr", syscall(SYS_gettimeofday, (void *)1, NULL));
    /* successive calls never go backwards by more than clock adjustments */
    int ok = 1;
    struct timeval a, b;
    gettimeofday(&a, NULL);
    for (int i = 0; i < 1000; i++) {
        gettimeofday(&b, NULL);
        if (b.tv_sec < a.tv_sec - 1)
            ok = 0;
        a = b;
    }
    YN("no big backward steps", ok);
    return 0;
}
