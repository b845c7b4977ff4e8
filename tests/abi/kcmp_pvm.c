/* kcmp between threads, processes and descriptors; process_vm_readv/writev on the caller's own memory. */
#include "abi.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/uio.h>

static int tid2;
static volatile int stop;
static void *idle(void *a) { (void)a; tid2 = (int)xgettid(); while (!stop) usleep(1000); return NULL; }

#define EQ(label, expr) do { long r_ = (expr); if (r_ < 0) printf("%s = -1 %s\n", label, errname(errno)); else printf("%s: %s\n", label, r_ == 0 ? "same" : (r_ == 1 || r_ == 2) ? "different" : "?"); } while (0)

int main(void)
{
    int me = getpid();
    int fd = open(".", O_RDONLY);
    int dupfd = dup(fd);
    int other = open(".", O_RDONLY);
    EQ("file: dup", syscall(SYS_kcmp, me, me, 0, fd, dupfd));
    EQ("file: another open", syscall(SYS_kcmp, me, me, 0, fd, other));
    EQ("file: bad fd", syscall(SYS_kcmp, me, me, 0, fd, 99));
    EQ("bad type", syscall(SYS_kcmp, me, me, 8, 0, 0));
    EQ("no such pid", syscall(SYS_kcmp, me, 0x3ffffff0, 1, 0, 0));
    pthread_t th;
    pthread_create(&th, NULL, idle, NULL);
    while (!tid2)
        usleep(1000);
    const char *names[] = {"vm", "files", "fs", "sighand", "io", "sysvsem"};
    for (int t = 1; t <= 6; t++) {
        char l[64];
        snprintf(l, sizeof l, "thread %s", names[t - 1]);
        EQ(l, syscall(SYS_kcmp, me, tid2, t, 0, 0));
    }
    pid_t c = fork();
    if (c == 0) {
        usleep(200000);
        _exit(0);
    }
    for (int t = 1; t <= 4; t++) {
        char l[64];
        snprintf(l, sizeof l, "child %s", names[t - 1]);
        EQ(l, syscall(SYS_kcmp, me, c, t, 0, 0));
    }
    EQ("child: inherited fd", syscall(SYS_kcmp, me, c, 0, fd, fd));
    EQ("order is antisymmetric", syscall(SYS_kcmp, me, c, 1, 0, 0) + syscall(SYS_kcmp, c, me, 1, 0, 0) - 3);
    wait_report("child", c);
    stop = 1;
    pthread_join(th, NULL);

    /* process_vm_readv/writev on ourselves */
    char src[64] = "the quick brown fox jumps over the lazy dog", dst[64];
    memset(dst, 0, sizeof dst);
    struct iovec l[2] = {{dst, 10}, {dst + 10, 30}}, r[1] = {{src, 40}};
    R("readv self", syscall(SYS_process_vm_readv, me, l, 2UL, r, 1UL, 0UL));
    printf("  got \"%.40s\"\n", dst);
    char w[8] = "HELLO";
    struct iovec wl[1] = {{w, 5}}, wr[1] = {{src + 4, 5}};
    R("writev self", syscall(SYS_process_vm_writev, me, wl, 1UL, wr, 1UL, 0UL));
    printf("  now \"%s\"\n", src);
    R("flags", syscall(SYS_process_vm_readv, me, l, 2UL, r, 1UL, 1UL));
    R("too many local iovecs", syscall(SYS_process_vm_readv, me, l, 1025UL, r, 1UL, 0UL));
    R("bad local iovec pointer", syscall(SYS_process_vm_readv, me, (void *)8, 2UL, r, 1UL, 0UL));
    R("no local bytes", syscall(SYS_process_vm_readv, me, l, 0UL, r, 1UL, 0UL));
    R("no remote bytes", syscall(SYS_process_vm_readv, 0x3ffffff0, l, 2UL, r, 0UL, 0UL));
    R("no such pid", syscall(SYS_process_vm_readv, 0x3ffffff0, l, 2UL, r, 1UL, 0UL));
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST((long)m);
    memset(m, 'a', 2 * pg);
    MUST(munmap(m + pg, pg));
    char *big = malloc(2 * pg);
    struct iovec bl[1] = {{big, 2 * pg}}, br[1] = {{m + pg - 100, 200}};
    R("remote range runs into a hole", syscall(SYS_process_vm_readv, me, bl, 1UL, br, 1UL, 0UL));
    struct iovec hr[1] = {{m + pg, 100}};
    R("remote range unmapped", syscall(SYS_process_vm_readv, me, bl, 1UL, hr, 1UL, 0UL));
    struct iovec badl[1] = {{(void *)8, 10}};
    R("local buffer unmapped", syscall(SYS_process_vm_readv, me, badl, 1UL, r, 1UL, 0UL));
    return 0;
}
