/* link-cp: copy a file as linked read -> write pairs (IOSQE_IO_LINK), after liburing's
 * examples/link-cp.c: the write of a block starts only once its read completed. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QD 16
#define BS 4096

/* FNV-1a of a file read back with read(2): what was written, as the copy left it */
static unsigned long long file_sum(const char *path)
{
    unsigned long long h = 1469598103934665603ull;
    unsigned char b[65536];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    for (ssize_t n; (n = read(fd, b, sizeof b)) > 0;)
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ b[i]) * 1099511628211ull;
    close(fd);
    return h;
}

int main(int argc, char *argv[])
{
    struct io_uring ring;
    if (argc < 3) {
        printf("%s: infile outfile\n", argv[0]);
        return 1;
    }
    int infd = open(argv[1], O_RDONLY);
    int outfd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (infd < 0 || outfd < 0) {
        perror("open");
        return 1;
    }
    int ret = io_uring_queue_init(QD * 2, &ring, 0);
    if (ret < 0) {
        fprintf(stderr, "queue_init: %s\n", strerror(-ret));
        return 1;
    }
    struct stat st;
    if (fstat(infd, &st) < 0)
        return 1;
    off_t size = st.st_size, off = 0;
    char (*bufs)[BS] = malloc((size_t)QD * BS);
    unsigned pairs = 0, cqes = 0, failed = 0;
    while (off < size) {
        int n = 0;
        for (; n < QD && off < size; n++) {
            size_t len = size - off < BS ? (size_t)(size - off) : BS;
            struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
            io_uring_prep_read(sqe, infd, bufs[n], len, off);
            sqe->flags |= IOSQE_IO_LINK;
            io_uring_sqe_set_data(sqe, (void *)1);
            sqe = io_uring_get_sqe(&ring);
            io_uring_prep_write(sqe, outfd, bufs[n], len, off);
            io_uring_sqe_set_data(sqe, (void *)2);
            off += len;
            pairs++;
        }
        ret = io_uring_submit_and_wait(&ring, 2 * n);
        if (ret < 0) {
            fprintf(stderr, "submit_and_wait: %s\n", strerror(-ret));
            return 1;
        }
        for (int i = 0; i < 2 * n; i++) {
            struct io_uring_cqe *cqe;
            if ((ret = io_uring_wait_cqe(&ring, &cqe)) < 0) {
                fprintf(stderr, "wait_cqe: %s\n", strerror(-ret));
                return 1;
            }
            if (cqe->res < 0)
                failed++;
            cqes++;
            io_uring_cqe_seen(&ring, cqe);
        }
    }
    /* a broken link: a read from a bad descriptor cancels its write */
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_read(sqe, 1000, bufs[0], BS, 0);
    sqe->flags |= IOSQE_IO_LINK;
    sqe->user_data = 1;
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_write(sqe, outfd, bufs[0], BS, 0);
    sqe->user_data = 2;
    io_uring_submit_and_wait(&ring, 2);
    for (int i = 0; i < 2; i++) {
        struct io_uring_cqe *cqe;
        if (io_uring_wait_cqe(&ring, &cqe) < 0)
            return 1;
        printf("broken link: data %llu res %d\n", (unsigned long long)cqe->user_data, cqe->res);
        io_uring_cqe_seen(&ring, cqe);
    }
    printf("copied %lld bytes: %u pairs, %u cqes, %u failed\n", (long long)size, pairs, cqes, failed);
    io_uring_queue_exit(&ring);
    printf("in %016llx out %016llx\n", file_sum(argv[1]), file_sum(argv[2]));
    return 0;
}
