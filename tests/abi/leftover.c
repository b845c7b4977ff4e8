/* adjtimex/clock_adjtime (reads only; changes need CAP_SYS_TIME), seccomp queries and checks, modify_ldt, restart_syscall, refused mount-API leftovers. */
#include "abi.h"
#include <sys/prctl.h>

static void drop_caps(void)
{
    struct { unsigned version; int pid; } h = {0x20080522, 0};
    MUST(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    MUST(syscall(SYS_capset, &h, (unsigned[6]){0}));
}

int main(void)
{
    static char tx[208], buf[256];
    unsigned *modes = (unsigned *)tx;
    /* Checks that come before any capability question. */
    R("seccomp bad op", syscall(SYS_seccomp, 9, 0, buf));
    R("seccomp strict with flags", syscall(SYS_seccomp, 0, 1, NULL));
    R("seccomp strict with args", syscall(SYS_seccomp, 0, 0, buf));
    R("seccomp filter NULL", syscall(SYS_seccomp, 1, 0, NULL));
    R("seccomp filter bad flag", syscall(SYS_seccomp, 1, 0x100, buf));
    struct { unsigned short len; void *f; } empty = {0, buf};
    R("seccomp filter len 0", syscall(SYS_seccomp, 1, 0, &empty));
    unsigned acts[] = {0x80000000u, 0, 0x30000, 0x50000, 0x7fc00000u, 0x7ff00000u, 0x7ffc0000u,
                       0x7fff0000u, 0x12345678u, 0x7ff80000u};
    for (unsigned i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        char l[64];
        snprintf(l, sizeof l, "action 0x%x avail", acts[i]);
        R(l, syscall(SYS_seccomp, 2, 0, &acts[i]));
    }
    R("action avail flags", syscall(SYS_seccomp, 2, 1, &acts[0]));
    R("action avail bad ptr", syscall(SYS_seccomp, 2, 0, (void *)8));
    unsigned short sz[3] = {0};
    R("notif sizes", syscall(SYS_seccomp, 3, 0, sz));
    printf("sizes %u %u %u\n", sz[0], sz[1], sz[2]);
    R("notif sizes bad ptr", syscall(SYS_seccomp, 3, 0, (void *)8));
    R("notif sizes flags", syscall(SYS_seccomp, 3, 1, sz));

    R("modify_ldt read", syscall(SYS_modify_ldt, 0, buf, 16));
    memset(buf, 0x55, sizeof buf);
    R("modify_ldt read_default 16", syscall(SYS_modify_ldt, 2, buf, 16));
    YN("cleared", buf[0] == 0 && buf[15] == 0 && buf[16] == 0x55);
    R("modify_ldt read_default 1000", syscall(SYS_modify_ldt, 2, buf, 1000));
    R("modify_ldt read_default bad", syscall(SYS_modify_ldt, 2, (void *)8, 16));
    R("restart_syscall", syscall(SYS_restart_syscall));
    R("set_thread_area", syscall(SYS_set_thread_area, buf));
    R("get_thread_area", syscall(SYS_get_thread_area, buf));
    R("epoll_ctl_old", syscall(214, 0, 0, 0, 0));
    R("epoll_wait_old", syscall(215, 0, 0, 0, 0));

    /* As a container process: no capabilities. */
    drop_caps();
    R("adjtimex bad ptr", syscall(SYS_adjtimex, (void *)8));
    OK("adjtimex read", syscall(SYS_adjtimex, tx));
    *modes = 0xa001; /* ADJ_OFFSET_SS_READ */
    OK("adjtimex ss_read", syscall(SYS_adjtimex, tx));
    memset(tx, 0, sizeof tx);
    *modes = 0x8001 | 0; /* ADJ_OFFSET_SINGLESHOT, offset 0 */
    R("adjtimex singleshot", syscall(SYS_adjtimex, tx));
    *modes = 0x8000;
    R("adjtimex adjtime w/o singleshot", syscall(SYS_adjtimex, tx));
    *modes = 1; /* ADJ_OFFSET */
    R("adjtimex set offset", syscall(SYS_adjtimex, tx));
    *modes = 0;
    OK("clock_adjtime realtime read", syscall(SYS_clock_adjtime, 0, tx));
    R("clock_adjtime monotonic", syscall(SYS_clock_adjtime, 1, tx));
    R("clock_adjtime boottime", syscall(SYS_clock_adjtime, 7, tx));
    R("clock_adjtime 10", syscall(SYS_clock_adjtime, 10, tx));
    R("clock_adjtime 99", syscall(SYS_clock_adjtime, 99, tx));
    R("clock_adjtime bad ptr", syscall(SYS_clock_adjtime, 0, (void *)8));
    *modes = 1;
    R("clock_adjtime set", syscall(SYS_clock_adjtime, 0, tx));
    R("seccomp filter len 0 nnp", syscall(SYS_seccomp, 1, 0, &empty));
    R("open_tree clone", syscall(428, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */));
    return 0;
}
