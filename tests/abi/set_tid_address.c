/* set_tid_address returns the caller's tid; gettid/getpid relationships. */
#include "abi.h"

static int word;

int main(void)
{
    long tid = syscall(SYS_set_tid_address, &word);
    YN("set_tid_address returns tid", tid == xgettid());
    YN("tid == pid in main thread", tid == getpid());
    YN("raw getpid == getpid", syscall(SYS_getpid) == getpid());
    long t2 = syscall(SYS_set_tid_address, NULL);
    YN("again with NULL", t2 == tid);
    /* garbage pointer accepted (only used at exit) */
    long t3 = syscall(SYS_set_tid_address, (void *)16);
    YN("bad pointer accepted", t3 == tid);
    return 0;
}
