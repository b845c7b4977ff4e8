/* echo-server: an io_uring echo server on 127.0.0.1 (accept -> recv -> send, each
 * completion queueing the next, after liburing's io_uring-udp / echo examples), served to
 * CLIENTS forked clients that each send ROUNDS messages and check the echo.  A linked
 * recv + LINK_TIMEOUT and an ASYNC_CANCEL of a waiting accept close the run. */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLIENTS 4
#ifndef ROUNDS
#define ROUNDS 50
#endif
enum { ACCEPT = 1, RECV = 2, SEND = 3 };

struct conn {
    int type, fd;
    char buf[512];
};

static struct io_uring ring;

static void add(int type, struct conn *c, size_t len)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    c->type = type;
    if (type == RECV)
        io_uring_prep_recv(sqe, c->fd, c->buf, sizeof c->buf, 0);
    else
        io_uring_prep_send(sqe, c->fd, c->buf, len, 0);
    io_uring_sqe_set_data(sqe, c);
}

static int client(int port, int id)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {AF_INET, htons(port), {htonl(INADDR_LOOPBACK)}};
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0)
        return 2;
    for (int r = 0; r < ROUNDS; r++) {
        char m[64], e[64];
        int n = snprintf(m, sizeof m, "client %d round %d", id, r);
        if (write(s, m, n) != n)
            return 3;
        int got = 0;
        while (got < n) {
            int k = read(s, e + got, n - got);
            if (k <= 0)
                return 4;
            got += k;
        }
        if (memcmp(m, e, n))
            return 5;
    }
    close(s);
    return 0;
}

int main(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {AF_INET, 0, {htonl(INADDR_LOOPBACK)}};
    socklen_t alen = sizeof a;
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 16) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &alen) < 0) {
        perror("listen");
        return 1;
    }
    int ret = io_uring_queue_init(64, &ring, 0);
    if (ret < 0) {
        fprintf(stderr, "queue_init: %s\n", strerror(-ret));
        return 1;
    }
    struct io_uring_probe *p = io_uring_get_probe_ring(&ring);
    printf("probe: accept %d recv %d send %d link_timeout %d async_cancel %d\n",
           io_uring_opcode_supported(p, IORING_OP_ACCEPT), io_uring_opcode_supported(p, IORING_OP_RECV),
           io_uring_opcode_supported(p, IORING_OP_SEND), io_uring_opcode_supported(p, IORING_OP_LINK_TIMEOUT),
           io_uring_opcode_supported(p, IORING_OP_ASYNC_CANCEL));
    io_uring_free_probe(p);
    pid_t kids[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        if ((kids[i] = fork()) == 0)
            _exit(client(ntohs(a.sin_port), i));
    struct conn lc = {ACCEPT, l, {0}};
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_accept(sqe, l, NULL, NULL, 0);
    io_uring_sqe_set_data(sqe, &lc);
    int accepted = 0, closed = 0;
    long bytes = 0, msgs = 0;
    while (closed < CLIENTS) {
        io_uring_submit(&ring);
        struct io_uring_cqe *cqe;
        if ((ret = io_uring_wait_cqe(&ring, &cqe)) < 0) {
            fprintf(stderr, "wait_cqe: %s\n", strerror(-ret));
            return 1;
        }
        struct conn *c = io_uring_cqe_get_data(cqe);
        int res = cqe->res;
        io_uring_cqe_seen(&ring, cqe);
        if (c->type == ACCEPT) {
            if (res < 0) {
                fprintf(stderr, "accept: %s\n", strerror(-res));
                return 1;
            }
            struct conn *n = calloc(1, sizeof *n);
            n->fd = res;
            add(RECV, n, 0);
            if (++accepted < CLIENTS) {
                sqe = io_uring_get_sqe(&ring);
                io_uring_prep_accept(sqe, l, NULL, NULL, 0);
                io_uring_sqe_set_data(sqe, &lc);
            }
        } else if (c->type == RECV) {
            if (res <= 0) {
                close(c->fd);
                free(c);
                closed++;
                continue;
            }
            bytes += res, msgs++;
            add(SEND, c, (size_t)res);
        } else {
            if (res < 0) {
                fprintf(stderr, "send: %s\n", strerror(-res));
                return 1;
            }
            add(RECV, c, 0);
        }
    }
    int bad = 0;
    for (int i = 0; i < CLIENTS; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st))
            bad++;
    }
    printf("accepted %d, echoed %ld messages (%ld bytes), %d clients failed\n", accepted, msgs, bytes, bad);

    /* an accept nobody answers: cancelled; then one guarded by a 50 ms link timeout */
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_accept(sqe, l, NULL, NULL, 0);
    sqe->user_data = 10;
    io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_cancel64(sqe, 10, 0);
    sqe->user_data = 11;
    io_uring_submit(&ring);
    struct __kernel_timespec ts = {0, 50 * 1000 * 1000};
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_accept(sqe, l, NULL, NULL, 0);
    sqe->flags |= IOSQE_IO_LINK;
    sqe->user_data = 12;
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_link_timeout(sqe, &ts, 0);
    sqe->user_data = 13;
    io_uring_submit(&ring);
    int res[4] = {1, 1, 1, 1};
    for (int i = 0; i < 4; i++) {
        struct io_uring_cqe *cqe;
        if (io_uring_wait_cqe(&ring, &cqe) < 0)
            return 1;
        if (cqe->user_data >= 10 && cqe->user_data <= 13)
            res[cqe->user_data - 10] = cqe->res;
        io_uring_cqe_seen(&ring, cqe);
    }
    printf("cancelled accept %d, cancel %d, timed-out accept %d, link timeout %d\n", res[0], res[1],
           res[2], res[3]);
    io_uring_queue_exit(&ring);
    close(l);
    return bad != 0;
}
