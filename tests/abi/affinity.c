/* sched_getaffinity / sched_setaffinity / getcpu / sched_yield. */
#include "abi.h"
#include <sched.h>

int main(void)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    R("sched_getaffinity", sched_getaffinity(0, sizeof s, &s));
    int n = CPU_COUNT(&s);
    YN("cpu count >= 1", n >= 1);
    long r = syscall(SYS_sched_getaffinity, 0, sizeof s, &s);
    YN("raw returns >0 multiple of 8", r > 0 && r % 8 == 0);
    R("raw size 3", syscall(SYS_sched_getaffinity, 0, 3, &s));
    R("raw size 0", syscall(SYS_sched_getaffinity, 0, 0, &s));
    R("bad pid", sched_getaffinity(0x7ffffff0, sizeof s, &s));
    R("bad ptr", syscall(SYS_sched_getaffinity, 0, sizeof s, (void *)1));
    R("setaffinity same", sched_setaffinity(0, sizeof s, &s));
    cpu_set_t empty;
    CPU_ZERO(&empty);
    R("setaffinity empty", sched_setaffinity(0, sizeof empty, &empty));
    unsigned cpu = 9999, node = 9999;
    R("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
    YN("cpu in mask", cpu < CPU_SETSIZE && CPU_ISSET(cpu, &s));
    R("sched_yield", sched_yield());
    R("raw sched_getscheduler", syscall(SYS_sched_getscheduler, 0));
    return 0;
}
