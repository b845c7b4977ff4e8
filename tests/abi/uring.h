/* uring.h - the io_uring ABI as the io_uring tests see it, and their ring helpers (one
 * ring per test program).  Written from the kernel's uapi layout, not the core's headers:
 * the tests must not share what they test. */
#ifndef ABI_URING_H
#define ABI_URING_H

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#define SYS_io_uring_enter 426
#define SYS_io_uring_register 427
#endif

struct sqe {
    uint8_t opcode, flags;
    uint16_t ioprio;
    int32_t fd;
    uint64_t off, addr;
    uint32_t len, op_flags;
    uint64_t user_data;
    uint16_t buf_index, personality;
    int32_t file_index;
    uint64_t addr3, pad;
};
struct cqe {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
};
struct params {
    uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd,
        resv[3];
    uint32_t sq_off[10];
    uint32_t cq_off[10];
};

static int ring_fd;
static unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *sq_dropped, *cq_head, *cq_tail, *cq_mask;
static struct sqe *sqes;
static struct cqe *cqes;

static long setup(unsigned n, struct params *p) { return syscall(SYS_io_uring_setup, n, p); }
static long enter(unsigned sub, unsigned min, unsigned fl) { return syscall(SYS_io_uring_enter, ring_fd, sub, min, fl, NULL, 0); }

static struct sqe *get_sqe(void)
{
    unsigned t = *sq_tail;
    struct sqe *s = &sqes[t & *sq_mask];
    memset(s, 0, sizeof *s);
    sq_array[t & *sq_mask] = t & *sq_mask;
    __atomic_store_n(sq_tail, t + 1, __ATOMIC_RELEASE);
    return s;
}


#endif
