/* io_uring by raw syscalls (no liburing): setup argument checks, the ring mmaps, NOP,
 * WRITE/READ/WRITEV/READV/READ_FIXED/FSYNC/CLOSE, a POLL_ADD completed later by a write,
 * POLL_REMOVE, TIMEOUT (time and count), links, bad SQE index (sq_dropped), registered
 * buffers/files/eventfd, the fd's poll readiness, and error paths.  Only opcodes both
 * Linux and Alcove serve are used; the probe prints only those. */
#include "abi.h"
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>

#include "uring.h"

enum { NOP = 0, READV = 1, WRITEV = 2, FSYNC = 3, READ_FIXED = 4, WRITE_FIXED = 5,
       POLL_ADD = 6, POLL_REMOVE = 7, TIMEOUT = 11, CLOSE = 19, READ = 22, WRITE = 23 };

/* Print and consume every CQE, sorted by user_data (completion order of concurrent ops
 * is not part of the ABI). */
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
    for (int i = 0; i < n; i++)
        printf("%s: data=%llu res=%d%s%s\n", what, (unsigned long long)got[i].user_data,
               got[i].res, got[i].res < 0 ? " " : "", got[i].res < 0 ? errname(-got[i].res) : "");
}

int main(void)
{
    struct params p;
    memset(&p, 0, sizeof p);
    R("setup 0 entries", setup(0, &p));
    R("setup bad params", setup(4, (struct params *)8));
    p.resv[1] = 1;
    R("setup resv", setup(4, &p));
    memset(&p, 0, sizeof p);
    p.flags = 1u << 30;
    R("setup unknown flag", setup(4, &p));
    memset(&p, 0, sizeof p);
    R("setup too many", setup(40000, &p));
    memset(&p, 0, sizeof p);
    p.flags = 8; /* CQSIZE */
    p.cq_entries = 2;
    R("setup cq < sq", setup(4, &p));
    memset(&p, 0, sizeof p);
    p.flags = 512; /* TASKRUN_FLAG alone */
    R("setup taskrun_flag alone", setup(4, &p));
    memset(&p, 0, sizeof p);
    p.flags = 8192; /* DEFER_TASKRUN without SINGLE_ISSUER */
    R("setup defer_taskrun alone", setup(4, &p));
    memset(&p, 0, sizeof p);
    p.flags = 16 | 8; /* CLAMP | CQSIZE */
    p.cq_entries = 100;
    long fd = setup(40000, &p);
    printf("setup clamp: %s sq %u cq %u\n", fd >= 0 ? "ok" : errname(errno), p.sq_entries, p.cq_entries);
    if (fd >= 0)
        close((int)fd);

    memset(&p, 0, sizeof p);
    p.flags = 4096 | 256; /* SINGLE_ISSUER | COOP_TASKRUN */
    ring_fd = (int)setup(5, &p);
    MUST(ring_fd);
    printf("sq %u cq %u single_mmap %d nodrop %d ext_arg %d rw_cur_pos %d cloexec %d\n",
           p.sq_entries, p.cq_entries, !!(p.features & 1), !!(p.features & 2),
           !!(p.features & 0x100), !!(p.features & 8), fcntl(ring_fd, F_GETFD));
    size_t sqlen = p.sq_off[6] + p.sq_entries * 4, cqlen = p.cq_off[5] + p.cq_entries * sizeof(struct cqe);
    char *sq = mmap(NULL, sqlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, 0);
    char *cq = mmap(NULL, cqlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, 0x8000000);
    sqes = mmap(NULL, p.sq_entries * sizeof(struct sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, 0x10000000);
    if (sq == MAP_FAILED || cq == MAP_FAILED || (void *)sqes == MAP_FAILED) {
        printf("mmap failed: %s\n", errname(errno));
        return 1;
    }
    sq_head = (unsigned *)(sq + p.sq_off[0]), sq_tail = (unsigned *)(sq + p.sq_off[1]);
    sq_mask = (unsigned *)(sq + p.sq_off[2]), sq_dropped = (unsigned *)(sq + p.sq_off[5]);
    sq_array = (unsigned *)(sq + p.sq_off[6]);
    cq_head = (unsigned *)(cq + p.cq_off[0]), cq_tail = (unsigned *)(cq + p.cq_off[1]);
    cq_mask = (unsigned *)(cq + p.cq_off[2]), cqes = (struct cqe *)(cq + p.cq_off[5]);
    printf("masks sq %u cq %u entries %u %u head %u tail %u\n", *sq_mask, *cq_mask,
           *(unsigned *)(sq + p.sq_off[3]), *(unsigned *)(cq + p.cq_off[3]), *sq_head, *cq_tail);

    struct pollfd pf = {ring_fd, POLLIN, 0};
    R("poll ring empty", poll(&pf, 1, 0));

    /* NOP, write, read */
    int f = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
    MUST(f);
    char wbuf[] = "io_uring says hello";
    char rbuf[64] = {0};
    struct sqe *s = get_sqe();
    s->opcode = NOP, s->user_data = 1;
    s = get_sqe();
    s->opcode = WRITE, s->fd = f, s->addr = (uintptr_t)wbuf, s->len = 19, s->off = 0, s->user_data = 2;
    R("enter submit 2 wait 2", enter(2, 2, 1));
    R("poll ring with cqes", poll(&pf, 1, 0));
    printf("sq head %u\n", *sq_head);
    reap("cqe");
    s = get_sqe();
    s->opcode = READ, s->fd = f, s->addr = (uintptr_t)rbuf, s->len = 64, s->off = 9, s->user_data = 3;
    s = get_sqe();
    s->opcode = FSYNC, s->fd = f, s->user_data = 4;
    s = get_sqe();
    s->opcode = READ, s->fd = 999, s->addr = (uintptr_t)rbuf, s->len = 4, s->user_data = 5;
    s = get_sqe();
    s->opcode = READ, s->fd = f, s->addr = 8, s->len = 4, s->user_data = 6;
    R("enter submit 4", enter(4, 4, 1));
    reap("cqe");
    printf("read: %s\n", rbuf);

    /* vectored, current position (-1) */
    char a[6] = {0}, b[8] = {0};
    struct iovec iv[2] = {{a, 5}, {b, 7}};
    struct iovec wv[2] = {{"ABC", 3}, {"DEF", 3}};
    lseek(f, 0, SEEK_SET);
    s = get_sqe();
    s->opcode = WRITEV, s->fd = f, s->addr = (uintptr_t)wv, s->len = 2, s->off = (uint64_t)-1, s->user_data = 10;
    R("enter writev", enter(1, 1, 1));
    reap("cqe");
    printf("pos after writev %ld\n", (long)lseek(f, 0, SEEK_CUR));
    s = get_sqe();
    s->opcode = READV, s->fd = f, s->addr = (uintptr_t)iv, s->len = 2, s->off = 0, s->user_data = 11;
    R("enter readv", enter(1, 1, 1));
    reap("cqe");
    printf("readv: %s|%s\n", a, b);

    /* registered buffers and files */
    static char fixed[4096];
    struct iovec reg = {fixed, sizeof fixed};
    R("register buffers", syscall(SYS_io_uring_register, ring_fd, 0, &reg, 1));
    R("register buffers again", syscall(SYS_io_uring_register, ring_fd, 0, &reg, 1));
    int fds[2] = {f, -1};
    R("register files", syscall(SYS_io_uring_register, ring_fd, 2, fds, 2));
    s = get_sqe();
    s->opcode = READ_FIXED, s->fd = 0, s->flags = 1 /* FIXED_FILE */, s->addr = (uintptr_t)fixed,
    s->len = 6, s->off = 0, s->buf_index = 0, s->user_data = 20;
    s = get_sqe();
    s->opcode = READ_FIXED, s->fd = f, s->addr = (uintptr_t)fixed, s->len = 8192, s->buf_index = 0, s->user_data = 21;
    s = get_sqe();
    s->opcode = READ_FIXED, s->fd = f, s->addr = (uintptr_t)fixed, s->len = 4, s->buf_index = 3, s->user_data = 22;
    s = get_sqe();
    s->opcode = READ, s->fd = 1, s->flags = 1, s->addr = (uintptr_t)rbuf, s->len = 4, s->user_data = 23;
    R("enter fixed", enter(4, 4, 1));
    reap("cqe");
    printf("fixed: %.6s\n", fixed);
    R("unregister buffers", syscall(SYS_io_uring_register, ring_fd, 1, NULL, 0));
    R("unregister buffers again", syscall(SYS_io_uring_register, ring_fd, 1, NULL, 0));
    R("unregister files", syscall(SYS_io_uring_register, ring_fd, 3, NULL, 0));
    R("register bad opcode", syscall(SYS_io_uring_register, ring_fd, 9999, NULL, 0));
    R("register on non-ring fd", syscall(SYS_io_uring_register, f, 0, &reg, 1));
    R("register bad fd", syscall(SYS_io_uring_register, 999, 0, &reg, 1));

    /* probe: print the opcodes of this test's set */
    static struct {
        uint8_t last_op, ops_len;
        uint16_t resv;
        uint32_t resv2[3];
        struct { uint8_t op, resv; uint16_t flags; uint32_t resv2; } ops[64];
    } probe;
    R("register probe", syscall(SYS_io_uring_register, ring_fd, 8, &probe, 64));
    int tested[] = {NOP, READV, WRITEV, FSYNC, READ_FIXED, WRITE_FIXED, POLL_ADD, POLL_REMOVE, TIMEOUT, CLOSE, READ, WRITE};
    for (unsigned i = 0; i < sizeof tested / sizeof *tested; i++)
        printf("probe op %d supported %d\n", tested[i], probe.ops[tested[i]].flags & 1);

    /* eventfd */
    int efd = eventfd(0, EFD_NONBLOCK);
    R("register eventfd", syscall(SYS_io_uring_register, ring_fd, 4, &efd, 1));
    s = get_sqe();
    s->opcode = NOP, s->user_data = 30;
    R("enter nop", enter(1, 0, 0));
    uint64_t cnt = 0;
    R("eventfd read", read(efd, &cnt, 8));
    printf("eventfd count %llu\n", (unsigned long long)cnt);
    R("unregister eventfd", syscall(SYS_io_uring_register, ring_fd, 5, NULL, 0));
    reap("cqe");

    /* POLL_ADD on a pipe: completes when a child writes */
    int pp[2];
    MUST(pipe(pp));
    s = get_sqe();
    s->opcode = POLL_ADD, s->fd = pp[0], s->op_flags = POLLIN, s->user_data = 40;
    R("enter poll_add", enter(1, 0, 0));
    R("enter getevents none", syscall(SYS_io_uring_enter, ring_fd, 0, 0, 1, NULL, 0));
    pid_t kid = fork();
    if (kid == 0) {
        usleep(50 * 1000);
        _exit(write(pp[1], "x", 1) == 1 ? 0 : 1);
    }
    R("enter wait poll", enter(0, 1, 1));
    waitpid(kid, NULL, 0);
    reap("cqe");
    char c;
    MUST(read(pp[0], &c, 1));
    /* POLL_REMOVE of a pending poll, and of none */
    s = get_sqe();
    s->opcode = POLL_ADD, s->fd = pp[0], s->op_flags = POLLIN, s->user_data = 41;
    s = get_sqe();
    s->opcode = POLL_REMOVE, s->addr = 41, s->user_data = 42;
    s = get_sqe();
    s->opcode = POLL_REMOVE, s->addr = 12345, s->user_data = 43;
    R("enter poll_remove", enter(3, 3, 1));
    reap("cqe");
    /* READ on an empty pipe waits for data instead of blocking the submitter */
    s = get_sqe();
    s->opcode = READ, s->fd = pp[0], s->addr = (uintptr_t)rbuf, s->len = 8, s->off = (uint64_t)-1, s->user_data = 44;
    R("enter pipe read", enter(1, 0, 0));
    MUST(write(pp[1], "pipe!", 5));
    R("enter wait read", enter(0, 1, 1));
    reap("cqe");
    printf("pipe read: %.5s\n", rbuf);

    /* TIMEOUT: by time, and by count (satisfied by a NOP) */
    struct { int64_t s, ns; } ts = {0, 30 * 1000 * 1000}, big = {10, 0};
    s = get_sqe();
    s->opcode = TIMEOUT, s->fd = -1, s->addr = (uintptr_t)&ts, s->len = 1, s->user_data = 50;
    R("enter timeout wait", enter(1, 1, 1));
    reap("cqe");
    s = get_sqe();
    s->opcode = TIMEOUT, s->fd = -1, s->addr = (uintptr_t)&big, s->len = 1, s->off = 1, s->user_data = 51;
    s = get_sqe();
    s->opcode = NOP, s->user_data = 52;
    R("enter timeout count", enter(2, 2, 1));
    reap("cqe");
    s = get_sqe();
    s->opcode = TIMEOUT, s->fd = -1, s->addr = (uintptr_t)&ts, s->len = 2, s->user_data = 53;
    R("enter timeout len 2", enter(1, 1, 1));
    reap("cqe");

    /* links: a failing head cancels the rest of its chain */
    s = get_sqe();
    s->opcode = READ, s->fd = 999, s->flags = 4 /* IO_LINK */, s->addr = (uintptr_t)rbuf, s->len = 1, s->user_data = 60;
    s = get_sqe();
    s->opcode = NOP, s->flags = 4, s->user_data = 61;
    s = get_sqe();
    s->opcode = NOP, s->user_data = 62;
    s = get_sqe();
    s->opcode = NOP, s->user_data = 63;
    R("enter link chain", enter(4, 4, 1));
    reap("cqe");

    /* hostile SQ array index, bad sqe flags, CLOSE */
    unsigned t = *sq_tail;
    sq_array[t & *sq_mask] = 1000;
    __atomic_store_n(sq_tail, t + 1, __ATOMIC_RELEASE);
    R("enter bad index", enter(1, 0, 0));
    printf("sq_dropped %u\n", *sq_dropped);
    s = get_sqe();
    s->opcode = NOP, s->flags = 0x80, s->user_data = 70;
    int dupfd = dup(f);
    s = get_sqe();
    s->opcode = CLOSE, s->fd = dupfd, s->user_data = 71;
    s = get_sqe();
    s->opcode = CLOSE, s->fd = dupfd, s->user_data = 72;
    R("enter flags+close", enter(3, 1, 1)); /* the bad SQE ends the batch */
    reap("cqe");
    R("enter close", enter(2, 2, 1));
    reap("cqe");
    YN("dup closed", fcntl(dupfd, F_GETFD) < 0);

    /* enter errors, EXT_ARG timeout */
    R("enter bad flags", syscall(SYS_io_uring_enter, ring_fd, 0, 0, 1u << 20, NULL, 0));
    R("enter non-ring fd", syscall(SYS_io_uring_enter, f, 0, 0, 0, NULL, 0));
    R("enter bad fd", syscall(SYS_io_uring_enter, 999, 0, 0, 0, NULL, 0));
    struct { uint64_t sigmask; uint32_t sz, pad; uint64_t ts; } ea = {0, 0, 0, (uintptr_t)&ts};
    R("enter ext_arg timeout", syscall(SYS_io_uring_enter, ring_fd, 0, 1, 1 | 8, &ea, sizeof ea));
    R("enter ext_arg bad size", syscall(SYS_io_uring_enter, ring_fd, 0, 1, 1 | 8, &ea, 8));
    R("enter ext_arg bad ptr", syscall(SYS_io_uring_enter, ring_fd, 0, 1, 1 | 8, (void *)8, sizeof ea));
    R("close ring", close(ring_fd));
    return 0;
}
