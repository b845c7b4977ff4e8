/* File-backed mmap: MAP_PRIVATE reads the file, private writes stay private, MAP_SHARED
 * writes reach the file, offsets, tail of last page zeroed, SIGBUS past EOF, errors. */
#include "abi.h"
#include <sys/mman.h>

static sigjmp_buf jb;
static volatile int got;
static void on_sig(int s) { got = s; siglongjmp(jb, 1); }

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    int fd;
    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    static char data[3 * 4096 + 100];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = 'a' + i % 26;
    memcpy(data, "HEADER", 6);
    memcpy(data + 2 * 4096, "PAGE2", 5);
    MUST(write(fd, data, sizeof data));

    char *p = mmap(NULL, sizeof data, PROT_READ, MAP_PRIVATE, fd, 0);
    YN("private map ok", p != MAP_FAILED);
    printf("head: %.6s page2: %.5s\n", p, p + 2 * pg);
    YN("whole file matches", memcmp(p, data, sizeof data) == 0);
    int tailzero = 1;
    for (long i = sizeof data; i < 4 * pg; i++)
        if (p[i])
            tailzero = 0;
    YN("rest of last page zero", tailzero);
    munmap(p, sizeof data);

    char *o = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 2 * pg);
    YN("offset map", o != MAP_FAILED && memcmp(o, "PAGE2", 5) == 0);
    munmap(o, pg);

    char *w = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    memcpy(w, "priv", 4);
    char buf[8] = {0};
    MUST(pread(fd, buf, 6, 0));
    printf("file after private write: %.6s map: %.6s\n", buf, w);

    char *s = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    YN("shared map ok", s != MAP_FAILED);
    memcpy(s, "SHARED", 6);
    R("msync", msync(s, pg, MS_SYNC));
    MUST(pread(fd, buf, 6, 0));
    printf("file after shared write: %.6s\n", buf);
    MUST(pwrite(fd, "pwrote", 6, 0));
    printf("shared map after pwrite: %.6s\n", s);
    printf("private (COWed) page unchanged: %.4s\n", w);
    munmap(s, pg);
    munmap(w, pg);

    /* file grows: mapping beyond EOF, then SIGBUS on access past the last page */
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    char *big = mmap(NULL, 8 * pg, PROT_READ, MAP_PRIVATE, fd, 0);
    YN("map larger than file", big != MAP_FAILED);
    got = 0;
    if (sigsetjmp(jb, 1) == 0) {
        volatile char c = big[6 * pg];
        (void)c;
    }
    printf("access past EOF signal: %s\n", got == SIGBUS ? "SIGBUS" : got ? "other" : "none");
    munmap(big, 8 * pg);

    errno = 0;
    void *r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 100);
    printf("unaligned offset: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));
    int wo;
    MUST(wo = open("f", O_WRONLY));
    errno = 0;
    r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, wo, 0);
    printf("O_WRONLY fd: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));
    int ro;
    MUST(ro = open("f", O_RDONLY));
    errno = 0;
    r = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    printf("O_RDONLY fd shared RW: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped",
           errname(errno));
    errno = 0;
    r = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    printf("O_RDONLY fd private RW: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped",
           errname(errno));
    int p2[2];
    MUST(pipe(p2));
    errno = 0;
    r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, p2[0], 0);
    printf("pipe: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));
    int dfd;
    MUST(dfd = open(".", O_RDONLY | O_DIRECTORY));
    errno = 0;
    r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, dfd, 0);
    printf("directory: %s %s\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));

    /* mapping survives close of the fd */
    char *k = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, ro, 0);
    close(ro);
    printf("after close: %.6s\n", k);
    return 0;
}
