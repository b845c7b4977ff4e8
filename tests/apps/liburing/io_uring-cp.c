/* io_uring-cp: copy a file keeping up to QD reads and writes in flight (after liburing's
 * examples/io_uring-cp.c): each completed read queues the write of its block. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QD 64
#define BS (32 * 1024)

struct io_data {
    int read;
    off_t offset;
    size_t len;
    char buf[BS];
};

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

static int infd, outfd;
static struct io_uring ring;

static void queue_rw(struct io_data *d, int fd, int is_read)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    d->read = is_read;
    if (is_read)
        io_uring_prep_read(sqe, fd, d->buf, d->len, d->offset);
    else
        io_uring_prep_write(sqe, fd, d->buf, d->len, d->offset);
    io_uring_sqe_set_data(sqe, d);
}

int main(int argc, char *argv[])
{
    if (argc < 3) {
        printf("%s: infile outfile\n", argv[0]);
        return 1;
    }
    infd = open(argv[1], O_RDONLY);
    outfd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (infd < 0 || outfd < 0) {
        perror("open");
        return 1;
    }
    int ret = io_uring_queue_init(QD, &ring, 0);
    if (ret < 0) {
        fprintf(stderr, "queue_init: %s\n", strerror(-ret));
        return 1;
    }
    struct stat st;
    if (fstat(infd, &st) < 0)
        return 1;
    off_t insize = st.st_size, offset = 0;
    unsigned inflight = 0, reads = 0, writes = 0;
    off_t written = 0;
    while (insize > written) {
        /* queue as many reads as there is room for */
        int queued = 0;
        while (offset < insize && inflight < QD) {
            struct io_data *d = malloc(sizeof *d);
            d->offset = offset;
            d->len = insize - offset < BS ? (size_t)(insize - offset) : BS;
            queue_rw(d, infd, 1);
            offset += d->len;
            inflight++, queued++;
        }
        if (queued && (ret = io_uring_submit(&ring)) < 0) {
            fprintf(stderr, "submit: %s\n", strerror(-ret));
            return 1;
        }
        /* reap: a finished read becomes a write, a finished write frees its block */
        struct io_uring_cqe *cqe;
        int got = 0;
        while (inflight) {
            ret = got ? io_uring_peek_cqe(&ring, &cqe) : io_uring_wait_cqe(&ring, &cqe);
            if (ret == -EAGAIN)
                break;
            if (ret < 0) {
                fprintf(stderr, "wait_cqe: %s\n", strerror(-ret));
                return 1;
            }
            got = 1;
            struct io_data *d = io_uring_cqe_get_data(cqe);
            if (cqe->res < 0) {
                fprintf(stderr, "cqe: %s\n", strerror(-cqe->res));
                return 1;
            }
            if ((size_t)cqe->res != d->len) {
                /* a short transfer: the rest again */
                d->offset += cqe->res;
                d->len -= cqe->res;
                memmove(d->buf, d->buf + cqe->res, d->len);
                queue_rw(d, d->read ? infd : outfd, d->read);
            } else if (d->read) {
                reads++;
                queue_rw(d, outfd, 0);
            } else {
                writes++;
                written += BS > d->len ? d->len : BS;
                free(d);
                inflight--;
            }
            io_uring_cqe_seen(&ring, cqe);
        }
        if ((ret = io_uring_submit(&ring)) < 0) {
            fprintf(stderr, "submit: %s\n", strerror(-ret));
            return 1;
        }
    }
    printf("copied %lld bytes in %u reads and %u writes\n", (long long)insize, reads, writes);
    close(infd);
    close(outfd);
    io_uring_queue_exit(&ring);
    printf("in %016llx out %016llx\n", file_sum(argv[1]), file_sum(argv[2]));
    return 0;
}
