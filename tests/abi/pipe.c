/* pipe / pipe2 in one process: data, EOF, O_NONBLOCK EAGAIN, EPIPE with SIGPIPE ignored,
 * O_CLOEXEC, bad flags, capacity. */
#include "abi.h"

int main(void)
{
    int p[2];
    char buf[64];
    struct stat st;
    R("pipe2 0", pipe2(p, 0));
    printf("fds: %d %d\n", p[0], p[1]);
    MUST(fstat(p[0], &st));
    printf("type: %s\n", ftype(st.st_mode));
    R("write", write(p[1], "hello", 5));
    R("write", write(p[1], " pipe", 5));
    memset(buf, 0, sizeof buf);
    R("read (all queued)", read(p[0], buf, sizeof buf));
    printf("data: %s\n", buf);
    R("write", write(p[1], "abc", 3));
    R("read 2 of 3", read(p[0], buf, 2));
    R("read rest", read(p[0], buf, sizeof buf));
    R("read on write end", read(p[1], buf, 1));
    R("write on read end", write(p[0], "x", 1));
    R("close write end", close(p[1]));
    R("read EOF", read(p[0], buf, sizeof buf));
    R("read EOF again", read(p[0], buf, sizeof buf));
    close(p[0]);

    R("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK));
    R("read empty nonblock", read(p[0], buf, sizeof buf));
    /* fill the pipe */
    static char blk[4096];
    long total = 0, r;
    while ((r = write(p[1], blk, sizeof blk)) > 0)
        total += r;
    printf("fill stopped with: %s, capacity>=4096: %s\n", errname(errno),
           total >= 4096 ? "yes" : "no");
    long drained = 0;
    while ((r = read(p[0], blk, sizeof blk)) > 0)
        drained += r;
    printf("drained == filled: %s\n", drained == total ? "yes" : "no");
    close(p[0]);
    close(p[1]);

    signal(SIGPIPE, SIG_IGN);
    MUST(pipe(p));
    close(p[0]);
    R("write with reader closed", write(p[1], "x", 1));
    close(p[1]);

    R("pipe2 O_CLOEXEC", pipe2(p, O_CLOEXEC));
    printf("F_GETFD: %d %d\n", fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
    close(p[0]);
    close(p[1]);
    R("pipe2 bad flags", pipe2(p, 0x1));
    R("pipe2 O_RDWR", pipe2(p, O_RDWR));
    R("raw pipe2", syscall(SYS_pipe2, p, 0));
    printf("fds: %d %d\n", p[0], p[1]);
#ifdef SYS_pipe
    int q[2];
    R("raw pipe", syscall(SYS_pipe, q));
    printf("fds: %d %d\n", q[0], q[1]);
#endif
    /* PIPE_BUF atomicity: write of 4096 then read back in order */
    for (int i = 0; i < 4096; i++)
        blk[i] = (char)i;
    R("write 4096", write(p[1], blk, 4096));
    static char back[4096];
    R("read 4096", read(p[0], back, 4096));
    YN("in order", memcmp(blk, back, 4096) == 0);
    return 0;
}
