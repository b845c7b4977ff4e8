/* membarrier, personality, protection keys (no PKU), ioprio_get/set. */
#include "abi.h"
#include <pthread.h>
#include <sys/mman.h>

static volatile int stop;
static void *spin(void *a) { (void)a; while (!stop) ; return NULL; }

int main(void)
{
    /* membarrier */
    R("membarrier query", syscall(SYS_membarrier, 0, 0, 0));
    R("query with flags", syscall(SYS_membarrier, 0, 1, 0));
    R("bad command", syscall(SYS_membarrier, 1024, 0, 0));
    R("negative command", syscall(SYS_membarrier, -1, 0, 0));
    R("private expedited, unregistered", syscall(SYS_membarrier, 8, 0, 0));
    R("sync core, unregistered", syscall(SYS_membarrier, 32, 0, 0));
    R("rseq, unregistered", syscall(SYS_membarrier, 128, 0, 0));
    R("rseq, bad flag", syscall(SYS_membarrier, 128, 2, 0));
    R("registrations", syscall(SYS_membarrier, 512, 0, 0));
    R("register private expedited", syscall(SYS_membarrier, 16, 0, 0));
    pthread_t th;
    pthread_create(&th, NULL, spin, NULL);
    R("private expedited with a running thread", syscall(SYS_membarrier, 8, 0, 0));
    stop = 1;
    pthread_join(th, NULL);
    R("register sync core", syscall(SYS_membarrier, 64, 0, 0));
    R("sync core", syscall(SYS_membarrier, 32, 0, 0));
    R("register global expedited", syscall(SYS_membarrier, 4, 0, 0));
    R("global expedited", syscall(SYS_membarrier, 2, 0, 0));
    R("global", syscall(SYS_membarrier, 1, 0, 0));
    R("registrations", syscall(SYS_membarrier, 512, 0, 0));
    pid_t c = fork();
    if (c == 0) {
        R("child: registrations", syscall(SYS_membarrier, 512, 0, 0));
        R("child: private expedited", syscall(SYS_membarrier, 8, 0, 0));
        _exit(0);
    }
    wait_report("child", c);

    /* personality: any value is kept, 0xffffffff only asks */
    R("personality query", syscall(SYS_personality, 0xffffffffUL));
    R("set ADDR_NO_RANDOMIZE", syscall(SYS_personality, 0x0040000));
    R("query", syscall(SYS_personality, 0xffffffffUL));
    c = fork();
    if (c == 0) {
        R("child: inherited", syscall(SYS_personality, 0xffffffffUL));
        _exit(0);
    }
    wait_report("child", c);
    R("set odd value", syscall(SYS_personality, 0x12345));
    R("back to PER_LINUX", syscall(SYS_personality, 0));
    R("query", syscall(SYS_personality, 0xffffffffUL));

    /* protection keys: a CPU without PKU */
    R("pkey_alloc", syscall(SYS_pkey_alloc, 0, 0));
    R("pkey_alloc bad flags", syscall(SYS_pkey_alloc, 1, 0));
    R("pkey_alloc bad rights", syscall(SYS_pkey_alloc, 0, 4));
    R("pkey_free 1", syscall(SYS_pkey_free, 1));
    R("pkey_free -1", syscall(SYS_pkey_free, -1));
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST((long)p);
    R("pkey_mprotect key -1", syscall(SYS_pkey_mprotect, p, pg, PROT_READ, -1));
    R("pkey_mprotect key 1", syscall(SYS_pkey_mprotect, p, pg, PROT_READ, 1));
    R("pkey_mprotect key 1, unaligned", syscall(SYS_pkey_mprotect, p + 1, pg, PROT_READ, 1));
    R("pkey_mprotect key 1, len 0", syscall(SYS_pkey_mprotect, p, 0, PROT_READ, 1));
    R("pkey_mprotect key 1, bad prot", syscall(SYS_pkey_mprotect, p, pg, 0x100, 1));

    /* ioprio */
    R("ioprio_get self", syscall(SYS_ioprio_get, 1, 0));
    R("ioprio_get bad which", syscall(SYS_ioprio_get, 9, 0));
    R("ioprio_get no such pid", syscall(SYS_ioprio_get, 1, 0x3ffffff0));
    R("ioprio_set BE 3", syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 3));
    R("ioprio_get", syscall(SYS_ioprio_get, 1, 0));
    R("ioprio_get own pid", syscall(SYS_ioprio_get, 1, getpid()));
    R("ioprio_set BE level 8", syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 8));
    R("ioprio_set bad class", syscall(SYS_ioprio_set, 1, 0, 5 << 13));
    R("ioprio_set NONE with level", syscall(SYS_ioprio_set, 1, 0, 1));
    R("ioprio_set IDLE", syscall(SYS_ioprio_set, 1, 0, 3 << 13));
    R("ioprio_get", syscall(SYS_ioprio_get, 1, 0));
    R("ioprio_set RT 0 (root)", syscall(SYS_ioprio_set, 1, 0, 1 << 13));
    R("ioprio_get", syscall(SYS_ioprio_get, 1, 0));
    R("ioprio_set bad which", syscall(SYS_ioprio_set, 0, 0, 0));
    R("ioprio_set no such pid", syscall(SYS_ioprio_set, 1, 0x3ffffff0, 0));
    R("ioprio_set pgrp", syscall(SYS_ioprio_set, 2, 0, (2 << 13) | 5));
    R("ioprio_get pgrp", syscall(SYS_ioprio_get, 2, 0));
    R("ioprio_set NONE", syscall(SYS_ioprio_set, 1, 0, 0));
    R("ioprio_get", syscall(SYS_ioprio_get, 1, 0));
    c = fork();
    if (c == 0) {
        R("child: ioprio_get", syscall(SYS_ioprio_get, 1, 0));
        _exit(0);
    }
    wait_report("child", c);
    return 0;
}
