/* getrlimit / setrlimit / prlimit64: NOFILE enforcement (EMFILE, dup2 EBADF, F_DUPFD EINVAL),
 * FSIZE -> EFBIG with SIGXFSZ ignored, AS -> ENOMEM, EINVAL paths. */
#include "abi.h"
#include <sys/resource.h>
#include <sys/mman.h>

int main(void)
{
    struct rlimit old, r;
    R("getrlimit NOFILE", getrlimit(RLIMIT_NOFILE, &old));
    YN("soft <= hard", old.rlim_cur <= old.rlim_max);
    struct rlimit pl;
    R("prlimit get", prlimit(0, RLIMIT_NOFILE, NULL, &pl));
    YN("prlimit == getrlimit", pl.rlim_cur == old.rlim_cur && pl.rlim_max == old.rlim_max);
    R("raw prlimit64 get", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &pl));

    r.rlim_cur = 10;
    r.rlim_max = old.rlim_max;
    R("setrlimit NOFILE 10", setrlimit(RLIMIT_NOFILE, &r));
    int last = -1, fd;
    errno = 0;
    while ((fd = open(".", O_RDONLY | O_DIRECTORY)) >= 0)
        last = fd;
    printf("last fd: %d stopped with %s\n", last, errname(errno));
    R("dup2 beyond limit", dup2(0, 10));
    R("F_DUPFD beyond limit", fcntl(0, F_DUPFD, 10));
    R("pipe at limit", pipe((int[2]){0, 0}));
    for (int i = 3; i <= last; i++)
        close(i);
    R("restore", setrlimit(RLIMIT_NOFILE, &old));

    r.rlim_cur = 20;
    r.rlim_max = 10;
    R("soft > hard", setrlimit(RLIMIT_NOFILE, &r));
    R("bad resource", getrlimit(1000, &r));
    R("prlimit bad pid", prlimit(0x7ffffff0, RLIMIT_NOFILE, NULL, &r));
    R("getrlimit STACK", getrlimit(RLIMIT_STACK, &r));
    YN("stack soft > 0", r.rlim_cur > 0);

    /* RLIMIT_FSIZE */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit of;
    getrlimit(RLIMIT_FSIZE, &of);
    r.rlim_cur = 100;
    r.rlim_max = of.rlim_max;
    /* stdout is a regular file too: collect results, print after restoring the limit */
    long rs, r1, r2, r3;
    int e1, e2, e3;
    MUST(fd = open("f", O_WRONLY | O_CREAT | O_TRUNC, 0644));
    fflush(stdout);
    rs = setrlimit(RLIMIT_FSIZE, &r);
    static char buf[150];
    r1 = write(fd, buf, 150);
    e1 = errno;
    r2 = write(fd, buf, 1);
    e2 = errno;
    r3 = ftruncate(fd, 1000);
    e3 = errno;
    setrlimit(RLIMIT_FSIZE, &of);
    close(fd);
    printf("set FSIZE 100 = %ld\n", rs);
    printf("write 150 (short) = %ld\n", r1 < 0 ? -(long)e1 : r1);
    printf("write at limit = %ld %s\n", r2, r2 < 0 ? errname(e2) : "");
    printf("ftruncate beyond = %ld %s\n", r3, r3 < 0 ? errname(e3) : "");

    /* RLIMIT_AS */
    struct rlimit oa;
    getrlimit(RLIMIT_AS, &oa);
    r.rlim_cur = 1UL << 40;
    r.rlim_max = oa.rlim_max;
    R("set AS 1TiB", setrlimit(RLIMIT_AS, &r));
    errno = 0;
    void *p = mmap(NULL, 2UL << 40, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("mmap 2TiB under AS limit: %s %s\n", p == MAP_FAILED ? "MAP_FAILED" : "mapped",
           errname(errno));
    setrlimit(RLIMIT_AS, &oa);

    /* lowering the hard limit is always allowed (raising it needs CAP_SYS_RESOURCE, which
     * depends on the environment, so it is not tested) */
    r.rlim_cur = 0;
    r.rlim_max = 0;
    R("CORE -> 0/0", setrlimit(RLIMIT_CORE, &r));
    struct rlimit nw = {0, 0}, ol = {1, 1};
    R("prlimit set+get", prlimit(0, RLIMIT_CORE, &nw, &ol));
    printf("old core: %ld/%ld\n", (long)ol.rlim_cur, (long)ol.rlim_max);
    R("raw prlimit64 get", syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &ol));
    printf("core now: %ld/%ld\n", (long)ol.rlim_cur, (long)ol.rlim_max);
    nw.rlim_cur = 1;
    R("soft above hard", prlimit(0, RLIMIT_CORE, &nw, NULL));
    return 0;
}
