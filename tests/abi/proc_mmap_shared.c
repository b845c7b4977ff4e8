/* MAP_SHARED across fork: anonymous counter incremented with atomics by parent and child,
 * stores visible both ways, MAP_PRIVATE copy-on-write stays private, a file mapped
 * separately in two processes is coherent with each other and with read()/write(),
 * munmap in the child leaves the parent's mapping. */
#include "abi.h"
#include <sys/mman.h>
#include <sys/wait.h>
#include <sched.h>

#define ITER 100000

static void spin_until(volatile int *p, int v)
{
    for (long i = 0; __atomic_load_n(p, __ATOMIC_ACQUIRE) != v; i++)
        if (i > 1000)
            sched_yield();
}

int main(void)
{
    int st;
    int *sh = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST(sh == MAP_FAILED || pv == MAP_FAILED ? -1 : 0);
    sh[0] = 0;
    sh[1] = 0;
    pv[0] = 1;

    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        for (int i = 0; i < ITER; i++)
            __atomic_fetch_add(&sh[0], 1, __ATOMIC_SEQ_CST);
        sh[2] = 4242;
        pv[0] = 2;
        /* wait for the parent's store after the fork */
        spin_until(&sh[1], 1);
        sh[3] = pv[0]; /* still our private copy: 2 */
        _exit(0);
    }
    for (int i = 0; i < ITER; i++)
        __atomic_fetch_add(&sh[0], 1, __ATOMIC_SEQ_CST);
    pv[0] = 3;
    __atomic_store_n(&sh[1], 1, __ATOMIC_RELEASE);
    waitpid(c, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));
    printf("shared counter: %d (expected %d)\n", sh[0], 2 * ITER);
    printf("child's plain store seen: %d\n", sh[2]);
    printf("private page: parent sees %d, child saw %d\n", pv[0], sh[3]);

    /* ping-pong over the shared page: 500 alternations using atomics only */
    sh[4] = 0;
    fflush(stdout);
    c = fork();
    if (c == 0) {
        for (int i = 0; i < 500; i++) {
            spin_until(&sh[4], 2 * i + 1);
            __atomic_store_n(&sh[4], 2 * i + 2, __ATOMIC_RELEASE);
        }
        _exit(0);
    }
    for (int i = 0; i < 500; i++) {
        __atomic_store_n(&sh[4], 2 * i + 1, __ATOMIC_RELEASE);
        spin_until(&sh[4], 2 * i + 2);
    }
    waitpid(c, &st, 0);
    printf("ping-pong final value: %d\n", sh[4]);

    /* munmap in the child does not affect the parent */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        sh[5] = 77;
        munmap(sh, 8192);
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("after child's munmap: parent still reads %d\n", sh[5]);

    /* file mapped separately by two processes */
    int fd;
    MUST(fd = open("m", O_RDWR | O_CREAT | O_TRUNC, 0644));
    MUST(ftruncate(fd, 8192));
    char *fm = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    MUST(fm == MAP_FAILED ? -1 : 0);
    int go[2], ack[2];
    MUST(pipe(go));
    MUST(pipe(ack));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        int cfd = open("m", O_RDWR);
        char *cm = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
        if (cm == MAP_FAILED)
            _exit(1);
        memcpy(cm + 4096, "from-child-mapping", 18);
        write(ack[1], "1", 1);
        char x;
        read(go[0], &x, 1); /* the parent stored into its mapping and write()s */
        printf("  child mapping sees parent's store: %.17s\n", cm + 100);
        printf("  child mapping sees parent's write(): %.13s\n", cm + 200);
        munmap(cm, 8192);
        _exit(0);
    }
    char x;
    read(ack[0], &x, 1);
    printf("parent mapping sees child's store: %.18s\n", fm + 4096);
    char rb[32] = {0};
    pread(fd, rb, 18, 4096);
    printf("pread sees child's store: %s\n", rb);
    memcpy(fm + 100, "from-parent-store", 17);
    pwrite(fd, "written-bytes", 13, 200);
    write(go[1], "g", 1);
    waitpid(c, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));
    R("msync", msync(fm, 8192, MS_SYNC));
    munmap(fm, 8192);
    char all[64];
    get_file("m", all, 20);
    printf("file starts with NULs: %d\n", all[0] == 0);
    return 0;
}
