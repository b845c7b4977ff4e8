/* sethostname/setdomainname: the enclave's own UTS names, seen by uname in every process; length, permission and pointer errors. */
#include "abi.h"
#include <sched.h>
#include <sys/utsname.h>

int main(void)
{
    /* Natively the names are changed in a UTS name space of the test's own (the host's
     * never change); the enclave has one name space, its own, so unshare is refused
     * there and the enclave's names change.  The result is deliberately not printed. */
    (void)syscall(SYS_unshare, CLONE_NEWUTS);
    struct utsname u;
    R("sethostname", syscall(SYS_sethostname, "alcove-test", 11));
    MUST(uname(&u));
    printf("nodename %s\n", u.nodename);
    R("setdomainname", syscall(SYS_setdomainname, "example.test", 12));
    MUST(uname(&u));
    printf("domainname %s\n", u.domainname);
    char buf[80];
    R("gethostname", gethostname(buf, sizeof buf));
    printf("gethostname %s\n", buf);
    R("sethostname 64 bytes", syscall(SYS_sethostname, "0123456789012345678901234567890123456789012345678901234567890123", 64));
    MUST(uname(&u));
    printf("nodename length %zu\n", strlen(u.nodename));
    R("sethostname 65 bytes", syscall(SYS_sethostname, "01234567890123456789012345678901234567890123456789012345678901234", 65));
    R("sethostname negative length", syscall(SYS_sethostname, "x", -1));
    R("sethostname bad pointer", syscall(SYS_sethostname, (void *)8, 4));
    R("sethostname bad pointer, length 0", syscall(SYS_sethostname, (void *)8, 0));
    MUST(uname(&u));
    printf("empty nodename: %s\n", u.nodename[0] ? "no" : "yes");
    R("sethostname with a NUL inside", syscall(SYS_sethostname, "ab\0cd", 5));
    MUST(uname(&u));
    printf("nodename %s\n", u.nodename);
    R("setdomainname 65 bytes", syscall(SYS_setdomainname, "01234567890123456789012345678901234567890123456789012345678901234", 65));
    pid_t c = fork();
    if (c == 0) {
        MUST(uname(&u));
        printf("child sees nodename %s domainname %s\n", u.nodename, u.domainname);
        MUST(syscall(SYS_sethostname, "from-child", 10));
        _exit(0);
    }
    wait_report("child", c);
    MUST(uname(&u));
    printf("parent sees nodename %s\n", u.nodename);
    c = fork();
    if (c == 0) {
        MUST(setuid(1000));
        R("non-root sethostname", syscall(SYS_sethostname, "x", 1));
        R("non-root bad length", syscall(SYS_sethostname, "x", 99));
        _exit(0);
    }
    wait_report("child", c);
    return 0;
}
