/* Linux AIO by raw syscalls: io_setup limits, the user-space ring header, io_submit of
 * PREAD/PWRITE/PREADV/PWRITEV/FSYNC/FDSYNC/POLL (RESFD eventfd, rw_flags), io_getevents
 * min_nr and timeouts, io_pgetevents sigmask, io_cancel of a pending poll and of a
 * completed op, io_destroy, and the EFAULT/EBADF/EINVAL paths. */
#include "abi.h"
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <time.h>

struct aio_ring {
    unsigned id, nr, head, tail, magic, compat, incompat, header_length;
};
struct io_event {
    uint64_t data, obj;
    int64_t res, res2;
};
struct iocb {
    uint64_t aio_data;
    uint32_t aio_key;
    int32_t aio_rw_flags;
    uint16_t aio_lio_opcode;
    int16_t aio_reqprio;
    uint32_t aio_fildes;
    uint64_t aio_buf, aio_nbytes;
    int64_t aio_offset;
    uint64_t aio_reserved2;
    uint32_t aio_flags, aio_resfd;
};
enum { PREAD = 0, PWRITE = 1, FSYNC = 2, FDSYNC = 3, POLL = 5, PREADV = 7, PWRITEV = 8 };

static long setup(unsigned n, uint64_t *ctx) { return syscall(SYS_io_setup, n, ctx); }
static long submit(uint64_t ctx, long n, struct iocb **cbs) { return syscall(SYS_io_submit, ctx, n, cbs); }
static long getev(uint64_t ctx, long min, long n, struct io_event *ev, struct timespec *ts)
{
    return syscall(SYS_io_getevents, ctx, min, n, ev, ts);
}

static struct iocb mk(int op, int fd, void *buf, size_t n, long off, uint64_t data)
{
    struct iocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_lio_opcode = (uint16_t)op;
    cb.aio_fildes = (uint32_t)fd;
    cb.aio_buf = (uint64_t)(uintptr_t)buf;
    cb.aio_nbytes = n;
    cb.aio_offset = off;
    cb.aio_data = data;
    return cb;
}

static void show(const char *what, struct io_event *ev, long n, struct iocb **cbs, int ncb)
{
    /* by user data: Linux completes fsync from a work queue, in no fixed order */
    for (long i = 1; i < n; i++)
        for (long j = i; j > 0 && ev[j - 1].data > ev[j].data; j--) {
            struct io_event t = ev[j];
            ev[j] = ev[j - 1], ev[j - 1] = t;
        }
    for (long i = 0; i < n; i++) {
        int which = -1;
        for (int k = 0; k < ncb; k++)
            if (ev[i].obj == (uint64_t)(uintptr_t)cbs[k])
                which = k;
        printf("%s: data=%llu iocb=%d res=%lld%s%s res2=%lld\n", what,
               (unsigned long long)ev[i].data, which, (long long)ev[i].res,
               ev[i].res < 0 ? " " : "", ev[i].res < 0 ? errname((int)-ev[i].res) : "",
               (long long)ev[i].res2);
    }
}

static void on_usr1(int s) { (void)s; }

