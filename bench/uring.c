/* bench/uring.c - 4 KiB random reads at queue depth 32 through io_uring (liburing).
 * Usage: uring FILE NREADS.  Creates FILE (16 MiB), then keeps 32 IORING_OP_READs in
 * flight: submit the free slots, wait for one CQE, reap all ready.  Prints
 * "RESULT <ns per read>".  The same shape as bench/aio.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    struct io_uring ring;
    int r = io_uring_queue_init(QD, &ring, 0);
    if (r < 0) { fprintf(stderr, "queue_init: %s\n", strerror(-r)); return 1; }
    static char bufs[QD][BS];
    int freeq[QD], nfree = QD;
    for (int i = 0; i < QD; i++) freeq[i] = i;
    long issued = 0, done = 0;
    double t0 = now();
    while (done < n) {
        while (nfree && issued < n) {
            int s = freeq[--nfree];
            struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
            io_uring_prep_read(sqe, fd, bufs[s], BS, (next() % (FSIZE / BS)) * BS);
            sqe->user_data = (uint64_t)s;
            issued++;
        }
        r = io_uring_submit_and_wait(&ring, 1);
        if (r < 0) { fprintf(stderr, "submit: %s\n", strerror(-r)); return 1; }
        struct io_uring_cqe *cqe;
        unsigned head, got = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            if (cqe->res != BS) { fprintf(stderr, "short read %d\n", cqe->res); return 1; }
            freeq[nfree++] = (int)cqe->user_data;
            got++;
        }
        io_uring_cq_advance(&ring, got);
        done += got;
    }
    double t = now() - t0;
    io_uring_queue_exit(&ring);
    unlink(argv[1]);
    printf("RESULT %.1f\n", t / n);
    return 0;
}
