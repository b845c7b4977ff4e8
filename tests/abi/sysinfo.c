/* sysinfo: fields are sane (values are never printed). */
#include "abi.h"
#include <sys/sysinfo.h>

int main(void)
{
    struct sysinfo si;
    memset(&si, 0xff, sizeof si);
    R("sysinfo", sysinfo(&si));
    YN("uptime >= 0", si.uptime >= 0);
    YN("mem_unit >= 1", si.mem_unit >= 1);
    YN("totalram > 0", si.totalram > 0);
    YN("freeram <= totalram", si.freeram <= si.totalram);
    YN("totalram >= 16MiB", (unsigned long long)si.totalram * si.mem_unit >= (16ULL << 20));
    YN("procs >= 1", si.procs >= 1);
    YN("freeswap <= totalswap", si.freeswap <= si.totalswap);
    R("sysinfo bad ptr", syscall(SYS_sysinfo, (void *)1));
    YN("nprocs conf >= 1", sysconf(_SC_NPROCESSORS_CONF) >= 1);
    YN("nprocs onln >= 1", sysconf(_SC_NPROCESSORS_ONLN) >= 1);
    YN("phys pages > 0", sysconf(_SC_PHYS_PAGES) > 0);
    printf("ok\n");
    return 0;
}
