/* io_uring-test: read a file with QD readv requests at once (after liburing's
 * examples/io_uring-test.c), then print what was submitted and completed. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define QD 4

int main(int argc, char *argv[])
{
    struct io_uring ring;
    struct iovec iovecs[QD];
    if (argc < 2) {
        printf("%s: file\n", argv[0]);
        return 1;
    }
    int ret = io_uring_queue_init(QD, &ring, 0);
    if (ret < 0) {
        fprintf(stderr, "queue_init: %s\n", strerror(-ret));
        return 1;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror("open");
        return 1;
    }
    for (int i = 0; i < QD; i++) {
        void *buf;
        if (posix_memalign(&buf, 4096, 4096))
            return 1;
        iovecs[i].iov_base = buf;
        iovecs[i].iov_len = 4096;
    }
    off_t offset = 0;
    int i = 0;
    do {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        if (!sqe)
            break;
        io_uring_prep_readv(sqe, fd, &iovecs[i], 1, offset);
        io_uring_sqe_set_data(sqe, (void *)(long)i);
        offset += iovecs[i].iov_len;
        i++;
    } while (i < QD);
    ret = io_uring_submit(&ring);
    if (ret < 0) {
        fprintf(stderr, "io_uring_submit: %s\n", strerror(-ret));
        return 1;
    }
    int done = 0, pending = ret;
    size_t fsize = 0;
    unsigned long sum = 0;
    for (i = 0; i < pending; i++) {
        struct io_uring_cqe *cqe;
        ret = io_uring_wait_cqe(&ring, &cqe);
        if (ret < 0) {
            fprintf(stderr, "io_uring_wait_cqe: %s\n", strerror(-ret));
            return 1;
        }
        done++;
        if (cqe->res < 0)
            fprintf(stderr, "cqe res %d\n", cqe->res);
        else {
            long k = (long)io_uring_cqe_get_data(cqe);
            for (int b = 0; b < cqe->res; b++)
                sum = sum * 31 + ((unsigned char *)iovecs[k].iov_base)[b];
            fsize += cqe->res;
        }
        io_uring_cqe_seen(&ring, cqe);
    }
    printf("Submitted=%d, completed=%d, bytes=%lu\n", pending, done, (unsigned long)fsize);
    close(fd);
    io_uring_queue_exit(&ring);
    return 0;
}
