/*
 * mem.c - the direct backend's shareable anonymous memory objects (pal_mem_*), which hold
 * the data of the core's in-enclave file systems (tmpfs).
 *
 * One host memfd, the pool, made at boot and inherited by every host process of the
 * enclave (fork copies the fd table; the host process is never exec'd, so MFD_CLOEXEC
 * costs nothing and keeps it from any helper the host might start).  It is sized once to
 * an enormous sparse length, and object k is the slot [k * PAL_MEM_MAX_SIZE,
 * (k + 1) * PAL_MEM_MAX_SIZE) of it.  A hole costs no memory and reads as zeros; data is
 * pwrite'd into the slot, punched out with fallocate(PUNCH_HOLE), and mapped with mmap of
 * the pool fd, so MAP_SHARED mappings of one object made in different processes share
 * their pages.
 *
 * Invariants:
 *  - ids come from one counter in a MAP_SHARED page mapped before the first fork, so
 *    every process of the enclave hands out distinct ids; an id is never reused (a
 *    destroyed slot stays a hole for ever).  Slot 0 is never handed out.
 *  - the pool fd and the counter page exist before libos_main and never change; program
 *    fds are the core's own numbers, never host fds, so the pool fd cannot collide with
 *    them, and the counter page is reserved (pal_range_reserved).
 *  - every offset given to the host is checked against the slot first, so a wrong id or
 *    range from the core can never reach another object's bytes.
 */
#include "host.h"
#include "pal.h"

#define MFD_CLOEXEC 1u
#define FALLOC_PUNCH 3 /* FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE */
/* The pool's length: as many slots as a file offset (LLONG_MAX) allows. */
#define MEM_SLOTS ((1ull << 23) - 1)
/* Host read/write calls transfer at most this much at once (Linux's MAX_RW_COUNT). */
#define MEM_IO_MAX 0x7ffff000ul

static long pool_fd = -1;
static uint64_t *next_id;    /* in a MAP_SHARED page: shared by every process */

int pal_direct_mem_init(void)
{
    long fd = HSYS2(__NR_memfd_create, "alcove-mem", MFD_CLOEXEC);
    if (fd < 0)
        return (int)host_ret(fd);
    long r = HSYS2(__NR_ftruncate, fd, MEM_SLOTS * PAL_MEM_MAX_SIZE);
    long page = r < 0 ? r : HSYS6(__NR_mmap, 0, 4096, 3, 0x21 /* SHARED|ANON */, -1, 0);
    if (r < 0 || (page < 0 && page >= -4095)) {
        HSYS1(__NR_close, fd);
        return (int)host_ret(r < 0 ? r : page);
    }
    pal_direct_reserve((uint64_t)page, 4096);
    next_id = (uint64_t *)page;
    *next_id = 1;
    pool_fd = fd;
    return 0;
}

/* The pool offset of [off, off+*n) in object id, with *n clipped to the slot; -EINVAL for
 * a bad id or an offset outside the slot. */
static int64_t slot_off(uint64_t id, uint64_t off, uint64_t *n)
{
    if (pool_fd < 0 || id == 0 || id >= MEM_SLOTS || off > PAL_MEM_MAX_SIZE)
        return -EINVAL;
    if (*n > PAL_MEM_MAX_SIZE - off)
        *n = PAL_MEM_MAX_SIZE - off;
    return (int64_t)(id * PAL_MEM_MAX_SIZE + off);
}

int pal_mem_create(uint64_t *id)
{
    if (pool_fd < 0)
        return -ENOMEM;
    uint64_t k = __atomic_fetch_add(next_id, 1, __ATOMIC_SEQ_CST);
    if (k == 0 || k >= MEM_SLOTS)
        return -ENOMEM;
    *id = k;
    return 0;
}

/* pread/pwrite in pieces the host accepts; a fault after some bytes gives the count. */
static long mem_io(int nr, uint64_t id, void *buf, size_t n, uint64_t off)
{
    uint64_t len = n;
    int64_t base = slot_off(id, off, &len);
    if (base < 0)
        return base;
    if (nr == __NR_pwrite64 && n && !len)
        return -EFBIG; /* past the end of the object */
    size_t done = 0;
    while (done < len) {
        size_t chunk = len - done > MEM_IO_MAX ? MEM_IO_MAX : len - done;
        long r = host_ret(HSYS4(nr, pool_fd, (char *)buf + done, chunk, base + (int64_t)done));
        if (r < 0)
            return done ? (long)done : r;
        if (r == 0 || (size_t)r > chunk)
            break;
        done += (size_t)r;
        if ((size_t)r < chunk)
            break;
    }
    return (long)done;
}

long pal_mem_read(uint64_t id, void *buf, size_t n, uint64_t off)
{
    return mem_io(__NR_pread64, id, buf, n, off);
}

long pal_mem_write(uint64_t id, const void *buf, size_t n, uint64_t off)
{
    return mem_io(__NR_pwrite64, id, (void *)buf, n, off);
}

int pal_mem_discard(uint64_t id, uint64_t off, uint64_t len)
{
    int64_t base = slot_off(id, off, &len);
    if (base < 0)
        return (int)base;
    if (len == 0)
        return 0;
    return (int)host_ret(HSYS4(__NR_fallocate, pool_fd, FALLOC_PUNCH, base, len));
}

int pal_mem_map(uint64_t id, uint64_t off, uint64_t addr, size_t len, int prot, unsigned flags,
                uint64_t *out)
{
    uint64_t n = len;
    int64_t base = slot_off(id, off, &n);
    if (base < 0 || n != len || len == 0 || (off & 4095))
        return -EINVAL;
    /* The same flag translation as pal_vm_map_file (host.c). */
    long f = (flags & PAL_VM_SHARED) ? 0x01 : 0x02;
    if (flags & PAL_VM_FIXED)
        f |= 0x10;
    else if (flags & PAL_VM_NOREPLACE)
        f |= 0x100000; /* MAP_FIXED_NOREPLACE */
    if (flags & PAL_VM_NORESERVE)
        f |= 0x4000;
    long r = HSYS6(__NR_mmap, addr, len, prot, f, pool_fd, base);
    if (r < 0 && r >= -4095)
        return (int)host_ret(r);
    if ((flags & PAL_VM_NOREPLACE) && (uint64_t)r != addr) {
        /* Kernels before 4.17 treat MAP_FIXED_NOREPLACE as a hint. */
        HSYS2(__NR_munmap, r, len);
        return -EEXIST;
    }
    if (flags & PAL_VM_FIXED)
        pal_direct_rw_forget(addr, len, 0); /* rewritten sites there are gone (rewrite.c) */
    *out = (uint64_t)r;
    return 0;
}

void pal_mem_destroy(uint64_t id)
{
    uint64_t len = PAL_MEM_MAX_SIZE;
    int64_t base = slot_off(id, 0, &len);
    if (base >= 0)
        HSYS4(__NR_fallocate, pool_fd, FALLOC_PUNCH, base, len);
}
