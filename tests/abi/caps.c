/* capget/capset: version probing, the caller's sets, Linux's subset rules and errors. */
#include "abi.h"

struct hdr { unsigned version; int pid; };
struct data { unsigned eff, prm, inh; };

int main(void)
{
    struct hdr h = {0, 0};
    struct data d[2];
    R("probe version, no data", syscall(SYS_capget, &h, NULL));
    YN("told version 3", h.version == 0x20080522);
    h.version = 0x12345;
    R("bad version with data", syscall(SYS_capget, &h, d));
    YN("told version 3 again", h.version == 0x20080522);
    R("bad header", syscall(SYS_capget, (void *)8, d));
    h.pid = -1;
    R("negative pid", syscall(SYS_capget, &h, d));
    h.pid = 0x3ffffff0;
    R("no such pid", syscall(SYS_capget, &h, d));
    h.pid = 0;
    R("bad data pointer", syscall(SYS_capget, &h, (void *)8));
    R("get own (v3)", syscall(SYS_capget, &h, d));
    YN("root: effective == permitted", d[0].eff == d[0].prm && d[1].eff == d[1].prm);
    YN("root: CAP_SETUID..CAP_SYS_ADMIN held", (d[0].prm & 0x2180) == 0x2180 && (d[0].prm >> 21 & 1));
    h.pid = getpid();
    R("get by own pid", syscall(SYS_capget, &h, d));
    h.pid = 0;
    /* Keep CAP_SETPCAP (8) and CAP_KILL (5), drop the rest. */
    struct data n[2] = {{1u << 8 | 1u << 5, 1u << 8 | 1u << 5, 0}, {0, 0, 0}};
    R("drop to two", syscall(SYS_capset, &h, n));
    R("get after drop", syscall(SYS_capget, &h, d));
    printf("eff %x prm %x inh %x / %x %x %x\n", d[0].eff, d[0].prm, d[0].inh, d[1].eff, d[1].prm, d[1].inh);
    struct data e[2] = {{1u << 5 | 1u << 1, 1u << 8 | 1u << 5, 0}, {0, 0, 0}};
    R("effective not in permitted", syscall(SYS_capset, &h, e));
    struct data g[2] = {{0, 1u << 8 | 1u << 5 | 1u << 1, 0}, {0, 0, 0}};
    R("grow permitted", syscall(SYS_capset, &h, g));
    struct data i[2] = {{0, 1u << 8 | 1u << 5, 1u << 21}, {0, 0, 0}};
    R("inheritable beyond with CAP_SETPCAP", syscall(SYS_capset, &h, i));
    struct data z[2] = {{0, 1u << 5, 0}, {0, 0, 0}};
    R("drop CAP_SETPCAP", syscall(SYS_capset, &h, z));
    R("inheritable beyond without CAP_SETPCAP", syscall(SYS_capset, &h, i));
    h.pid = 0x3ffffff0;
    R("set another process", syscall(SYS_capset, &h, z));
    h.pid = 0;
    R("set bad data", syscall(SYS_capset, &h, (void *)8));
    h.version = 7;
    R("set bad version", syscall(SYS_capset, &h, z));
    YN("set told version 3", h.version == 0x20080522);
    h.version = 0x19980330;
    R("get v1", syscall(SYS_capget, &h, d));
    printf("v1 eff %x prm %x\n", d[0].eff, d[0].prm);
    pid_t c = fork();
    if (c == 0) {
        struct hdr hc = {0x20080522, 0};
        struct data dc[2];
        syscall(SYS_capget, &hc, dc);
        printf("child inherits: prm %x\n", dc[0].prm);
        _exit(0);
    }
    wait_report("child", c);
    return 0;
}
