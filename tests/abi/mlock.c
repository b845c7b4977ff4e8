/* mlock/mlock2/mlockall/munlockall: flag checks, ranges, success paths. */
#include "abi.h"
#include <sys/mman.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST((long)p);
    R("mlock2", syscall(SYS_mlock2, p, pg, 0));
    R("mlock2 ONFAULT", syscall(SYS_mlock2, p, pg, 1));
    R("mlock2 bad flag", syscall(SYS_mlock2, p, pg, 2));
    R("munlock", syscall(SYS_munlock, p, pg));
    R("mlockall 0", syscall(SYS_mlockall, 0));
    R("mlockall ONFAULT alone", syscall(SYS_mlockall, 4));
    R("mlockall bad bit", syscall(SYS_mlockall, 8 | 1));
    R("mlockall CURRENT", syscall(SYS_mlockall, 1));
    R("mlockall FUTURE|ONFAULT", syscall(SYS_mlockall, 2 | 4));
    R("munlockall", syscall(SYS_munlockall));
    return 0;
}
