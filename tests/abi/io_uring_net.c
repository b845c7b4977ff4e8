/* io_uring's socket and path opcodes by raw syscalls (no liburing): SEND/RECV,
 * SENDMSG/RECVMSG, ACCEPT, CONNECT over AF_UNIX and TCP 127.0.0.1 (completed at once and
 * after waiting), OPENAT, STATX, ASYNC_CANCEL, LINK_TIMEOUT, TIMEOUT_REMOVE, chains broken
 * by a failure, a batch ended by a request failing its checks, and error paths (bad fd,
 * not a socket, bad addresses -> -EFAULT). */
#include "abi.h"
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>

#include "uring.h"

enum { NOP = 0, POLL_ADD = 6, SENDMSG = 9, RECVMSG = 10, TIMEOUT = 11, TIMEOUT_REMOVE = 12,
       ACCEPT = 13, ASYNC_CANCEL = 14, LINK_TIMEOUT = 15, CONNECT = 16, OPENAT = 18, CLOSE = 19,
       STATX = 21, READ = 22, WRITE = 23, SEND = 26, RECV = 27 };

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

struct kts { long long s, ns; };

static int fdnorm; /* print results >= 0 as "fd" (descriptor numbers may differ) */

static void reap(const char *what)
{
    struct cqe got[64];
    int n = 0;
    unsigned h = *cq_head, t = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE);
    while (h != t && n < 64)
        got[n++] = cqes[h++ & *cq_mask];
    __atomic_store_n(cq_head, h, __ATOMIC_RELEASE);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && got[j - 1].user_data > got[j].user_data; j--) {
            struct cqe x = got[j];
            got[j] = got[j - 1], got[j - 1] = x;
        }
    for (int i = 0; i < n; i++) {
        if (got[i].res >= 0 && fdnorm && got[i].user_data == (uint64_t)fdnorm)
            printf("%s: data=%llu res=fd\n", what, (unsigned long long)got[i].user_data);
        else
            printf("%s: data=%llu res=%d%s%s\n", what, (unsigned long long)got[i].user_data,
                   got[i].res, got[i].res < 0 ? " " : "", got[i].res < 0 ? errname(-got[i].res) : "");
    }
    fdnorm = 0;
}

/* the value of the CQE for data still in the ring (before reap), or -9999 */
static int res_of(uint64_t data)
{
    unsigned h = *cq_head, t = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE);
    for (; h != t; h++)
        if (cqes[h & *cq_mask].user_data == data)
            return cqes[h & *cq_mask].res;
    return -9999;
}

static struct sqe *prep(int op, int fd, uint64_t addr, uint32_t len, uint64_t off, uint64_t data)
{
    struct sqe *s = get_sqe();
    s->opcode = (uint8_t)op, s->fd = fd, s->addr = addr, s->len = len, s->off = off;
    s->user_data = data;
    return s;
}

