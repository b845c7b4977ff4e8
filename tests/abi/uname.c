/* uname: sysname and machine (others vary), raw syscall agrees, EFAULT. */
#include "abi.h"
#include <sys/utsname.h>

int main(void)
{
    struct utsname u, v;
    R("uname", uname(&u));
    printf("sysname: %s\nmachine: %s\n", u.sysname, u.machine);
    YN("release non-empty", u.release[0] != 0);
    YN("release starts with digit", u.release[0] >= '0' && u.release[0] <= '9');
    YN("version non-empty", u.version[0] != 0);
    YN("nodename non-empty", u.nodename[0] != 0);
    R("raw uname", syscall(SYS_uname, &v));
    YN("raw equals libc", memcmp(&u, &v, sizeof u) == 0);
    R("uname bad ptr", syscall(SYS_uname, (void *)1));
    char host[256];
    R("gethostname", gethostname(host, sizeof host));
    YN("hostname == nodename", strcmp(host, u.nodename) == 0);
    return 0;
}