int main(void)
{
    uint64_t ctx = 0, bad = 1;
    struct io_event ev[16];
    struct timespec zero = {0, 0}, short_ts = {0, 20 * 1000 * 1000};

    R("io_setup 0", setup(0, &ctx));
    R("io_setup ctx != 0", setup(4, &bad));
    R("io_setup bad ptr", setup(4, (uint64_t *)8));
    R("io_setup huge", setup(0x10000000u / 32 + 1, &ctx));
    R("io_setup over aio-max-nr", setup(65537, &ctx));
    R("io_setup 8", setup(8, &ctx));
    struct aio_ring *ring = (struct aio_ring *)(uintptr_t)ctx;
    printf("ring magic %#x compat %u incompat %u header %u head %u tail %u nr>=16 %d\n",
           ring->magic, ring->compat, ring->incompat, ring->header_length, ring->head,
           ring->tail, ring->nr >= 16);

    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    MUST(fd);
    char wbuf[64] = "hello, asynchronous world";
    char rbuf[64] = {0}, a[8] = {0}, b[8] = {0};
    struct iocb c0 = mk(PWRITE, fd, wbuf, 25, 0, 100);
    struct iocb c1 = mk(PREAD, fd, rbuf, 64, 7, 101);
    struct iocb *cbs[8] = {&c0, &c1};
    R("submit pwrite+pread", submit(ctx, 2, cbs));
    R("getevents 2", getev(ctx, 2, 16, ev, NULL));
    show("ev", ev, 2, cbs, 2);
    printf("read back: %s\n", rbuf);
    printf("ring head==tail %d\n", ring->head == ring->tail);

    struct iovec iv[2] = {{a, 5}, {b, 6}};
    struct iocb c2 = mk(PREADV, fd, iv, 2, 0, 102);
    struct iovec wv[2] = {{"AB", 2}, {"CD", 2}};
    struct iocb c3 = mk(PWRITEV, fd, wv, 2, 30, 103);
    struct iocb c4 = mk(FSYNC, fd, NULL, 0, 0, 104);
    struct iocb c5 = mk(FDSYNC, fd, NULL, 0, 0, 105);
    cbs[0] = &c2, cbs[1] = &c3, cbs[2] = &c4, cbs[3] = &c5;
    R("submit preadv+pwritev+fsync+fdsync", submit(ctx, 4, cbs));
    R("getevents min 4", getev(ctx, 4, 16, ev, NULL));
    show("ev", ev, 4, cbs, 4);
    printf("preadv: %.5s|%.6s size %ld\n", a, b, (long)lseek(fd, 0, SEEK_END));

    /* rw_flags and RESFD */
    int efd = eventfd(0, EFD_NONBLOCK);
    struct iocb c6 = mk(PWRITE, fd, "Z", 1, 0, 106);
    c6.aio_rw_flags = 2 /* RWF_DSYNC */;
    c6.aio_flags = 1 /* IOCB_FLAG_RESFD */;
    c6.aio_resfd = (uint32_t)efd;
    cbs[0] = &c6;
    R("submit pwrite RWF_DSYNC resfd", submit(ctx, 1, cbs));
    uint64_t cnt = 0;
    R("eventfd read", read(efd, &cnt, 8));
    printf("eventfd count %llu\n", (unsigned long long)cnt);
    R("getevents", getev(ctx, 1, 16, ev, &zero));
    show("ev", ev, 1, cbs, 1);
    struct iocb c7 = mk(PREAD, fd, rbuf, 4, 0, 107);
    c7.aio_rw_flags = 0x4000;
    cbs[0] = &c7;
    R("submit bad rw_flags", submit(ctx, 1, cbs));
    c7.aio_rw_flags = 0;
    c7.aio_flags = 1;
    c7.aio_resfd = (uint32_t)fd;
    R("submit resfd not eventfd", submit(ctx, 1, cbs));
    c7.aio_resfd = 999;
    R("submit resfd bad fd", submit(ctx, 1, cbs));

    /* error paths of io_submit */
    struct iocb e0 = mk(PREAD, 999, rbuf, 4, 0, 1);
    cbs[0] = &e0;
    R("submit bad fd", submit(ctx, 1, cbs));
    R("submit bad ctx", submit(12345, 1, cbs));
    R("submit nr < 0", submit(ctx, -1, cbs));
    R("submit nr 0", submit(ctx, 0, cbs));
    R("submit bad array", submit(ctx, 1, (struct iocb **)8));
    struct iocb *badp[1] = {(struct iocb *)8};
    R("submit bad iocb", submit(ctx, 1, badp));
    struct iocb e1 = mk(99, fd, rbuf, 4, 0, 1);
    cbs[0] = &e1;
    R("submit bad opcode", submit(ctx, 1, cbs));
    struct iocb e2 = mk(PREAD, fd, rbuf, 4, 0, 1);
    e2.aio_reserved2 = 1;
    cbs[0] = &e2;
    R("submit reserved2", submit(ctx, 1, cbs));
    struct iocb e3 = mk(PREAD, fd, (void *)8, 4, 0, 1);
    cbs[0] = &e3;
    R("submit bad buffer", submit(ctx, 1, cbs));
    struct iocb e4 = mk(FSYNC, fd, rbuf, 0, 0, 1);
    cbs[0] = &e4;
    R("submit fsync with buf", submit(ctx, 1, cbs));
    int ro = open("f", O_RDONLY);
    struct iocb e5 = mk(PWRITE, ro, wbuf, 4, 0, 1);
    cbs[0] = &e5;
    R("submit pwrite on O_RDONLY", submit(ctx, 1, cbs));
    struct iocb ok = mk(PREAD, ro, rbuf, 4, 0, 108);
    cbs[0] = &ok, cbs[1] = &e0;
    R("submit good then bad", submit(ctx, 2, cbs));
    R("getevents", getev(ctx, 1, 16, ev, &zero));
    show("ev", ev, 1, cbs, 1);

    /* io_getevents arguments and timeouts */
    R("getevents min > nr", getev(ctx, 2, 1, ev, &zero));
    R("getevents min < 0", getev(ctx, -1, 1, ev, &zero));
    R("getevents bad ctx", getev(1234, 0, 1, ev, &zero));
    R("getevents bad timeout", getev(ctx, 1, 1, ev, (struct timespec *)8));
    R("getevents empty, zero timeout", getev(ctx, 1, 1, ev, &zero));
    R("getevents empty, 20 ms", getev(ctx, 1, 1, ev, &short_ts));

    /* POLL on a pipe completes later, when the pipe becomes readable */
    int p[2];
    MUST(pipe(p));
    struct iocb pl = mk(POLL, p[0], (void *)(uintptr_t)1 /* POLLIN */, 0, 0, 200);
    pl.aio_buf = 1;
    cbs[0] = &pl;
    R("submit poll", submit(ctx, 1, cbs));
    R("getevents poll pending", getev(ctx, 1, 1, ev, &zero));
    pid_t kid = fork();
    if (kid == 0) {
        usleep(50 * 1000);
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        _exit(0);
    }
    R("getevents poll wait", getev(ctx, 1, 1, ev, NULL));
    show("ev", ev, 1, cbs, 1);
    waitpid(kid, NULL, 0);
    struct iocb pl2 = mk(POLL, p[1], NULL, 0, 0, 201);
    pl2.aio_buf = 4; /* POLLOUT: ready at once */
    cbs[0] = &pl2;
    R("submit poll ready", submit(ctx, 1, cbs));
    R("getevents", getev(ctx, 1, 1, ev, &zero));
    show("ev", ev, 1, cbs, 1);
    struct iocb pl3 = mk(POLL, p[0], NULL, 0, 0, 202);
    pl3.aio_buf = 0x10000;
    cbs[0] = &pl3;
    R("submit poll events > 16 bits", submit(ctx, 1, cbs));

    /* io_cancel: a pending poll, then a completed op */
    char drain;
    MUST(read(p[0], &drain, 1));
    struct iocb pl4 = mk(POLL, p[0], NULL, 0, 0, 203);
    pl4.aio_buf = 1;
    cbs[0] = &pl4;
    R("submit poll", submit(ctx, 1, cbs));
    struct io_event cres;
    R("cancel pending poll", syscall(SYS_io_cancel, ctx, &pl4, &cres));
    R("getevents cancelled", getev(ctx, 1, 1, ev, &short_ts)); /* Linux completes it from a work queue */
    show("ev", ev, 1, cbs, 1);
    R("cancel completed", syscall(SYS_io_cancel, ctx, &ok, &cres));
    R("cancel bad ctx", syscall(SYS_io_cancel, 77, &ok, &cres));
    R("cancel bad iocb ptr", syscall(SYS_io_cancel, ctx, (void *)8, &cres));
    ok.aio_key = 5;
    R("cancel wrong key", syscall(SYS_io_cancel, ctx, &ok, &cres));

    /* io_pgetevents: a signal blocked by the mask does not interrupt; one not blocked does */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t blk;
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    struct {
        const sigset_t *mask;
        size_t size;
    } ps = {&blk, 8}, badsize = {&blk, 4};
    R("pgetevents bad sigsetsize", syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &zero, &badsize));
    R("pgetevents bad usig", syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &zero, (void *)8));
    R("pgetevents masked, 20 ms", syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &short_ts, &ps));
    R("pgetevents null usig", syscall(SYS_io_pgetevents, ctx, 0, 1, ev, &zero, NULL));
    kid = fork();
    if (kid == 0) {
        usleep(50 * 1000);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    sigset_t none;
    sigemptyset(&none);
    ps.mask = &none;
    R("pgetevents interrupted", syscall(SYS_io_pgetevents, ctx, 1, 1, ev, NULL, &ps));
    waitpid(kid, NULL, 0);

    /* a forked child has no context */
    kid = fork();
    if (kid == 0) {
        errno = 0;
        long r = getev(ctx, 0, 1, ev, &zero);
        printf("child getevents = %ld %s\n", r, r < 0 ? errname(errno) : "");
        _exit(0);
    }
    waitpid(kid, NULL, 0);

    R("io_destroy", syscall(SYS_io_destroy, ctx));
    R("io_destroy again", syscall(SYS_io_destroy, ctx));
    R("getevents destroyed", getev(ctx, 0, 1, ev, &zero));
    R("io_destroy 0", syscall(SYS_io_destroy, 0));
    return 0;
}
