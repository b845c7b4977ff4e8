/* F_GETPIPE_SZ / F_SETPIPE_SZ: default size, rounding, limits, EBUSY, non-pipes; a resized
 * pipe keeps its content and holds what its new size says. */
#include "abi.h"

#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#endif

int main(void)
{
    int p[2];
    MUST(pipe(p));
    int f = open("file", O_CREAT | O_RDWR, 0644);
    MUST(f);
    R("default", fcntl(p[0], F_GETPIPE_SZ));
    R("on a file: get", fcntl(f, F_GETPIPE_SZ));
    R("on a file: set", fcntl(f, F_SETPIPE_SZ, 4096));
    R("bad fd", fcntl(99, F_GETPIPE_SZ));
    R("set 0", fcntl(p[1], F_SETPIPE_SZ, 0));
    R("get from the other end", fcntl(p[0], F_GETPIPE_SZ));
    R("set 5000", fcntl(p[1], F_SETPIPE_SZ, 5000));
    R("set 1 MiB", fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
    R("set 1 MiB + 1", fcntl(p[1], F_SETPIPE_SZ, (1 << 20) + 1));
    R("set -1", fcntl(p[1], F_SETPIPE_SZ, -1));
    R("set 2^31 + 1", syscall(SYS_fcntl, p[1], F_SETPIPE_SZ, (1ul << 31) + 1));
    R("get", fcntl(p[0], F_GETPIPE_SZ));
    char buf[20000];
    for (int i = 0; i < (int)sizeof buf; i++)
        buf[i] = (char)i;
    R("write 3 bytes", write(p[1], buf, 3));
    R("shrink to 4096 with 3 bytes", fcntl(p[1], F_SETPIPE_SZ, 4096));
    R("grow to 16384", fcntl(p[1], F_SETPIPE_SZ, 16384));
    R("write 9000", write(p[1], buf + 3, 9000));
    R("shrink to 4096 with 9003 bytes", fcntl(p[1], F_SETPIPE_SZ, 4096));
    R("shrink to 12000", fcntl(p[1], F_SETPIPE_SZ, 12000));
    char in[20000];
    R("read back", read(p[0], in, sizeof in));
    YN("content kept", memcmp(in, buf, 9003) == 0);
    MUST(fcntl(p[1], F_SETFL, O_NONBLOCK));
    long tot = 0, n;
    while ((n = write(p[1], buf, 4096)) > 0)
        tot += n;
    R("4 KiB writes that fit", tot);
    R("then", write(p[1], buf, 1));
    close(p[0]);
    close(p[1]);
    close(f);
    return 0;
}
