/* Process and user ids: values of uid/gid (both runs are root), relationships of pid/tid. */
#include "abi.h"

int main(void)
{
    printf("uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(), (int)geteuid(), (int)getgid(),
           (int)getegid());
    printf("raw uid=%ld euid=%ld gid=%ld egid=%ld\n", syscall(SYS_getuid), syscall(SYS_geteuid),
           syscall(SYS_getgid), syscall(SYS_getegid));
    uid_t r, e, s;
    R("getresuid", getresuid(&r, &e, &s));
    printf("resuid: %d %d %d\n", (int)r, (int)e, (int)s);
    gid_t gr, ge, gs;
    R("getresgid", getresgid(&gr, &ge, &gs));
    printf("resgid: %d %d %d\n", (int)gr, (int)ge, (int)gs);
    YN("getpid > 0", getpid() > 0);
    YN("getpid == gettid", getpid() == xgettid());
    YN("getppid > 0", getppid() > 0);
    YN("getppid != getpid", getppid() != getpid());
    YN("raw getppid == getppid", syscall(SYS_getppid) == getppid());
    YN("getpgrp > 0", getpgrp() > 0);
    YN("getsid(0) > 0", getsid(0) > 0);
    YN("getpgid(0) == getpgrp", getpgid(0) == getpgrp());
    R("getpgid bad pid", getpgid(0x7ffffff0));
    R("getsid bad pid", getsid(0x7ffffff0));
    R("setuid(0) as root", setuid(0));
    R("setgid(0) as root", setgid(0));
    R("seteuid(0)", seteuid(0));
    int n = getgroups(0, NULL);
    YN("getgroups count >= 0", n >= 0);
    return 0;
}
