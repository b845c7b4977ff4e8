/* bench/aio.c - 4 KiB random reads at queue depth 32 through Linux AIO (raw syscalls).
 * Usage: aio FILE NREADS.  Creates FILE (16 MiB), then keeps 32 reads in flight:
 * io_submit of the free slots, io_getevents(min 1).  Prints "RESULT <ns per read>". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct io_event { uint64_t data, obj; int64_t res, res2; };
struct iocb {
    uint64_t aio_data; uint32_t aio_key; int32_t aio_rw_flags;
    uint16_t aio_lio_opcode; int16_t aio_reqprio; uint32_t aio_fildes;
    uint64_t aio_buf, aio_nbytes; int64_t aio_offset; uint64_t aio_reserved2;
    uint32_t aio_flags, aio_resfd;
};
#define QD 32
#define FSIZE (16u << 20)
#define BS 4096

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    long n = atol(argv[2]);
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 1; }
    static char blk[1 << 20];
    memset(blk, 'a', sizeof blk);
    for (unsigned o = 0; o < FSIZE; o += sizeof blk)
        if (pwrite(fd, blk, sizeof blk, o) != (ssize_t)sizeof blk) { perror("pwrite"); return 1; }
    uint64_t ctx = 0;
    if (syscall(SYS_io_setup, QD, &ctx) < 0) { perror("io_setup"); return 1; }
    static char bufs[QD][BS];
    struct iocb cbs[QD], *ptrs[QD];
    struct io_event ev[QD];
    int freeq[QD], nfree = QD;
    for (int i = 0; i < QD; i++) freeq[i] = i;
    long issued = 0, done = 0;
    double t0 = now();
    while (done < n) {
        int k = 0;
        while (nfree && issued < n) {
            int s = freeq[--nfree];
            memset(&cbs[s], 0, sizeof cbs[s]);
            cbs[s].aio_lio_opcode = 0; /* PREAD */
            cbs[s].aio_fildes = fd;
            cbs[s].aio_buf = (uintptr_t)bufs[s];
            cbs[s].aio_nbytes = BS;
            cbs[s].aio_offset = (int64_t)(next() % (FSIZE / BS)) * BS;
            cbs[s].aio_data = s;
            ptrs[k++] = &cbs[s];
            issued++;
        }
        if (k && syscall(SYS_io_submit, ctx, k, ptrs) != k) { perror("io_submit"); return 1; }
        long g = syscall(SYS_io_getevents, ctx, 1, QD, ev, NULL);
        if (g < 0) { perror("io_getevents"); return 1; }
        for (long i = 0; i < g; i++) {
            if (ev[i].res != BS) { fprintf(stderr, "short read %lld\n", (long long)ev[i].res); return 1; }
            freeq[nfree++] = (int)ev[i].data;
        }
        done += g;
    }
    double t = now() - t0;
    syscall(SYS_io_destroy, ctx);
    unlink(argv[1]);
    printf("RESULT %.1f\n", t / n);
    return 0;
}