static void wait_abs(const char *what, unsigned sub, unsigned min)
{
    long r = enter(sub, min, 1);
    printf("%s: enter %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? errname(errno) : "");
}

/* Submit sub SQEs and wait for min more CQEs than the ring holds now. */
static void wait_n(const char *what, unsigned sub, unsigned min)
{
    unsigned have = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) - *cq_head;
    long r = enter(sub, min + have, 1);
    printf("%s: enter %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? errname(errno) : "");
}

/* Both ends of a socket pair / connection: SEND, RECV at once and after waiting,
 * SENDMSG/RECVMSG, RECV with a bad buffer, cancel and link timeout of a waiting RECV. */
static void stream_ops(const char *tag, int a, int b)
{
    char buf[64], what[64];
    memset(buf, 0, sizeof buf);
    snprintf(what, sizeof what, "%s send+recv", tag);
    prep(SEND, a, (uint64_t)"hello", 5, 0, 1);
    wait_n(what, 1, 1);
    prep(RECV, b, (uint64_t)buf, sizeof buf, 0, 2);
    wait_n(what, 1, 1);
    reap(what);
    printf("%s got '%s'\n", tag, buf);

    snprintf(what, sizeof what, "%s recv waits", tag);
    memset(buf, 0, sizeof buf);
    prep(RECV, b, (uint64_t)buf, sizeof buf, 0, 3);
    R(what, enter(1, 0, 0));
    printf("%s pending: %d\n", tag, res_of(3));
    R("write to peer", write(a, "later", 5));
    wait_abs(what, 0, 1);
    reap(what);
    printf("%s got '%s'\n", tag, buf);

    snprintf(what, sizeof what, "%s sendmsg+recvmsg", tag);
    struct iovec sv[2] = {{"ab", 2}, {"cde", 3}};
    struct msghdr sm = {0};
    sm.msg_iov = sv, sm.msg_iovlen = 2;
    char r1[2], r2[8] = {0};
    struct iovec rv[2] = {{r1, 2}, {r2, 8}};
    struct msghdr rm = {0};
    rm.msg_iov = rv, rm.msg_iovlen = 2;
    prep(RECVMSG, b, (uint64_t)&rm, 1, 0, 5); /* waits first, then the send */
    prep(SENDMSG, a, (uint64_t)&sm, 1, 0, 4);
    wait_n(what, 2, 2);
    reap(what);
    printf("%s recvmsg '%.2s' '%s' flags %d\n", tag, r1, r2, rm.msg_flags);

    snprintf(what, sizeof what, "%s errors", tag);
    /* Requests failing Linux's prep checks end a batch: each goes alone */
    prep(SEND, a, 8, 16, 0, 7);          /* bad buffer */
    prep(RECV, 999, (uint64_t)buf, 4, 0, 8);
    prep(RECV, b, (uint64_t)buf, 4, 0, 12)->op_flags = MSG_DONTWAIT; /* nothing to read */
    wait_n(what, 3, 3);
    prep(SENDMSG, a, 8, 1, 0, 9);        /* bad msghdr */
    wait_n(what, 1, 1);
    prep(RECVMSG, b, 8, 1, 0, 10);
    wait_n(what, 1, 1);
    prep(SEND, a, (uint64_t)"x", 1, 0, 11)->ioprio = 0x80; /* unknown send flag */
    wait_n(what, 1, 1);
    reap(what);

    snprintf(what, sizeof what, "%s cancel", tag);
    prep(RECV, b, (uint64_t)buf, sizeof buf, 0, 20);
    R(what, enter(1, 0, 0));
    prep(ASYNC_CANCEL, -1, 20, 0, 0, 21);
    wait_n(what, 1, 2);
    reap(what);
    prep(ASYNC_CANCEL, -1, 20, 0, 0, 22); /* gone now */
    wait_n(what, 1, 1);
    reap(what);

    snprintf(what, sizeof what, "%s link timeout", tag);
    struct kts ts = {0, 20 * 1000 * 1000};
    prep(RECV, b, (uint64_t)buf, sizeof buf, 0, 30)->flags = 4; /* IO_LINK */
    prep(LINK_TIMEOUT, -1, (uint64_t)&ts, 1, 0, 31);
    wait_n(what, 2, 2);
    reap(what);
    /* a request done before its timeout: the timeout is cancelled, the chain goes on */
    prep(SEND, a, (uint64_t)"z", 1, 0, 32)->flags = 4;
    prep(LINK_TIMEOUT, -1, (uint64_t)&ts, 1, 0, 33)->flags = 4;
    prep(RECV, b, (uint64_t)buf, sizeof buf, 0, 34);
    wait_n(what, 3, 3);
    reap(what);
}

static void ring_init(void)
{
    struct params p;
    memset(&p, 0, sizeof p);
    ring_fd = (int)setup(32, &p);
    if (ring_fd < 0) {
        printf("setup: %s\n", errname(errno));
        exit(1);
    }
    size_t sqlen = p.sq_off[6] + p.sq_entries * 4, cqlen = p.cq_off[5] + p.cq_entries * sizeof(struct cqe);
    char *sq = mmap(NULL, sqlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, 0);
    char *cq = mmap(NULL, cqlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, 0x8000000);
    sqes = mmap(NULL, p.sq_entries * sizeof(struct sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, 0x10000000);
    if (sq == MAP_FAILED || cq == MAP_FAILED || (void *)sqes == MAP_FAILED) {
        printf("mmap failed: %s\n", errname(errno));
        exit(1);
    }
    sq_head = (unsigned *)(sq + p.sq_off[0]), sq_tail = (unsigned *)(sq + p.sq_off[1]);
    sq_mask = (unsigned *)(sq + p.sq_off[2]), sq_dropped = (unsigned *)(sq + p.sq_off[5]);
    sq_array = (unsigned *)(sq + p.sq_off[6]);
    cq_head = (unsigned *)(cq + p.cq_off[0]), cq_tail = (unsigned *)(cq + p.cq_off[1]);
    cq_mask = (unsigned *)(cq + p.cq_off[2]), cqes = (struct cqe *)(cq + p.cq_off[5]);
}

int main(void)
{
    ring_init();
    int sv[2];
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    stream_ops("unix pair", sv[0], sv[1]);
    int nf = open("notsock", O_RDWR | O_CREAT | O_TRUNC, 0644);
    MUST(nf);
    prep(SEND, nf, (uint64_t)"x", 1, 0, 40);
    prep(ACCEPT, nf, 0, 0, 0, 41);
    prep(CONNECT, 999, 0, 0, 0, 42);
    wait_n("not a socket", 3, 3);
    reap("not a socket");

    /* AF_UNIX listener: ACCEPT waits for a connect, CONNECT by the ring */
    unlink("usock");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un ua = {AF_UNIX, "usock"};
    MUST(bind(l, (struct sockaddr *)&ua, sizeof ua));
    MUST(listen(l, 4));
    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    prep(ACCEPT, l, (uint64_t)&peer, 0, (uint64_t)&plen, 50);
    R("unix accept submitted", enter(1, 0, 0));
    printf("unix accept pending: %d\n", res_of(50));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    prep(CONNECT, c, (uint64_t)&ua, 0, sizeof ua, 51);
    fdnorm = 50;
    wait_n("unix accept+connect", 1, 2);
    int afd = res_of(50);
    reap("unix accept+connect");
    printf("unix peer len %d\n", (int)plen);
    if (afd >= 0) {
        stream_ops("unix conn", c, afd);
        close(afd);
    }
    prep(ACCEPT, l, 0, 0, 0, 52)->op_flags = 0x1000; /* bad accept flag */
    wait_n("unix errors", 1, 1);
    prep(CONNECT, c, 8, 0, sizeof ua, 53); /* bad address */
    wait_n("unix errors", 1, 1);
    struct sockaddr_un nx = {AF_UNIX, "nonexistent"};
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    prep(CONNECT, c2, (uint64_t)&nx, 0, sizeof nx, 54);
    wait_n("unix errors", 1, 1);
    reap("unix errors");
    close(c), close(c2), close(l);
    unlink("usock");

    /* TCP on 127.0.0.1 */
    int tl = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in ta = {AF_INET, 0, {htonl(INADDR_LOOPBACK)}};
    socklen_t tlen = sizeof ta;
    MUST(bind(tl, (struct sockaddr *)&ta, sizeof ta));
    MUST(listen(tl, 4));
    MUST(getsockname(tl, (struct sockaddr *)&ta, &tlen));
    struct sockaddr_in tpeer;
    socklen_t tplen = sizeof tpeer;
    prep(ACCEPT, tl, (uint64_t)&tpeer, 0, (uint64_t)&tplen, 60)->op_flags = SOCK_CLOEXEC;
    R("tcp accept submitted", enter(1, 0, 0));
    printf("tcp accept pending: %d\n", res_of(60));
    int tc = socket(AF_INET, SOCK_STREAM, 0);
    prep(CONNECT, tc, (uint64_t)&ta, 0, sizeof ta, 61);
    fdnorm = 60;
    wait_n("tcp accept+connect", 1, 2);
    int tafd = res_of(60);
    reap("tcp accept+connect");
    printf("tcp peer len %d family %d cloexec %d\n", (int)tplen, tpeer.sin_family,
           tafd >= 0 ? fcntl(tafd, F_GETFD) : -1);
    if (tafd >= 0) {
        stream_ops("tcp", tc, tafd);
        close(tafd);
    }
    /* a connection queued: ACCEPT with a bad length pointer */
    int tc2 = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(tc2, (struct sockaddr *)&ta, sizeof ta));
    prep(ACCEPT, tl, (uint64_t)&tpeer, 0, 8, 62);
    prep(CONNECT, tc2, (uint64_t)&ta, 0, sizeof ta, 63); /* already connected */
    wait_n("tcp errors", 2, 2);
    close(tl);
    int tc3 = socket(AF_INET, SOCK_STREAM, 0);
    prep(CONNECT, tc3, (uint64_t)&ta, 0, sizeof ta, 64); /* nobody listens now */
    wait_n("tcp errors", 1, 1);
    prep(CONNECT, tc3, (uint64_t)&ta, 0, 3, 65);          /* short address */
    wait_n("tcp errors", 1, 1);
    reap("tcp errors");
    close(tc), close(tc2), close(tc3);

    /* OPENAT, STATX */
    /* struct statx by offsets (musl has no header for it): mask @0, mode @28, size @40 */
    struct { uint32_t mask, blksize; uint64_t attrs; uint32_t nlink, uid, gid; uint16_t mode, pad;
             uint64_t ino, size; char rest[200]; } stx;
    memset(&stx, 0, sizeof stx);
    prep(OPENAT, AT_FDCWD, (uint64_t)"ofile", 0640, 0, 70)->op_flags = O_CREAT | O_RDWR | O_TRUNC;
    fdnorm = 70;
    wait_n("openat", 1, 1);
    int of = res_of(70);
    reap("openat");
    if (of >= 0) {
        R("write ofile", write(of, "0123456789", 10));
        printf("openat flags %o\n", fcntl(of, F_GETFL) & (O_ACCMODE | O_APPEND));
        close(of);
    }
    prep(STATX, AT_FDCWD, (uint64_t)"ofile", 0x7ff, (uint64_t)&stx, 71);
    wait_n("statx", 1, 1);
    reap("statx");
    printf("statx size %llu mode %o mask-basic %d\n", (unsigned long long)stx.size,
           stx.mode & 07777, (stx.mask & 0x7ff) == 0x7ff);
    prep(OPENAT, AT_FDCWD, (uint64_t)"nonexistent", 0, 0, 72);
    wait_n("path errors", 1, 1);
    prep(OPENAT, AT_FDCWD, 8, 0, 0, 73);
    wait_n("path errors", 1, 1);
    prep(STATX, AT_FDCWD, (uint64_t)"ofile", 0x7ff, 8, 74);
    wait_n("path errors", 1, 1);
    prep(STATX, AT_FDCWD, (uint64_t)"nonexistent", 0x7ff, (uint64_t)&stx, 75);
    wait_n("path errors", 1, 1);
    prep(STATX, 999, (uint64_t)"ofile", 0x7ff, (uint64_t)&stx, 76);
    wait_n("path errors", 1, 1);
    prep(STATX, nf, (uint64_t)"", 0x7ff, (uint64_t)&stx, 77)->op_flags = AT_EMPTY_PATH;
    wait_n("path errors", 1, 1);
    reap("path errors");
    unlink("ofile");

    /* TIMEOUT_REMOVE, ASYNC_CANCEL of a timeout, LINK_TIMEOUT misuse, broken chains */
    struct kts big = {10, 0};
    prep(TIMEOUT, -1, (uint64_t)&big, 1, 0, 80);
    prep(TIMEOUT, -1, (uint64_t)&big, 1, 0, 81);
    R("timeouts submitted", enter(2, 0, 0));
    prep(TIMEOUT_REMOVE, -1, 80, 0, 0, 82);
    prep(TIMEOUT_REMOVE, -1, 80, 0, 0, 83);   /* gone */
    prep(ASYNC_CANCEL, -1, 81, 0, 0, 84);
    wait_n("timeout remove", 3, 5);
    prep(TIMEOUT_REMOVE, -1, 12345, 0, 0, 85)->op_flags = 1; /* flags without update */
    wait_n("timeout remove", 1, 1);
    reap("timeout remove");
    prep(LINK_TIMEOUT, -1, (uint64_t)&big, 1, 0, 90);               /* no request before */
    wait_n("link misuse", 1, 1);
    prep(RECV, 999, 0, 0, 0, 95)->flags = 4;                          /* fails: chain broken */
    prep(NOP, -1, 0, 0, 0, 96)->flags = 4;
    prep(NOP, -1, 0, 0, 0, 97);
    prep(ASYNC_CANCEL, -1, 4242, 0, 0, 98);                         /* nothing to cancel */
    wait_n("link misuse", 4, 4);
    reap("link misuse");
    /* a chain waiting on its head: RECV then a dependent NOP, released by a write */
    char buf[8];
    prep(RECV, sv[1], (uint64_t)buf, 1, 0, 100)->flags = 4;
    prep(NOP, -1, 0, 0, 0, 101);
    R("chain submitted", enter(2, 0, 0));
    printf("chain pending: %d %d\n", res_of(100), res_of(101));
    R("write", write(sv[0], "q", 1));
    wait_abs("chain", 0, 2);
    reap("chain");
    /* ASYNC_CANCEL ANY of two waiting requests */
    prep(RECV, sv[1], (uint64_t)buf, 1, 0, 110);
    prep(POLL_ADD, sv[1], 0, 0, 0, 111)->op_flags = POLLIN;
    R("two waiting", enter(2, 0, 0));
    prep(ASYNC_CANCEL, -1, 0, 0, 0, 112)->op_flags = 4; /* ANY */
    wait_n("cancel any", 1, 3);
    reap("cancel any");

    /* a request failing its argument checks ends the batch: the NOP after it waits */
    prep(SEND, sv[0], (uint64_t)"x", 1, 0, 120)->ioprio = 0x80;
    prep(NOP, -1, 0, 0, 0, 121);
    R("batch with a bad request", enter(2, 0, 0));
    R("the rest", enter(1, 1, 1));
    reap("batch end");
    prep(TIMEOUT_REMOVE, -1, 1, 0, 0, 122)->op_flags = 1;
    prep(NOP, -1, 0, 0, 0, 123);
    R("batch with a bad timeout remove", enter(2, 0, 0));
    R("the rest", enter(1, 1, 1));
    reap("batch end");

    /* probe: the new opcodes */
    struct {
        uint8_t last_op, ops_len;
        uint16_t resv;
        uint32_t resv2[3];
        struct { uint8_t op, resv; uint16_t flags; uint32_t resv2; } ops[64];
    } probe;
    memset(&probe, 0, sizeof probe);
    R("register probe", syscall(SYS_io_uring_register, ring_fd, 8, &probe, 64));
    static const int tested[] = {SENDMSG, RECVMSG, TIMEOUT_REMOVE, ACCEPT, ASYNC_CANCEL,
                                 LINK_TIMEOUT, CONNECT, OPENAT, STATX, SEND, RECV};
    for (unsigned i = 0; i < sizeof tested / sizeof *tested; i++)
        printf("probe op %d supported %d\n", tested[i], probe.ops[tested[i]].flags & 1);
    close(nf);
    unlink("notsock");
    return 0;
}
